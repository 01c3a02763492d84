"""Key-value facts about the bot itself, such as the hash of the last synced command tree."""

from __future__ import annotations

from bot.store.db import Database


class MetaStore:
    """Reads and writes ``meta`` (key → text)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.fetchval("SELECT value FROM meta WHERE key = ?", (key,))

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def identify_slot(self, bucket: int, now: float, interval: float) -> float:
        """Take the next IDENTIFY slot of ``bucket`` shared by every process on this database;
        returns how many seconds to wait for it (0 when it is free now).

        One statement: the row lock of the upsert makes two processes that ask at once get
        successive slots ``interval`` seconds apart.
        """
        async with self.db.transaction():
            next_at = await self.db.fetchval(
                "INSERT INTO identify_slots (bucket, next_at) VALUES (?, ?) "
                "ON CONFLICT (bucket) DO UPDATE SET next_at = CASE "
                "WHEN identify_slots.next_at > ? THEN identify_slots.next_at + ? "
                "ELSE ? END RETURNING next_at",
                (bucket, now + interval, now, interval, now + interval),
            )
        return max(0.0, float(next_at) - interval - now)

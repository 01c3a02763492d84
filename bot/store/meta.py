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

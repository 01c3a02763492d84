"""Rows of the durable timers table: what must happen later, when, and who is running it.

A timer belongs to a guild (``guild_id``; None for the bot's own), so the process serving that
guild's shard runs it. A process *claims* due timers with a lease (``claimed_by``,
``claim_until``) and completes one by deleting it only while it still holds the lease; a
timer scheduled again (same key) drops any claim, so the new due time is never deleted by the
handler that was running the old one. On PostgreSQL several processes claim at once:
``FOR UPDATE SKIP LOCKED`` hands each due row to one of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Database

#: The bits of a snowflake below the timestamp: ``shard = (guild_id >> 22) % shard_count``.
SHARD_SHIFT = 22


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one process serves: ``ids`` of ``count``."""

    count: int
    ids: tuple[int, ...]

    def owns(self, guild_id: int | None) -> bool:
        """True when this process serves ``guild_id`` (a guild-less timer goes to shard 0)."""
        shard = 0 if guild_id is None else (guild_id >> SHARD_SHIFT) % self.count
        return shard in self.ids


@dataclass(frozen=True, slots=True)
class TimerRow:
    """One durable timer; ``parked_at`` is set once it failed too often."""

    id: int
    kind: str
    key: str | None
    due_at: float
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    parked_at: float | None
    guild_id: int | None = None
    claimed_by: str | None = None
    claim_until: float | None = None


def _row(row: Any) -> TimerRow:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return TimerRow(**data)


_COLUMNS = (
    "id, kind, key, due_at, payload, attempts, last_error, parked_at, guild_id, claimed_by, "
    "claim_until"
)
_SELECT = f"SELECT {_COLUMNS} FROM timers"  # noqa: S608


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _shard_filter(shards: Shards | None) -> tuple[str, tuple[Any, ...]]:
    """The SQL condition (with its parameters) for timers of ``shards`` (None: all)."""
    if shards is None:
        return "", ()
    guildless = " OR guild_id IS NULL" if 0 in shards.ids else ""
    shard_of_guild = f"(guild_id / ?) % ? IN ({_marks(shards.ids)})"
    return (
        f" AND ((guild_id IS NOT NULL AND {shard_of_guild}){guildless})",
        (1 << SHARD_SHIFT, shards.count, *shards.ids),
    )


class TimerStore:
    """Reads and writes ``timers``; each write joins the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        kind: str,
        due_at: float,
        payload: dict[str, Any],
        now: float,
        key: str | None,
        guild_id: int | None = None,
    ) -> int:
        """Insert a timer; a timer with the same ``key`` is replaced (new due time, payload,
        no claim)."""
        async with self.db.transaction():
            timer_id = await self.db.fetchval(
                "INSERT INTO timers (kind, key, due_at, payload, created_at, guild_id) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, "
                "payload = excluded.payload, guild_id = excluded.guild_id, attempts = 0, "
                "last_error = NULL, parked_at = NULL, claimed_by = NULL, claim_until = NULL "
                "RETURNING id",
                (kind, key, due_at, json.dumps(payload, sort_keys=True), now, guild_id),
            )
        if timer_id is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return int(timer_id)

    async def get(self, timer_id: int) -> TimerRow | None:
        row = await self.db.fetchone(f"{_SELECT} WHERE id = ?", (timer_id,))
        return _row(row) if row else None

    async def by_key(self, key: str) -> TimerRow | None:
        row = await self.db.fetchone(f"{_SELECT} WHERE key = ?", (key,))
        return _row(row) if row else None

    async def delete(self, timer_id: int) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute("DELETE FROM timers WHERE id = ?", (timer_id,))
            return cursor.rowcount > 0

    async def complete(self, timer_id: int, owner: str) -> bool:
        """Delete a timer this process holds the claim of; False when the claim was lost (the
        lease expired and another process took it, or the timer was scheduled again)."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "DELETE FROM timers WHERE id = ? AND claimed_by = ?", (timer_id, owner)
            )
            return cursor.rowcount > 0

    async def delete_key(self, key: str) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute("DELETE FROM timers WHERE key = ?", (key,))
            return cursor.rowcount > 0

    async def claim_due(
        self, now: float, limit: int, owner: str, lease_until: float, shards: Shards | None = None
    ) -> list[TimerRow]:
        """Claim up to ``limit`` due timers of ``shards`` that nobody holds (or whose lease
        expired) for ``owner`` until ``lease_until``, earliest first."""
        where, params = _shard_filter(shards)
        claimable = (
            "SELECT id FROM timers WHERE parked_at IS NULL AND due_at <= ? "  # noqa: S608
            f"AND (claim_until IS NULL OR claim_until <= ?){where} ORDER BY due_at, id LIMIT ?"
        )
        if self.db.dialect == "postgresql":
            claimable += " FOR UPDATE SKIP LOCKED"
        async with self.db.transaction():
            rows = await self.db.fetchall(
                f"UPDATE timers SET claimed_by = ?, claim_until = ? "  # noqa: S608
                f"WHERE id IN ({claimable}) RETURNING {_COLUMNS}",
                (owner, lease_until, now, now, *params, limit),
            )
        return sorted((_row(r) for r in rows), key=lambda r: (r.due_at, r.id))

    async def wake_at(self, shards: Shards | None = None) -> float | None:
        """When a timer of ``shards`` can next be claimed: its due time, or the end of the
        lease of one held now (a process that died leaves it to expire)."""
        where, params = _shard_filter(shards)
        value = await self.db.fetchval(
            "SELECT min(CASE WHEN claim_until IS NOT NULL AND claim_until > due_at "  # noqa: S608
            f"THEN claim_until ELSE due_at END) FROM timers WHERE parked_at IS NULL{where}",
            params,
        )
        return None if value is None else float(value)

    async def claimable(self, now: float, shards: Shards | None = None) -> int:
        """How many timers of ``shards`` are due and held by nobody."""
        where, params = _shard_filter(shards)
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM timers WHERE parked_at IS NULL AND due_at <= ? "  # noqa: S608
                f"AND (claim_until IS NULL OR claim_until <= ?){where}",
                (now, now, *params),
                default=0,
            )
        )

    async def held_by(self, owner: str) -> int:
        """How many timers ``owner`` holds the claim of."""
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM timers WHERE claimed_by = ?", (owner,), default=0
            )
        )

    async def release(self, owner: str) -> None:
        """Give up every claim of ``owner`` (a graceful stop: the next process runs them)."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE timers SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ?",
                (owner,),
            )

    async def release_all(self) -> None:
        """Give up every claim: only for a database one process uses alone (SQLite), whose
        claims at start-up were left by a process that is gone."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE timers SET claimed_by = NULL, claim_until = NULL "
                "WHERE claimed_by IS NOT NULL"
            )

    async def record_failure(
        self, timer_id: int, owner: str, error: str, retry_at: float | None, now: float
    ) -> bool:
        """Count a failed attempt of a timer ``owner`` holds: retry at ``retry_at``, or park it
        when that is None. The claim is given up either way; False when it was lost."""
        async with self.db.transaction():
            if retry_at is None:
                cursor = await self.db.execute(
                    "UPDATE timers SET attempts = attempts + 1, last_error = ?, parked_at = ?, "
                    "claimed_by = NULL, claim_until = NULL WHERE id = ? AND claimed_by = ?",
                    (error, now, timer_id, owner),
                )
            else:
                cursor = await self.db.execute(
                    "UPDATE timers SET attempts = attempts + 1, last_error = ?, due_at = ?, "
                    "claimed_by = NULL, claim_until = NULL WHERE id = ? AND claimed_by = ?",
                    (error, retry_at, timer_id, owner),
                )
            return cursor.rowcount > 0

    async def parked(self) -> list[TimerRow]:
        rows = await self.db.fetchall(f"{_SELECT} WHERE parked_at IS NOT NULL ORDER BY id")
        return [_row(r) for r in rows]

    async def by_kind(self, kind: str) -> list[TimerRow]:
        rows = await self.db.fetchall(f"{_SELECT} WHERE kind = ? ORDER BY due_at, id", (kind,))
        return [_row(r) for r in rows]

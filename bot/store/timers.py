"""Rows of the durable timers table: what must happen later, and when."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Database


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


def _row(row: Any) -> TimerRow:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return TimerRow(**data)


_SELECT = "SELECT id, kind, key, due_at, payload, attempts, last_error, parked_at FROM timers"


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
        """Insert a timer; a timer with the same ``key`` is replaced (new due time, payload)."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO timers (kind, key, due_at, payload, created_at, guild_id) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, "
                "payload = excluded.payload, guild_id = excluded.guild_id, attempts = 0, "
                "last_error = NULL, parked_at = NULL RETURNING id",
                (kind, key, due_at, json.dumps(payload, sort_keys=True), now, guild_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
        if row is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return int(row[0])

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

    async def delete_key(self, key: str) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute("DELETE FROM timers WHERE key = ?", (key,))
            return cursor.rowcount > 0

    async def next_due(self, exclude: Sequence[int] = ()) -> TimerRow | None:
        """The earliest timer that is not parked and not in ``exclude``."""
        marks = ", ".join("?" * len(exclude))
        where = f" AND id NOT IN ({marks})" if exclude else ""
        row = await self.db.fetchone(
            f"{_SELECT} WHERE parked_at IS NULL{where} ORDER BY due_at, id LIMIT 1",
            tuple(exclude),
        )
        return _row(row) if row else None

    async def due(self, now: float, limit: int, exclude: Sequence[int] = ()) -> list[TimerRow]:
        marks = ", ".join("?" * len(exclude))
        where = f" AND id NOT IN ({marks})" if exclude else ""
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE parked_at IS NULL AND due_at <= ?{where} ORDER BY due_at, id LIMIT ?",
            (now, *exclude, limit),
        )
        return [_row(r) for r in rows]

    async def record_failure(
        self, timer_id: int, error: str, retry_at: float | None, now: float
    ) -> None:
        """Count a failed attempt: retry at ``retry_at``, or park the timer when it is None."""
        async with self.db.transaction():
            if retry_at is None:
                await self.db.execute(
                    "UPDATE timers SET attempts = attempts + 1, last_error = ?, parked_at = ? "
                    "WHERE id = ?",
                    (error, now, timer_id),
                )
            else:
                await self.db.execute(
                    "UPDATE timers SET attempts = attempts + 1, last_error = ?, due_at = ? "
                    "WHERE id = ?",
                    (error, retry_at, timer_id),
                )

    async def parked(self) -> list[TimerRow]:
        rows = await self.db.fetchall(f"{_SELECT} WHERE parked_at IS NOT NULL ORDER BY id")
        return [_row(r) for r in rows]

    async def by_kind(self, kind: str) -> list[TimerRow]:
        rows = await self.db.fetchall(f"{_SELECT} WHERE kind = ? ORDER BY due_at, id", (kind,))
        return [_row(r) for r in rows]

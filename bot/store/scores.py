"""The score ledger (append-only) and the totals that leaderboards read.

Every award goes through :meth:`ScoreStore.add`, which appends the ledger row and updates the
totals of every board and period it counts towards, in one transaction (joining the caller's
transaction when there is one, so an answer and its points commit together).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.scores import boards_for, period_keys
from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class Season:
    guild_id: int
    number: int
    name: str
    started_at: float
    started_by: int | None


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    guild_id: int
    season: int
    user_id: int
    category: str
    points: int
    reason: str
    reference: str | None
    created_by: int | None
    created_at: float


class ScoreStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current_season(self, guild_id: int, now: float) -> Season:
        """The guild's running season, creating "Season 1" the first time it is needed."""
        row = await self.db.fetchone(
            "SELECT guild_id, number, name, started_at, started_by FROM seasons "
            "WHERE guild_id = ? ORDER BY number DESC LIMIT 1",
            (guild_id,),
        )
        if row:
            return Season(**dict(row))
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO seasons (guild_id, number, name, started_at, started_by) "
                "VALUES (?, 1, 'Season 1', ?, NULL) ON CONFLICT DO NOTHING",
                (guild_id, now),
            )
        return await self.current_season(guild_id, now)

    async def add(
        self,
        guild_id: int,
        user_id: int,
        category: str,
        points: int,
        reason: str,
        now: float,
        *,
        reference: str | None = None,
        created_by: int | None = None,
    ) -> LedgerRow:
        """Append a ledger row and update the totals with it, atomically."""
        boards = boards_for(category)
        async with self.db.transaction():
            season = (await self.current_season(guild_id, now)).number
            cursor = await self.db.execute(
                "INSERT INTO score_events (guild_id, season, user_id, category, points, reason, "
                "reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, season, user_id, category, points, reason, reference, created_by, now),
            )
            row_id = cursor.lastrowid
            await cursor.close()
            await self.db.executemany(
                "INSERT INTO score_totals (guild_id, board, period, user_id, points, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, board, period, user_id) "
                "DO UPDATE SET points = points + excluded.points, updated_at = excluded.updated_at",
                [
                    (guild_id, board, period, user_id, points, now)
                    for board in boards
                    for period in period_keys(now, season)
                ],
            )
        if row_id is None:
            raise RuntimeError("the ledger insert gave no row id")
        return LedgerRow(
            row_id, guild_id, season, user_id, category, points, reason, reference, created_by, now
        )

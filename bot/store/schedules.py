"""Scheduled quizzes in SQLite: the timetable of each schedule, its next run and pause state.

Writes join the caller's transaction when there is one, so a cog can claim a run, store the
next one and schedule its timer in one commit. The rules (when the next run is, whether a late
run still happens) live in :mod:`bot.rules.schedule`; this module only stores what it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import Conflict
from bot.rules.schedule import MAX_SCHEDULES, Rule
from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    name: str
    local_time: str
    timezone: str
    days: str
    questions: int
    seconds: int
    section: str | None
    difficulty: str | None
    next_run_at: float | None
    paused_at: float | None
    paused_reason: str | None
    last_run_at: float | None
    last_outcome: str | None
    created_by: int | None
    created_at: float
    updated_at: float
    #: The pack its runs use; None: the guild's default pack at run time.
    pack_id: str | None = None
    mode: str = "normal"
    ping_role_id: int | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def rule(self) -> Rule:
        return Rule.parse(self.local_time, self.timezone, self.days)


_COLUMNS = (
    "id, guild_id, channel_id, name, local_time, timezone, days, questions, seconds, section, "
    "difficulty, next_run_at, paused_at, paused_reason, last_run_at, last_outcome, created_by, "
    "created_at, updated_at, pack_id, mode, ping_role_id"
)
_SELECT = f"SELECT {_COLUMNS} FROM schedules"  # noqa: S608 - constant column list


def _schedule(row: Any) -> Schedule:
    return Schedule(**dict(row))


class ScheduleStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        guild_id: int,
        channel_id: int,
        name: str,
        rule: Rule,
        questions: int,
        seconds: int,
        section: str | None,
        difficulty: str | None,
        next_run_at: float,
        created_by: int | None,
        now: float,
        limit: int = MAX_SCHEDULES,
        pack_id: str | None = None,
        mode: str = "normal",
        ping_role_id: int | None = None,
    ) -> Schedule:
        """Store a new schedule; :class:`Conflict` when the guild already has ``limit``."""
        async with self.db.transaction():
            if await self.count(guild_id) >= limit:
                raise Conflict(
                    f"This server already has {limit} schedules, the most allowed: "
                    "remove one with /schedule remove first."
                )
            cursor = await self.db.execute(
                "INSERT INTO schedules (guild_id, channel_id, name, local_time, timezone, days, "
                "questions, seconds, section, difficulty, next_run_at, created_by, created_at, "
                "updated_at, pack_id, mode, ping_role_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    guild_id, channel_id, name, rule.time.text, rule.zone, rule.days.text,
                    questions, seconds, section, difficulty, next_run_at, created_by, now, now,
                    pack_id, mode, ping_role_id,
                ),
            )  # fmt: skip
            row = await cursor.fetchone()
            await cursor.close()
            if row is None:
                raise RuntimeError("INSERT ... RETURNING gave no row")
            schedule = await self.get(int(row[0]))
        if schedule is None:
            raise RuntimeError("a schedule vanished right after it was stored")
        return schedule

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self.db.fetchone(f"{_SELECT} WHERE id = ?", (schedule_id,))
        return _schedule(row) if row else None

    async def in_guild(self, guild_id: int) -> list[Schedule]:
        """The guild's schedules, oldest first."""
        rows = await self.db.fetchall(f"{_SELECT} WHERE guild_id = ? ORDER BY id", (guild_id,))
        return [_schedule(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM schedules WHERE guild_id = ?", (guild_id,), default=0
            )
        )

    async def delete(self, schedule_id: int) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            return cursor.rowcount > 0

    async def pause(self, schedule_id: int, reason: str, now: float) -> bool:
        """Pause with ``reason`` (no next run); False when the schedule is gone or paused."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE schedules SET paused_at = ?, paused_reason = ?, next_run_at = NULL, "
                "updated_at = ? WHERE id = ? AND paused_at IS NULL",
                (now, reason, now, schedule_id),
            )
            return cursor.rowcount > 0

    async def resume(self, schedule_id: int, next_run_at: float, now: float) -> bool:
        """Clear the pause and set the next run; False when the schedule is gone or running."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE schedules SET paused_at = NULL, paused_reason = NULL, next_run_at = ?, "
                "updated_at = ? WHERE id = ? AND paused_at IS NOT NULL",
                (next_run_at, now, schedule_id),
            )
            return cursor.rowcount > 0

    async def claim_run(
        self,
        schedule_id: int,
        planned_at: float,
        next_run_at: float,
        outcome: str,
        now: float,
        *,
        run_at: float | None = None,
    ) -> bool:
        """Take the run planned for ``planned_at`` and move on to ``next_run_at``.

        Succeeds only while the schedule is active and still waits for exactly that run, so a
        run is claimed once even when its timer fires twice. ``run_at`` is the run actually
        carried out when a later one replaces it after downtime (default ``planned_at``).
        """
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_outcome = ?, "
                "updated_at = ? WHERE id = ? AND paused_at IS NULL AND next_run_at = ?",
                (
                    next_run_at,
                    planned_at if run_at is None else run_at,
                    outcome,
                    now,
                    schedule_id,
                    planned_at,
                ),
            )
            return cursor.rowcount > 0

    async def record_outcome(
        self, schedule_id: int, outcome: str, now: float, *, run_at: float | None = None
    ) -> None:
        """Note what became of the latest run (posted, skipped...) for /schedule list."""
        async with self.db.transaction():
            if run_at is None:
                await self.db.execute(
                    "UPDATE schedules SET last_outcome = ?, updated_at = ? WHERE id = ?",
                    (outcome, now, schedule_id),
                )
            else:
                await self.db.execute(
                    "UPDATE schedules SET last_outcome = ?, last_run_at = ?, updated_at = ? "
                    "WHERE id = ?",
                    (outcome, run_at, now, schedule_id),
                )

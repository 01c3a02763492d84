"""The store: the only package that runs SQL, on SQLite (the default) or PostgreSQL.

:class:`Store` opens the database (:mod:`bot.store.db`) and exposes one object per area
(``store.guilds``, ``store.timers``, ``store.scores``, ...). Each area's methods return
dataclasses, not rows. Use ``async with store.transaction():`` to make several area calls
commit together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.store.db import Database, DatabaseTooNew, IntegrityError, open_database
from bot.store.debates import DebateStore
from bot.store.guilds import GuildSettings, GuildStore
from bot.store.insights import InsightsStore
from bot.store.meta import MetaStore
from bot.store.packs import PackStore, PackUsers, PackVersion
from bot.store.quiz import QuizStore
from bot.store.schedules import ScheduleStore
from bot.store.scores import ScoreStore
from bot.store.timers import TimerRow, TimerStore

__all__ = [
    "Database",
    "DatabaseTooNew",
    "GuildSettings",
    "IntegrityError",
    "PackUsers",
    "PackVersion",
    "Store",
    "TimerRow",
]


class Store:
    """Every area of the database behind one open connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.meta = MetaStore(db)
        self.guilds = GuildStore(db)
        self.timers = TimerStore(db)
        self.scores = ScoreStore(db)
        self.debates = DebateStore(db)
        self.quiz = QuizStore(db)
        self.schedules = ScheduleStore(db)
        self.packs = PackStore(db)
        self.insights = InsightsStore(db)

    @classmethod
    async def open(cls, target: Path | str, *, schema: str | None = None) -> Store:
        """Open the database ``target`` names (an SQLite file, its folder created, or a
        ``postgresql://`` URL) and migrate it to the latest version."""
        return cls(await open_database(target, schema=schema))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.dialect

    async def close(self) -> None:
        await self.quiz.batcher.close()
        await self.db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        async with self.db.transaction():
            yield self

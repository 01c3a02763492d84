"""The one SQLite connection: pragmas, numbered migrations and write transactions.

Migrations are ``migrations/NNNN_name.sql`` files applied in order; the highest applied number is
kept in ``PRAGMA user_version``. Numbers may leave gaps. Write transactions are serialised by a
lock, so concurrent tasks never interleave statements inside one transaction; a transaction
opened while the same task already holds one joins it. Statements outside a transaction wait for
the lock too, so a read never sees another task's uncommitted writes.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_owner: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
    "transaction_owner", default=None
)


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the bot."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration file in ``folder``, in order; a malformed name is a programming error."""
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} must be named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), path.name, path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number: {versions}")
    return migrations


class Database:
    """An open aiosqlite connection with the project's conventions."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: Path | str, migrations: Iterable[Migration] | None = None
    ) -> Database:
        """Open (creating the folder), set the pragmas and migrate to the latest version."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn)
        try:
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA busy_timeout=5000",
            ):
                await conn.execute(pragma)
            await db.migrate(load_migrations() if migrations is None else list(migrations))
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: list[Migration]) -> int:
        """Apply every migration newer than the database; refuse a database that is newer."""
        current = await self.user_version()
        latest = max((m.version for m in migrations), default=0)
        if current > latest:
            raise DatabaseTooNew(
                f"The database is at schema version {current} but this version of the bot only "
                f"knows up to {latest}: update the bot or point DATABASE_PATH at another file."
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            log.info("applying migration %s", migration.name)
            # executescript commits on its own, so the version bump rides inside the script.
            await self.conn.executescript(
                f"BEGIN;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        return max(current, latest)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Commit everything inside the block, or nothing if it raises."""
        if self._in_own_transaction():
            yield self
            return
        async with self._lock:
            token = _owner.set(asyncio.current_task())
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self.conn.rollback()
                    raise
                await self.conn.commit()
            finally:
                _owner.reset(token)

    def _in_own_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and _owner.get() is task

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for any other task's open transaction, so reads never see uncommitted rows."""
        if self._in_own_transaction():
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        async with self._turn():
            return await self.conn.execute(sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._turn():
            await self.conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._turn(), self.conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._turn(), self.conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetchval(self, sql: str, params: Iterable[Any] = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

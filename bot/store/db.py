"""The database connection the store runs on: SQLite (embedded, the default) or PostgreSQL.

Both speak one small API, so the store's SQL is written once (portable SQL with ``?``
placeholders) and runs on either:

- ``execute`` returns a result with ``rowcount`` and ``fetchone``/``fetchall`` (for
  ``RETURNING``); ``executemany``; ``fetchone``/``fetchall``/``fetchval`` read; ``select``
  reads in one round trip.
- ``transaction()`` commits everything inside the block or nothing; a transaction opened while
  the same task already holds one joins it. Write transactions of one process are serialised by
  a lock, so tasks never interleave statements inside one transaction; across processes
  (PostgreSQL) writes are guarded by their ``WHERE`` clauses (compare-and-set) and row locks.
- ``savepoint()`` lets one statement fail (a unique constraint) without spoiling the
  transaction around it (PostgreSQL aborts the whole transaction otherwise).
- A broken constraint raises :class:`IntegrityError`; a database that cannot be reached
  raises :class:`~bot.errors.StoreUnavailable`, whose sentence asks the member to try again.

Migrations are numbered SQL files per dialect (``migrations/sqlite/NNNN_name.sql``,
``migrations/postgresql/NNNN_name.sql``), applied in order; SQLite keeps the version in
``PRAGMA user_version``, PostgreSQL in the ``schema_version`` table, migrated under an advisory
lock so processes that start together do not race. A database newer than the code is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

import aiosqlite

from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the bot."""


class IntegrityError(Exception):
    """A statement broke a constraint (a unique index, a foreign key, a check)."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def load_migrations(dialect: str = "sqlite", folder: Path | None = None) -> list[Migration]:
    """Every migration file of ``dialect`` (or in ``folder``), in order."""
    folder = folder or MIGRATIONS_DIR / dialect
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


def too_new(current: int, latest: int, where: str) -> DatabaseTooNew:
    """The refusal of a database written by a newer bot; ``where`` is the setting to change."""
    other = "file" if where == "DATABASE_PATH" else "database"
    return DatabaseTooNew(
        f"The database is at schema version {current} but this version of the bot only knows "
        f"up to {latest}: update the bot or point {where} at another {other}."
    )


class Result(Protocol):
    """What ``execute`` returns: the rows a ``RETURNING`` gave, and how many rows changed."""

    rowcount: int

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    async def close(self) -> None: ...


class Database:
    """The API the store runs on (see the module docstring); one subclass per dialect."""

    dialect: ClassVar[str] = ""
    #: The setting that names this database, for messages.
    setting: ClassVar[str] = ""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
            f"transaction_owner_{id(self)}", default=None
        )
        self._pending: list[Callable[[], None]] = []

    @property
    def description(self) -> str:
        """Which database this is, for ``python -m bot check`` and the log."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def schema_version(self) -> int:
        raise NotImplementedError

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Result:
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def select(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query in one round trip (the hot path of answer batches)."""
        return await self.fetchall(sql, params)

    async def fetchval(self, sql: str, params: Iterable[Any] = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None or row[0] is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Commit everything inside the block, or nothing if it raises; a task that already
        holds the transaction joins it. One transaction at a time per process."""
        if self.in_transaction():
            yield self
            return
        async with self._lock:
            token = self._owner.set(asyncio.current_task())
            try:
                async with self._begin():
                    yield self
            except BaseException:
                self._rolled_back()
                raise
            else:
                self._committed()
            finally:
                self._owner.reset(token)

    def _begin(self) -> Any:
        """The dialect's transaction: an async context that begins, commits on leaving, and
        rolls back when the block raises."""
        raise NotImplementedError

    def savepoint(self) -> Any:
        raise NotImplementedError

    def in_transaction(self) -> bool:
        """True when the current task holds this database's open transaction."""
        task = asyncio.current_task()
        return task is not None and self._owner.get() is task

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the current transaction commits (at once outside one).

        A timer scheduled inside a transaction wakes the timer loop only when its row can be
        seen: before the commit another connection would not find it.
        """
        if self.in_transaction():
            self._pending.append(callback)
        else:
            callback()

    def _committed(self) -> None:
        pending, self._pending = self._pending, []
        for callback in pending:
            callback()

    def _rolled_back(self) -> None:
        self._pending = []


class SQLiteDatabase(Database):
    """An open aiosqlite connection: WAL, foreign keys, ``synchronous=NORMAL``, busy timeout."""

    dialect = "sqlite"
    setting = "DATABASE_PATH"

    def __init__(self, conn: aiosqlite.Connection, path: Path | str = ":memory:") -> None:
        super().__init__()
        self.conn = conn
        self.path = path
        self._inline: sqlite3.Connection | None = None

    @classmethod
    async def open(
        cls, path: Path | str, migrations: Iterable[Migration] | None = None
    ) -> SQLiteDatabase:
        """Open (creating the folder), set the pragmas and migrate to the latest version."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA busy_timeout=5000",
            ):
                await conn.execute(pragma)
            await db.migrate(load_migrations("sqlite") if migrations is None else list(migrations))
        except BaseException:
            await conn.close()
            raise
        return db

    @property
    def description(self) -> str:
        return f"SQLite at {self.path}"

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await self.conn.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    user_version = schema_version

    async def migrate(self, migrations: list[Migration]) -> int:
        """Apply every migration newer than the database; refuse a database that is newer."""
        current = await self.schema_version()
        latest = max((m.version for m in migrations), default=0)
        if current > latest:
            raise too_new(current, latest, self.setting)
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
    async def _begin(self) -> AsyncIterator[None]:
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
            yield
            await self.conn.commit()
        except BaseException:
            await self._abandon()
            raise

    async def _abandon(self) -> None:
        """Roll back whatever is open, even when the task is being cancelled: a BEGIN or a
        COMMIT interrupted by a cancellation may have run in aiosqlite's thread all the same,
        and a connection left inside a transaction refuses the next BEGIN."""
        if self.conn.in_transaction:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.conn.rollback())

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[SQLiteDatabase]:
        """A failure inside the block undoes only the block (inside a transaction)."""
        await self.conn.execute("SAVEPOINT store_step")
        try:
            yield self
        except BaseException:
            await self.conn.execute("ROLLBACK TO SAVEPOINT store_step")
            await self.conn.execute("RELEASE SAVEPOINT store_step")
            raise
        await self.conn.execute("RELEASE SAVEPOINT store_step")

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for any other task's open transaction, so reads never see uncommitted rows."""
        if self.in_transaction():
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        async with self._turn():
            try:
                return await self.conn.execute(sql, tuple(params))
            except sqlite3.IntegrityError as error:
                raise IntegrityError(str(error)) from error

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._turn():
            try:
                await self.conn.executemany(sql, [tuple(r) for r in rows])
            except sqlite3.IntegrityError as error:
                raise IntegrityError(str(error)) from error

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to aiosqlite's thread (execute, fetch and close would take three).
        async with self._turn():
            try:
                return list(await self.conn.execute_fetchall(sql, tuple(params)))
            except sqlite3.IntegrityError as error:
                raise IntegrityError(str(error)) from error

    async def select(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.fetchall(sql, params)

    async def run_sync(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` with a plain sqlite3 connection on this thread, holding the write lock;
        ``work`` begins and ends its own transaction.

        For the hot path of answer batches: a batch through aiosqlite would take one trip to
        its thread per statement, each waiting for the busy event loop (more CPU and context
        switches per click than the SQL itself). A batch is a few hundred microseconds of
        SQLite, so it runs here, on a second connection to the same file (WAL lets the other
        connection read meanwhile). That connection never checkpoints: the main one does.
        """
        if self.in_transaction():
            raise RuntimeError("run_sync cannot join a transaction the task already holds")
        async with self._lock:
            try:
                if str(self.path) == ":memory:":  # a second connection would see another db
                    return await self.conn._execute(work, self.conn._conn)
                return work(self._direct())
            except sqlite3.IntegrityError as error:
                raise IntegrityError(str(error)) from error

    def _direct(self) -> sqlite3.Connection:
        if self._inline is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            for pragma in (
                "PRAGMA foreign_keys=ON",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA busy_timeout=5000",
                "PRAGMA wal_autocheckpoint=0",
            ):
                conn.execute(pragma)
            self._inline = conn
        return self._inline


async def open_database(
    target: str | Path, *, schema: str | None = None, migrations: list[Migration] | None = None
) -> Database:
    """Open the database ``target`` names: a ``postgresql://`` URL, or an SQLite file path.

    ``schema`` (PostgreSQL only) puts every table in that schema, which tests use to keep
    their data apart. Raises :class:`DatabaseTooNew` or :class:`StoreUnavailable`.
    """
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):  # noqa: ASYNC240
        from bot.store.postgres import PostgresDatabase

        return await PostgresDatabase.open(target, schema=schema, migrations=migrations)
    try:
        return await SQLiteDatabase.open(Path(target), migrations)
    except sqlite3.Error as error:
        raise StoreUnavailable(
            f"DATABASE_PATH: the SQLite file {target} cannot be opened ({error})."
        ) from error


@dataclass(frozen=True, slots=True)
class Probe:
    """What ``python -m bot check`` reports of a database, without changing it."""

    description: str
    version: int
    latest: int

    @property
    def too_new(self) -> bool:
        return self.version > self.latest


async def probe_database(target: str | Path) -> Probe:
    """Connect to the database ``target`` names and read its schema version; nothing is
    created or migrated. Raises :class:`StoreUnavailable` when it cannot be reached."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):  # noqa: ASYNC240
        from bot.store.postgres import probe_postgres

        return await probe_postgres(target)
    path = Path(target)
    latest = max(m.version for m in load_migrations("sqlite"))
    description = f"SQLite at {path}"
    if not path.exists():  # noqa: ASYNC240 - one stat at the command line
        return Probe(f"{description} (not created yet: the bot creates it on start)", 0, latest)
    try:
        async with (
            aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn,
            conn.execute("PRAGMA user_version") as cursor,
        ):
            row = await cursor.fetchone()
    except sqlite3.Error as error:
        raise StoreUnavailable(
            f"DATABASE_PATH: the SQLite file {path} cannot be opened ({error})."
        ) from error
    return Probe(description, int(row[0]) if row else 0, latest)

"""PostgreSQL through an asyncpg pool: the shared database when the bot runs as several processes.

The store's SQL is written once with ``?`` placeholders; :func:`numbered` turns them into
PostgreSQL's ``$1, $2...`` (outside string literals) once per statement. A statement outside a
transaction borrows a pooled connection; a transaction keeps one connection for the task that
opened it. A lost connection (the server restarted) surfaces as
:class:`~bot.errors.StoreUnavailable` and the pool reconnects on the next statement; a read
outside a transaction is tried once more on a fresh connection first.

The URL's password never appears in a log line or an error: :func:`redact` hides it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.errors import StoreUnavailable
from bot.store.db import (
    Database,
    IntegrityError,
    Migration,
    Probe,
    load_migrations,
    too_new,
)

log = logging.getLogger(__name__)

#: The advisory lock migrations hold, so processes that start together migrate once.
MIGRATION_LOCK = 7_263_874_001
CONNECT_TIMEOUT = 10.0
_RETURNS_ROWS = re.compile(r"\bRETURNING\b|^\s*(SELECT|WITH|VALUES|SHOW)\b", re.IGNORECASE)
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
    TimeoutError,
)


def redact(url: str) -> str:
    """The URL without its password (``postgresql://bot:***@host:5432/db``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def where(url: str) -> str:
    """``host:port/dbname`` of a URL, for sentences."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


@lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """``?`` placeholders as ``$1, $2...``, leaving string literals and identifiers alone."""
    out: list[str] = []
    count = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            count += 1
            out.append(f"${count}")
            continue
        out.append(char)
    return "".join(out)


def _rowcount(status: str) -> int:
    """Rows a command touched, from its status (``UPDATE 3``, ``INSERT 0 1``, ``DELETE 2``)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgResult:
    """The rows a statement returned and how many rows it touched (like a DB-API cursor)."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self.rows

    async def close(self) -> None:
        return None


class PostgresDatabase(Database):
    """An asyncpg pool with the store's API (see :mod:`bot.store.db`)."""

    dialect = "postgresql"
    setting = "DATABASE_URL"

    def __init__(self, pool: asyncpg.Pool, url: str, schema: str | None) -> None:
        super().__init__()
        self.pool = pool
        self.url = url
        self.schema = schema
        self._connection: asyncpg.Connection | None = None
        self._listener: asyncpg.Connection | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        schema: str | None = None,
        migrations: list[Migration] | None = None,
        max_size: int = 10,
    ) -> PostgresDatabase:
        """Connect (a pool of up to ``max_size``) and migrate; :class:`StoreUnavailable` when
        the server cannot be reached, naming ``DATABASE_URL`` without its password."""
        settings = {"search_path": schema} if schema else None
        try:
            if schema:
                await cls._create_schema(url, schema)
            pool = await asyncpg.create_pool(
                dsn=url,
                min_size=1,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT,
                server_settings=settings,
                reset=_light_reset,
            )
        except (*_LOST, asyncpg.PostgresError) as error:
            raise StoreUnavailable(
                f"DATABASE_URL: the PostgreSQL server at {where(url)} cannot be used "
                f"({_reason(error)})."
            ) from None
        db = cls(pool, url, schema)
        try:
            await db.migrate(load_migrations("postgresql") if migrations is None else migrations)
        except BaseException:
            await pool.close()
            raise
        return db

    @staticmethod
    async def _create_schema(url: str, schema: str) -> None:
        conn = await asyncpg.connect(dsn=url, timeout=CONNECT_TIMEOUT)
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        except asyncpg.UniqueViolationError:
            pass  # another process created it at the same moment
        finally:
            await conn.close()

    @property
    def description(self) -> str:
        schema = f" (schema {self.schema})" if self.schema else ""
        return f"PostgreSQL at {where(self.url)}{schema}"

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        await self.pool.close()

    async def drop_schema(self) -> None:
        """Remove this database's schema and everything in it (tests clean up with it)."""
        if self.schema:
            async with self.pool.acquire() as conn:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    # --- migrations ---------------------------------------------------------------------------

    async def schema_version(self) -> int:
        exists = await self.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.fetchval("SELECT max(version) FROM schema_version", default=0))

    async def migrate(self, migrations: list[Migration]) -> int:
        """Apply every newer migration in one transaction under an advisory lock."""
        latest = max((m.version for m in migrations), default=0)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
            if current > latest:
                raise too_new(current, latest, self.setting)
            for migration in migrations:
                if migration.version <= current:
                    continue
                log.info("applying migration %s (PostgreSQL)", migration.name)
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)", migration.version
                )
        return max(current, latest)

    # --- statements ---------------------------------------------------------------------------

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        """The transaction's connection for its task, else one borrowed from the pool."""
        if self.in_transaction() and self._connection is not None:
            yield self._connection
            return
        holder = self.pool.acquire(timeout=CONNECT_TIMEOUT)
        conn = await self._connect(holder)
        try:
            yield conn
        finally:
            await self._give_back(holder)

    @staticmethod
    async def _connect(holder: Any) -> asyncpg.Connection:
        """A pooled connection; a server that refuses connections (restarting, shutting down,
        not accepting them) is :class:`StoreUnavailable`."""
        try:
            return await holder.__aenter__()
        except (*_LOST, asyncpg.PostgresError) as error:
            log.warning("the database cannot be reached: %s", _reason(error))
            raise StoreUnavailable() from error

    @staticmethod
    async def _give_back(holder: Any) -> None:
        try:
            await holder.__aexit__(None, None, None)
        except (*_LOST, asyncpg.PostgresError) as error:
            log.info("a broken connection went back to the pool: %s", _reason(error))

    async def _run(self, call: Callable[[asyncpg.Connection], Any], *, retry: bool) -> Any:
        tries = 2 if retry and not self.in_transaction() else 1
        for attempt in range(1, tries + 1):
            try:
                async with self._conn() as conn:
                    return await call(conn)
            except asyncpg.IntegrityConstraintViolationError as error:
                raise IntegrityError(str(error)) from error
            except StoreUnavailable:
                if attempt == tries:
                    raise
            except _LOST as error:
                if attempt == tries:
                    log.warning("the database connection failed: %s", _reason(error))
                    raise StoreUnavailable() from error
        raise AssertionError("unreachable")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> PgResult:
        query, args = numbered(sql), tuple(params)

        async def run(conn: asyncpg.Connection) -> PgResult:
            if _RETURNS_ROWS.search(sql):
                rows = await conn.fetch(query, *args)
                return PgResult(rows, len(rows))
            return PgResult([], _rowcount(await conn.execute(query, *args)))

        return await self._run(run, retry=False)  # type: ignore[no-any-return]

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        query = numbered(sql)

        async def run(conn: asyncpg.Connection) -> None:
            await conn.executemany(query, batch)

        await self._run(run, retry=False)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        query, args = numbered(sql), tuple(params)

        async def run(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return list(await conn.fetch(query, *args))

        # Only a plain read is tried again: a write may have committed before the line broke.
        retry = sql.lstrip()[:6].upper() == "SELECT"
        return await self._run(run, retry=retry)  # type: ignore[no-any-return]

    async def select(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self.fetchall(sql, params)

    # --- transactions -------------------------------------------------------------------------

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[None]:
        holder = self.pool.acquire(timeout=CONNECT_TIMEOUT)
        conn = await self._connect(holder)
        try:
            transaction = conn.transaction()
            try:
                await transaction.start()
            except _LOST as error:
                raise StoreUnavailable() from error
            self._connection = conn
            try:
                yield
            except BaseException:
                await self._rollback(transaction)
                raise
            try:
                await transaction.commit()
            except _LOST as error:
                raise StoreUnavailable() from error
        finally:
            self._connection = None
            await self._give_back(holder)

    @staticmethod
    async def _rollback(transaction: Any) -> None:
        try:
            await transaction.rollback()
        except (*_LOST, asyncpg.PostgresError) as error:
            log.info("rollback after a failure did not complete: %s", _reason(error))

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[PostgresDatabase]:
        """A failure inside the block undoes only the block (inside a transaction)."""
        if self._connection is None:
            raise RuntimeError("a savepoint needs an open transaction")
        async with self._connection.transaction():
            yield self

    # --- notifications ------------------------------------------------------------------------

    async def notify(self, channel: str, payload: str = "") -> None:
        """Send a notification; inside a transaction it is delivered at commit."""
        await self.execute("SELECT pg_notify(?, ?)", (channel, payload))

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(payload)`` for each notification on ``channel`` (one connection)."""

        def received(connection: Any, pid: int, name: str, payload: str) -> None:
            callback(payload)

        if self._listener is None or self._listener.is_closed():
            settings = {"search_path": self.schema} if self.schema else None
            self._listener = await asyncpg.connect(
                dsn=self.url, timeout=CONNECT_TIMEOUT, server_settings=settings
            )
        await self._listener.add_listener(channel, received)

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()


async def _light_reset(conn: asyncpg.Connection) -> None:
    """What a connection needs before the pool lends it again: only a transaction left open
    (asyncpg's default reset costs a round trip per statement outside a transaction, and the
    store keeps no session state: no SET, no LISTEN, no cursors on pooled connections)."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _reason(error: BaseException) -> str:
    """A short reason without the URL (asyncpg's messages never carry the password)."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


async def probe_postgres(url: str) -> Probe:
    """Connect once and read the schema version (0 for an empty database)."""
    latest = max(m.version for m in load_migrations("postgresql"))
    try:
        conn = await asyncpg.connect(dsn=url, timeout=CONNECT_TIMEOUT)
    except (*_LOST, asyncpg.PostgresError) as error:
        raise StoreUnavailable(
            f"DATABASE_URL: the PostgreSQL server at {where(url)} cannot be used "
            f"({_reason(error)})."
        ) from None
    try:
        exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        version = await conn.fetchval("SELECT max(version) FROM schema_version") if exists else 0
    finally:
        await conn.close()
    return Probe(f"PostgreSQL at {where(url)}", int(version or 0), latest)

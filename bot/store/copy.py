"""``python -m bot migrate-to-postgres``: one SQLite database copied into an empty PostgreSQL one.

Every table is copied in the order its migration created it (parents before children), in one
PostgreSQL transaction. Before committing, the row count of every table and the ledger's sum per
member are compared between the two; any difference rolls everything back. A target that
already holds rows is refused, so nothing is ever merged or overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.store.db import SQLiteDatabase
from bot.store.postgres import PostgresDatabase

BATCH = 1000


class CopyRefused(Exception):
    """The copy cannot be made (a non-empty target, counts that differ); nothing was written."""


async def _tables(source: SQLiteDatabase) -> list[str]:
    rows = await source.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid"
    )
    return [row["name"] for row in rows]


async def _columns(source: SQLiteDatabase, table: str) -> list[str]:
    return [row["name"] for row in await source.fetchall(f'PRAGMA table_info("{table}")')]


async def _ledger_sums(db: Any) -> dict[tuple[int, int], int]:
    rows = await db.fetchall(
        "SELECT guild_id, user_id, SUM(points) AS total FROM score_events "
        "GROUP BY guild_id, user_id"
    )
    return {(int(r["guild_id"]), int(r["user_id"])): int(r["total"]) for r in rows}


async def copy_sqlite_to_postgres(path: Path, url: str, *, schema: str | None = None) -> list[str]:
    """Copy the SQLite file at ``path`` into the PostgreSQL database at ``url`` (its ``schema``,
    for tests); returns the lines to print. Raises :class:`CopyRefused` (nothing written) when
    it cannot be done."""
    if not Path(path).is_file():  # noqa: ASYNC240 - one stat at the command line
        raise CopyRefused(f"DATABASE_PATH: there is no SQLite database at {path} to copy.")
    source = await SQLiteDatabase.open(path)
    try:
        target = await PostgresDatabase.open(url, schema=schema)
        try:
            return await _copy(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: SQLiteDatabase, target: PostgresDatabase) -> list[str]:
    tables = await _tables(source)
    for table in tables:
        if await target.fetchval(f'SELECT count(*) FROM "{table}"'):  # noqa: S608
            raise CopyRefused(
                f"The PostgreSQL database ({target.description}) already holds rows (in "
                f"{table}): migrate-to-postgres only copies into an empty database."
            )
    lines = []
    async with target.transaction():
        for table in tables:
            copied = await _copy_table(source, target, table)
            lines.append(f"  {table}: {copied} rows")
        for table in tables:
            if "id" in await _columns(source, table):
                await target.fetchval(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f'coalesce(max(id), 0) + 1, false) FROM "{table}"'
                )
        await _verify(source, target, tables)
    return [f"Copied {source.description} into {target.description}:", *lines,
            "Row counts and the ledger's sums per member match."]  # fmt: skip


async def _copy_table(source: SQLiteDatabase, target: PostgresDatabase, table: str) -> int:
    columns = await _columns(source, table)
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    rows = await source.fetchall(f'SELECT {names} FROM "{table}"')  # noqa: S608
    for start in range(0, len(rows), BATCH):
        await target.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
            [tuple(row) for row in rows[start : start + BATCH]],
        )
    return len(rows)


async def _verify(source: SQLiteDatabase, target: PostgresDatabase, tables: list[str]) -> None:
    for table in tables:
        query = f'SELECT count(*) FROM "{table}"'  # noqa: S608
        before, after = await source.fetchval(query), await target.fetchval(query)
        if before != after:
            raise CopyRefused(
                f"{table}: {before} rows in SQLite but {after} in PostgreSQL; nothing was "
                "committed."
            )
    if await _ledger_sums(source) != await _ledger_sums(target):
        raise CopyRefused("The ledger's sums per member differ; nothing was committed.")

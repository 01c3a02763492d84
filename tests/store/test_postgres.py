"""PostgreSQL: what differs from SQLite, and the copy from one to the other.

The pure parts (placeholders, redaction) always run; the rest needs a server named by
``TEST_DATABASE_URL`` (``.ci/run`` starts one) and runs each test in a schema of its own.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.errors import StoreUnavailable
from bot.store import DatabaseTooNew, IntegrityError, Store
from bot.store.copy import CopyRefused, copy_sqlite_to_postgres
from bot.store.db import probe_database
from bot.store.postgres import PostgresDatabase, numbered, redact
from tests.conftest import TEST_DATABASE_URL, DatabaseUnderTest

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="TEST_DATABASE_URL names no PostgreSQL server"
)


def test_placeholders_are_numbered_outside_string_literals() -> None:
    assert numbered("SELECT ? , '?' , \"a?\" FROM t WHERE x = ? AND y = ?") == (
        "SELECT $1 , '?' , \"a?\" FROM t WHERE x = $2 AND y = $3"
    )
    assert numbered("SELECT 1") == "SELECT 1"


def test_the_password_never_shows() -> None:
    assert redact("postgresql://bot:s3cret@db.example:5432/rt") == (
        "postgresql://bot:***@db.example:5432/rt"
    )
    assert redact("postgresql://db.example/rt") == "postgresql://db.example/rt"


async def test_an_unreachable_server_is_one_sentence_without_the_password() -> None:
    url = "postgresql://bot:s3cret@127.0.0.1:9/rt"  # nothing listens on port 9
    with pytest.raises(StoreUnavailable) as raised:
        await Store.open(url)
    message = str(raised.value)
    assert message.startswith("DATABASE_URL: the PostgreSQL server at 127.0.0.1:9/rt cannot")
    assert "s3cret" not in message and "\n" not in message
    with pytest.raises(StoreUnavailable, match="DATABASE_URL"):
        await probe_database(url)


@pytest.fixture
async def pg(tmp_path: Path) -> Any:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server")
    import uuid

    target = DatabaseUnderTest("postgresql", TEST_DATABASE_URL, f"test_{uuid.uuid4().hex[:12]}")
    try:
        yield target
    finally:
        await target.drop()


@needs_postgres
async def test_epoch_seconds_keep_their_precision_and_snowflakes_fit(pg: DatabaseUnderTest) -> None:
    store = await pg.open()
    try:
        snowflake = 1_234_567_890_123_456_789
        await store.timers.add("x", 1_700_000_060.25, {}, 1_700_000_000.0, "late", snowflake)
        await store.timers.add("x", 1_700_000_000.0, {}, 1_700_000_000.0, "early", None)
        rows = await store.timers.by_kind("x")
        assert [(r.key, r.due_at) for r in rows] == [
            ("early", 1_700_000_000.0),
            ("late", 1_700_000_060.25),
        ]
        assert await store.db.fetchval("SELECT guild_id FROM timers WHERE key = 'late'") == (
            snowflake
        )
    finally:
        await store.close()


@needs_postgres
async def test_the_ledger_is_append_only(pg: DatabaseUnderTest) -> None:
    store = await pg.open()
    try:
        await store.scores.add(1, 2, "quiz", 10, "right", 1_700_000_000.0)
        for statement in (
            "UPDATE score_events SET points = 99",
            "DELETE FROM score_events",
            "TRUNCATE score_events",
        ):
            with pytest.raises(Exception, match="append-only"):
                await store.db.execute(statement)
        assert await store.db.fetchval("SELECT sum(points) FROM score_events") == 10
    finally:
        await store.close()


@needs_postgres
async def test_a_unique_violation_spoils_only_its_savepoint(pg: DatabaseUnderTest) -> None:
    store = await pg.open()
    try:
        async with store.transaction():
            await store.meta.set("a", "1")
            with pytest.raises(IntegrityError):
                async with store.db.savepoint():
                    await store.db.execute("INSERT INTO meta (key, value) VALUES ('a', '2')")
            await store.meta.set("b", "2")
        assert (await store.meta.get("a"), await store.meta.get("b")) == ("1", "2")
    finally:
        await store.close()


@needs_postgres
async def test_processes_that_start_together_migrate_once(pg: DatabaseUnderTest) -> None:
    stores = await asyncio.gather(*(pg.open() for _ in range(3)))
    try:
        versions = await stores[0].db.fetchall("SELECT version FROM schema_version")
        numbers = [row["version"] for row in versions]
        assert (
            numbers == sorted(set(numbers)) and numbers[-1] == await stores[1].db.schema_version()
        )
    finally:
        for store in stores:
            await store.close()


@needs_postgres
async def test_a_newer_database_is_refused(pg: DatabaseUnderTest) -> None:
    store = await pg.open()
    await store.db.execute("INSERT INTO schema_version (version) VALUES (9999)")
    await store.close()
    with pytest.raises(DatabaseTooNew, match="9999"):
        await pg.open()


@needs_postgres
async def test_sqlite_is_copied_whole_into_an_empty_postgresql(
    pg: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    old = await Store.open(path)
    for user, points in ((1, 10), (2, 15), (1, -3)):
        await old.scores.add(7, user, "quiz" if points > 0 else "adjustment", points, "r", 1e9)
    await old.guilds.update(7, 1e9, timezone="Asia/Seoul")
    await old.timers.add("quiz.close", 1e9 + 30, {"round": 1}, 1e9, "quiz-close:1", 7)
    await old.close()
    report = await copy_sqlite_to_postgres(path, TEST_DATABASE_URL, schema=pg.schema)
    assert "score_events: 3 rows" in "\n".join(report)
    copied = await pg.open()
    try:
        standing = await copied.scores.standing(7, "overall", "all", 1)
        assert standing is not None and standing.points == 7
        assert (await copied.guilds.get(7)).timezone == "Asia/Seoul"
        added = await copied.scores.add(7, 3, "quiz", 5, "after the copy", 1e9 + 60)
        assert added.id == 4  # the id sequence continues after the copied rows
    finally:
        await copied.close()
    with pytest.raises(CopyRefused, match="already holds rows"):
        await copy_sqlite_to_postgres(path, TEST_DATABASE_URL, schema=pg.schema)


@needs_postgres
async def test_the_pool_recovers_after_its_connections_are_killed(pg: DatabaseUnderTest) -> None:
    store = await pg.open()
    try:
        db = store.db
        assert isinstance(db, PostgresDatabase)
        await store.meta.set("k", "v")
        killer = await PostgresDatabase.open(TEST_DATABASE_URL, schema=pg.schema)
        try:
            await killer.fetchall(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                "AND application_name = ''"
            )
        finally:
            await killer.close()
        assert await store.meta.get("k") == "v"  # a read is tried again on a new connection
        with pytest.raises(StoreUnavailable):  # a write in a transaction is not: say so
            async with store.transaction():
                await store.meta.set("k", "w")
                await db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        await store.meta.set("k", "x")  # and the next one goes through
        assert await store.meta.get("k") == "x"
    finally:
        await store.close()


@needs_postgres
async def test_the_command_line_copies_into_an_empty_database_and_refuses_a_second_copy(
    tmp_path: Path,
) -> None:
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    name = f"copy_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{name}"))
    try:
        path = tmp_path / "bot.sqlite3"
        old = await Store.open(path)
        await old.scores.add(7, 1, "quiz", 10, "right", 1e9)
        await old.close()
        env = {"DATABASE_PATH": str(path), "DATABASE_URL": url}
        first = await run_main("migrate-to-postgres", env)
        assert first[0] == 0 and "score_events: 1 rows" in first[1]
        second = await run_main("migrate-to-postgres", env)
        assert second[0] == 1 and "already holds rows" in second[2]
    finally:
        admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run_main(command: str, env: dict[str, str]) -> tuple[int, str, str]:
    """``python -m bot <command>`` in a subprocess; (status, stdout, stderr)."""
    import os
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DISCORD_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, env={**base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()

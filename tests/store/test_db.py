"""The store: migrations, transactions, guild settings and the ledger's totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import DatabaseTooNew, Store
from bot.store.db import Migration, SQLiteDatabase, load_migrations


async def test_migrations_bring_an_empty_database_to_the_latest(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "sub" / "bot.sqlite3")
    try:
        latest = max(m.version for m in load_migrations())
        assert await store.db.schema_version() == latest
        tables = {
            row[0]
            for row in await store.db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"meta", "guild_settings", "timers", "score_events", "score_totals"} <= tables
        assert await store.db.fetchval("PRAGMA journal_mode") == "wal"
        assert await store.db.fetchval("PRAGMA foreign_keys") == 1
    finally:
        await store.close()


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.guilds.update(1, 0.0, timezone="Asia/Seoul")
    await store.close()
    store = await Store.open(path)
    try:
        assert (await store.guilds.get(1)).timezone == "Asia/Seoul"
        assert await store.db.schema_version() == max(m.version for m in load_migrations())
    finally:
        await store.close()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.db.execute("PRAGMA user_version = 9999")
    await store.close()
    with pytest.raises(DatabaseTooNew, match="9999"):
        await Store.open(path)


async def test_migrations_apply_in_order_with_gaps(tmp_path: Path) -> None:
    migrations = [
        Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"),
        Migration(3, "0003_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"),
    ]
    db = await SQLiteDatabase.open(tmp_path / "x.sqlite3", migrations)
    try:
        assert await db.schema_version() == 3
        assert await db.fetchval("SELECT count(*) FROM a") == 1
    finally:
        await db.close()


async def test_a_failing_migration_leaves_the_version(tmp_path: Path) -> None:
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (y INTEGER); CREATE TABLE a (x INTEGER);")
    with pytest.raises(Exception, match="already exists"):
        await SQLiteDatabase.open(tmp_path / "x.sqlite3", [good, bad])
    db = await SQLiteDatabase.open(tmp_path / "x.sqlite3", [good])
    try:
        assert await db.schema_version() == 1
        assert await db.fetchval("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0
    finally:
        await db.close()


async def test_an_exception_rolls_the_transaction_back(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with store.transaction():
                await store.guilds.update(7, 1.0, timezone="Europe/Berlin")
                await store.scores.add(7, 100, "quiz", 10, "right answer", 1.0)
                raise RuntimeError("boom")
        assert (await store.guilds.get(7)).timezone is None
        assert await store.db.fetchval("SELECT count(*) FROM score_events") == 0
        assert await store.db.fetchval("SELECT count(*) FROM score_totals") == 0
        async with store.transaction():
            await store.guilds.update(7, 2.0, timezone="Europe/Berlin")
        assert (await store.guilds.get(7)).timezone == "Europe/Berlin"
    finally:
        await store.close()


async def test_guild_settings_defaults_and_updates(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        settings = await store.guilds.get(5)
        assert settings.quiz_starters == "everyone" and settings.moderator_role_id is None
        await store.guilds.update(5, 1.0, moderator_role_id=77, quiz_starters="moderators")
        await store.guilds.update(5, 2.0, log_channel_id=88)
        settings = await store.guilds.get(5)
        assert (settings.moderator_role_id, settings.log_channel_id) == (77, 88)
        assert settings.quiz_starters == "moderators"
        with pytest.raises(ValueError, match="quiz_starters"):
            await store.guilds.update(5, 3.0, quiz_starters="nobody")
    finally:
        await store.close()


async def test_ledger_rows_update_every_board_and_period(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        at = 1_780_000_000.0  # 2026-05-28 UTC
        await store.scores.add(1, 10, "quiz", 12, "right answer", at, reference="round:1")
        await store.scores.add(1, 10, "adjustment", -2, "typo", at, created_by=99)
        totals = {
            (row["board"], row["period"]): row["points"]
            for row in await store.db.fetchall("SELECT board, period, points FROM score_totals")
        }
        assert totals[("overall", "all")] == 10
        assert totals[("quiz", "all")] == 12
        assert totals[("overall", "s:1")] == 10
        assert totals[("quiz", "m:2026-05")] == 12
        assert ("debate", "all") not in totals
        with pytest.raises(Exception, match="append-only"):
            await store.db.execute("DELETE FROM score_events")
    finally:
        await store.close()

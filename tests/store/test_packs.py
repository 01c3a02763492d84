"""The store of uploaded packs (``guild_packs``): versions, the active mark, removal, what uses a
pack. Runs on SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.rules.schedule import Rule
from bot.store import IntegrityError, Store

FILES = {"pack.toml": 'title = "é — “x”"\r\n', "quiz.toml": "# quiz\n"}
GUILD, OTHER = 1_000_000_000_000_000_001, 2_000_000_000_000_000_002  # snowflake-sized
ADMIN = 900_000_000_000_000_009


async def add(store: Store, pack_id: str = "trees", guild_id: int = GUILD, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "guild_id": guild_id, "pack_id": pack_id, "files": FILES, "title": "Trees",
        "author": "A. Writer", "sections": 4, "questions": 5, "uploaded_by": ADMIN,
        "now": 1_767_268_800.5,
    }  # fmt: skip
    values.update(changes)
    return await store.packs.add(**values)


async def test_versions_are_kept_and_one_is_active(store: Store) -> None:
    first = await add(store)
    assert (first.version, first.active, first.uploaded_by, first.uploaded_at) == (
        1, True, ADMIN, 1_767_268_800.5,
    )  # fmt: skip
    second = await add(store, title="Trees, again", now=1_767_268_900.0)
    assert second.version == 2 and second.active
    assert await store.packs.active_id(GUILD, "trees") == second.id
    assert (await store.packs.active(GUILD, "trees")).title == "Trees, again"
    history = await store.packs.history(GUILD, "trees")
    assert [(v.version, v.active) for v in history] == [(2, True), (1, False)]
    # The files come back exactly as they went in (line endings, non-ASCII text).
    assert await store.packs.files(first.id) == FILES
    assert await store.packs.files(second.id) == FILES
    assert await store.packs.count(GUILD) == 1


async def test_packs_belong_to_one_guild(store: Store) -> None:
    await add(store, "trees")
    await add(store, "birds")
    await add(store, "trees", guild_id=OTHER)
    assert [v.pack_id for v in await store.packs.in_guild(GUILD)] == ["birds", "trees"]
    assert [v.pack_id for v in await store.packs.in_guild(OTHER)] == ["trees"]
    assert await store.packs.active_id(OTHER, "birds") is None
    assert await store.packs.count(GUILD) == 2


async def test_removal_clears_the_active_mark_and_keeps_every_version(store: Store) -> None:
    await add(store)
    await add(store)
    assert await store.packs.remove(GUILD, "trees", ADMIN, 5.0)
    assert not await store.packs.remove(GUILD, "trees", ADMIN, 6.0)
    assert await store.packs.active(GUILD, "trees") is None
    assert await store.packs.count(GUILD) == 0
    history = await store.packs.history(GUILD, "trees")
    assert [(v.version, v.active, v.removed_at) for v in history] == [
        (2, False, 5.0),
        (1, False, None),
    ]
    again = await add(store)
    assert again.version == 3  # a version number is never used twice


async def test_two_active_versions_cannot_exist(store: Store) -> None:
    await add(store)
    with pytest.raises(IntegrityError):
        async with store.transaction():
            await store.db.execute(
                "INSERT INTO guild_packs (guild_id, pack_id, version, active, title, author, "
                "sections, questions, pack_toml, uploaded_by, uploaded_at) "
                "VALUES (?, 'trees', 9, 1, 't', 'a', 1, 1, 'x', 1, 1.0)",
                (GUILD,),
            )
    assert [v.version for v in await store.packs.history(GUILD, "trees")] == [1]


async def test_concurrent_uploads_of_one_pack_store_distinct_versions(database: Any) -> None:
    stores = [await database.open(), await database.open()]
    try:
        results = await asyncio.gather(*(add(s) for s in stores), return_exceptions=True)
        stored = [r for r in results if not isinstance(r, BaseException)]
        assert all(isinstance(r, IntegrityError) for r in results if r not in stored)
        history = await stores[0].packs.history(GUILD, "trees")
        assert sum(v.active for v in history) == 1
        assert len({v.version for v in history}) == len(history) == len(stored)
    finally:
        for s in stores:
            await s.close()


async def test_users_are_running_quizzes_open_debates_and_schedules(store: Store) -> None:
    await add(store)
    assert not await store.packs.users(GUILD, "trees")
    now = 1_767_268_800.0
    async with store.transaction():
        quiz = await store.quiz.create_quiz(
            guild_id=GUILD, channel_id=11, pack_id="trees", started_by=ADMIN, source="live",
            title=None, question_ids=["q1"], seconds=30, section=None, difficulty=None, now=now,
        )  # fmt: skip
    schedule = await store.schedules.add(
        guild_id=GUILD, channel_id=12, name="Daily", rule=Rule.parse("12:00", "UTC", "daily"),
        questions=3, seconds=60, section=None, difficulty=None, next_run_at=now + 60,
        created_by=ADMIN, now=now, pack_id="trees",
    )  # fmt: skip
    await store.schedules.add(
        guild_id=GUILD, channel_id=12, name="Default pack", rule=Rule.parse("13:00", "UTC"),
        questions=3, seconds=60, section=None, difficulty=None, next_run_at=now + 60,
        created_by=ADMIN, now=now,
    )  # fmt: skip
    users = await store.packs.users(GUILD, "trees")
    assert users.quizzes == ((quiz.id, 11),)
    assert users.schedules == ((schedule.id, "Daily"),)
    assert users.debates == ()
    assert not await store.packs.users(OTHER, "trees")
    await store.quiz.finish_quiz(quiz.id, "finished", now + 100)
    assert (await store.packs.users(GUILD, "trees")).quizzes == ()

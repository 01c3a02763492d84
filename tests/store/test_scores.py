"""Scores: the pure rules, the ledger store (totals, counts, ranks, seasons, export) and the
commands end to end through the emulator."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import Conflict
from bot.rules.scores import (
    BUCKET_WIDTHS,
    boards_for,
    bucket_low,
    competition_ranks,
    page_count,
    period_key,
)
from bot.store import Store
from bot.store.db import SQLiteDatabase, load_migrations

AT = 1_780_000_000.0  # Thursday 2026-05-28 UTC
DAY = 86_400.0
GUILD = 7


# --- the store -----------------------------------------------------------------------------


async def table(store: Store, name: str) -> list[tuple[Any, ...]]:
    rows = await store.db.fetchall(f"SELECT * FROM {name} ORDER BY 1, 2, 3, 4, 5")  # noqa: S608
    return [tuple(row) for row in rows]


async def check_consistent(store: Store, guild_id: int = GUILD) -> None:
    """Totals are the ledger's sums; counts are the totals' distribution; ranks follow."""
    ledger = await store.db.fetchall(
        "SELECT season, user_id, category, points, created_at FROM score_events WHERE guild_id = ?",
        (guild_id,),
    )
    expected: dict[tuple[str, str, int], int] = defaultdict(int)
    for row in ledger:
        for board in boards_for(row["category"]):
            for period in ("week", "month", "season", "all-time"):
                key = period_key(period, row["created_at"], row["season"])
                expected[(board, key, row["user_id"])] += row["points"]
    totals = {
        (row["board"], row["period"], row["user_id"]): row["points"]
        for row in await store.db.fetchall(
            "SELECT board, period, user_id, points FROM score_totals WHERE guild_id = ?",
            (guild_id,),
        )
    }
    assert totals == dict(expected)
    counts = {
        (row["board"], row["period"], row["width"], row["low"]): row["members"]
        for row in await store.db.fetchall(
            "SELECT board, period, width, low, members FROM score_counts WHERE guild_id = ?",
            (guild_id,),
        )
    }
    assert counts == dict(
        Counter(
            (board, key, width, bucket_low(points, width))
            for (board, key, _), points in totals.items()
            for width in BUCKET_WIDTHS
        )
    )
    boards: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for (board, key, user), points in totals.items():
        boards[(board, key)].append((-points, user))
    for (board, key), members in boards.items():
        ordered = [(user, -negative) for negative, user in sorted(members)]
        ranks = competition_ranks(1, 1, [points for _, points in ordered])
        for page in range(page_count(len(ordered), 2)):
            got = await store.scores.leaderboard(guild_id, board, key, page, per_page=2)
            window = slice(page * 2, page * 2 + 2)
            assert [(e.user_id, e.points, e.rank) for e in got.entries] == [
                (user, points, rank)
                for (user, points), rank in zip(ordered[window], ranks[window], strict=True)
            ]
            assert got.members == len(ordered)
        for (user, points), rank in zip(ordered, ranks, strict=True):
            standing = await store.scores.standing(guild_id, board, key, user)
            assert standing is not None and (standing.points, standing.rank) == (points, rank)


write = st.tuples(
    st.sampled_from(["quiz", "debate", "adjustment", "new season"]),
    st.integers(1, 5),  # member
    st.sampled_from([-40, -33, -1, 0, 1, 2, 10, 31, 32, 45]),  # points, crossing blocks
    st.integers(0, 45),  # days after AT
    st.booleans(),  # fail the transaction
)
examples = itertools.count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(write, max_size=14))
def test_totals_always_equal_the_ledger_sums(tmp_path: Path, writes: list[Any]) -> None:
    """Random interleavings of awards, adjustments, seasons and failed transactions."""

    async def scenario() -> None:
        store = await Store.open(tmp_path / f"example-{next(examples)}.sqlite3")
        try:
            for what, member, points, day, fail in writes:
                at = AT + day * DAY
                if what == "new season":
                    current = await store.scores.current_season(GUILD, at)
                    await store.scores.start_season(
                        GUILD, f"S{current.number + 1}", at, started_by=1, after=current.number
                    )
                    continue
                if not fail:
                    await store.scores.add(GUILD, member, what, points, "r", at)
                    continue
                with pytest.raises(RuntimeError):
                    async with store.transaction():
                        await store.scores.add(GUILD, member, what, points, "r", at)
                        raise RuntimeError("the game write after the award failed")
            await check_consistent(store)
        finally:
            await store.close()

    asyncio.run(scenario())


async def test_a_failed_transaction_leaves_ledger_totals_and_counts_untouched(
    store: Store,
) -> None:
    await store.scores.add(GUILD, 1, "quiz", 12, "right answer", AT, reference="round:1")
    await store.scores.add(GUILD, 2, "debate", 40, "speech", AT)
    before = [await table(store, name) for name in ("score_events", "score_totals", "score_counts")]
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.scores.add(GUILD, 1, "quiz", 30, "right answer", AT + 1)
            await store.scores.add(GUILD, 3, "adjustment", -5, "typo", AT + 1, created_by=9)
            raise RuntimeError("boom")
    after = [await table(store, name) for name in ("score_events", "score_totals", "score_counts")]
    assert after == before
    await check_consistent(store)


async def test_pages_ranks_ties_and_clamping(store: Store) -> None:
    # 23 members: 100, 90, 90, 80, then 19 members on 10 points.
    points = [100, 90, 90, 80] + [10] * 19
    for user, value in enumerate(points, start=1):
        await store.scores.add(GUILD, user, "quiz", value, "right answer", AT)
    first = await store.scores.leaderboard(GUILD, "overall", "s:1", 0)
    assert [(e.user_id, e.rank) for e in first.entries[:5]] == [
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 4),
        (5, 5),
    ]
    assert (first.pages, first.members) == (3, 23)
    second = await store.scores.leaderboard(GUILD, "overall", "s:1", 1)
    assert [e.rank for e in second.entries] == [5] * 10
    assert [e.user_id for e in second.entries] == list(range(11, 21))
    last = await store.scores.leaderboard(GUILD, "overall", "s:1", 99)
    assert last.page == 2 and [e.user_id for e in last.entries] == [21, 22, 23]
    me = await store.scores.standing(GUILD, "overall", "all", 23)
    assert me is not None and (me.rank, me.points) == (5, 10)
    assert await store.scores.standing(GUILD, "overall", "all", 999) is None
    assert await store.scores.standing(GUILD, "debate", "all", 1) is None
    empty = await store.scores.leaderboard(GUILD, "debate", "all", 3)
    assert (empty.page, empty.pages, empty.members, empty.entries) == (0, 1, 0, ())


async def test_breakdown_by_category_and_history(store: Store) -> None:
    await store.scores.add(GUILD, 1, "quiz", 12, "right answer", AT, reference="round:4")
    await store.scores.add(GUILD, 1, "debate", 8, "speaker points", AT + 1)
    await store.scores.add(GUILD, 1, "adjustment", -3, "late", AT + 2, created_by=99)
    for i in range(25):
        await store.scores.add(GUILD, 2, "quiz", 1, f"answer {i}", AT + i)
    breakdown = await store.scores.breakdown(GUILD, 1, "all")
    assert (breakdown.overall, breakdown.quiz, breakdown.debate, breakdown.adjustment) == (
        17, 12, 8, -3,
    )  # fmt: skip
    history = await store.scores.history(GUILD, 1, 20)
    assert [(r.category, r.points, r.created_by) for r in history] == [
        ("adjustment", -3, 99), ("debate", 8, None), ("quiz", 12, None),
    ]  # fmt: skip
    assert history[-1].reference == "round:4"
    assert [r.reason for r in await store.scores.history(GUILD, 2, 20)][:2] == [
        "answer 24",
        "answer 23",
    ]
    assert len(await store.scores.history(GUILD, 2, 20)) == 20


async def test_a_new_season_starts_empty_and_the_old_one_stays(store: Store) -> None:
    await store.scores.add(GUILD, 1, "quiz", 30, "right answer", AT)
    season = await store.scores.start_season(GUILD, "Spring", AT + 5, started_by=9, after=1)
    assert (season.number, season.name, season.started_by) == (2, "Spring", 9)
    with pytest.raises(Conflict, match="Season 2"):
        await store.scores.start_season(GUILD, "Again", AT + 6, started_by=9, after=1)
    await store.scores.add(GUILD, 2, "quiz", 5, "right answer", AT + 10)
    old = await store.scores.leaderboard(GUILD, "overall", "s:1", 0)
    new = await store.scores.leaderboard(GUILD, "overall", "s:2", 0)
    assert [(e.user_id, e.points) for e in old.entries] == [(1, 30)]
    assert [(e.user_id, e.points) for e in new.entries] == [(2, 5)]
    everything = await store.scores.leaderboard(GUILD, "overall", "all", 0)
    assert [(e.user_id, e.points) for e in everything.entries] == [(1, 30), (2, 5)]
    assert [s.number for s in await store.scores.seasons(GUILD)] == [1, 2]
    assert await store.scores.seasons(GUILD + 1) == []


async def test_the_export_totals_equal_the_leaderboard(store: Store) -> None:
    await store.scores.add(GUILD, 1, "quiz", 30, "right answer", AT)
    await store.scores.add(GUILD, 2, "debate", 30, "won", AT)
    await store.scores.add(GUILD, 3, "quiz", 10, "right answer", AT)
    await store.scores.add(GUILD, 3, "adjustment", -4, "=cmd|' /C calc'!A0", AT, created_by=5)
    rows, totals = await store.scores.export(GUILD, 1)
    assert [r.user_id for r in rows] == [1, 2, 3, 3]
    board = await store.scores.leaderboard(GUILD, "overall", "s:1", 0)
    assert [(t.rank, t.user_id, t.overall) for t in totals] == [
        (e.rank, e.user_id, e.points) for e in board.entries
    ]
    assert [(t.quiz, t.debate, t.adjustment) for t in totals] == [
        (30, 0, 0),
        (0, 30, 0),
        (10, 0, -4),
    ]
    assert await store.scores.export(GUILD, 2) == ([], [])


async def test_the_migration_fills_counts_for_totals_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    older = [m for m in load_migrations() if m.version < 3]
    db = await SQLiteDatabase.open(path, older)
    await db.executemany(
        "INSERT INTO score_totals (guild_id, board, period, user_id, points, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 0)",
        [
            (1, "overall", "all", user, points)
            for user, points in enumerate([-33, -1, 0, 31, 32, 32])
        ],
    )
    await db.close()
    store = await Store.open(path)
    try:
        counts = await store.db.fetchall(
            "SELECT width, low, members FROM score_counts ORDER BY width, low"
        )
        assert [tuple(row) for row in counts] == [
            (1, -33, 1), (1, -1, 1), (1, 0, 1), (1, 31, 1), (1, 32, 2),
            (32, -64, 1), (32, -32, 1), (32, 0, 2), (32, 32, 2),
        ]  # fmt: skip
        standing = await store.scores.standing(1, "overall", "all", 1)
        assert standing is not None and standing.rank == 5
    finally:
        await store.close()

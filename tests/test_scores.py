"""Scores: the pure rules, the ledger store (totals, counts, ranks, seasons, export) and the
commands end to end through the emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import Conflict, NotFound, UserError
from bot.rules.scores import (
    BUCKET_WIDTHS,
    boards_for,
    bucket_low,
    competition_ranks,
    csv_bytes,
    csv_cell,
    describe_period,
    leaderboard_arg,
    locate,
    page_count,
    parse_leaderboard_arg,
    period_key,
    resolve_season,
    validate_adjustment,
    validate_season_name,
)
from bot.store import Store
from bot.store.db import Database, load_migrations
from bot.store.debates import DebateMemberStats
from bot.store.quiz import QuizMemberStats
from cogs.scores.render import debate_fields, quiz_fields, short_reason
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

AT = 1_780_000_000.0  # Thursday 2026-05-28 UTC
DAY = 86_400.0
GUILD = 7


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "bot.sqlite3")
    yield store
    await store.close()


# --- pure rules ----------------------------------------------------------------------------


def test_competition_ranks_share_a_rank_and_skip_the_next() -> None:
    assert competition_ranks(1, 1, [50, 40, 40, 30]) == [1, 2, 2, 4]
    assert competition_ranks(1, 1, [9, 9, 9]) == [1, 1, 1]
    # A page that starts inside a tie keeps the tie's rank.
    assert competition_ranks(8, 11, [20, 20, 19, 18, 18]) == [8, 8, 13, 14, 14]
    assert competition_ranks(1, 1, []) == []


def test_locate_finds_the_bucket_of_a_position() -> None:
    buckets = [(100, 2), (90, 3), (10, 1)]
    assert locate(0, buckets) == (100, 0)
    assert locate(1, buckets) == (100, 0)
    assert locate(2, buckets) == (90, 2)
    assert locate(5, buckets) == (10, 5)
    with pytest.raises(ValueError, match="past"):
        locate(6, buckets)


def test_bucket_low_floors_negative_totals() -> None:
    assert [bucket_low(p, 32) for p in (0, 31, 32, -1, -32, -33)] == [0, 0, 32, -32, -32, -64]
    assert bucket_low(-7, 1) == -7


def test_page_count_keeps_one_page_for_an_empty_board() -> None:
    assert [page_count(n) for n in (0, 1, 10, 11, 100)] == [1, 1, 1, 2, 10]


def test_period_keys_and_their_descriptions() -> None:
    assert period_key("week", AT, 3) == "w:2026-W22"
    assert period_key("month", AT, 3) == "m:2026-05"
    assert period_key("season", AT, 3) == "s:3"
    assert period_key("all-time", AT, 3) == "all"
    # 2027-01-01 is a Friday in ISO week 53 of 2026.
    assert period_key("week", 1_798_761_600.0, 1) == "w:2026-W53"
    assert describe_period("all") == "All time"
    assert describe_period("s:2", "Spring") == "Season 2 (Spring)"
    assert describe_period("s:1", "Season 1") == "Season 1"
    assert describe_period("m:2026-05") == "May 2026"
    assert describe_period("w:2026-W22") == "Week 22 of 2026 (25 May – 31 May, UTC)"
    assert boards_for("adjustment") == ("overall",)
    with pytest.raises(ValueError, match="category"):
        boards_for("bonus")


def test_leaderboard_args_round_trip_and_reject_junk() -> None:
    arg = leaderboard_arg("quiz", "w:2026-W22")
    assert parse_leaderboard_arg(arg) == ("quiz", "w:2026-W22")
    for junk in ("", "quiz", "nope|all", "quiz|s:x", "overall|all|x"):
        with pytest.raises(ValueError):
            parse_leaderboard_arg(junk)


@pytest.mark.parametrize("points", [0, -1001, 1001, 5000])
def test_adjustments_out_of_range_are_refused(points: int) -> None:
    with pytest.raises(UserError, match="-1000 to 1000, and not 0"):
        validate_adjustment(points, "reason")


def test_an_adjustment_needs_a_short_reason() -> None:
    assert validate_adjustment(-1000, "  spam \n in #general ") == "spam in #general"
    assert validate_adjustment(1000, "won the finals") == "won the finals"
    with pytest.raises(UserError, match="reason"):
        validate_adjustment(5, "   ")
    with pytest.raises(UserError, match="200 characters"):
        validate_adjustment(5, "x" * 201)


def test_season_names_and_lookups() -> None:
    assert validate_season_name("  Spring   2026 ", ["Season 1"]) == "Spring 2026"
    with pytest.raises(UserError, match="already exists"):
        validate_season_name("season 1", ["Season 1"])
    with pytest.raises(UserError, match="50 characters"):
        validate_season_name("x" * 51, [])
    seasons = [(1, "Season 1"), (2, "Spring 2026"), (3, "2024")]
    assert resolve_season("2", seasons) == 2
    assert resolve_season("Season 1", seasons) == 1
    assert resolve_season("spring 2026", seasons) == 2
    assert resolve_season("2 — Spring 2026", seasons) == 2
    assert resolve_season("2024", seasons) == 3
    with pytest.raises(NotFound, match=r"no season “9”.*Spring 2026"):
        resolve_season("9", seasons)


def test_csv_text_cells_that_look_like_formulas_get_an_apostrophe() -> None:
    for text in ("=1+1", "+1", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    # Integers the bot computed stay numbers: -5 is not a formula, and '-5 would be text.
    assert csv_cell(-5) == "-5"
    assert csv_cell(12) == "12"
    assert csv_cell(True) == "True"
    assert csv_cell(None) == ""
    assert csv_cell("Zoë = 1") == "Zoë = 1"
    data = csv_bytes(("a", "b"), [('=HYPERLINK("x")', 'naïve, "quoted"'), (1, None)])
    assert list(csv.reader(io.StringIO(data.decode("utf-8")))) == [
        ["a", "b"],
        ['\'=HYPERLINK("x")', 'naïve, "quoted"'],
        ["1", ""],
    ]


def test_a_profile_of_a_member_who_has_done_nothing_yet() -> None:
    quiz = dict(quiz_fields(QuizMemberStats(answered=0, correct=0), None))
    assert quiz == {
        "Quiz": "Accuracy: —\nStreak: current 0 · best 0\nQuestions mastered (Leitner box 4+): 0",
        "Quiz accuracy by paragraph": "No data yet.",
    }
    debates = dict(debate_fields(DebateMemberStats({}, 0, 0, None), None))
    assert debates == {
        "Debates": "Argued: none\nWins: 0\nAverage speech score: no scored speeches yet"
    }


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
    db = await Database.open(path, older)
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


# =============================================================================== end to end

SECONDS = 20


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """Only the demo pack: five questions, positions liberal, conservative, united-states."""
    root = tmp_path / "content"
    write_pack(root)
    return root


async def award(bot: Any, member: Any, points: int, category: str = "quiz", **kw: Any) -> None:
    """A ledger row written the way the quiz and debate areas write theirs."""
    user_id = member if isinstance(member, int) else member.id
    reason = kw.pop("reason", "right answer")
    await bot.store.scores.add(
        bot_guild(bot), user_id, category, points, reason, bot.clock.now(), **kw
    )


def bot_guild(bot: Any) -> int:
    return bot.settings.dev_guild_id


def lines(message: Message) -> list[str]:
    return [line for line in message.embed["description"].splitlines() if line]


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embed["fields"] if f["name"].startswith(name))


async def test_a_quiz_s_points_reach_the_leaderboard_and_the_profile(
    bot: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member
) -> None:
    emulator.ratelimits.relax()
    await (await alice.slash("quiz start", questions=1, seconds=SECONDS)).ephemeral()
    posted = await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
    rnd = await bot.store.quiz.round(int(posted.buttons[0]["custom_id"].split(":")[2]))
    question = bot.library.get(rnd.pack_id).question(rnd.question_id)
    await (await alice.click(posted, question.answer_label)).ephemeral()
    wrong = next(label for label in question.labels if label != question.answer_label)
    await (await bob.click(posted, wrong)).ephemeral()
    clock.advance(SECONDS)
    await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    points = await bot.store.db.fetchval(
        "SELECT points FROM score_events WHERE user_id = ? AND category = 'quiz'", (alice.id,)
    )
    assert points == 15  # 10 + the full speed bonus

    board = await (await bob.slash("leaderboard")).message()
    assert board.embed["title"] == "Leaderboard — Overall · Season 1"
    assert lines(board) == [f"**1.** {alice.mention} — 15 points"]
    assert field(board, "Your rank") == "You have no points on this board yet."
    assert board.pings == set()
    quiz_board = await (await alice.slash("leaderboard", board="quiz", period="week")).message()
    assert lines(quiz_board) == [f"**1.** {alice.mention} — 15 points"]
    assert field(quiz_board, "Your rank") == "#1 of 1, with 15 points"
    assert "Week 1 of 2026" in quiz_board.embed["title"]

    profile = await (await bob.slash("profile", member=alice)).ephemeral()
    assert profile.embed["title"] == "Profile — Alice"
    season = field(profile, "This season")
    assert "**15 points** · quiz 15 · debate 0 · adjustments 0" in season
    assert "Rank #1 of 1" in season
    assert "Accuracy: 1/1 (100%)" in field(profile, "Quiz")
    assert "Streak: current 1 · best 1" in field(profile, "Quiz")
    assert f"{question.paragraph} 1/1 (100%)" in field(profile, "Quiz accuracy by paragraph")
    debates = field(profile, "Debates")
    assert "Wins: 0" in debates and "Average speech score: no scored speeches yet" in debates


async def test_pages_turn_after_a_restart_and_the_caller_sees_their_rank_off_the_page(
    harness: Any, emulator: Emulator, alice: Member, bob: Member
) -> None:
    bot = harness.bot
    for index in range(24):  # members 1..24 with 500, 490, ... points
        await award(bot, 10_000 + index, 500 - 10 * index)
    await award(bot, alice, 3)
    board = await (await alice.slash("leaderboard", period="all-time")).message()
    assert len(lines(board)) == 10
    assert lines(board)[0] == "**1.** <@10000> — 500 points"
    assert field(board, "Your rank") == "#25 of 25, with 3 points"
    assert board.embed["footer"]["text"].startswith("Page 1 of 3 · 25 members")
    assert board.button_labels == ["Previous", "Next"]
    assert board.buttons[0]["disabled"] and not board.buttons[1]["disabled"]

    await (await alice.click(board, "Next")).reply()
    assert lines(board)[0] == "**11.** <@10010> — 400 points"
    refused = await (await bob.click(board, "Next")).ephemeral()
    assert "Only the member who asked" in refused.content

    bot = await harness.restart()
    await (await alice.click(board, "Next")).reply()
    assert lines(board)[-1] == f"**25.** {alice.mention} — 3 points"
    assert board.embed["footer"]["text"].startswith("Page 3 of 3")
    assert board.buttons[1]["disabled"]
    await (await alice.click(board, "Previous")).reply()
    assert lines(board)[0] == "**11.** <@10010> — 400 points"


async def test_ties_share_a_rank(bot: Any, alice: Member, bob: Member, carol: Member) -> None:
    await award(bot, alice, 50)
    await award(bot, bob, 40)
    await award(bot, carol, 40)
    await award(bot, 20_000, 30)
    board = await (await carol.slash("leaderboard")).message()
    assert lines(board) == [
        f"**1.** {alice.mention} — 50 points",
        f"**2.** {bob.mention} — 40 points",
        f"**2.** {carol.mention} — 40 points",
        "**4.** <@20000> — 30 points",
    ]
    assert field(board, "Your rank") == "#2 of 4, with 40 points"
    # The page is public: the standing says whose it is.
    assert [f["name"] for f in board.embed["fields"]] == ["Your rank (Carol)"]
    assert board.pings == set()


async def test_a_moderator_adjusts_and_a_member_is_refused(
    bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    await award(bot, alice, 10)
    reply = await (
        await mod.slash("scores adjust", member=alice, points=-4, reason="=answered for a friend")
    ).ephemeral()
    assert reply.content.startswith(f"Adjusted {alice.mention} by -4 points")
    assert "season 1 total is now 6 points" in reply.content
    assert reply.pings == set()
    rows = await bot.store.scores.history(bot_guild(bot), alice.id, 20)
    assert (rows[0].category, rows[0].points, rows[0].created_by) == ("adjustment", -4, mod.id)
    assert rows[0].reason == "=answered for a friend"

    refused = await (
        await bob.slash("scores adjust", member=bob, points=100, reason="I deserve it")
    ).ephemeral()
    assert "Only moderators can adjust scores" in refused.content
    zero = await (await mod.slash("scores adjust", member=bob, points=0, reason="x")).ephemeral()
    assert "not 0" in zero.content
    assert await bot.store.scores.history(bot_guild(bot), bob.id, 20) == []

    history = await (await alice.slash("scores history")).ephemeral()
    assert history.embed["title"] == "Score history — Alice"
    first, second = lines(history)
    assert first.startswith("`-4` adjustment — =answered for a friend · season 1")
    assert first.endswith(f"by {mod.mention}")
    assert second.startswith("`+10` quiz — right answer")
    profile = await (await alice.slash("profile")).ephemeral()
    assert "**6 points** · quiz 10 · debate 0 · adjustments -4" in field(profile, "This season")


async def test_history_shows_all_20_rows_even_with_markdown_heavy_reasons(
    bot: Any, mod: Member, alice: Member
) -> None:
    """Escaping can double a reason; it is cut after escaping so 20 rows fit one embed."""
    for index in range(21):
        reason = ("*_" if index % 2 else "~|") * 100
        await award(bot, alice, -1000, "adjustment", reason=reason, created_by=mod.id)
    history = await (await alice.slash("scores history")).ephemeral()
    rows = lines(history)
    assert len(rows) == 20 and all(row.endswith(f"by {mod.mention}") for row in rows)
    assert len(history.embed["description"]) <= 4096
    assert history.embed["footer"]["text"] == "Showing the last 20 ledger rows, newest first."


def test_a_cut_reason_never_ends_in_a_lone_escape() -> None:
    assert short_reason("plain reason") == "plain reason"
    assert short_reason("*" * 60, 10) == "\\*\\*\\*\\*…"
    assert short_reason("a" + "*" * 60, 10) == "a\\*\\*\\*\\*…"
    assert len(short_reason("_" * 200)) <= 100


async def test_a_new_season_starts_and_the_old_one_stays_readable(
    bot: Any, admin: Member, alice: Member, bob: Member
) -> None:
    await award(bot, alice, 30)
    refused = await (await alice.slash("scores season-new", name="Mine")).ephemeral()
    assert "Only admins" in refused.content
    prompt = await (await admin.slash("scores season-new", name="Spring 2026")).ephemeral()
    assert "season 2: Spring 2026" in prompt.content
    assert prompt.button_labels == ["Confirm", "Cancel"]
    await (await admin.click(prompt, "Confirm")).reply()
    assert prompt.content.startswith("Season 2 (Spring 2026) has started.")
    assert prompt.buttons == []
    await award(bot, bob, 5)

    current = await (await alice.slash("leaderboard")).message()
    assert current.embed["title"] == "Leaderboard — Overall · Season 2 (Spring 2026)"
    assert lines(current) == [f"**1.** {bob.mention} — 5 points"]
    choices = await alice.autocomplete("leaderboard", season="")
    assert [(c.name, c.value) for c in choices] == [
        ("2 — Spring 2026 (current)", "2"),
        ("Season 1", "1"),
    ]
    old = await (await alice.slash("leaderboard", period="season", season="1")).message()
    assert old.embed["title"] == "Leaderboard — Overall · Season 1"
    assert lines(old) == [f"**1.** {alice.mention} — 30 points"]
    by_name = await (await alice.slash("leaderboard", season="Season 1")).message()
    assert lines(by_name) == lines(old)
    all_time = await (await alice.slash("leaderboard", period="all-time")).message()
    assert len(lines(all_time)) == 2
    mixed = await (await alice.slash("leaderboard", period="week", season="1")).ephemeral()
    assert "only goes with period: season" in mixed.content
    unknown = await (await alice.slash("leaderboard", season="7")).ephemeral()
    assert "There is no season “7”" in unknown.content

    again = await (await admin.slash("scores season-new", name="Summer")).ephemeral()
    twice = await (await admin.slash("scores season-new", name="Autumn")).ephemeral()
    taken = await (await admin.slash("scores season-new", name="spring 2026")).ephemeral()
    assert "already exists" in taken.content
    await (await admin.click(again, "Confirm")).reply()
    assert again.content.startswith("Season 3 (Summer) has started.")
    late = await (await admin.click(twice, "Confirm")).ephemeral()
    assert "Season 3 (Summer) has started since you asked" in late.content
    assert [s.number for s in await bot.store.scores.seasons(bot_guild(bot))] == [1, 2, 3]


async def test_a_double_click_on_confirm_starts_one_season_and_says_so(
    bot: Any, admin: Member
) -> None:
    prompt = await (await admin.slash("scores season-new", name="Spring 2026")).ephemeral()
    first, second = await asyncio.gather(
        admin.click(prompt, "Confirm"), admin.click(prompt, "Confirm")
    )
    answers = {(await first.reply()).content, (await second.reply()).content}
    assert answers == {
        "Season 2 (Spring 2026) has started. Season 1 stays readable with "
        "`/leaderboard period:season season:1`.",
        "Season 2 (Spring 2026) has started since you asked; nothing else was changed.",
    }
    assert [s.number for s in await bot.store.scores.seasons(bot_guild(bot))] == [1, 2]


async def test_the_export_matches_the_leaderboard_and_defuses_formulas(
    bot: Any, admin: Member, mod: Member, alice: Member, bob: Member, carol: Member
) -> None:
    await award(bot, alice, 40)
    await award(bot, bob, 25, category="debate", reason="Debate #1: speaker points")
    await award(bot, carol, 40)
    await (
        await mod.slash("scores adjust", member=bob, points=15, reason="@here +1 for =SUM(A1)")
    ).ephemeral()
    refused = await (await alice.slash("scores export")).ephemeral()
    assert "Only admins" in refused.content

    reply = await (await admin.slash("scores export")).ephemeral()
    assert "Season 1: 4 ledger rows, 3 members." in reply.content
    ledger_file, totals_file = reply.attachments
    assert ledger_file.filename == "scores-season-1-ledger.csv"
    assert totals_file.filename == "scores-season-1-totals.csv"
    ledger = list(csv.reader(io.StringIO(ledger_file.text)))
    assert ledger[0] == [
        "id", "season", "created_at_utc", "user_id", "category", "points", "reason",
        "reference", "created_by",
    ]  # fmt: skip
    assert len(ledger) == 5
    assert ledger[4][6] == "'@here +1 for =SUM(A1)" and ledger[4][8] == str(mod.id)
    totals = list(csv.reader(io.StringIO(totals_file.text)))
    assert totals[0] == ["rank", "user_id", "overall", "quiz", "debate", "adjustment"]

    board = await (await admin.slash("leaderboard")).message()
    shown = [line.replace("**", "").replace(".", "", 1).split() for line in lines(board)]
    assert [(row[0], row[1], row[2]) for row in totals[1:]] == [
        (rank, mention.strip("<@>"), points) for rank, mention, _, points, _ in shown
    ]
    assert totals[1:] == [
        ["1", str(alice.id), "40", "40", "0", "0"],  # equal points: ordered by member id
        ["1", str(bob.id), "40", "0", "25", "15"],
        ["1", str(carol.id), "40", "40", "0", "0"],
    ]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in ledger for cell in row)


async def test_the_export_keeps_points_numeric_and_escapes_every_text_cell(
    bot: Any, admin: Member, mod: Member, alice: Member, bob: Member
) -> None:
    """A negative adjustment is the number -25 in the file, so the ledger still sums to the
    totals in a spreadsheet; a reason starting with - (or = + @) is text and is escaped."""
    await award(bot, alice, 10, reason="=right answer")
    await (
        await mod.slash("scores adjust", member=alice, points=-25, reason="-5 for =cmd|' /C x'!A0")
    ).ephemeral()
    await (
        await mod.slash("scores adjust", member=bob, points=3, reason="+1 Zoë @here")
    ).ephemeral()

    reply = await (await admin.slash("scores export")).ephemeral()
    assert "points stay numbers" in reply.content
    ledger_file, totals_file = reply.attachments
    ledger = list(csv.reader(io.StringIO(ledger_file.data.decode("utf-8"))))
    header, rows = ledger[0], ledger[1:]
    points, reason = header.index("points"), header.index("reason")
    assert [(row[points], row[reason]) for row in rows] == [
        ("10", "'=right answer"),
        ("-25", "'-5 for =cmd|' /C x'!A0"),
        ("3", "'+1 Zoë @here"),
    ]
    numeric = {"id", "season", "user_id", "points", "created_by"}
    for row in rows:
        for name, cell in zip(header, row, strict=True):
            if name in numeric and cell:
                int(cell)  # a plain integer, never "'-25"
            else:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)

    totals = list(csv.reader(io.StringIO(totals_file.data.decode("utf-8"))))
    assert totals[1:] == [
        ["1", str(bob.id), "3", "0", "0", "3"],
        ["2", str(alice.id), "-15", "10", "0", "-25"],
    ]
    by_member: dict[str, int] = defaultdict(int)
    for row in rows:
        by_member[row[header.index("user_id")]] += int(row[points])
    assert {row[1]: int(row[2]) for row in totals[1:]} == dict(by_member)


async def test_help_lists_the_scores_commands_and_how_points_are_earned(
    bot: Any, alice: Member
) -> None:
    text = (await (await alice.slash("help")).ephemeral()).text
    for command in (
        "/leaderboard [board] [period] [season]",
        "/profile [member]",
        "/scores history [member]",
        "/scores adjust member points reason",
        "/scores season-new name",
        "/scores export [season]",
    ):
        assert command in text
    assert "How points are earned" in text

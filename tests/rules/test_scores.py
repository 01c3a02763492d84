"""Scores: the pure rules, the ledger store (totals, counts, ranks, seasons, export) and the
commands end to end through the emulator."""

from __future__ import annotations

import csv
import io

import pytest

from bot.errors import NotFound, UserError
from bot.rules.scores import (
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
from bot.store.debates import DebateMemberStats
from bot.store.quiz import QuizMemberStats
from cogs.scores.render import debate_fields, quiz_fields

AT = 1_780_000_000.0  # Thursday 2026-05-28 UTC
DAY = 86_400.0
GUILD = 7


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
        "Quiz": "Accuracy: —\nStreak: current 0 · best 0\n"
        "Questions mastered (recall chance 90%+ now): 0",
        "Quiz accuracy by paragraph": "No data yet.",
    }
    debates = dict(debate_fields(DebateMemberStats({}, 0, 0, None), None))
    assert debates == {
        "Debates": "Argued: none\nWins: 0\nAverage speech score: no scored speeches yet"
    }

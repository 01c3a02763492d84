"""The statistics of /insights: pure functions, known values."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.content import Question
from bot.rules.insights import (
    KEY_IN_DOUBT,
    NO_SIGN,
    QUESTIONS_HEADER,
    TOO_EASY,
    TOO_FEW,
    TOO_HARD,
    WEAK_DISTRACTOR,
    ChoiceTally,
    DebateOutcome,
    Tally,
    by_paragraph,
    chi_square,
    chi_square_sf,
    csv_table,
    discrimination,
    group_size,
    leeches,
    mastery_by_paragraph,
    mastery_horizon,
    member_paragraphs,
    p_text,
    paragraph_stats,
    question_line,
    question_stats,
    share,
    spread,
    upper_lower_groups,
    weakest,
    win_balance,
    window,
    worst_first,
)
from bot.rules.srs import DAY, REVIEW, Progress, mastered

NOW = datetime(2026, 5, 14, 15, 30, tzinfo=UTC).timestamp()  # a Thursday

CHOICE = Question(
    id="q-choice",
    paragraph="P2",
    difficulty="medium",
    kind="choice",
    prompt="Which?",
    choices=("one", "two", "three", "four"),
    answer=0,
    explanation="A.",
)
TRUE_FALSE = Question(
    id="q-tf",
    paragraph="P3",
    difficulty="easy",
    kind="truefalse",
    prompt="Is it?",
    choices=("True", "False"),
    answer=0,
    explanation="True.",
)


def picks(question: Question, *counts: int) -> list[ChoiceTally]:
    """Per-choice tallies: ``counts[i]`` answers picked pack choice ``i``."""
    return [
        ChoiceTally(question.id, index, count, count if index == question.answer else 0)
        for index, count in enumerate(counts)
        if count
    ]


# --- shares and the upper–lower index ---------------------------------------------------------


def test_share_right() -> None:
    assert share(3, 4) == 0.75
    assert share(0, 0) is None
    assert Tally(8, 6).share == 0.75 and Tally(8, 6).misses == 2
    assert Tally().share is None
    assert Tally(2, 1) + Tally(3, 3) == Tally(5, 4)


@pytest.mark.parametrize(
    ("ranked", "size"), [(4, 1), (5, 1), (6, 2), (10, 3), (11, 3), (100, 27), (500, 135)]
)
def test_the_groups_are_27_percent_of_the_ranked_members_rounded(ranked: int, size: int) -> None:
    assert group_size(ranked) == size


def test_members_are_ranked_by_accuracy_and_fewer_than_four_leave_the_index_undefined() -> None:
    assert upper_lower_groups({1: Tally(5, 5), 2: Tally(5, 1), 3: Tally(5, 3)}) is None
    # a member with no answers is not ranked
    assert upper_lower_groups({1: Tally(5, 5), 2: Tally(5, 1), 3: Tally(5, 3), 4: Tally()}) is None
    accuracy = {
        10: Tally(10, 9),  # 0.9
        11: Tally(10, 2),  # 0.2
        12: Tally(10, 5),
        13: Tally(4, 4),  # 1.0: the best
        14: Tally(10, 1),  # 0.1: the worst
        15: Tally(10, 6),
        16: Tally(10, 7),
        17: Tally(10, 3),
        18: Tally(10, 8),
        19: Tally(20, 2),  # 0.1 too, with more answers: ranked below 14
    }
    groups = upper_lower_groups(accuracy)
    assert groups is not None and groups.ranked == 10 and groups.size == 3
    assert groups.upper == {13, 10, 18}
    assert groups.lower == {19, 14, 11}


def test_upper_lower_index() -> None:
    assert discrimination(Tally(5, 4), Tally(5, 1)) == pytest.approx(0.6)
    assert discrimination(Tally(4, 1), Tally(2, 2)) == pytest.approx(-0.75)
    assert discrimination(Tally(0, 0), Tally(5, 1)) is None
    assert discrimination(Tally(3, 3), Tally(0, 0)) is None


# --- question flags ----------------------------------------------------------------------------


def test_a_distractor_picked_more_than_the_key_puts_the_key_in_doubt() -> None:
    row = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 4, 5, 1, 1))
    assert row.answers == 11 and row.right == 4 and row.picks == (4, 5, 1, 1)
    assert row.rivals == (1,)
    assert row.flags == (KEY_IN_DOUBT,)
    assert row.key == (0,) and row.key_labels == "A"


def test_a_negative_index_puts_the_key_in_doubt() -> None:
    row = question_stats(
        CHOICE.id, CHOICE, picks(CHOICE, 6, 2, 2, 2), upper=Tally(4, 1), lower=Tally(4, 3)
    )
    assert row.discrimination == pytest.approx(-0.5)
    assert row.flags == (KEY_IN_DOUBT,)
    fine = question_stats(
        CHOICE.id, CHOICE, picks(CHOICE, 6, 2, 2, 2), upper=Tally(4, 3), lower=Tally(4, 1)
    )
    assert fine.discrimination == pytest.approx(0.5) and fine.flags == ()


def test_too_hard_too_easy_and_weak_distractors_at_their_bounds() -> None:
    hard = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 29, 28, 23, 20))
    assert hard.flags == (TOO_HARD,)
    at_30 = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 30, 28, 22, 20))
    assert at_30.flags == ()  # 30 % is not under 30 %
    easy = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 91, 3, 3, 3))
    assert easy.flags == (TOO_EASY, WEAK_DISTRACTOR) and easy.weak == (1, 2, 3)
    at_90 = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 90, 5, 5, 0))
    assert at_90.flags == (WEAK_DISTRACTOR,) and at_90.weak == (3,)  # 5 % is not under 5 %
    weak = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 60, 20, 17, 3))
    assert weak.flags == (WEAK_DISTRACTOR,) and weak.weak == (3,)


def test_a_true_false_question_has_no_weak_distractor_and_keeps_its_labels() -> None:
    row = question_stats(TRUE_FALSE.id, TRUE_FALSE, picks(TRUE_FALSE, 19, 1))
    assert row.flags == (TOO_EASY,)
    assert row.labels == ("True", "False") and row.key_labels == "True"


def test_fewer_than_ten_answers_are_too_few_to_judge() -> None:
    nine = question_stats(
        CHOICE.id, CHOICE, picks(CHOICE, 1, 8), upper=Tally(1, 0), lower=Tally(1, 1)
    )
    assert not nine.judged and nine.flags == () and nine.weak == ()
    assert nine.verdict == TOO_FEW == "too few answers to judge"
    assert nine.discrimination == pytest.approx(-1.0)  # still shown, just not judged
    ten = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 1, 9))
    assert ten.judged and ten.flags == (KEY_IN_DOUBT, TOO_HARD, WEAK_DISTRACTOR)
    assert ten.verdict == "key in doubt, too hard, weak distractor"


def test_the_key_is_what_answers_were_counted_right_on() -> None:
    # nobody picked the key: the pack's answer is the key
    row = question_stats(CHOICE.id, CHOICE, picks(CHOICE, 0, 6, 4))
    assert row.key == (0,) and row.right == 0 and row.picks == (0, 6, 4, 0)
    # a question the pack no longer holds: labels by letter, the key from the answers
    gone = question_stats(
        "gone", None, [ChoiceTally("gone", 2, 7, 7), ChoiceTally("gone", 0, 3, 0)]
    )
    assert gone.labels == ("A", "B", "C") and gone.key == (2,) and gone.prompt is None


def test_rows_come_worst_first() -> None:
    rows = [
        question_stats("few", CHOICE, picks(CHOICE, 3), order=0),
        question_stats("fine", CHOICE, picks(CHOICE, 6, 2, 2, 2), order=1),
        question_stats("weak", CHOICE, picks(CHOICE, 60, 20, 17, 3), order=2),
        question_stats("doubt", CHOICE, picks(CHOICE, 4, 5, 1, 1), order=3),
        question_stats("easy", CHOICE, picks(CHOICE, 91, 3, 3, 3), order=4),
        question_stats("hard", CHOICE, picks(CHOICE, 29, 28, 23, 20), order=5),
    ]
    assert [r.question_id for r in worst_first(rows)] == [
        "doubt", "hard", "easy", "weak", "fine", "few",
    ]  # fmt: skip


def test_the_csv_has_a_row_per_question_numbers_as_numbers_and_safe_text() -> None:
    formula = replace(CHOICE, id="q-formula", prompt="=HYPERLINK(1)")
    rows = [
        question_stats(
            formula.id, formula, picks(formula, 1, 5, 2, 2), upper=Tally(2, 0), lower=Tally(2, 1)
        ),
        question_stats(TRUE_FALSE.id, TRUE_FALSE, picks(TRUE_FALSE, 3, 1)),
    ]
    data = csv_table(QUESTIONS_HEADER, [question_line(r) for r in rows]).decode("utf-8")
    table = list(csv.DictReader(io.StringIO(data)))
    assert [r["question_id"] for r in table] == ["q-formula", "q-tf"]
    first, second = table
    assert first["prompt"] == "'=HYPERLINK(1)"
    assert first["discrimination"] == "-0.5000" and first["share_right"] == "0.1000"
    assert (first["A"], first["B"], first["C"], first["D"]) == ("1", "5", "2", "2")
    assert first["True"] == "" and first["key"] == "A"
    assert first["flags"] == "key in doubt, too hard"
    assert (second["True"], second["False"], second["A"]) == ("3", "1", "")
    assert second["flags"] == TOO_FEW and second["discrimination"] == ""
    for row in table:
        picked = sum(int(row[c]) for c in ("A", "B", "C", "D", "True", "False") if row[c])
        assert picked == int(row["answers"])


# --- periods -----------------------------------------------------------------------------------


def test_windows_follow_the_leaderboard_periods() -> None:
    week = window("week", NOW, season=1)
    assert datetime.fromtimestamp(week.since, UTC) == datetime(2026, 5, 11, tzinfo=UTC)
    assert week.label.startswith("Week 20 of 2026")
    month = window("month", NOW)
    assert datetime.fromtimestamp(month.since, UTC) == datetime(2026, 5, 1, tzinfo=UTC)
    assert month.label == "May 2026"
    assert window("all-time", NOW).since == 0.0 and window("all-time", NOW).label == "All time"
    first = window("season", NOW, season=1, season_started_at=NOW - 100, season_name="Season 1")
    assert first.since == 0.0 and first.label == "Season 1"  # the first season has no start
    second = window("season", NOW, season=2, season_started_at=NOW - 100, season_name="Spring")
    assert second.since == NOW - 100 and second.label == "Season 2 (Spring)"
    with pytest.raises(ValueError, match="unknown period"):
        window("year", NOW)


# --- paragraphs and members --------------------------------------------------------------------


def card(question_id: str, paragraph: str, *, days_ago: float, stability: float,
         right: bool = True, seen: int = 3, correct: int = 2) -> Progress:  # fmt: skip
    return Progress(
        question_id=question_id, paragraph=paragraph, seen=seen, correct=correct,
        due_at=NOW + DAY, last_seen=NOW - days_ago * DAY, state=REVIEW, step=None,
        stability=stability, difficulty=5.0, last_right=right,
    )  # fmt: skip


def test_mastery_is_fsrs_retrievability_of_at_least_90_percent_after_a_right_answer() -> None:
    cards = [
        card("a", "P1", days_ago=5, stability=10),  # R > 0.9
        card("b", "P1", days_ago=10.5, stability=10),  # 10 whole days: R = 0.9 exactly
        card("c", "P1", days_ago=11, stability=10),  # R < 0.9
        card("d", "P1", days_ago=1, stability=10, right=False),  # last answer wrong
        card("e", "P2", days_ago=0, stability=3),
    ]
    found = mastery_by_paragraph(cards, NOW)
    assert (found["P1"].cards, found["P1"].mastered) == (4, 2)
    assert found["P1"].share == 0.5
    assert (found["P2"].cards, found["P2"].mastered) == (1, 1)


def test_paragraph_rows_follow_the_pack_and_keep_unknown_paragraphs() -> None:
    tallies = by_paragraph(
        {"q1": Tally(4, 3), "q2": Tally(6, 3), "gone": Tally(2, 0)},
        {"q1": "P1", "q2": "P1", "q3": "P3"},
    )
    assert tallies == {"P1": Tally(10, 6), "?": Tally(2, 0)}
    rows = paragraph_stats(("standfirst", "P1", "P2", "P3"), {"P1": 2, "P3": 1}, tallies, {})
    assert [r.paragraph for r in rows] == ["P1", "P3", "?"]
    assert rows[0].tally.share == 0.6 and rows[1].tally.answers == 0


def test_a_member_against_the_group_their_weakest_questions_and_leeches() -> None:
    rows = member_paragraphs(
        ("P1", "P2", "P3"),
        {"P2": Tally(4, 1), "P1": Tally(2, 2)},
        {"P1": Tally(10, 5), "P2": Tally(20, 15), "P3": Tally(5, 5)},
    )
    assert [(r.paragraph, r.gap) for r in rows] == [("P1", 0.5), ("P2", -0.5)]
    worst = weakest({"a": Tally(3, 0), "b": Tally(4, 2), "c": Tally(2, 2), "d": Tally(1, 0)})
    assert [q for q, _ in worst] == ["a", "d", "b"]  # 0 % with 3 misses, 0 % with 1, 50 %
    assert weakest({"a": Tally(3, 3)}) == []
    many = card("x", "P1", days_ago=1, stability=1, seen=12, correct=2)
    more = card("y", "P2", days_ago=1, stability=1, seen=20, correct=1)
    few = card("z", "P2", days_ago=1, stability=1, seen=8, correct=1)
    assert [c.question_id for c in leeches([many, few, more])] == ["y", "x"]


# --- chi-square --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statistic", "df", "p"),
    [
        (3.841458820694124, 1, 0.05),
        (6.634896601021214, 1, 0.01),
        (5.991464547107979, 2, 0.05),
        (9.21034037197618, 2, 0.01),
        (2.0, 2, math.exp(-1)),
        (7.814727903251178, 3, 0.05),
        (9.487729036781154, 4, 0.05),
        (11.070497693516351, 5, 0.05),
        (0.0, 2, 1.0),
        (1.0, 1, 0.31731050786291415),
    ],
)
def test_chi_square_p_values_against_known_values(statistic: float, df: int, p: float) -> None:
    assert chi_square_sf(statistic, df) == pytest.approx(p, rel=1e-9)


def test_two_degrees_of_freedom_is_exp_of_minus_half_the_statistic() -> None:
    for x in (0.5, 1.0, 4.6, 13.8):
        assert chi_square_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-12)
    with pytest.raises(ValueError, match="degree"):
        chi_square_sf(1.0, 0)


def test_chi_square_leaves_out_categories_expected_zero_times() -> None:
    test = chi_square([10, 5, 0], [5, 5, 5])
    assert test is not None and test.statistic == pytest.approx(10.0) and test.df == 2
    assert test.p_value == pytest.approx(math.exp(-5))
    two = chi_square([3, 1, 0], [2, 2, 0])
    assert two is not None and two.df == 1 and two.statistic == pytest.approx(1.0)
    assert chi_square([3, 0], [3, 0]) is None


NAMES = {
    "liberal": "South Korean liberals",
    "conservative": "South Korean conservatives",
    "united-states": "United States",
}
THREE = ("liberal", "conservative", "united-states")


def test_one_debate_is_no_sign_of_bias() -> None:
    balance = win_balance([DebateOutcome(1, THREE, ("conservative",))], NAMES)
    assert balance.held == balance.decided == 1
    assert [(r.name, r.wins) for r in balance.positions] == [
        ("South Korean liberals", 0), ("South Korean conservatives", 1), ("United States", 0),
    ]  # fmt: skip
    assert all(r.expected == pytest.approx(1 / 3) for r in balance.positions)
    assert balance.test is not None and balance.test.df == 2
    assert balance.test.statistic == pytest.approx(2.0)
    assert balance.test.p_value == pytest.approx(math.exp(-1))
    assert balance.favoured is None and balance.rough
    assert (
        balance.sentence == "no sign that one side is favoured."
        and balance.sentence == f"{NO_SIGN}."
    )


def test_a_side_that_keeps_winning_wins_more_than_chance_explains() -> None:
    outcomes = [DebateOutcome(i, THREE, ("conservative",)) for i in range(10)]
    outcomes += [DebateOutcome(10 + i, THREE, (THREE[i % 3],)) for i in range(5)]
    balance = win_balance(outcomes, NAMES)
    # conservatives 10 + 2 = 12 wins, liberals 2, United States 1; 5 expected each
    assert [r.wins for r in balance.positions] == [2, 12, 1]
    assert balance.test is not None
    assert balance.test.statistic == pytest.approx((9 + 49 + 16) / 5)
    assert balance.test.p_value == pytest.approx(math.exp(-(9 + 49 + 16) / 10))
    assert balance.favoured == "conservative" and not balance.rough
    assert balance.sentence == "the South Korean conservatives win more than chance explains."


def test_ties_two_sided_motions_and_undecided_debates() -> None:
    outcomes = [
        DebateOutcome(1, ("liberal", "conservative"), ("liberal",)),
        DebateOutcome(2, THREE, ("liberal", "united-states")),  # a tie: 2 winners of 3
        DebateOutcome(3, THREE, ()),  # no position scored: nobody won
    ]
    balance = win_balance(outcomes, NAMES)
    assert balance.held == 3 and balance.decided == 2
    expected = {r.position: r.expected for r in balance.positions}
    assert expected == pytest.approx({"liberal": 0.5 + 2 / 3, "conservative": 0.5 + 2 / 3,
                                      "united-states": 2 / 3})  # fmt: skip
    assert {r.position: r.debates for r in balance.positions} == {
        "liberal": 3, "conservative": 3, "united-states": 2,
    }  # fmt: skip
    assert balance.test is not None and balance.test.df == 2


def test_no_decided_debate_means_nothing_to_test() -> None:
    balance = win_balance([DebateOutcome(1, THREE, ())], NAMES)
    assert balance.test is None and balance.favoured is None
    assert "nothing to test" in balance.sentence
    assert win_balance([], NAMES).sentence == balance.sentence


def test_p_values_read_plainly() -> None:
    assert p_text(math.exp(-1)) == "p = 0.37"
    assert p_text(0.0123) == "p = 0.012"
    assert p_text(0.00001) == "p < 0.001"


def test_the_spread_of_judges_scores() -> None:
    found = spread({6: 2, 8: 1, 3: 1})
    assert found is not None
    assert (found.count, found.low, found.high, found.median) == (4, 3, 8, 6.0)
    assert found.mean == pytest.approx(5.75)
    assert found.sd == pytest.approx(math.sqrt(((0.25**2) * 2 + 2.25**2 + 2.75**2) / 3))
    assert found.histogram == (0, 0, 1, 0, 0, 2, 0, 1, 0, 0)
    one = spread({7: 1})
    assert one is not None and one.sd == 0.0
    assert spread({}) is None


def test_the_mastery_horizon_is_where_fsrs_retrievability_falls_below_90_percent() -> None:
    horizon = mastery_horizon()
    assert horizon == pytest.approx(1.0, abs=1e-5)  # FSRS: stability is the time to fall to 90 %
    for stability in (0.3, 1.0, 2.5, 7.0, 33.3, 365.0, 4000.0):
        for days in range(int(stability * horizon) - 2, int(stability * horizon) + 3):
            if days < 0:
                continue
            record = card("a", "P1", days_ago=days + 0.5, stability=stability)
            assert mastered(record, NOW) == (days <= stability * horizon), (stability, days)

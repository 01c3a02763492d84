"""The pure rules of quizzes: points (classic and accuracy, with a property test of the
accuracy invariant), choosing questions (normal and review), the order a showing presents the
choices in, FSRS spaced repetition against ``fsrs`` itself, standings.

Pure tests pass times in (no clock is read); the demo pack from ``tests/packs.py`` has five
questions: three A–D, two true/false.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import load_pack
from bot.errors import UserError
from bot.rules.quiz import (
    ECHO_LIMIT,
    Standing,
    check_quiz_options,
    choose_questions,
    echo,
    fastest_right,
    matching_questions,
    next_member_streak,
    option_counts,
    score_answer,
    speed_bonus,
    standings,
    streak_before,
)
from tests.packs import write_pack

T0 = 1_800_000_000.0


# =============================================================================== pure rules


def test_speed_bonus_is_proportional_to_the_time_left_and_rounded_half_up() -> None:
    opened, closes = T0, T0 + 30
    assert speed_bonus(T0, opened, closes) == 5
    assert speed_bonus(T0 + 30, opened, closes) == 0
    assert speed_bonus(T0 + 15, opened, closes) == 3  # 2.5 rounds up
    assert speed_bonus(T0 + 24, opened, closes) == 1  # 6 s left of 30: 1.0
    assert speed_bonus(T0 + 25, opened, closes) == 1  # 5 s left: 0.83
    assert speed_bonus(T0 + 28, opened, closes) == 0  # 2 s left: 0.33
    assert speed_bonus(T0 - 5, opened, closes) == 5  # clock skew never pays more than 5
    assert speed_bonus(T0 + 99, opened, closes) == 0


def test_a_right_answer_earns_ten_plus_speed_plus_streak() -> None:
    first = score_answer(True, T0, T0, T0 + 20, streak=0)
    assert (first.points, first.speed_bonus, first.streak_bonus, first.streak) == (15, 5, 0, 1)
    third = score_answer(True, T0 + 10, T0, T0 + 20, streak=2)
    assert (third.points, third.speed_bonus, third.streak_bonus) == (10 + 3 + 2, 3, 2)
    capped = score_answer(True, T0 + 20, T0, T0 + 20, streak=9)
    assert (capped.points, capped.streak_bonus, capped.streak) == (15, 5, 10)


def test_a_wrong_answer_earns_nothing_and_breaks_the_streak() -> None:
    wrong = score_answer(False, T0, T0, T0 + 20, streak=4)
    assert (wrong.points, wrong.streak) == (0, 0)


def test_the_quiz_streak_counts_only_unbroken_runs() -> None:
    assert streak_before(3, last_position=4, position=5) == 3
    assert streak_before(3, last_position=3, position=5) == 0  # skipped question 4
    assert streak_before(0, last_position=4, position=5) == 0
    assert streak_before(2, last_position=None, position=0) == 0


def test_a_members_overall_streak_and_best() -> None:
    current, best = 0, 0
    for correct in (True, True, True, False, True):
        current, best = next_member_streak(current, best, correct)
    assert (current, best) == (1, 3)


def test_choosing_prefers_unasked_then_the_longest_ago() -> None:
    ids = ["a", "b", "c", "d", "e"]
    rng = random.Random(7)
    first = choose_questions(ids, 3, {}, rng=rng)
    assert len(set(first)) == 3
    asked = {q: T0 + i for i, q in enumerate(first)}
    second = choose_questions(ids, 3, asked, rng=rng)
    assert set(second[:2]) == set(ids) - set(first)  # the two never asked come first
    assert second[2] == first[0]  # then the one asked longest ago


def test_choosing_puts_questions_reserved_by_another_quiz_last() -> None:
    chosen = choose_questions(["a", "b", "c"], 2, {}, reserved={"a", "b"}, rng=random.Random(1))
    assert chosen[0] == "c"


def test_choosing_more_than_there_are_uses_each_once() -> None:
    assert sorted(choose_questions(["a", "b"], 5, {}, rng=random.Random(3))) == ["a", "b"]


@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(min_value=1, max_value=12),
    counts=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=12),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_no_question_repeats_before_every_one_was_asked(
    total: int, counts: list[int], seed: int
) -> None:
    ids = [f"q{i}" for i in range(total)]
    rng = random.Random(seed)
    asked_at: dict[str, float] = {}
    history: list[str] = []
    now = T0
    for count in counts:
        for question_id in choose_questions(ids, count, asked_at, rng=rng):
            now += 1
            asked_at[question_id] = now
            history.append(question_id)
    for start in range(0, len(history), total):
        cycle = history[start : start + total]
        assert len(set(cycle)) == len(cycle), f"a repeat inside one cycle: {history}"


def test_matching_questions_filters_and_explains(demo: Any) -> None:
    assert {q.id for q in matching_questions(demo, "P2")} == {"p2-first-plan", "p2-oaks-tended"}
    assert [q.id for q in matching_questions(demo, "p2", "easy")] == ["p2-oaks-tended"]
    assert len(matching_questions(demo)) == 5
    with pytest.raises(UserError, match=r"no section 'P9'.*standfirst, P1, P2, P3"):
        matching_questions(demo, "P9")
    with pytest.raises(
        UserError, match="No question in demo matches section P1 and difficulty hard"
    ):
        matching_questions(demo, "P1", "hard")


def test_a_long_unknown_section_is_echoed_short(demo: Any) -> None:
    with pytest.raises(UserError) as raised:
        matching_questions(demo, "P" * 3000)
    message = str(raised.value)
    assert message.startswith("There is no section 'PPPP") and "…' in demo" in message
    assert message.endswith("Pick one of: standfirst, P1, P2, P3.") and len(message) < 120
    assert echo("  two\n words ") == "'two words'" and len(echo("x" * 500)) == ECHO_LIMIT + 2


def test_pack_without_questions_is_a_clear_error(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, questions=None))
    with pytest.raises(UserError, match="has no quiz questions"):
        matching_questions(pack)


def test_standings_share_ranks_on_ties_and_keep_ten() -> None:
    assert standings([(1, 30, 2)]) == (Standing(1, 1, 30, 2),)  # with right answers
    rows = standings([(1, 30), (2, 45), (3, 30), (4, 12), (5, 45), (6, 0)])
    assert rows[:5] == (
        Standing(1, 2, 45), Standing(1, 5, 45), Standing(3, 1, 30), Standing(3, 3, 30),
        Standing(5, 4, 12),
    )  # fmt: skip
    many = standings([(user, 100 - user) for user in range(30)])
    assert len(many) == 10 and many[-1].rank == 10
    tied = standings([(user, 5) for user in range(12)])
    assert {r.rank for r in tied} == {1} and len(tied) == 10


def test_option_counts_and_fastest_right_answer() -> None:
    assert option_counts([0, 2, 2, 1, 2], 4) == (1, 1, 3, 0)
    answers = [(1, False, T0 + 1), (2, True, T0 + 4.5), (3, True, T0 + 2)]
    assert fastest_right(answers, T0) == (3, 2.0)
    assert fastest_right([(1, False, T0)], T0) is None


def test_quiz_options_are_checked() -> None:
    check_quiz_options(1, 10)
    check_quiz_options(20, 120)
    with pytest.raises(UserError, match="1 to 20 questions"):
        check_quiz_options(21, 30)
    with pytest.raises(UserError, match="10 to 120 seconds"):
        check_quiz_options(5, 5)

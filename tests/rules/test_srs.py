"""Spaced repetition with FSRS (:mod:`bot.rules.srs`), checked against ``fsrs`` itself, and the
rules that are new with the teaching quizzes: shuffled choices, accuracy-first points (a property
test over random answer sequences and timings), review quiz selection.

Pure: times are passed in; the demo pack from ``tests/packs.py`` has five questions.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from fsrs import Card, Rating, Scheduler
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.rules.quiz import (
    ACCURACY_BONUS_CAP,
    BASE_POINTS,
    as_shown,
    choose_review,
    draw_order,
    original_choice,
    points_line,
    score_answer,
    shown_choice,
    streak_before,
)
from bot.rules.srs import (
    DAY,
    LEARN_AHEAD,
    LEARNING,
    REVIEW,
    Progress,
    check_retention,
    describe_interval,
    due_counts,
    mastered,
    next_due,
    next_practice_question,
    reviewed,
)

T0 = 1_800_000_000.0
MINUTE = 60.0


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# =============================================================================== FSRS


@pytest.mark.parametrize("retention", [0.9, 0.8, 0.95])
@pytest.mark.parametrize(
    "history",
    [
        [(True, 0), (True, 60), (True, 660), (True, 5 * DAY), (False, 30 * DAY), (True, 31 * DAY)],
        [(False, 0), (False, 30), (True, 120), (True, 900), (True, 3 * DAY)],
        [(True, 0), (False, 40), (True, 700), (True, 1.5 * DAY), (True, 9 * DAY)],
    ],
)
def test_due_dates_equal_fsrs_itself_for_the_same_history(
    demo: Any, retention: float, history: list[tuple[bool, float]]
) -> None:
    question = demo.question("p2-first-plan")
    reference = Scheduler(desired_retention=retention, enable_fuzzing=False)
    card = Card(card_id=1, due=at(T0))
    record = None
    for correct, offset in history:
        card, _ = reference.review_card(
            card, Rating.Good if correct else Rating.Again, at(T0 + offset)
        )
        record = reviewed(record, question, correct, T0 + offset, retention)
        assert record.due_at == card.due.timestamp()
        assert (record.state, record.step) == (card.state.value, card.step)
        assert (record.stability, record.difficulty) == (card.stability, card.difficulty)
    assert record is not None and record.seen == len(history)
    assert record.correct == sum(correct for correct, _ in history)


def test_a_first_right_answer_comes_back_in_minutes_and_later_ones_in_days(demo: Any) -> None:
    question = demo.question("p1-who-objects")
    first = reviewed(None, question, True, T0)
    assert first.due_at - T0 == 10 * MINUTE and first.state == LEARNING  # the second step
    second = reviewed(first, question, True, first.due_at)
    assert second.state == REVIEW and second.due_at - second.last_seen >= DAY
    wrong = reviewed(None, question, False, T0)
    assert wrong.due_at - T0 == 1 * MINUTE and not wrong.last_right


def test_retention_is_checked_and_a_higher_one_brings_questions_back_sooner(demo: Any) -> None:
    assert check_retention(0.85) == 0.85
    for bad in (0.5, 0.98, 1.0):
        with pytest.raises(UserError, match=r"0\.70 to 0\.97"):
            check_retention(bad)
    question = demo.question("p1-who-objects")
    low = reviewed(reviewed(None, question, True, T0, 0.7), question, True, T0 + 600, 0.7)
    high = reviewed(reviewed(None, question, True, T0, 0.97), question, True, T0 + 600, 0.97)
    assert high.due_at < low.due_at


def test_mastered_means_last_answer_right_and_recall_still_likely(demo: Any) -> None:
    question = demo.question("p1-who-objects")
    known = reviewed(reviewed(None, question, True, T0), question, True, T0 + 600)
    assert mastered(known, T0 + 700)
    assert not mastered(known, T0 + 400 * DAY)  # long forgotten
    missed = reviewed(known, question, False, T0 + DAY)
    assert not mastered(missed, T0 + DAY + 1)


def test_a_question_missed_eight_times_is_a_leech(demo: Any) -> None:
    question = demo.question("p1-who-objects")
    record = None
    for miss in range(7):
        record = reviewed(record, question, False, T0 + miss * MINUTE)
        record = reviewed(record, question, True, T0 + miss * MINUTE + 30)
    assert record is not None and record.misses == 7 and not record.leech
    record = reviewed(record, question, False, T0 + DAY)
    assert record.misses == 8 and record.leech


def rec(question_id: str, *, due: float, right: bool = True, state: int = REVIEW) -> Progress:
    return Progress(
        question_id, "P1", 2, 1 + int(right), due, T0, state=state, step=None if state == REVIEW
        else 0, stability=3.0, difficulty=5.0, last_right=right,
    )  # fmt: skip


def test_practice_picks_missed_then_due_then_new_then_learn_ahead() -> None:
    now = T0 + 10 * DAY
    ids = ["new", "due-old", "due-new", "missed", "ahead", "later"]
    progress = {
        "missed": rec("missed", due=now + 50, right=False, state=LEARNING),  # step not passed
        "due-old": rec("due-old", due=now - 3 * DAY),
        "due-new": rec("due-new", due=now - 60),
        "ahead": rec("ahead", due=now + LEARN_AHEAD - 1, state=LEARNING),
        "later": rec("later", due=now + 2 * DAY),
    }
    order = []
    avoid = None
    for _ in range(5):
        chosen = next_practice_question(ids, progress, now, avoid=avoid)
        assert chosen is not None
        order.append(chosen)
        progress.pop(chosen, None)
        ids.remove(chosen)
        avoid = chosen
    assert order == ["missed", "due-old", "due-new", "new", "ahead"]
    assert next_practice_question(ids, progress, now) is None  # "later" waits two days
    assert next_due(["later"], progress) == now + 2 * DAY


def test_practice_never_repeats_the_last_question_unless_nothing_else_is_left() -> None:
    missed = {"a": rec("a", due=T0, right=False, state=LEARNING)}
    assert next_practice_question(["a", "b"], missed, T0, avoid="a") == "b"
    assert next_practice_question(["a"], missed, T0, avoid="a") == "a"
    assert next_practice_question([], {}, T0) is None


def test_due_counts_by_paragraph(demo: Any) -> None:
    p2 = demo.question("p2-first-plan")
    p1 = demo.question("p1-who-objects")
    progress = {
        p2.id: reviewed(None, p2, False, T0),  # due in a minute
        p1.id: reviewed(reviewed(None, p1, True, T0), p1, True, T0 + 600),  # due in days
    }
    counts = {
        c.paragraph: (c.now, c.week, c.new) for c in due_counts(demo.questions, progress, T0 + 120)
    }
    assert counts["P2"] == (1, 0, 1) and counts["P1"] == (0, 1, 0)
    assert sum(c[2] for c in counts.values()) == len(demo.questions) - 2


def test_intervals_read_as_people_say_them() -> None:
    assert describe_interval(60) == "1 minute"
    assert describe_interval(600) == "10 minutes"
    assert describe_interval(5 * 3600) == "5 hours"
    assert describe_interval(4 * DAY + 100) == "4 days"
    assert describe_interval(DAY) == "1 day"


# =============================================================================== shuffled choices


def test_a_shown_order_maps_positions_both_ways(demo: Any) -> None:
    question = demo.question("p1-who-objects")  # answer A, "Shop owners"
    order = (2, 0, 3, 1)
    shown = as_shown(question, order)
    assert shown.choices == tuple(question.choices[i] for i in order)
    assert shown.answer_label == "B" and shown.answer_text == "Shop owners"
    assert original_choice(question, order, 1) == 0 and shown_choice(question, order, 0) == 1
    assert as_shown(question, None) == question  # an old round: unshuffled
    assert as_shown(question, (0, 1)) == question  # an order that no longer fits the question
    assert original_choice(question, None, 3) == 3


def test_true_false_keeps_its_order_and_choices_are_not_always_shown_alike(demo: Any) -> None:
    rng = random.Random(1)
    assert draw_order(demo.question("p2-oaks-tended"), rng) is None
    orders = {draw_order(demo.question("p1-who-objects"), rng) for _ in range(20)}
    assert len(orders) > 1
    assert all(sorted(order) == [0, 1, 2, 3] for order in orders if order)


# =============================================================================== accuracy points


def test_accuracy_mode_caps_a_members_bonuses_in_a_quiz_at_nine() -> None:
    classic = score_answer(True, T0, T0, T0 + 20, 3)
    assert (classic.points, classic.speed_bonus, classic.streak_bonus) == (18, 5, 3)
    first = score_answer(True, T0, T0, T0 + 20, 3, mode="accuracy", bonus_so_far=0)
    assert (first.points, first.bonus) == (18, 8)
    second = score_answer(True, T0, T0, T0 + 20, 4, mode="accuracy", bonus_so_far=8)
    assert (second.points, second.speed_bonus, second.streak_bonus) == (11, 1, 0)
    third = score_answer(True, T0, T0, T0 + 20, 5, mode="accuracy", bonus_so_far=9)
    assert third.points == BASE_POINTS and third.streak == 6
    assert "more right answers always win" in points_line("accuracy")
    assert "+0–5 for speed" in points_line("classic")


answer_plans = st.lists(  # per question: per member, None (no answer) or (right?, seconds taken)
    st.lists(st.one_of(st.none(), st.tuples(st.booleans(), st.floats(0, 30))), min_size=4,
             max_size=4),
    min_size=1, max_size=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(plan=answer_plans, seconds=st.integers(10, 30))
def test_in_accuracy_mode_more_right_answers_always_mean_more_points(
    plan: list[list[tuple[bool, float] | None]], seconds: int
) -> None:
    totals = [0] * 4
    rights = [0] * 4
    bonus = [0] * 4
    streak = [0] * 4
    last: list[int | None] = [None] * 4
    for position, answers in enumerate(plan):
        opened = T0 + position * 100
        for member, answer in enumerate(answers):
            if answer is None:
                continue
            correct, taken = answer
            result = score_answer(
                correct, opened + min(taken, seconds), opened, opened + seconds,
                streak_before(streak[member], last[member], position),
                mode="accuracy", bonus_so_far=bonus[member],
            )  # fmt: skip
            totals[member] += result.points
            rights[member] += int(correct)
            bonus[member] += result.bonus
            streak[member], last[member] = result.streak, position
    for member in range(4):
        assert bonus[member] <= ACCURACY_BONUS_CAP
        assert BASE_POINTS * rights[member] <= totals[member] <= BASE_POINTS * rights[member] + 9
    for a in range(4):
        for b in range(4):
            if rights[a] > rights[b]:
                assert totals[a] > totals[b]


# =============================================================================== review quizzes


def test_review_picks_most_due_then_weakest_never_recent() -> None:
    candidates = ["a", "b", "c", "d", "e", "f"]
    due_for = {"a": 1, "b": 4, "c": 2, "f": 9}
    answered = {"d": (10, 2), "e": (5, 4), "c": (3, 0), "a": (2, 0)}  # a: too few answers
    picks = choose_review(candidates, due_for, answered, recent={"f"}, count=5)
    assert picks == ("b", "c", "a", "d", "e")
    assert choose_review(candidates, due_for, answered, recent={"f"}, count=2) == ("b", "c")
    assert choose_review(candidates, {}, {"a": (2, 0)}, recent=set(), count=3) == ()

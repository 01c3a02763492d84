"""Quizzes: the pure rules, the store, and live quizzes and practice end to end.

Pure tests pass times in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` and the demo pack
from ``tests/packs.py`` (five questions: three A–D, two true/false).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.content import load_pack
from bot.rules.quiz import (
    DAY,
    Progress,
    reviewed,
)
from bot.store import Store
from bot.store.quiz import MemberStreak, NewAnswer, QuizAlreadyRunning
from tests.packs import write_pack

T0 = 1_800_000_000.0


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    return load_pack(write_pack(tmp_path / "packs"))


# =============================================================================== the store


async def new_quiz(store: Store, channel_id: int = 10, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "guild_id": 1,
        "channel_id": channel_id,
        "pack_id": "demo",
        "started_by": 100,
        "source": "live",
        "title": None,
        "question_ids": ["p1-who-objects", "p3-lesson"],
        "seconds": 20,
        "section": None,
        "difficulty": None,
        "now": T0,
    }
    values.update(changes)
    return await store.quiz.create_quiz(**values)


async def test_one_running_quiz_per_channel_is_enforced_by_the_database(store: Store) -> None:
    quiz = await new_quiz(store)
    assert quiz.running and quiz.position == -1 and quiz.total == 2
    with pytest.raises(QuizAlreadyRunning):
        await new_quiz(store)
    other = await new_quiz(store, channel_id=11)
    assert (await store.quiz.running_in(11)) == other
    assert await store.quiz.finish_quiz(quiz.id, "finished", T0 + 50) is True
    assert await store.quiz.finish_quiz(quiz.id, "stopped", T0 + 60) is False
    assert await store.quiz.running_in(10) is None
    await new_quiz(store)  # the channel is free again


async def test_an_answer_is_stored_once_and_never_after_the_close(store: Store) -> None:
    quiz = await new_quiz(store)
    rnd = await store.quiz.open_live_round(quiz, 0, T0)
    assert rnd.closes_at == T0 + 20 and (await store.quiz.quiz(quiz.id)).position == 0
    first = await store.quiz.record_answer(rnd.id, 100, 1, False, T0 + 1)
    again = await store.quiz.record_answer(rnd.id, 100, 0, True, T0 + 2)
    assert (first.status, first.choice) == ("locked", 1)
    assert (again.status, again.choice) == ("stands", 1)
    late = await store.quiz.record_answer(rnd.id, 200, 0, True, T0 + 20)
    assert late.status == "closed"
    after = await store.quiz.record_answer(rnd.id, 100, 0, True, T0 + 21)
    assert (after.status, after.choice) == ("closed", 1)  # closed wins over "stands"
    assert await store.quiz.close_round(rnd.id, T0 + 20) is not None
    assert await store.quiz.close_round(rnd.id, T0 + 21) is None  # never closed twice
    assert (await store.quiz.record_answer(rnd.id, 300, 0, True, T0 + 5)).status == "closed"
    answers = await store.quiz.answers(rnd.id)
    assert [(a.user_id, a.choice, a.correct) for a in answers] == [(100, 1, False)]


async def test_a_batch_of_clicks_is_judged_click_by_click(store: Store) -> None:
    quiz = await new_quiz(store)
    rnd = await store.quiz.open_live_round(quiz, 0, T0)
    other = await store.quiz.open_live_round(await new_quiz(store, channel_id=11), 0, T0)
    await store.quiz.close_round(other.id, T0 + 1)
    await store.quiz.record_answer(rnd.id, 100, 2, False, T0 + 1)
    outcomes = await store.quiz.record_answers(
        [
            NewAnswer(rnd.id, 200, 0, True, T0 + 2),
            NewAnswer(rnd.id, 200, 1, False, T0 + 2),  # a double click in the same batch
            NewAnswer(rnd.id, 100, 0, True, T0 + 3),  # answered before the batch
            NewAnswer(rnd.id, 300, 0, True, T0 + 20),  # at the deadline
            NewAnswer(other.id, 400, 0, True, T0 + 2),  # a closed round
            NewAnswer(999, 500, 0, True, T0 + 2),  # no such round
        ]
    )
    assert [(o.status, o.choice) for o in outcomes] == [
        ("locked", 0), ("stands", 0), ("stands", 2), ("closed", None), ("closed", None),
        ("closed", None),
    ]  # fmt: skip
    answers = await store.quiz.answers(rnd.id)
    assert [(a.user_id, a.choice, a.correct) for a in answers] == [(100, 2, False), (200, 0, True)]
    assert await store.quiz.record_answers([]) == []


async def test_a_failed_transaction_leaves_no_answer(store: Store) -> None:
    quiz = await new_quiz(store)
    rnd = await store.quiz.open_live_round(quiz, 0, T0)
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await store.quiz.record_answer(rnd.id, 100, 1, False, T0 + 1)
            raise RuntimeError("crash before the commit")
    assert await store.quiz.answers(rnd.id) == []


async def test_a_round_is_taken_back_only_before_anyone_saw_it(store: Store) -> None:
    quiz = await new_quiz(store)
    first = await store.quiz.open_live_round(quiz, 0, T0)
    await store.quiz.set_round_message(first.id, 555, T0)
    assert not await store.quiz.discard_round(first.id)  # posted
    await store.quiz.close_round(first.id, T0 + 20)
    second = await store.quiz.open_live_round(quiz, 1, T0 + 25)
    assert await store.quiz.discard_round(second.id)
    assert await store.quiz.round(second.id) is None
    assert (await store.quiz.quiz(quiz.id)).position == 0
    third = await store.quiz.open_live_round(quiz, 1, T0 + 35)
    await store.quiz.record_answer(third.id, 100, 1, False, T0 + 36)
    assert not await store.quiz.discard_round(third.id)  # someone answered: it was posted
    assert (await store.quiz.quiz(quiz.id)).position == 1


async def test_asked_questions_are_recorded_when_posted(store: Store) -> None:
    quiz = await new_quiz(store)
    rnd = await store.quiz.open_live_round(quiz, 0, T0)
    assert await store.quiz.last_asked(1, "demo") == {}
    await store.quiz.set_round_message(rnd.id, 555, T0 + 1)
    assert await store.quiz.last_asked(1, "demo") == {"p1-who-objects": T0 + 1}
    assert (await store.quiz.round(rnd.id)).message_id == 555


async def test_reveal_and_standings_are_recorded_once_after_posting(store: Store) -> None:
    quiz = await new_quiz(store)
    rnd = await store.quiz.open_live_round(quiz, 0, T0)
    await store.quiz.set_round_message(rnd.id, 555, T0)
    assert await store.quiz.unpublished() == []  # asked and open: nothing due
    await store.quiz.close_round(rnd.id, T0 + 20)
    assert await store.quiz.unpublished() == [quiz.id]  # the reveal is due
    await store.quiz.record_reveal(rnd.id, 777, T0 + 21)
    await store.quiz.record_reveal(rnd.id, 778, T0 + 22)  # a second record changes nothing
    revealed = await store.quiz.round(rnd.id)
    assert (revealed.reveal_message_id, revealed.revealed_at) == (777, T0 + 21)
    assert await store.quiz.unpublished() == []
    await store.quiz.finish_quiz(quiz.id, "finished", T0 + 25)
    assert await store.quiz.unpublished() == [quiz.id]  # the standings are due
    await store.quiz.record_standings(quiz.id, 888, T0 + 26)
    await store.quiz.record_standings(quiz.id, 889, T0 + 27)
    assert (await store.quiz.quiz(quiz.id)).standings_message_id == 888
    assert await store.quiz.unpublished() == []


async def test_an_unposted_question_is_due_and_an_abandoned_quiz_is_not(store: Store) -> None:
    quiz = await new_quiz(store)
    await store.quiz.open_live_round(quiz, 0, T0)
    assert await store.quiz.unpublished() == [quiz.id]  # a crash before its message was recorded
    await store.quiz.finish_quiz(quiz.id, "abandoned", T0 + 1)
    assert await store.quiz.unpublished() == []


async def test_member_stats_sum_progress_by_paragraph(store: Store, demo: Any) -> None:
    records = {
        7: reviewed(None, demo.question("p2-first-plan"), True, T0),
    }
    await store.quiz.save_progress(1, "demo", records, T0)
    second = reviewed(records[7], demo.question("p2-first-plan"), True, T0 + DAY)
    third = reviewed(second, demo.question("p2-first-plan"), False, T0 + 2 * DAY)
    await store.quiz.save_progress(1, "demo", {7: third}, T0)
    q = demo.question("p1-who-objects")
    mastered = Progress(q.id, q.paragraph, 4, 4, 4, T0 + 7 * DAY, T0)
    await store.quiz.save_progress(1, "demo", {7: mastered}, T0)
    await store.quiz.save_streaks(1, [MemberStreak(7, 2, 5)], T0)
    stats = await store.quiz.member_stats(1, 7)
    assert (stats.answered, stats.correct) == (3 + 4, 2 + 4)
    assert dict(stats.by_paragraph) == {"P1": (4, 4), "P2": (3, 2)}
    assert (stats.current_streak, stats.best_streak, stats.mastered) == (2, 5, 1)
    empty = await store.quiz.member_stats(1, 8)
    assert (empty.answered, empty.correct, dict(empty.by_paragraph), empty.mastered) == (
        0, 0, {}, 0
    )  # fmt: skip
    assert (await store.quiz.member_stats(2, 7)).answered == 0  # another guild

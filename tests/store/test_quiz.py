"""The quiz store on SQLite and (with ``TEST_DATABASE_URL``) PostgreSQL: quizzes, rounds and
their choice orders, answers, FSRS cards (and the one-time migration of Leitner boxes into
them), practice sessions, and what review quizzes read.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.rules.quiz import DAY
from bot.rules.srs import LEARNING, RELEARNING, REVIEW, reviewed, scheduler, to_card
from bot.store import Store
from bot.store.db import load_migrations, open_database
from bot.store.quiz import MemberStreak, NewAnswer, QuizAlreadyRunning
from tests.conftest import DatabaseUnderTest

T0 = 1_800_000_000.0


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
    assert await store.quiz.unpublished() == [quiz.id]  # the quiz's first message is due
    await store.quiz.record_header(quiz.id, 444)
    await store.quiz.record_header(quiz.id, 445)  # a second record changes nothing
    assert (await store.quiz.quiz(quiz.id)).header_message_id == 444
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
    first_plan = demo.question("p2-first-plan")
    records = {7: reviewed(None, first_plan, True, T0)}
    await store.quiz.save_progress(1, "demo", records, T0)
    second = reviewed(records[7], first_plan, True, T0 + DAY)
    third = reviewed(second, first_plan, False, T0 + 2 * DAY)
    await store.quiz.save_progress(1, "demo", {7: third}, T0)
    known = reviewed(None, demo.question("p1-who-objects"), True, T0 + 2 * DAY)
    await store.quiz.save_progress(1, "demo", {7: known}, T0)
    await store.quiz.save_streaks(1, [MemberStreak(7, 2, 5)], T0)
    stats = await store.quiz.member_stats(1, 7, now=T0 + 2 * DAY + 60)
    assert (stats.answered, stats.correct) == (3 + 1, 2 + 1)
    assert dict(stats.by_paragraph) == {"P1": (1, 1), "P2": (3, 2)}
    # P1 was just answered right (mastered); P2 was just missed (not, whatever its curve says).
    assert (stats.current_streak, stats.best_streak, stats.mastered) == (2, 5, 1)
    assert stats.leeches == ()
    empty = await store.quiz.member_stats(1, 8, now=T0)
    assert (empty.answered, empty.correct, dict(empty.by_paragraph), empty.mastered) == (
        0, 0, {}, 0
    )  # fmt: skip
    assert (await store.quiz.member_stats(2, 7, now=T0)).answered == 0  # another guild


async def test_a_card_round_trips_through_the_store_unchanged(store: Store, demo: Any) -> None:
    question = demo.question("p2-first-plan")
    record = reviewed(reviewed(None, question, True, T0), question, True, T0 + 600)
    await store.quiz.save_progress(1, "demo", {7: record}, T0)
    stored = (await store.quiz.progress(1, 7, "demo"))[question.id]
    assert stored == record
    assert stored.state == REVIEW and stored.stability is not None
    again = (await store.quiz.progress_on(1, "demo", question.id, [7, 8]))[7]
    assert again == record


async def test_leitner_boxes_become_fsrs_cards_that_keep_their_due_dates(
    database: DatabaseUnderTest,
) -> None:
    """A database from before FSRS (migrations up to 0007) with Leitner boxes is migrated once."""
    old = [m for m in load_migrations(database.dialect) if m.version <= 7]
    db = await open_database(database.target, schema=database.schema, migrations=old)
    rows = [  # user, question, seen, correct, box, due_at, last_seen
        (7, "p1-who-objects", 3, 1, 1, T0 + 5, T0),
        (7, "p2-first-plan", 2, 2, 3, T0 + 3 * DAY, T0),
        (8, "p2-first-plan", 6, 5, 5, T0 + 14 * DAY, T0),
    ]
    async with db.transaction():
        await db.executemany(
            "INSERT INTO question_stats (guild_id, user_id, pack_id, question_id, paragraph, "
            "seen, correct, box, due_at, last_seen) VALUES (1, ?, 'demo', ?, 'P1', ?, ?, ?, ?, ?)",
            rows,
        )
    await db.close()
    store = await database.open()
    try:
        missed = (await store.quiz.progress(1, 7, "demo"))["p1-who-objects"]
        assert (missed.state, missed.step, missed.last_right) == (LEARNING, 0, False)
        assert (missed.seen, missed.correct, missed.due_at, missed.last_seen) == (3, 1, T0 + 5, T0)
        box3 = (await store.quiz.progress(1, 7, "demo"))["p2-first-plan"]
        assert (box3.state, box3.step, box3.stability, box3.last_right) == (REVIEW, None, 3.0, True)
        assert box3.due_at == T0 + 3 * DAY  # the next due date is kept
        top = (await store.quiz.progress(1, 8, "demo"))["p2-first-plan"]
        assert (top.stability, top.due_at) == (14.0, T0 + 14 * DAY)
        # The migrated card is one FSRS can schedule on: a right answer when due moves it on.
        card = to_card(box3, box3.due_at)
        assert scheduler().get_card_retrievability(card, card.due) == pytest.approx(0.9, abs=0.01)
        columns = await store.db.fetchall("SELECT * FROM question_stats LIMIT 1")
        assert "box" not in dict(columns[0])
    finally:
        await store.close()


async def test_a_practice_session_counts_its_answers_until_it_ends(store: Store) -> None:
    session = await store.quiz.start_session(
        guild_id=1, user_id=7, pack_id="demo", section="P2", difficulty=None, now=T0
    )
    assert (session.section, session.ended_at) == ("P2", None)
    rounds = [
        await store.quiz.open_practice_round(
            guild_id=1, user_id=7, pack_id="demo", question_id=q, section="P2", difficulty=None,
            now=T0, order=(2, 0, 3, 1), session_id=session.id,
        )
        for q in ("p2-first-plan", "p2-oaks-tended", "p2-first-plan")
    ]  # fmt: skip
    assert rounds[0].choice_order == (2, 0, 3, 1) and rounds[0].session_id == session.id
    await store.quiz.record_answer(rounds[0].id, 7, 0, True, T0 + 1)
    await store.quiz.record_answer(rounds[1].id, 7, 1, False, T0 + 2)
    assert await store.quiz.session_tally(session.id) == (2, 1)
    assert await store.quiz.end_session(session.id, T0 + 3)
    assert not await store.quiz.end_session(session.id, T0 + 4)
    assert (await store.quiz.session(session.id)).ended_at == T0 + 3


async def test_a_round_keeps_its_choice_order_and_an_old_round_has_none(store: Store) -> None:
    quiz = await new_quiz(store)
    shuffled = await store.quiz.open_live_round(quiz, 0, T0, (3, 1, 0, 2))
    assert (await store.quiz.round(shuffled.id)).choice_order == (3, 1, 0, 2)
    plain = await store.quiz.open_live_round(quiz, 1, T0 + 30)
    assert plain.choice_order is None


async def test_what_a_review_quiz_reads(store: Store, demo: Any) -> None:
    plan = demo.question("p2-first-plan")
    objects = demo.question("p1-who-objects")
    for user in (1, 2, 3):
        await store.quiz.save_progress(9, "demo", {user: reviewed(None, plan, user == 1, T0)}, T0)
    await store.quiz.save_progress(9, "demo", {1: reviewed(None, objects, True, T0)}, T0)
    due = await store.quiz.due_for_members(9, "demo", T0 + 3600)
    assert due == {plan.id: 3, objects.id: 1}  # learning steps of minutes: all due an hour on
    assert await store.quiz.answered_here(9, "demo") == {plan.id: (3, 1), objects.id: (1, 1)}
    quiz = await new_quiz(store, guild_id=9, channel_id=55)
    await store.quiz.open_live_round(quiz, 0, T0)
    assert await store.quiz.asked_in_channel_since(55, T0 - 10) == {"p1-who-objects"}
    assert await store.quiz.asked_in_channel_since(55, T0 + 10) == set()
    assert await store.quiz.asked_in_channel_since(56, T0 - 10) == set()


async def test_a_leech_is_noted_once(store: Store, demo: Any) -> None:
    question = demo.question("p2-first-plan")
    record = None
    for miss in range(8):
        record = reviewed(record, question, False, T0 + miss * 60)
    assert record is not None and record.leech and record.misses == 8
    assert record.state in (LEARNING, RELEARNING)
    await store.quiz.save_progress(1, "demo", {7: record}, T0)
    assert await store.quiz.note_leech(1, 7, "demo", question.id, T0 + 600)
    assert not await store.quiz.note_leech(1, 7, "demo", question.id, T0 + 700)
    stats = await store.quiz.member_stats(1, 7, now=T0 + 800)
    assert stats.leeches == ((question.id, "P2", 8),)

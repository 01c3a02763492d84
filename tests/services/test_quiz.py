"""The quiz service on a real database, the fake clock and a recording output: no emulator.

A whole live quiz (start, clicks, close, reveal, next, standings), a stop, a restart in the
middle of a question, posts that fail for a while or for good, a crash between posting and
recording, and practice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.content import Pack, Question
from bot.errors import Conflict, NotAllowed, UserError
from bot.rules.quiz import QuizChannelUnavailable, Standing
from bot.rules.srs import DAY, reviewed
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed
from bot.services.quiz import (
    POST_TRIES,
    RETRY_DELAY,
    AnswerResult,
    LiveAnswer,
    PracticeAnswer,
    PracticeQuestion,
    PracticeSummary,
    QuizService,
    review_note,
)
from bot.store import Store
from bot.store.quiz import Answer, Quiz, Round
from bot.timers import TimerService
from tests.services.conftest import Recorder, settle

GUILD, CHANNEL = 100, 200
ALICE, BOB, CAROL = 1, 2, 3


class RecordingQuizOutput(Recorder):
    """What members would see in the channel, as calls."""

    async def post_header(self, quiz: Quiz, *, nonce: str) -> Posted:
        return await self.record(
            "post_header", nonce=nonce, quiz=quiz.id, points_mode=quiz.points_mode,
            mode=quiz.mode, picked=quiz.review_picked, ping=quiz.ping_role_id,
        )  # fmt: skip

    async def edit_reply(self, token: str, result: AnswerResult) -> None:
        await self.record("edit_reply", token=token, result=result)

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        await self.record("delete_message", channel=channel_id, message=message_id)

    async def post_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None, *, nonce: str
    ) -> Posted:
        return await self.record("post_question", nonce=nonce, round=rnd.id, question=question.id)

    async def close_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None
    ) -> None:
        await self.record("close_question", round=rnd.id)

    async def post_reveal(
        self,
        quiz: Quiz,
        rnd: Round,
        question: Question,
        pack: Pack | None,
        answers: Sequence[Answer],
        *,
        nonce: str,
    ) -> Posted:
        return await self.record(
            "post_reveal",
            nonce=nonce,
            round=rnd.id,
            answers=[(a.user_id, a.choice) for a in answers],
        )

    async def post_standings(
        self, quiz: Quiz, rows: Sequence[Standing], players: int, *, nonce: str
    ) -> Posted:
        return await self.record(
            "post_standings", nonce=nonce, rows=[(r.rank, r.user_id, r.points) for r in rows]
        )

    async def post_note(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        return await self.record("post_note", nonce=nonce, text=text)


@pytest.fixture
def output() -> RecordingQuizOutput:
    return RecordingQuizOutput()


def new_service(
    store: Store, timers: TimerService, clock: FakeClock, packs: Packs, output: Any
) -> QuizService:
    service = QuizService(store, timers, clock, packs, random.Random(5), output)
    service.register_timers()
    return service


@pytest.fixture
def quiz(
    store: Store, timers: TimerService, clock: FakeClock, packs: Packs, output: RecordingQuizOutput
) -> QuizService:
    return new_service(store, timers, clock, packs, output)


async def start(quiz: QuizService, questions: int = 2, seconds: int = 20) -> Quiz:
    return await quiz.start_live(
        guild_id=GUILD, channel_id=CHANNEL, started_by=ALICE, questions=questions, seconds=seconds
    )


def right_and_wrong(question: Question) -> tuple[int, int]:
    return question.answer, (question.answer + 1) % len(question.choices)


async def current_round(quiz: QuizService, quiz_id: int) -> tuple[Round, Question]:
    """The open round and its question as shown (positions are what members click)."""
    rnd = await quiz.store.quiz.latest_round(quiz_id)
    assert rnd is not None
    question = await quiz.shown_of(rnd)
    assert question is not None
    return rnd, question


async def test_a_whole_live_quiz_is_posted_once_and_scored_once(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz)
    first, question = await current_round(quiz, started.id)
    assert [c.args["round"] for c in output.named("post_question")] == [first.id]
    right, wrong = right_and_wrong(question)
    clock.advance(2)
    alice = await quiz.answer(GUILD, first.id, ALICE, right)
    assert alice == LiveAnswer("locked", question.labels[right], first.closes_at)
    assert (await quiz.answer(GUILD, first.id, ALICE, wrong)).status == "stands"
    assert (await quiz.answer(GUILD, first.id, BOB, wrong)).status == "locked"
    with pytest.raises(UserError, match="closed"):
        await quiz.answer(GUILD + 1, first.id, CAROL, right)  # another server's button

    clock.advance(18)  # the deadline: close, score, reveal
    await settle(timers)
    assert (await quiz.answer(GUILD, first.id, CAROL, right)).status == "closed"
    reveal = output.named("post_reveal")
    assert [(c.args["round"], c.args["answers"]) for c in reveal] == [
        (first.id, [(ALICE, right), (BOB, wrong)])
    ]
    assert [c.args["round"] for c in output.named("close_question")] == [first.id]
    ledger = await quiz.store.db.fetchall("SELECT user_id, points FROM score_events")
    assert [(r["user_id"], r["points"]) for r in ledger] == [(ALICE, 10 + 5)]  # 18 s of 20 left

    clock.advance(5)  # the next question
    await settle(timers)
    second, question = await current_round(quiz, started.id)
    assert second.position == 1 and len(output.named("post_question")) == 2
    right, _ = right_and_wrong(question)
    await quiz.answer(GUILD, second.id, ALICE, right)
    clock.advance(20)
    await settle(timers)
    clock.advance(5)
    await settle(timers)
    standings = output.named("post_standings")
    assert len(standings) == 1 and standings[0].args["rows"][0][1] == ALICE
    assert (await quiz.store.quiz.quiz(started.id)).status == "finished"
    assert len(output.named("post_reveal")) == 2
    assert await quiz.store.db.fetchval("SELECT count(*) FROM score_events") == 2
    assert await quiz.store.db.fetchval("SELECT count(*) FROM timers") == 0
    assert not [c for c in output.calls if c.deduplicated]  # nothing was even tried twice


async def test_a_second_quiz_in_the_channel_is_refused_and_leaves_nothing(
    quiz: QuizService, output: RecordingQuizOutput
) -> None:
    await start(quiz)
    with pytest.raises(Conflict, match="already running here"):
        await start(quiz)
    assert await quiz.store.db.fetchval("SELECT count(*) FROM quizzes") == 1


async def test_stop_reveals_the_open_question_and_posts_the_standings(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz, questions=3)
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, BOB, question.answer)
    with pytest.raises(NotAllowed, match="Only the member who started"):
        await quiz.stop(CHANNEL, BOB, moderator=False)
    stopped = await quiz.stop(CHANNEL, BOB, moderator=True)
    assert stopped.quiz.status == "stopped" and stopped.closed_round.id == rnd.id
    assert await quiz.publish(started.id)
    assert len(output.named("post_reveal")) == 1 and len(output.named("post_standings")) == 1
    clock.advance(5)
    await settle(timers)  # quiz.next finds everything posted: nothing more
    assert len(output.named("post_standings")) == 1 and len(output.named("post_question")) == 1
    with pytest.raises(UserError, match="No quiz is running"):
        await quiz.stop(CHANNEL, ALICE, moderator=True)


async def test_a_restart_mid_question_keeps_the_answers_and_closes_once(
    store: Store,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
    quiz: QuizService,
    output: RecordingQuizOutput,
) -> None:
    started = await start(quiz)
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, ALICE, question.answer)
    await timers.stop()  # the process dies; a new one starts on the same database
    restarted = TimerService(store, clock)
    again = new_service(store, restarted, clock, packs, output)
    clock.advance(60)  # down past the deadline: the close fires at once after the restart
    restarted.start()
    try:
        await again.catch_up()
        await settle(restarted)
        assert (await again.answer(GUILD, rnd.id, ALICE, question.answer)).status == "closed"
        assert len(output.named("post_reveal")) == 1
        assert await store.db.fetchval("SELECT sum(points) FROM score_events") == 15
        clock.advance(5)
        await settle(restarted)
        assert len(output.named("post_question")) == 2  # the quiz goes on
    finally:
        await restarted.stop()


async def test_a_crash_between_posting_and_recording_neither_loses_nor_doubles_the_post(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    async with quiz.store.transaction():
        created = await quiz.create(guild_id=GUILD, channel_id=CHANNEL, started_by=ALICE)
    rnd, question = await current_round(quiz, created.id)
    # The posts reached Discord, then the process died before recording the message ids.
    await output.post_header(created, nonce=f"qh:{created.id}")
    await output.post_question(created, rnd, question, None, nonce=f"qq:{rnd.id}")
    assert await quiz.store.quiz.unpublished() == [created.id]
    await quiz.catch_up()  # at start-up: the same nonce gets the same message back
    assert len(output.named("post_question")) == 1 and len(output.named("post_header")) == 1
    assert [c.deduplicated for c in output.calls] == [False, False, True, True]
    header = await quiz.store.quiz.quiz(created.id)
    assert header.header_message_id == output.calls[0].message_id
    recorded = await quiz.store.quiz.round(rnd.id)
    assert recorded.message_id == output.calls[1].message_id
    # The reveal too: posted, not recorded, posted again after a crash: one message.
    clock.advance(30)
    await timers.stop()
    async with quiz.store.transaction():
        await quiz._score_round(rnd.id, clock.now())
    await output.post_reveal(created, rnd, question, None, [], nonce=f"qr:{rnd.id}")
    await quiz.catch_up()
    assert len(output.named("post_reveal")) == 1
    assert (await quiz.store.quiz.round(rnd.id)).reveal_message_id is not None


async def test_a_question_discord_keeps_refusing_is_retried_then_the_quiz_is_abandoned(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz, questions=2, seconds=10)
    output.fail("post_question", PostFailed("transient", "Discord had an error", status=503), 9)
    clock.advance(10)
    await settle(timers)  # close + reveal
    clock.advance(5)
    await settle(timers)  # the first try of question 2
    for _ in range(POST_TRIES - 1):
        clock.advance(RETRY_DELAY)
        await settle(timers)
    assert (await quiz.store.quiz.quiz(started.id)).status == "abandoned"
    assert len(output.failures["post_question"]) == 9 - POST_TRIES  # exactly POST_TRIES tries
    assert (
        await quiz.store.db.fetchval("SELECT count(*) FROM quiz_rounds") == 2
    )  # the last, never shown, is closed with the quiz
    assert await quiz.store.db.fetchval("SELECT count(*) FROM timers") == 0


async def test_a_question_that_fails_once_is_asked_again(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz, questions=2, seconds=10)
    output.fail("post_question", PostFailed("transient", "Discord was busy", status=429))
    clock.advance(10)
    await settle(timers)
    clock.advance(5)
    await settle(timers)
    assert len(output.named("post_question")) == 1
    clock.advance(RETRY_DELAY)
    await settle(timers)
    assert len(output.named("post_question")) == 2
    assert (await quiz.store.quiz.quiz(started.id)).position == 1


async def test_a_channel_that_refuses_the_first_question_leaves_nothing(
    quiz: QuizService, output: RecordingQuizOutput
) -> None:
    output.fail("post_question", PostFailed("forbidden", "I am missing a permission there"))
    with pytest.raises(QuizChannelUnavailable, match="missing a permission"):
        await start(quiz)
    output.fail("post_question", PostFailed("transient", "Discord had an error", status=500))
    with pytest.raises(PostFailed):
        await start(quiz)
    # Both first messages were posted, then taken back with their quizzes.
    headers = [c.message_id for c in output.named("post_header")]
    assert [c.args["message"] for c in output.named("delete_message")] == headers
    assert len(headers) == 2
    for table in ("quizzes", "quiz_rounds", "timers", "quiz_asked"):
        assert await quiz.store.db.fetchval(f"SELECT count(*) FROM {table}") == 0  # noqa: S608


async def test_a_channel_lost_before_the_reveal_ends_the_quiz_and_keeps_the_points(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz, questions=3, seconds=10)
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, ALICE, question.answer)
    output.fail("post_reveal", PostFailed("gone", "the channel no longer exists"))
    clock.advance(10)
    await settle(timers)
    clock.advance(5)
    await settle(timers)
    assert (await quiz.store.quiz.quiz(started.id)).status == "abandoned"
    assert output.named("post_standings") == [] and len(output.named("post_question")) == 1
    assert await quiz.store.db.fetchval("SELECT sum(points) FROM score_events") == 15
    assert await quiz.store.quiz.unpublished() == []


async def test_practice_answers_privately_and_brings_a_miss_back(
    quiz: QuizService, store: Store
) -> None:
    with pytest.raises(UserError, match="in a server"):
        await quiz.practice_start(None, ALICE)
    first = await quiz.practice_start(GUILD, ALICE, section="P3")
    assert first.question.paragraph == "P3" and first.record is None
    _, wrong = right_and_wrong(first.question)
    with pytest.raises(NotAllowed, match="someone else's practice"):
        await quiz.answer(GUILD, first.round_id, BOB, wrong)
    missed = await quiz.answer(GUILD, first.round_id, ALICE, wrong)
    assert isinstance(missed, PracticeAnswer) and not missed.after.last_right
    assert missed.after.due_at == missed.now + 60  # FSRS's first learning step
    again = await quiz.answer(GUILD, first.round_id, ALICE, first.question.answer)
    assert isinstance(again, PracticeAnswer) and again.already == first.question.labels[wrong]
    following = await quiz.practice_next(GUILD, ALICE, first.round_id)
    assert following.question.id != first.question.id  # never the same one twice in a row
    later = await quiz.practice_next(GUILD, ALICE, following.round_id)
    assert later.question.id == first.question.id  # the miss comes back first
    assert await store.db.fetchval("SELECT count(*) FROM score_events") == 0


# =============================================================================== teaching quizzes


async def test_review_selection_on_a_seeded_history(
    quiz: QuizService, store: Store, clock: FakeClock, output: RecordingQuizOutput
) -> None:
    """Due for the most members first, then the lowest share right (3+ answers), never one
    asked in this channel in the last 24 hours; the rest is the normal choice."""
    pack = quiz.packs.default
    ids = [q.id for q in pack.questions]
    now = clock.now()
    due_a, due_b, weak, strong, recent = ids[:5]
    history: dict[str, list[tuple[int, bool, float]]] = {
        due_a: [(u, False, now - 600) for u in (11, 12, 13)],  # due for three
        due_b: [(u, False, now - 600) for u in (14, 15)],  # due for two
        weak: [(16, True, now - 9 * DAY), (17, True, now - 9 * DAY), (18, True, now - 9 * DAY)],
        strong: [(u, True, now - 30 * 60) for u in (19, 20, 21)],  # known: see below
        recent: [(u, False, now - 600) for u in (22, 23, 24, 25)],  # most due, but asked here
    }
    for question_id, answers in history.items():
        question = pack.question(question_id)
        for user, correct, at in answers:
            await store.quiz.save_progress(
                GUILD, pack.id, {user: reviewed(None, question, correct, at)}, now
            )
    for user in (19, 20, 21):  # right again ten minutes on: scheduled days ahead, not due
        before = (await store.quiz.progress(GUILD, user, pack.id))[strong]
        after = reviewed(before, pack.question(strong), True, now - 20 * 60)
        await store.quiz.save_progress(GUILD, pack.id, {user: after}, now)
    # weak: 16 and 17 missed it since (due for two), 3 of its 5 answers right
    for user in (16, 17):
        before = (await store.quiz.progress(GUILD, user, pack.id))[weak]
        after = reviewed(before, pack.question(weak), False, now - 8 * DAY)
        await store.quiz.save_progress(GUILD, pack.id, {user: after}, now)
    async with store.transaction():  # asked in this channel an hour ago
        old = await store.quiz.create_quiz(
            guild_id=GUILD, channel_id=CHANNEL, pack_id=pack.id, started_by=ALICE,
            source="live", title=None, question_ids=[recent], seconds=20, section=None,
            difficulty=None, now=now - 3600,
        )  # fmt: skip
        await store.quiz.open_live_round(old, 0, now - 3600)
        await store.quiz.finish_quiz(old.id, "finished", now - 3500)
    started = await quiz.start_live(
        guild_id=GUILD, channel_id=CHANNEL, started_by=ALICE, questions=5, mode="review"
    )
    # due for three; due for two, weak before due_b (a lower share right: 3/5 against too few
    # answers to count); then strong, not due but with enough answers for its share to count.
    assert started.question_ids[:4] == (due_a, weak, due_b, strong)
    assert recent not in started.question_ids[:4]
    assert (started.mode, started.review_picked) == ("review", 4)
    header = output.named("post_header")[-1]
    assert (header.args["mode"], header.args["picked"]) == ("review", 4)


async def test_a_review_quiz_with_no_history_says_so_and_chooses_as_usual(
    quiz: QuizService, output: RecordingQuizOutput
) -> None:
    started = await quiz.start_live(
        guild_id=GUILD, channel_id=CHANNEL, started_by=ALICE, questions=3, mode="review"
    )
    assert started.review_picked == 0 and started.total == 3
    assert "Too little history" in (review_note(started) or "")
    with pytest.raises(UserError, match="mode must be one of normal, review"):
        await quiz.start_live(guild_id=GUILD, channel_id=CHANNEL + 1, started_by=ALICE, mode="cram")


async def test_accuracy_mode_scores_with_the_cap_and_edits_the_replies(
    quiz: QuizService,
    store: Store,
    output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
) -> None:
    await store.guilds.update(GUILD, clock.now(), quiz_points="accuracy")
    started = await start(quiz, questions=2, seconds=20)
    assert started.points_mode == "accuracy"
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, ALICE, question.answer, reply_token="tok-a")
    await quiz.answer(GUILD, rnd.id, BOB, (question.answer + 1) % 2, reply_token="tok-b")
    await store.guilds.update(GUILD, clock.now(), quiz_points="classic")  # not for this quiz
    clock.advance(20)
    await settle(timers)
    edits = {c.args["token"]: c.args["result"] for c in output.named("edit_reply")}
    assert edits["tok-a"] == AnswerResult(
        ALICE, question.answer_label, question.answer_label, True, 15, 5, 0
    )
    assert (edits["tok-b"].correct, edits["tok-b"].points) == (False, 0)
    clock.advance(5)
    await settle(timers)
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, ALICE, question.answer, reply_token="tok-a2")
    clock.advance(20)
    await settle(timers)
    second = next(c for c in output.named("edit_reply") if c.args["token"] == "tok-a2")
    # classic would give 10 + 5 + 1; accuracy caps the quiz's bonuses at 9: 5 + 4
    assert (second.args["result"].points, second.args["result"].speed_bonus) == (14, 4)
    assert second.args["result"].streak_bonus == 0
    clock.advance(5)
    await settle(timers)
    rows = output.named("post_standings")[0].args["rows"]
    assert rows[0] == (1, ALICE, 29)


async def test_an_expired_or_deleted_reply_never_holds_up_the_reveal(
    quiz: QuizService, output: RecordingQuizOutput, clock: FakeClock, timers: TimerService
) -> None:
    started = await start(quiz, questions=1, seconds=20)
    rnd, question = await current_round(quiz, started.id)
    await quiz.answer(GUILD, rnd.id, ALICE, question.answer, reply_token="gone")
    output.fail("edit_reply", PostFailed("gone", "the reply can no longer be edited"))
    clock.advance(20)
    await settle(timers)
    assert len(output.named("post_reveal")) == 1
    assert (await quiz.store.quiz.round(rnd.id)).reveal_message_id is not None
    assert (
        await quiz.store.db.fetchval(
            "SELECT count(*) FROM quiz_answers WHERE reply_token IS NOT NULL"
        )
        == 0
    )


async def test_practice_tells_a_leech_once_and_done_ends_the_session(
    quiz: QuizService, store: Store, clock: FakeClock
) -> None:
    first = await quiz.practice_start(GUILD, ALICE, section="P3")
    assert isinstance(first, PracticeQuestion)
    question_id = first.question.id
    shown = first
    told: list[bool] = []
    for _ in range(17):  # the miss comes back every other question
        assert isinstance(shown, PracticeQuestion)
        _, wrong = right_and_wrong(shown.question)
        if shown.question.id != question_id:  # keep missing the same question
            result = await quiz.answer(GUILD, shown.round_id, ALICE, shown.question.answer)
        else:
            result = await quiz.answer(GUILD, shown.round_id, ALICE, wrong)
            told.append(result.leech)
        assert isinstance(result, PracticeAnswer)
        clock.advance(5)
        shown = await quiz.practice_next(GUILD, ALICE, shown.round_id)
    assert len(told) == 9
    assert told.count(True) == 1 and told.index(True) == 7  # the 8th miss, once
    record = (await store.quiz.progress(GUILD, ALICE, quiz.packs.default.id))[question_id]
    assert record.leech and record.leech_noted_at is not None
    assert isinstance(shown, PracticeQuestion)
    summary = await quiz.practice_done(GUILD, ALICE, shown.round_id)
    assert isinstance(summary, PracticeSummary) and summary.ended
    assert summary.answered == 17 and summary.right == 17 - len(told)
    with pytest.raises(UserError, match="This practice has ended"):
        await quiz.practice_next(GUILD, ALICE, shown.round_id)
    with pytest.raises(NotAllowed):
        await quiz.practice_done(GUILD, BOB, shown.round_id)


async def test_practice_with_nothing_due_says_when_the_next_question_is(
    quiz: QuizService, store: Store, clock: FakeClock
) -> None:
    pack = quiz.packs.default
    section = pack.questions[0].paragraph
    questions = [q for q in pack.questions if q.paragraph == section]
    now = clock.now()
    for question in questions:
        known = reviewed(reviewed(None, question, True, now - 700), question, True, now - 60)
        await store.quiz.save_progress(GUILD, pack.id, {ALICE: known}, now)
    summary = await quiz.practice_start(GUILD, ALICE, section=section)
    assert isinstance(summary, PracticeSummary) and not summary.ended
    assert summary.next_due is not None and summary.next_due > now + DAY - 120
    due = await quiz.due(GUILD, ALICE)
    counts = {c.paragraph: c for c in due.counts}
    assert counts[section].now == 0 and counts[section].week + counts[section].new >= 0

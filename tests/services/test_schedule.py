"""The schedule service on a real database, the fake clock and recording outputs: no emulator.

Runs claimed once, catch-up after downtime, a retry after Discord fails for a moment, a pause
when the channel is gone, and a crash between the claim and the post.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.errors import UserError
from bot.rules.schedule import Rule
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed
from bot.services.quiz import QuizService
from bot.services.schedule import ScheduleService, run_key, start_key
from bot.store import Store
from bot.timers import Timer, TimerService
from tests.services.conftest import Recorder, settle
from tests.services.test_quiz import RecordingQuizOutput

GUILD, CHANNEL, LOG_CHANNEL = 100, 200, 300
DAY = 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[arg-type]


class RecordingScheduleOutput(Recorder):
    """Reports to the log channel as calls; ``problems`` plays the bot's channel cache."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: dict[int, str] = {}

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        return self.problems.get(channel_id)

    async def report(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        return await self.record("report", nonce=nonce, channel=channel_id, text=text)


@pytest.fixture
def quiz_output() -> RecordingQuizOutput:
    return RecordingQuizOutput()


@pytest.fixture
def output() -> RecordingScheduleOutput:
    return RecordingScheduleOutput()


def build(
    store: Store,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
    quiz_output: RecordingQuizOutput,
    output: RecordingScheduleOutput,
) -> ScheduleService:
    quiz = QuizService(store, timers, clock, packs, random.Random(3), quiz_output)
    quiz.register_timers()
    service = ScheduleService(store, timers, clock, packs, quiz, output)
    service.register_timers()
    return service


@pytest.fixture
def schedules(
    store: Store,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
    quiz_output: RecordingQuizOutput,
    output: RecordingScheduleOutput,
) -> ScheduleService:
    return build(store, timers, clock, packs, quiz_output, output)


async def daily_at(schedules: ScheduleService, time: str = "12:05") -> int:
    schedule, _ = await schedules.create(
        guild_id=GUILD, channel_id=CHANNEL, rule=Rule.parse(time, "UTC", None), questions=1
    )
    return schedule.id


async def test_a_run_is_claimed_once_and_plans_the_next(
    schedules: ScheduleService,
    quiz_output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
    store: Store,
) -> None:
    schedule_id = await daily_at(schedules)
    row = await store.timers.by_key(run_key(schedule_id))
    await timers.stop()  # fire the handler by hand, twice at once
    clock.set(row.due_at)
    import asyncio

    await asyncio.gather(schedules.on_run(Timer(row, store)), schedules.on_run(Timer(row, store)))
    assert len(quiz_output.named("post_question")) == 1
    assert await store.db.fetchval("SELECT count(*) FROM quizzes") == 1
    schedule = await store.schedules.get(schedule_id)
    assert (schedule.next_run_at, schedule.last_outcome) == (row.due_at + DAY, "posted")
    assert await store.timers.by_key(start_key(schedule_id)) is None
    assert (await store.timers.by_key(run_key(schedule_id))).due_at == row.due_at + DAY


async def test_a_run_missed_by_minutes_runs_once_and_by_hours_is_skipped(
    schedules: ScheduleService,
    quiz_output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
    store: Store,
) -> None:
    first = await daily_at(schedules, "12:05")
    clock.set(utc(2026, 1, 1, 12, 15))  # ten minutes late (the bot was down)
    await settle(timers)
    assert len(quiz_output.named("post_question")) == 1
    await schedules.quiz.stop(CHANNEL, 1, moderator=True)
    clock.set(utc(2026, 1, 4, 15, 5))  # three days later, three hours past the time
    await settle(timers)
    assert len(quiz_output.named("post_question")) == 1
    schedule = await store.schedules.get(first)
    assert schedule.last_outcome == "skipped: missed by 3 hours while the bot was down"
    assert schedule.next_run_at == utc(2026, 1, 5, 12, 5)


async def test_a_run_discord_fails_is_tried_again_and_posted_once(
    schedules: ScheduleService,
    quiz_output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
    store: Store,
) -> None:
    schedule_id = await daily_at(schedules)
    quiz_output.fail("post_question", PostFailed("transient", "Discord had an error", status=503))
    clock.set(utc(2026, 1, 1, 12, 5))
    await settle(timers)
    assert quiz_output.named("post_question") == []
    assert await store.db.fetchval("SELECT count(*) FROM quizzes") == 0  # taken back
    assert (await store.schedules.get(schedule_id)).last_outcome == (
        "Discord had an error (503); trying again shortly"
    )
    clock.advance(30)
    await settle(timers)
    assert len(quiz_output.named("post_question")) == 1
    assert (await store.schedules.get(schedule_id)).last_outcome == "posted"


async def test_a_channel_that_is_gone_pauses_the_schedule_and_reports_it(
    schedules: ScheduleService,
    output: RecordingScheduleOutput,
    quiz_output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
    store: Store,
) -> None:
    await store.guilds.update(GUILD, clock.now(), log_channel_id=LOG_CHANNEL)
    schedule_id = await daily_at(schedules)
    output.problems[CHANNEL] = "the channel no longer exists or I cannot see it"
    clock.set(utc(2026, 1, 1, 12, 5))
    await settle(timers)
    schedule = await store.schedules.get(schedule_id)
    assert schedule.paused and "no longer exists" in (schedule.paused_reason or "")
    assert quiz_output.named("post_question") == []
    (report,) = output.named("report")
    assert (
        report.args["channel"] == LOG_CHANNEL
        and f"/schedule resume {schedule_id}" in (report.args["text"])
    )
    assert await store.timers.by_key(run_key(schedule_id)) is None  # paused: no more runs
    # Discord's own refusal pauses it too.
    output.problems.clear()
    await schedules.resume(schedule)
    quiz_output.fail("post_question", PostFailed("forbidden", "I am missing a permission there"))
    clock.set(utc(2026, 1, 2, 12, 5))
    await settle(timers)
    assert (await store.schedules.get(schedule_id)).paused
    assert len(output.named("report")) == 2


async def test_a_crash_after_the_claim_posts_the_run_once_after_a_restart(
    store: Store,
    clock: FakeClock,
    packs: Packs,
    quiz_output: RecordingQuizOutput,
    output: RecordingScheduleOutput,
    schedules: ScheduleService,
    timers: TimerService,
) -> None:
    schedule_id = await daily_at(schedules)
    await timers.stop()
    planned = utc(2026, 1, 1, 12, 5)
    clock.set(planned)
    # What schedule.run commits before it starts the quiz; then the process dies.
    async with store.transaction():
        await store.timers.delete_key(run_key(schedule_id))
        await store.schedules.claim_run(schedule_id, planned, planned + DAY, "starting", planned)
        await timers.schedule("schedule.run", planned + DAY, {"schedule": schedule_id},
                              key=run_key(schedule_id))  # fmt: skip
        await timers.schedule("schedule.start", planned + 30,
                              {"schedule": schedule_id, "planned": planned},
                              key=start_key(schedule_id))  # fmt: skip
    restarted = TimerService(store, clock)
    build(store, restarted, clock, packs, quiz_output, output)
    restarted.start()
    try:
        clock.advance(30)
        await settle(restarted)
        assert len(quiz_output.named("post_question")) == 1
        assert (await store.schedules.get(schedule_id)).last_outcome == "posted"
        assert await store.timers.by_key(start_key(schedule_id)) is None
    finally:
        await restarted.stop()


async def test_a_review_schedule_runs_review_quizzes_and_pings_only_its_role(
    schedules: ScheduleService,
    quiz_output: RecordingQuizOutput,
    clock: FakeClock,
    timers: TimerService,
    store: Store,
) -> None:
    schedule, _ = await schedules.create(
        guild_id=GUILD, channel_id=CHANNEL, rule=Rule.parse("7pm", "UTC", None), questions=2,
        mode="review", ping_role_id=4242,
    )  # fmt: skip
    assert (schedule.mode, schedule.ping_role_id, schedule.local_time) == ("review", 4242, "19:00")
    plain, _ = await schedules.create(
        guild_id=GUILD, channel_id=CHANNEL + 1, rule=Rule.parse("19h", "UTC", None), questions=1
    )
    assert (plain.mode, plain.ping_role_id) == ("normal", None)
    with pytest.raises(UserError, match="mode must be one of"):
        await schedules.create(
            guild_id=GUILD, channel_id=CHANNEL, rule=Rule.parse("19:00", "UTC", None), mode="x"
        )
    clock.set(utc(2026, 1, 1, 19, 0))
    await settle(timers)
    headers = {c.args["quiz"]: c.args for c in quiz_output.named("post_header")}
    review = await store.quiz.running_in(CHANNEL)
    other = await store.quiz.running_in(CHANNEL + 1)
    assert (review.mode, review.ping_role_id, review.source) == ("review", 4242, "scheduled")
    assert headers[review.id]["ping"] == 4242 and headers[review.id]["picked"] == 0
    assert (other.mode, other.ping_role_id) == ("normal", None)
    assert headers[other.id]["ping"] is None

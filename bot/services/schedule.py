"""The schedule service: scheduled quizzes run from durable timers, exactly once each.

- ``schedule.run`` (key ``schedule:<id>``) fires at the planned time. One transaction completes
  it, claims the run on the schedule row (compare-and-set on ``next_run_at``), stores the next
  run and schedules that run's timer and, unless the run is more than an hour late, a
  ``schedule.start`` timer due at once.
- ``schedule.start`` (key ``schedule-start:<id>``) starts the quiz: in one transaction it
  completes itself and stores the quiz with its first round (or, while a live quiz holds the
  channel, re-arms itself every 30 s, up to 10 minutes after the planned time; then the run is
  skipped and logged). The question is posted after that commit with a nonce naming its round,
  and a crash in between is caught up at start-up: a run is never claimed and skipped, and never
  posted twice.

A run that Discord answers with a 429 or a server error is taken back (the quiz is removed) and
tried again every 30 s until it is an hour late, then skipped and logged. A channel that is gone
or refuses the bot (seen in the output's cache, or answered by Discord) pauses the schedule with
the reason, which ``/schedule list`` shows, the log records and the guild's log channel (if one
is set) is told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.clock import Clock
from bot.errors import Conflict, UserError
from bot.rules.quiz import QUIZ_MODES, QuizChannelUnavailable, matching_questions, section_ref
from bot.rules.schedule import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_SECONDS,
    RECHECK_EVERY,
    Firing,
    Rule,
    check_name,
    check_quiz_size,
    describe_duration,
    next_run,
    next_runs,
    on_fire,
    recheck_at,
    too_late,
    utc_text,
)
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed, nonce
from bot.services.quiz import QuizService
from bot.store import Store
from bot.store.quiz import Quiz
from bot.store.schedules import Schedule
from bot.text import MESSAGE_LIMIT, mention_safe, truncate
from bot.timers import Timer, TimerService

log = logging.getLogger(__name__)

RUN_KIND = "schedule.run"
START_KIND = "schedule.start"


def run_key(schedule_id: int) -> str:
    return f"schedule:{schedule_id}"


def start_key(schedule_id: int) -> str:
    return f"schedule-start:{schedule_id}"


class ScheduleOutput(Protocol):
    """What the schedule service needs from Discord (the schedule cog supplies it)."""

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        """Why the bot cannot post quizzes in the channel, judged from what it knows; None
        when it can or cannot tell (then Discord's answer decides)."""
        ...

    async def report(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        """Post a plain report in the guild's log channel."""
        ...


class NoScheduleOutput:
    """The output until the schedule cog provides one."""

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        return None

    async def report(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        raise PostFailed("transient", "schedules are not available right now")


class ScheduleService:
    """Creates schedules and runs them from their timers; the bot holds one as
    ``bot.schedules``. It starts quizzes through the quiz service it is given."""

    def __init__(
        self,
        store: Store,
        timers: TimerService,
        clock: Clock,
        packs: Packs,
        quiz: QuizService,
        output: ScheduleOutput | None = None,
    ) -> None:
        self.store = store
        self.timers = timers
        self.clock = clock
        self.packs = packs
        self.quiz = quiz
        self.output: ScheduleOutput = output or NoScheduleOutput()

    def register_timers(self) -> None:
        self.timers.register(RUN_KIND, self.on_run)
        self.timers.register(START_KIND, self.on_start)

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        return self.output.channel_problem(guild_id, channel_id)

    # --- managing schedules -----------------------------------------------------------------------

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        rule: Rule,
        name: str | None = None,
        questions: int = DEFAULT_QUESTIONS,
        seconds: int = DEFAULT_SECONDS,
        section: str | None = None,
        difficulty: str | None = None,
        created_by: int | None = None,
        pack_id: str | None = None,
        mode: str = "normal",
        ping_role_id: int | None = None,
    ) -> tuple[Schedule, list[float]]:
        """Store a schedule and its first run's timer; returns it and its next three runs.

        ``pack_id`` names the pack its runs use (None: the guild's default at run time),
        ``mode`` ``review`` runs review quizzes, ``ping_role_id`` is the one role a run's first
        message may ping."""
        check_quiz_size(questions, seconds)
        if mode not in QUIZ_MODES:
            raise UserError(f"The quiz mode must be one of {', '.join(QUIZ_MODES)}.")
        pack = await self.packs.for_guild(guild_id, pack_id)
        matching_questions(pack, section, difficulty)
        now = self.clock.now()
        runs = next_runs(rule, now, 3)
        async with self.store.transaction():
            schedule = await self.store.schedules.add(
                guild_id=guild_id,
                channel_id=channel_id,
                name=check_name(name, rule),
                rule=rule,
                questions=questions,
                seconds=seconds,
                section=section_ref(pack, section),
                difficulty=difficulty,
                next_run_at=runs[0],
                created_by=created_by,
                now=now,
                pack_id=pack.id if pack_id else None,
                mode=mode,
                ping_role_id=ping_role_id,
            )
            await self._plan_run(schedule, runs[0])
        log.info("schedule %s added in guild %s: %s", schedule.id, guild_id, rule.describe())
        return schedule, runs

    async def _plan_run(self, schedule: Schedule, at: float) -> None:
        await self.timers.schedule(
            RUN_KIND,
            at,
            {"schedule": schedule.id},
            key=run_key(schedule.id),
            guild_id=schedule.guild_id,
        )

    async def _plan_start(self, schedule: Schedule, planned: float, at: float) -> None:
        await self.timers.schedule(
            START_KIND,
            at,
            {"schedule": schedule.id, "planned": planned},
            key=start_key(schedule.id),
            guild_id=schedule.guild_id,
        )

    def _take_start(self, schedule_id: int) -> Callable[[], Awaitable[bool]]:
        """Claim a run by deleting its start timer (inside the starting transaction)."""

        async def claim() -> bool:
            return await self.store.timers.delete_key(start_key(schedule_id))

        return claim

    async def _stop_timers(self, schedule_id: int) -> None:
        await self.timers.cancel(run_key(schedule_id))
        await self.timers.cancel(start_key(schedule_id))

    async def remove(self, schedule_id: int) -> None:
        """Delete a schedule and its timers (one commit)."""
        async with self.store.transaction():
            await self.store.schedules.delete(schedule_id)
            await self._stop_timers(schedule_id)

    async def pause(self, schedule_id: int, reason: str) -> bool:
        """Pause a schedule and drop its timers (one commit); False if it was paused already."""
        async with self.store.transaction():
            paused = await self.store.schedules.pause(schedule_id, reason, self.clock.now())
            if paused:
                await self._stop_timers(schedule_id)
        return paused

    async def resume(self, schedule: Schedule) -> float:
        """Resume a paused schedule from its next run after now; returns that run."""
        now = self.clock.now()
        upcoming = next_run(schedule.rule, now)
        async with self.store.transaction():
            if await self.store.schedules.resume(schedule.id, upcoming, now):
                await self._plan_run(schedule, upcoming)
        return upcoming

    # --- runs -----------------------------------------------------------------------------------

    async def on_run(self, timer: Timer) -> None:
        """``schedule.run``: in one transaction, complete the timer, claim the run, plan the
        next one and (for a run that still happens) the start timer, due at once."""
        schedule_id = int(timer.payload["schedule"])
        now = self.clock.now()
        async with self.store.transaction():
            if not await timer.complete():
                return
            schedule = await self.store.schedules.get(schedule_id)
            if schedule is None or schedule.paused or schedule.next_run_at is None:
                return
            firing = on_fire(schedule.rule, schedule.next_run_at, now)
            outcome = (
                "starting"
                if firing.run
                else f"skipped: missed by {describe_duration(firing.late)} while the bot was down"
            )
            if not await self.store.schedules.claim_run(
                schedule_id, schedule.next_run_at, firing.next_at, outcome, now,
                run_at=firing.run_at,
            ):  # fmt: skip
                return
            await self._plan_run(schedule, firing.next_at)
            if firing.run:
                # A safety net: if this process dies before the run starts, the start timer
                # (taken in the same transaction that stores the quiz) runs it after a restart.
                await self._plan_start(schedule, firing.run_at, now + RECHECK_EVERY)
        self._log_firing(schedule, firing)
        if firing.run:
            await self._start(schedule_id, firing.run_at, self._take_start(schedule_id))

    @staticmethod
    def _log_firing(schedule: Schedule, firing: Firing) -> None:
        if firing.skipped_earlier:
            log.warning(
                "schedule %s (guild %s): runs from %s until before %s were missed while the bot "
                "was down and are skipped",
                schedule.id, schedule.guild_id, utc_text(schedule.next_run_at or firing.run_at),
                utc_text(firing.run_at),
            )  # fmt: skip
        if not firing.run:
            log.warning(
                "schedule %s (guild %s): the run planned for %s was missed by %s, more than an "
                "hour, and is skipped; next run %s",
                schedule.id, schedule.guild_id, utc_text(firing.run_at),
                describe_duration(firing.late), utc_text(firing.next_at),
            )  # fmt: skip

    async def on_start(self, timer: Timer) -> None:
        """``schedule.start``: start a claimed run (after a crash, or a busy channel)."""
        planned = float(timer.payload["planned"])
        await self._start(int(timer.payload["schedule"]), planned, timer.complete)

    async def _start(
        self, schedule_id: int, planned: float, claim: Callable[[], Awaitable[bool]]
    ) -> None:
        """Start a claimed run's quiz, wait for a busy channel, or skip a late run.

        One transaction takes the start timer (``claim`` deletes it; False when another path
        took the run) and stores the quiz; the question is posted after the commit.
        """
        now = self.clock.now()
        pause_reason: str | None = None
        quiz_id: int | None = None
        async with self.store.transaction():
            if not await claim():
                return
            schedule = await self.store.schedules.get(schedule_id)
            if schedule is None or schedule.paused:
                return
            if too_late(planned, now):
                outcome = f"skipped: missed by {describe_duration(now - planned)}"
                log.warning("schedule %s: the run planned for %s is %s", schedule_id,
                            utc_text(planned), outcome)  # fmt: skip
                await self.store.schedules.record_outcome(schedule_id, outcome, now)
                return
            problem = self.channel_problem(schedule.guild_id, schedule.channel_id)
            if problem is not None:
                pause_reason = f"cannot post in <#{schedule.channel_id}>: {problem}"
            elif await self.quiz.running_in(schedule.channel_id) is not None:
                await self._wait_or_skip(schedule, planned, now)
                return
            else:
                try:
                    quiz_id = (await self._create_quiz(schedule)).id
                except Conflict:
                    await self._wait_or_skip(schedule, planned, now)
                    return
                except UserError as error:
                    pause_reason = f"cannot start the quiz: {error}"
            if pause_reason is not None and not await self._pause(schedule, pause_reason):
                pause_reason = None
        if pause_reason is not None:
            await self._report(schedule, pause_reason)
        elif quiz_id is not None:
            await self._post(schedule, quiz_id, now, planned)

    async def _create_quiz(self, schedule: Schedule) -> Quiz:
        """Store the run's quiz and first round (joins the caller's transaction)."""
        return await self.quiz.create(
            guild_id=schedule.guild_id,
            channel_id=schedule.channel_id,
            started_by=None,
            questions=schedule.questions,
            seconds=schedule.seconds,
            section=schedule.section,
            difficulty=schedule.difficulty,
            source="scheduled",
            title=schedule.name,
            max_seconds=MAX_SECONDS,
            pack_id=schedule.pack_id,
            mode=schedule.mode,
            ping_role_id=schedule.ping_role_id,
        )

    async def _wait_or_skip(self, schedule: Schedule, planned: float, now: float) -> None:
        """A quiz holds the channel: look again in 30 s, or skip a run 10 minutes late
        (inside the caller's transaction)."""
        again = recheck_at(planned, now)
        if again is None:
            outcome = "skipped: a quiz was still running in the channel 10 minutes after the time"
            log.warning("schedule %s (guild %s): the run planned for %s is %s", schedule.id,
                        schedule.guild_id, utc_text(planned), outcome)  # fmt: skip
            await self.store.schedules.record_outcome(schedule.id, outcome, now)
            return
        await self._look_again(
            schedule, planned, again, "waiting for the quiz running in the channel to end"
        )

    async def _look_again(self, schedule: Schedule, planned: float, at: float, why: str) -> None:
        """Re-arm the start timer for ``at`` (one commit with the outcome shown in the list)."""
        async with self.store.transaction():
            await self.store.schedules.record_outcome(schedule.id, why, self.clock.now())
            await self._plan_start(schedule, planned, at)
        log.info("schedule %s (channel %s): %s; looking again at %s",
                 schedule.id, schedule.channel_id, why, utc_text(at))  # fmt: skip

    async def _post(
        self, schedule: Schedule, quiz_id: int, now: float, planned: float | None
    ) -> str:
        """Post a stored run's first question; returns a sentence for the admin.

        ``planned`` is the time of a scheduled run (a transient failure makes it try again);
        without it the run is by hand.
        """
        try:
            await self.quiz.post_first_question(quiz_id)
        except QuizChannelUnavailable as error:
            reason = f"cannot post in <#{schedule.channel_id}>: {error.reason}"
            await self._pause_for(schedule, reason)
            return f"I {reason}, so schedule #{schedule.id} is paused."
        except PostFailed as error:
            status = error.status or 0
            if planned is not None:
                # The quiz was taken back, so the run tries again in 30 s until it is an hour
                # late: a retry never makes a second live quiz or counts an answer twice.
                why = f"Discord {'was busy' if status == 429 else 'had an error'} ({status})"
                await self._look_again(
                    schedule, planned, now + RECHECK_EVERY, f"{why}; trying again shortly"
                )
                return f"{why}: the run tries again shortly."
            log.warning("schedule %s: Discord refused the quiz: %s", schedule.id, error)
            await self.store.schedules.record_outcome(
                schedule.id, f"failed: Discord answered {status}", now, run_at=now
            )
            return f"Discord refused the quiz ({status}); try again in a moment."
        outcome = "posted" if planned is not None else "posted (run by hand)"
        await self.store.schedules.record_outcome(schedule.id, outcome, now, run_at=now)
        log.info("schedule %s posted its quiz in channel %s", schedule.id, schedule.channel_id)
        return (
            f"Posted “{mention_safe(schedule.name)}” in <#{schedule.channel_id}>. "
            "The timetable is unchanged."
        )

    async def run_now(self, schedule: Schedule) -> str:
        """``/schedule run``: post the schedule's quiz now (the timetable is unchanged);
        returns a sentence for the admin. A busy channel raises :class:`Conflict`."""
        now = self.clock.now()
        problem = self.channel_problem(schedule.guild_id, schedule.channel_id)
        if problem is not None:
            reason = f"cannot post in <#{schedule.channel_id}>: {problem}"
            await self._pause_for(schedule, reason)
            return f"I {reason}, so schedule #{schedule.id} is paused."
        try:
            async with self.store.transaction():
                quiz = await self._create_quiz(schedule)
        except Conflict:
            raise
        except UserError as error:
            await self._pause_for(schedule, f"cannot start the quiz: {error}")
            return f"I cannot start this quiz: {error} Schedule #{schedule.id} is paused."
        return await self._post(schedule, quiz.id, now, None)

    # --- pausing for a channel that cannot be used -----------------------------------------------

    async def _pause(self, schedule: Schedule, reason: str) -> bool:
        """Pause inside the caller's transaction; the report follows the commit."""
        paused = await self.store.schedules.pause(schedule.id, reason, self.clock.now())
        if paused:
            await self._stop_timers(schedule.id)
            log.warning("schedule %s (guild %s) paused: %s", schedule.id, schedule.guild_id,
                        reason)  # fmt: skip
        return paused

    async def _pause_for(self, schedule: Schedule, reason: str) -> None:
        """Pause a schedule that cannot run, log it, and tell the guild's log channel."""
        async with self.store.transaction():
            if not await self._pause(schedule, reason):
                return
        await self._report(schedule, reason)

    async def _report(self, schedule: Schedule, reason: str) -> None:
        settings = await self.store.guilds.get(schedule.guild_id)
        if settings.log_channel_id is None:
            return
        report = truncate(
            f"Scheduled quiz #{schedule.id} “{mention_safe(schedule.name)}” is paused: I "
            f"{reason}. Fix it, then use /schedule resume {schedule.id}.",
            MESSAGE_LIMIT,
        )
        paused_at = int(self.clock.now())
        try:
            await self.output.report(
                settings.log_channel_id, report, nonce=nonce("sp", schedule.id, paused_at)
            )
        except PostFailed as error:
            log.warning("could not report the paused schedule %s: %s", schedule.id, error)

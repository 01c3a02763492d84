"""Running scheduled quizzes: durable timers, catch-up, busy channels and lost channels.

:class:`ScheduleRunner` (``bot.get_cog("Schedule").runner``) owns everything a schedule does
after ``/schedule add``. Every run goes through durable timers:

- ``schedule.run`` (key ``schedule:<id>``) fires at the planned time. One transaction completes
  it, claims the run on the schedule row (compare-and-set on ``next_run_at``), stores the next
  run, schedules that run's timer and, unless the run is more than an hour late, a
  ``schedule.start`` timer as a safety net. Only then is the quiz started: a run is claimed
  once, before anything is posted.
- ``schedule.start`` (key ``schedule-start:<id>``) starts the quiz. Whoever deletes its row
  first (the run handler right away, or the timer itself after a crash) posts; the row is
  deleted before posting, so a crash can lose that one run but never post it twice. While a
  live quiz holds the channel it re-arms itself every 30 s, up to 10 minutes after the planned
  time; then the run is skipped and logged.

A run that Discord answers with a 429 (after discord.py's own retries) or a server error (5xx:
discord.py retries 500/502/504 for about 16 s and gives up at once on a 503) is tried again
every 30 s until it is an hour late, then skipped and logged. The quiz was rolled back, so a
retry never makes a second live quiz or counts an answer twice; the only risk is that Discord
stored the question although it answered 5xx (discord.py's retries send the same nonce with
``enforce_nonce``, which Discord deduplicates, so even that needs every try to fail): members
would then see one dead copy of question 1 whose buttons say the question has closed. Losing a
daily quiz to a one-second outage is the worse outcome, so runs are retried rather than
dropped ("at most once" holds for crashes: the start timer is deleted before posting).

A channel that is gone or refuses the bot (seen in the cache, or a 403/404 from Discord) pauses
the schedule with the reason, which ``/schedule list`` shows, the log records and the guild's
log channel (if one is set) is told.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.adapter.ui import MESSAGE_LIMIT, mention_safe, truncate
from bot.errors import Conflict, UserError
from bot.rules.quiz import QuizChannelUnavailable, matching_questions, section_ref
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
from bot.store.schedules import Schedule
from bot.timers import Timer
from cogs.quiz.engine import QuizEngine, transient

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

log = logging.getLogger(__name__)

RUN_KIND = "schedule.run"
START_KIND = "schedule.start"
GONE = "the channel no longer exists or I cannot see it"
NEEDED = (("view_channel", "View Channel"), ("send_messages", "Send Messages"),
          ("embed_links", "Embed Links"))  # fmt: skip


def run_key(schedule_id: int) -> str:
    return f"schedule:{schedule_id}"


def start_key(schedule_id: int) -> str:
    return f"schedule-start:{schedule_id}"


class ScheduleRunner:
    """Creates schedules and runs them from their timers; see the module docstring."""

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot

    def register_timers(self) -> None:
        self.bot.timers.register(RUN_KIND, self.on_run)
        self.bot.timers.register(START_KIND, self.on_start)

    def unregister_timers(self) -> None:
        self.bot.timers.unregister(RUN_KIND)
        self.bot.timers.unregister(START_KIND)

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        """Why the bot cannot post in the channel, judged from its cache; None if it can or the
        cache does not know (then Discord's answer decides)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.unavailable:
            return None
        channel = guild.get_channel(channel_id)
        if channel is None:
            return GONE
        if guild.me is None:
            return None
        permissions = channel.permissions_for(guild.me)
        missing = [label for name, label in NEEDED if not getattr(permissions, name)]
        if not missing:
            return None
        if missing[0] == "View Channel":
            missing = missing[:1]  # without it nothing else counts
        elif "Send Messages" in missing:  # Discord takes Embed Links away with it
            missing = [label for label in missing if label != "Embed Links"]
        return f"I am missing {', '.join(missing)} there"

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
    ) -> tuple[Schedule, list[float]]:
        """Store a schedule and its first run's timer; returns it and its next three runs."""
        check_quiz_size(questions, seconds)
        pack = await self.bot.pack_for(guild_id)
        matching_questions(pack, section, difficulty)
        now = self.bot.clock.now()
        runs = next_runs(rule, now, 3)
        async with self.bot.store.transaction():
            schedule = await self.bot.store.schedules.add(
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
            )
            await self.bot.timers.schedule(
                RUN_KIND, runs[0], {"schedule": schedule.id}, key=run_key(schedule.id)
            )
        log.info("schedule %s added in guild %s: %s", schedule.id, guild_id, rule.describe())
        return schedule, runs

    async def stop_timers(self, schedule_id: int) -> None:
        await self.bot.timers.cancel(run_key(schedule_id))
        await self.bot.timers.cancel(start_key(schedule_id))

    async def remove(self, schedule_id: int) -> None:
        """Delete a schedule and its timers (one commit)."""
        async with self.bot.store.transaction():
            await self.bot.store.schedules.delete(schedule_id)
            await self.stop_timers(schedule_id)

    async def pause(self, schedule_id: int, reason: str) -> bool:
        """Pause a schedule and drop its timers (one commit); False if it was paused already."""
        async with self.bot.store.transaction():
            paused = await self.bot.store.schedules.pause(schedule_id, reason, self.bot.clock.now())
            if paused:
                await self.stop_timers(schedule_id)
        return paused

    async def resume(self, schedule: Schedule) -> float:
        """Resume a paused schedule from its next run after now; returns that run."""
        now = self.bot.clock.now()
        upcoming = next_run(schedule.rule, now)
        async with self.bot.store.transaction():
            if await self.bot.store.schedules.resume(schedule.id, upcoming, now):
                await self.bot.timers.schedule(
                    RUN_KIND, upcoming, {"schedule": schedule.id}, key=run_key(schedule.id)
                )
        return upcoming

    def engine(self) -> QuizEngine:
        """The quiz engine that runs the schedule's quizzes (the Quiz cog's)."""
        engine = getattr(self.bot.get_cog("Quiz"), "engine", None)
        if not isinstance(engine, QuizEngine):
            raise RuntimeError("scheduled quizzes need the quiz cog, which is not loaded")
        return engine

    async def on_run(self, timer: Timer) -> None:
        """``schedule.run``: claim the run and plan the next one (one commit), then start it."""
        claimed = await self._claim(timer)
        if claimed is None:
            return
        schedule, firing = claimed
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
            return
        async with self.bot.store.transaction():
            if not await self.bot.store.timers.delete_key(start_key(schedule.id)):
                return  # the safety-net timer already took this run
        await self.attempt(schedule.id, firing.run_at)

    async def _claim(self, timer: Timer) -> tuple[Schedule, Firing] | None:
        """In one transaction: complete the timer, claim the run, store and schedule the next
        run and, for a run that still happens, the safety-net start timer."""
        schedule_id = int(timer.payload["schedule"])
        now = self.bot.clock.now()
        store = self.bot.store
        async with store.transaction():
            if not await timer.complete():
                return None
            schedule = await store.schedules.get(schedule_id)
            if schedule is None or schedule.paused or schedule.next_run_at is None:
                return None
            firing = on_fire(schedule.rule, schedule.next_run_at, now)
            outcome = (
                "starting"
                if firing.run
                else f"skipped: missed by {describe_duration(firing.late)} while the bot was down"
            )
            planned = schedule.next_run_at
            run_at = firing.run_at
            if not await store.schedules.claim_run(
                schedule_id, planned, firing.next_at, outcome, now, run_at=run_at
            ):
                return None
            await self.bot.timers.schedule(
                RUN_KIND, firing.next_at, {"schedule": schedule_id}, key=run_key(schedule_id)
            )
            if firing.run:
                await self.bot.timers.schedule(
                    START_KIND,
                    now + RECHECK_EVERY,
                    {"schedule": schedule_id, "planned": firing.run_at},
                    key=start_key(schedule_id),
                )
        return schedule, firing

    async def on_start(self, timer: Timer) -> None:
        """``schedule.start``: start a claimed run (after a crash, or a busy channel)."""
        async with self.bot.store.transaction():
            if not await timer.complete():
                return
        await self.attempt(int(timer.payload["schedule"]), float(timer.payload["planned"]))

    async def attempt(self, schedule_id: int, planned: float) -> None:
        """Start the quiz of a claimed run, wait for a busy channel, or skip it."""
        schedule = await self.bot.store.schedules.get(schedule_id)
        if schedule is None or schedule.paused:
            return
        now = self.bot.clock.now()
        if too_late(planned, now):
            outcome = f"skipped: missed by {describe_duration(now - planned)}"
            log.warning("schedule %s: the run planned for %s is %s", schedule_id,
                        utc_text(planned), outcome)  # fmt: skip
            await self.bot.store.schedules.record_outcome(schedule_id, outcome, now)
            return
        if await self.engine().running_in(schedule.channel_id):
            await self._wait_or_skip(schedule, planned, now)
            return
        await self.start_quiz(schedule, now, planned=planned)

    async def _wait_or_skip(self, schedule: Schedule, planned: float, now: float) -> None:
        again = recheck_at(planned, now)
        if again is None:
            outcome = "skipped: a quiz was still running in the channel 10 minutes after the time"
            log.warning("schedule %s (guild %s): the run planned for %s is %s", schedule.id,
                        schedule.guild_id, utc_text(planned), outcome)  # fmt: skip
            await self.bot.store.schedules.record_outcome(schedule.id, outcome, now)
            return
        await self._look_again(
            schedule, planned, again, "waiting for the quiz running in the channel to end"
        )

    async def _retry_later(self, schedule: Schedule, planned: float, now: float, why: str) -> None:
        await self._look_again(
            schedule, planned, now + RECHECK_EVERY, f"{why}; trying again shortly"
        )

    async def _look_again(self, schedule: Schedule, planned: float, at: float, why: str) -> None:
        """Re-arm the start timer for ``at`` (one commit with the outcome shown in the list)."""
        async with self.bot.store.transaction():
            await self.bot.store.schedules.record_outcome(schedule.id, why, self.bot.clock.now())
            await self.bot.timers.schedule(
                START_KIND,
                at,
                {"schedule": schedule.id, "planned": planned},
                key=start_key(schedule.id),
            )
        log.info("schedule %s (channel %s): %s; looking again at %s",
                 schedule.id, schedule.channel_id, why, utc_text(at))  # fmt: skip

    async def start_quiz(
        self, schedule: Schedule, now: float, *, planned: float | None = None
    ) -> str:
        """Post the schedule's quiz; returns a sentence for the admin.

        ``planned`` is the time of a scheduled run (a busy channel makes it wait); without it
        the run is by hand and a busy channel raises :class:`Conflict`.
        """
        by_hand = planned is None
        problem = self.channel_problem(schedule.guild_id, schedule.channel_id)
        try:
            if problem is not None:
                raise QuizChannelUnavailable(problem)
            await self.engine().start_live(
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
            )
        except Conflict:
            if planned is None:
                raise
            await self._wait_or_skip(schedule, planned, now)
            return "A quiz is running in the channel: the run waits for it to end."
        except QuizChannelUnavailable as error:
            reason = f"cannot post in <#{schedule.channel_id}>: {error.reason}"
            await self.pause_for(schedule, reason)
            return f"I {reason}, so schedule #{schedule.id} is paused."
        except UserError as error:
            await self.pause_for(schedule, f"cannot start the quiz: {error}")
            return f"I cannot start this quiz: {error} Schedule #{schedule.id} is paused."
        except discord.HTTPException as error:
            if planned is not None and transient(error):
                # start_live kept nothing of the quiz, so the run tries again in 30 s, until it
                # is an hour late (see the module docstring for why this is safe).
                why = f"Discord {'was busy' if error.status == 429 else 'had an error'}"
                await self._retry_later(schedule, planned, now, f"{why} ({error.status})")
                return f"{why}: the run tries again shortly."
            log.exception("schedule %s: Discord refused the quiz", schedule.id)
            await self.bot.store.schedules.record_outcome(
                schedule.id, f"failed: Discord answered {error.status}", now, run_at=now
            )
            return f"Discord refused the quiz ({error.status}); try again in a moment."
        outcome = "posted (run by hand)" if by_hand else "posted"
        await self.bot.store.schedules.record_outcome(schedule.id, outcome, now, run_at=now)
        log.info("schedule %s posted its quiz in channel %s", schedule.id, schedule.channel_id)
        return (
            f"Posted “{mention_safe(schedule.name)}” in <#{schedule.channel_id}>. "
            "The timetable is unchanged."
        )

    async def pause_for(self, schedule: Schedule, reason: str) -> None:
        """Pause a schedule that cannot run, log it, and tell the guild's log channel."""
        if not await self.pause(schedule.id, reason):
            return
        log.warning("schedule %s (guild %s) paused: %s", schedule.id, schedule.guild_id, reason)
        settings = await self.bot.store.guilds.get(schedule.guild_id)
        if settings.log_channel_id is None:
            return
        report = truncate(
            f"Scheduled quiz #{schedule.id} “{mention_safe(schedule.name)}” is paused: I "
            f"{reason}. Fix it, then use /schedule resume {schedule.id}.",
            MESSAGE_LIMIT,
        )
        try:
            await self.bot.get_partial_messageable(settings.log_channel_id).send(report)
        except discord.HTTPException as error:
            log.warning("could not report the paused schedule %s: %s", schedule.id, error)

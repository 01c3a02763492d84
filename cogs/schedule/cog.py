"""The ``/schedule`` commands: parse, check moderator rights, call ``bot.schedules``, render.

Every command is for moderators (Manage Server, Manage Messages or the server's moderator role),
checked on the server side with ``require_moderator`` on every command and autocomplete. The
commands carry no ``default_permissions``: a moderator role cannot be expressed as one, so
members see them in Discord's list and a plain member is refused by the bot.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete, time_zone_autocomplete, valid_time_zone
from bot.adapter.checks import guild_id_of, is_moderator, require_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import (
    AUTOCOMPLETE_RESULTS,
    CHOICE_NAME,
    Page,
    Pager,
    mention_safe,
    page_view,
    paginate_fields,
    truncate,
)
from bot.clock import discord_timestamp
from bot.errors import Conflict, NotFound, UserError
from bot.rules.schedule import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_NAME,
    MAX_QUESTIONS,
    MAX_SCHEDULES,
    MAX_SECONDS,
    MIN_QUESTIONS,
    MIN_SECONDS,
    Rule,
    day_suggestions,
)
from bot.store.schedules import Schedule
from cogs.quiz.cog import section_autocomplete

log = logging.getLogger(__name__)

TIME_RULES = (
    "Times are wall-clock times in the schedule's time zone (default: the server's /settings "
    "timezone, else UTC) and follow daylight saving: a time the clock skips runs at the first "
    "minute after it, a time it repeats runs once. A run missed by up to an hour while the bot "
    "was down runs once when it is back; older ones are skipped. If a quiz is still running in "
    "the channel, the run waits up to 10 minutes for it to end, then is skipped."
)
Difficulty = Literal["easy", "medium", "hard"]
Mode = Literal["normal", "review"]


def when(epoch: float) -> str:
    """An instant as Discord shows it: the full date and time, then "in 3 hours"."""
    return f"{discord_timestamp(epoch, 'F')} ({discord_timestamp(epoch, 'R')})"


def quiz_line(schedule: Schedule) -> str:
    """What each run asks: "3 questions × 60 s · section P2 · easy"."""
    parts = [f"{schedule.questions} question{'s' * (schedule.questions != 1)} × "
             f"{schedule.seconds} s"]  # fmt: skip
    if schedule.section:
        parts.append(f"section {schedule.section}")
    if schedule.difficulty:
        parts.append(schedule.difficulty)
    if schedule.mode == "review":
        parts.append("review")
    if schedule.pack_id:
        parts.append(f"pack {schedule.pack_id}")
    return " · ".join(parts)


def describe_schedule(schedule: Schedule) -> tuple[str, str]:
    """The (field name, field text) of a schedule in /schedule list."""
    title = f"#{schedule.id} · {mention_safe(schedule.name)}"
    lines = [
        f"Channel: <#{schedule.channel_id}>",
        f"Rule: {schedule.rule.describe()}",
        f"Quiz: {quiz_line(schedule)}",
    ]
    if schedule.ping_role_id is not None:
        lines.append(f"Pings: <@&{schedule.ping_role_id}> when a run starts")
    if schedule.paused:
        title += " — paused"
        lines.append(f"**Paused** — {schedule.paused_reason or 'by an admin'}")
    elif schedule.next_run_at is not None:
        lines.append(f"Next run: {when(schedule.next_run_at)}")
    if schedule.last_run_at is not None and schedule.last_outcome:
        last = discord_timestamp(schedule.last_run_at, "R")
        lines.append(f"Last run: {last} — {schedule.last_outcome}")
    return title, "\n".join(lines)


async def schedule_autocomplete(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[int]]:
    """The guild's schedules as "#3 · Daily quiz at 19:00 (UTC) · #quiz" (moderators only)."""
    if interaction.guild_id is None or not await is_moderator(interaction):
        return []
    guild = interaction.guild
    needle = current.strip().lstrip("#").casefold()
    choices = []
    for schedule in await interaction.client.store.schedules.in_guild(interaction.guild_id):
        channel = guild.get_channel(schedule.channel_id) if guild else None
        where = f"#{channel.name}" if channel else "a deleted channel"
        label = f"#{schedule.id} · {schedule.name} · {where}"
        if schedule.paused:
            label += " · paused"
        if needle in label.casefold():
            choices.append(
                app_commands.Choice(name=truncate(label, CHOICE_NAME), value=schedule.id)
            )
    return choices[:AUTOCOMPLETE_RESULTS]


async def days_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The named day rules, and what is being typed in its canonical spelling."""
    offers = day_suggestions(current)[:AUTOCOMPLETE_RESULTS]
    return [app_commands.Choice(name=offer, value=offer) for offer in offers]


@app_commands.guild_only()
class ScheduleCog(
    commands.GroupCog,
    name="Schedule",
    group_name="schedule",
    group_description="Quizzes that post themselves on a timetable (moderators).",
    group_extras={"audience": "moderator"},  # /help lists it among the moderators' commands
):
    """Scheduled quizzes: the commands, and the timers that run them."""

    help_area = "Schedules (moderators)"
    help_order = 25
    help_notes = (TIME_RULES,)

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.register_pager(Pager("schedules", self.render_page, "schedule list"))

    async def find(self, interaction: discord.Interaction, schedule_id: int) -> Schedule:
        """The guild's schedule ``schedule_id``; NotFound for an unknown id or another guild's."""
        schedule = await self.bot.store.schedules.get(schedule_id)
        if schedule is None or schedule.guild_id != guild_id_of(interaction):
            raise NotFound(
                f"There is no schedule #{schedule_id} on this server: /schedule list shows them."
            )
        return schedule

    # --- commands ---------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Schedule a quiz that posts itself.")
    @app_commands.describe(
        channel="The channel the quiz is posted in",
        time="Local time: 19:00, 7pm, 7:30 pm or 19h",
        timezone="IANA time zone (default: the server's /settings timezone, else UTC)",
        days="daily, weekdays, weekends, or days such as mon,wed,fri (default: daily)",
        questions=f"Questions per quiz ({MIN_QUESTIONS}–{MAX_QUESTIONS}, "
        f"default {DEFAULT_QUESTIONS})",
        seconds=f"Seconds per question ({MIN_SECONDS}–{MAX_SECONDS}, default {DEFAULT_SECONDS})",
        section="Only questions about this part of the article",
        difficulty="Only questions of this difficulty",
        name="The quiz's heading (default: e.g. Daily quiz at 19:00 (Europe/Berlin))",
        mode="normal, or review: the questions this server's members most need",
        ping="A role to mention when a run starts (the only ping the quiz makes)",
        pack="The content pack (default: the server's pack when each quiz runs)",
    )
    @app_commands.autocomplete(
        timezone=time_zone_autocomplete, days=days_autocomplete, section=section_autocomplete,
        pack=pack_autocomplete,
    )  # fmt: skip
    async def add(
        self,
        interaction: discord.Interaction[RoundtableBot],
        channel: discord.TextChannel,
        time: str,
        timezone: str | None = None,
        days: str | None = None,
        questions: app_commands.Range[int, MIN_QUESTIONS, MAX_QUESTIONS] = DEFAULT_QUESTIONS,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] = DEFAULT_SECONDS,
        section: str | None = None,
        difficulty: Difficulty | None = None,
        name: app_commands.Range[str, 1, MAX_NAME] | None = None,
        mode: Mode = "normal",
        ping: discord.Role | None = None,
        pack: str | None = None,
    ) -> None:
        await require_moderator(interaction, "schedule quizzes")
        if ping is not None and ping.is_default():
            raise UserError("A schedule never pings @everyone: pick a role, or leave `ping` out.")
        guild_id = guild_id_of(interaction)
        if timezone:
            zone = valid_time_zone(timezone)
        else:
            zone = (await self.bot.store.guilds.get(guild_id)).timezone or "UTC"
        rule = Rule.parse(time, zone, days)
        problem = self.bot.schedules.channel_problem(guild_id, channel.id)
        if problem is not None:
            raise UserError(f"I cannot post quizzes in {channel.mention}: {problem}.")
        schedule, runs = await self.bot.schedules.create(
            guild_id=guild_id,
            channel_id=channel.id,
            rule=rule,
            name=name,
            questions=questions,
            seconds=seconds,
            section=section,
            difficulty=difficulty,
            created_by=interaction.user.id,
            mode=mode,
            ping_role_id=ping.id if ping else None,
            pack_id=pack or None,
        )
        lines = [
            f"Scheduled #{schedule.id} “{mention_safe(schedule.name)}” in {channel.mention}: "
            f"{rule.describe()}, {quiz_line(schedule)}.",
            "Next runs:",
            *(f"• {when(run)}" for run in runs),
        ]
        if ping is not None:
            lines.append(f"Each run's first message pings {ping.mention}.")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="list", description="Show this server's scheduled quizzes.")
    async def list_schedules(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        await require_moderator(interaction, "see the scheduled quizzes")
        page = await self.render_page(interaction, "", 0)
        view = page_view("schedules", interaction.user.id, "", page)
        await interaction.response.send_message(
            content=page.content,
            embeds=page.embeds,
            view=view or discord.utils.MISSING,
            ephemeral=True,
        )

    async def render_page(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        await require_moderator(interaction, "see the scheduled quizzes")
        schedules = await self.bot.store.schedules.in_guild(guild_id_of(interaction))
        if not schedules:
            return Page([], 0, 1, content="No scheduled quizzes yet: add one with /schedule add.")
        title = f"Scheduled quizzes ({len(schedules)} of {MAX_SCHEDULES})"
        pages = paginate_fields(title, [describe_schedule(s) for s in schedules])
        index = max(0, min(index, len(pages) - 1))
        return Page([pages[index]], index, len(pages))

    @app_commands.command(name="remove", description="Delete a scheduled quiz.")
    @app_commands.rename(schedule_id="id")
    @app_commands.describe(schedule_id="The schedule's number (see /schedule list)")
    @app_commands.autocomplete(schedule_id=schedule_autocomplete)
    async def remove(
        self, interaction: discord.Interaction[RoundtableBot], schedule_id: int
    ) -> None:
        await require_moderator(interaction, "remove scheduled quizzes")
        schedule = await self.find(interaction, schedule_id)
        await self.bot.schedules.remove(schedule.id)
        log.info("schedule %s removed by %s", schedule.id, interaction.user.id)
        await interaction.response.send_message(
            f"Removed schedule #{schedule.id} “{mention_safe(schedule.name)}”.", ephemeral=True
        )

    @app_commands.command(name="pause", description="Pause a scheduled quiz.")
    @app_commands.rename(schedule_id="id")
    @app_commands.describe(schedule_id="The schedule's number (see /schedule list)")
    @app_commands.autocomplete(schedule_id=schedule_autocomplete)
    async def pause(
        self, interaction: discord.Interaction[RoundtableBot], schedule_id: int
    ) -> None:
        await require_moderator(interaction, "pause scheduled quizzes")
        schedule = await self.find(interaction, schedule_id)
        if schedule.paused:
            raise Conflict(
                f"Schedule #{schedule.id} is already paused ({schedule.paused_reason}): "
                f"/schedule resume {schedule.id} starts it again."
            )
        await self.bot.schedules.pause(schedule.id, f"by <@{interaction.user.id}>")
        log.info("schedule %s paused by %s", schedule.id, interaction.user.id)
        await interaction.response.send_message(
            f"Paused schedule #{schedule.id} “{mention_safe(schedule.name)}”: "
            f"/schedule resume {schedule.id} starts it again.",
            ephemeral=True,
        )

    @app_commands.command(name="resume", description="Resume a paused scheduled quiz.")
    @app_commands.rename(schedule_id="id")
    @app_commands.describe(schedule_id="The schedule's number (see /schedule list)")
    @app_commands.autocomplete(schedule_id=schedule_autocomplete)
    async def resume(
        self, interaction: discord.Interaction[RoundtableBot], schedule_id: int
    ) -> None:
        await require_moderator(interaction, "resume scheduled quizzes")
        schedule = await self.find(interaction, schedule_id)
        if not schedule.paused or schedule.next_run_at is not None:
            raise Conflict(f"Schedule #{schedule.id} is not paused.")
        problem = self.bot.schedules.channel_problem(schedule.guild_id, schedule.channel_id)
        if problem is not None:
            raise UserError(
                f"I still cannot post quizzes in <#{schedule.channel_id}>: {problem}. "
                "Fix that first, or remove the schedule and add it for another channel."
            )
        upcoming = await self.bot.schedules.resume(schedule)
        log.info("schedule %s resumed by %s", schedule.id, interaction.user.id)
        await interaction.response.send_message(
            f"Resumed schedule #{schedule.id} “{mention_safe(schedule.name)}”: "
            f"next run {when(upcoming)}.",
            ephemeral=True,
        )

    @app_commands.command(name="run", description="Run a scheduled quiz now, to try it.")
    @app_commands.rename(schedule_id="id")
    @app_commands.describe(schedule_id="The schedule's number (see /schedule list)")
    @app_commands.autocomplete(schedule_id=schedule_autocomplete)
    async def run(self, interaction: discord.Interaction[RoundtableBot], schedule_id: int) -> None:
        await require_moderator(interaction, "run scheduled quizzes")
        schedule = await self.find(interaction, schedule_id)
        if await self.bot.quiz.running_in(schedule.channel_id):
            raise Conflict(
                f"A quiz is already running in <#{schedule.channel_id}>: try again when it ends."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.bot.schedules.run_now(schedule)
        await interaction.followup.send(outcome, ephemeral=True)

"""``/quiz start``, ``/quiz stop``, ``/quiz practice`` and ``/quiz due``: parse, check, hand to
``bot.quiz``."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete
from bot.adapter.checks import guild_id_of, is_moderator, require_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import AUTOCOMPLETE_RESULTS, CHOICE_NAME, truncate
from bot.errors import UserError
from bot.rules.quiz import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_QUESTIONS,
    MIN_SECONDS,
    POINTS_RULE,
    PRACTICE_RULE,
    matching_questions,
)
from bot.services.ports import PostFailed
from bot.services.quiz import review_note, running_text
from cogs.quiz.views import DYNAMIC_ITEMS, due_embed, send_practice_question

Difficulty = Literal["easy", "medium", "hard"]
Mode = Literal["normal", "review"]


async def section_autocomplete(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[str]]:
    """The chosen (or default) pack's sections that have questions: "P3 — Title" → "P3"."""
    bot = interaction.client
    requested = getattr(interaction.namespace, "pack", None)
    try:
        pack = await bot.pack_for(interaction.guild_id, requested)
    except UserError:
        pack = bot.library.default
    asked_about = {q.paragraph for q in pack.questions}
    needle = current.strip().casefold()
    choices = []
    for section in pack.sections:
        label = f"{section.ref} — {section.title}"
        if section.ref in asked_about and needle in label.casefold():
            choices.append(
                app_commands.Choice(name=truncate(label, CHOICE_NAME), value=section.ref)
            )
    return choices[:AUTOCOMPLETE_RESULTS]


@app_commands.guild_only()
class QuizCog(
    commands.GroupCog,
    name="Quiz",
    group_name="quiz",
    group_description="Live quizzes in a channel, and private practice.",
):
    """Live quizzes with points, and practice that brings back your mistakes."""

    help_area = "Quiz"
    help_order = 20
    help_notes = (POINTS_RULE, PRACTICE_RULE)

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.bot.quiz.catch_up()

    @app_commands.command(name="start", description="Start a live quiz in this channel.")
    @app_commands.describe(
        questions=f"How many questions ({MIN_QUESTIONS}–{MAX_QUESTIONS}, default "
        f"{DEFAULT_QUESTIONS})",
        seconds=f"Seconds per question ({MIN_SECONDS}–{MAX_SECONDS}, default {DEFAULT_SECONDS})",
        section="Only questions about this part of the article",
        difficulty="Only questions of this difficulty",
        pack="The content pack to use (default: the server's)",
        mode="normal, or review: the questions this server's members most need",
    )
    @app_commands.autocomplete(section=section_autocomplete, pack=pack_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction[RoundtableBot],
        questions: app_commands.Range[int, MIN_QUESTIONS, MAX_QUESTIONS] = DEFAULT_QUESTIONS,
        seconds: app_commands.Range[int, MIN_SECONDS, MAX_SECONDS] = DEFAULT_SECONDS,
        section: str | None = None,
        difficulty: Difficulty | None = None,
        pack: str | None = None,
        mode: Mode = "normal",
    ) -> None:
        guild_id = guild_id_of(interaction)
        channel_id = interaction.channel_id
        if channel_id is None:
            raise UserError("Start a quiz from a text channel.")
        if (await self.bot.store.guilds.get(guild_id)).quiz_starters == "moderators":
            await require_moderator(interaction, "start live quizzes on this server")
        running = await self.bot.quiz.running_in(channel_id)
        if running is not None:
            raise UserError(running_text(running))
        chosen_pack = await self.bot.pack_for(guild_id, pack)
        matching_questions(chosen_pack, section, difficulty)  # a bad filter fails before deferring
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            quiz = await self.bot.quiz.start_live(
                guild_id=guild_id,
                channel_id=channel_id,
                started_by=interaction.user.id,
                questions=questions,
                seconds=seconds,
                section=section,
                difficulty=difficulty,
                pack_id=chosen_pack.id,
                mode=mode,
            )
        except PostFailed as error:
            raise UserError(
                f"Discord did not take the first question (error {error.status}), so no quiz "
                "was started. Try again in a moment."
            ) from error
        total = quiz.total
        note = f"Quiz started: {total} question{'s' * (total != 1)}, {seconds} seconds each."
        if total < questions:
            note += (
                f" Only {total} question{'s' * (total != 1)} match these filters, "
                f"so the quiz runs with {total}."
            )
        review = review_note(quiz)
        if review:
            note += f" {review}"
        await interaction.followup.send(note, ephemeral=True)

    @app_commands.command(
        name="stop", description="Stop the quiz in this channel (its starter or a moderator)."
    )
    async def stop(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        guild_id_of(interaction)
        channel_id = interaction.channel_id
        running = await self.bot.quiz.running_in(channel_id) if channel_id else None
        if running is None or channel_id is None:
            raise UserError("No quiz is running in this channel.")
        starter = running.started_by == interaction.user.id
        moderator = not starter and await is_moderator(interaction)
        stopped = await self.bot.quiz.stop(channel_id, interaction.user.id, moderator=moderator)
        asked = stopped.quiz.position + 1
        await interaction.response.send_message(
            f"Quiz stopped after {asked} of {stopped.quiz.total} questions. "
            "Points for answered questions stand.",
            ephemeral=True,
        )
        await self.bot.quiz.publish(stopped.quiz.id)

    @app_commands.command(
        name="practice", description="Practise privately; questions you missed come back first."
    )
    @app_commands.describe(
        section="Only questions about this part of the article",
        difficulty="Only questions of this difficulty",
    )
    @app_commands.autocomplete(section=section_autocomplete)
    async def practice(
        self,
        interaction: discord.Interaction[RoundtableBot],
        section: str | None = None,
        difficulty: Difficulty | None = None,
    ) -> None:
        practice = await self.bot.quiz.practice_start(
            guild_id_of(interaction), interaction.user.id, section=section, difficulty=difficulty
        )
        await send_practice_question(interaction, practice)

    @app_commands.command(
        name="due", description="How many of your questions are due for review, by paragraph."
    )
    async def due(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        report = await self.bot.quiz.due(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(embed=due_embed(report), ephemeral=True)

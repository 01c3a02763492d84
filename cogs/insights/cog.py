"""``/insights``: question statistics, class mastery, one member, debate balance (moderators).

Every command and page turn checks ``require_moderator`` on the server side. The commands
carry no ``default_permissions`` (a moderator role cannot be expressed as one), so /help lists
them among the moderators' commands through the group's ``extras``. A reply is private unless
``public: true`` (``/insights member`` is always private): the command defers first, in the
reply's visibility, since a report and its chart can take longer than Discord's 3 seconds
(the first chart imports matplotlib). The pack is checked before deferring, so a wrong name
is answered privately.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete
from bot.adapter.checks import guild_id_of, require_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import Page, Pager, mention_safe, page_view, send_ephemeral, truncate
from bot.charts import ChartError
from bot.errors import UserError
from bot.rules.insights import DEFAULT_PERIOD, MIN_ANSWERS
from cogs.insights.views import (
    debaters_csv,
    debates_embed,
    member_embed,
    paragraphs_embed,
    png_file,
    questions_csv,
    questions_page,
)

log = logging.getLogger(__name__)

Period = Literal["week", "month", "season", "all-time"]
PAGER = "insights"
#: A page button remembers the period by one letter, so the pack id always fits its 50.
PERIOD_CODES = {"week": "w", "month": "m", "season": "s", "all-time": "a"}
CODE_PERIODS = {code: period for period, code in PERIOD_CODES.items()}
ACTION = "see insights"
PERIOD_HELP = "week and month are calendar periods in UTC; season is the current one"
PUBLIC_HELP = "Post the reply in this channel for everyone (it names no member)"
NO_CHART = "The chart could not be drawn just now; every figure is in the text above."


async def chart_or_none(drawing: Awaitable[bytes]) -> bytes | None:
    """The chart, or None when it could not be drawn: the reply goes out without it, since
    every figure is in its text."""
    try:
        return await drawing
    except ChartError:
        log.warning("an insights chart could not be drawn", exc_info=True)
        return None


class InsightsCog(
    commands.GroupCog,
    name="Insights",
    group_name="insights",
    group_description="Question statistics, class mastery and debate balance (moderators).",
    group_extras={"audience": "moderator"},  # /help lists it among the moderators' commands
):
    """Reports for facilitators, with charts."""

    help_area = "Insights (moderators)"
    help_order = 45
    help_notes = (
        "Question flags, worst first: **key in doubt** (a wrong choice picked more than the "
        "key, or stronger members missing it more than weaker ones), **too hard** (under 30 % "
        "right), **too easy** (over 90 %), **weak distractor** (a wrong choice picked by under "
        f"5 %); a question needs {MIN_ANSWERS} answers to be judged. Replies are private "
        "unless `public` is true; a public reply never names a member.",
    )

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.register_pager(Pager(PAGER, self.render_page, "insights questions"))

    async def _start(
        self, interaction: discord.Interaction[RoundtableBot], pack: str | None, public: bool
    ) -> tuple[int, str]:
        """Check the member and the pack, then defer in the reply's visibility."""
        await require_moderator(interaction, ACTION)
        guild_id = guild_id_of(interaction)
        chosen = await self.bot.pack_for(guild_id, pack)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        return guild_id, chosen.id

    # --- /insights questions --------------------------------------------------------------------

    @app_commands.command(
        name="questions",
        description="Each question asked: answers, share right, discrimination, choices, flags.",
    )
    @app_commands.describe(
        pack="The content pack (default: the server's pack)", period=PERIOD_HELP,
        public=PUBLIC_HELP,
    )  # fmt: skip
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def questions(
        self,
        interaction: discord.Interaction[RoundtableBot],
        pack: str | None = None,
        period: Period = DEFAULT_PERIOD,
        public: bool = False,
    ) -> None:
        guild_id, pack_id = await self._start(interaction, pack, public)
        report = await self.bot.insights.questions(guild_id, pack_id, period)
        if not report.rows:
            await interaction.followup.send(
                f"No question of {mention_safe(report.pack.id)} was answered here in "
                f"{report.window.label}.",
                ephemeral=not public,
            )
            return
        page = questions_page(report, 0)
        view = page_view(PAGER, interaction.user.id, f"{PERIOD_CODES[period]}|{pack_id}", page)
        await interaction.followup.send(
            embeds=page.embeds,
            file=questions_csv(report),
            view=view or discord.utils.MISSING,
            ephemeral=not public,
        )

    async def render_page(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        await require_moderator(interaction, ACTION)
        code, _, pack_id = arg.partition("|")
        if code not in CODE_PERIODS or not pack_id:
            raise UserError("These pages are no longer valid: run `/insights questions` again.")
        report = await self.bot.insights.questions(
            guild_id_of(interaction), pack_id, CODE_PERIODS[code]
        )
        if not report.rows:
            return Page([], 0, 1, content="No answers in this period any more.")
        return questions_page(report, index)

    # --- /insights paragraphs -------------------------------------------------------------------

    @app_commands.command(
        name="paragraphs", description="The group's share right and FSRS mastery per paragraph."
    )
    @app_commands.describe(
        pack="The content pack (default: the server's pack)", period=PERIOD_HELP,
        public=PUBLIC_HELP,
    )  # fmt: skip
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def paragraphs(
        self,
        interaction: discord.Interaction[RoundtableBot],
        pack: str | None = None,
        period: Period = DEFAULT_PERIOD,
        public: bool = False,
    ) -> None:
        guild_id, pack_id = await self._start(interaction, pack, public)
        report = await self.bot.insights.paragraphs(guild_id, pack_id, period)
        if not report.total.answers and not report.mastery.cards:
            await interaction.followup.send(
                f"No question of {mention_safe(report.pack.id)} was answered here in "
                f"{report.window.label}.",
                ephemeral=not public,
            )
            return
        image = "insights-paragraphs.png"
        chart = await chart_or_none(self.bot.insights.paragraphs_chart(report))
        card = paragraphs_embed(report, image if chart else None)
        if chart is None:
            card.set_footer(text=NO_CHART)
        await interaction.followup.send(
            embed=card,
            files=[png_file(chart, image)] if chart else [],
            ephemeral=not public,
        )

    # --- /insights member -----------------------------------------------------------------------

    @app_commands.command(
        name="member",
        description="One member's accuracy per paragraph against the group's (private).",
    )
    @app_commands.describe(
        member="The member to look at", period=PERIOD_HELP,
        pack="The content pack (default: the server's pack)",
    )  # fmt: skip
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def member(
        self,
        interaction: discord.Interaction[RoundtableBot],
        member: discord.Member,
        period: Period = DEFAULT_PERIOD,
        pack: str | None = None,
    ) -> None:
        guild_id, pack_id = await self._start(interaction, pack, False)
        report = await self.bot.insights.member(guild_id, member.id, pack_id, period)
        name = truncate(discord.utils.escape_markdown(mention_safe(member.display_name)), 80)
        if not report.member.answers and not report.leeches:
            await send_ephemeral(
                interaction,
                f"{member.mention} answered no question of {mention_safe(report.pack.id)} in "
                f"{report.window.label}.",
            )
            return
        image = "insights-member.png"
        chart = None
        if report.paragraphs:
            chart = await chart_or_none(self.bot.insights.member_chart(report, name))
        card = member_embed(report, name, image if chart else None)
        if report.paragraphs and chart is None:
            card.set_footer(text=f"{card.footer.text} {NO_CHART}")
        await interaction.followup.send(
            embed=card, files=[png_file(chart, image)] if chart else [], ephemeral=True
        )

    # --- /insights debates ----------------------------------------------------------------------

    @app_commands.command(
        name="debates",
        description="Wins per position with a test of balance, who argued what, judges' scores.",
    )
    @app_commands.describe(period=PERIOD_HELP, public=PUBLIC_HELP)
    async def debates(
        self,
        interaction: discord.Interaction[RoundtableBot],
        period: Period = DEFAULT_PERIOD,
        public: bool = False,
    ) -> None:
        await require_moderator(interaction, ACTION)
        guild_id = guild_id_of(interaction)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        report = await self.bot.insights.debates(guild_id, period)
        if not report.balance.held:
            await interaction.followup.send(
                f"No debate closed here in {report.window.label}.", ephemeral=not public
            )
            return
        image = "insights-debates.png"
        chart = await chart_or_none(self.bot.insights.debates_chart(report))
        files = [png_file(chart, image)] if chart else []
        if not public and report.argued:
            files.append(debaters_csv(report))
        card = debates_embed(report, public=public, image=image if chart else None)
        if chart is None:
            card.set_footer(text=NO_CHART)
        await interaction.followup.send(embed=card, files=files, ephemeral=not public)

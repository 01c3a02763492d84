"""The Reading cog: /article, /summary, /glossary, /timeline and /positions.

Thin on purpose: each command resolves the pack (``bot.pack_for``), looks up what was asked
with ``bot.rules.reading``, renders with ``cogs.reading.render`` and answers. Paged answers use the
restart-proof page buttons of ``bot.adapter.ui`` (the pack id is in the button's ``custom_id``); the
article card's "Short summary" and "Positions" buttons are dynamic items for the same reason.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import CHOICE_NAME, truncate
from bot.content import Pack
from bot.errors import NotFound, UserError
from bot.rules.reading import (
    find_position,
    find_section,
    find_term,
    match_positions,
    match_sections,
    match_terms,
    section_label,
)
from cogs.reading import render
from cogs.reading.views import (
    GLOSSARY,
    PAGES,
    POSITIONS,
    SUMMARY,
    TIMELINE,
    PositionsButton,
    ShortSummaryButton,
    answer,
    article_view,
    indexed_arg,
    make_pager,
)

PACK_HELP = "The content pack (default: this server's pack)."

Length = Literal["tldr", "short", "detailed"]


# --- the cog ----------------------------------------------------------------------------------


def choice(name: str, value: str) -> app_commands.Choice[str]:
    """An autocomplete choice whose name fits Discord's 100 characters."""
    return app_commands.Choice(name=truncate(name, CHOICE_NAME), value=value)


class Reading(commands.Cog):
    """Read the article: its card, summaries, glossary, timeline and the debate positions."""

    help_area = "Reading"
    help_order = 10

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        for kind in PAGES:
            bot.register_pager(make_pager(kind))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ShortSummaryButton, PositionsButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ShortSummaryButton, PositionsButton)
        for kind in PAGES:
            self.bot.pagers.pop(kind, None)

    async def pack(self, interaction: discord.Interaction, requested: str | None) -> Pack:
        return await self.bot.pack_for(interaction.guild_id, requested or None)

    async def typed_pack(self, interaction: discord.Interaction) -> Pack:
        """The pack an autocomplete refers to: the ``pack`` option when valid, else the default."""
        try:
            return await self.pack(interaction, interaction.namespace.pack)
        except UserError:
            return await self.pack(interaction, None)

    # --- /article -----------------------------------------------------------------------------

    @app_commands.command(
        name="article", description="The article card: source, TL;DR and key takeaways."
    )
    @app_commands.describe(pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def article(self, interaction: discord.Interaction, pack: str | None = None) -> None:
        chosen = await self.pack(interaction, pack)
        view = article_view(chosen, with_quiz=self.bot.quiz.available)
        await interaction.response.send_message(embed=render.article_card(chosen), view=view)

    # --- /summary -----------------------------------------------------------------------------

    @app_commands.command(
        name="summary", description="Summarise the article: TL;DR, short or detailed."
    )
    @app_commands.describe(
        length="tldr, short (the default) or detailed (one part per page)",
        section="Jump to one part of the detailed summary",
        private="Only you see the answer",
        pack=PACK_HELP,
    )
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def summary(
        self,
        interaction: discord.Interaction,
        length: Length | None = None,
        section: str | None = None,
        private: bool = False,
        pack: str | None = None,
    ) -> None:
        chosen = await self.pack(interaction, pack)
        if section is not None and length in ("tldr", "short"):
            raise UserError(
                "`section` picks a part of the detailed summary: choose `length: detailed` "
                "or leave `length` out."
            )
        if length == "tldr":
            await interaction.response.send_message(
                embed=render.tldr_embed(chosen), ephemeral=private
            )
        elif length == "detailed" or section is not None:
            index = chosen.sections.index(find_section(chosen, section)) if section else 0
            pages = render.section_pages(chosen)
            await answer(
                interaction, pages, kind=SUMMARY, arg=chosen.id, index=index,
                ephemeral=private,
            )  # fmt: skip
        else:
            await interaction.response.send_message(
                embed=render.short_embed(chosen), ephemeral=private
            )

    @summary.autocomplete("section")
    async def section_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pack = await self.typed_pack(interaction)
        return [choice(section_label(s), s.ref) for s in match_sections(pack, current)]

    # --- /glossary ----------------------------------------------------------------------------

    @app_commands.command(name="glossary", description="Look up a term the article uses.")
    @app_commands.describe(term="Start typing: terms and their other names", pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def glossary(
        self, interaction: discord.Interaction, term: str, pack: str | None = None
    ) -> None:
        chosen = await self.pack(interaction, pack)
        if not chosen.glossary:
            raise NotFound(f"“{chosen.article.title}” has no glossary.")
        found = find_term(chosen, term)
        pages = render.glossary_pages(chosen, found)
        arg = indexed_arg(chosen, chosen.glossary.index(found))
        await answer(interaction, pages, kind=GLOSSARY, arg=arg)

    @glossary.autocomplete("term")
    async def term_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pack = await self.typed_pack(interaction)
        return [choice(m.label, m.term.id) for m in match_terms(pack.glossary, current)]

    # --- /timeline ----------------------------------------------------------------------------

    @app_commands.command(
        name="timeline", description="The dated events, marking background apart from the article."
    )
    @app_commands.describe(pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def timeline(self, interaction: discord.Interaction, pack: str | None = None) -> None:
        chosen = await self.pack(interaction, pack)
        if not chosen.timeline:
            raise NotFound(f"“{chosen.article.title}” has no timeline.")
        await answer(interaction, render.timeline_pages(chosen), kind=TIMELINE, arg=chosen.id)

    # --- /positions ---------------------------------------------------------------------------

    @app_commands.command(
        name="positions", description="The debate positions side by side, or one in full."
    )
    @app_commands.describe(position="One position to read in full", pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def positions(
        self,
        interaction: discord.Interaction,
        position: str | None = None,
        pack: str | None = None,
    ) -> None:
        chosen = await self.pack(interaction, pack)
        if not chosen.positions:
            raise NotFound(f"“{chosen.article.title}” has no debate positions.")
        if position is None:
            pages = render.positions_pages(chosen)
            await answer(interaction, pages, kind=POSITIONS, arg=chosen.id)
            return
        found = find_position(chosen, position)
        index = list(chosen.positions).index(found.id)
        pages = render.position_pages(chosen, found)
        await answer(interaction, pages, kind=POSITIONS, arg=indexed_arg(chosen, index))

    @positions.autocomplete("position")
    async def position_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pack = await self.typed_pack(interaction)
        return [choice(f"{p.id} — {p.name}", p.id) for p in match_positions(pack, current)]

"""The Reading cog: /article, /summary, /glossary, /timeline and /positions.

Thin on purpose: each command resolves the pack (``bot.pack_for``), looks up what was asked
with ``bot.rules.reading``, renders with ``cogs.reading.render`` and answers. /article and
/summary answer publicly (moderators post them for the group); /glossary, /positions and
/timeline answer the member privately with a Share button (``cogs.reading.views.Card``). Paged
answers use the restart-proof page buttons of ``bot.adapter.ui`` (the pack id is in the
button's ``custom_id``); every other button is a dynamic item for the same reason.
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
    DYNAMIC_ITEMS,
    OVERVIEW_CARD,
    PAGES,
    POSITION_CARD,
    SUMMARY,
    TERM_CARD,
    TIMELINE_CARD,
    Card,
    answer,
    article_view,
    make_pager,
    send_card,
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
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
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

    @app_commands.command(
        name="glossary",
        description="Look up a term the article uses (only you see it; Share posts it).",
    )
    @app_commands.describe(term="Start typing: terms and their other names", pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def glossary(
        self, interaction: discord.Interaction, term: str, pack: str | None = None
    ) -> None:
        chosen = await self.pack(interaction, pack)
        if not chosen.glossary:
            raise NotFound(f"“{chosen.article.title}” has no glossary.")
        found = find_term(chosen, term)
        await send_card(interaction, Card(TERM_CARD, chosen, chosen.glossary.index(found)))

    @glossary.autocomplete("term")
    async def term_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pack = await self.typed_pack(interaction)
        return [choice(m.label, m.term.id) for m in match_terms(pack.glossary, current)]

    # --- /timeline ----------------------------------------------------------------------------

    @app_commands.command(
        name="timeline",
        description="The dated events, background marked apart (only you see it; Share posts it).",
    )
    @app_commands.describe(pack=PACK_HELP)
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def timeline(self, interaction: discord.Interaction, pack: str | None = None) -> None:
        chosen = await self.pack(interaction, pack)
        if not chosen.timeline:
            raise NotFound(f"“{chosen.article.title}” has no timeline.")
        await send_card(interaction, Card(TIMELINE_CARD, chosen))

    # --- /positions ---------------------------------------------------------------------------

    @app_commands.command(
        name="positions",
        description="The debate positions side by side, or one in full (only you see them).",
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
            await send_card(interaction, Card(OVERVIEW_CARD, chosen))
            return
        found = find_position(chosen, position)
        index = list(chosen.positions).index(found.id)
        await send_card(interaction, Card(POSITION_CARD, chosen, index))

    @positions.autocomplete("position")
    async def position_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        pack = await self.typed_pack(interaction)
        return [choice(f"{p.id} — {p.name}", p.id) for p in match_positions(pack, current)]

"""Buttons and pages of the reading commands, all restart-proof.

"Short summary" and "Positions" under the article card are dynamic items whose ``custom_id``
holds the pack id; the "Practice quiz" button is answered by the quiz cog's own dynamic item.
Paged answers (/summary detailed, /timeline, /positions, /glossary) use ``bot.adapter.ui``
page buttons: each pager rebuilds its pages from the pack named in the button's arg.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapter.buttons import Field, PersistentButton
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import Page, Pager, clamp_page, page_view
from bot.content import Pack
from bot.errors import NotFound
from cogs.reading import render

PACK = Field(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Pager kinds (the second part of a page button's custom_id).
SUMMARY = "read-summary"
TIMELINE = "read-timeline"
POSITIONS = "read-positions"
GLOSSARY = "read-glossary"


async def pack_by_id(interaction: discord.Interaction, pack_id: str, command: str) -> Pack:
    """The pack ``pack_id`` as the interaction's server sees it (built-in or its own), or
    NotFound when it was removed since the message was sent."""
    bot: RoundtableBot = interaction.client  # type: ignore[assignment]
    pack = await bot.packs.get(pack_id, interaction.guild_id)
    if pack is None:
        raise NotFound(f"The pack “{pack_id}” is no longer loaded. Run `/{command}` again.")
    return pack


async def answer(
    interaction: discord.Interaction,
    pages: list[discord.Embed],
    *,
    kind: str,
    arg: str,
    index: int = 0,
    ephemeral: bool = False,
) -> None:
    """Send page ``index`` of ``pages``, with Previous/Next when there are several pages."""
    index = clamp_page(index, len(pages))
    page = Page([pages[index]], index, len(pages))
    view = page_view(kind, interaction.user.id, arg, page)
    await interaction.response.send_message(
        embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=ephemeral
    )


# --- the article card's buttons -------------------------------------------------------------


class ForeignButton(discord.ui.Button[Any]):
    """A button another cog answers through its own dynamic item; this view never dispatches it.

    A plain button with a ``custom_id`` would be stored with the message's view and, once that
    view stops, take the other cog's dynamic items out of the client's registry with it.
    """

    def is_dispatchable(self) -> bool:
        return False


class ShortSummaryButton(PersistentButton, key="read:short", fields={"pack": PACK}):
    """The "Short summary" button under the article card: the short summary, privately."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        pack = await pack_by_id(interaction, self.values["pack"], "summary")
        await interaction.response.send_message(embed=render.short_embed(pack), ephemeral=True)


class PositionsButton(PersistentButton, key="read:positions", fields={"pack": PACK}):
    """The "Positions" button under the article card: the positions side by side, privately."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        pack = await pack_by_id(interaction, self.values["pack"], "positions")
        if not pack.positions:
            raise NotFound(f"“{pack.article.title}” has no debate positions.")
        pages = render.positions_pages(pack)
        await answer(interaction, pages, kind=POSITIONS, arg=pack.id, ephemeral=True)


def article_view(pack: Pack, *, with_quiz: bool) -> discord.ui.View:
    """Short summary, Positions (when the pack has some), Practice quiz (when the quiz runs)."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        ShortSummaryButton(label="Short summary", style=discord.ButtonStyle.primary, pack=pack.id)
    )
    if pack.positions:
        view.add_item(PositionsButton(label="Positions", pack=pack.id))
    if with_quiz and pack.questions:
        view.add_item(
            ForeignButton(
                label="Practice quiz",
                style=discord.ButtonStyle.success,
                custom_id=f"quiz:practice-start:{pack.id}",
            )
        )
    return view


# --- pagers -----------------------------------------------------------------------------------


def indexed_arg(pack: Pack, index: int) -> str:
    """``pack-id:3``: a page arg naming one item of a pack (ids would not fit in 50 chars)."""
    return f"{pack.id}:{index}"


async def split_arg(
    interaction: discord.Interaction, arg: str, command: str
) -> tuple[Pack, int | None]:
    """The pack and item index of an :func:`indexed_arg` (index None when absent)."""
    pack_id, _, index = arg.partition(":")
    return await pack_by_id(interaction, pack_id, command), int(index) if index.isdigit() else None


async def _summary_pages(interaction: discord.Interaction, arg: str) -> list[discord.Embed]:
    return render.section_pages(await pack_by_id(interaction, arg, "summary"))


async def _timeline_pages(interaction: discord.Interaction, arg: str) -> list[discord.Embed]:
    return render.timeline_pages(await pack_by_id(interaction, arg, "timeline"))


async def _positions_pages(interaction: discord.Interaction, arg: str) -> list[discord.Embed]:
    pack, index = await split_arg(interaction, arg, "positions")
    positions = list(pack.positions.values())
    if index is None:
        return render.positions_pages(pack)
    if index >= len(positions):
        raise NotFound("That position is no longer in the pack. Run `/positions` again.")
    return render.position_pages(pack, positions[index])


async def _glossary_pages(interaction: discord.Interaction, arg: str) -> list[discord.Embed]:
    pack, index = await split_arg(interaction, arg, "glossary")
    if index is None or index >= len(pack.glossary):
        raise NotFound("That term is no longer in the glossary. Run `/glossary` again.")
    return render.glossary_pages(pack, pack.glossary[index])


PAGES: dict[
    str, tuple[str, Callable[[discord.Interaction, str], Awaitable[list[discord.Embed]]]]
] = {
    SUMMARY: ("summary", _summary_pages),
    TIMELINE: ("timeline", _timeline_pages),
    POSITIONS: ("positions", _positions_pages),
    GLOSSARY: ("glossary", _glossary_pages),
}


def make_pager(kind: str) -> Pager:
    """The pager that rebuilds the pages of ``kind`` when a page button is pressed."""
    command, build = PAGES[kind]

    async def render_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
        pages = await build(interaction, arg)
        index = clamp_page(index, len(pages))
        return Page([pages[index]], index, len(pages))

    return Pager(kind, render_page, command)

"""Buttons and pages of the reading commands, all restart-proof.

"Short summary" and "Positions" under the article card are dynamic items whose ``custom_id``
holds the pack id; the "Practice quiz" button is answered by the quiz cog's own dynamic item and
"Read the article" is a link. Paged answers (/summary detailed, /timeline, /positions,
/glossary) use ``bot.adapter.ui`` page buttons: each pager rebuilds its pages from the pack named
in the button's arg, and a member who turns someone else's pages gets a private copy.

/glossary, /positions and /timeline answer privately with a **Share** button (a :class:`Card`):
its ``custom_id`` names what the card is, the pack, the item's index and the page, so the same
card can be rebuilt and posted publicly "shared by" the member, and never carries member text.
Positions open with one button each (:class:`PositionButton`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import discord

from bot.adapter.buttons import INT, Field, PersistentButton
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import Page, Pager, clamp_page, page_view, send_ephemeral
from bot.content.model import ID_RE, Pack
from bot.errors import NotFound, UserError
from bot.services.ports import nonce
from cogs.reading import render

PACK = Field(ID_RE.pattern)
INDEX = Field(r"\d{1,4}", int)

# Pager kinds (the second part of a page button's custom_id).
SUMMARY = "read-summary"
TIMELINE = "read-timeline"
POSITIONS = "read-positions"
GLOSSARY = "read-glossary"

# What a shareable card shows (the ``what`` of a Share button's custom_id).
TERM_CARD: Final = "g"
POSITION_CARD: Final = "p"
OVERVIEW_CARD: Final = "o"
TIMELINE_CARD: Final = "t"

#: Nobody owns the page buttons of a shared card: everyone who turns them gets a private copy.
NO_OWNER: Final = 0
#: Position buttons fill the rows under the page and Share buttons (4 rows of 5).
POSITION_BUTTONS: Final = 20
SHARE_LABEL: Final = "Share"


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


# --- cards a member reads privately and may share ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    """A glossary term, one position, the positions side by side, or the timeline of a pack."""

    what: str
    pack: Pack
    index: int = 0

    @property
    def kind(self) -> str:
        """The pager that turns this card's pages."""
        return {
            TERM_CARD: GLOSSARY, TIMELINE_CARD: TIMELINE,
            POSITION_CARD: POSITIONS, OVERVIEW_CARD: POSITIONS,
        }[self.what]  # fmt: skip

    @property
    def arg(self) -> str:
        """The pager arg: the pack id, and the item's index for a term or one position."""
        if self.what in (TERM_CARD, POSITION_CARD):
            return indexed_arg(self.pack, self.index)
        return self.pack.id

    @property
    def label(self) -> str:
        """What the shared message says it is: "Glossary entry shared by @name"."""
        return {
            TERM_CARD: "Glossary entry", POSITION_CARD: "Debate position",
            OVERVIEW_CARD: "Debate positions", TIMELINE_CARD: "Timeline",
        }[self.what]  # fmt: skip

    def pages(self) -> list[discord.Embed]:
        if self.what == TERM_CARD:
            return render.glossary_pages(self.pack, self.pack.glossary[self.index])
        if self.what == POSITION_CARD:
            return render.position_pages(self.pack, list(self.pack.positions.values())[self.index])
        if self.what == OVERVIEW_CARD:
            return render.positions_pages(self.pack)
        return render.timeline_pages(self.pack)

    def items(
        self, pages: list[discord.Embed], index: int, *, share: bool = True, posted: int = 0
    ) -> list[discord.ui.Item[Any]]:
        """The buttons under page ``index``: one per position shown there, and Share."""
        items: list[discord.ui.Item[Any]] = []
        if share:
            items.append(
                ShareButton(
                    label=SHARE_LABEL, style=discord.ButtonStyle.primary, what=self.what,
                    pack=self.pack.id, index=self.index, page=index, posted=posted,
                )
            )  # fmt: skip
        if self.what == OVERVIEW_CARD:
            first = sum(len(page.fields) for page in pages[:index])
            shown = range(first, first + len(pages[index].fields))
            positions = list(self.pack.positions.values())
            for number, at in enumerate(shown[:POSITION_BUTTONS]):
                button = PositionButton(label=positions[at].name, pack=self.pack.id, index=at)
                button.row = 1 + number // 5
                items.append(button)
        return items

    def page(self, index: int, *, share: bool = True, posted: int = 0) -> Page:
        """Page ``index`` (clamped) with its buttons."""
        pages = self.pages()
        index = clamp_page(index, len(pages))
        items = self.items(pages, index, share=share, posted=posted)
        return Page([pages[index]], index, len(pages), extra_items=items)


async def card_of(interaction: discord.Interaction, what: str, pack_id: str, index: int) -> Card:
    """The card a button names, or NotFound when its item left the pack since it was sent."""
    if what == TERM_CARD:
        pack = await pack_by_id(interaction, pack_id, "glossary")
        if index >= len(pack.glossary):
            raise NotFound("That term is no longer in the glossary. Run `/glossary` again.")
    elif what == TIMELINE_CARD:
        pack = await pack_by_id(interaction, pack_id, "timeline")
        if not pack.timeline:
            raise NotFound(f"“{pack.article.title}” has no timeline any more.")
    else:
        pack = await pack_by_id(interaction, pack_id, "positions")
        if not pack.positions:
            raise NotFound(f"“{pack.article.title}” has no debate positions any more.")
        if what == POSITION_CARD and index >= len(pack.positions):
            raise NotFound("That position is no longer in the pack. Run `/positions` again.")
    return Card(what, pack, index)


async def send_card(interaction: discord.Interaction, card: Card, index: int = 0) -> None:
    """Answer with ``card`` privately: its page ``index``, page buttons and Share."""
    page = card.page(index)
    view = page_view(card.kind, interaction.user.id, card.arg, page)
    await interaction.response.send_message(
        embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=True
    )


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def jump_url(guild_id: int | None, channel_id: int | None, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


class ShareButton(
    PersistentButton,
    key="read:share",
    fields={"what": Field(r"[gpot]"), "pack": PACK, "index": INDEX, "page": INDEX, "posted": INT},
):
    """Post the private card publicly, "shared by" the member (no ping), once per card.

    ``posted`` is the shared message once there is one: a second click points to it instead of
    posting again. The post's nonce names the private message and page, so two clicks that race
    still make one message.
    """

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        values = self.values
        if values["posted"]:
            link = jump_url(interaction.guild_id, interaction.channel_id, values["posted"])
            await send_ephemeral(
                interaction, f"You already shared this card: {link}. Nothing was posted again."
            )
            return
        card = await card_of(interaction, values["what"], values["pack"], values["index"])
        public = card.page(values["page"], share=False)
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            raise UserError("Cards can only be shared in a channel.")
        await interaction.response.defer()
        source = interaction.message.id if interaction.message else interaction.id
        try:
            posted = await channel.send(
                f"{card.label} shared by {interaction.user.mention}",
                embeds=public.embeds,
                view=page_view(card.kind, NO_OWNER, card.arg, public) or discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=nonce("sh", _base36(source), public.index),
            )
        except (discord.Forbidden, discord.NotFound):
            raise UserError(
                "I cannot post in this channel, so the card stays private to you."
            ) from None
        mine = card.page(public.index, posted=posted.id)
        await interaction.edit_original_response(
            content=f"Shared in this channel: {posted.jump_url}",
            embeds=mine.embeds,
            view=page_view(card.kind, interaction.user.id, card.arg, mine),
        )


class PositionButton(
    PersistentButton, key="read:position", fields={"pack": PACK, "index": INDEX}
):  # fmt: skip
    """One position's name under the positions side by side: that position in full, privately."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        card = await card_of(interaction, POSITION_CARD, self.values["pack"], self.values["index"])
        await send_card(interaction, card)


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
        await send_card(interaction, Card(OVERVIEW_CARD, pack))


READ_LABEL: Final = "Read the article"


def article_view(pack: Pack, *, with_quiz: bool) -> discord.ui.View:
    """Read the article (when the pack has a url), Short summary, Positions (when the pack has
    some), Practice quiz (when the quiz runs)."""
    view = discord.ui.View(timeout=None)
    if pack.article.url:
        view.add_item(discord.ui.Button(label=READ_LABEL, url=pack.article.url))
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


DYNAMIC_ITEMS: Final = (ShortSummaryButton, PositionsButton, ShareButton, PositionButton)


# --- pagers -----------------------------------------------------------------------------------


def indexed_arg(pack: Pack, index: int) -> str:
    """``pack-id:3``: a page arg naming one item of a pack (ids would not fit in 50 chars)."""
    return f"{pack.id}:{index}"


def split_arg(arg: str) -> tuple[str, int | None]:
    """The pack id and item index of an :func:`indexed_arg` (index None when absent)."""
    pack_id, _, index = arg.partition(":")
    return pack_id, int(index) if index.isdigit() else None


async def _card_for(kind: str, interaction: discord.Interaction, arg: str) -> Card:
    pack_id, index = split_arg(arg)
    if kind == GLOSSARY:
        if index is None:
            raise NotFound("That term is no longer in the glossary. Run `/glossary` again.")
        return await card_of(interaction, TERM_CARD, pack_id, index)
    if kind == TIMELINE:
        return await card_of(interaction, TIMELINE_CARD, pack_id, 0)
    if index is None:
        return await card_of(interaction, OVERVIEW_CARD, pack_id, 0)
    return await card_of(interaction, POSITION_CARD, pack_id, index)


async def _summary_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    pages = render.section_pages(await pack_by_id(interaction, arg, "summary"))
    index = clamp_page(index, len(pages))
    return Page([pages[index]], index, len(pages))


PAGES: dict[str, str] = {
    SUMMARY: "summary",
    TIMELINE: "timeline",
    POSITIONS: "positions",
    GLOSSARY: "glossary",
}


def make_pager(kind: str) -> Pager:
    """The pager that rebuilds the pages of ``kind`` when a page button is pressed.

    Anyone but the member who asked gets a private copy at the page they turned to.
    """
    if kind == SUMMARY:
        return Pager(kind, _summary_page, PAGES[kind], private_copy=True)

    async def card_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
        return (await _card_for(kind, interaction, arg)).page(index)

    return Pager(kind, card_page, PAGES[kind], private_copy=True)

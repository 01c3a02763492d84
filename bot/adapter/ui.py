"""Discord UI shared by every cog: limits, text splitting, embeds, pages, confirmations.

Everything the bot sends goes through these helpers so it stays inside Discord's limits
(``DISCORD.md``): long text is split at sentence boundaries (then word boundaries), never cut
mid-word without a marker. Page buttons keep their state in the ``custom_id`` and are
registered as dynamic items, so pages still turn after a restart.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import discord

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

MESSAGE_LIMIT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
BUTTON_LABEL = 80
CUSTOM_ID = 100
CHOICE_NAME = 100
AUTOCOMPLETE_RESULTS = 25
THREAD_NAME = 100
MODAL_TITLE = 45
ECHO = 60  # how much of what a member typed an answer repeats back
ELLIPSIS = "…"

COLOUR = discord.Colour.from_rgb(52, 101, 164)
# Whitespace after a sentence's end, which may be followed by a closing quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’»)\]])\s+")

T = TypeVar("T")


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters.

    Chunks keep whole paragraphs and lines where they fit; a longer line is split at sentence
    ends, then at spaces. Line breaks are kept. Only a single word longer than ``limit`` is cut,
    with a marker.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current, separator = "", ""
    for piece, after in _pieces(text, limit):
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) > limit:
            chunks.append(current)
            candidate = piece
        current, separator = candidate, after
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, limit: int) -> list[tuple[str, str]]:
    """The units ``split_text`` packs, each with the separator that follows it in ``text``."""
    pieces: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in paragraph.strip().splitlines() if line.strip()]
        for index, line in enumerate(lines):
            units = _line_units(line, limit)
            pieces.extend((unit, " ") for unit in units[:-1])
            pieces.append((units[-1], "\n" if index < len(lines) - 1 else "\n\n"))
    return pieces


def _line_units(line: str, limit: int) -> list[str]:
    """``line`` whole, or its sentences, or (for a sentence too long) its words."""
    if len(line) <= limit:
        return [line]
    units: list[str] = []
    for sentence in _SENTENCE_END.split(line):
        if len(sentence) <= limit:
            units.append(sentence)
            continue
        for word in sentence.split():
            while len(word) > limit:
                units.append(word[: limit - 1] + ELLIPSIS)
                word = word[limit - 1 :]
            units.append(word)
    return units


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with a marker when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + ELLIPSIS


def embed(title: str, description: str | None = None, **kwargs: Any) -> discord.Embed:
    """An embed in the bot's colour with title and description kept inside the limits."""
    return discord.Embed(
        title=truncate(title, EMBED_TITLE),
        description=truncate(description, EMBED_DESCRIPTION) if description else None,
        colour=kwargs.pop("colour", COLOUR),
        **kwargs,
    )


def add_long_field(
    target: discord.Embed, name: str, text: str, *, inline: bool = False
) -> discord.Embed:
    """Add ``text`` as one field, or several ("name (cont.)") when it exceeds a field's limit."""
    for index, chunk in enumerate(split_text(text, FIELD_VALUE) or ["—"]):
        label = name if index == 0 else f"{name} (cont.)"
        target.add_field(name=truncate(label, FIELD_NAME), value=chunk, inline=inline)
    return target


def paginate_fields(
    title: str,
    fields: Sequence[tuple[str, str]],
    *,
    description: str | None = None,
    inline: bool = False,
) -> list[discord.Embed]:
    """Lay ``(name, text)`` fields out over as many embeds (pages) as the limits need."""
    pages: list[discord.Embed] = []
    current = embed(title, description)
    for name, text in fields:
        candidate = add_long_field(embed("x"), name, text)
        needed = sum(len(f.name or "") + len(f.value or "") for f in candidate.fields)
        if current.fields and (
            len(current) + needed > EMBED_TOTAL - 200
            or len(current.fields) + len(candidate.fields) > EMBED_FIELDS
        ):
            pages.append(current)
            current = embed(title, description)
        add_long_field(current, name, text, inline=inline)
    pages.append(current)
    if len(pages) > 1:
        for index, page in enumerate(pages, start=1):
            page.set_footer(text=f"Page {index} of {len(pages)}")
    return pages


def mention_safe(text: str) -> str:
    """Neutralise @everyone/@here so member text can never ping, whatever allowed_mentions is."""
    return text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")


# --- error routing for components ------------------------------------------------------------


def guarded(
    callback: Callable[..., Awaitable[T]],
) -> Callable[..., Awaitable[T | None]]:
    """Wrap a component callback ``(self, interaction, ...)`` so errors reach the bot's handler."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> T | None:
        try:
            return await callback(self, interaction, *args)
        except Exception as error:
            await interaction.client.handle_interaction_error(interaction, error)  # type: ignore[attr-defined]
            return None

    return wrapper


class BaseView(discord.ui.View):
    """A view whose errors go to the bot's one error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await interaction.client.handle_interaction_error(interaction, error)  # type: ignore[attr-defined]


class BaseModal(discord.ui.Modal):
    """A modal whose errors go to the bot's one error handler."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await interaction.client.handle_interaction_error(interaction, error)  # type: ignore[attr-defined]


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Answer privately, as the first response or as a follow-up when one was already sent."""
    content = truncate(content, MESSAGE_LIMIT)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


# --- pages that survive restarts ---------------------------------------------------------------


@dataclass(slots=True)
class Page:
    """One page of a paged answer; ``total`` is the number of pages."""

    embeds: list[discord.Embed]
    index: int
    total: int
    content: str | None = None
    extra_items: list[discord.ui.Item[Any]] = field(default_factory=list)


PageRenderer = Callable[[discord.Interaction, str, int], Awaitable[Page]]


@dataclass(frozen=True, slots=True)
class Pager:
    """A kind of paged answer: how to render a page, and which command to suggest to others."""

    kind: str
    render: PageRenderer
    command: str


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pg:(?P<kind>[a-z0-9-]{1,20}):(?P<owner>\d{1,20}):(?P<page>\d{1,4}):(?P<arg>.{0,50})",
):
    """Previous/Next; the custom_id holds the pager kind, the owner, the target page and an arg."""

    def __init__(
        self, kind: str, owner: int, page: int, arg: str, *, label: str, disabled: bool
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"pg:{kind}:{owner}:{page}:{arg}",
            )
        )
        self.kind, self.owner, self.page, self.arg = kind, owner, page, arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(
            match["kind"],
            int(match["owner"]),
            int(match["page"]),
            match["arg"],
            label=item.label or "",
            disabled=False,
        )

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        pager = interaction.client.pagers.get(self.kind)
        if pager is None:
            await send_ephemeral(interaction, "These pages are no longer available.")
            return
        if interaction.user.id != self.owner:
            await send_ephemeral(
                interaction,
                f"Only the member who asked can turn these pages. Run `/{pager.command}` "
                "to get your own copy.",
            )
            return
        page = await pager.render(interaction, self.arg, self.page)
        await interaction.response.edit_message(
            content=page.content,
            embeds=page.embeds,
            view=page_view(self.kind, self.owner, self.arg, page),
        )


def page_view(kind: str, owner: int, arg: str, page: Page) -> discord.ui.View | None:
    """Previous/Next buttons for ``page`` (plus its extra items); None for a single page."""
    if len(arg) > 50:
        raise ValueError("page arg must be at most 50 characters")
    if page.total <= 1 and not page.extra_items:
        return None
    view = discord.ui.View(timeout=None)
    if page.total > 1:
        first, last = page.index == 0, page.index >= page.total - 1
        view.add_item(
            PageButton(kind, owner, max(page.index - 1, 0), arg, label="Previous", disabled=first)
        )
        view.add_item(PageButton(kind, owner, page.index + 1, arg, label="Next", disabled=last))
    for item in page.extra_items:
        view.add_item(item)
    return view


def clamp_page(index: int, total: int) -> int:
    """``index`` within ``0 .. total - 1`` (0 when there are no pages)."""
    return max(0, min(index, max(total, 1) - 1))

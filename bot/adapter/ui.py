"""Discord UI shared by every cog: limits, text splitting, embeds, pages, confirmations.

Everything the bot sends goes through these helpers so it stays inside Discord's limits
(``DISCORD.md``): long text is split at sentence boundaries (then word boundaries), never cut
mid-word without a marker. Page buttons keep their state in the ``custom_id`` and are
registered as dynamic items, so pages still turn after a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.buttons import INT, Field, PersistentButton
from bot.text import (  # noqa: F401 - re-exported for the cogs
    AUTHOR_NAME,
    AUTOCOMPLETE_RESULTS,
    BUTTON_LABEL,
    CHOICE_NAME,
    CUSTOM_ID,
    ECHO,
    ELLIPSIS,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
    FOOTER_TEXT,
    MESSAGE_LIMIT,
    MODAL_TITLE,
    THREAD_NAME,
    mention_safe,
    split_text,
    truncate,
)

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

COLOUR = discord.Colour.from_rgb(52, 101, 164)


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
    """A kind of paged answer: how to render a page, and which command to suggest to others.

    With ``private_copy`` a member who turns someone else's pages gets their own private copy
    at the page they asked for; otherwise they are told to run ``command`` themselves.
    """

    kind: str
    render: PageRenderer
    command: str
    private_copy: bool = False


class PageButton(
    PersistentButton,
    key="pg",
    fields={
        "kind": Field(r"[a-z0-9-]{1,20}"),
        "owner": INT,
        "page": Field(r"\d{1,4}", int),
        "arg": Field(r".{0,50}"),
    },
):
    """Previous/Next; the custom_id holds the pager kind, the owner, the target page and an arg."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        kind, owner, arg = self.values["kind"], self.values["owner"], self.values["arg"]
        pager = interaction.client.pagers.get(kind)
        if pager is None:
            await send_ephemeral(interaction, "These pages are no longer available.")
            return
        if interaction.user.id != owner and pager.private_copy:
            page = await pager.render(interaction, arg, self.values["page"])
            view = page_view(kind, interaction.user.id, arg, page)
            await interaction.response.send_message(
                content=page.content,
                embeds=page.embeds,
                view=view or discord.utils.MISSING,
                ephemeral=True,
            )
            return
        if interaction.user.id != owner:
            await send_ephemeral(
                interaction,
                f"Only the member who asked can turn these pages. Run `/{pager.command}` "
                "to get your own copy.",
            )
            return
        page = await pager.render(interaction, arg, self.values["page"])
        await interaction.response.edit_message(
            content=page.content, embeds=page.embeds, view=page_view(kind, owner, arg, page)
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
        for label, target, disabled in (
            ("Previous", max(page.index - 1, 0), first),
            ("Next", page.index + 1, last),
        ):
            view.add_item(
                PageButton(
                    label=label, disabled=disabled, kind=kind, owner=owner, page=target, arg=arg
                )
            )
    for item in page.extra_items:
        view.add_item(item)
    return view


def clamp_page(index: int, total: int) -> int:
    """``index`` within ``0 .. total - 1`` (0 when there are no pages)."""
    return max(0, min(index, max(total, 1) - 1))

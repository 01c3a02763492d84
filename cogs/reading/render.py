"""Embeds for the reading commands, built from a pack and kept inside Discord's limits.

Every function returns whole pages (one embed each); long parts are laid out over several fields
or pages at line or sentence boundaries by ``bot.adapter.ui`` and ``bot.rules.reading.chunk_lines``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import discord

from bot.adapter.ui import (
    AUTHOR_NAME,
    EMBED_TITLE,
    FIELD_VALUE,
    FOOTER_TEXT,
    add_long_field,
    embed,
    paginate_fields,
    truncate,
)
from bot.content import GlossaryTerm, Pack, Position, Section
from bot.rules.reading import chunk_lines, section_name, timeline_line

#: Room kept free in a timeline page's description for the legend and the page footer.
TIMELINE_PAGE = 3000
TIMELINE_LEGEND = (
    "In date order. A paragraph mark such as `P3` means the article states the event there; "
    "*background* marks history the article takes for granted."
)


def long_date(date: dt.date) -> str:
    """``24 July 2018``."""
    return f"{date.day} {date:%B} {date.year}"


def line_fields(name: str, lines: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, text)`` fields holding ``lines`` whole: ``name``, then ``name (cont.)``."""
    chunks = chunk_lines(lines, FIELD_VALUE)
    return [(name if i == 0 else f"{name} (cont.)", chunk) for i, chunk in enumerate(chunks)]


def _add_fields(card: discord.Embed, fields: Iterable[tuple[str, str]]) -> None:
    for name, text in fields:
        add_long_field(card, name, text)


# --- /article ---------------------------------------------------------------------------------


def article_card(pack: Pack) -> discord.Embed:
    """Title, author, date, source, reading time, TL;DR and key takeaways."""
    a = pack.article
    card = embed(a.title, f"**TL;DR** — {pack.tldr}", url=a.url)
    card.add_field(name="Author", value=a.author, inline=True)
    card.add_field(name="Date", value=long_date(a.date), inline=True)
    card.add_field(name="Reading time", value=f"{a.reading_minutes} min", inline=True)
    card.add_field(name="Source", value=f"{a.publication} — {a.blog}", inline=False)
    takeaways = (f"**{i}.** {text}" for i, text in enumerate(pack.takeaways, start=1))
    _add_fields(card, line_fields("Key takeaways", takeaways))
    card.set_footer(text=f"{a.topic} · {a.region} · pack {pack.id}")
    return card


# --- /summary ---------------------------------------------------------------------------------


def tldr_embed(pack: Pack) -> discord.Embed:
    """The TL;DR, pointing to the longer summaries."""
    card = embed(f"TL;DR — {pack.article.title}", pack.tldr)
    card.set_footer(text="/summary length:short or length:detailed says more.")
    return card


def short_embed(pack: Pack) -> discord.Embed:
    """The short summary, pointing to the detailed one."""
    card = embed(f"Summary — {pack.article.title}", pack.short_summary)
    card.set_footer(text="/summary length:detailed goes through the article part by part.")
    return card


def section_pages(pack: Pack) -> list[discord.Embed]:
    """The detailed summary: one page per section, in the pack's order, each labelled by its
    paragraph ("P3 · The Sunshine years") and naming the part that comes next."""
    pages = []
    sections = pack.sections
    total = len(sections)
    author = truncate(f"{pack.article.title} · detailed summary", AUTHOR_NAME)
    for index, section in enumerate(sections):
        page = embed(part_label(section), section.summary)
        page.set_author(name=author)
        where = f"{section_name(section)} ({index + 1} of {total})"
        if index + 1 < total:
            footer = f"{where} · Next: {part_label(sections[index + 1])}"
        else:
            footer = f"{where} · the last part"
        page.set_footer(text=truncate(footer, FOOTER_TEXT))
        pages.append(page)
    return pages


def part_label(section: Section) -> str:
    """``P3 · The Sunshine years, 1998–2007``: a part of the summary named by its paragraph."""
    return truncate(f"{section_name(section)} · {section.title}", EMBED_TITLE)


# --- /glossary --------------------------------------------------------------------------------


def glossary_pages(pack: Pack, term: GlossaryTerm) -> list[discord.Embed]:
    """The definition, other names, the paragraphs it appears in and related terms."""
    fields: list[tuple[str, str]] = []
    if term.aliases:
        fields.append(("Also called", ", ".join(term.aliases)))
    where = []
    for ref in term.paragraphs:
        section = pack.section(ref)
        where.append(f"`{ref}` {section.title}" if section else f"`{ref}`")
    fields.extend(line_fields("Appears in", where))
    related = [t.term for rid in term.related if (t := pack.term(rid)) is not None]
    if related:
        fields.append(("Related terms", " · ".join(related)))
    pages = paginate_fields(term.term, fields, description=term.definition)
    if len(pages) == 1:
        pages[0].set_footer(text=f"Glossary of “{truncate(pack.article.title, 200)}”")
    return pages


# --- /timeline --------------------------------------------------------------------------------


def timeline_pages(pack: Pack) -> list[discord.Embed]:
    """The events in date order, each marked with its paragraph or as background."""
    title = f"Timeline — {pack.article.title}"
    chunks = chunk_lines((timeline_line(e) for e in pack.timeline), TIMELINE_PAGE)
    article = sum(1 for e in pack.timeline if e.from_article)
    counts = f"{article} from the article, {len(pack.timeline) - article} background"
    pages = []
    for index, chunk in enumerate(chunks, start=1):
        page = embed(title, f"{TIMELINE_LEGEND}\n\n{chunk}")
        footer = f"Page {index} of {len(chunks)} · {counts}" if len(chunks) > 1 else counts
        page.set_footer(text=footer)
        pages.append(page)
    return pages


# --- /positions -------------------------------------------------------------------------------


def positions_pages(pack: Pack) -> list[discord.Embed]:
    """Every position side by side: holders, stance, and how much there is to read."""
    fields = []
    for position in pack.positions.values():
        arguments = len(position.arguments)
        quotes = len(position.quotes)
        text = (
            f"*{position.holders}*\n\n{position.stance}\n\n"
            f"`{position.id}` · {arguments} argument{'s' * (arguments != 1)} · "
            f"{quotes} quote{'s' * (quotes != 1)}"
        )
        fields.append((position.name, text))
    count = len(fields)
    first = next(iter(pack.positions), "")
    description = (
        f"{count} position{'s' * (count != 1)} on “{pack.article.title}”. "
        f"Open one in full with its button below, or with `/positions position:{first}` "
        "(or another id)."
    )
    return paginate_fields("Positions", fields, description=description, inline=True)


def position_pages(pack: Pack, position: Position) -> list[discord.Embed]:
    """One position in full: holders, stance, every argument with its paragraphs, quotes."""
    fields = [
        (f"Argument {i} · {', '.join(arg.paragraphs)}", arg.text)
        for i, arg in enumerate(position.arguments, start=1)
    ]
    quotes = [f"“{q.quote}” — `{q.paragraph}`" for q in position.quotes]
    fields.extend(line_fields("Quotes from the article", quotes))
    description = f"*{position.holders}*\n\n**Stance.** {position.stance}"
    pages = paginate_fields(position.name, fields, description=description)
    if len(pages) == 1:
        pages[0].set_footer(text=f"Position {position.id} · {truncate(pack.article.title, 200)}")
    return pages

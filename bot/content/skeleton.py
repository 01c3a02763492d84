"""Pack skeletons: the three files with every field to fill in and one commented example per
table, for ``python -m bot new-pack`` (from a plain-text article) and ``/pack template``.

A skeleton never passes ``python -m bot check``: its text fields are empty, its date is not a
date and its quiz and debate files hold only comments, so a skeleton is never served by
mistake. A person makes it a pack by writing it.

From an article: paragraphs are separated by blank lines; a heading (one short line without a
closing full stop) is not a paragraph; the first paragraph becomes ``standfirst`` when it has at
most :data:`STANDFIRST_WORDS` words, the others ``P1``, ``P2``...

Pure: no Discord, no SQL, no clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from bot.content.model import DEBATE_FILE, PACK_FILE, QUIZ_FILE

#: The most words a first paragraph may have to count as the standfirst.
STANDFIRST_WORDS: Final = 50
#: The most words of a one-line block that reads as a heading.
HEADING_WORDS: Final = 12
#: Words per minute, for the reading time.
READING_SPEED: Final = 230
#: How many opening words of each paragraph a skeleton shows (fewer than any copied run the
#: repository allows), so the author knows which paragraph a section is.
OPENING_WORDS: Final = 6

_WORD = re.compile(r"\S+")
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’)\]]*$")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of the article: its ref, how many words it has, how it begins."""

    ref: str
    words: int
    opening: str


@dataclass(frozen=True, slots=True)
class Outline:
    """An article cut into paragraphs, with the headings that were left out."""

    paragraphs: tuple[Paragraph, ...]
    headings: tuple[str, ...]
    words: int

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / READING_SPEED))


def _is_heading(raw: str, block: str) -> bool:
    words = _WORD.findall(block)
    return (
        "\n" not in raw.strip() and len(words) <= HEADING_WORDS and not _ENDS_SENTENCE.search(block)
    )


def outline(text: str) -> Outline:
    """The paragraphs and headings of a plain-text article."""
    raws = [r for r in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if r.strip()]
    paragraphs: list[tuple[int, str]] = []
    headings: list[str] = []
    total = 0
    for raw in raws:
        block = " ".join(raw.split())
        words = _WORD.findall(block)
        total += len(words)
        if _is_heading(raw, block):
            headings.append(block)
        else:
            paragraphs.append((len(words), " ".join(words[:OPENING_WORDS])))
    out: list[Paragraph] = []
    number = 0
    for index, (count, opening) in enumerate(paragraphs):
        if index == 0 and count <= STANDFIRST_WORDS and len(paragraphs) > 1:
            out.append(Paragraph("standfirst", count, opening))
            continue
        number += 1
        out.append(Paragraph(f"P{number}", count, opening))
    return Outline(tuple(out), tuple(headings), total)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def skeleton(pack_id: str, article: str | None = None, source: str | None = None) -> dict[str, str]:
    """The three files of a pack skeleton, by name; ``article`` (plain text) gives the
    sections, ``source`` names where it came from in the header comment."""
    if article is not None:
        shape = outline(article)
        paragraphs, headings = shape.paragraphs, shape.headings
        minutes: str = str(shape.reading_minutes)
        minutes_note = f"estimated from {shape.words} words at {READING_SPEED} a minute; adjust"
    else:
        paragraphs = (
            Paragraph("standfirst", 0, ""),
            Paragraph("P1", 0, ""),
            Paragraph("P2", 0, ""),
        )
        headings = ()
        minutes, minutes_note = '""', "a whole number, e.g. 5 (about 230 words a minute)"
    return {
        PACK_FILE: _pack_toml(pack_id, paragraphs, headings, minutes, minutes_note, source),
        QUIZ_FILE: _QUIZ_TOML,
        DEBATE_FILE: _DEBATE_TOML,
    }


_HEAD = """\
# {pack_id}: a content pack skeleton{source}.
# Fill in every empty "" and list, replace the examples in the comments with your own, then
# run `python -m bot check` (or upload the folder as a .zip with /pack upload). Until every
# field is written the pack fails the check, so it is never served by mistake.
# The format, field by field: content/README.md (README.md in /pack template's zip).
# TOML: `key = "text"`, [table] headings, and [[list]] headings that start one more entry.
# Write in your own words: only a field named `quote` may copy the article (at most 12 words).
"""


def _pack_toml(
    pack_id: str,
    paragraphs: tuple[Paragraph, ...],
    headings: tuple[str, ...],
    minutes: str,
    minutes_note: str,
    source: str | None,
) -> str:
    lines = [_HEAD.format(pack_id=pack_id, source=f" from {source}" if source else "")]
    lines.append(
        """\
[article]
title = ""            # the article's headline (at most 256 characters)
author = ""           # who wrote it
publication = ""      # the site or paper, e.g. "The National Interest"
blog = ""             # the blog or column inside it
date = ""             # the publication date WITHOUT quotes, e.g. date = 2018-07-24
topic = ""            # the publication's topic label
region = ""           # the publication's region label"""
    )
    lines.append(f"reading_minutes = {minutes}   # {minutes_note}")
    lines.append('# url = "https://..."  # optional: a link to the article')
    if headings:
        lines.append("# Headings found in the article (not sections):")
        lines.extend(f"#   {_quoted(' '.join(h.split()[:OPENING_WORDS]))}" for h in headings)
    lines.append(
        """
[summary]
tldr = ""             # the whole article in one or two sentences (at most 280 characters)
short = \"\"\"
\"\"\"                   # a paragraph of 120-200 words
takeaways = [         # 5-7 key points, one line each
    "",
    "",
    "",
    "",
    "",
]

# One section per part of the article, in reading order. Their refs are the only paragraph
# names the rest of the pack may use."""
    )
    for paragraph in paragraphs:
        lines.append("")
        lines.append("[[sections]]")
        lines.append(f"ref = {_quoted(paragraph.ref)}")
        if paragraph.words:
            lines.append(
                f"# {paragraph.words} words, beginning {_quoted(paragraph.opening + ' …')}"
            )
        lines.append('title = ""            # a few words shown in menus (at most 80)')
        lines.append('summary = ""          # this part in your own words (at most 1,000)')
    lines.append(_GLOSSARY_AND_TIMELINE)
    return "\n".join(lines)


_GLOSSARY_AND_TIMELINE = """
# Glossary (optional): one [[glossary]] entry per term a reader may not know, e.g.
# [[glossary]]
# id = "upkeep"
# term = "Upkeep"
# aliases = ["maintenance"]
# definition = "The regular work of keeping something in good condition."
# paragraphs = ["P2"]
# related = []

# Timeline (optional): dated events; source = "article" (with its paragraph) or "background".
# [[timeline]]
# date = "2016-04"
# label = "April 2016"
# text = "A nursery is hired to plant and tend young oaks."
# source = "article"
# paragraph = "P2"
"""

_QUIZ_TOML = """\
# The quiz bank. Delete this file if the pack has no quiz; otherwise write [[questions]]
# entries like the examples below (without the leading "# "). The format: content/README.md.
#
# [[questions]]
# id = "p2-first-plan"          # stable: statistics refer to it
# paragraph = "P2"              # a ref of pack.toml's [[sections]]
# difficulty = "medium"         # "easy", "medium" or "hard"
# prompt = "Why did the first plan fail?"
# choices = [
#     "Nobody watered the shrubs",
#     "The shrubs cost too much",
#     "Shops removed the pots",
#     "The council cancelled it",
# ]
# answer = "A"                  # "A" to "D"
# explanation = "P2: the shrubs died within a year because nobody watered them."
# quote = "nobody watered them" # optional: at most 12 words, copied exactly
#
# [[questions]]
# id = "p2-oaks-tended"
# paragraph = "P2"
# difficulty = "easy"
# kind = "truefalse"            # a true/false question has no choices
# prompt = "The nursery was paid to tend the oaks for five years."
# answer = "True"               # "True" or "False"
# explanation = "P2: the second plan paid a nursery for five years of care."
"""

_DEBATE_TOML = """\
# The debate: positions and motions. Delete this file if the pack has no debate; otherwise
# write entries like the examples below (without the leading "# "). The format:
# content/README.md.
#
# [[positions]]
# id = "liberal"
# name = "Plant now"            # shown on buttons (at most 80)
# holders = "Parents and doctors"
# stance = "Plant trees on the main street and pay for their care."
#
# [[positions.arguments]]       # at least one per position
# text = "Shade protects children on hot days."
# paragraphs = ["P1"]
#
# [[positions.quotes]]          # optional
# quote = "nobody watered them"
# paragraph = "P2"
#
# [[positions.attacks]]         # optional: what another position will say, and an answer
# by = "conservative"
# attack = "Roots crack pavements."
# answer = "Pick trees with deep roots."
#
# [[motions]]
# id = "plant-now"
# text = "This house would plant trees on every main street"
# positions = ["liberal", "conservative"]
#
# [motions.framing]             # one line per listed position
# liberal = "Argue that shade and clean air are worth it."
# conservative = "Argue that shops bear the cost."
"""

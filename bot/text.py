"""Text that members see: Discord's length limits, splitting and cutting without breaking words.

Pure (no discord import), so services and rules can shape text too; :mod:`bot.adapter.ui`
builds embeds and pages on top of it.
"""

from __future__ import annotations

import re

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

# Whitespace after a sentence's end, which may be followed by a closing quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’»)\]])\s+")


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


def mention_safe(text: str) -> str:
    """Neutralise @everyone/@here so member text can never ping, whatever allowed_mentions is."""
    return text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")

"""Pure rules for the reading commands: finding terms, sections and positions, laying out lines.

Nothing here imports Discord or touches the store. Lookups take what a member typed (an id, a
name, an alias, a paragraph ref, or an autocomplete value) and either return the item or raise
:class:`~bot.errors.NotFound` with a sentence that says what exists instead.

Autocomplete ranking is the same everywhere: names that start with what was typed come first,
then names that merely contain it, each group in alphabetical order (or the pack's order where the
pack has one, as for sections).
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.content import GlossaryTerm, Pack, Position, Section, TimelineEvent
from bot.errors import NotFound
from bot.text import AUTOCOMPLETE_RESULTS, CHOICE_NAME, ECHO

__all__ = [
    "SUGGESTIONS",
    "TermMatch",
    "chunk_lines",
    "find_position",
    "find_section",
    "find_term",
    "fold",
    "match_positions",
    "match_sections",
    "match_terms",
    "quoted",
    "section_label",
    "section_name",
    "suggest_terms",
    "timeline_line",
]

#: How many close suggestions an unknown term gets.
SUGGESTIONS: Final = 3

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPLIT_REF = re.compile(r"(?P<ref>\S+?)(?:\s*[\u2014\u2013:·-]\s*.*)?$")


def fold(text: str) -> str:
    """``text`` for comparison: case-folded, dashes unified, whitespace collapsed."""
    return " ".join(_DASHES.sub("-", text).split()).casefold()


def quoted(text: str, limit: int = ECHO) -> str:
    """What a member typed, shortened and quoted for an answer (never cut mid-word)."""
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return f"“{text}”"


def _label(text: str) -> str:
    if len(text) <= CHOICE_NAME:
        return text
    cut = text[: CHOICE_NAME - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:—–-") + "…"


def _tier(names: Iterable[str], needle: str) -> tuple[int, str] | None:
    """(0, name) when a name starts with ``needle``, (1, name) when one contains it, else None."""
    best: tuple[int, str] | None = None
    for name in names:
        folded = fold(name)
        if folded.startswith(needle):
            return 0, name
        if best is None and needle in folded:
            best = (1, name)
    return best


# --- glossary ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermMatch:
    """A glossary term found for what was typed, and the name (term or alias) that matched."""

    term: GlossaryTerm
    name: str

    @property
    def label(self) -> str:
        """``"Term"``, or ``"Term (alias)"`` when an alias matched, at most 100 characters."""
        if self.name == self.term.term:
            return _label(self.term.term)
        return _label(f"{self.term.term} ({self.name})")


def match_terms(
    glossary: Sequence[GlossaryTerm], typed: str, limit: int = AUTOCOMPLETE_RESULTS
) -> list[TermMatch]:
    """Terms for autocomplete, best first.

    A term whose name or alias starts with ``typed`` comes before one whose name or alias only
    contains it; within each group terms are alphabetical. Nothing typed lists every term
    alphabetically. At most ``limit`` results.
    """
    needle = fold(typed)
    ranked: list[tuple[int, str, TermMatch]] = []
    for term in glossary:
        found = _tier(term.names, needle) if needle else (0, term.term)
        if found is not None:
            tier, name = found
            ranked.append((tier, fold(term.term), TermMatch(term, name)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [match for _, _, match in ranked[:limit]]


def find_term(pack: Pack, typed: str) -> GlossaryTerm:
    """The term whose id, name or alias is ``typed``; NotFound naming close suggestions."""
    needle = fold(typed)
    if not needle:
        raise NotFound("Type a term to look up: the option suggests the glossary's terms.")
    for term in pack.glossary:
        if term.id == needle or any(fold(name) == needle for name in term.names):
            return term
    suggestions = suggest_terms(pack.glossary, typed)
    message = f"There is no such term as {quoted(typed)} in the glossary of “{pack.article.title}”."
    if suggestions:
        names = [f"**{t.term}**" for t in suggestions]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        message += f" Did you mean {listed}?"
    else:
        message += " Start typing and pick a term from the list."
    raise NotFound(message)


def suggest_terms(
    glossary: Sequence[GlossaryTerm], typed: str, limit: int = SUGGESTIONS
) -> list[GlossaryTerm]:
    """Up to ``limit`` terms close to ``typed``: prefix and substring matches, then look-alikes."""
    needle = fold(typed)
    if not needle:
        return []
    found: list[GlossaryTerm] = [m.term for m in match_terms(glossary, typed)]
    by_name: dict[str, GlossaryTerm] = {}
    for term in glossary:
        for name in term.names:
            by_name.setdefault(fold(name), term)
    for name in difflib.get_close_matches(needle, list(by_name), n=len(by_name), cutoff=0.6):
        found.append(by_name[name])
    for typed_word in needle.split():
        if len(typed_word) >= 4:
            for word in difflib.get_close_matches(typed_word, _words(by_name), n=5, cutoff=0.75):
                found.extend(t for name, t in by_name.items() if word in name.split())
    return list(dict.fromkeys(found))[:limit]


def _words(names: Iterable[str]) -> list[str]:
    return sorted({word for name in names for word in name.split() if len(word) >= 4})


# --- sections ----------------------------------------------------------------------------------


def section_name(section: Section) -> str:
    """How a member sees a ref: ``Standfirst`` or ``P3``."""
    ref = section.ref
    return ref[:1].upper() + ref[1:] if ref.islower() else ref


def section_label(section: Section) -> str:
    """``"P3 — The Sunshine years, 1998–2007"``, at most 100 characters."""
    return _label(f"{section.ref} — {section.title}")


def match_sections(pack: Pack, typed: str, limit: int = AUTOCOMPLETE_RESULTS) -> list[Section]:
    """Sections whose ref or title starts with ``typed``, then those containing it; pack order."""
    needle = fold(typed)
    if not needle:
        return list(pack.sections[:limit])
    tiers = [
        (_tier((s.ref, s.title, section_label(s)), needle), i) for i, s in enumerate(pack.sections)
    ]
    ranked = sorted((found[0], i) for found, i in tiers if found is not None)
    return [pack.sections[i] for _, i in ranked[:limit]]


def find_section(pack: Pack, typed: str) -> Section:
    """The section named by ``typed``: a ref (``P3``, ``p3``, ``3``), a label or a title."""
    text = " ".join(typed.split())
    needle = fold(text)
    candidates = [needle]
    ref_part = _SPLIT_REF.match(text)
    if ref_part:
        candidates.append(fold(ref_part["ref"]))
    if needle.isdigit():
        candidates.append(f"p{needle}")
    for candidate in candidates:
        for section in pack.sections:
            if fold(section.ref) == candidate:
                return section
    for section in pack.sections:
        if fold(section.title) == needle or fold(section_label(section)) == needle:
            return section
    refs = ", ".join(s.ref for s in pack.sections)
    raise NotFound(
        f"There is no part {quoted(text)} in the summary of “{pack.article.title}”. "
        f"Its parts are {refs}."
    )


# --- positions ---------------------------------------------------------------------------------


def match_positions(pack: Pack, typed: str, limit: int = AUTOCOMPLETE_RESULTS) -> list[Position]:
    """Positions whose id or name starts with ``typed``, then those containing it; pack order."""
    needle = fold(typed)
    positions = list(pack.positions.values())
    if not needle:
        return positions[:limit]
    tiers = [(_tier((p.id, p.name), needle), i) for i, p in enumerate(positions)]
    ranked = sorted((found[0], i) for found, i in tiers if found is not None)
    return [positions[i] for _, i in ranked[:limit]]


def find_position(pack: Pack, typed: str) -> Position:
    """The position whose id or name is ``typed`` (case-insensitive)."""
    needle = fold(typed)
    for position in pack.positions.values():
        if needle in (position.id, fold(position.name)):
            return position
    if not pack.positions:
        raise NotFound(f"“{pack.article.title}” has no debate positions.")
    known = ", ".join(f"`{p}`" for p in pack.positions)
    raise NotFound(f"There is no position {quoted(typed)} in this pack. Pick one of {known}.")


# --- line layout -------------------------------------------------------------------------------


def timeline_line(event: TimelineEvent) -> str:
    """One event as a line: its date label, its source marker, then what happened."""
    marker = f"`{event.paragraph}`" if event.from_article else "*background*"
    return f"**{event.label}** · {marker} — {event.text}"


def chunk_lines(lines: Iterable[str], limit: int) -> list[str]:
    """Join ``lines`` with newlines into chunks of at most ``limit`` characters.

    Lines stay whole; only a line longer than ``limit`` is wrapped, at spaces.
    """
    chunks: list[str] = []
    current = ""
    for line in lines:
        pieces = (
            [line] if len(line) <= limit else textwrap.wrap(line, limit, break_on_hyphens=False)
        )
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > limit:
                chunks.append(current)
                candidate = piece
            current = candidate
    if current:
        chunks.append(current)
    return chunks

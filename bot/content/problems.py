"""A pack's problems as an author reads them: the file, the place, the line, and what to do.

:func:`~bot.content.parse.parse_pack` reports each problem as ``file: entry: field: what is
wrong``. :func:`explain` turns those lines into :class:`Problem` objects that also carry the
line of the entry (or of the field) in the file when it can be found, and a sentence saying
what to do about it, for ``/pack upload``'s list of problems.

Pure: no Discord, no SQL, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

README: Final = "content/README.md"

_LINE_ENTRY = re.compile(r"line (\d+)")
_INDEXED = re.compile(r"(?P<table>[a-z_]+)\[(?P<index>\d+)\]")
_NESTED = re.compile(r"(?P<owner>.+)\.(?P<table>arguments|quotes|attacks)\[(?P<index>\d+)\]")
_HEADER = re.compile(r"^\s*\[")
_TABLE_NAME = re.compile(r"^\s*\[\[\s*([A-Za-z_.]+)\s*\]\]")
_NAMED_TABLES = ("top level", "file", "pack", "article", "summary")

#: (pattern on "what is wrong", what to do); the first match wins. ``{field}`` and the
#: pattern's groups are filled in.
_FIXES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), fix)
    for pattern, fix in (
        (r"^not UTF-8", "Save the file as UTF-8 text and upload it again."),
        (r"^missing a line for", "Add a line for that position under [motions.framing]."),
        (r"^missing$", "Add `{field} = …` to this entry ({readme} says what it takes)."),
        (r"^unknown key", "Remove this key, or correct its spelling."),
        (r"characters, at most (\d+)", "Shorten it to at most {0} characters."),
        (r"^(\d+) words, at most (\d+)", "Cut it to at most {1} words."),
        (r"words, (\d+)–(\d+) expected", "Make it {0} to {1} words long."),
        (r"items, (.+) expected", "Give it {0} items."),
        (r"^must be a letter", 'Write the letter in quotes, e.g. answer = "B".'),
        (r"^must be text", "Write the value as text in double quotes."),
        (r"^must be a whole number", "Write a whole number, without quotes."),
        (r"^must be a list of text", 'Write a list of texts, e.g. ["P1", "P2"].'),
        (r"^must be a list of tables", "Write each entry under its own [[{field}]] heading."),
        (r"^must be a table", "Write it as a [{field}] table."),
        (r"^must not be empty", "Write the text in; it cannot be left blank."),
        (r"^must be on one line", "Put it on one line (no line breaks)."),
        (r"is not a valid id", "Use lowercase letters, digits and single hyphens."),
        (r"must be letters, digits", 'Use letters, digits, "-" or "_", e.g. "P3".'),
        (r"is not a section of this pack", "Use one of the section refs listed, or add that "
         "section to pack.toml's [[sections]]."),
        (r"is not the id of a glossary term", "Use the id of a [[glossary]] entry."),
        (r"is not a position of this pack", "Use the id of a [[positions]] entry of debate.toml."),
        (r"is this (term|position) itself", "Name another {0} here."),
        (r"^duplicate", "Give this entry a value of its own."),
        (r"(is listed|appears) twice", "Remove the repeat."),
        (r"is not one of", "Use one of the values listed."),
        (r"is outside", "Use a number inside that range."),
        (r"(must be|is not) a date", "Write the date as shown."),
        (r"^must start with", "Start it as shown."),
        (r"has no choices", "Remove `choices`: a true/false question's choices are True and "
         "False."),
        (r"only an event the article states", 'Remove `paragraph`, or set source = "article".'),
        (r"is not a valid pack id", "Rename the folder, or give an id with the `id` option."),
    )
)  # fmt: skip
_TABLES: Final = {
    "article": "Add the [article] table with the article's title, author, date and source.",
    "summary": "Add the [summary] table with tldr, short and takeaways.",
    "framing": "Add a [motions.framing] table with one line per position of the motion.",
    **{
        name: f"Write at least one [[{name}]] entry (see {README})."
        for name in ("sections", "arguments")
    },
    **{
        name: f"Write at least one [[{name}]] entry, or leave {file} out of the pack."
        for name, file in (
            ("questions", "quiz.toml"),
            ("positions", "debate.toml"),
            ("motions", "debate.toml"),
        )
    },
}
_SYNTAX_FIX: Final = (
    "Fix the TOML there: a missing quote, bracket or comma is the usual cause, and text on "
    'several lines needs triple quotes (""").'
)
_FILE_MISSING: Final = "Put pack.toml in the zip (or attach pack.toml itself)."


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a pack, placed: ``file``, ``place`` (the table and item id or index),
    ``field``, what is wrong, the line in the file when known, and what to do."""

    file: str
    place: str
    field: str
    what: str
    fix: str
    line: int | None = None
    #: The ``[[table]]`` heading of an entry named by its id or ref (None when ``place`` says it).
    table: str | None = None

    @property
    def where(self) -> str:
        """The place with its table: ``[[questions]] p2-first-plan``, ``timeline[3]``."""
        return f"[[{self.table}]] {self.place}" if self.table else self.place

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line and not self.place.startswith("line") else ""
        return f"{self.file}: {self.where}: {self.field}: {self.what}{where} — {self.fix}"


def explain(problems: Iterable[str], files: Mapping[str, str] | None = None) -> list[Problem]:
    """The problems ``parse_pack`` reported, placed in ``files`` (the pack's text by name)."""
    texts = {name: text.splitlines() for name, text in (files or {}).items()}
    return [_explain(line, texts) for line in problems]


def _explain(line: str, texts: Mapping[str, list[str]]) -> Problem:
    parts = line.split(": ", 3)
    if len(parts) < 4:
        return Problem("pack", "file", "file", line, f"See {README}.")
    file, place, field, what = parts
    lines = texts.get(file, [])
    if field == "syntax":
        found = _LINE_ENTRY.fullmatch(place)
        return Problem(file, place, field, what, _SYNTAX_FIX, int(found[1]) if found else None)
    if field == "file" and what == "missing":
        return Problem(file, place, field, what, _FILE_MISSING)
    line = locate(lines, place, field)
    return Problem(file, place, field, what, fix_for(field, what), line, table_of(lines, place))


def fix_for(field: str, what: str) -> str:
    """What to do about problem ``what`` of ``field``."""
    if what == "missing" and field in _TABLES:
        return _TABLES[field]
    for pattern, fix in _FIXES:
        found = pattern.search(what)
        if found:
            return fix.format(*found.groups(), field=field, readme=README)
    return f"See {README} for what `{field}` takes."


# --------------------------------------------------------------------------------------------
# Finding the line


def locate(lines: list[str], place: str, field: str) -> int | None:
    """The 1-based line of ``field`` in entry ``place`` of the file's ``lines``, else the
    entry's own line, else None."""
    span = _entry_span(lines, place)
    if span is None:
        return None
    start, end = span
    key = re.compile(rf"^\s*{re.escape(field.split('[')[0].split('.')[0])}\s*=")
    for number in range(start, end):
        if key.match(lines[number]):
            return number + 1
    return start + 1


def table_of(lines: list[str], place: str) -> str | None:
    """The ``[[table]]`` of an entry named by its id or ref, from the heading above it."""
    if _LINE_ENTRY.fullmatch(place) or "[" in place or place in _NAMED_TABLES:
        return None
    span = _entry_span(lines, place)
    found = _TABLE_NAME.match(lines[span[0]]) if span else None
    return found[1] if found else None


def _entry_span(lines: list[str], place: str) -> tuple[int, int] | None:
    """The 0-based (first, after-last) lines of the entry named ``place``."""
    if place in ("top level", "file", "pack"):
        return None
    if place in ("article", "summary"):
        return _span_from(lines, _find(lines, re.compile(rf"^\s*\[{place}\]"), 0))
    nested = _NESTED.fullmatch(place)
    if nested:
        owner = _entry_span(lines, nested["owner"])
        if owner is None:
            return None
        header = re.compile(rf"^\s*\[\[positions\.{nested['table']}\]\]")
        return _span_from(lines, _nth(lines, header, int(nested["index"]), owner[0]))
    indexed = _INDEXED.fullmatch(place)
    if indexed:
        header = re.compile(rf"^\s*\[\[{indexed['table']}\]\]")
        return _span_from(lines, _nth(lines, header, int(indexed["index"]), 0))
    named = re.compile(rf"""^\s*(id|ref)\s*=\s*["']{re.escape(place)}["']\s*(#.*)?$""")
    found = _find(lines, named, 0)
    if found is None:
        return None
    start = found
    while start > 0 and not _HEADER.match(lines[start]):
        start -= 1
    return _span_from(lines, start)


def _find(lines: list[str], pattern: re.Pattern[str], start: int) -> int | None:
    return next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)


def _nth(lines: list[str], pattern: re.Pattern[str], n: int, start: int) -> int | None:
    seen = 0
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            seen += 1
            if seen == n:
                return i
    return None


def _span_from(lines: list[str], start: int | None) -> tuple[int, int] | None:
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and not _HEADER.match(lines[end]):
        end += 1
    return start, end

"""Parsing and validating a pack's TOML files into :class:`~bot.content.model.Pack`.

Every problem is collected (never just the first) as ``file: entry: field: what is wrong``, and
:class:`~bot.content.model.ContentError` lists them all. ``parse_pack`` works on text, so a pack
can come from a folder or from an upload alike.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

from bot.content.model import (
    CHOICE_LABELS,
    DEBATE_FILE,
    DIFFICULTIES,
    ID_RE,
    KINDS,
    LIMITS,
    PACK_FILE,
    PACK_FILES,
    QUIZ_FILE,
    SOURCES,
    TRUE_FALSE,
    Argument,
    Article,
    Attack,
    ContentError,
    GlossaryTerm,
    Motion,
    Pack,
    Position,
    Question,
    Quote,
    Section,
    TimelineEvent,
    valid_pack_id,
)

_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_TOML_AT_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_MOTION_PREFIX: Final = "this house"

# The keys each kind of table may hold (anything else is reported as an unknown key).
_PACK_KEYS: Final = ("article", "summary", "sections", "glossary", "timeline")
_ARTICLE_KEYS: Final = (
    *("title", "author", "publication", "blog", "date"),
    *("topic", "region", "reading_minutes", "url", "text"),
)
_SUMMARY_KEYS: Final = ("tldr", "short", "takeaways")
_SECTION_KEYS: Final = ("ref", "title", "summary")
_TERM_KEYS: Final = ("id", "term", "definition", "paragraphs", "related", "aliases")
_EVENT_KEYS: Final = ("date", "label", "text", "source", "paragraph")
_QUESTION_KEYS: Final = (
    *("id", "paragraph", "difficulty", "kind", "prompt"),
    *("choices", "answer", "explanation", "quote"),
)
_POSITION_KEYS: Final = ("id", "name", "holders", "stance", "arguments", "quotes", "attacks")
_MOTION_KEYS: Final = ("id", "text", "positions", "framing")


# --------------------------------------------------------------------------------------------
# Reading TOML tables while collecting problems

_MISSING: Final = object()


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return type(value).__name__


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def _ref_list(refs: Iterable[str]) -> str:
    return ", ".join(refs)


class _Report:
    """Collects problems as ``file: entry: field: what``."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, file: str, entry: str, field: str, what: str) -> None:
        self.problems.append(f"{file}: {entry}: {field}: {what}")


class _Table:
    """One TOML table being read; every problem is reported under its file and entry."""

    def __init__(
        self,
        report: _Report,
        file: str,
        entry: str,
        data: dict[str, Any],
        allowed: Iterable[str],
    ) -> None:
        self.report = report
        self.file = file
        self.entry = entry
        self.data = data
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                self.problem(key, "unknown key" + _suggest(key, allowed))

    def problem(self, field: str, what: str) -> None:
        self.report.add(self.file, self.entry, field, what)

    def raw(self, key: str, *, required: bool = True) -> Any:
        if key not in self.data:
            if required:
                self.problem(key, "missing")
            return _MISSING
        return self.data[key]

    # -- scalars ---------------------------------------------------------------------------

    def check_text(self, field: str, value: Any, limit: int, *, one_line: bool) -> str | None:
        if not isinstance(value, str):
            self.problem(field, f"must be text, not {_kind_of(value)}")
            return None
        value = value.strip()
        if not value:
            self.problem(field, "must not be empty")
            return None
        if one_line and ("\n" in value or "\r" in value):
            self.problem(field, "must be on one line")
        if len(value) > limit:
            self.problem(field, f"{len(value)} characters, at most {limit}")
        return value

    def text(
        self, key: str, limit: int, *, required: bool = True, one_line: bool = True
    ) -> str | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None
        return self.check_text(key, value, limit, one_line=one_line)

    def identifier(self, key: str = "id") -> str | None:
        value = self.text(key, LIMITS["id"])
        if value is not None and not ID_RE.fullmatch(value):
            self.problem(
                key,
                f'"{value}" is not a valid id (lowercase letters, digits and single hyphens, '
                'e.g. "p3-sunshine-years")',
            )
        return value

    def choice(
        self, key: str, options: tuple[str, ...], *, default: str | None = None
    ) -> str | None:
        value = self.raw(key, required=default is None)
        if value is _MISSING:
            return default
        text = self.check_text(key, value, 100, one_line=True)
        if text is None:
            return None
        if text not in options:
            quoted = ", ".join(f'"{o}"' for o in options)
            self.problem(key, f'"{text}" is not one of {quoted}')
            return None
        return text

    def integer(self, key: str, low: int, high: int) -> int | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {_kind_of(value)}")
            return None
        if not low <= value <= high:
            self.problem(key, f"{value} is outside {low}–{high}")
            return None
        return value

    def ref(self, key: str, refs: tuple[str, ...] | None, *, required: bool = True) -> str | None:
        value = self.text(key, LIMITS["ref"], required=required)
        if value is None:
            return None
        self.check_ref(key, value, refs)
        return value

    def check_ref(self, field: str, value: str, refs: tuple[str, ...] | None) -> None:
        if refs is not None and value not in refs:
            self.problem(
                field,
                f'"{value}" is not a section of this pack ({_ref_list(refs)})'
                + _suggest(value, refs),
            )

    def quote(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, LIMITS["quote"], required=required)
        if value is not None and (n := _count_words(value)) > LIMITS["quote_words"]:
            self.problem(key, f"{n} words, at most {LIMITS['quote_words']}")
        return value

    # -- lists -----------------------------------------------------------------------------

    def text_list(
        self,
        key: str,
        limit: int,
        *,
        required: bool = True,
        low: int = 0,
        high: int | None = None,
        item: Callable[[int], str] | None = None,
    ) -> tuple[str, ...] | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None if required else ()
        if not isinstance(value, list):
            self.problem(key, f"must be a list of text, not {_kind_of(value)}")
            return None
        if len(value) < low or (high is not None and len(value) > high):
            wanted = (
                f"exactly {low}"
                if high == low
                else (f"{low}–{high}" if high is not None else f"at least {low}")
            )
            self.problem(key, f"{len(value)} items, {wanted} expected")
        out: list[str] = []
        for i, element in enumerate(value):
            name = item(i) if item else f"{key}[{i + 1}]"
            checked = self.check_text(name, element, limit, one_line=True)
            if checked is not None:
                out.append(checked)
        return tuple(out) if len(out) == len(value) else None

    def ref_list(
        self, key: str, refs: tuple[str, ...] | None, *, required: bool = True
    ) -> tuple[str, ...] | None:
        values = self.text_list(key, LIMITS["ref"], required=required, low=1 if required else 0)
        if values is None:
            return None
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.problem(key, f'"{value}" is listed twice')
            seen.add(value)
            self.check_ref(key, value, refs)
        return values

    def tables(self, key: str, *, required: bool = True) -> list[tuple[int, dict[str, Any]]]:
        """The tables of an array of tables (``[[key]]``), with their 1-based positions."""
        value = self.raw(key, required=required)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, f"must be a list of tables ([[{key}]]), not {_kind_of(value)}")
            return []
        if required and not value:
            self.problem(key, "must not be empty")
        return list(enumerate(value, start=1))

    def entries(
        self, key: str, allowed: Iterable[str], *, label: str | None = None, required: bool = True
    ) -> Iterator[tuple[int, _Table]]:
        """Each table of ``[[key]]`` with its 1-based position, read as an entry named by its
        ``label`` key (e.g. its id) when that is short text, else ``key[i]``. Lazily, so each
        entry's problems follow the one before's."""
        for i, data in self.tables(key, required=required):
            entry = _entry_label(data, label, key, i) if label else f"{key}[{i}]"
            yield i, _Table(self.report, self.file, entry, data, allowed)

    def table(self, key: str, *, required: bool = True) -> dict[str, Any] | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"must be a table ([{key}]), not {_kind_of(value)}")
            return None
        return value


def _entry_label(data: dict[str, Any], key: str, section: str, index: int) -> str:
    value = data.get(key)
    if isinstance(value, str) and value.strip() and "\n" not in value and len(value) <= 60:
        return value.strip()
    return f"{section}[{index}]"


def _check_duplicate(
    table: _Table, field: str, value: str | None, seen: dict[str, str], what: str, where: str
) -> None:
    """Report ``value`` when an earlier entry already used it (case-insensitive)."""
    if value is None:
        return
    key = value.casefold()
    if key in seen:
        table.problem(field, f'duplicate {what} "{value}", already used by {seen[key]}')
    else:
        seen[key] = where


# --------------------------------------------------------------------------------------------
# Parsing each file


def _parse_toml(
    name: str, raw: bytes | str | None, report: _Report, *, required: bool
) -> dict | None:
    """The TOML document in ``raw`` (None: the file is absent), or None after reporting why."""
    if raw is None:
        if required:
            report.add(name, "file", "file", "missing")
        return None
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.add(
                name, "file", "encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})"
            )
            return None
    else:
        text = raw
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_AT_RE.search(message)
        if where:
            message = _TOML_AT_RE.sub("", message)
            report.add(name, f"line {where[1]}", "syntax", f"{message} (column {where[2]})")
        else:
            report.add(name, "file", "syntax", message)
        return None


def _parse_article(top: _Table) -> Article | None:
    data = top.table("article")
    if data is None:
        return None
    t = _Table(top.report, top.file, "article", data, _ARTICLE_KEYS)
    fields = {
        name: t.text(name, LIMITS[name])
        for name in ("title", "author", "publication", "blog", "topic", "region")
    }
    date = _parse_date(t)
    minutes = t.integer("reading_minutes", 1, LIMITS["reading_minutes"])
    url = t.text("url", LIMITS["url"], required=False)
    if url is not None and not url.startswith(("https://", "http://")):
        t.problem("url", "must start with https:// or http://")
    text = t.text("text", LIMITS["article_text"], required=False, one_line=False)
    if any(v is None for v in fields.values()) or date is None or minutes is None:
        return None
    return Article(date=date, reading_minutes=minutes, url=url, text=text, **fields)  # type: ignore[arg-type]


def _parse_date(t: _Table) -> dt.date | None:
    value = t.raw("date")
    if value is _MISSING:
        return None
    if isinstance(value, dt.datetime):
        t.problem("date", "must be a date like 2018-07-24, without a time")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    t.problem("date", "must be a date like 2018-07-24")
    return None


def _parse_summary(top: _Table) -> tuple[str | None, str | None, tuple[str, ...] | None]:
    data = top.table("summary")
    if data is None:
        return None, None, None
    t = _Table(top.report, top.file, "summary", data, _SUMMARY_KEYS)
    tldr = t.text("tldr", LIMITS["tldr"])
    short = t.text("short", LIMITS["short"], one_line=False)
    if short is not None:
        words = _count_words(short)
        low, high = LIMITS["short_min_words"], LIMITS["short_max_words"]
        if not low <= words <= high:
            t.problem("short", f"{words} words, {low}–{high} expected")
    takeaways = t.text_list(
        "takeaways",
        LIMITS["takeaway"],
        low=LIMITS["takeaways_min"],
        high=LIMITS["takeaways_max"],
    )
    return tldr, short, takeaways


def _parse_sections(top: _Table) -> tuple[tuple[Section, ...], tuple[str, ...]]:
    sections: list[Section] = []
    seen: dict[str, str] = {}
    for _, t in top.entries("sections", _SECTION_KEYS, label="ref"):
        ref = t.text("ref", LIMITS["ref"])
        if ref is not None and not _REF_RE.fullmatch(ref):
            t.problem("ref", f'"{ref}" must be letters, digits, "-" or "_", e.g. "P3"')
            ref = None
        if ref is not None and ref in seen:
            t.problem("ref", f'duplicate section "{ref}"')
            ref = None
        elif ref is not None:
            seen[ref] = t.entry
        title = t.text("title", LIMITS["section_title"])
        summary = t.text("summary", LIMITS["section_summary"], one_line=False)
        if ref is not None and title is not None and summary is not None:
            sections.append(Section(ref, title, summary))
    return tuple(sections), tuple(seen)


def _parse_glossary(top: _Table, refs: tuple[str, ...] | None) -> tuple[GlossaryTerm, ...]:
    terms: list[tuple[_Table, GlossaryTerm | None]] = []
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for i, t in top.entries("glossary", _TERM_KEYS, label="id", required=False):
        term_id = t.identifier()
        _check_duplicate(t, "id", term_id, ids, "id", f"term {i}")
        term = t.text("term", LIMITS["term"])
        _check_duplicate(t, "term", term, names, "term name", f'term "{t.entry}"')
        aliases = t.text_list("aliases", LIMITS["alias"], required=False)
        for alias in aliases or ():
            _check_duplicate(t, "aliases", alias, names, "term name", f'term "{t.entry}"')
        definition = t.text("definition", LIMITS["definition"], one_line=False)
        paragraphs = t.ref_list("paragraphs", refs)
        related = t.text_list("related", LIMITS["id"], required=False)
        ok = None not in (term_id, term, aliases, definition, paragraphs, related)
        item = (
            GlossaryTerm(term_id, term, definition, paragraphs, related, aliases)  # type: ignore[arg-type]
            if ok
            else None
        )
        terms.append((t, item))
    known = set(ids)
    for t, item in terms:
        if item is None:
            continue
        for rel in item.related:
            if rel == item.id:
                t.problem("related", f'"{rel}" is this term itself')
            elif rel not in known:
                t.problem(
                    "related", f'"{rel}" is not the id of a glossary term' + _suggest(rel, known)
                )
    return tuple(item for _, item in terms if item is not None)


def _parse_date_text(t: _Table) -> str | None:
    value = t.raw("date")
    if value is _MISSING:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if not isinstance(value, str):
        t.problem(
            "date", f'must be text like "2018", "2018-06" or "2018-06-12", not {_kind_of(value)}'
        )
        return None
    value = value.strip()
    match = _DATE_RE.fullmatch(value)
    valid = match is not None
    if match:
        year, month, day = int(match[1]), match[2], match[3]
        try:
            dt.date(year, int(month or 1), int(day or 1))
        except ValueError:
            valid = False
    if not valid:
        t.problem("date", f'"{value}" is not a date like "2018", "2018-06" or "2018-06-12"')
        return None
    return value


def _parse_timeline(top: _Table, refs: tuple[str, ...] | None) -> tuple[TimelineEvent, ...]:
    events: list[TimelineEvent] = []
    for _, t in top.entries("timeline", _EVENT_KEYS, required=False):
        date = _parse_date_text(t)
        label = t.text("label", LIMITS["event_label"])
        text = t.text("text", LIMITS["event_text"], one_line=False)
        source = t.choice("source", SOURCES)
        paragraph = None
        if source == "article":
            paragraph = t.ref("paragraph", refs)
        elif source == "background" and "paragraph" in t.data:
            t.problem("paragraph", "only an event the article states names a paragraph")
        if None in (date, label, text, source) or (source == "article" and paragraph is None):
            continue
        events.append(TimelineEvent(date, label, text, source, paragraph))  # type: ignore[arg-type]
    events.sort(key=lambda e: e.date)
    return tuple(events)


def _parse_answer(t: _Table, kind: str, choices: tuple[str, ...] | None) -> int | None:
    value = t.raw("answer")
    if value is _MISSING:
        return None
    if kind == "truefalse":
        if isinstance(value, bool):
            return 0 if value else 1
        if isinstance(value, str) and value.strip().capitalize() in TRUE_FALSE:
            return TRUE_FALSE.index(value.strip().capitalize())
        shown = f'"{value}"' if isinstance(value, str) else _kind_of(value)
        t.problem("answer", f"{shown} is not one of the choices True/False")
        return None
    labels = CHOICE_LABELS[: len(choices)] if choices else CHOICE_LABELS
    span = f"{labels[0]}–{labels[-1]}"
    if not isinstance(value, str):
        t.problem("answer", f'must be a letter {span} in quotes, e.g. "B", not {_kind_of(value)}')
        return None
    letter = value.strip().upper()
    if letter not in labels:
        t.problem("answer", f'"{value}" is not one of the choices {span}')
        return None
    return labels.index(letter)


def _parse_questions(
    doc: dict[str, Any], report: _Report, refs: tuple[str, ...] | None
) -> tuple[Question, ...]:
    top = _Table(report, QUIZ_FILE, "top level", doc, ("questions",))
    questions: list[Question] = []
    ids: dict[str, str] = {}
    for i, t in top.entries("questions", _QUESTION_KEYS, label="id"):
        qid = t.identifier()
        _check_duplicate(t, "id", qid, ids, "id", f"question {i}")
        paragraph = t.ref("paragraph", refs)
        difficulty = t.choice("difficulty", DIFFICULTIES)
        kind = t.choice("kind", KINDS, default="choice")
        prompt = t.text("prompt", LIMITS["prompt"], one_line=False)
        choices: tuple[str, ...] | None = None
        if kind == "choice":
            choices = t.text_list(
                "choices",
                LIMITS["choice"],
                low=len(CHOICE_LABELS),
                high=len(CHOICE_LABELS),
                item=lambda n: f"choices[{CHOICE_LABELS[n] if n < 4 else n + 1}]",
            )
            seen: set[str] = set()
            for choice in choices or ():
                if choice.casefold() in seen:
                    t.problem("choices", f'"{choice}" appears twice')
                seen.add(choice.casefold())
        elif kind == "truefalse":
            choices = TRUE_FALSE
            if "choices" in t.data:
                t.problem(
                    "choices", "a true/false question has no choices (they are True and False)"
                )
        answer = _parse_answer(t, kind, choices) if kind else None
        explanation = t.text("explanation", LIMITS["explanation"], one_line=False)
        quote = t.quote("quote", required=False)
        values = (qid, paragraph, difficulty, kind, prompt, choices, answer, explanation)
        if None not in values:
            questions.append(Question(*values, quote))  # type: ignore[arg-type]
    return tuple(questions)


def _parse_position(
    t: _Table, refs: tuple[str, ...] | None
) -> tuple[Position | None, list[tuple[_Table, str]]]:
    """One position; also returns the attacks' ``by`` fields, checked once all ids are known."""
    pid = t.identifier()
    name = t.text("name", LIMITS["position_name"])
    holders = t.text("holders", LIMITS["holders"])
    stance = t.text("stance", LIMITS["stance"], one_line=False)
    arguments: list[Argument] = []
    broken = False
    for i, item in t.tables("arguments"):
        a = _Table(t.report, t.file, f"{t.entry}.arguments[{i}]", item, ("text", "paragraphs"))
        text = a.text("text", LIMITS["argument"], one_line=False)
        paragraphs = a.ref_list("paragraphs", refs)
        if text is None or paragraphs is None:
            broken = True
        else:
            arguments.append(Argument(text, paragraphs))
    quotes: list[Quote] = []
    for i, item in t.tables("quotes", required=False):
        q = _Table(t.report, t.file, f"{t.entry}.quotes[{i}]", item, ("quote", "paragraph"))
        quote = q.quote("quote")
        paragraph = q.ref("paragraph", refs)
        if quote is None or paragraph is None:
            broken = True
        else:
            quotes.append(Quote(quote, paragraph))
    attacks: list[Attack] = []
    bys: list[tuple[_Table, str]] = []
    for i, item in t.tables("attacks", required=False):
        a = _Table(t.report, t.file, f"{t.entry}.attacks[{i}]", item, ("by", "attack", "answer"))
        by = a.identifier("by")
        attack = a.text("attack", LIMITS["attack"], one_line=False)
        answer = a.text("answer", LIMITS["answer"], one_line=False)
        if by is not None:
            bys.append((a, by))
        if None in (by, attack, answer):
            broken = True
        else:
            attacks.append(Attack(by, attack, answer))  # type: ignore[arg-type]
    if broken or None in (pid, name, holders, stance) or not arguments:
        return None, bys
    position = Position(pid, name, holders, stance, tuple(arguments), tuple(quotes), tuple(attacks))
    return position, bys


def _parse_motion(t: _Table, known: tuple[str, ...]) -> Motion | None:
    mid = t.identifier()
    text = t.text("text", LIMITS["motion"])
    if text is not None and not text.casefold().startswith(_MOTION_PREFIX):
        t.problem("text", 'must start with "This house"')
    low, high = LIMITS["motion_positions_min"], LIMITS["motion_positions_max"]
    positions = t.text_list("positions", LIMITS["id"], low=low, high=high)
    if positions is not None:
        seen: set[str] = set()
        for p in positions:
            if p in seen:
                t.problem("positions", f'"{p}" is listed twice')
            elif p not in known:
                t.problem(
                    "positions",
                    f'"{p}" is not a position of this pack ({", ".join(known) or "none"})'
                    + _suggest(p, known),
                )
            seen.add(p)
    framing_data = t.table("framing")
    framing: dict[str, str] = {}
    if framing_data is not None:
        for key, value in framing_data.items():
            line = t.check_text(f"framing.{key}", value, LIMITS["framing"], one_line=True)
            if positions is not None and key not in positions:
                t.problem(f"framing.{key}", f'"{key}" is not one of this motion\'s positions')
            elif line is not None:
                framing[key] = line
        for p in positions or ():
            if p not in framing_data:
                t.problem("framing", f'missing a line for "{p}"')
    if None in (mid, text, positions, framing_data) or set(framing) != set(positions or ()):
        return None
    ordered = {p: framing[p] for p in positions}  # type: ignore[union-attr]
    return Motion(mid, text, positions, MappingProxyType(ordered))  # type: ignore[arg-type]


def _parse_debate(
    doc: dict[str, Any], report: _Report, refs: tuple[str, ...] | None
) -> tuple[Mapping[str, Position], tuple[Motion, ...]]:
    top = _Table(report, DEBATE_FILE, "top level", doc, ("positions", "motions"))
    positions: dict[str, Position] = {}
    ids: dict[str, str] = {}
    all_bys: list[tuple[str | None, _Table, str]] = []
    for i, t in top.entries("positions", _POSITION_KEYS, label="id"):
        pid = t.data.get("id") if isinstance(t.data.get("id"), str) else None
        _check_duplicate(t, "id", pid, ids, "id", f"position {i}")
        position, bys = _parse_position(t, refs)
        all_bys.extend((pid, a, by) for a, by in bys)
        if position is not None and position.id not in positions:
            positions[position.id] = position
    known = tuple(ids)
    for own, a, by in all_bys:
        if by == own:
            a.problem("by", f'"{by}" is this position itself')
        elif by not in known:
            a.problem(
                "by",
                f'"{by}" is not a position of this pack ({", ".join(known)})' + _suggest(by, known),
            )
    motions: list[Motion] = []
    motion_ids: dict[str, str] = {}
    texts: dict[str, str] = {}
    for i, t in top.entries("motions", _MOTION_KEYS, label="id"):
        motion = _parse_motion(t, known)
        mid = t.data.get("id") if isinstance(t.data.get("id"), str) else None
        _check_duplicate(t, "id", mid, motion_ids, "id", f"motion {i}")
        if motion is not None:
            _check_duplicate(t, "text", motion.text, texts, "motion text", f"motion {i}")
            motions.append(motion)
    return MappingProxyType(positions), tuple(motions)


def parse_pack(
    pack_id: str, files: Mapping[str, bytes | str], problems: Iterable[str] = ()
) -> Pack:
    """Build the pack ``pack_id`` from its files' contents (``pack.toml`` and optionally
    ``quiz.toml`` and ``debate.toml``, by name).

    ``problems`` are found before parsing (by whoever read the files) and reported with the
    rest. Raises :class:`ContentError` listing every problem found in all of the files.
    """
    report = _Report()
    if not valid_pack_id(pack_id):
        report.add(
            PACK_FILE,
            "pack",
            "id",
            f'folder name "{pack_id}" is not a valid pack id '
            f"(lowercase letters, digits and single hyphens, at most {LIMITS['id']} characters)",
        )
    report.problems.extend(problems)
    pack_doc = _parse_toml(PACK_FILE, files.get(PACK_FILE), report, required=True)
    refs: tuple[str, ...] | None = None
    article = tldr = short = takeaways = None
    sections: tuple[Section, ...] = ()
    glossary: tuple[GlossaryTerm, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()
    if pack_doc is not None:
        top = _Table(report, PACK_FILE, "top level", pack_doc, _PACK_KEYS)
        article = _parse_article(top)
        tldr, short, takeaways = _parse_summary(top)
        sections, refs = _parse_sections(top)
        glossary = _parse_glossary(top, refs)
        timeline = _parse_timeline(top, refs)

    questions: tuple[Question, ...] = ()
    quiz_doc = _parse_toml(QUIZ_FILE, files.get(QUIZ_FILE), report, required=False)
    if quiz_doc is not None:
        questions = _parse_questions(quiz_doc, report, refs)

    positions: Mapping[str, Position] = MappingProxyType({})
    motions: tuple[Motion, ...] = ()
    debate_doc = _parse_toml(DEBATE_FILE, files.get(DEBATE_FILE), report, required=False)
    if debate_doc is not None:
        positions, motions = _parse_debate(debate_doc, report, refs)

    if report.problems or None in (article, tldr, short, takeaways):
        raise ContentError(report.problems or (f"{PACK_FILE}: top level: file: unreadable",))
    return Pack(
        id=pack_id,
        article=article,
        tldr=tldr,
        short_summary=short,
        sections=sections,
        takeaways=takeaways,
        glossary=glossary,
        timeline=timeline,
        questions=questions,
        positions=positions,
        motions=motions,
    )


def unexpected_file(name: str) -> str:
    """The problem line for a file that is not one of the pack's three TOML files."""
    return (
        f"{name}: file: name: not a pack file (expected pack.toml, quiz.toml or debate.toml)"
        + _suggest(name, PACK_FILES)
    )

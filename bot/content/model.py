"""The content pack model: immutable objects for one article, and the limits of the format.

Pure: no Discord, no SQL, no clock. :mod:`bot.content.parse` builds these objects from TOML text;
:mod:`bot.content.load` finds packs on disk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

DEFAULT_PACK_ID: Final = "wedging-strategy"
PACK_FILE: Final = "pack.toml"
QUIZ_FILE: Final = "quiz.toml"
DEBATE_FILE: Final = "debate.toml"
PACK_FILES: Final = (PACK_FILE, QUIZ_FILE, DEBATE_FILE)

DIFFICULTIES: Final = ("easy", "medium", "hard")
KINDS: Final = ("choice", "truefalse")
SOURCES: Final = ("article", "background")
CHOICE_LABELS: Final = ("A", "B", "C", "D")
TRUE_FALSE: Final = ("True", "False")

#: Per-item limits, in characters unless the name says otherwise. They keep every text inside
#: what Discord can show (embed field value 1024, autocomplete/choice name 100, thread name 100,
#: button label 80, embed title 256) and are documented in content/README.md.
LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "id": 40,
        "ref": 20,
        "title": 256,
        "author": 256,
        "publication": 100,
        "blog": 100,
        "topic": 100,
        "region": 100,
        "url": 512,
        "article_text": 100_000,
        "reading_minutes": 240,
        "tldr": 280,
        "short_min_words": 120,
        "short_max_words": 200,
        "short": 2000,
        "section_title": 80,
        "section_summary": 1000,
        "takeaways_min": 5,
        "takeaways_max": 7,
        "takeaway": 300,
        "term": 100,
        "alias": 100,
        "definition": 1000,
        "event_label": 100,
        "event_text": 300,
        "prompt": 300,
        "choice": 150,
        "explanation": 400,
        "quote_words": 12,
        "quote": 200,
        "position_name": 80,
        "holders": 200,
        "stance": 300,
        "argument": 1000,
        "attack": 1000,
        "answer": 1000,
        "motion": 100,
        "motion_positions_min": 2,
        "motion_positions_max": 3,
        "framing": 300,
    }
)

#: A pack, question, term, position or motion id: lowercase letters, digits and single hyphens.
ID_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def valid_pack_id(pack_id: str) -> bool:
    """True for a pack id the format accepts (lowercase letters, digits, single hyphens, ≤ 40)."""
    return bool(ID_RE.fullmatch(pack_id)) and len(pack_id) <= LIMITS["id"]


# --------------------------------------------------------------------------------------------
# Errors and the immutable model


class ContentError(Exception):
    """Content that cannot be served; ``problems`` lists every problem, one per line in str()."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True, slots=True)
class Article:
    """Where the pack's article comes from."""

    title: str
    author: str
    publication: str
    blog: str
    date: dt.date
    topic: str
    region: str
    reading_minutes: int
    url: str | None = None
    #: The article itself, optional: only ``bot.content.lint`` reads it, to check quotes.
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the detailed summary: a paragraph reference such as ``P3``."""

    ref: str
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class Question:
    """A quiz question; ``answer`` is the index of the right choice."""

    id: str
    paragraph: str
    difficulty: str
    kind: str
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str
    quote: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """``("A", "B", "C", "D")`` for a choice question, ``("True", "False")`` otherwise."""
        return TRUE_FALSE if self.kind == "truefalse" else CHOICE_LABELS[: len(self.choices)]

    @property
    def answer_label(self) -> str:
        """The label of the right answer, e.g. ``"B"`` or ``"False"``."""
        return self.labels[self.answer]

    @property
    def answer_text(self) -> str:
        """The text of the right answer."""
        return self.choices[self.answer]


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    """A term the article leans on; ``related`` holds ids of other terms."""

    id: str
    term: str
    definition: str
    paragraphs: tuple[str, ...]
    related: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The term followed by its aliases."""
        return (self.term, *self.aliases)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A dated event; ``date`` is ISO (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and sorts."""

    date: str
    label: str
    text: str
    source: str
    paragraph: str | None = None

    @property
    def from_article(self) -> bool:
        """True when the article itself states this event."""
        return self.source == "article"


@dataclass(frozen=True, slots=True)
class Quote:
    """A short word-for-word quotation from the article."""

    quote: str
    paragraph: str


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a position and the paragraphs it rests on."""

    text: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Attack:
    """An attack the position will face from position ``by``, with a suggested answer."""

    by: str
    attack: str
    answer: str


@dataclass(frozen=True, slots=True)
class Position:
    """A side in a debate: its stance, arguments, quotes and the attacks it will face."""

    id: str
    name: str
    holders: str
    stance: str
    arguments: tuple[Argument, ...]
    quotes: tuple[Quote, ...] = ()
    attacks: tuple[Attack, ...] = ()

    def attacks_by(self, position_id: str) -> tuple[Attack, ...]:
        """The attacks that position ``position_id`` makes on this one."""
        return tuple(a for a in self.attacks if a.by == position_id)


@dataclass(frozen=True, slots=True)
class Motion:
    """A debate motion, the positions that argue it and one line of framing per position."""

    id: str
    text: str
    positions: tuple[str, ...]
    framing: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Pack:
    """Everything the bot says about one article."""

    id: str
    article: Article
    tldr: str
    short_summary: str
    sections: tuple[Section, ...]
    takeaways: tuple[str, ...]
    glossary: tuple[GlossaryTerm, ...]
    timeline: tuple[TimelineEvent, ...]
    questions: tuple[Question, ...]
    positions: Mapping[str, Position]
    motions: tuple[Motion, ...]
    _by_id: Mapping[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every click looks its round's question up: by id, not by a scan of the bank.
        object.__setattr__(self, "_by_id", MappingProxyType({q.id: q for q in self.questions}))

    @property
    def paragraph_refs(self) -> tuple[str, ...]:
        """The section refs in the pack's order, e.g. ``("standfirst", "P1", ..., "P7")``."""
        return tuple(s.ref for s in self.sections)

    def section(self, ref: str) -> Section | None:
        """The section ``ref`` (exact, then case-insensitive), or None."""
        for s in self.sections:
            if s.ref == ref:
                return s
        folded = ref.casefold()
        return next((s for s in self.sections if s.ref.casefold() == folded), None)

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    def term(self, id_or_name: str) -> GlossaryTerm | None:
        """A glossary term by id, name or alias, case-insensitive; None when unknown."""
        folded = " ".join(id_or_name.split()).casefold()
        for t in self.glossary:
            if t.id == folded:
                return t
        for t in self.glossary:
            if any(name.casefold() == folded for name in t.names):
                return t
        return None

    def motion(self, motion_id: str) -> Motion | None:
        """The motion with this id, or None."""
        return next((m for m in self.motions if m.id == motion_id), None)

    def position(self, position_id: str) -> Position | None:
        """The position with this id, or None."""
        return self.positions.get(position_id)


@dataclass(frozen=True, slots=True)
class Library:
    """Every valid pack found, by id, and the problems of the packs that were skipped."""

    packs: Mapping[str, Pack]
    problems: tuple[str, ...] = ()

    def get(self, pack_id: str) -> Pack | None:
        """The pack with this id, or None."""
        return self.packs.get(pack_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The pack ids, sorted."""
        return tuple(sorted(self.packs))

    @property
    def default_id(self) -> str:
        """``wedging-strategy`` when it is loaded, otherwise the first id."""
        if DEFAULT_PACK_ID in self.packs:
            return DEFAULT_PACK_ID
        return self.ids[0]

    @property
    def default(self) -> Pack:
        """The default pack."""
        return self.packs[self.default_id]

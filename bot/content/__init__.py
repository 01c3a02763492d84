"""Content packs: one folder of TOML files per article, validated into immutable objects.

A pack holds ``pack.toml`` (article metadata, summaries, sections, glossary, timeline) and
optionally ``quiz.toml`` (the quiz bank) and ``debate.toml`` (positions and motions);
``content/README.md`` documents every field. :mod:`~bot.content.model` is the model,
:mod:`~bot.content.parse` checks text into it, :mod:`~bot.content.load` finds packs on disk and
:mod:`~bot.content.lint` warns about item-writing flaws (answer cues) in a valid pack.
:mod:`~bot.content.archive` reads an uploaded ``.zip`` (or ``pack.toml``) in memory within its
limits and writes a pack back as a zip, :mod:`~bot.content.problems` places each problem in its
file with what to do, and :mod:`~bot.content.skeleton` writes pack skeletons.
Pure: no Discord, no SQL, no clock.
"""

from bot.content.lint import RULES, LintWarning, describe_cues, lint_pack
from bot.content.load import describe_pack, load_library, load_pack
from bot.content.model import (
    DEFAULT_PACK_ID,
    DIFFICULTIES,
    KINDS,
    LIMITS,
    PACK_FILES,
    Argument,
    Article,
    Attack,
    ContentError,
    GlossaryTerm,
    Library,
    Motion,
    Pack,
    Position,
    Question,
    Quote,
    Section,
    TimelineEvent,
)
from bot.content.parse import parse_pack

__all__ = [
    "DEFAULT_PACK_ID",
    "DIFFICULTIES",
    "KINDS",
    "LIMITS",
    "PACK_FILES",
    "RULES",
    "Argument",
    "Article",
    "Attack",
    "ContentError",
    "GlossaryTerm",
    "Library",
    "LintWarning",
    "Motion",
    "Pack",
    "Position",
    "Question",
    "Quote",
    "Section",
    "TimelineEvent",
    "describe_cues",
    "describe_pack",
    "lint_pack",
    "load_library",
    "load_pack",
    "parse_pack",
]

"""Finding packs on disk and describing them: ``load_pack``, ``load_library``, ``describe_pack``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from bot.content.model import (
    DIFFICULTIES,
    KINDS,
    PACK_FILE,
    PACK_FILES,
    ContentError,
    Library,
    Pack,
)
from bot.content.parse import parse_pack, unexpected_file

# --------------------------------------------------------------------------------------------
# Public entry points


def load_pack(folder: Path) -> Pack:
    """Load the pack in ``folder`` (its name is the pack id).

    Raises :class:`ContentError` listing every problem found in all of its files.
    """
    folder = Path(folder)
    problems: list[str] = []
    files: dict[str, bytes] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            if path.name not in PACK_FILES:
                problems.append(unexpected_file(path.name))
    for name in PACK_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            files[name] = path.read_bytes()
        except OSError as exc:
            problems.append(f"{name}: file: file: cannot be read ({exc.strerror})")
    return parse_pack(folder.name, files, problems)


def load_library(content_dir: Path) -> Library:
    """Load every sub-folder of ``content_dir`` that holds a ``pack.toml``.

    A broken pack is skipped and its problems are kept in ``Library.problems``, each prefixed with
    the pack's folder (``demo/quiz.toml: ...``). Raises :class:`ContentError` when no valid pack
    remains, or when there is none at all.
    """
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ContentError((f"{content_dir}: folder: content: not found",))
    packs: dict[str, Pack] = {}
    problems: list[str] = []
    folders = sorted(
        p
        for p in content_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / PACK_FILE).is_file()
    )
    for folder in folders:
        try:
            packs[folder.name] = load_pack(folder)
        except ContentError as exc:
            problems.extend(f"{folder.name}/{p}" for p in exc.problems)
    if not packs:
        if folders:
            problems.append(f"{content_dir}: folder: packs: no valid pack remains")
        else:
            problems.append(
                f"{content_dir}: folder: packs: no pack found (no sub-folder with a pack.toml)"
            )
        raise ContentError(problems)
    return Library(MappingProxyType(packs), tuple(problems))


def _counts(items: Iterable[str], order: Iterable[str]) -> str:
    values = list(items)
    keys = list(dict.fromkeys([*order, *values]))
    return ", ".join(f"{k} {values.count(k)}" for k in keys if values.count(k) or k in order)


def describe_pack(pack: Pack) -> str:
    """A few lines of counts for ``python -m bot check``."""
    a = pack.article
    refs = pack.paragraph_refs
    article_events = sum(1 for e in pack.timeline if e.from_article)
    lines = [
        f"{pack.id}: “{a.title}” by {a.author} ({a.publication}, {a.date.isoformat()})",
        f"  sections: {len(pack.sections)} ({', '.join(refs)})",
        f"  takeaways: {len(pack.takeaways)}",
        f"  questions: {len(pack.questions)}",
        f"    by paragraph: {_counts((q.paragraph for q in pack.questions), refs)}",
        f"    by difficulty: {_counts((q.difficulty for q in pack.questions), DIFFICULTIES)}",
        f"    by kind: {_counts((q.kind for q in pack.questions), KINDS)}",
        f"  glossary terms: {len(pack.glossary)}",
        f"  timeline events: {len(pack.timeline)} "
        f"(article {article_events}, background {len(pack.timeline) - article_events})",
        f"  positions: {len(pack.positions)} ({', '.join(pack.positions) or 'none'})",
        f"  motions: {len(pack.motions)}",
    ]
    return "\n".join(lines)

"""Write small, valid content packs for tests.

``write_pack(tmp_path)`` writes a pack called ``demo`` with four sections, five questions (multiple
choice and true/false), three glossary terms, three timeline events, the three positions
(``liberal``, ``conservative``, ``united-states``) and two motions, and returns its folder.

Every part can be replaced by a keyword argument named after it — ``article``, ``summary``,
``sections``, ``glossary``, ``timeline``, ``questions``, ``positions``, ``motions`` — and ``None``
leaves it out (no ``questions`` and no ``quiz.toml``; no ``positions`` and ``motions`` and no
``debate.toml``). ``raw={"quiz.toml": "text"}`` writes a file verbatim instead. To tweak one
item, start from ``parts()`` (fresh copies of the defaults) or from ``question()``::

    qs = parts()["questions"]
    qs[0]["answer"] = "E"
    write_pack(tmp_path, questions=qs)
    write_pack(tmp_path, "other", questions=[question(id="only-one", paragraph="P2")])
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["SHIPPED", "glossary_term", "parts", "question", "to_toml", "write_pack"]

SHIPPED = Path(__file__).resolve().parents[1] / "content" / "wedging-strategy"
"""The pack the bot ships with."""

_SHORT = (
    "The article follows a small town that argues about planting trees along its main street. "
    "Shop owners fear that roots will crack the pavement and that leaves will block the drains, "
    "while parents and doctors point to the shade on hot days and to cleaner air near the school. "
    "The council first tried a cheap plan with potted shrubs, which failed within a year because "
    "nobody watered them. A second plan paid a local nursery to plant and tend young oaks for five "
    "years, and it worked far better. The writer argues that the money mattered less than the "
    "promise of care: the town kept the trees because someone was clearly in charge of them. He "
    "ends by urging other towns to budget for maintenance before they buy a single sapling, and "
    "to ask residents early which streets need shade the most."
)

_DEFAULTS: dict[str, Any] = {
    "article": {
        "title": "Why Towns Plant Street Trees",
        "author": "A. Writer",
        "publication": "Demo Weekly",
        "blog": "Town Life",
        "date": dt.date(2020, 5, 4),
        "topic": "Cities",
        "region": "Europe",
        "reading_minutes": 4,
    },
    "summary": {
        "tldr": "A town learns that street trees survive only when someone is paid to tend them.",
        "short": _SHORT,
        "takeaways": [
            "Trees on a main street divide shop owners and parents.",
            "A cheap plan with potted shrubs failed for lack of watering.",
            "Paying a nursery to tend the trees made the second plan work.",
            "Care, not money alone, decided whether the trees survived.",
            "Towns should budget for upkeep before buying saplings.",
        ],
    },
    "sections": [
        {"ref": "standfirst", "title": "The question", "summary": "Do street trees pay off?"},
        {"ref": "P1", "title": "The quarrel", "summary": "Shops worry; parents want shade."},
        {"ref": "P2", "title": "Two plans", "summary": "Shrubs failed; tended oaks thrived."},
        {"ref": "P3", "title": "The lesson", "summary": "Budget for care before planting."},
    ],
    "glossary": [
        {
            "id": "upkeep",
            "term": "Upkeep",
            "definition": "The regular work of keeping something in good condition.",
            "paragraphs": ["P2", "P3"],
            "related": ["nursery"],
            "aliases": ["maintenance"],
        },
        {
            "id": "nursery",
            "term": "Nursery",
            "definition": "A business that grows young plants and trees for sale.",
            "paragraphs": ["P2"],
            "related": ["upkeep", "sapling"],
        },
        {
            "id": "sapling",
            "term": "Sapling",
            "definition": "A young tree.",
            "paragraphs": ["P3"],
        },
    ],
    "timeline": [
        {
            "date": "2015",
            "label": "2015",
            "text": "The council tries potted shrubs.",
            "source": "article",
            "paragraph": "P2",
        },
        {
            "date": "2016-04",
            "label": "April 2016",
            "text": "A nursery is hired to plant oaks.",
            "source": "article",
            "paragraph": "P2",
        },
        {
            "date": "1990-01-01",
            "label": "1 January 1990",
            "text": "A national tree programme starts.",
            "source": "background",
        },
    ],
    "questions": [
        {
            "id": "p1-who-objects",
            "paragraph": "P1",
            "difficulty": "easy",
            "prompt": "Who worries that roots will crack the pavement?",
            "choices": ["Shop owners", "Parents", "Doctors", "The nursery"],
            "answer": "A",
            "explanation": "P1: the shop owners raise the pavement and drain worries.",
        },
        {
            "id": "p2-first-plan",
            "paragraph": "P2",
            "difficulty": "medium",
            "prompt": "Why did the first plan fail?",
            "choices": [
                "Nobody watered the shrubs",
                "The shrubs cost too much",
                "Shops removed the pots",
                "The council cancelled it",
            ],
            "answer": "A",
            "explanation": "P2: the shrubs died within a year because nobody watered them.",
            "quote": "nobody watered them",
        },
        {
            "id": "p2-oaks-tended",
            "paragraph": "P2",
            "difficulty": "easy",
            "kind": "truefalse",
            "prompt": "The nursery was paid to tend the oaks for five years.",
            "answer": "True",
            "explanation": "P2: the second plan paid a nursery for five years of care.",
        },
        {
            "id": "p3-lesson",
            "paragraph": "P3",
            "difficulty": "hard",
            "prompt": "What does the writer say decided the outcome?",
            "choices": [
                "A clear promise of care",
                "The size of the budget",
                "The kind of tree",
                "The weather that year",
            ],
            "answer": "A",
            "explanation": "P3: the promise of care mattered more than the money.",
        },
        {
            "id": "standfirst-shrubs-worked",
            "paragraph": "standfirst",
            "difficulty": "medium",
            "kind": "truefalse",
            "prompt": "The potted shrubs were a lasting success.",
            "answer": "False",
            "explanation": "Standfirst and P2: the shrubs failed; the tended oaks lasted.",
        },
    ],
    "positions": [
        {
            "id": "liberal",
            "name": "Plant now",
            "holders": "Parents and doctors",
            "stance": "Plant trees on the main street and pay for their care.",
            "arguments": [
                {"text": "Shade protects children on hot days.", "paragraphs": ["P1"]},
                {"text": "Tended trees survived where shrubs died.", "paragraphs": ["P2"]},
            ],
            "quotes": [{"quote": "nobody watered them", "paragraph": "P2"}],
            "attacks": [
                {
                    "by": "conservative",
                    "attack": "Roots crack pavements.",
                    "answer": "Pick trees with deep roots.",
                },
                {
                    "by": "united-states",
                    "attack": "Care costs money.",
                    "answer": "Less than replanting.",
                },
            ],
        },
        {
            "id": "conservative",
            "name": "Protect the shops",
            "holders": "Shop owners",
            "stance": "Keep the street clear until upkeep is funded.",
            "arguments": [{"text": "Leaves block drains.", "paragraphs": ["P1"]}],
            "quotes": [{"quote": "roots will crack the pavement", "paragraph": "P1"}],
            "attacks": [
                {
                    "by": "liberal",
                    "attack": "Shops gain from shade too.",
                    "answer": "Not if drains flood.",
                },
                {
                    "by": "united-states",
                    "attack": "Delay costs years of growth.",
                    "answer": "Dead trees cost more.",
                },
            ],
        },
        {
            "id": "united-states",
            "name": "The council",
            "holders": "The town council",
            "stance": "Fund care first, then plant.",
            "arguments": [{"text": "The budget must cover five years.", "paragraphs": ["P3"]}],
            "quotes": [{"quote": "budget for maintenance", "paragraph": "P3"}],
            "attacks": [
                {
                    "by": "liberal",
                    "attack": "Planning delays shade.",
                    "answer": "A plan keeps trees alive.",
                },
                {
                    "by": "conservative",
                    "attack": "Any tree is a risk.",
                    "answer": "Care lowers the risk.",
                },
            ],
        },
    ],
    "motions": [
        {
            "id": "plant-now",
            "text": "This house would plant trees on every main street",
            "positions": ["liberal", "conservative", "united-states"],
            "framing": {
                "liberal": "Argue that shade and clean air are worth it.",
                "conservative": "Argue that shops bear the cost.",
                "united-states": "Argue that care must be funded first.",
            },
        },
        {
            "id": "shops-first",
            "text": "This house believes shops should decide",
            "positions": ["liberal", "conservative"],
            "framing": {
                "liberal": "Argue that the street belongs to everyone.",
                "conservative": "Argue that owners know the street best.",
            },
        },
    ],
}

_PARTS = ("article", "summary", "sections", "glossary", "timeline")
_QUIZ = ("questions",)
_DEBATE = ("positions", "motions")


def parts() -> dict[str, Any]:
    """Fresh, independent copies of every default part of the demo pack."""
    return copy.deepcopy(_DEFAULTS)


def question(**changes: Any) -> dict[str, Any]:
    """A valid multiple-choice question (on P1) with ``changes`` applied; ``None`` drops a key."""
    q = copy.deepcopy(_DEFAULTS["questions"][0])
    for key, value in changes.items():
        if value is None:
            q.pop(key, None)
        else:
            q[key] = value
    return q


def write_pack(root: Path, pack_id: str = "demo", **overrides: Any) -> Path:
    """Write a valid demo pack into ``root / pack_id``, apply ``overrides``, return the folder."""
    raw: Mapping[str, str] = overrides.pop("raw", {})
    unknown = set(overrides) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"write_pack() got unknown parts: {', '.join(sorted(unknown))}")
    data = parts()
    data.update(overrides)
    folder = Path(root) / pack_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, keys in (("pack.toml", _PARTS), ("quiz.toml", _QUIZ), ("debate.toml", _DEBATE)):
        doc = {k: data[k] for k in keys if data[k] is not None}
        path = folder / name
        if doc:
            path.write_text(to_toml(doc), encoding="utf-8")
        elif path.exists():
            path.unlink()
    for name, text in raw.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------------------------
# A small TOML writer: enough for packs (text, numbers, dates, lists, tables, arrays of tables).

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, Mapping) or _is_table_array(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        name = ".".join(_key(k) for k in (*path, key))
        items = [value] if isinstance(value, Mapping) else value
        for item in items:
            lines.append("")
            lines.append(f"[{name}]" if isinstance(value, Mapping) else f"[[{name}]]")
            _emit(lines, (*path, key), item)


def to_toml(data: Mapping[str, Any]) -> str:
    """``data`` as TOML text (tables after plain keys, lists of tables as ``[[name]]``)."""
    lines: list[str] = []
    _emit(lines, (), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def glossary_term(term_id: str, term: str, aliases: tuple[str, ...] = ()) -> dict[str, object]:
    """A glossary entry for ``write_pack(glossary=[...])``, with aliases when given."""
    entry: dict[str, object] = {
        "id": term_id,
        "term": term,
        "definition": f"What {term} means.",
        "paragraphs": ["P1"],
    }
    if aliases:
        entry["aliases"] = list(aliases)
    return entry

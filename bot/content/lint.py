"""Item-writing flaws a pack author can act on: ``lint_pack`` returns warnings, never errors.

A pack that parses is servable; these warnings say where a member could score without reading
the article (answer cues) or where an item is weaker than it should be. Each names the file, the
item (a question id, or ``liberal.quotes[2]``), the rule and what to do. ``python -m bot check``
prints them, and ``python -m bot check --strict`` fails on any. ``content/README.md`` documents
every rule with an example.

**The thresholds.** A cue is a regularity across the bank that a member can learn: "the choice
without an absolute word is right", "easy true/false is True", "hard questions are D", "the
longest choice is right". Where a rule counts something across many items, it asks how likely a
result at least as lopsided would be *by chance* (each of the four choices equally likely to be
the key, True and False equally likely, ...), with an exact binomial or multinomial test, and
warns when that chance is below :data:`ALPHA` (5%). A test runs only once there are enough items
for a lopsided result to mean something (the ``MIN_*`` constants); below that, chance explains
anything. Rules about a single item (all of the above, near-duplicate choices, a choice that
repeats the prompt, a fact tested twice, a quote) are plain checks.

Pure: no Discord, no SQL, no clock.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.content.model import (
    CHOICE_LABELS,
    DEBATE_FILE,
    DIFFICULTIES,
    LIMITS,
    QUIZ_FILE,
    TRUE_FALSE,
    Pack,
    Question,
)

#: Warn when a result at least this lopsided would happen by chance less often than this.
ALPHA: Final = 0.05
#: The fewest choice questions (in one difficulty, for key letters; in the pack, for key length)
#: before their distribution is tested.
MIN_CHOICE_ITEMS: Final = 8
#: The fewest true/false questions in one difficulty before their answers are tested.
MIN_TRUEFALSE_ITEMS: Final = 5
#: The fewest choices carrying an absolute word before keys and distractors are compared.
MIN_ABSOLUTE_CHOICES: Final = 8
#: Two choices (or two prompts) this similar (difflib ratio, 0 to 1) count as near-duplicates.
NEAR_DUPLICATE: Final = 0.9
#: A choice sharing this many words in a row with its prompt repeats the prompt's wording.
PROMPT_ECHO_WORDS: Final = 4

#: Words that make a statement sweeping. Test writers add them to wrong answers ("only since",
#: "at once", "for good") far more than to right ones, and test-wise members learn to skip them.
ABSOLUTE_WORDS: Final = (
    *("only", "all", "every", "everything", "everyone", "never", "always", "whole"),
    *("entirely", "at once", "for good", "any", "anything", "exactly", "certain"),
    *("certainly", "straight"),
)

# Rule names, as printed in each warning.
ABSOLUTE_CUE: Final = "absolute-words"
LENGTH_CUE: Final = "key-length"
TRUEFALSE_BALANCE: Final = "truefalse-balance"
LETTER_BALANCE: Final = "key-letters"
ALL_OF_THE_ABOVE: Final = "all-of-the-above"
NONE_OF_THE_ABOVE: Final = "none-of-the-above"
DUPLICATE_CHOICES: Final = "duplicate-choices"
CHOICE_REPEATS_PROMPT: Final = "choice-repeats-prompt"
SAME_FACT: Final = "same-fact-twice"
QUOTE_LENGTH: Final = "quote-length"
QUOTE_SOURCE: Final = "quote-source"
RULES: Final = (
    *(ABSOLUTE_CUE, LENGTH_CUE, TRUEFALSE_BALANCE, LETTER_BALANCE, ALL_OF_THE_ABOVE),
    *(NONE_OF_THE_ABOVE, DUPLICATE_CHOICES, CHOICE_REPEATS_PROMPT, SAME_FACT),
    *(QUOTE_LENGTH, QUOTE_SOURCE),
)

_ABSOLUTE_RE = re.compile(
    r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in ABSOLUTE_WORDS) + r")\b", re.IGNORECASE
)
_ABOVE_RE = re.compile(
    r"\b(all|none|both|neither)\s+of\s+(?:the\s+)?(?:above|these|those|the\s+others|others)\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
# A sentence ends at . ! or ? (perhaps followed by a closing quote or bracket) and a space,
# except after a single capital letter ("U.S.") or a common abbreviation ("Dr.").
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
_ABBREVIATION_RE = re.compile(r"(?:\b[A-Z]|\b(?:Dr|Mr|Mrs|Ms|St|Prof|Gen|Sen|Rep|No|vs|etc))\.$")
_PARAGRAPH_REF_RE = re.compile(
    r"\b(?:according to|says|in|does|read with)?\s*(?:P\d+|the standfirst)\b,?", re.I
)


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One flaw: ``file: item: rule: message``, with the line of the item when it is known."""

    file: str
    item: str
    rule: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.file}: {self.item}: {self.rule}: {self.message}{where}"


# --------------------------------------------------------------------------------------------
# Chance


def _arrangements(n: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to split ``n`` into ``parts`` counts, largest first (a partition, with zeros)."""

    def split(left: int, slots: int, cap: int) -> Iterator[tuple[int, ...]]:
        if slots == 1:
            if left <= cap:
                yield (left,)
            return
        for first in range(min(left, cap), -1, -1):
            if first * slots < left:
                break
            for rest in split(left - first, slots - 1, first):
                yield (first, *rest)

    yield from split(n, parts, n)


def _ways(counts: Sequence[int]) -> int:
    """How many sequences of answers give these counts: the multinomial coefficient."""
    ways, left = 1, sum(counts)
    for c in counts:
        ways *= math.comb(left, c)
        left -= c
    return ways


def chance_of_imbalance(counts: Sequence[int]) -> float:
    """The exact chance that answers spread evenly at random over ``len(counts)`` options come out
    at least as unlikely as ``counts`` (the exact multinomial goodness-of-fit test; with two
    options, the two-sided binomial test)."""
    n, k = sum(counts), len(counts)
    if n == 0 or k < 2:
        return 1.0
    observed = _ways(counts)
    total = 0
    for split in _arrangements(n, k):
        ways = _ways(split)
        if ways <= observed:
            orders = math.factorial(k)
            for size in (split.count(v) for v in set(split)):
                orders //= math.factorial(size)
            total += ways * orders
    return min(1.0, total / k**n)


def chance_of_at_least(hits: int, trials: int, p: float) -> float:
    """The chance of ``hits`` or more successes in ``trials`` tries of probability ``p``."""
    tail = range(hits, trials + 1)
    return min(1.0, sum(math.comb(trials, i) * p**i * (1 - p) ** (trials - i) for i in tail))


def chance_two_sided(hits: int, trials: int, p: float) -> float:
    """The exact two-sided binomial test: the chance of a count at most as likely as ``hits``."""
    probs = [math.comb(trials, i) * p**i * (1 - p) ** (trials - i) for i in range(trials + 1)]
    observed = probs[hits] * (1 + 1e-9)
    return min(1.0, sum(q for q in probs if q <= observed))


def _either(options: Sequence[str]) -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    return " or ".join(filter(None, (", ".join(options[:-1]), options[-1])))


def _percent(p: float) -> str:
    return "under 0.1%" if p < 0.001 else f"{p:.1%}"


# --------------------------------------------------------------------------------------------
# Text helpers


def words(text: str) -> list[str]:
    """Lowercase words, with curly quotes and dashes folded (as the copy checker counts them)."""
    return _WORD_RE.findall(text.translate(_FOLD).casefold())


def absolute_words(text: str) -> list[str]:
    """The absolute words in ``text``, lowercased, in order."""
    return [" ".join(m.group(0).casefold().split()) for m in _ABSOLUTE_RE.finditer(text)]


def _normal(text: str) -> str:
    return " ".join(w for w in words(text) if w not in ("a", "an", "the"))


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _normal(a), _normal(b), autojunk=False).ratio()


@dataclass(frozen=True, slots=True)
class _Prompt:
    """A prompt once normalised, with its letters counted, to compare many pairs quickly."""

    text: str
    letters: Counter[str]

    @classmethod
    def of(cls, prompt: str) -> _Prompt:
        text = _normal(_PARAGRAPH_REF_RE.sub(" ", prompt))
        return cls(text, Counter(text))

    def near(self, other: _Prompt) -> bool:
        """``_similar(...) >= NEAR_DUPLICATE``, skipping the full comparison when the lengths
        or the letters alone (upper bounds of the ratio) already rule it out."""
        total = len(self.text) + len(other.text)
        if total and 2 * min(len(self.text), len(other.text)) / total < NEAR_DUPLICATE:
            return False
        if total and 2 * sum((self.letters & other.letters).values()) / total < NEAR_DUPLICATE:
            return False
        matcher = difflib.SequenceMatcher(None, self.text, other.text, autojunk=False)
        return matcher.ratio() >= NEAR_DUPLICATE


def _shared_run(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of the longest run of words that ``a`` and ``b`` share."""
    match = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(
        0, len(a), 0, len(b)
    )
    return match.size


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    if not needle:
        return False
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences: a blank line ends one too (a heading, a caption), while
    "U.S." and "Dr." do not."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        start = 0
        for m in _SENTENCE_END_RE.finditer(paragraph):
            piece = paragraph[start : m.start()].rstrip("\"'”’)]")
            if _ABBREVIATION_RE.search(piece):
                continue
            out.append(paragraph[start : m.start()])
            start = m.end()
        out.append(paragraph[start:])
    return [s for s in (" ".join(p.split()) for p in out) if s]


# --------------------------------------------------------------------------------------------
# The rules


class _Found:
    """Collects warnings, finding the line of each item in the raw files when given."""

    def __init__(self, files: Mapping[str, bytes | str] | None) -> None:
        self.warnings: list[LintWarning] = []
        self.texts: dict[str, list[str]] = {}
        for name, raw in (files or {}).items():
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            self.texts[name] = text.splitlines()

    def line_of(self, file: str, needle: str | None) -> int | None:
        if not needle:
            return None
        for number, line in enumerate(self.texts.get(file, ()), start=1):
            if needle in line:
                return number
        return None

    def add(self, file: str, item: str, rule: str, message: str, needle: str | None = None) -> None:
        self.warnings.append(LintWarning(file, item, rule, message, self.line_of(file, needle)))

    def question(self, q: Question, rule: str, message: str) -> None:
        self.add(QUIZ_FILE, q.id, rule, message, f'"{q.id}"')


def _choice_questions(pack: Pack) -> list[Question]:
    return [q for q in pack.questions if q.kind == "choice"]


def _carrying_absolute(questions: Sequence[Question]) -> tuple[list[Question], int]:
    """The questions whose key carries an absolute word, and how many distractors carry one."""
    keys = [q for q in questions if absolute_words(q.answer_text)]
    distractors = sum(
        1 for q in questions for i, c in enumerate(q.choices) if i != q.answer and absolute_words(c)
    )
    return keys, distractors


def _key_is(q: Question, pick: Callable[[list[int]], int]) -> bool:
    """True when the key alone is the longest (``pick=max``) or shortest (``min``) choice."""
    lengths = [len(c) for c in q.choices]
    extreme = pick(lengths)
    return lengths[q.answer] == extreme and lengths.count(extreme) == 1


def _answer_counts(items: Iterable[Question], labels: Sequence[str]) -> list[int]:
    """How many of ``items`` have each of ``labels`` as their answer."""
    items = list(items)
    return [sum(q.answer_label == label for q in items) for label in labels]


def _lopsided_levels(
    questions: Sequence[Question], labels: Sequence[str], minimum: int
) -> Iterator[tuple[str, list[Question], list[int], float]]:
    """(level, its questions, answers per label, chance) for each difficulty with at least
    ``minimum`` of ``questions`` whose answers are spread too unevenly over ``labels``."""
    for level in DIFFICULTIES:
        items = [q for q in questions if q.difficulty == level]
        if len(items) < minimum:
            continue
        counts = _answer_counts(items, labels)
        p = chance_of_imbalance(counts)
        if p < ALPHA:
            yield level, items, counts, p


def _absolute_cue(pack: Pack, found: _Found) -> None:
    """Keys and distractors should carry absolute words about equally often (1 in 4 of the
    choices that carry one should be keys), and no item should single out its key that way."""
    questions = _choice_questions(pack)
    keys, distractors = _carrying_absolute(questions)
    carrying = len(keys) + distractors
    flagged: set[str] = set()
    if carrying >= MIN_ABSOLUTE_CHOICES:
        p = chance_two_sided(len(keys), carrying, 1 / len(CHOICE_LABELS))
        if p < ALPHA:
            total_keys, total_distractors = len(questions), 3 * len(questions)
            summary = (
                f"{len(keys)} of {total_keys} keys but {distractors} of {total_distractors} "
                f"distractors carry an absolute word such as only, all, never or at once "
                f"(by chance: {_percent(p)})"
            )
            distractor_heavy = len(keys) / carrying < 1 / len(CHOICE_LABELS)
            for q in questions:
                key_has = bool(absolute_words(q.answer_text))
                others = [
                    w for i, c in enumerate(q.choices) if i != q.answer for w in absolute_words(c)
                ]
                if distractor_heavy and others and not key_has:
                    found.question(
                        q,
                        ABSOLUTE_CUE,
                        f"{summary}; here the distractors say "
                        f"{', '.join(repr(w) for w in others)} and the key does not. Reword the "
                        "distractors without them (or use one in a key the article supports).",
                    )
                    flagged.add(q.id)
                elif not distractor_heavy and key_has:
                    found.question(
                        q,
                        ABSOLUTE_CUE,
                        f"{summary}; here the key says "
                        f"{', '.join(repr(w) for w in absolute_words(q.answer_text))}. Reword the "
                        "key without it, or give some distractors one too.",
                    )
                    flagged.add(q.id)
    for q in questions:
        if q.id in flagged or absolute_words(q.answer_text):
            continue
        if all(absolute_words(c) for i, c in enumerate(q.choices) if i != q.answer):
            found.question(
                q,
                ABSOLUTE_CUE,
                "every distractor carries an absolute word and the key none, so the key is the "
                "odd one out. Reword the distractors without them.",
            )


def _length_cue(pack: Pack, found: _Found) -> None:
    """The key should be the longest (or the shortest) choice about 1 time in 4, not more."""
    questions = _choice_questions(pack)
    if len(questions) < MIN_CHOICE_ITEMS:
        return
    for label, pick in (("longest", max), ("shortest", min)):
        hits = [q for q in questions if _key_is(q, pick)]
        p = chance_of_at_least(len(hits), len(questions), 1 / len(CHOICE_LABELS))
        if p >= ALPHA:
            continue
        for q in hits:
            found.question(
                q,
                LENGTH_CUE,
                f"the key is the {label} choice in {len(hits)} of {len(questions)} choice "
                f"questions (by chance: {_percent(p)}), here too. Even out the lengths: "
                f"make a distractor as {'long' if label == 'longest' else 'short'} as the key.",
            )


def _truefalse_balance(pack: Pack, found: _Found) -> None:
    """Within each difficulty, about as many true/false answers should be True as False."""
    truefalse = [q for q in pack.questions if q.kind == "truefalse"]
    for level, items, counts, p in _lopsided_levels(truefalse, TRUE_FALSE, MIN_TRUEFALSE_ITEMS):
        major = TRUE_FALSE[0] if counts[0] > counts[1] else TRUE_FALSE[1]
        minor = TRUE_FALSE[1] if major == TRUE_FALSE[0] else TRUE_FALSE[0]
        for q in items:
            if q.answer_label == major:
                found.question(
                    q,
                    TRUEFALSE_BALANCE,
                    f"{level} true/false answers are True {counts[0]} and False {counts[1]} "
                    f"times (by chance: {_percent(p)}), so guessing {major} for {level} pays. "
                    f"Rewrite some of these, this one perhaps, as {minor.lower()} statements.",
                )


def _letter_balance(pack: Pack, found: _Found) -> None:
    """Within each difficulty, the keys should be spread over A-D (before any shuffling)."""
    questions = _choice_questions(pack)
    for level, items, counts, p in _lopsided_levels(questions, CHOICE_LABELS, MIN_CHOICE_ITEMS):
        expected = len(items) / len(CHOICE_LABELS)
        shown = ", ".join(f"{label} {n}" for label, n in zip(CHOICE_LABELS, counts, strict=True))
        rare = [label for label, n in zip(CHOICE_LABELS, counts, strict=True) if n < expected]
        for q in items:
            if counts[CHOICE_LABELS.index(q.answer_label)] > expected:
                found.question(
                    q,
                    LETTER_BALANCE,
                    f"{level} keys are {shown} (by chance: {_percent(p)}), and this one is "
                    f"{q.answer_label}. Reorder the choices of some of these so the key is "
                    f"{_either(rare)}.",
                )


def _item_rules(pack: Pack, found: _Found) -> None:
    """Per item: all/none of the above, near-duplicate choices, a choice echoing the prompt."""
    for q in _choice_questions(pack):
        for label, choice in zip(q.labels, q.choices, strict=True):
            m = _ABOVE_RE.search(choice)
            if m:
                rule = (
                    ALL_OF_THE_ABOVE
                    if m.group(1).casefold() in ("all", "both")
                    else (NONE_OF_THE_ABOVE)
                )
                found.question(
                    q,
                    rule,
                    f'choice {label} says "{m.group(0)}": it can be judged from the other choices '
                    "without reading. Write a fourth answer of its own.",
                )
        for i, a in enumerate(q.choices):
            for j in range(i + 1, len(q.choices)):
                b = q.choices[j]
                if _similar(a, b) >= NEAR_DUPLICATE:
                    found.question(
                        q,
                        DUPLICATE_CHOICES,
                        f"choices {q.labels[i]} and {q.labels[j]} say nearly the same thing "
                        f'("{a}" / "{b}"). Make every choice a different answer.',
                    )
        prompt = words(q.prompt)
        for label, choice in zip(q.labels, q.choices, strict=True):
            said = words(choice)
            run = _shared_run(said, prompt)
            if run >= PROMPT_ECHO_WORDS or (len(said) >= 3 and _contains(prompt, said)):
                found.question(
                    q,
                    CHOICE_REPEATS_PROMPT,
                    f"choice {label} repeats {run} words of the prompt in a row, so it can be "
                    "matched on wording alone. Say it in other words.",
                )


def _same_fact(pack: Pack, found: _Found) -> None:
    """No two questions with the same quote, or with nearly the same prompt."""
    seen: list[tuple[Question, _Prompt]] = []
    for q in pack.questions:
        prompt = _Prompt.of(q.prompt)
        for earlier, earlier_prompt in seen:
            if q.quote and earlier.quote:
                a, b = words(q.quote), words(earlier.quote)
                if a == b or _contains(a, b) or _contains(b, a):
                    found.question(
                        q,
                        SAME_FACT,
                        f'its quote is also the quote of {earlier.id} ("{earlier.quote}"): the '
                        "two test the same fact. Test another point, or drop one quote.",
                    )
                    break
            if prompt.near(earlier_prompt):
                found.question(
                    q,
                    SAME_FACT,
                    f"its prompt is nearly the prompt of {earlier.id}: the two test the same fact. "
                    "Test another point.",
                )
                break
        seen.append((q, prompt))


def _quotes(pack: Pack) -> Iterator[tuple[str, str, str, str]]:
    """(file, item, quote, line needle) for every quote of the pack."""
    for q in pack.questions:
        if q.quote:
            yield QUIZ_FILE, q.id, q.quote, f'"{q.id}"'
    for position in pack.positions.values():
        for i, quote in enumerate(position.quotes, start=1):
            yield DEBATE_FILE, f"{position.id}.quotes[{i}]", quote.quote, quote.quote


def _quote_rules(pack: Pack, found: _Found) -> None:
    """Quotes within the length rule and, when the pack holds its article, found in one of its
    sentences word for word."""
    limit_words, limit_chars = LIMITS["quote_words"], LIMITS["quote"]
    article = pack.article.text
    article_sentences = [words(s) for s in sentences(article)] if article else []
    article_words = words(article) if article else []
    for file, item, quote, needle in _quotes(pack):
        said = words(quote)
        if len(said) > limit_words or len(quote) > limit_chars:
            found.add(
                file,
                item,
                QUOTE_LENGTH,
                f"{len(said)} words and {len(quote)} characters; a quote may hold at most "
                f"{limit_words} words and {limit_chars} characters. Cut it to the words that "
                "carry the point.",
                needle,
            )
        if not article:
            continue
        if any(_contains(s, said) for s in article_sentences):
            continue
        if _contains(article_words, said):
            what = "runs across the end of a sentence of the article"
            fix = "Quote within one sentence."
        else:
            what = "is not in the article word for word"
            fix = "Copy it exactly from the article's text, or drop it."
        found.add(file, item, QUOTE_SOURCE, f'"{quote}" {what}. {fix}', needle)


def lint_pack(pack: Pack, files: Mapping[str, bytes | str] | None = None) -> list[LintWarning]:
    """Every warning for ``pack``, in file order. ``files`` (the raw ``quiz.toml`` and
    ``debate.toml`` texts, by name) only adds line numbers."""
    found = _Found(files)
    _absolute_cue(pack, found)
    _length_cue(pack, found)
    _truefalse_balance(pack, found)
    _letter_balance(pack, found)
    _item_rules(pack, found)
    _same_fact(pack, found)
    _quote_rules(pack, found)
    order = {QUIZ_FILE: 0, DEBATE_FILE: 1}
    ids = {q.id: i for i, q in enumerate(pack.questions)}
    return sorted(
        found.warnings,
        key=lambda w: (order.get(w.file, 2), ids.get(w.item, len(ids)), w.line or 0, w.rule),
    )


# --------------------------------------------------------------------------------------------
# The counts behind the cue rules, for ``python -m bot check``


def _by_level(items: Iterable[Question], labels: Sequence[str]) -> str:
    items = list(items)
    parts = []
    for level in DIFFICULTIES:
        in_level = [q for q in items if q.difficulty == level]
        counted = zip(labels, _answer_counts(in_level, labels), strict=True)
        counts = " ".join(f"{v} {n}" for v, n in counted)
        parts.append(f"{level} {counts}")
    return "; ".join(parts)


def describe_cues(pack: Pack) -> list[str]:
    """A few lines of the counts the cue rules test: answers by difficulty, absolute words."""
    questions = _choice_questions(pack)
    keys, distractors = _carrying_absolute(questions)
    longest = sum(_key_is(q, max) for q in questions)
    shortest = sum(_key_is(q, min) for q in questions)
    truefalse = [q for q in pack.questions if q.kind == "truefalse"]
    return [
        f"true/false answers: {_by_level(truefalse, TRUE_FALSE)}",
        f"key letters: {_by_level(questions, CHOICE_LABELS)}",
        f"absolute words: keys {len(keys)} of {len(questions)}, "
        f"distractors {distractors} of {3 * len(questions)}",
        f"key is the longest choice: {longest} of {len(questions)}, "
        f"the shortest: {shortest} of {len(questions)}",
    ]

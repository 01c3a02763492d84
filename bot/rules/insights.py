"""Pure statistics for facilitators (``/insights``): quiz item analysis, mastery per paragraph,
one member against the group, and whether debates are balanced.

No Discord, no SQL, no clock: tallies and times come in, plain values go out.

**Questions (item analysis).** For each question asked in the period: how many answers, the
share right, how often each of the pack's choices was picked (answers store the pack's choice,
whatever order the round showed), and the *upper–lower discrimination index*: members are ranked
by their accuracy on the pack in the period; the share right among the top 27 % of them minus the
share right among the bottom 27 % (each share over that group's answers to the question). With
fewer than :data:`MIN_RANKED` members the groups would be one member or none and the index is
undefined. A question with fewer than :data:`MIN_ANSWERS` answers is not judged. A judged
question is flagged, worst first:

- **key in doubt**: a distractor was picked more often than the key, or the index is negative
  (the stronger members got it wrong more often than the weaker ones);
- **too hard**: under 30 % right; **too easy**: over 90 % right;
- **weak distractor**: a wrong choice picked by under 5 % of the answers (questions with more
  than two choices: a true/false question that nobody gets wrong is "too easy" already).

**Mastery.** A card is mastered as :func:`bot.rules.srs.mastered` says (last answer right,
FSRS retrievability at least 0.9 now). :func:`mastery_horizon` turns that into a bound on whole
days ÷ stability, so the store can count a guild's cards in SQL and leave only those near the
line to :func:`bot.rules.srs.mastered` itself.

**Debates.** A chi-square goodness-of-fit test of wins per position. Under "no side is favoured"
each of a debate's winners is equally likely to be any of its positions, so a decided debate
with ``k`` positions and ``w`` winners (ties share the win) expects ``w / k`` wins for each of
its positions. The statistic sums ``(observed - expected)² / expected`` over the positions with
an expected count, with one degree of freedom fewer than positions (2 for the usual three).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.content import Question
from bot.content.model import CHOICE_LABELS
from bot.rules.scores import PERIODS, csv_cell, describe_period, period_key
from bot.rules.srs import DAY, MASTERED_RETRIEVABILITY, REVIEW, Progress, mastered, retrievability

DEFAULT_PERIOD: Final = "season"
#: Answers a question needs before it is judged.
MIN_ANSWERS: Final = 10
#: Members ranked by accuracy needed for the upper–lower index.
MIN_RANKED: Final = 4
#: The share of ranked members in the upper and in the lower group.
GROUP_SHARE: Final = 0.27
TOO_HARD_BELOW: Final = 0.30
TOO_EASY_ABOVE: Final = 0.90
WEAK_DISTRACTOR_BELOW: Final = 0.05
SIGNIFICANCE: Final = 0.05
#: Below this many expected wins for a position the chi-square test is only a rough guide.
RELIABLE_EXPECTED: Final = 5.0
#: Judges' scores run from 1 to 10.
SCORE_RANGE: Final = range(1, 11)

KEY_IN_DOUBT: Final = "key in doubt"
TOO_HARD: Final = "too hard"
TOO_EASY: Final = "too easy"
WEAK_DISTRACTOR: Final = "weak distractor"
#: Flags, worst first.
FLAGS: Final = (KEY_IN_DOUBT, TOO_HARD, TOO_EASY, WEAK_DISTRACTOR)
TOO_FEW: Final = "too few answers to judge"

NO_SIGN: Final = "no sign that one side is favoured"


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The stretch of time a report covers: from ``since`` (epoch seconds, UTC) until now."""

    period: str
    since: float
    label: str


def window(
    period: str,
    now: float,
    *,
    season: int = 1,
    season_started_at: float | None = None,
    season_name: str | None = None,
) -> Window:
    """The window of ``period`` at ``now``, as the leaderboard reads it: the ISO week and the
    calendar month in UTC, the current season, or all time.

    The first season covers everything before the second began (practice answers can predate
    the first points, which is when season 1 is written down).
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    moment = datetime.fromtimestamp(now, tz=UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        since = (midnight - timedelta(days=moment.weekday())).timestamp()
    elif period == "month":
        since = midnight.replace(day=1).timestamp()
    elif period == "season" and season > 1 and season_started_at is not None:
        since = season_started_at
    else:
        since = 0.0
    label = describe_period(period_key(period, now, season), season_name)
    return Window(period, since, label)


# --- tallies and shares ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """Answers and right answers."""

    answers: int = 0
    right: int = 0

    @property
    def share(self) -> float | None:
        """The share right (None without answers)."""
        return share(self.right, self.answers)

    @property
    def misses(self) -> int:
        return self.answers - self.right

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.answers + other.answers, self.right + other.right)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


def combine(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total += tally
    return total


# --- the upper–lower index ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Groups:
    """The members in the top and bottom :data:`GROUP_SHARE` by accuracy, out of ``ranked``."""

    upper: frozenset[int]
    lower: frozenset[int]
    ranked: int

    @property
    def size(self) -> int:
        return len(self.upper)


def group_size(ranked: int, fraction: float = GROUP_SHARE) -> int:
    """Members in each of the upper and lower groups: ``fraction`` of ``ranked``, rounded
    half up, at least one."""
    return max(1, math.floor(ranked * fraction + 0.5))


def upper_lower_groups(
    accuracy: Mapping[int, Tally], fraction: float = GROUP_SHARE
) -> Groups | None:
    """Split the members who answered into the top and bottom ``fraction`` by their share right
    (more answers first among equal shares, then the lower id); None with fewer than
    :data:`MIN_RANKED` members."""
    members = [(user, tally) for user, tally in accuracy.items() if tally.answers > 0]
    if len(members) < MIN_RANKED:
        return None
    size = group_size(len(members), fraction)
    best = sorted(members, key=lambda m: (-(m[1].share or 0.0), -m[1].answers, m[0]))
    worst = sorted(members, key=lambda m: ((m[1].share or 0.0), -m[1].answers, m[0]))
    upper = frozenset(user for user, _ in best[:size])
    lower = frozenset(user for user, _ in worst[:size] if user not in upper)
    return Groups(upper, lower, len(members))


def discrimination(upper: Tally, lower: Tally) -> float | None:
    """The upper–lower index: the upper group's share right minus the lower group's (from -1 to
    1); None when either group gave no answer."""
    high, low = upper.share, lower.share
    if high is None or low is None:
        return None
    return high - low


# --- questions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChoiceTally:
    """How often one of the pack's choices was picked on a question, and how often counted
    right (the key)."""

    question_id: str
    choice: int
    answers: int
    right: int


@dataclass(frozen=True, slots=True)
class QuestionStats:
    """One row of ``/insights questions``: a question's figures and flags (worst first)."""

    question_id: str
    paragraph: str | None
    prompt: str | None
    kind: str
    labels: tuple[str, ...]
    key: tuple[int, ...]
    picks: tuple[int, ...]
    answers: int
    right: int
    discrimination: float | None
    flags: tuple[str, ...] = ()
    #: choices (pack indices) picked more often than the key, and picked by under 5 %
    rivals: tuple[int, ...] = ()
    weak: tuple[int, ...] = ()
    #: the question's place in the pack (unknown questions after the pack's)
    order: int = 0

    @property
    def share(self) -> float | None:
        return share(self.right, self.answers)

    @property
    def judged(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def verdict(self) -> str:
        """The flags as one phrase: "key in doubt, too hard", "no flags", or too few answers."""
        if not self.judged:
            return TOO_FEW
        return ", ".join(self.flags) if self.flags else "no flags"

    def pick_share(self, choice: int) -> float | None:
        return share(self.picks[choice], self.answers) if choice < len(self.picks) else None

    @property
    def key_labels(self) -> str:
        return "/".join(self.labels[i] for i in self.key if i < len(self.labels)) or "?"


def labels_for(question: Question | None, choices: int) -> tuple[str, ...]:
    """The pack's labels for a question's choices (A–D or True/False); letters for a question
    the pack no longer holds."""
    if question is not None:
        return question.labels
    if choices <= len(CHOICE_LABELS):
        return CHOICE_LABELS[:choices]
    return tuple(str(i + 1) for i in range(choices))


def question_stats(
    question_id: str,
    question: Question | None,
    choices: Sequence[ChoiceTally],
    *,
    upper: Tally | None = None,
    lower: Tally | None = None,
    order: int = 0,
) -> QuestionStats:
    """A question's row from its per-choice tallies and its upper and lower groups' tallies
    (None when the index is undefined).

    The key is the choice the answers were counted right on (what members were judged by);
    the pack's answer when nobody picked it.
    """
    width = max([len(question.choices) if question else 0, *(c.choice + 1 for c in choices)])
    picks = [0] * width
    right = 0
    key: set[int] = set()
    for tally in choices:
        picks[tally.choice] += tally.answers
        right += tally.right
        if tally.right:
            key.add(tally.choice)
    if not key and question is not None:
        key.add(question.answer)
    answers = sum(picks)
    index = discrimination(upper, lower) if upper is not None and lower is not None else None
    key_picks = max((picks[i] for i in key), default=0)
    rivals = tuple(i for i in range(width) if i not in key and picks[i] > key_picks)
    many_choices = (question.kind == "choice") if question else width > 2
    weak = (
        tuple(
            i for i in range(width) if i not in key and picks[i] < WEAK_DISTRACTOR_BELOW * answers
        )
        if many_choices and width > 2
        else ()
    )
    flags: list[str] = []
    if answers >= MIN_ANSWERS:
        ratio = right / answers
        if rivals or (index is not None and index < 0):
            flags.append(KEY_IN_DOUBT)
        if ratio < TOO_HARD_BELOW:
            flags.append(TOO_HARD)
        if ratio > TOO_EASY_ABOVE:
            flags.append(TOO_EASY)
        if weak:
            flags.append(WEAK_DISTRACTOR)
    return QuestionStats(
        question_id=question_id,
        paragraph=question.paragraph if question else None,
        prompt=question.prompt if question else None,
        kind=question.kind if question else ("choice" if width > 2 else "unknown"),
        labels=labels_for(question, width),
        key=tuple(sorted(key)),
        picks=tuple(picks),
        answers=answers,
        right=right,
        discrimination=index,
        flags=tuple(flags),
        rivals=rivals,
        weak=weak if answers >= MIN_ANSWERS else (),
        order=order,
    )


def severity(row: QuestionStats) -> int:
    """0 for key in doubt … 3 for a weak distractor; 4 unflagged; 5 not judged."""
    if not row.judged:
        return len(FLAGS) + 1
    return min((FLAGS.index(flag) for flag in row.flags), default=len(FLAGS))


def worst_first(rows: Iterable[QuestionStats]) -> list[QuestionStats]:
    """Rows by their worst flag, then more flags, then more answers, then the pack's order."""
    return sorted(rows, key=lambda r: (severity(r), -len(r.flags), -r.answers, r.order))


def flag_counts(rows: Iterable[QuestionStats]) -> dict[str, int]:
    """How many questions carry each flag, and how many were not judged."""
    counts = dict.fromkeys((*FLAGS, TOO_FEW), 0)
    for row in rows:
        if not row.judged:
            counts[TOO_FEW] += 1
        for flag in row.flags:
            counts[flag] += 1
    return counts


# --- the CSV -----------------------------------------------------------------------------------

PICK_COLUMNS: Final = (*CHOICE_LABELS, "True", "False")
QUESTIONS_HEADER: Final = (
    *("question_id", "paragraph", "kind", "key", "answers", "right", "share_right"),
    *("discrimination", "flags", *PICK_COLUMNS, "other_choices", "prompt"),
)


def question_line(row: QuestionStats) -> tuple[object, ...]:
    """A row of ``/insights questions`` as the cells of :data:`QUESTIONS_HEADER`: each choice's
    picks under its pack label (A–D, True/False); choices beyond those in ``other_choices``."""
    picks: dict[str, int] = {}
    other = []
    for index, count in enumerate(row.picks):
        label = row.labels[index] if index < len(row.labels) else str(index + 1)
        if label in PICK_COLUMNS:
            picks[label] = count
        else:
            other.append(f"{label}={count}")
    return (
        *(row.question_id, row.paragraph, row.kind, row.key_labels, row.answers, row.right),
        *(row.share, row.discrimination, row.verdict),
        *(picks.get(label) for label in PICK_COLUMNS),
        " ".join(other),
        row.prompt,
    )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"  # computed here: a number, never a formula
    return csv_cell(value)


def csv_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV: text cells formula-safe as in the scores export
    (:func:`bot.rules.scores.csv_cell`), integers and shares written as numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


# --- paragraphs and mastery --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mastery:
    """FSRS cards and how many of them are mastered (last answer right, retrievability ≥ 0.9)."""

    cards: int = 0
    mastered: int = 0

    @property
    def share(self) -> float | None:
        return share(self.mastered, self.cards)


#: Days of slack on each side of the mastery horizon: its bisection is exact to a millionth of a
#: stability, and FSRS keeps stabilities under 36,500 days.
MASTERY_MARGIN: Final = 0.05
_PROBE_STABILITY = 1e6
_PROBE_NOW = 2e11  # far enough on that whole days up to 2.5 million probe stabilities fit


def _known_after(days: int) -> bool:
    probe = Progress(
        question_id="probe", paragraph="probe", seen=1, correct=1, due_at=_PROBE_NOW,
        last_seen=_PROBE_NOW - days * DAY, state=REVIEW, step=None,
        stability=_PROBE_STABILITY, difficulty=5.0, last_right=True,
    )  # fmt: skip
    return retrievability(probe, _PROBE_NOW) >= MASTERED_RETRIEVABILITY


@functools.lru_cache(maxsize=1)
def mastery_horizon() -> float:
    """How many stabilities of whole days a card stays mastered after a right answer.

    FSRS's forgetting curve depends only on whole days elapsed ÷ stability, so a card last
    answered right is mastered (:func:`bot.rules.srs.mastered`) exactly while the whole days
    since are at most ``horizon × stability``. Found by bisection on
    :func:`bot.rules.srs.retrievability` with a huge stability, where the whole-day rounding
    no longer blurs it (about 1.0: FSRS's stability is the time recall takes to fall to 90 %).
    The store counts cards with it, leaving :data:`MASTERY_MARGIN` days of doubt either side
    to :func:`bot.rules.srs.mastered` itself.
    """
    known, forgotten = 0, int(2.5 * _PROBE_STABILITY)
    if not _known_after(known) or _known_after(forgotten):
        raise RuntimeError("FSRS's retrievability is not the curve this horizon assumes")
    while forgotten - known > 1:
        middle = (known + forgotten) // 2
        if _known_after(middle):
            known = middle
        else:
            forgotten = middle
    return known / _PROBE_STABILITY


def mastery_by_paragraph(cards: Iterable[Progress], now: float) -> dict[str, Mastery]:
    """Per paragraph: the cards and those mastered at ``now`` (:func:`bot.rules.srs.mastered`)."""
    counts: dict[str, list[int]] = {}
    for card in cards:
        row = counts.setdefault(card.paragraph, [0, 0])
        row[0] += 1
        row[1] += mastered(card, now)
    return {paragraph: Mastery(*row) for paragraph, row in counts.items()}


@dataclass(frozen=True, slots=True)
class ParagraphStats:
    """A paragraph's questions, answers and mastery."""

    paragraph: str
    questions: int
    tally: Tally
    mastery: Mastery = field(default_factory=Mastery)


def paragraph_order(refs: Sequence[str], seen: Iterable[str]) -> list[str]:
    """The pack's paragraphs in order, then any others seen (questions since removed), sorted."""
    known = list(dict.fromkeys(refs))
    return known + sorted(set(seen) - set(known))


def by_paragraph(
    tallies: Mapping[str, Tally], paragraph_of: Mapping[str, str], unknown: str = "?"
) -> dict[str, Tally]:
    """Question tallies summed per paragraph (``unknown`` for questions the pack lacks)."""
    out: dict[str, Tally] = {}
    for question_id, tally in tallies.items():
        paragraph = paragraph_of.get(question_id, unknown)
        out[paragraph] = out.get(paragraph, Tally()) + tally
    return out


def paragraph_stats(
    refs: Sequence[str],
    questions_per_paragraph: Mapping[str, int],
    tallies: Mapping[str, Tally],
    mastery: Mapping[str, Mastery],
) -> list[ParagraphStats]:
    """One row per paragraph with questions, answers or cards, in the pack's order."""
    rows = []
    for paragraph in paragraph_order(refs, [*tallies, *mastery]):
        questions = questions_per_paragraph.get(paragraph, 0)
        tally = tallies.get(paragraph, Tally())
        cards = mastery.get(paragraph, Mastery())
        if questions or tally.answers or cards.cards:
            rows.append(ParagraphStats(paragraph, questions, tally, cards))
    return rows


# --- one member --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberParagraph:
    """A member's and the group's answers on one paragraph's questions."""

    paragraph: str
    member: Tally
    group: Tally

    @property
    def gap(self) -> float | None:
        """The member's share right minus the group's (None without both)."""
        if self.member.share is None or self.group.share is None:
            return None
        return self.member.share - self.group.share


def member_paragraphs(
    refs: Sequence[str], member: Mapping[str, Tally], group: Mapping[str, Tally]
) -> list[MemberParagraph]:
    """Per paragraph the member answered on, their tally beside the group's."""
    return [
        MemberParagraph(paragraph, member[paragraph], group.get(paragraph, Tally()))
        for paragraph in paragraph_order(refs, member)
        if paragraph in member and member[paragraph].answers
    ]


def weakest(tallies: Mapping[str, Tally], limit: int = 5) -> list[tuple[str, Tally]]:
    """The questions the member missed, lowest share right first, then most misses."""
    missed = [(q, t) for q, t in tallies.items() if t.misses > 0]
    missed.sort(key=lambda item: (item[1].share or 0.0, -item[1].misses, item[0]))
    return missed[:limit]


def leeches(cards: Iterable[Progress]) -> list[Progress]:
    """The member's leeches (missed 8 times or more), most missed first."""
    return sorted((c for c in cards if c.leech), key=lambda c: (-c.misses, c.question_id))


# --- debates -----------------------------------------------------------------------------------


def chi_square_sf(statistic: float, df: int) -> float:
    """P(X ≥ ``statistic``) for a chi-square variable with ``df`` degrees of freedom.

    Closed forms: with even ``df`` the survival function is ``e^(-x/2) Σ (x/2)^i / i!`` for
    ``i < df/2`` (just ``e^(-x/2)`` with 2 degrees of freedom); with odd ``df`` it is
    ``erfc(√(x/2))`` plus ``e^(-x/2) Σ (x/2)^(i-1/2) / Γ(i+1/2)`` for ``1 ≤ i ≤ (df-1)/2``.
    """
    if df < 1:
        raise ValueError("a chi-square test needs at least one degree of freedom")
    if statistic <= 0:
        return 1.0
    half = statistic / 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, df // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    total = math.erfc(math.sqrt(half))
    for i in range(1, (df - 1) // 2 + 1):
        total += math.exp(-half + (i - 0.5) * math.log(half) - math.lgamma(i + 0.5))
    return min(1.0, total)


@dataclass(frozen=True, slots=True)
class ChiSquare:
    statistic: float
    df: int
    p_value: float


def chi_square(observed: Sequence[float], expected: Sequence[float]) -> ChiSquare | None:
    """The goodness-of-fit test of ``observed`` against ``expected`` counts; categories
    expected 0 times are left out. None with fewer than two categories left."""
    pairs = [(o, e) for o, e in zip(observed, expected, strict=True) if e > 0]
    if len(pairs) < 2:
        return None
    statistic = sum((o - e) ** 2 / e for o, e in pairs)
    df = len(pairs) - 1
    return ChiSquare(statistic, df, chi_square_sf(statistic, df))


@dataclass(frozen=True, slots=True)
class DebateOutcome:
    """A closed debate: its positions and those that won (several on a tie, none when no
    position scored)."""

    debate_id: int
    positions: tuple[str, ...]
    winners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PositionWins:
    position: str
    name: str
    debates: int
    wins: int
    expected: float


@dataclass(frozen=True, slots=True)
class Balance:
    """Wins per position against chance, and what the test says: after a test, a clause that
    follows its p-value ("no sign that one side is favoured.", "the … win more than chance
    explains."); without one, a sentence saying why not."""

    held: int
    decided: int
    positions: tuple[PositionWins, ...]
    test: ChiSquare | None
    favoured: str | None
    sentence: str
    rough: bool


def the(name: str) -> str:
    """ "the South Korean conservatives"; a name starting with "the" keeps it."""
    return name if name.casefold().startswith("the ") else f"the {name}"


def win_balance(outcomes: Sequence[DebateOutcome], names: Mapping[str, str]) -> Balance:
    """Wins per position over ``outcomes``, the chi-square test of balance and its sentence.

    When p < :data:`SIGNIFICANCE` the favoured position is the one with the largest excess of
    wins over its expected count.
    """
    order: list[str] = []
    debates: dict[str, int] = {}
    wins: dict[str, int] = {}
    expected: dict[str, float] = {}
    decided = 0
    for outcome in outcomes:
        for position in outcome.positions:
            if position not in debates:
                order.append(position)
                debates[position], wins[position], expected[position] = 0, 0, 0.0
            debates[position] += 1
        winners = [w for w in outcome.winners if w in outcome.positions]
        if not winners or not outcome.positions:
            continue
        decided += 1
        for position in outcome.positions:
            expected[position] += len(winners) / len(outcome.positions)
        for position in winners:
            wins[position] += 1
    rows = tuple(PositionWins(p, names.get(p, p), debates[p], wins[p], expected[p]) for p in order)
    test = chi_square([r.wins for r in rows], [r.expected for r in rows])
    rough = any(0 < r.expected < RELIABLE_EXPECTED - 1e-9 for r in rows)
    favoured = None
    if test is None:
        sentence = (
            "No debate has been decided yet, so there is nothing to test."
            if not decided
            else "Too few positions have competed to test whether one is favoured."
        )
    elif test.p_value < SIGNIFICANCE:
        top = max(rows, key=lambda r: r.wins - r.expected)
        favoured = top.position
        sentence = f"{the(top.name)} win more than chance explains."
    else:
        sentence = f"{NO_SIGN}."
    return Balance(len(outcomes), decided, rows, test, favoured, sentence, rough)


# --- judges' scores ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """The spread of judges' speech scores (1–10)."""

    count: int
    mean: float
    median: float
    sd: float
    low: int
    high: int
    histogram: tuple[int, ...]  # how many of each score, 1 to 10


def spread(counts: Mapping[int, int]) -> Spread | None:
    """The spread of scores given as ``{score: how many}``; None without scores. ``sd`` is the
    sample standard deviation (0 for one score)."""
    values = [score for score, n in sorted(counts.items()) for _ in range(n) if n > 0]
    if not values:
        return None
    return Spread(
        count=len(values),
        mean=statistics.fmean(values),
        median=float(statistics.median(values)),
        sd=statistics.stdev(values) if len(values) > 1 else 0.0,
        low=min(values),
        high=max(values),
        histogram=tuple(counts.get(score, 0) for score in SCORE_RANGE),
    )


# --- how the figures read ----------------------------------------------------------------------


def percent(value: float | None) -> str:
    """ "42%" (rounded), "—" for no value."""
    return "—" if value is None else f"{value * 100:.0f}%"


def signed(value: float | None) -> str:
    """ "+0.25", "-0.50", "—"."""
    return "—" if value is None else f"{value:+.2f}"


def p_text(p_value: float) -> str:
    """ "p = 0.37", "p = 0.012", "p < 0.001"."""
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}" if p_value < 0.1 else f"p = {p_value:.2f}"

"""Spaced repetition with FSRS-6 (the ``fsrs`` package): each member's card on each question.

Pure: no Discord, no SQL, no clock. Times are UTC epoch seconds passed in by the caller.

Every answer a member gives (practice, review quizzes and live quizzes alike) is a review of
their card on that question: a wrong answer is rated ``Again``, a right one ``Good``. The
scheduler keeps FSRS's default parameters and learning steps (1 and 10 minutes; relearning 10
minutes) and the server's desired retention (0.9 unless ``/settings retention`` says otherwise).
Fuzzing is off, so the same history always gives the same due dates.

Practice picks, in order: a question the member missed (it comes back first, even before its
1-minute step has passed), questions already due (the most overdue first, then the lowest
retrievability), new ones, then learning steps that fall due within :data:`LEARN_AHEAD` (Anki's
learn-ahead). A question missed :data:`LEECH_MISSES` times is a leech. A question counts as
mastered while its last answer was right and FSRS gives it a retrievability of at least
:data:`MASTERED_RETRIEVABILITY`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State

from bot.content import Question
from bot.errors import UserError

DEFAULT_RETENTION = 0.9
MIN_RETENTION, MAX_RETENTION = 0.70, 0.97
#: Learning steps due this soon may be practised early (seconds).
LEARN_AHEAD = 20 * 60.0
LEECH_MISSES = 8
MASTERED_RETRIEVABILITY = 0.9
DAY = 86_400.0
#: ``/quiz due`` counts what falls due within this many days.
DUE_WINDOW_DAYS = 7

LEARNING, REVIEW, RELEARNING = State.Learning.value, State.Review.value, State.Relearning.value


@dataclass(frozen=True, slots=True)
class Progress:
    """One member's record and FSRS card on one question.

    ``seen``/``correct`` count every answer; ``due_at``, ``state``, ``step``, ``stability``,
    ``difficulty`` and ``last_seen`` (the last review) are the FSRS card; ``last_right`` says how
    the last answer went; ``leech_noted_at`` when the member was told it is a leech.
    """

    question_id: str
    paragraph: str
    seen: int
    correct: int
    due_at: float
    last_seen: float
    state: int = LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    last_right: bool = False
    leech_noted_at: float | None = None

    @property
    def misses(self) -> int:
        return self.seen - self.correct

    @property
    def leech(self) -> bool:
        return self.misses >= LEECH_MISSES

    @property
    def learning(self) -> bool:
        """In a learning or relearning step (minutes apart), not yet on a schedule of days."""
        return self.state in (LEARNING, RELEARNING)


def check_retention(value: float) -> float:
    """The desired retention a server may choose, or a UserError saying the range."""
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        raise UserError(
            f"Retention is a share of questions you still know when they come back: pick from "
            f"{MIN_RETENTION:.2f} to {MAX_RETENTION:.2f} (the default is {DEFAULT_RETENTION})."
        )
    return round(value, 4)


@functools.lru_cache(maxsize=32)
def scheduler(retention: float = DEFAULT_RETENTION) -> Scheduler:
    """FSRS-6 with its default parameters and steps, at ``retention``, without fuzz."""
    return Scheduler(desired_retention=retention, enable_fuzzing=False)


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def to_card(record: Progress | None, now: float) -> Card:
    """The ``fsrs.Card`` a record holds (a new card due ``now`` for None)."""
    if record is None:
        return Card(card_id=1, due=_when(now))
    return Card(
        card_id=1,
        state=State(record.state),
        step=record.step,
        stability=record.stability,
        difficulty=record.difficulty,
        due=_when(record.due_at),
        last_review=_when(record.last_seen),
    )


def reviewed(
    previous: Progress | None,
    question: Question,
    correct: bool,
    answered_at: float,
    retention: float = DEFAULT_RETENTION,
) -> Progress:
    """``previous`` after one more answer to ``question``: ``Again`` when wrong, ``Good`` when
    right, scheduled by FSRS at ``retention``."""
    rating = Rating.Good if correct else Rating.Again
    card, _ = scheduler(retention).review_card(
        to_card(previous, answered_at), rating, _when(answered_at)
    )
    return Progress(
        question_id=question.id,
        paragraph=question.paragraph,
        seen=(previous.seen if previous else 0) + 1,
        correct=(previous.correct if previous else 0) + int(correct),
        due_at=card.due.timestamp(),
        last_seen=answered_at,
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        last_right=correct,
        leech_noted_at=previous.leech_noted_at if previous else None,
    )


def retrievability(record: Progress, now: float) -> float:
    """FSRS's chance that the member still knows the answer at ``now`` (0 for a new card)."""
    return scheduler().get_card_retrievability(to_card(record, now), _when(now))


def mastered(record: Progress, now: float) -> bool:
    """Last answered right, and FSRS gives at least 0.9 that it is still known."""
    return record.last_right and retrievability(record, now) >= MASTERED_RETRIEVABILITY


# --- choosing what to practise -----------------------------------------------------------------


def practice_order(
    candidates: Sequence[str], progress: Mapping[str, Progress], now: float
) -> list[str]:
    """The questions that may be practised now, best first (see the module's docstring)."""
    missed: list[tuple[float, int, str]] = []
    due: list[tuple[float, float, int, str]] = []
    new: list[str] = []
    ahead: list[tuple[float, int, str]] = []
    for index, question_id in enumerate(dict.fromkeys(candidates)):
        record = progress.get(question_id)
        if record is None:
            new.append(question_id)
        elif not record.last_right:
            missed.append((record.due_at, index, question_id))
        elif record.due_at <= now:
            due.append((record.due_at, retrievability(record, now), index, question_id))
        elif record.learning and record.due_at <= now + LEARN_AHEAD:
            ahead.append((record.due_at, index, question_id))
    return [
        *(q for *_, q in sorted(missed)),
        *(q for *_, q in sorted(due)),
        *new,
        *(q for *_, q in sorted(ahead)),
    ]


def next_practice_question(
    candidates: Sequence[str],
    progress: Mapping[str, Progress],
    now: float,
    *,
    avoid: str | None = None,
) -> str | None:
    """The question to practise next, or None when nothing may be practised now.

    ``avoid`` (the question just shown) is taken only when nothing else is left.
    """
    ordered = practice_order(candidates, progress, now)
    others = [q for q in ordered if q != avoid]
    return (others or ordered or [None])[0]


def next_due(candidates: Iterable[str], progress: Mapping[str, Progress]) -> float | None:
    """When the first of ``candidates`` the member has answered falls due (None: none)."""
    times = [progress[q].due_at for q in candidates if q in progress]
    return min(times) if times else None


@dataclass(frozen=True, slots=True)
class DueCount:
    """How many of a paragraph's questions are due now and later this week, and new."""

    paragraph: str
    now: int
    week: int
    new: int


def due_counts(
    questions: Sequence[Question], progress: Mapping[str, Progress], now: float
) -> list[DueCount]:
    """Per paragraph (in the pack's order of questions): due now (a missed question counts at
    once, as practice brings it back first), due in the next 7 days, new."""
    counts: dict[str, list[int]] = {}
    horizon = now + DUE_WINDOW_DAYS * DAY
    for question in questions:
        row = counts.setdefault(question.paragraph, [0, 0, 0])
        record = progress.get(question.id)
        if record is None:
            row[2] += 1
        elif record.due_at <= now or not record.last_right:  # a miss comes back at once
            row[0] += 1
        elif record.due_at <= horizon:
            row[1] += 1
    return [DueCount(paragraph, *row) for paragraph, row in counts.items()]


def describe_interval(seconds: float) -> str:
    """ "1 minute", "10 minutes", "5 hours", "4 days" (rounded to the nearest unit)."""
    seconds = max(seconds, 0.0)
    if seconds < 3600 - 30:
        amount, unit = max(round(seconds / 60), 1), "minute"
    elif seconds < DAY - 1800:
        amount, unit = round(seconds / 3600), "hour"
    else:
        amount, unit = round(seconds / DAY), "day"
    return f"{amount} {unit}{'s' * (amount != 1)}"

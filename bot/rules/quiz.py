"""Rules of live quizzes: choosing questions (normal and review), points, choice orders, standings.

Pure: no Discord, no SQL, no clock. Times are UTC epoch seconds passed in by the caller; random
choices use a ``random.Random`` the caller hands in, so tests can fix the seed. Spaced
repetition (practice, each member's card per question) is :mod:`bot.rules.srs`.

Points for a live answer (awarded when the question closes), in the server's points mode:

- ``classic`` (the default): a right answer earns ``BASE_POINTS`` (10), plus a speed bonus of 0–5
  in proportion to the time left, plus a streak bonus of +1 for each consecutive right answer in
  this quiz after the first, at most +5.
- ``accuracy``: the same, except that all the bonuses one member earns in one quiz together
  never exceed ``ACCURACY_BONUS_CAP`` (9), so within a quiz more right answers always mean more
  points.

A wrong answer, or no answer, earns 0 and breaks the streak.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.content import DIFFICULTIES, Pack, Question
from bot.errors import UserError

BASE_POINTS = 10
SPEED_BONUS_MAX = 5
STREAK_BONUS_MAX = 5
#: In accuracy mode, the most bonus points one member earns in one quiz.
ACCURACY_BONUS_CAP = BASE_POINTS - 1
POINTS_MODES = ("classic", "accuracy")
QUIZ_MODES = ("normal", "review")

DAY = 86_400.0
#: A review quiz never asks a question asked in its channel this recently.
REVIEW_RECENT = DAY
#: A question's share of right answers counts for a review once it has this many answers.
REVIEW_MIN_ANSWERS = 3

#: How much of what a member typed is repeated back in an error.
ECHO_LIMIT = 40

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 20, 5
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10, 120, 30
STANDINGS_SIZE = 10

CLASSIC_RULE = (
    f"a right answer earns {BASE_POINTS}, plus a speed bonus of 0–{SPEED_BONUS_MAX} "
    f"({SPEED_BONUS_MAX} × time left ÷ question time, rounded half up), plus a streak bonus of "
    f"+1 for each consecutive right answer in the quiz after the first (at most "
    f"+{STREAK_BONUS_MAX}). A wrong answer or no answer earns 0 and breaks the streak"
)
ACCURACY_RULE = (
    f"a right answer earns {BASE_POINTS}; speed and streak bonuses as in classic, but all of one "
    f"member's bonuses in one quiz together never exceed {ACCURACY_BONUS_CAP}, so more right "
    "answers always mean more points"
)
POINTS_RULE = (
    f"Live quiz points (classic, the default): {CLASSIC_RULE}. Points are given when the "
    f"question closes. Accuracy mode (`/settings quiz-points`): {ACCURACY_RULE}. Each quiz's "
    "first message says which rule it uses."
)
PRACTICE_RULE = (
    "Practice is private and never changes the leaderboard: it brings back what you missed "
    "first, then what is due, then new questions, and spaces the reviews with FSRS (minutes at "
    "first, then days). `/quiz due` shows what is due. Review quizzes (mode: review) ask what "
    "this server's members most need."
)


def points_line(mode: str) -> str:
    """The points rule in one line, for a quiz's first message."""
    if mode == "accuracy":
        return (
            f"Points (accuracy): {BASE_POINTS} per right answer, plus speed and streak bonuses of "
            f"at most {ACCURACY_BONUS_CAP} in the whole quiz: more right answers always win."
        )
    return (
        f"Points (classic): {BASE_POINTS} per right answer, +0–{SPEED_BONUS_MAX} for speed, "
        f"+1 per right answer in a row after the first (at most +{STREAK_BONUS_MAX})."
    )


class QuizChannelUnavailable(UserError):
    """The bot cannot post a quiz in the channel (missing permission, unknown channel...)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"I cannot run a quiz in that channel: {reason}. Ask an admin to give me View "
            "Channel, Send Messages and Embed Links there."
        )


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """What a member typed, quoted for an error and cut to ``limit`` characters (with "…").

    A 3,000-character option pasted by mistake must not push the sentence that explains the
    problem past Discord's 2,000-character message limit.
    """
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


# --- points ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Points:
    """What one live answer earned (base + bonuses) and the member's quiz streak after it."""

    points: int
    speed_bonus: int
    streak_bonus: int
    streak: int

    @property
    def bonus(self) -> int:
        return self.speed_bonus + self.streak_bonus


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def speed_bonus(answered_at: float, opened_at: float, closes_at: float) -> int:
    """0–5 in proportion to the time left when the answer came in (rounded half up)."""
    duration = closes_at - opened_at
    if duration <= 0:
        return 0
    left = min(max(closes_at - answered_at, 0.0), duration)
    return _half_up(SPEED_BONUS_MAX * left / duration)


def streak_before(streak: int, last_position: int | None, position: int) -> int:
    """Consecutive right answers that lead up to question ``position`` (0 after a gap)."""
    if last_position is None or last_position != position - 1:
        return 0
    return max(streak, 0)


def score_answer(
    correct: bool,
    answered_at: float,
    opened_at: float,
    closes_at: float,
    streak: int,
    *,
    mode: str = "classic",
    bonus_so_far: int = 0,
) -> Points:
    """Points for one live answer; ``streak`` is the run of right answers just before it.

    In ``accuracy`` mode ``bonus_so_far`` (the member's bonuses earlier in this quiz) caps what
    this answer's bonuses may add: the speed bonus first, then the streak bonus.
    """
    if not correct:
        return Points(0, 0, 0, 0)
    speed = speed_bonus(answered_at, opened_at, closes_at)
    bonus = min(streak, STREAK_BONUS_MAX)
    if mode == "accuracy":
        room = max(ACCURACY_BONUS_CAP - bonus_so_far, 0)
        speed = min(speed, room)
        bonus = min(bonus, room - speed)
    return Points(BASE_POINTS + speed + bonus, speed, bonus, streak + 1)


def next_member_streak(current: int, best: int, correct: bool) -> tuple[int, int]:
    """A member's (current, best) run of right answers over all quizzes after one more answer."""
    current = current + 1 if correct else 0
    return current, max(best, current)


# --- choosing questions ------------------------------------------------------------------------


def section_ref(pack: Pack, section: str | None) -> str | None:
    """The ref of the pack's section named by ``section`` (None for none); UserError if unknown."""
    if not section or not section.strip():
        return None
    found = pack.section(section.strip())
    if found is None:
        known = ", ".join(pack.paragraph_refs)
        raise UserError(f"There is no section {echo(section)} in {pack.id}. Pick one of: {known}.")
    return found.ref


def matching_questions(
    pack: Pack, section: str | None = None, difficulty: str | None = None
) -> tuple[Question, ...]:
    """The pack's questions on ``section`` and of ``difficulty``; a UserError when none match."""
    ref = section_ref(pack, section)
    if difficulty and difficulty not in DIFFICULTIES:
        raise UserError(f"Difficulty must be one of {', '.join(DIFFICULTIES)}.")
    if not pack.questions:
        raise UserError(f"The pack {pack.id} has no quiz questions.")
    questions = tuple(
        q
        for q in pack.questions
        if (ref is None or q.paragraph == ref) and (not difficulty or q.difficulty == difficulty)
    )
    if not questions:
        wanted = " and ".join(
            part
            for part in (ref and f"section {ref}", difficulty and f"difficulty {difficulty}")
            if part
        )
        raise UserError(
            f"No question in {pack.id} matches {wanted}. Try another section or difficulty."
        )
    return questions


def choose_questions(
    candidates: Sequence[str],
    count: int,
    last_asked: Mapping[str, float],
    reserved: Collection[str] = (),
    rng: random.Random | None = None,
) -> tuple[str, ...]:
    """Up to ``count`` question ids, never repeating one before every candidate was asked.

    Questions never asked in the guild come first (in random order), then those asked longest
    ago; questions already planned by another running quiz (``reserved``) come last. With fewer
    candidates than ``count`` every candidate is used once.
    """
    rng = rng or random.Random()  # noqa: S311 - shuffling quiz questions, not cryptography
    shuffled = list(dict.fromkeys(candidates))
    rng.shuffle(shuffled)
    reserved = set(reserved)

    def priority(question_id: str) -> tuple[bool, float]:
        return question_id in reserved, last_asked.get(question_id, -math.inf)

    return tuple(sorted(shuffled, key=priority)[: max(count, 0)])


def choose_review(
    candidates: Sequence[str],
    due_for: Mapping[str, int],
    answered: Mapping[str, tuple[int, int]],
    recent: Collection[str],
    count: int,
) -> tuple[str, ...]:
    """Up to ``count`` questions this server's members most need, for a review quiz.

    First those due for the most members (``due_for``: question → members whose card is due),
    then those with the lowest share of right answers here (``answered``: question → (answers,
    right), counted once it has at least 3 answers); never one in ``recent`` (asked in the
    channel in the last 24 hours). Fewer than ``count`` (even none) when the history is thin.
    """
    eligible = [q for q in dict.fromkeys(candidates) if q not in recent]

    def share(question_id: str) -> float:
        seen, right = answered.get(question_id, (0, 0))
        return right / seen if seen >= REVIEW_MIN_ANSWERS else 1.0

    due = sorted(
        (q for q in eligible if due_for.get(q, 0) > 0),
        key=lambda q: (-due_for[q], share(q)),
    )
    weak = sorted(
        (q for q in eligible if q not in due and answered.get(q, (0, 0))[0] >= REVIEW_MIN_ANSWERS),
        key=lambda q: (share(q), -answered[q][0]),
    )
    return tuple([*due, *weak][: max(count, 0)])


# --- the order a showing presents the choices in ---------------------------------------------


def draw_order(question: Question, rng: random.Random) -> tuple[int, ...] | None:
    """A fresh order for one showing of ``question``: the original choice indices in the order
    they are shown (None for true/false, which keeps True before False)."""
    if question.kind == "truefalse" or len(question.choices) < 2:
        return None
    order = list(range(len(question.choices)))
    rng.shuffle(order)
    return tuple(order)


def _fits(question: Question, order: Sequence[int] | None) -> tuple[int, ...] | None:
    """``order`` when it is a permutation of the question's choices, else None."""
    if order is None or sorted(order) != list(range(len(question.choices))):
        return None
    return tuple(order)


def as_shown(question: Question, order: Sequence[int] | None) -> Question:
    """``question`` with its choices in the shown ``order`` (its ``answer`` the shown position).

    A round stored without an order (or with one that no longer fits the question) is shown as
    the pack has it.
    """
    fitting = _fits(question, order)
    if fitting is None:
        return question
    return replace(
        question,
        choices=tuple(question.choices[index] for index in fitting),
        answer=fitting.index(question.answer),
    )


def original_choice(question: Question, order: Sequence[int] | None, shown: int) -> int:
    """The pack's index of the choice shown at position ``shown``."""
    fitting = _fits(question, order)
    return fitting[shown] if fitting is not None and 0 <= shown < len(fitting) else shown


def shown_choice(question: Question, order: Sequence[int] | None, original: int) -> int:
    """The position at which the pack's choice ``original`` is shown."""
    fitting = _fits(question, order)
    return fitting.index(original) if fitting is not None and original in fitting else original


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    user_id: int
    points: int
    right: int = 0


def standings(
    totals: Iterable[tuple[int, int] | tuple[int, int, int]], limit: int = STANDINGS_SIZE
) -> tuple[Standing, ...]:
    """The top ``limit`` (user, points[, right answers]) by points; equal points share a rank
    (1, 1, 3...)."""
    ordered = sorted(totals, key=lambda item: (-item[1], item[0]))
    rows: list[Standing] = []
    for index, item in enumerate(ordered[:limit]):
        user_id, points = item[0], item[1]
        right = item[2] if len(item) > 2 else 0
        rank = rows[-1].rank if rows and rows[-1].points == points else index + 1
        rows.append(Standing(rank, user_id, points, right))
    return tuple(rows)


def option_counts(choices: Iterable[int], options: int) -> tuple[int, ...]:
    """How many answers chose each option, in option order."""
    counts = [0] * options
    for choice in choices:
        if 0 <= choice < options:
            counts[choice] += 1
    return tuple(counts)


def fastest_right(
    answers: Iterable[tuple[int, bool, float]], opened_at: float
) -> tuple[int, float] | None:
    """(user, seconds taken) of the earliest right answer among (user, correct, answered_at)."""
    right = [(at, user) for user, correct, at in answers if correct]
    if not right:
        return None
    at, user = min(right)
    return user, max(at - opened_at, 0.0)


def check_quiz_options(questions: int, seconds: int, *, max_seconds: int = MAX_SECONDS) -> None:
    """UserError unless the question count and time fit the allowed ranges.

    ``max_seconds`` is /quiz start's limit unless a caller with its own range (scheduled
    quizzes allow up to 300 seconds) passes a larger one.
    """
    if not MIN_QUESTIONS <= questions <= MAX_QUESTIONS:
        raise UserError(f"Pick from {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
    if not MIN_SECONDS <= seconds <= max_seconds:
        raise UserError(f"Pick from {MIN_SECONDS} to {max_seconds} seconds per question.")

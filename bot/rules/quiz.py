"""Rules of live quizzes and solo practice: choosing questions, points, Leitner boxes, standings.

Pure: no Discord, no SQL, no clock. Times are UTC epoch seconds passed in by the caller; random
choices use a ``random.Random`` the caller hands in, so tests can fix the seed.

Points for a live answer (awarded when the question closes): a right answer earns
``BASE_POINTS`` (10), plus a speed bonus of 0–5 in proportion to the time left, plus a streak
bonus of +1 for each consecutive right answer in this quiz after the first, at most +5. A wrong
answer, or no answer, earns 0 and breaks the streak.

Practice uses Leitner boxes: a wrong answer sends the question to box 1, due at once; a right one
moves it up a box (a new question answered right lands in box 2), due again after 1, 3, 7 or 14
days for boxes 2, 3, 4 and 5 (the top box).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.content import DIFFICULTIES, Pack, Question
from bot.errors import UserError

BASE_POINTS = 10
SPEED_BONUS_MAX = 5
STREAK_BONUS_MAX = 5

DAY = 86_400.0
FIRST_BOX = 1
TOP_BOX = 5
MASTERED_BOX = 4
#: Days until a question in box N (2–5) is due again.
BOX_INTERVAL_DAYS: Mapping[int, int] = {2: 1, 3: 3, 4: 7, 5: 14}

#: How much of what a member typed is repeated back in an error.
ECHO_LIMIT = 40

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 20, 5
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10, 120, 30
STANDINGS_SIZE = 10

POINTS_RULE = (
    f"Live quiz points: a right answer earns {BASE_POINTS}, plus a speed bonus of "
    f"0–{SPEED_BONUS_MAX} ({SPEED_BONUS_MAX} × time left ÷ question time, rounded half up), "
    f"plus a streak bonus of +1 for each consecutive right answer in the quiz after the first "
    f"(at most +{STREAK_BONUS_MAX}). A wrong answer or no answer earns 0 and breaks the streak. "
    "Points are given when the question closes."
)
PRACTICE_RULE = (
    "Practice is private and never changes the leaderboard: questions you got wrong come back "
    "first, then new ones, then the ones you saw longest ago (boxes 1–5, due again after 1, 3, "
    "7 and 14 days)."
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
    """What one live answer earned and the member's quiz streak after it."""

    points: int
    speed_bonus: int
    streak_bonus: int
    streak: int


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
) -> Points:
    """Points for one live answer; ``streak`` is the run of right answers just before it."""
    if not correct:
        return Points(0, 0, 0, 0)
    speed = speed_bonus(answered_at, opened_at, closes_at)
    bonus = min(streak, STREAK_BONUS_MAX)
    return Points(BASE_POINTS + speed + bonus, speed, bonus, streak + 1)


def next_member_streak(current: int, best: int, correct: bool) -> tuple[int, int]:
    """A member's (current, best) run of right answers over all quizzes after one more answer."""
    current = current + 1 if correct else 0
    return current, max(best, current)


# --- Leitner boxes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """One member's record on one question."""

    question_id: str
    paragraph: str
    seen: int
    correct: int
    box: int
    due_at: float
    last_seen: float


def review(previous: Progress | None, correct: bool, now: float) -> tuple[int, float]:
    """The (box, due time) after an answer: wrong → box 1 now; right → one box up."""
    if not correct:
        return FIRST_BOX, now
    box = min((previous.box if previous else FIRST_BOX) + 1, TOP_BOX)
    return box, now + BOX_INTERVAL_DAYS[box] * DAY


def reviewed(
    previous: Progress | None, question: Question, correct: bool, answered_at: float
) -> Progress:
    """``previous`` updated with one more answer to ``question``."""
    box, due_at = review(previous, correct, answered_at)
    return Progress(
        question_id=question.id,
        paragraph=question.paragraph,
        seen=(previous.seen if previous else 0) + 1,
        correct=(previous.correct if previous else 0) + int(correct),
        box=box,
        due_at=due_at,
        last_seen=answered_at,
    )


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


def next_practice_question(
    candidates: Sequence[str],
    progress: Mapping[str, Progress],
    now: float,
    *,
    avoid: str | None = None,
) -> str | None:
    """The question to practise next: due ones first, then unseen ones, then the stalest.

    Due questions (the member's misses land in box 1, due at once) are ordered by box, then by
    due time; unseen questions follow in the pack's order; then seen ones that are not due, the
    least recently seen first. ``avoid`` (the question just answered) is taken only when it is
    the sole candidate.
    """
    if not candidates:
        return None

    def priority(indexed: tuple[int, str]) -> tuple[int, float, float, int]:
        index, question_id = indexed
        record = progress.get(question_id)
        if record is None:
            return 1, 0.0, 0.0, index
        if record.due_at <= now:
            return 0, float(record.box), record.due_at, index
        return 2, record.last_seen, 0.0, index

    ordered = [q for _, q in sorted(enumerate(candidates), key=priority)]
    others = [q for q in ordered if q != avoid]
    return (others or ordered)[0]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    user_id: int
    points: int


def standings(
    totals: Iterable[tuple[int, int]], limit: int = STANDINGS_SIZE
) -> tuple[Standing, ...]:
    """The top ``limit`` (user, points) by points; equal points share a rank (1, 1, 3...)."""
    ordered = sorted(totals, key=lambda item: (-item[1], item[0]))
    rows: list[Standing] = []
    for index, (user_id, points) in enumerate(ordered[:limit]):
        rank = rows[-1].rank if rows and rows[-1].points == points else index + 1
        rows.append(Standing(rank, user_id, points))
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

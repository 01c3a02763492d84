"""The quiz service: live quizzes and practice, from the store, the timers and the rules.

Live quiz life cycle, every step durable:

1. :meth:`QuizService.start_live` chooses the questions (normally, or for a review quiz the
   group's weak spots), stores the quiz and its first round (with the order its choices are
   shown in) and schedules the round's ``quiz.close`` timer (one transaction), then posts the
   quiz's first message (who started it, its size, its points rule) and the question.
2. A click stores the member's first answer as the pack's choice (not the shown letter), with
   the token of the member's "Locked in" reply (group commit), and is acknowledged only after
   that commit (primary key (round, user): a second click never counts).
3. ``quiz.close`` (at the deadline, at once after a restart if it passed) closes the round,
   scores it, appends the ledger rows, updates each member's FSRS card and streak, completes
   the timer and schedules ``quiz.next`` — one transaction, so a round is scored exactly once.
   Then the reveal is posted and each "Locked in" reply still within its token's 15 minutes is
   edited to say right or wrong and the points.
4. ``quiz.next`` (a few seconds later) makes sure everything due is posted, then asks the next
   question, or posts the standings once the quiz has ended. A question Discord does not take
   for a while (5xx, 429) is taken back and asked again ``RETRY_DELAY`` seconds later, up to
   ``POST_TRIES`` times; a channel that refuses the bot ends the quiz at once.

Posting never happens inside a transaction, and every post is tried before it is recorded:
first messages, questions, reveals and standings carry a nonce naming them (``qh:<quiz>``,
``qq:<round>``, ``qr:<round>``, ``qs:<quiz>``), so posting again after a crash, or from two
paths at once, gives the message Discord already has. :meth:`publish` posts whatever the
database says is due and not yet recorded; it runs after every change and at start-up.

Practice (one member, private) and ``/quiz due`` read and write the same FSRS cards
(:mod:`bot.rules.srs`); a practice session counts its answers until **Done** ends it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.clock import Clock
from bot.content import Pack, Question
from bot.errors import Conflict, NotAllowed, UserError
from bot.rules.quiz import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_SECONDS,
    QUIZ_MODES,
    REVIEW_RECENT,
    QuizChannelUnavailable,
    Standing,
    as_shown,
    check_quiz_options,
    choose_questions,
    choose_review,
    draw_order,
    matching_questions,
    next_member_streak,
    original_choice,
    score_answer,
    section_ref,
    shown_choice,
    standings,
    streak_before,
)
from bot.rules.srs import (
    DEFAULT_RETENTION,
    DueCount,
    Progress,
    due_counts,
    next_due,
    next_practice_question,
    reviewed,
)
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed, nonce
from bot.store import Store
from bot.store.quiz import (
    Answer,
    AnswerStatus,
    MemberStreak,
    NewAnswer,
    PlayerState,
    PracticeSession,
    Quiz,
    QuizAlreadyRunning,
    Round,
)
from bot.timers import Timer, TimerService

log = logging.getLogger(__name__)

CLOSE_KIND = "quiz.close"
NEXT_KIND = "quiz.next"
NEXT_DELAY = 5.0
#: A question whose post Discord refuses for a while (5xx, 429) is tried this often, then the
#: quiz is abandoned; tries are RETRY_DELAY seconds apart.
POST_TRIES = 5
RETRY_DELAY = 10.0
_ROUND_CACHE = 512
#: Recorded in place of a message id when a post is given up (the channel refused it).
GIVEN_UP = 0
#: A "Locked in" reply is edited at the reveal only while its token is this fresh (Discord's
#: interaction tokens last 15 minutes).
REPLY_TOKEN_LIFETIME = 15 * 60.0 - 30.0
#: At most this many "Locked in" replies are edited at once.
REPLY_EDITS_AT_ONCE = 10


def close_key(round_id: int) -> str:
    return f"quiz-close:{round_id}"


def next_key(quiz_id: int) -> str:
    return f"quiz-next:{quiz_id}"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """How one member's live answer went, for the edit of their "Locked in" reply."""

    user_id: int
    chosen: str
    right_label: str
    correct: bool
    points: int
    speed_bonus: int
    streak_bonus: int


class QuizOutput(Protocol):
    """How the quiz service shows a live quiz in its channel (the quiz cog supplies it).

    Questions come as members see them: choices in the round's order, ``answer`` the shown
    position; answers handed to a reveal carry the shown position as ``choice``.
    """

    async def post_header(self, quiz: Quiz, *, nonce: str) -> Posted:
        """Post the quiz's first message: who started it, its size and its points rule (and
        ping the quiz's role, the only ping the quiz makes)."""
        ...

    async def post_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None, *, nonce: str
    ) -> Posted:
        """Post a question with one button per choice."""
        ...

    async def close_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None
    ) -> None:
        """Redraw a question as closed: buttons disabled, the right one marked. A message that
        is gone is no failure."""
        ...

    async def post_reveal(
        self,
        quiz: Quiz,
        rnd: Round,
        question: Question,
        pack: Pack | None,
        answers: Sequence[Answer],
        *,
        nonce: str,
    ) -> Posted:
        """Post the answer, the explanation and how the members answered."""
        ...

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete one of the quiz's messages (a first message whose quiz never started)."""
        ...

    async def edit_reply(self, token: str, result: AnswerResult) -> None:
        """Edit a member's "Locked in" reply (by its interaction token) to say how it went.
        Raises :class:`PostFailed`; an expired token or a deleted reply is ``gone``."""
        ...

    async def post_standings(
        self, quiz: Quiz, rows: Sequence[Standing], players: int, *, nonce: str
    ) -> Posted:
        """Post the quiz's standings."""
        ...

    async def post_note(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        """Post a plain sentence in the channel."""
        ...


class NoQuizOutput:
    """The output until the quiz cog provides one: every post fails, to be tried again."""

    async def _unavailable(self, *args: object, **kwargs: object) -> Posted:
        raise PostFailed("transient", "quizzes are not available right now")

    post_header = post_question = post_reveal = post_standings = post_note = _unavailable

    async def close_question(self, *args: object, **kwargs: object) -> None:
        return None

    async def edit_reply(self, *args: object, **kwargs: object) -> None:
        return None

    async def delete_message(self, *args: object, **kwargs: object) -> None:
        return None


def starter_text(quiz: Quiz) -> str:
    """Who started a quiz, as members see it: a mention, or the schedule's name."""
    if quiz.started_by is not None:
        return f"<@{quiz.started_by}>"
    return f"the schedule “{quiz.title}”" if quiz.title else "a schedule"


def running_text(quiz: Quiz) -> str:
    """The sentence for a start refused because ``quiz`` runs in the channel."""
    return (
        f"Sorry, a quiz is already running here (question {quiz.position + 1} of "
        f"{quiz.total}, started by {starter_text(quiz)}). Wait for it to end, or ask its "
        "starter or a moderator to `/quiz stop` it."
    )


def review_note(quiz: Quiz) -> str | None:
    """What a review quiz says about its choice of questions (None for a normal quiz)."""
    if quiz.mode != "review":
        return None
    picked = quiz.review_picked or 0
    if picked == 0:
        return (
            "Too little history for a review yet (few answers and nothing due), so the "
            "questions are chosen as usual."
        )
    if picked < quiz.total:
        return (
            f"{picked} of the {quiz.total} questions are this server's weak spots; there is "
            "too little history for more, so the rest are chosen as usual."
        )
    return "The questions this server's members most need: due for the most, or most missed."


@dataclass(frozen=True, slots=True)
class QuizOptions:
    """What a live quiz asks: where, how many questions of which kind, and who started it.

    ``max_seconds`` raises the seconds limit for callers with their own range (scheduled
    quizzes: 300); ``started_by`` is None for a schedule's run, whose ``title`` heads it.
    """

    guild_id: int
    channel_id: int
    started_by: int | None
    questions: int = DEFAULT_QUESTIONS
    seconds: int = DEFAULT_SECONDS
    section: str | None = None
    difficulty: str | None = None
    pack_id: str | None = None
    source: str = "live"
    title: str | None = None
    max_seconds: int = MAX_SECONDS
    mode: str = "normal"
    ping_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Stopped:
    """What ``/quiz stop`` ended: the quiz, and the round it closed (if one was open)."""

    quiz: Quiz
    closed_round: Round | None


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    """What a click on a live question did: ``locked`` (stored now), ``stands`` (an earlier
    answer stands) or ``closed``; ``label`` is the stored choice's label."""

    status: AnswerStatus
    label: str | None
    closes_at: float


@dataclass(frozen=True, slots=True)
class PracticeQuestion:
    """A practice question to show one member (``question`` as shown: choices in the round's
    order)."""

    round_id: int
    question: Question
    pack: Pack
    record: Progress | None


@dataclass(frozen=True, slots=True)
class PracticeAnswer:
    """A practice answer: ``already`` holds the stored label when this was a second click.

    ``question`` is as shown and ``choice`` the shown position; ``after`` is the member's FSRS
    record after the answer; ``tally`` is (answered, right) in this session; ``leech`` is True
    the one time a question becomes a leech the member is told of.
    """

    round_id: int
    question: Question
    pack: Pack
    choice: int
    after: Progress | None
    already: str | None = None
    now: float = 0.0
    tally: tuple[int, int] = (0, 0)
    leech: bool = False


@dataclass(frozen=True, slots=True)
class PracticeSummary:
    """A practice session's tally, when it ended (Done) or ran out of questions for now.

    ``next_due`` is when the member's next question falls due (None: nothing answered yet).
    """

    session_id: int | None
    pack: Pack
    answered: int
    right: int
    next_due: float | None
    ended: bool
    now: float


@dataclass(frozen=True, slots=True)
class DueReport:
    """``/quiz due``: per paragraph, the member's questions due now, this week and new."""

    pack: Pack
    counts: tuple[DueCount, ...]
    next_due: float | None
    now: float


class QuizService:
    """Everything a quiz does; the bot holds one as ``bot.quiz``."""

    def __init__(
        self,
        store: Store,
        timers: TimerService,
        clock: Clock,
        packs: Packs,
        rng: random.Random | None = None,
        output: QuizOutput | None = None,
    ) -> None:
        self.store = store
        self.timers = timers
        self.clock = clock
        self.packs = packs
        self.rng = rng or random.Random()  # noqa: S311 - question order, not cryptography
        self.output: QuizOutput = output or NoQuizOutput()
        self._rounds: dict[int, Round] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def available(self) -> bool:
        """True once the quiz cog has given its output (quizzes can be posted)."""
        return not isinstance(self.output, NoQuizOutput)

    def register_timers(self) -> None:
        self.timers.register(CLOSE_KIND, self.on_close)
        self.timers.register(NEXT_KIND, self.on_next)

    def now(self) -> float:
        return self.clock.now()

    # --- lookups --------------------------------------------------------------------------------

    async def pack_of(self, rnd: Round | Quiz) -> Pack | None:
        return await self.packs.get(rnd.pack_id, rnd.guild_id)

    async def _pack_and_question(self, rnd: Round) -> tuple[Pack | None, Question | None]:
        """The round's pack and its question as the pack has it, from one pack lookup."""
        pack = await self.pack_of(rnd)
        return pack, pack.question(rnd.question_id) if pack else None

    async def question_of(self, rnd: Round) -> Question | None:
        """The round's question as the pack has it."""
        return (await self._pack_and_question(rnd))[1]

    async def shown_of(self, rnd: Round) -> Question | None:
        """The round's question as members see it: its choices in the round's order."""
        question = await self.question_of(rnd)
        return as_shown(question, rnd.choice_order) if question else None

    async def retention(self, guild_id: int) -> float:
        """The guild's desired retention for FSRS (0.9 unless an admin chose another)."""
        return (await self.store.guilds.get(guild_id)).retention or DEFAULT_RETENTION

    async def _cached_round(self, round_id: int) -> Round | None:
        """A round's fixed facts (question, deadline); its state is always re-read in SQL."""
        rnd = self._rounds.get(round_id)
        if rnd is None:
            rnd = await self.store.quiz.round(round_id)
            if rnd is not None:
                if len(self._rounds) >= _ROUND_CACHE:
                    self._rounds.pop(next(iter(self._rounds)))
                self._rounds[round_id] = rnd
        return rnd

    async def running_in(self, channel_id: int) -> Quiz | None:
        """The live quiz running in the channel, if any."""
        return await self.store.quiz.running_in(channel_id)

    async def _must_quiz(self, quiz_id: int) -> Quiz:
        quiz = await self.store.quiz.quiz(quiz_id)
        if quiz is None:
            raise RuntimeError(f"quiz {quiz_id} is missing")
        return quiz

    # --- starting -------------------------------------------------------------------------------

    async def start_live(self, options: QuizOptions | None = None, /, **fields: Any) -> Quiz:
        """Start a quiz in a channel and post its first message and question (``options``, or
        the fields of :class:`QuizOptions` as keywords).

        Raises :class:`Conflict` when a quiz runs in the channel, :class:`UserError` for bad
        options or filters that match nothing, :class:`QuizChannelUnavailable` when Discord
        refuses the channel and :class:`PostFailed` (transient) when it does not take the
        question; in every failure case nothing of the quiz is left behind.
        """
        async with self.store.transaction():
            quiz = await self.create(options or QuizOptions(**fields))
        return await self.post_first_question(quiz.id)

    async def create(self, options: QuizOptions | None = None, /, **fields: Any) -> Quiz:
        """Store a quiz, its first round and the round's close timer; nothing is posted.

        Joins the caller's transaction (a scheduled run completes its timer in the same one);
        :meth:`post_first_question` then posts. The quiz keeps the server's points mode of the
        moment it starts; a ``review`` quiz asks the group's weak spots (see
        :func:`bot.rules.quiz.choose_review`) and fills up with the normal choice.
        """
        options = options or QuizOptions(**fields)
        guild_id, channel_id, mode = options.guild_id, options.channel_id, options.mode
        questions, seconds, source = options.questions, options.seconds, options.source
        section, difficulty = options.section, options.difficulty
        if source not in ("live", "scheduled"):
            raise ValueError(f"unknown quiz source {source!r}")
        if mode not in QUIZ_MODES:
            raise UserError(f"The quiz mode must be one of {', '.join(QUIZ_MODES)}.")
        check_quiz_options(questions, seconds, max_seconds=options.max_seconds)
        pack = await self.packs.for_guild(guild_id, options.pack_id)
        candidates = [q.id for q in matching_questions(pack, section, difficulty)]
        ref = section_ref(pack, section)
        now = self.now()
        async with self.store.transaction():
            running = await self.store.quiz.running_in(channel_id)
            if running is not None:
                raise Conflict(running_text(running))
            reserved = {
                question_id
                for other in await self.store.quiz.running_in_guild(guild_id)
                if other.pack_id == pack.id
                for question_id in other.question_ids
            }
            last_asked = await self.store.quiz.last_asked(guild_id, pack.id)
            picked: tuple[str, ...] = ()
            recent: set[str] = set()
            if mode == "review":
                recent = await self.store.quiz.asked_in_channel_since(
                    channel_id, now - REVIEW_RECENT
                )
                picked = choose_review(
                    candidates,
                    await self.store.quiz.due_for_members(guild_id, pack.id, now),
                    await self.store.quiz.answered_here(guild_id, pack.id),
                    recent,
                    questions,
                )
            rest = [q for q in candidates if q not in picked]
            # The rest as usual; for a review, questions asked here lately come last.
            chosen = picked + choose_questions(
                rest, questions - len(picked), last_asked, reserved | recent, self.rng
            )
            settings = await self.store.guilds.get(guild_id)
            try:
                quiz = await self.store.quiz.create_quiz(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    pack_id=pack.id,
                    started_by=options.started_by,
                    source=source,
                    title=options.title,
                    question_ids=chosen,
                    seconds=seconds,
                    section=ref,
                    difficulty=difficulty,
                    now=now,
                    points_mode=settings.quiz_points,
                    mode=mode,
                    review_picked=len(picked) if mode == "review" else None,
                    ping_role_id=options.ping_role_id,
                )
            except QuizAlreadyRunning:
                raise Conflict("Sorry, a quiz is already running here.") from None
            await self._open_round(quiz, 0, now)
            return await self._must_quiz(quiz.id)

    async def post_first_question(self, quiz_id: int) -> Quiz:
        """Post a new quiz's first message and question; when Discord does not take them the
        quiz is removed (see :meth:`start_live` for what is raised)."""
        quiz = await self._must_quiz(quiz_id)
        rnd = await self.store.quiz.latest_round(quiz_id)
        if rnd is None:
            raise RuntimeError(f"quiz {quiz_id} has no round")
        try:
            async with self._lock(quiz_id):
                await self._post_header(quiz)
                await self._post_question(quiz, rnd)
        except Exception as error:
            await self._retract_header(quiz_id)
            await self.discard(quiz)
            if isinstance(error, PostFailed) and not error.transient:
                raise QuizChannelUnavailable(error.reason) from error
            raise
        log.info("quiz %s started in channel %s (%d questions)", quiz.id, quiz.channel_id,
                 quiz.total)  # fmt: skip
        return quiz

    async def _retract_header(self, quiz_id: int) -> None:
        """Take back the first message of a quiz whose first question Discord did not take."""
        quiz = await self.store.quiz.quiz(quiz_id)
        if quiz is None or not quiz.header_message_id:
            return
        try:
            await self.output.delete_message(quiz.channel_id, quiz.header_message_id)
        except PostFailed as error:
            log.info("quiz %s: its first message could not be taken back: %s", quiz_id, error)

    async def discard(self, quiz: Quiz) -> None:
        """Remove a quiz that never got going, with its timers (one commit)."""
        async with self.store.transaction():
            for rnd in await self.store.quiz.rounds(quiz.id):
                await self.store.timers.delete_key(close_key(rnd.id))
            await self.store.timers.delete_key(next_key(quiz.id))
            await self.store.quiz.delete_quiz(quiz.id)

    async def _open_round(self, quiz: Quiz, position: int, now: float) -> Round:
        """Ask question ``position``: the round (with a fresh order of its choices) and its
        close timer (inside a transaction)."""
        pack = await self.pack_of(quiz)
        question = pack.question(quiz.question_ids[position]) if pack else None
        order = draw_order(question, self.rng) if question else None
        rnd = await self.store.quiz.open_live_round(quiz, position, now, order)
        await self.timers.schedule(
            CLOSE_KIND,
            rnd.closes_at or now,
            {"round": rnd.id},
            key=close_key(rnd.id),
            guild_id=quiz.guild_id,
        )
        return rnd

    async def _post_header(self, quiz: Quiz) -> None:
        """Post the quiz's first message (nonce ``qh:<quiz>``) unless it was, and record it."""
        if quiz.header_message_id is not None:
            return
        posted = await self.output.post_header(quiz, nonce=nonce("qh", quiz.id))
        await self.store.quiz.record_header(quiz.id, posted.message_id)

    async def _post_question(self, quiz: Quiz, rnd: Round) -> None:
        """Post a round's question (nonce ``qq:<round>``) and record its message."""
        pack, question = await self._pack_and_question(rnd)
        if question is None:
            raise RuntimeError(f"question {rnd.question_id} vanished from pack {rnd.pack_id}")
        posted = await self.output.post_question(
            quiz, rnd, as_shown(question, rnd.choice_order), pack, nonce=nonce("qq", rnd.id)
        )
        await self.store.quiz.set_round_message(rnd.id, posted.message_id, self.now())

    # --- clicks ---------------------------------------------------------------------------------

    async def answer(
        self,
        guild_id: int | None,
        round_id: int,
        user_id: int,
        choice: int,
        *,
        reply_token: str | None = None,
    ) -> LiveAnswer | PracticeAnswer:
        """A member clicked the choice shown at position ``choice``: store the first answer as
        the pack's choice (committed before this returns). ``reply_token`` lets the reveal edit
        the member's "Locked in" reply."""
        rnd = await self._cached_round(round_id)
        if rnd is None or rnd.guild_id != guild_id:
            raise UserError("Sorry, this question has closed.")
        if rnd.source == "practice":
            return await self._practice_answer(rnd, user_id, choice)
        question = await self.question_of(rnd)
        if question is None or not 0 <= choice < len(question.choices):
            raise UserError("Sorry, this question has closed.")
        now = self.now()
        closes_at = rnd.closes_at or now
        if rnd.closes_at is not None and now >= rnd.closes_at:
            return LiveAnswer("closed", None, closes_at)
        picked = original_choice(question, rnd.choice_order, choice)
        outcome = await self.store.quiz.write_answer(
            NewAnswer(rnd.id, user_id, picked, picked == question.answer, now, reply_token)
        )
        label = None
        if outcome.choice is not None:
            shown = shown_choice(question, rnd.choice_order, outcome.choice)
            label = question.labels[shown]
        return LiveAnswer(outcome.status, label, closes_at)

    # --- closing --------------------------------------------------------------------------------

    async def on_close(self, timer: Timer) -> None:
        """``quiz.close``: score and close the round, then reveal it."""
        round_id = int(timer.payload["round"])
        now = self.now()
        async with self.store.transaction():
            if not await timer.complete():
                return
            closed = await self._score_round(round_id, now)
            if closed is None or closed.quiz_id is None:
                return
            quiz = await self._must_quiz(closed.quiz_id)
            if quiz.running and (closed.position or 0) + 1 >= quiz.total:
                await self.store.quiz.finish_quiz(quiz.id, "finished", now)
            await self._schedule_next(quiz, now)
        await self.publish(closed.quiz_id)

    async def _schedule_next(self, quiz: Quiz, now: float, attempt: int = 1) -> None:
        payload: dict[str, int] = {"quiz": quiz.id}
        if attempt > 1:
            payload["attempt"] = attempt
        delay = NEXT_DELAY if attempt == 1 else RETRY_DELAY
        await self.timers.schedule(
            NEXT_KIND, now + delay, payload, key=next_key(quiz.id), guild_id=quiz.guild_id
        )

    async def _score_round(self, round_id: int, now: float) -> Round | None:
        """Close a live round and award its points (call inside a transaction).

        Returns None when the round was already closed, so it is never scored twice.
        """
        closed = await self.store.quiz.close_round(round_id, now)
        if closed is None or closed.quiz_id is None:
            return closed
        quiz = await self._must_quiz(closed.quiz_id)
        answers = await self.store.quiz.answers(closed.id)
        players = await self.store.quiz.players(quiz.id)
        position = closed.position or 0
        points: dict[int, tuple[int, int, int]] = {}
        updated: list[PlayerState] = []
        for answer in answers:
            player = players.get(answer.user_id, PlayerState(answer.user_id))
            result = score_answer(
                answer.correct,
                answer.answered_at,
                closed.opened_at,
                closed.closes_at or now,
                streak_before(player.streak, player.last_position, position),
                mode=quiz.points_mode,
                bonus_so_far=player.bonus,
            )
            points[answer.user_id] = (result.points, result.speed_bonus, result.streak_bonus)
            updated.append(
                PlayerState(
                    answer.user_id,
                    player.points + result.points,
                    result.streak,
                    position,
                    player.bonus + result.bonus,
                    player.right + int(answer.correct),
                )
            )
            if result.points:
                await self.store.scores.add(
                    quiz.guild_id,
                    answer.user_id,
                    "quiz",
                    result.points,
                    f"Quiz question {position + 1}: right answer",
                    now,
                    reference=f"quiz-round:{closed.id}",
                )
        await self.store.quiz.save_points(quiz, closed.id, points, updated)
        question = await self.question_of(closed)
        if question is not None:
            await self._apply_reviews(
                closed.guild_id,
                closed.pack_id,
                question,
                [(a.user_id, a.correct, a.answered_at) for a in answers],
                now,
            )
        return closed

    async def _apply_reviews(
        self,
        guild_id: int,
        pack_id: str,
        question: Question,
        answers: Sequence[tuple[int, bool, float]],
        now: float,
    ) -> Mapping[int, tuple[Progress | None, Progress]]:
        """Review each member's FSRS card on ``question`` (wrong: Again, right: Good, at the
        guild's retention) and update their overall streak; (before, after) per member."""
        if not answers:
            return {}
        users = [user for user, _, _ in answers]
        before = await self.store.quiz.progress_on(guild_id, pack_id, question.id, users)
        retention = await self.retention(guild_id)
        records = {
            user: reviewed(before.get(user), question, correct, at, retention)
            for user, correct, at in answers
        }
        await self.store.quiz.save_progress(guild_id, pack_id, records, now)
        streaks = await self.store.quiz.streaks(guild_id, users)
        updated = []
        for user, correct, _ in sorted(answers, key=lambda a: a[2]):
            old = streaks.get(user, MemberStreak(user))
            current, best = next_member_streak(old.current, old.best, correct)
            updated.append(MemberStreak(user, current, best))
        await self.store.quiz.save_streaks(guild_id, updated, now)
        return {user: (before.get(user), after) for user, after in records.items()}

    # --- advancing ------------------------------------------------------------------------------

    async def on_next(self, timer: Timer) -> None:
        """``quiz.next``: post what is still due, then the next question or the standings.

        Raises (so the timer is tried again) while something due cannot be posted yet.
        """
        quiz_id = int(timer.payload["quiz"])
        attempt = int(timer.payload.get("attempt", 1))
        if await self.store.quiz.quiz(quiz_id) is None:
            return
        if not await self.publish(quiz_id):
            raise RuntimeError(f"quiz {quiz_id}: a reveal or the standings could not be posted")
        now = self.now()
        async with self.store.transaction():
            if not await timer.complete():
                return
            quiz = await self._must_quiz(quiz_id)
            latest = await self.store.quiz.latest_round(quiz_id)
            if not quiz.running or (latest is not None and latest.closed_at is None):
                return
            position = quiz.position + 1
            if position >= quiz.total:
                await self.store.quiz.finish_quiz(quiz.id, "finished", now)
                rnd = None
            else:
                rnd = await self._open_round(quiz, position, now)
            quiz = await self._must_quiz(quiz_id)
        if rnd is None:
            await self.publish(quiz_id)
            return
        try:
            async with self._lock(quiz_id):
                await self._post_question(quiz, rnd)
        except PostFailed as error:
            if error.transient and attempt < POST_TRIES:
                log.warning("quiz %s: posting question %d failed (try %d): %s",
                            quiz_id, position + 1, attempt, error)  # fmt: skip
                await self._post_again_later(quiz, rnd, attempt + 1)
                return
            log.warning("quiz %s abandoned: posting question %d failed: %s",
                        quiz_id, position + 1, error)  # fmt: skip
            await self._abandon(quiz, rnd)

    async def _post_again_later(self, quiz: Quiz, rnd: Round, attempt: int) -> None:
        """Take back a round whose question Discord did not take, and ask it again shortly."""
        async with self.store.transaction():
            if not await self.store.quiz.discard_round(rnd.id):
                # Answered already: Discord stored the message despite the error. It runs.
                log.info("quiz %s: question %s was posted after all", quiz.id, rnd.position)
                return
            await self.store.timers.delete_key(close_key(rnd.id))
            await self._schedule_next(quiz, self.now(), attempt)

    async def _abandon(self, quiz: Quiz, rnd: Round | None = None) -> None:
        """End a quiz whose channel refuses messages (or keeps failing); points given stand."""
        now = self.now()
        async with self.store.transaction():
            if rnd is not None and await self._score_round(rnd.id, now) is not None:
                await self.store.timers.delete_key(close_key(rnd.id))
            await self.store.quiz.finish_quiz(quiz.id, "abandoned", now)
            await self.store.timers.delete_key(next_key(quiz.id))

    async def stop(self, channel_id: int, user_id: int, *, moderator: bool) -> Stopped:
        """End the quiz in a channel: the open question is closed and scored (revealed after,
        by :meth:`publish`)."""
        quiz = await self.store.quiz.running_in(channel_id)
        if quiz is None:
            raise UserError("No quiz is running in this channel.")
        if quiz.started_by != user_id and not moderator:
            raise NotAllowed("Only the member who started this quiz or a moderator can stop it.")
        now = self.now()
        async with self.store.transaction():
            current = await self.store.quiz.quiz(quiz.id)
            if current is None or not current.running:
                raise UserError("That quiz has just ended.")
            latest = await self.store.quiz.latest_round(quiz.id)
            closed = None
            if latest is not None and latest.closed_at is None:
                closed = await self._score_round(latest.id, now)
                await self.store.timers.delete_key(close_key(latest.id))
            await self.store.quiz.finish_quiz(quiz.id, "stopped", now, stopped_by=user_id)
            await self._schedule_next(quiz, now)
            stopped = await self._must_quiz(quiz.id)
        log.info("quiz %s stopped by %s", quiz.id, user_id)
        return Stopped(stopped, closed)

    # --- publishing -----------------------------------------------------------------------------

    def _lock(self, quiz_id: int) -> asyncio.Lock:
        return self._locks.setdefault(quiz_id, asyncio.Lock())

    async def publish(self, quiz_id: int) -> bool:
        """Post what the database says is due and not yet recorded: unposted questions (after
        a crash) and the quiz's first message, reveals of closed rounds, and the standings once
        the quiz has ended.

        Returns False when Discord did not take a post for now (it is tried again by the
        quiz's next timer or at start-up); a channel that refuses the bot ends the quiz.
        """
        async with self._lock(quiz_id):
            quiz = await self.store.quiz.quiz(quiz_id)
            if quiz is None or quiz.status == "abandoned":
                return True
            try:
                await self._post_header(quiz)
                for rnd in await self.store.quiz.rounds(quiz_id):
                    if rnd.message_id is None:
                        await self._post_question(quiz, rnd)
                    if rnd.closed_at is not None and rnd.reveal_message_id is None:
                        await self._reveal(quiz, rnd)
                if quiz.status in ("finished", "stopped") and quiz.standings_message_id is None:
                    await self._post_standings(quiz)
            except PostFailed as error:
                if error.transient:
                    log.warning("quiz %s: a post failed and is tried again: %s", quiz_id, error)
                    return False
                log.warning("quiz %s: the channel refuses the bot (%s); ending it", quiz_id,
                            error)  # fmt: skip
                await self._give_up(quiz)
        return True

    async def _reveal(self, quiz: Quiz, rnd: Round) -> None:
        """Redraw the question as closed, post its answer (nonce ``qr:<round>``), then edit the
        members' "Locked in" replies to say how they did."""
        pack, question = await self._pack_and_question(rnd)
        now = self.now()
        if question is None:
            text = "The question was removed from its pack; no answer to show."
            posted = await self.output.post_note(
                rnd.channel_id or quiz.channel_id, text, nonce=nonce("qr", rnd.id)
            )
            await self.store.quiz.record_reveal(rnd.id, posted.message_id, now)
            return
        shown = as_shown(question, rnd.choice_order)
        if rnd.message_id:
            await self.output.close_question(quiz, rnd, shown, pack)
        answers = [
            replace(a, choice=shown_choice(question, rnd.choice_order, a.choice))
            for a in await self.store.quiz.answers(rnd.id)
        ]
        posted = await self.output.post_reveal(
            quiz, rnd, shown, pack, answers, nonce=nonce("qr", rnd.id)
        )
        await self._edit_replies(shown, answers, now)
        await self.store.quiz.record_reveal(rnd.id, posted.message_id, now)
        await self.store.quiz.forget_reply_tokens(rnd.id)

    async def _edit_replies(self, shown: Question, answers: Sequence[Answer], now: float) -> None:
        """Edit each fresh "Locked in" reply; an expired token or a deleted reply is skipped."""
        gate = asyncio.Semaphore(REPLY_EDITS_AT_ONCE)

        async def edit(answer: Answer) -> None:
            if answer.reply_token is None or now - answer.answered_at > REPLY_TOKEN_LIFETIME:
                return
            result = AnswerResult(
                answer.user_id,
                shown.labels[answer.choice],
                shown.answer_label,
                answer.correct,
                answer.points or 0,
                answer.speed_bonus or 0,
                answer.streak_bonus or 0,
            )
            async with gate:
                try:
                    await self.output.edit_reply(answer.reply_token, result)
                except PostFailed as error:
                    log.info("could not edit %s's locked-in reply: %s", answer.user_id, error.kind)

        await asyncio.gather(*(edit(a) for a in answers))

    async def _post_standings(self, quiz: Quiz) -> None:
        """Post the standings (top 10, shared ranks; nonce ``qs:<quiz>``)."""
        totals = await self.store.quiz.totals(quiz.id)
        posted = await self.output.post_standings(
            quiz, standings(totals), len(totals), nonce=nonce("qs", quiz.id)
        )
        await self.store.quiz.record_standings(quiz.id, posted.message_id, self.now())

    async def _give_up(self, quiz: Quiz) -> None:
        """The channel refuses the bot: end a running quiz and post nothing more there."""
        now = self.now()
        async with self.store.transaction():
            if quiz.running:
                await self.store.quiz.finish_quiz(quiz.id, "abandoned", now)
                await self.store.timers.delete_key(next_key(quiz.id))
            for rnd in await self.store.quiz.rounds(quiz.id):
                if rnd.closed_at is not None and rnd.reveal_message_id is None:
                    await self.store.quiz.record_reveal(rnd.id, GIVEN_UP, now)
                    await self.store.quiz.forget_reply_tokens(rnd.id)
            await self.store.quiz.record_header(quiz.id, GIVEN_UP)
            await self.store.quiz.record_standings(quiz.id, GIVEN_UP, now)

    async def catch_up(self) -> None:
        """At start-up: post whatever a crash left unposted."""
        for quiz_id in await self.store.quiz.unpublished():
            await self.publish(quiz_id)

    # --- practice -------------------------------------------------------------------------------

    async def practice_start(
        self,
        guild_id: int | None,
        user_id: int,
        *,
        pack_id: str | None = None,
        section: str | None = None,
        difficulty: str | None = None,
    ) -> PracticeQuestion | PracticeSummary:
        """A new practice session's first question (or, when nothing may be practised now,
        when the next question falls due)."""
        if guild_id is None:
            raise UserError("Practice works in a server, not in direct messages.")
        pack = await self.packs.for_guild(guild_id, pack_id)
        matching_questions(pack, section, difficulty)
        session = await self.store.quiz.start_session(
            guild_id=guild_id,
            user_id=user_id,
            pack_id=pack.id,
            section=section_ref(pack, section),
            difficulty=difficulty,
            now=self.now(),
        )
        return await self._next_practice(session)

    async def _session_of(
        self, guild_id: int | None, user_id: int, round_id: int
    ) -> tuple[Round, PracticeSession]:
        """The practice round a button names and its session (checked: the member's, open)."""
        rnd = await self.store.quiz.round(round_id)
        if rnd is None or rnd.source != "practice" or rnd.guild_id != guild_id:
            raise UserError("This practice has ended. Start again with `/quiz practice`.")
        if rnd.user_id != user_id:
            raise NotAllowed("This is someone else's practice. Start yours with `/quiz practice`.")
        session = await self.store.quiz.session(rnd.session_id) if rnd.session_id else None
        if session is None:
            # A practice round from before sessions existed: a session with its filters.
            session = await self.store.quiz.start_session(
                guild_id=rnd.guild_id,
                user_id=user_id,
                pack_id=rnd.pack_id,
                section=rnd.section,
                difficulty=rnd.difficulty,
                now=self.now(),
            )
        return rnd, session

    async def practice_next(
        self, guild_id: int | None, user_id: int, round_id: int
    ) -> PracticeQuestion | PracticeSummary:
        """The next practice question after ``round_id``, in the same session."""
        rnd, session = await self._session_of(guild_id, user_id, round_id)
        if session.ended_at is not None:
            raise UserError("This practice has ended. Start again with `/quiz practice`.")
        return await self._next_practice(session, avoid=rnd.question_id)

    async def practice_done(
        self, guild_id: int | None, user_id: int, round_id: int
    ) -> PracticeSummary:
        """**Done**: end the session of ``round_id`` and sum it up (a second Done repeats it)."""
        _, session = await self._session_of(guild_id, user_id, round_id)
        await self.store.quiz.end_session(session.id, self.now())
        return await self._summary(session, ended=True)

    async def _summary(self, session: PracticeSession, *, ended: bool) -> PracticeSummary:
        pack = await self.packs.for_guild(session.guild_id, session.pack_id)
        answered, right = await self.store.quiz.session_tally(session.id)
        candidates = self._practice_candidates(pack, session)
        progress = await self.store.quiz.progress(session.guild_id, session.user_id, pack.id)
        return PracticeSummary(
            session.id,
            pack,
            answered,
            right,
            next_due([q.id for q in candidates], progress),
            ended,
            self.now(),
        )

    @staticmethod
    def _practice_candidates(pack: Pack, session: PracticeSession) -> tuple[Question, ...]:
        try:
            return matching_questions(pack, session.section, session.difficulty)
        except UserError:
            return ()

    async def _next_practice(
        self, session: PracticeSession, *, avoid: str | None = None
    ) -> PracticeQuestion | PracticeSummary:
        pack = await self.packs.for_guild(session.guild_id, session.pack_id)
        candidates = matching_questions(pack, session.section, session.difficulty)
        progress = await self.store.quiz.progress(session.guild_id, session.user_id, pack.id)
        now = self.now()
        question_id = next_practice_question([q.id for q in candidates], progress, now, avoid=avoid)
        question = pack.question(question_id or "")
        if question is None:
            return await self._summary(session, ended=False)
        order = draw_order(question, self.rng)
        rnd = await self.store.quiz.open_practice_round(
            guild_id=session.guild_id,
            user_id=session.user_id,
            pack_id=pack.id,
            question_id=question.id,
            section=session.section,
            difficulty=session.difficulty,
            now=now,
            order=order,
            session_id=session.id,
        )
        return PracticeQuestion(rnd.id, as_shown(question, order), pack, progress.get(question.id))

    async def _practice_answer(self, rnd: Round, user_id: int, choice: int) -> PracticeAnswer:
        if rnd.user_id != user_id:
            raise NotAllowed("This is someone else's practice. Start yours with `/quiz practice`.")
        pack, question = await self._pack_and_question(rnd)
        if question is None or pack is None or not 0 <= choice < len(question.choices):
            raise UserError("This question is no longer available. Try `/quiz practice` again.")
        shown = as_shown(question, rnd.choice_order)
        picked = original_choice(question, rnd.choice_order, choice)
        correct = picked == question.answer
        now = self.now()
        after: Progress | None = None
        leech = False
        async with self.store.transaction():
            outcome = await self.store.quiz.record_answer(rnd.id, user_id, picked, correct, now)
            if outcome.status == "locked":
                await self.store.quiz.close_round(rnd.id, now)
                reviews = await self._apply_reviews(
                    rnd.guild_id, rnd.pack_id, question, [(user_id, correct, now)], now
                )
                after = reviews[user_id][1]
                if after.leech and after.leech_noted_at is None:
                    leech = await self.store.quiz.note_leech(
                        rnd.guild_id, user_id, rnd.pack_id, question.id, now
                    )
                    after = replace(after, leech_noted_at=now)
        tally = await self.store.quiz.session_tally(rnd.session_id) if rnd.session_id else (0, 0)
        if outcome.status != "locked":
            stored = outcome.choice if outcome.choice is not None else picked
            label = shown.labels[shown_choice(question, rnd.choice_order, stored)]
            return PracticeAnswer(rnd.id, shown, pack, choice, None, already=label, now=now)
        return PracticeAnswer(rnd.id, shown, pack, choice, after, now=now, tally=tally, leech=leech)

    # --- due ------------------------------------------------------------------------------------

    async def due(
        self, guild_id: int | None, user_id: int, pack_id: str | None = None
    ) -> DueReport:
        """``/quiz due``: the member's questions due now and in the next 7 days, by paragraph."""
        if guild_id is None:
            raise UserError("This works in a server, not in direct messages.")
        pack = await self.packs.for_guild(guild_id, pack_id)
        progress = await self.store.quiz.progress(guild_id, user_id, pack.id)
        now = self.now()
        return DueReport(
            pack,
            tuple(due_counts(pack.questions, progress, now)),
            next_due([q.id for q in pack.questions], progress),
            now,
        )

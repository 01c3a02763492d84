"""The quiz engine: runs live quizzes and practice from SQLite, timers and the rules.

Live quiz life cycle, every step durable:

1. ``start_live`` chooses the questions, stores the quiz and its first round, schedules the
   round's ``quiz.close`` timer (all in one transaction), then posts the question.
2. A click stores the member's first answer in its own transaction and is acknowledged only after
   that commit (primary key (round, user): a second click never counts).
3. ``quiz.close`` (at the deadline, at once after a restart if it passed) closes the round, scores
   it, appends the ledger rows, updates progress and streaks, completes the timer and schedules
   ``quiz.next`` — one transaction, so a round is scored exactly once. Then the reveal is posted.
4. ``quiz.next`` (a few seconds later) makes sure the previous reveal went out, then asks the
   next question, or posts the standings once the quiz has ended. A question Discord does not
   take (5xx, 429) is taken back and asked again ``RETRY_DELAY`` seconds later, up to
   ``POST_TRIES`` times; a channel that refuses the bot (403/404) ends the quiz at once.

Discord I/O never happens inside a transaction. Reveals and standings are "claimed" in the
database before they are posted, so two paths never post them twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.adapter.ui import send_ephemeral
from bot.clock import discord_timestamp
from bot.content import Pack, Question
from bot.errors import Conflict, NotAllowed, UserError
from bot.rules.quiz import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_SECONDS,
    QuizChannelUnavailable,
    check_quiz_options,
    choose_questions,
    matching_questions,
    next_member_streak,
    next_practice_question,
    reviewed,
    score_answer,
    section_ref,
    standings,
    streak_before,
)
from bot.store import Store
from bot.store.quiz import (
    AnswerOutcome,
    MemberStreak,
    NewAnswer,
    PlayerState,
    Quiz,
    QuizAlreadyRunning,
    Round,
)
from bot.timers import Timer
from cogs.quiz.views import (
    PracticeNextButton,
    answer_view,
    practice_question_embed,
    practice_result_embed,
    question_embed,
    quiz_heading,
    reveal_embed,
    standings_embed,
    starter_text,
)

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

log = logging.getLogger(__name__)

CLOSE_KIND = "quiz.close"
NEXT_KIND = "quiz.next"
NEXT_DELAY = 5.0
#: A question whose post Discord refuses for a while (5xx, 429) is tried this often, then the
#: quiz is abandoned; tries are RETRY_DELAY seconds apart.
POST_TRIES = 5
RETRY_DELAY = 10.0
MAX_BATCH = 500
_ROUND_CACHE = 512

__all__ = ["CLOSE_KIND", "NEXT_DELAY", "NEXT_KIND", "QuizChannelUnavailable", "QuizEngine"]


def close_key(round_id: int) -> str:
    return f"quiz-close:{round_id}"


def next_key(quiz_id: int) -> str:
    return f"quiz-next:{quiz_id}"


def transient(error: BaseException) -> bool:
    """A Discord failure worth trying again: still rate limited (429) or a server error (5xx)."""
    return isinstance(error, discord.HTTPException) and (error.status == 429 or error.status >= 500)


def channel_problem(error: discord.HTTPException) -> str | None:
    """A reason to show when Discord refuses the channel itself; None for other failures."""
    if isinstance(error, discord.Forbidden):
        return "I am missing a permission there"
    if isinstance(error, discord.NotFound):
        return "the channel no longer exists or I cannot see it"
    return None


class AnswerWriter:
    """Group commit for clicks: those arriving while answers are being written share the next
    transaction. Each click's future resolves only after the commit that stored (or refused)
    it, so an acknowledged answer is always in the database."""

    def __init__(self, store: Store, *, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: list[tuple[NewAnswer, asyncio.Future[AnswerOutcome]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def write(self, click: NewAnswer) -> AnswerOutcome:
        future: asyncio.Future[AnswerOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append((click, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="quiz-answer-writer")
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                outcomes = await self.store.quiz.record_answers([click for click, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def close(self) -> None:
        """Stop writing; clicks still queued fail (they were never acknowledged)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        for _, future in self._queue:
            if not future.done():
                future.cancel()
        self._queue.clear()


@dataclass(frozen=True, slots=True)
class Stopped:
    quiz: Quiz
    closed_round: Round | None


class QuizEngine:
    """Everything a quiz does, reachable as ``bot.get_cog("Quiz").engine``."""

    def __init__(self, bot: RoundtableBot, rng: random.Random | None = None) -> None:
        self.bot = bot
        self.rng = rng or random.Random()  # noqa: S311 - question order, not cryptography
        self._rounds: dict[int, Round] = {}
        self._writer: AnswerWriter | None = None

    @property
    def store(self) -> Store:
        return self.bot.store

    def now(self) -> float:
        return self.bot.clock.now()

    @property
    def answers(self) -> AnswerWriter:
        if self._writer is None:
            self._writer = AnswerWriter(self.store)
        return self._writer

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    def register_timers(self) -> None:
        self.bot.timers.register(CLOSE_KIND, self.on_close)
        self.bot.timers.register(NEXT_KIND, self.on_next)

    # --- lookups --------------------------------------------------------------------------------

    def pack_of(self, pack_id: str) -> Pack | None:
        return self.bot.library.get(pack_id)

    def question_of(self, rnd: Round) -> Question | None:
        pack = self.pack_of(rnd.pack_id)
        return pack.question(rnd.question_id) if pack else None

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

    async def running_in(self, channel_id: int) -> bool:
        """True when a live quiz runs in the channel."""
        return await self.store.quiz.running_in(channel_id) is not None

    def describe_running(self, quiz: Quiz) -> str:
        return (
            f"Sorry, a quiz is already running here (question {quiz.position + 1} of "
            f"{quiz.total}, started by {starter_text(quiz)}). Wait for it to end, or ask its "
            "starter or a moderator to `/quiz stop` it."
        )

    # --- starting -------------------------------------------------------------------------------

    async def start_live(
        self,
        *,
        guild_id: int,
        channel_id: int,
        started_by: int | None,
        questions: int = DEFAULT_QUESTIONS,
        seconds: int = DEFAULT_SECONDS,
        section: str | None = None,
        difficulty: str | None = None,
        pack_id: str | None = None,
        source: str = "live",
        title: str | None = None,
        max_seconds: int = MAX_SECONDS,
    ) -> int:
        """Start a quiz in a channel and post its first question; returns the quiz id.

        Works without an interaction (scheduled quizzes). Raises :class:`Conflict` when a quiz
        runs in the channel, :class:`UserError` for bad options or filters that match nothing,
        and :class:`QuizChannelUnavailable` when Discord refuses the channel (403/404); in
        every failure case nothing of the quiz is left behind. ``max_seconds`` raises the
        seconds limit for callers with their own range (scheduled quizzes: 300).
        """
        if source not in ("live", "scheduled"):
            raise ValueError(f"unknown quiz source {source!r}")
        check_quiz_options(questions, seconds, max_seconds=max_seconds)
        pack = await self.bot.pack_for(guild_id, pack_id)
        candidates = [q.id for q in matching_questions(pack, section, difficulty)]
        ref = section_ref(pack, section)
        now = self.now()
        async with self.store.transaction():
            running = await self.store.quiz.running_in(channel_id)
            if running is not None:
                raise Conflict(self.describe_running(running))
            reserved = {
                question_id
                for other in await self.store.quiz.running_in_guild(guild_id)
                if other.pack_id == pack.id
                for question_id in other.question_ids
            }
            last_asked = await self.store.quiz.last_asked(guild_id, pack.id)
            chosen = choose_questions(candidates, questions, last_asked, reserved, self.rng)
            try:
                quiz = await self.store.quiz.create_quiz(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    pack_id=pack.id,
                    started_by=started_by,
                    source=source,
                    title=title,
                    question_ids=chosen,
                    seconds=seconds,
                    section=ref,
                    difficulty=difficulty,
                    now=now,
                )
            except QuizAlreadyRunning:
                raise Conflict("Sorry, a quiz is already running here.") from None
            rnd = await self.store.quiz.open_live_round(quiz, 0, now)
            await self.bot.timers.schedule(
                CLOSE_KIND, rnd.closes_at or now, {"round": rnd.id}, key=close_key(rnd.id)
            )
            quiz = await self._must_quiz(quiz.id)
        try:
            await self._post_question(quiz, rnd)
        except Exception as error:
            async with self.store.transaction():
                await self.store.quiz.delete_quiz(quiz.id)
                await self.store.timers.delete_key(close_key(rnd.id))
            if isinstance(error, discord.HTTPException) and (reason := channel_problem(error)):
                raise QuizChannelUnavailable(reason) from error
            raise
        log.info("quiz %s started in channel %s (%d questions)", quiz.id, channel_id, quiz.total)
        return quiz.id

    async def _must_quiz(self, quiz_id: int) -> Quiz:
        quiz = await self.store.quiz.quiz(quiz_id)
        if quiz is None:
            raise RuntimeError(f"quiz {quiz_id} is missing")
        return quiz

    async def _post_question(self, quiz: Quiz, rnd: Round) -> None:
        question = self.question_of(rnd)
        if question is None:
            raise RuntimeError(f"question {rnd.question_id} vanished from pack {rnd.pack_id}")
        channel = self.bot.get_partial_messageable(quiz.channel_id, guild_id=quiz.guild_id)
        message = await channel.send(
            embed=question_embed(
                question,
                self.pack_of(rnd.pack_id),
                heading=quiz_heading(quiz, rnd.position or 0),
                closes_at=rnd.closes_at,
            ),
            view=answer_view(rnd.id, question),
        )
        await self.store.quiz.set_round_message(rnd.id, message.id, self.now())

    # --- clicks ---------------------------------------------------------------------------------

    async def click(
        self, interaction: discord.Interaction[RoundtableBot], round_id: int, choice: int
    ) -> None:
        """A member clicked a choice: store the first answer, then acknowledge privately."""
        rnd = await self._cached_round(round_id)
        if rnd is None or rnd.guild_id != interaction.guild_id:
            raise UserError("Sorry, this question has closed.")
        if rnd.source == "practice":
            await self._practice_answer(interaction, rnd, choice)
            return
        question = self.question_of(rnd)
        if question is None or not 0 <= choice < len(question.choices):
            raise UserError("Sorry, this question has closed.")
        now = self.now()
        if rnd.closes_at is not None and now >= rnd.closes_at:
            outcome_status, stored = "closed", None
        else:
            outcome = await self.answers.write(
                NewAnswer(rnd.id, interaction.user.id, choice, choice == question.answer, now)
            )
            outcome_status, stored = outcome.status, outcome.choice
        if outcome_status == "locked":
            results = discord_timestamp(rnd.closes_at or now, "R")
            text = f"Locked in: {question.labels[choice]}. Results {results}"
        elif outcome_status == "stands" and stored is not None:
            text = f"You already answered: your answer {question.labels[stored]} stands."
        else:
            text = "Too late: this question has closed."
        await interaction.response.send_message(text, ephemeral=True)

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
            await self._schedule_next(quiz.id, now)
        await self.publish(closed.quiz_id, closed.id)

    async def _schedule_next(self, quiz_id: int, now: float) -> None:
        await self.bot.timers.schedule(
            NEXT_KIND, now + NEXT_DELAY, {"quiz": quiz_id}, key=next_key(quiz_id)
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
        points: dict[int, int] = {}
        updated: list[PlayerState] = []
        for answer in answers:
            player = players.get(answer.user_id, PlayerState(answer.user_id))
            result = score_answer(
                answer.correct,
                answer.answered_at,
                closed.opened_at,
                closed.closes_at or now,
                streak_before(player.streak, player.last_position, position),
            )
            points[answer.user_id] = result.points
            updated.append(
                PlayerState(answer.user_id, player.points + result.points, result.streak, position)
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
        question = self.question_of(closed)
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
    ) -> None:
        """Update each member's progress on ``question`` and their overall streak."""
        if not answers:
            return
        users = [user for user, _, _ in answers]
        before = await self.store.quiz.progress_on(guild_id, pack_id, question.id, users)
        records = {
            user: reviewed(before.get(user), question, correct, at) for user, correct, at in answers
        }
        await self.store.quiz.save_progress(guild_id, pack_id, records, now)
        streaks = await self.store.quiz.streaks(guild_id, users)
        updated = []
        for user, correct, _ in sorted(answers, key=lambda a: a[2]):
            old = streaks.get(user, MemberStreak(user))
            current, best = next_member_streak(old.current, old.best, correct)
            updated.append(MemberStreak(user, current, best))
        await self.store.quiz.save_streaks(guild_id, updated, now)

    # --- advancing ------------------------------------------------------------------------------

    async def on_next(self, timer: Timer) -> None:
        """``quiz.next``: finish the last reveal if needed, then the next question or the end."""
        quiz_id = int(timer.payload["quiz"])
        attempt = int(timer.payload.get("attempt", 1))
        quiz = await self.store.quiz.quiz(quiz_id)
        if quiz is None:
            return
        latest = await self.store.quiz.latest_round(quiz_id)
        if latest is not None and latest.closed_at is not None and latest.revealed_at is None:
            await self.reveal(latest.id)
        quiz = await self._must_quiz(quiz_id)
        if not quiz.running:
            await self.publish(quiz_id)
            return
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
                rnd = await self.store.quiz.open_live_round(quiz, position, now)
                await self.bot.timers.schedule(
                    CLOSE_KIND, rnd.closes_at or now, {"round": rnd.id}, key=close_key(rnd.id)
                )
            quiz = await self._must_quiz(quiz_id)
        if rnd is None:
            await self.publish(quiz_id)
            return
        try:
            await self._post_question(quiz, rnd)
        except Exception as error:
            if transient(error) and attempt < POST_TRIES:
                log.warning("quiz %s: posting question %d failed (try %d): %s",
                            quiz_id, position + 1, attempt, error)  # fmt: skip
                await self._post_again_later(quiz, rnd, attempt + 1)
                return
            log.exception("quiz %s abandoned: posting question %d failed", quiz_id, position + 1)
            await self._abandon(quiz, rnd)

    async def _post_again_later(self, quiz: Quiz, rnd: Round, attempt: int) -> None:
        """Take back a round whose question Discord did not take, and ask it again shortly."""
        async with self.store.transaction():
            if not await self.store.quiz.discard_round(rnd.id):
                # Answered already: Discord stored the message despite the error. It runs.
                log.info("quiz %s: question %s was posted after all", quiz.id, rnd.position)
                return
            await self.store.timers.delete_key(close_key(rnd.id))
            await self.bot.timers.schedule(
                NEXT_KIND,
                self.now() + RETRY_DELAY,
                {"quiz": quiz.id, "attempt": attempt},
                key=next_key(quiz.id),
            )

    async def _abandon(self, quiz: Quiz, rnd: Round | None = None) -> None:
        """End a quiz whose channel refuses messages (or keeps failing); points given stand."""
        now = self.now()
        async with self.store.transaction():
            if rnd is not None and await self._score_round(rnd.id, now) is not None:
                await self.store.timers.delete_key(close_key(rnd.id))
            await self.store.quiz.finish_quiz(quiz.id, "abandoned", now)
            await self.store.timers.delete_key(next_key(quiz.id))

    async def stop(self, channel_id: int, user_id: int, *, moderator: bool) -> Stopped:
        """End the quiz in a channel: the open question is closed and scored (revealed after)."""
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
            await self._schedule_next(quiz.id, now)
            stopped = await self._must_quiz(quiz.id)
        log.info("quiz %s stopped by %s", quiz.id, user_id)
        return Stopped(stopped, closed)

    # --- publishing -----------------------------------------------------------------------------

    async def publish(self, quiz_id: int, round_id: int | None = None) -> None:
        """Post what is due after a change: the round's reveal, and standings once it ended."""
        if round_id is not None:
            await self.reveal(round_id)
        quiz = await self.store.quiz.quiz(quiz_id)
        if quiz is not None and quiz.status in ("finished", "stopped"):
            await self.post_standings(quiz)

    async def reveal(self, round_id: int) -> None:
        """Disable the question's buttons, mark the right one and post the answer (once)."""
        rnd = await self.store.quiz.round(round_id)
        if rnd is None or rnd.quiz_id is None or rnd.closed_at is None or rnd.revealed_at:
            return
        if not await self.store.quiz.claim_reveal(round_id, self.now()):
            return
        quiz = await self._must_quiz(rnd.quiz_id)
        question = self.question_of(rnd)
        pack = self.pack_of(rnd.pack_id)
        channel = self.bot.get_partial_messageable(rnd.channel_id or quiz.channel_id)
        try:
            if question is None:
                await channel.send("The question was removed from its pack; no answer to show.")
                return
            if rnd.message_id is not None:
                try:
                    await channel.get_partial_message(rnd.message_id).edit(
                        embed=question_embed(
                            question,
                            pack,
                            heading=quiz_heading(quiz, rnd.position or 0),
                            closed=True,
                        ),
                        view=answer_view(rnd.id, question, revealed=True),
                    )
                except discord.NotFound:
                    log.info("question message %s was deleted; revealing anyway", rnd.message_id)
            answers = await self.store.quiz.answers(rnd.id)
            await channel.send(embed=reveal_embed(quiz, rnd, question, pack, answers))
        except discord.HTTPException as error:
            if channel_problem(error) is None:
                await self.store.quiz.release_reveal(round_id)
                raise
            log.warning("quiz %s: cannot reveal round %s: %s", quiz.id, rnd.id, error)
            if quiz.running:
                await self._abandon(quiz)

    async def post_standings(self, quiz: Quiz) -> None:
        """Post the quiz's standings (top 10, shared ranks) once."""
        if quiz.standings_posted_at is not None:
            return
        if not await self.store.quiz.claim_standings(quiz.id, self.now()):
            return
        totals = await self.store.quiz.totals(quiz.id)
        card = standings_embed(quiz, standings(totals), len(totals))
        channel = self.bot.get_partial_messageable(quiz.channel_id)
        try:
            await channel.send(embed=card)
        except discord.HTTPException as error:
            if channel_problem(error) is None:
                await self.store.quiz.release_standings(quiz.id)
                raise
            log.warning("quiz %s: cannot post standings: %s", quiz.id, error)

    # --- practice -------------------------------------------------------------------------------

    async def _next_practice(
        self,
        guild_id: int,
        user_id: int,
        *,
        pack_id: str | None,
        section: str | None,
        difficulty: str | None,
        avoid: str | None = None,
    ) -> tuple[discord.Embed, discord.ui.View]:
        pack = await self.bot.pack_for(guild_id, pack_id)
        candidates = matching_questions(pack, section, difficulty)
        progress = await self.store.quiz.progress(guild_id, user_id, pack.id)
        now = self.now()
        question_id = next_practice_question([q.id for q in candidates], progress, now, avoid=avoid)
        question = pack.question(question_id or "")
        if question is None:
            raise UserError("There is no question to practise.")
        ref = section_ref(pack, section)
        rnd = await self.store.quiz.open_practice_round(
            guild_id=guild_id,
            user_id=user_id,
            pack_id=pack.id,
            question_id=question.id,
            section=ref,
            difficulty=difficulty,
            now=now,
        )
        card = practice_question_embed(question, pack, progress.get(question.id), now)
        return card, answer_view(rnd.id, question)

    async def practice_start(
        self,
        interaction: discord.Interaction[RoundtableBot],
        *,
        pack_id: str | None = None,
        section: str | None = None,
        difficulty: str | None = None,
    ) -> None:
        """Send the member a private practice question."""
        if interaction.guild_id is None:
            raise UserError("Practice works in a server, not in direct messages.")
        card, view = await self._next_practice(
            interaction.guild_id,
            interaction.user.id,
            pack_id=pack_id,
            section=section,
            difficulty=difficulty,
        )
        await interaction.response.send_message(embed=card, view=view, ephemeral=True)

    async def practice_next(
        self, interaction: discord.Interaction[RoundtableBot], round_id: int
    ) -> None:
        rnd = await self.store.quiz.round(round_id)
        if rnd is None or rnd.source != "practice" or rnd.guild_id != interaction.guild_id:
            raise UserError("This practice has ended. Start again with `/quiz practice`.")
        if rnd.user_id != interaction.user.id:
            raise NotAllowed("This is someone else's practice. Start yours with `/quiz practice`.")
        card, view = await self._next_practice(
            rnd.guild_id,
            interaction.user.id,
            pack_id=rnd.pack_id,
            section=rnd.section,
            difficulty=rnd.difficulty,
            avoid=rnd.question_id,
        )
        await interaction.response.edit_message(embed=card, view=view)

    async def _practice_answer(
        self, interaction: discord.Interaction[RoundtableBot], rnd: Round, choice: int
    ) -> None:
        if rnd.user_id != interaction.user.id:
            raise NotAllowed("This is someone else's practice. Start yours with `/quiz practice`.")
        question = self.question_of(rnd)
        pack = self.pack_of(rnd.pack_id)
        if question is None or pack is None or not 0 <= choice < len(question.choices):
            raise UserError("This question is no longer available. Try `/quiz practice` again.")
        correct = choice == question.answer
        now = self.now()
        async with self.store.transaction():
            outcome = await self.store.quiz.record_answer(
                rnd.id, interaction.user.id, choice, correct, now
            )
            if outcome.status == "locked":
                await self.store.quiz.close_round(rnd.id, now)
                await self._apply_reviews(
                    rnd.guild_id, rnd.pack_id, question, [(interaction.user.id, correct, now)], now
                )
        if outcome.status != "locked":
            stored = outcome.choice if outcome.choice is not None else choice
            await send_ephemeral(
                interaction, f"You already answered: your answer {question.labels[stored]} stands."
            )
            return
        after = (await self.store.quiz.progress(rnd.guild_id, interaction.user.id, pack.id)).get(
            question.id
        )
        await interaction.response.edit_message(
            embed=practice_result_embed(question, pack, choice, after),
            view=answer_view(
                rnd.id, question, revealed=True, chosen=choice, extra=[PracticeNextButton(rnd.id)]
            ),
        )

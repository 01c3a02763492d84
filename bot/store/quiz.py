"""Quizzes, rounds, answers, per-question progress and streaks.

Methods that write join the caller's transaction when there is one, so the quiz service can
close a round, score it, append the ledger rows and complete its timer in one commit. Nothing
here decides a rule: points and streaks are computed by :mod:`bot.rules.quiz`, FSRS cards by
:mod:`bot.rules.srs`, and handed in. Clicks are stored through :class:`AnswerBatcher`, which
commits the clicks that arrive together in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from bot.rules.srs import Progress, mastered
from bot.store.db import Database, IntegrityError, SQLiteDatabase

AnswerStatus = Literal["locked", "stands", "closed"]


@dataclass(frozen=True, slots=True)
class Quiz:
    id: int
    guild_id: int
    channel_id: int
    pack_id: str
    started_by: int | None
    source: str
    title: str | None
    question_ids: tuple[str, ...]
    seconds: int
    section: str | None
    difficulty: str | None
    status: str
    position: int
    created_at: float
    ended_at: float | None
    stopped_by: int | None
    standings_posted_at: float | None
    standings_message_id: int | None = None
    points_mode: str = "classic"
    mode: str = "normal"
    #: How many of a review quiz's questions the review chose (the rest: the normal choice).
    review_picked: int | None = None
    ping_role_id: int | None = None
    header_message_id: int | None = None

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    guild_id: int
    quiz_id: int | None
    position: int | None
    pack_id: str
    question_id: str
    channel_id: int | None
    message_id: int | None
    source: str
    user_id: int | None
    section: str | None
    difficulty: str | None
    opened_at: float
    closes_at: float | None
    closed_at: float | None
    revealed_at: float | None
    reveal_message_id: int | None = None
    #: The practice session a practice round belongs to.
    session_id: int | None = None
    #: The pack's choice indices in the order this showing presents them (None: the pack's).
    choice_order: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    round_id: int
    user_id: int
    choice: int
    correct: bool
    answered_at: float
    points: int | None
    speed_bonus: int | None = None
    streak_bonus: int | None = None
    #: The member's "Locked in" reply's interaction token until the reveal edits it.
    reply_token: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What happened to a click: ``locked`` (stored now), ``stands`` (an earlier answer) or
    ``closed``; ``choice`` is the member's stored choice when there is one."""

    status: AnswerStatus
    choice: int | None = None


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """A click to store: the member's choice on a round, and whether it is right."""

    round_id: int
    user_id: int
    choice: int
    correct: bool
    answered_at: float
    reply_token: str | None = None


@dataclass(frozen=True, slots=True)
class PlayerState:
    """A member's total, streak, bonuses and right answers within one quiz."""

    user_id: int
    points: int = 0
    streak: int = 0
    last_position: int | None = None
    bonus: int = 0
    right: int = 0


@dataclass(frozen=True, slots=True)
class MemberStreak:
    user_id: int
    current: int = 0
    best: int = 0


@dataclass(frozen=True, slots=True)
class QuizMemberStats:
    """A member's quiz record in a guild, for /profile."""

    answered: int
    correct: int
    by_paragraph: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    current_streak: int = 0
    best_streak: int = 0
    mastered: int = 0
    #: (question id, paragraph, misses) of the questions missed 8 times or more, most missed first.
    leeches: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PracticeSession:
    """A member's practice session: its filters, and when Done ended it."""

    id: int
    guild_id: int
    user_id: int
    pack_id: str
    section: str | None
    difficulty: str | None
    started_at: float
    ended_at: float | None


class QuizAlreadyRunning(Exception):
    """The unique index refused a second running quiz in a channel."""


_QUIZ = (
    "SELECT id, guild_id, channel_id, pack_id, started_by, source, title, question_ids, seconds, "
    "section, difficulty, status, position, created_at, ended_at, stopped_by, "
    "standings_posted_at, standings_message_id, points_mode, mode, review_picked, ping_role_id, "
    "header_message_id FROM quizzes"
)
_ROUND = (
    "SELECT id, guild_id, quiz_id, position, pack_id, question_id, channel_id, message_id, "
    "source, user_id, section, difficulty, opened_at, closes_at, closed_at, revealed_at, "
    "reveal_message_id, session_id, choice_order FROM quiz_rounds"
)
_PROGRESS_COLUMNS = (
    "question_id, paragraph, seen, correct, due_at, last_seen, state, step, stability, "
    "difficulty, last_right, leech_noted_at"
)
_PROGRESS = f"SELECT {_PROGRESS_COLUMNS} FROM question_stats"  # noqa: S608 - constant columns


def _quiz(row: Any) -> Quiz:
    data = dict(row)
    data["question_ids"] = tuple(json.loads(data["question_ids"]))
    return Quiz(**data)


def _round(row: Any) -> Round:
    data = dict(row)
    order = data.pop("choice_order")
    return Round(**data, choice_order=tuple(json.loads(order)) if order else None)


def _order(order: Sequence[int] | None) -> str | None:
    return json.dumps(list(order)) if order else None


def _answer(row: Any) -> Answer:
    data = dict(row)
    data["correct"] = bool(data["correct"])
    return Answer(**data)


def _progress(row: Any) -> Progress:
    data = {k: row[k] for k in row.keys() if k != "user_id"}  # noqa: SIM118
    data["last_right"] = bool(data["last_right"])
    return Progress(**data)


def _open_at(round_row: Any, at: float) -> bool:
    closes_at = round_row["closes_at"]
    return round_row["closed_at"] is None and (closes_at is None or at < closes_at)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


# The rounds of a batch of clicks and the answers its members already gave, in one query.
_CLICKED = (
    "SELECT r.id, r.guild_id, r.closed_at, r.closes_at, a.user_id, a.choice "
    "FROM quiz_rounds r LEFT JOIN quiz_answers a ON a.round_id = r.id "
    "AND a.user_id IN ({users}) WHERE r.id IN ({rounds})"
)
_INSERT_ANSWER = (
    "INSERT INTO quiz_answers (round_id, guild_id, user_id, choice, correct, answered_at, "
    "reply_token) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO NOTHING"
)


def judge_clicks(
    clicks: Sequence[NewAnswer], rows: Iterable[Any]
) -> tuple[list[AnswerOutcome], list[tuple[Any, ...]]]:
    """Each click's outcome, in arrival order, and the answer rows to insert.

    ``rows`` are the clicked rounds with the answers their members already gave. A round closed
    (or past its deadline at the click's time) refuses a click (``closed``, with the member's
    stored choice if any), an earlier answer by the same member stands, otherwise it is stored
    (``locked``).
    """
    rounds: dict[int, Any] = {}
    stored: dict[tuple[int, int], int] = {}
    for row in rows:
        rounds[row["id"]] = row
        if row["user_id"] is not None:
            stored[(row["id"], row["user_id"])] = row["choice"]
    outcomes: list[AnswerOutcome] = []
    inserts: list[tuple[Any, ...]] = []
    for click in clicks:
        found = rounds.get(click.round_id)
        key = (click.round_id, click.user_id)
        if found is None or not _open_at(found, click.answered_at):
            outcomes.append(AnswerOutcome("closed", stored.get(key)))
        elif key in stored:
            outcomes.append(AnswerOutcome("stands", stored[key]))
        else:
            stored[key] = click.choice
            inserts.append(
                (
                    *(click.round_id, found["guild_id"], click.user_id),
                    *(click.choice, int(click.correct), click.answered_at, click.reply_token),
                )
            )
            outcomes.append(AnswerOutcome("locked", click.choice))
    return outcomes, inserts


def _record_answers_sync(
    query: str, params: Sequence[Any], clicks: Sequence[NewAnswer], conn: sqlite3.Connection
) -> list[AnswerOutcome]:
    """:meth:`QuizStore.record_answers` on SQLite, as one synchronous transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes, inserts = judge_clicks(clicks, conn.execute(query, params).fetchall())
        conn.executemany(_INSERT_ANSWER, inserts)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return outcomes


#: The most clicks one answer transaction stores.
MAX_BATCH = 500


class AnswerBatcher:
    """Group commit for clicks: those arriving while answers are being written share the next
    transaction. Each click's future resolves only after the commit that stored (or refused)
    it, so an acknowledged answer is always in the database.

    A click that finds nothing being written writes itself at once, in its own task (a batch of
    one, with no future and no worker task to schedule); clicks that arrive while a batch is
    being written queue for the worker, which writes them together.
    """

    def __init__(self, store: QuizStore, *, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: list[tuple[NewAnswer, asyncio.Future[AnswerOutcome]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._writing = False

    async def write(self, click: NewAnswer) -> AnswerOutcome:
        if not self._writing and not self._queue:
            self._writing = True
            try:
                (outcome,) = await self.store.record_answers([click])
            finally:
                self._writing = False
                self._kick()
            return outcome
        future: asyncio.Future[AnswerOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append((click, future))
        self._kick()
        return await future

    def _kick(self) -> None:
        """Start the worker for the queued clicks, unless a batch is being written (its end
        kicks again) or the worker runs."""
        if self._queue and not self._writing and (self._worker is None or self._worker.done()):
            self._worker = asyncio.create_task(self._drain(), name="quiz-answer-writer")

    async def _drain(self) -> None:
        while self._queue and not self._writing:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            self._writing = True
            try:
                outcomes = await self.store.record_answers([click for click, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            finally:
                self._writing = False
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def close(self) -> None:
        """Stop writing; clicks still queued fail (they were never acknowledged)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        for _, future in self._queue:
            if not future.done():
                future.cancel()
        self._queue.clear()


class QuizStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.batcher = AnswerBatcher(self)

    async def write_answer(self, click: NewAnswer) -> AnswerOutcome:
        """Store a click's first answer in the next group commit; returns once committed."""
        return await self.batcher.write(click)

    # --- quizzes --------------------------------------------------------------------------------

    async def quiz(self, quiz_id: int) -> Quiz | None:
        row = await self.db.fetchone(f"{_QUIZ} WHERE id = ?", (quiz_id,))
        return _quiz(row) if row else None

    async def running_in(self, channel_id: int) -> Quiz | None:
        """The quiz running in the channel, if any."""
        row = await self.db.fetchone(
            f"{_QUIZ} WHERE channel_id = ? AND status = 'running'", (channel_id,)
        )
        return _quiz(row) if row else None

    async def running_in_guild(self, guild_id: int) -> list[Quiz]:
        rows = await self.db.fetchall(
            f"{_QUIZ} WHERE guild_id = ? AND status = 'running' ORDER BY id", (guild_id,)
        )
        return [_quiz(r) for r in rows]

    async def create_quiz(
        self,
        *,
        guild_id: int,
        channel_id: int,
        pack_id: str,
        started_by: int | None,
        source: str,
        title: str | None,
        question_ids: Sequence[str],
        seconds: int,
        section: str | None,
        difficulty: str | None,
        now: float,
        points_mode: str = "classic",
        mode: str = "normal",
        review_picked: int | None = None,
        ping_role_id: int | None = None,
    ) -> Quiz:
        """Insert a running quiz; :class:`QuizAlreadyRunning` if the channel has one."""
        async with self.db.transaction():
            try:
                async with self.db.savepoint():
                    cursor = await self.db.execute(
                        "INSERT INTO quizzes (guild_id, channel_id, pack_id, started_by, source, "
                        "title, question_ids, seconds, section, difficulty, created_at, "
                        "points_mode, mode, review_picked, ping_role_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (
                            *(guild_id, channel_id, pack_id, started_by, source, title),
                            *(json.dumps(list(question_ids)), seconds, section, difficulty, now),
                            *(points_mode, mode, review_picked, ping_role_id),
                        ),
                    )
                    row = await cursor.fetchone()
                    await cursor.close()
            except IntegrityError as error:
                raise QuizAlreadyRunning(str(error)) from error
        if row is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        quiz = await self.quiz(int(row[0]))
        if quiz is None:
            raise RuntimeError("the quiz just inserted is missing")
        return quiz

    async def delete_quiz(self, quiz_id: int) -> None:
        """Remove a quiz that never got going (its rounds and answers go with it)."""
        async with self.db.transaction():
            await self.db.execute("DELETE FROM quizzes WHERE id = ?", (quiz_id,))

    async def finish_quiz(
        self, quiz_id: int, status: str, now: float, stopped_by: int | None = None
    ) -> bool:
        """Mark a running quiz finished/stopped/abandoned; False when it had already ended."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE quizzes SET status = ?, ended_at = ?, stopped_by = ? "
                "WHERE id = ? AND status = 'running'",
                (status, now, stopped_by, quiz_id),
            )
            return cursor.rowcount > 0

    async def record_standings(self, quiz_id: int, message_id: int, now: float) -> None:
        """Remember the standings' message (0: they could not be posted and are given up)."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE quizzes SET standings_message_id = ?, standings_posted_at = ? "
                "WHERE id = ? AND standings_message_id IS NULL",
                (message_id, now, quiz_id),
            )

    async def record_header(self, quiz_id: int, message_id: int) -> None:
        """Remember the quiz's first message (0: it could not be posted and is given up)."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE quizzes SET header_message_id = ? "
                "WHERE id = ? AND header_message_id IS NULL",
                (message_id, quiz_id),
            )

    async def unpublished(self) -> list[int]:
        """Quizzes with something still to post: the first message, a question, a reveal or
        the standings."""
        rows = await self.db.fetchall(
            "SELECT id FROM quizzes q WHERE (q.status IN ('finished', 'stopped') "
            "AND q.standings_message_id IS NULL) "
            "OR (q.status <> 'abandoned' AND q.header_message_id IS NULL) "
            "OR (q.status <> 'abandoned' AND EXISTS ("
            "SELECT 1 FROM quiz_rounds r WHERE r.quiz_id = q.id AND (r.message_id IS NULL "
            "OR (r.closed_at IS NOT NULL AND r.reveal_message_id IS NULL)))) ORDER BY id"
        )
        return [int(r["id"]) for r in rows]

    async def last_asked(self, guild_id: int, pack_id: str) -> dict[str, float]:
        """When each question of the pack was last asked in a live quiz of the guild."""
        rows = await self.db.fetchall(
            "SELECT question_id, asked_at FROM quiz_asked WHERE guild_id = ? AND pack_id = ?",
            (guild_id, pack_id),
        )
        return {r["question_id"]: r["asked_at"] for r in rows}

    async def totals(self, quiz_id: int) -> list[tuple[int, int, int]]:
        """(user, points, right answers) of everyone who answered in the quiz."""
        rows = await self.db.fetchall(
            "SELECT user_id, points, right_answers FROM quiz_players WHERE quiz_id = ?",
            (quiz_id,),
        )
        return [(r["user_id"], r["points"], r["right_answers"]) for r in rows]

    async def asked_in_channel_since(self, channel_id: int, since: float) -> set[str]:
        """The questions a quiz asked in the channel since ``since``."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT question_id FROM quiz_rounds WHERE channel_id = ? AND opened_at >= ? "
            "AND quiz_id IS NOT NULL",
            (channel_id, since),
        )
        return {r["question_id"] for r in rows}

    async def due_for_members(self, guild_id: int, pack_id: str, now: float) -> dict[str, int]:
        """Per question of the pack: how many of the guild's members have it due at ``now``
        (a question a member last missed counts as due for them)."""
        rows = await self.db.fetchall(
            "SELECT question_id, count(*) AS members FROM question_stats "
            "WHERE guild_id = ? AND pack_id = ? AND (due_at <= ? OR last_right = 0) "
            "GROUP BY question_id",
            (guild_id, pack_id, now),
        )
        return {r["question_id"]: int(r["members"]) for r in rows}

    async def answered_here(self, guild_id: int, pack_id: str) -> dict[str, tuple[int, int]]:
        """Per question of the pack: (answers, right answers) by the guild's members."""
        rows = await self.db.fetchall(
            "SELECT question_id, SUM(seen) AS seen, SUM(correct) AS correct "
            "FROM question_stats WHERE guild_id = ? AND pack_id = ? GROUP BY question_id",
            (guild_id, pack_id),
        )
        return {r["question_id"]: (int(r["seen"]), int(r["correct"])) for r in rows}

    # --- rounds ---------------------------------------------------------------------------------

    async def round(self, round_id: int) -> Round | None:
        row = await self.db.fetchone(f"{_ROUND} WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def latest_round(self, quiz_id: int) -> Round | None:
        row = await self.db.fetchone(
            f"{_ROUND} WHERE quiz_id = ? ORDER BY position DESC LIMIT 1", (quiz_id,)
        )
        return _round(row) if row else None

    async def open_live_round(
        self, quiz: Quiz, position: int, now: float, order: Sequence[int] | None = None
    ) -> Round:
        """Ask question ``position`` of ``quiz``: a round closing ``quiz.seconds`` from now,
        showing the choices in ``order`` (None: the pack's order)."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO quiz_rounds (guild_id, quiz_id, position, pack_id, question_id, "
                "channel_id, source, opened_at, closes_at, choice_order) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    *(quiz.guild_id, quiz.id, position, quiz.pack_id),
                    *(quiz.question_ids[position], quiz.channel_id, quiz.source),
                    *(now, now + quiz.seconds, _order(order)),
                ),
            )
            row = await cursor.fetchone()
            await cursor.close()
            await self.db.execute(
                "UPDATE quizzes SET position = ? WHERE id = ?", (position, quiz.id)
            )
        if row is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return await self._must_round(int(row[0]))

    async def open_practice_round(
        self,
        *,
        guild_id: int,
        user_id: int,
        pack_id: str,
        question_id: str,
        section: str | None,
        difficulty: str | None,
        now: float,
        order: Sequence[int] | None = None,
        session_id: int | None = None,
    ) -> Round:
        """A practice question for one member (no deadline), in practice session
        ``session_id``, showing the choices in ``order``."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO quiz_rounds (guild_id, pack_id, question_id, source, user_id, "
                "section, difficulty, opened_at, choice_order, session_id) "
                "VALUES (?, ?, ?, 'practice', ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    *(guild_id, pack_id, question_id, user_id, section, difficulty, now),
                    *(_order(order), session_id),
                ),
            )
            row = await cursor.fetchone()
            await cursor.close()
        if row is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return await self._must_round(int(row[0]))

    async def _must_round(self, round_id: int) -> Round:
        found = await self.round(round_id)
        if found is None:
            raise RuntimeError(f"round {round_id} is missing")
        return found

    async def discard_round(self, round_id: int) -> bool:
        """Take back a live round whose question never reached the channel.

        Only an open round with no message and no answer goes; its quiz steps back to the
        previous question. False when the round cannot be taken back.
        """
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT quiz_id, position FROM quiz_rounds WHERE id = ? AND quiz_id IS NOT NULL "
                "AND message_id IS NULL AND closed_at IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM quiz_answers WHERE round_id = ?)",
                (round_id, round_id),
            )
            if row is None:
                return False
            await self.db.execute("DELETE FROM quiz_rounds WHERE id = ?", (round_id,))
            await self.db.execute(
                "UPDATE quizzes SET position = ? WHERE id = ? AND position = ?",
                (row["position"] - 1, row["quiz_id"], row["position"]),
            )
            return True

    async def set_round_message(self, round_id: int, message_id: int, now: float) -> None:
        """Remember the question's message, and that its question has now been asked."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE quiz_rounds SET message_id = ? WHERE id = ?", (message_id, round_id)
            )
            await self.db.execute(
                "INSERT INTO quiz_asked (guild_id, pack_id, question_id, asked_at) "
                "SELECT guild_id, pack_id, question_id, ? FROM quiz_rounds WHERE id = ? "
                "ON CONFLICT (guild_id, pack_id, question_id) "
                "DO UPDATE SET asked_at = excluded.asked_at",
                (now, round_id),
            )

    async def close_round(self, round_id: int, now: float) -> Round | None:
        """Close an open round; None when it was already closed (so it is scored only once)."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE quiz_rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (now, round_id),
            )
            if cursor.rowcount == 0:
                return None
            return await self.round(round_id)

    async def record_reveal(self, round_id: int, message_id: int, now: float) -> None:
        """Remember the reveal's message (0: it could not be posted and is given up)."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE quiz_rounds SET reveal_message_id = ?, revealed_at = ? "
                "WHERE id = ? AND reveal_message_id IS NULL",
                (message_id, now, round_id),
            )

    async def rounds(self, quiz_id: int) -> list[Round]:
        """The quiz's rounds in the order they were asked."""
        rows = await self.db.fetchall(f"{_ROUND} WHERE quiz_id = ? ORDER BY position", (quiz_id,))
        return [_round(r) for r in rows]

    # --- answers --------------------------------------------------------------------------------

    async def record_answer(
        self,
        round_id: int,
        user_id: int,
        choice: int,
        correct: bool,
        now: float,
        reply_token: str | None = None,
    ) -> AnswerOutcome:
        """Store a member's first answer if the round is still open (see :meth:`record_answers`)."""
        (outcome,) = await self.record_answers(
            [NewAnswer(round_id, user_id, choice, correct, now, reply_token)]
        )
        return outcome

    async def record_answers(self, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
        """Store many first answers in one transaction (group commit); outcomes in order.

        Each click is judged in arrival order, as if alone (:func:`judge_clicks`). On SQLite a
        batch of its own runs at once through :meth:`SQLiteDatabase.run_sync` (no trip to
        aiosqlite's thread, each of which would wait for the busy event loop). Inside a caller's
        transaction (a practice answer) it joins that transaction.
        """
        if not clicks:
            return []
        round_ids = sorted({c.round_id for c in clicks})
        user_ids = sorted({c.user_id for c in clicks})
        query = _CLICKED.format(users=_marks(user_ids), rounds=_marks(round_ids))
        params = (*user_ids, *round_ids)
        if isinstance(self.db, SQLiteDatabase) and not self.db.in_transaction():
            return await self.db.run_sync(
                functools.partial(_record_answers_sync, query, params, clicks)
            )
        async with self.db.transaction():
            outcomes, rows = judge_clicks(clicks, await self.db.fetchall(query, params))
            await self.db.executemany(_INSERT_ANSWER, rows)
        return outcomes

    async def answers(self, round_id: int) -> list[Answer]:
        rows = await self.db.fetchall(
            "SELECT round_id, user_id, choice, correct, answered_at, points, speed_bonus, "
            "streak_bonus, reply_token FROM quiz_answers "
            "WHERE round_id = ? ORDER BY answered_at, user_id",
            (round_id,),
        )
        return [_answer(r) for r in rows]

    async def forget_reply_tokens(self, round_id: int) -> None:
        """Drop the round's reply tokens once the reveal has used them."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE quiz_answers SET reply_token = NULL WHERE round_id = ? "
                "AND reply_token IS NOT NULL",
                (round_id,),
            )

    async def players(self, quiz_id: int) -> dict[int, PlayerState]:
        rows = await self.db.fetchall(
            'SELECT user_id, points, streak, last_position, bonus, right_answers AS "right" '
            "FROM quiz_players WHERE quiz_id = ?",
            (quiz_id,),
        )
        return {r["user_id"]: PlayerState(**dict(r)) for r in rows}

    async def save_points(
        self,
        quiz: Quiz,
        round_id: int,
        points: Mapping[int, tuple[int, int, int]],
        players: Iterable[PlayerState],
    ) -> None:
        """Write each answer's (points, speed bonus, streak bonus) and the members' quiz
        totals, streaks, bonuses and right answers."""
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE quiz_answers SET points = ?, speed_bonus = ?, streak_bonus = ? "
                "WHERE round_id = ? AND user_id = ?",
                [(p, speed, streak, round_id, user) for user, (p, speed, streak) in points.items()],
            )
            await self.db.executemany(
                "INSERT INTO quiz_players (quiz_id, guild_id, user_id, points, streak, "
                "last_position, bonus, right_answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (quiz_id, user_id) DO UPDATE SET points = excluded.points, "
                "streak = excluded.streak, last_position = excluded.last_position, "
                "bonus = excluded.bonus, right_answers = excluded.right_answers",
                [
                    (
                        *(quiz.id, quiz.guild_id, p.user_id, p.points, p.streak),
                        *(p.last_position, p.bonus, p.right),
                    )
                    for p in players
                ],
            )

    # --- progress and streaks -------------------------------------------------------------------

    async def progress(self, guild_id: int, user_id: int, pack_id: str) -> dict[str, Progress]:
        """The member's record on every question of the pack they have answered."""
        rows = await self.db.fetchall(
            f"{_PROGRESS} WHERE guild_id = ? AND user_id = ? AND pack_id = ?",
            (guild_id, user_id, pack_id),
        )
        return {r["question_id"]: _progress(r) for r in rows}

    async def progress_on(
        self, guild_id: int, pack_id: str, question_id: str, user_ids: Sequence[int]
    ) -> dict[int, Progress]:
        """Each member's record on one question (members who never answered it are absent)."""
        if not user_ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT user_id, {_PROGRESS_COLUMNS} FROM question_stats "  # noqa: S608
            "WHERE guild_id = ? AND pack_id = ? AND question_id = ? "
            f"AND user_id IN ({_marks(user_ids)})",
            (guild_id, pack_id, question_id, *user_ids),
        )
        return {r["user_id"]: _progress(r) for r in rows}

    async def save_progress(
        self, guild_id: int, pack_id: str, records: Mapping[int, Progress], now: float
    ) -> None:
        """Store each member's record and FSRS card (``records``: user → record)."""
        async with self.db.transaction():
            await self.db.executemany(
                "INSERT INTO question_stats (guild_id, user_id, pack_id, question_id, paragraph, "
                "seen, correct, due_at, last_seen, state, step, stability, difficulty, "
                "last_right, leech_noted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, user_id, pack_id, question_id) DO UPDATE SET "
                "paragraph = excluded.paragraph, seen = excluded.seen, "
                "correct = excluded.correct, due_at = excluded.due_at, "
                "last_seen = excluded.last_seen, state = excluded.state, step = excluded.step, "
                "stability = excluded.stability, difficulty = excluded.difficulty, "
                "last_right = excluded.last_right, leech_noted_at = excluded.leech_noted_at",
                [
                    (
                        *(guild_id, user, pack_id, p.question_id, p.paragraph),
                        *(p.seen, p.correct, p.due_at, p.last_seen, p.state, p.step),
                        *(p.stability, p.difficulty, int(p.last_right), p.leech_noted_at),
                    )
                    for user, p in records.items()
                ],
            )

    async def note_leech(
        self, guild_id: int, user_id: int, pack_id: str, question_id: str, now: float
    ) -> bool:
        """Remember that the member was told the question is a leech; False if told before."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE question_stats SET leech_noted_at = ? WHERE guild_id = ? AND user_id = ? "
                "AND pack_id = ? AND question_id = ? AND leech_noted_at IS NULL",
                (now, guild_id, user_id, pack_id, question_id),
            )
            return cursor.rowcount > 0

    async def streaks(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, MemberStreak]:
        if not user_ids:
            return {}
        rows = await self.db.fetchall(
            "SELECT user_id, current_streak, best_streak FROM quiz_members "  # noqa: S608
            f"WHERE guild_id = ? AND user_id IN ({_marks(user_ids)})",
            (guild_id, *user_ids),
        )
        return {
            r["user_id"]: MemberStreak(r["user_id"], r["current_streak"], r["best_streak"])
            for r in rows
        }

    async def save_streaks(
        self, guild_id: int, streaks: Iterable[MemberStreak], now: float
    ) -> None:
        async with self.db.transaction():
            await self.db.executemany(
                "INSERT INTO quiz_members (guild_id, user_id, current_streak, best_streak, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE "
                "SET current_streak = excluded.current_streak, "
                "best_streak = excluded.best_streak, updated_at = excluded.updated_at",
                [(guild_id, s.user_id, s.current, s.best, now) for s in streaks],
            )

    async def member_stats(
        self, guild_id: int, user_id: int, pack_id: str | None = None, *, now: float
    ) -> QuizMemberStats:
        """A member's quiz record in the guild (all packs unless ``pack_id`` is given).

        ``answered``/``correct`` count scored live answers and practice answers; ``mastered``
        counts questions last answered right whose FSRS retrievability at ``now`` is at least
        0.9; ``leeches`` the questions missed 8 times or more.
        """
        where = "guild_id = ? AND user_id = ?"
        params: tuple[Any, ...] = (guild_id, user_id)
        if pack_id is not None:
            where += " AND pack_id = ?"
            params = (*params, pack_id)
        rows = await self.db.fetchall(
            f"{_PROGRESS} WHERE {where} ORDER BY paragraph, question_id",
            params,
        )
        streak = await self.db.fetchone(
            "SELECT current_streak, best_streak FROM quiz_members "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        records = [_progress(r) for r in rows]
        by_paragraph: dict[str, tuple[int, int]] = {}
        for record in records:
            seen, right = by_paragraph.get(record.paragraph, (0, 0))
            by_paragraph[record.paragraph] = (seen + record.seen, right + record.correct)
        leeches = sorted(
            ((r.question_id, r.paragraph, r.misses) for r in records if r.leech),
            key=lambda leech: (-leech[2], leech[0]),
        )
        return QuizMemberStats(
            answered=sum(r.seen for r in records),
            correct=sum(r.correct for r in records),
            by_paragraph=MappingProxyType(by_paragraph),
            current_streak=streak["current_streak"] if streak else 0,
            best_streak=streak["best_streak"] if streak else 0,
            mastered=sum(1 for r in records if mastered(r, now)),
            leeches=tuple(leeches),
        )

    # --- practice sessions ----------------------------------------------------------------------

    async def start_session(
        self,
        *,
        guild_id: int,
        user_id: int,
        pack_id: str,
        section: str | None,
        difficulty: str | None,
        now: float,
    ) -> PracticeSession:
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO practice_sessions (guild_id, user_id, pack_id, section, difficulty, "
                "started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, user_id, pack_id, section, difficulty, now),
            )
            row = await cursor.fetchone()
            await cursor.close()
        if row is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        found = await self.session(int(row[0]))
        if found is None:
            raise RuntimeError("the practice session just inserted is missing")
        return found

    async def session(self, session_id: int) -> PracticeSession | None:
        row = await self.db.fetchone(
            "SELECT id, guild_id, user_id, pack_id, section, difficulty, started_at, ended_at "
            "FROM practice_sessions WHERE id = ?",
            (session_id,),
        )
        return PracticeSession(**dict(row)) if row else None

    async def end_session(self, session_id: int, now: float) -> bool:
        """End a practice session; False when it had ended already."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "UPDATE practice_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                (now, session_id),
            )
            return cursor.rowcount > 0

    async def session_tally(self, session_id: int) -> tuple[int, int]:
        """(answered, right) in a practice session."""
        row = await self.db.fetchone(
            "SELECT count(*) AS answered, SUM(a.correct) AS right_answers FROM quiz_answers a "
            "JOIN quiz_rounds r ON r.id = a.round_id WHERE r.session_id = ?",
            (session_id,),
        )
        if row is None:
            return 0, 0
        return int(row["answered"] or 0), int(row["right_answers"] or 0)

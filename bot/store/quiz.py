"""Quizzes, rounds, answers, per-question progress and streaks.

Methods that write join the caller's transaction when there is one, so the quiz service can
close a round, score it, append the ledger rows and complete its timer in one commit. Nothing
here decides a rule: points, boxes and streaks are computed by :mod:`bot.rules.quiz` and handed
in. Clicks are stored through :class:`AnswerBatcher`, which commits the clicks that arrive
together in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from bot.rules.quiz import MASTERED_BOX, Progress
from bot.store.db import Database, IntegrityError

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


@dataclass(frozen=True, slots=True)
class Answer:
    round_id: int
    user_id: int
    choice: int
    correct: bool
    answered_at: float
    points: int | None


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


@dataclass(frozen=True, slots=True)
class PlayerState:
    """A member's total and streak within one quiz."""

    user_id: int
    points: int = 0
    streak: int = 0
    last_position: int | None = None


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


class QuizAlreadyRunning(Exception):
    """The unique index refused a second running quiz in a channel."""


_QUIZ = (
    "SELECT id, guild_id, channel_id, pack_id, started_by, source, title, question_ids, seconds, "
    "section, difficulty, status, position, created_at, ended_at, stopped_by, "
    "standings_posted_at, standings_message_id FROM quizzes"
)
_ROUND = (
    "SELECT id, guild_id, quiz_id, position, pack_id, question_id, channel_id, message_id, "
    "source, user_id, section, difficulty, opened_at, closes_at, closed_at, revealed_at, "
    "reveal_message_id FROM quiz_rounds"
)
_PROGRESS = (
    "SELECT question_id, paragraph, seen, correct, box, due_at, last_seen FROM question_stats"
)


def _quiz(row: Any) -> Quiz:
    data = dict(row)
    data["question_ids"] = tuple(json.loads(data["question_ids"]))
    return Quiz(**data)


def _round(row: Any) -> Round:
    return Round(**dict(row))


def _answer(row: Any) -> Answer:
    data = dict(row)
    data["correct"] = bool(data["correct"])
    return Answer(**data)


def _progress(row: Any) -> Progress:
    return Progress(**{k: row[k] for k in row.keys() if k != "user_id"})  # noqa: SIM118


def _open_at(round_row: Any, at: float) -> bool:
    closes_at = round_row["closes_at"]
    return round_row["closed_at"] is None and (closes_at is None or at < closes_at)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


#: The most clicks one answer transaction stores.
MAX_BATCH = 500


class AnswerBatcher:
    """Group commit for clicks: those arriving while answers are being written share the next
    transaction. Each click's future resolves only after the commit that stored (or refused)
    it, so an acknowledged answer is always in the database."""

    def __init__(self, store: QuizStore, *, max_batch: int = MAX_BATCH) -> None:
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
                outcomes = await self.store.record_answers([click for click, _ in batch])
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
    ) -> Quiz:
        """Insert a running quiz; :class:`QuizAlreadyRunning` if the channel has one."""
        async with self.db.transaction():
            try:
                async with self.db.savepoint():
                    cursor = await self.db.execute(
                        "INSERT INTO quizzes (guild_id, channel_id, pack_id, started_by, source, "
                        "title, question_ids, seconds, section, difficulty, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (
                            *(guild_id, channel_id, pack_id, started_by, source, title),
                            *(json.dumps(list(question_ids)), seconds, section, difficulty, now),
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

    async def unpublished(self) -> list[int]:
        """Quizzes with something still to post: a question, a reveal or the standings."""
        rows = await self.db.fetchall(
            "SELECT id FROM quizzes q WHERE (q.status IN ('finished', 'stopped') "
            "AND q.standings_message_id IS NULL) OR (q.status <> 'abandoned' AND EXISTS ("
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

    async def totals(self, quiz_id: int) -> list[tuple[int, int]]:
        """(user, points) of everyone who answered in the quiz."""
        rows = await self.db.fetchall(
            "SELECT user_id, points FROM quiz_players WHERE quiz_id = ?", (quiz_id,)
        )
        return [(r["user_id"], r["points"]) for r in rows]

    # --- rounds ---------------------------------------------------------------------------------

    async def round(self, round_id: int) -> Round | None:
        row = await self.db.fetchone(f"{_ROUND} WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def latest_round(self, quiz_id: int) -> Round | None:
        row = await self.db.fetchone(
            f"{_ROUND} WHERE quiz_id = ? ORDER BY position DESC LIMIT 1", (quiz_id,)
        )
        return _round(row) if row else None

    async def open_live_round(self, quiz: Quiz, position: int, now: float) -> Round:
        """Ask question ``position`` of ``quiz``: a round closing ``quiz.seconds`` from now."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO quiz_rounds (guild_id, quiz_id, position, pack_id, question_id, "
                "channel_id, source, opened_at, closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    *(quiz.guild_id, quiz.id, position, quiz.pack_id),
                    *(quiz.question_ids[position], quiz.channel_id, quiz.source),
                    *(now, now + quiz.seconds),
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
    ) -> Round:
        """A practice question for one member; it has no deadline."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT INTO quiz_rounds (guild_id, pack_id, question_id, source, user_id, "
                "section, difficulty, opened_at) VALUES (?, ?, ?, 'practice', ?, ?, ?, ?) "
                "RETURNING id",
                (guild_id, pack_id, question_id, user_id, section, difficulty, now),
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
        self, round_id: int, user_id: int, choice: int, correct: bool, now: float
    ) -> AnswerOutcome:
        """Store a member's first answer if the round is still open (see :meth:`record_answers`)."""
        (outcome,) = await self.record_answers([NewAnswer(round_id, user_id, choice, correct, now)])
        return outcome

    async def record_answers(self, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
        """Store many first answers in one transaction (group commit); outcomes in order.

        Each click is judged in arrival order, as if alone: a round closed (or past its
        deadline at the click's time) refuses it (``closed``, with the member's stored choice if
        any), an earlier answer by the same member stands, otherwise it is stored (``locked``).
        """
        if not clicks:
            return []
        round_ids = sorted({c.round_id for c in clicks})
        user_ids = sorted({c.user_id for c in clicks})
        async with self.db.transaction():
            # One query (one trip to the database thread) reads the rounds and the answers the
            # members already gave. Under a burst of clicks the event loop is busy and every
            # trip waits for it, and the batch's clicks wait for the batch: 4 trips, not 9.
            rounds: dict[int, Any] = {}
            stored: dict[tuple[int, int], int] = {}
            for row in await self._select(
                "SELECT r.id, r.guild_id, r.closed_at, r.closes_at, a.user_id, a.choice "  # noqa: S608
                "FROM quiz_rounds r LEFT JOIN quiz_answers a ON a.round_id = r.id "
                f"AND a.user_id IN ({_marks(user_ids)}) WHERE r.id IN ({_marks(round_ids)})",
                (*user_ids, *round_ids),
            ):
                rounds[row["id"]] = row
                if row["user_id"] is not None:
                    stored[(row["id"], row["user_id"])] = row["choice"]
            outcomes: list[AnswerOutcome] = []
            rows: list[tuple[Any, ...]] = []
            for click in clicks:
                found = rounds.get(click.round_id)
                key = (click.round_id, click.user_id)
                if found is None or not _open_at(found, click.answered_at):
                    outcomes.append(AnswerOutcome("closed", stored.get(key)))
                elif key in stored:
                    outcomes.append(AnswerOutcome("stands", stored[key]))
                else:
                    stored[key] = click.choice
                    rows.append(
                        (
                            *(click.round_id, found["guild_id"], click.user_id),
                            *(click.choice, int(click.correct), click.answered_at),
                        )
                    )
                    outcomes.append(AnswerOutcome("locked", click.choice))
            await self.db.executemany(
                "INSERT INTO quiz_answers (round_id, guild_id, user_id, choice, correct, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO NOTHING",
                rows,
            )
        return outcomes

    async def _select(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Rows of a query in one round trip (the hot path of answer batches)."""
        return await self.db.select(sql, params)

    async def answers(self, round_id: int) -> list[Answer]:
        rows = await self.db.fetchall(
            "SELECT round_id, user_id, choice, correct, answered_at, points FROM quiz_answers "
            "WHERE round_id = ? ORDER BY answered_at, user_id",
            (round_id,),
        )
        return [_answer(r) for r in rows]

    async def players(self, quiz_id: int) -> dict[int, PlayerState]:
        rows = await self.db.fetchall(
            "SELECT user_id, points, streak, last_position FROM quiz_players WHERE quiz_id = ?",
            (quiz_id,),
        )
        return {r["user_id"]: PlayerState(**dict(r)) for r in rows}

    async def save_points(
        self,
        quiz: Quiz,
        round_id: int,
        points: Mapping[int, int],
        players: Iterable[PlayerState],
    ) -> None:
        """Write each answer's points and the members' quiz totals and streaks."""
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE quiz_answers SET points = ? WHERE round_id = ? AND user_id = ?",
                [(p, round_id, user) for user, p in points.items()],
            )
            await self.db.executemany(
                "INSERT INTO quiz_players (quiz_id, guild_id, user_id, points, streak, "
                "last_position) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (quiz_id, user_id) "
                "DO UPDATE SET points = excluded.points, streak = excluded.streak, "
                "last_position = excluded.last_position",
                [
                    (quiz.id, quiz.guild_id, p.user_id, p.points, p.streak, p.last_position)
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
            "SELECT user_id, question_id, paragraph, seen, correct, box, due_at, last_seen "  # noqa: S608
            "FROM question_stats WHERE guild_id = ? AND pack_id = ? AND question_id = ? "
            f"AND user_id IN ({_marks(user_ids)})",
            (guild_id, pack_id, question_id, *user_ids),
        )
        return {r["user_id"]: _progress(r) for r in rows}

    async def save_progress(
        self, guild_id: int, pack_id: str, records: Mapping[int, Progress], now: float
    ) -> None:
        async with self.db.transaction():
            await self.db.executemany(
                "INSERT INTO question_stats (guild_id, user_id, pack_id, question_id, paragraph, "
                "seen, correct, box, due_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, user_id, pack_id, question_id) DO UPDATE SET "
                "paragraph = excluded.paragraph, seen = excluded.seen, "
                "correct = excluded.correct, box = excluded.box, due_at = excluded.due_at, "
                "last_seen = excluded.last_seen",
                [
                    (
                        *(guild_id, user, pack_id, p.question_id, p.paragraph),
                        *(p.seen, p.correct, p.box, p.due_at, p.last_seen),
                    )
                    for user, p in records.items()
                ],
            )

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
        self, guild_id: int, user_id: int, pack_id: str | None = None
    ) -> QuizMemberStats:
        """A member's quiz record in the guild (all packs unless ``pack_id`` is given).

        ``answered``/``correct`` count scored live answers and practice answers; ``mastered``
        counts questions in box 4 or higher.
        """
        where = "guild_id = ? AND user_id = ?"
        params: tuple[Any, ...] = (guild_id, user_id)
        if pack_id is not None:
            where += " AND pack_id = ?"
            params = (*params, pack_id)
        rows = await self.db.fetchall(
            f"SELECT paragraph, SUM(seen) AS seen, SUM(correct) AS correct, "  # noqa: S608
            f"SUM(CASE WHEN box >= ? THEN 1 ELSE 0 END) AS mastered "
            f"FROM question_stats WHERE {where} GROUP BY paragraph ORDER BY paragraph",
            (MASTERED_BOX, *params),
        )
        streak = await self.db.fetchone(
            "SELECT current_streak, best_streak FROM quiz_members "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        by_paragraph = {r["paragraph"]: (int(r["seen"]), int(r["correct"])) for r in rows}
        return QuizMemberStats(
            answered=sum(seen for seen, _ in by_paragraph.values()),
            correct=sum(right for _, right in by_paragraph.values()),
            by_paragraph=MappingProxyType(by_paragraph),
            current_streak=streak["current_streak"] if streak else 0,
            best_streak=streak["best_streak"] if streak else 0,
            mastered=sum(int(r["mastered"]) for r in rows),
        )

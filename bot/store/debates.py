"""Debates in SQLite: the debate, positions, participants, judges, turns, speeches, scores, votes.

Methods are single steps; the debate service (``bot/services/debate.py``) combines them inside
one ``store.transaction()`` so every read-check-write commits whole. Every method that writes
joins the caller's transaction (or opens its own).

A debate's status changes only through the named transitions (:meth:`DebateStore.begin`,
:meth:`~DebateStore.open_vote`, :meth:`~DebateStore.close`, :meth:`~DebateStore.cancel`), each
checked against :data:`bot.rules.debate.TRANSITIONS` and written with a ``WHERE status = ?``
guard, so an illegal or stale change is refused with a sentence and never written. Pause and
resume are checked the same way; every other column has a method of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Literal

from bot.errors import Conflict
from bot.rules.debate import (
    ACTIVE_STATES,
    CANCELLED,
    CLOSED,
    LOBBY,
    OPEN,
    PENDING,
    REMOVED,
    RUNNING,
    SPOKEN,
    VOTING,
    PlannedTurn,
    check_pause,
    check_resume,
    check_transition,
)
from bot.store.db import Database

#: The messages of a debate recorded by the id Discord gave them (the lobby has its own method).
DebateMessage = Literal["positions", "vote", "results", "vote_notice", "results_notice"]
_MESSAGE_COLUMNS: Mapping[str, str] = {
    "positions": "positions_message_id",
    "vote": "vote_message_id",
    "results": "results_message_id",
    "vote_notice": "vote_notice_message_id",
    "results_notice": "results_notice_message_id",
}


@dataclass(frozen=True, slots=True)
class Debate:
    id: int
    guild_id: int
    channel_id: int
    thread_id: int | None
    lobby_message_id: int | None
    pack_id: str
    motion_id: str
    motion_text: str
    rounds: int
    speech_seconds: float
    vote_seconds: float
    status: str
    current_turn: int | None
    deadline: float | None
    paused_remaining: float | None
    positions_message_id: int | None
    vote_message_id: int | None
    results_message_id: int | None
    created_by: int
    created_at: float
    begun_at: float | None
    vote_opened_at: float | None
    closed_at: float | None
    end_reason: str | None
    ended_by: int | None
    #: how often positions were swapped: part of the turn announcements' nonces, since a swap
    #: announces the first turn afresh
    swaps: int
    #: seconds between Begin and the first speech
    prep_seconds: float
    #: the vote's notice and the results' summary in the lobby's channel (0: none will be)
    vote_notice_message_id: int | None
    results_notice_message_id: int | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def preparing(self) -> bool:
        """Begun, and the first turn not yet open: the participants prepare until
        ``deadline`` (or, paused, for ``paused_remaining`` once resumed)."""
        return self.status == RUNNING and self.current_turn is None

    @property
    def paused(self) -> bool:
        return self.paused_remaining is not None

    @property
    def reference(self) -> str:
        """The ledger reference of this debate's points."""
        return f"debate:{self.id}"


@dataclass(frozen=True, slots=True)
class DebatePosition:
    debate_id: int
    position: str
    seat: int
    name: str
    total: float | None
    votes: int | None
    rank: int | None
    won: bool


@dataclass(frozen=True, slots=True)
class Participant:
    debate_id: int
    user_id: int
    name: str
    seat: int
    position: str | None
    joined_at: float
    removed_at: float | None
    speaker_points: float | None
    won: bool

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


@dataclass(frozen=True, slots=True)
class Judge:
    debate_id: int
    user_id: int
    name: str
    added_by: int
    added_at: float


@dataclass(frozen=True, slots=True)
class DebateLobby:
    """What the lobby message shows: the debate, its positions, who joined and who judges."""

    debate: Debate
    positions: Sequence[DebatePosition]
    participants: Sequence[Participant]
    judges: Sequence[Judge]


@dataclass(frozen=True, slots=True)
class Turn:
    debate_id: int
    number: int
    round: int
    position: str
    user_id: int
    status: str
    started_at: float | None
    deadline: float | None
    ended_at: float | None
    reminder_sent: bool
    announce_message_id: int | None
    notice_message_id: int | None
    #: the ended status the announcement was last redrawn with (None: not yet)
    drawn_status: str | None


@dataclass(frozen=True, slots=True)
class Speech:
    id: int
    debate_id: int
    turn_number: int
    user_id: int
    position: str
    round: int
    text: str
    words: int
    late: bool
    submitted_at: float
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Score:
    speech_id: int
    judge_id: int
    points: int
    scored_at: float


@dataclass(frozen=True, slots=True)
class JudgeReminder:
    """A judge told, when the vote opened, which speeches they had not scored."""

    debate_id: int
    judge_id: int
    via: str
    message_id: int
    speeches: int
    sent_at: float


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One debate in ``/debate history``; the member fields are set when asked for a member."""

    debate: Debate
    winners: tuple[str, ...]
    position: str | None = None
    position_name: str | None = None
    speaker_points: float | None = None
    won: bool = False
    removed: bool = False


@dataclass(frozen=True, slots=True)
class DebateMemberStats:
    """A member's debating record in a guild, for ``/profile``.

    ``argued`` maps a position id to the closed debates the member argued it in; ``wins``
    counts those their position won; ``speeches_scored`` counts their speeches at least one
    judge scored, and ``average_speech_score`` is the mean of those speeches' mean scores.
    """

    argued: Mapping[str, int]
    wins: int
    speeches_scored: int
    average_speech_score: float | None


def _columns(cls: type) -> str:
    return ", ".join(f.name for f in fields(cls))


_DEBATE = f"SELECT {_columns(Debate)} FROM debates"  # noqa: S608
_PARTICIPANT = (
    "SELECT debate_id, user_id, name, seat, position, joined_at, removed_at, speaker_points, won "
    "FROM debate_participants"
)
_TURN = f"SELECT {_columns(Turn)} FROM debate_turns"  # noqa: S608
_SPEECH = f"SELECT {_columns(Speech)} FROM debate_speeches"  # noqa: S608
#: What a debate that stops taking turns clears: no current turn, no deadline, no pause.
_STOPPED = "current_turn = NULL, deadline = NULL, paused_remaining = NULL"


def _debate(row: Any) -> Debate:
    return Debate(**dict(row))


def _turn(row: Any) -> Turn:
    data = dict(row)
    data["reminder_sent"] = bool(data["reminder_sent"])
    return Turn(**data)


def _speech(row: Any) -> Speech:
    data = dict(row)
    data["late"] = bool(data["late"])
    return Speech(**data)


def _participant(row: Any) -> Participant:
    data = dict(row)
    data["won"] = bool(data["won"])
    return Participant(**data)


class DebateStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- debates ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        pack_id: str,
        motion_id: str,
        motion_text: str,
        positions: Sequence[tuple[str, str]],
        rounds: int,
        speech_seconds: float,
        vote_seconds: float,
        created_by: int,
        creator_name: str,
        now: float,
        prep_seconds: float = 0.0,
    ) -> Debate:
        """A new debate in the lobby, its positions and its creator as the first judge.

        Conflict when the channel already has a debate that is not over.
        """
        async with self.db.transaction():
            if await self.active_in_channel(channel_id) is not None:
                raise Conflict(
                    "A debate is already under way in this channel; end it with `/debate end` "
                    "or start this one in another channel."
                )
            debate_id = await self.db.fetchval(
                "INSERT INTO debates (guild_id, channel_id, active_channel_id, pack_id, motion_id, "
                "motion_text, rounds, speech_seconds, vote_seconds, prep_seconds, status, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    guild_id, channel_id, channel_id, pack_id, motion_id, motion_text, rounds,
                    speech_seconds, vote_seconds, prep_seconds, LOBBY, created_by, now,
                ),
            )  # fmt: skip
            if debate_id is None:
                raise RuntimeError("the debate insert gave no row id")
            await self.db.executemany(
                "INSERT INTO debate_positions (debate_id, position, guild_id, seat, name) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (debate_id, pid, guild_id, seat, name)
                    for seat, (pid, name) in enumerate(positions)
                ],
            )
            await self.add_judge(debate_id, created_by, creator_name, created_by, now)
        debate = await self.get(debate_id)
        if debate is None:
            raise RuntimeError("the new debate vanished")
        return debate

    async def get(self, debate_id: int) -> Debate | None:
        row = await self.db.fetchone(f"{_DEBATE} WHERE id = ?", (debate_id,))
        return _debate(row) if row else None

    async def in_guild(self, guild_id: int, debate_id: int) -> Debate | None:
        row = await self.db.fetchone(
            f"{_DEBATE} WHERE id = ? AND guild_id = ?", (debate_id, guild_id)
        )
        return _debate(row) if row else None

    async def active_in_channel(self, channel_id: int) -> Debate | None:
        """The debate not yet over whose channel or thread is ``channel_id``."""
        marks = ", ".join("?" * len(ACTIVE_STATES))
        row = await self.db.fetchone(
            f"{_DEBATE} WHERE (channel_id = ? OR thread_id = ?) AND status IN ({marks}) "
            "ORDER BY id DESC LIMIT 1",
            (channel_id, channel_id, *ACTIVE_STATES),
        )
        return _debate(row) if row else None

    async def lobby(self, debate_id: int) -> DebateLobby | None:
        debate = await self.get(debate_id)
        if debate is None:
            return None
        return DebateLobby(
            debate,
            await self.positions(debate_id),
            await self.participants(debate_id),
            await self.judges(debate_id),
        )

    async def unfinished_business(self) -> list[Debate]:
        """Debates not over, and finished ones whose results (or their summary in the lobby's
        channel) were never posted."""
        marks = ", ".join("?" * len(ACTIVE_STATES))
        rows = await self.db.fetchall(
            f"{_DEBATE} WHERE status IN ({marks}) OR results_message_id IS NULL "
            "OR (status = ? AND results_notice_message_id IS NULL) ORDER BY id",
            (*ACTIVE_STATES, CLOSED),
        )
        return [_debate(r) for r in rows]

    # --- status transitions (checked against bot.rules.debate.TRANSITIONS) ------------------

    async def begin(self, debate: Debate, now: float) -> None:
        """The lobby begins: the debate is running."""
        await self._move(debate, RUNNING, "begun_at = ?", (now,))

    async def open_vote(
        self, debate: Debate, now: float, *, deadline: float | None, paused_remaining: float | None
    ) -> None:
        """The speeches are over: the audience votes until ``deadline`` (None while paused,
        when ``paused_remaining`` holds the vote's time)."""
        await self._move(
            debate,
            VOTING,
            "current_turn = NULL, deadline = ?, paused_remaining = ?, vote_opened_at = ?",
            (deadline, paused_remaining, now),
        )

    async def close(self, debate: Debate, now: float) -> None:
        """The vote is over and the results are stored; the channel is free again."""
        await self._move(debate, CLOSED, f"closed_at = ?, {_STOPPED}", (now,))

    async def cancel(self, debate: Debate, now: float, reason: str | None, by: int | None) -> None:
        """The debate ends without results (and without points); the channel is free again."""
        await self._move(
            debate,
            CANCELLED,
            f"closed_at = ?, end_reason = ?, ended_by = ?, {_STOPPED}",
            (now, reason, by),
        )

    async def _move(
        self, debate: Debate, target: str, assignments: str, params: tuple[Any, ...]
    ) -> None:
        """Change the status from ``debate.status`` to ``target`` if the table allows it and
        nobody changed it since ``debate`` was read; otherwise a Conflict, and nothing written."""
        check_transition(debate.status, target)
        if target not in ACTIVE_STATES:
            assignments += ", active_channel_id = NULL"
        await self._guarded(
            f"UPDATE debates SET status = ?, {assignments} WHERE id = ? AND status = ?",  # noqa: S608
            (target, *params, debate.id, debate.status),
        )

    # --- the clock ------------------------------------------------------------------------------

    async def set_turn(
        self, debate_id: int, number: int, *, deadline: float | None, paused_remaining: float | None
    ) -> None:
        """Make turn ``number`` the current one, ending at ``deadline`` (None while paused,
        when ``paused_remaining`` holds the turn's time)."""
        await self._write(
            "UPDATE debates SET current_turn = ?, deadline = ?, paused_remaining = ? "
            "WHERE id = ? AND status = ?",
            (number, deadline, paused_remaining, debate_id, RUNNING),
        )

    async def prepare(
        self, debate_id: int, *, deadline: float | None, paused_remaining: float | None
    ) -> None:
        """The begun debate prepares until ``deadline`` (None while paused, when
        ``paused_remaining`` holds the preparation's time): no turn is open yet."""
        await self._write(
            "UPDATE debates SET current_turn = NULL, deadline = ?, paused_remaining = ? "
            "WHERE id = ? AND status = ?",
            (deadline, paused_remaining, debate_id, RUNNING),
        )

    async def pause(self, debate: Debate, remaining: float) -> None:
        """Stop the clock with ``remaining`` seconds left on the turn or the vote."""
        check_pause(debate.status, debate.paused)
        await self._guarded(
            "UPDATE debates SET paused_remaining = ?, deadline = NULL "
            "WHERE id = ? AND status = ? AND paused_remaining IS NULL",
            (remaining, debate.id, debate.status),
        )

    async def resume(self, debate: Debate, deadline: float) -> None:
        """Restart the clock: the turn or the vote now ends at ``deadline``."""
        check_resume(debate.status, debate.paused)
        await self._guarded(
            "UPDATE debates SET paused_remaining = NULL, deadline = ? "
            "WHERE id = ? AND status = ? AND paused_remaining IS NOT NULL",
            (deadline, debate.id, debate.status),
        )

    async def set_deadline(self, debate_id: int, deadline: float) -> None:
        """Move the running clock's deadline (a moderator extended the turn or the vote)."""
        await self._write(
            "UPDATE debates SET deadline = ? WHERE id = ? AND paused_remaining IS NULL",
            (deadline, debate_id),
        )

    async def set_paused_remaining(self, debate_id: int, remaining: float) -> None:
        """Change the time a paused debate gets back when it resumes."""
        await self._write(
            "UPDATE debates SET paused_remaining = ? WHERE id = ? AND paused_remaining IS NOT NULL",
            (remaining, debate_id),
        )

    async def record_ending(self, debate_id: int, reason: str | None, by: int) -> None:
        """Who ended the speeches or the vote early, and why (shown in the transcript)."""
        await self._write(
            "UPDATE debates SET end_reason = ?, ended_by = ? WHERE id = ?", (reason, by, debate_id)
        )

    async def swapped(self, debate_id: int) -> None:
        """Count a swap of positions (the first turn is then announced afresh)."""
        await self._write("UPDATE debates SET swaps = swaps + 1 WHERE id = ?", (debate_id,))

    # --- messages, recorded once Discord took them ----------------------------------------------

    async def record_lobby(self, debate_id: int, message_id: int, thread_id: int) -> None:
        await self._write(
            "UPDATE debates SET lobby_message_id = ?, thread_id = ? WHERE id = ?",
            (message_id, thread_id, debate_id),
        )

    async def record_message(self, debate_id: int, what: DebateMessage, message_id: int) -> None:
        """Record the positions, vote or results message; results 0 means none will be posted
        (the thread is gone, or the lobby never was)."""
        column = _MESSAGE_COLUMNS[what]
        await self._write(
            f"UPDATE debates SET {column} = ? WHERE id = ?",  # noqa: S608
            (message_id, debate_id),
        )

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        async with self.db.transaction():
            await self.db.execute(sql, params)

    async def _guarded(self, sql: str, params: tuple[Any, ...]) -> None:
        """Run a guarded update; a Conflict when its guard matched nothing."""
        async with self.db.transaction():
            cursor = await self.db.execute(sql, params)
            if cursor.rowcount == 0:
                raise Conflict("The debate changed in the meantime; please try again.")

    # --- positions --------------------------------------------------------------------------

    async def positions(self, debate_id: int) -> list[DebatePosition]:
        rows = await self.db.fetchall(
            "SELECT debate_id, position, seat, name, total, votes, rank, won "
            "FROM debate_positions WHERE debate_id = ? ORDER BY seat",
            (debate_id,),
        )
        return [DebatePosition(**{**dict(r), "won": bool(r["won"])}) for r in rows]

    async def retain_positions(self, debate_id: int, keep: Iterable[str]) -> None:
        """Drop the debate's positions not in ``keep`` (nobody was assigned to them)."""
        kept = list(keep)
        marks = ", ".join("?" * len(kept))
        async with self.db.transaction():
            await self.db.execute(
                f"DELETE FROM debate_positions WHERE debate_id = ? AND position NOT IN ({marks})",  # noqa: S608
                (debate_id, *kept),
            )

    # --- participants -----------------------------------------------------------------------

    async def participants(
        self, debate_id: int, *, include_removed: bool = True
    ) -> list[Participant]:
        where = "" if include_removed else " AND removed_at IS NULL"
        rows = await self.db.fetchall(
            f"{_PARTICIPANT} WHERE debate_id = ?{where} ORDER BY seat", (debate_id,)
        )
        return [_participant(r) for r in rows]

    async def participant(self, debate_id: int, user_id: int) -> Participant | None:
        row = await self.db.fetchone(
            f"{_PARTICIPANT} WHERE debate_id = ? AND user_id = ?", (debate_id, user_id)
        )
        return _participant(row) if row else None

    async def join(self, debate: Debate, user_id: int, name: str, now: float) -> None:
        async with self.db.transaction():
            seat = await self.db.fetchval(
                "SELECT COALESCE(MAX(seat), -1) + 1 FROM debate_participants WHERE debate_id = ?",
                (debate.id,),
                0,
            )
            await self.db.execute(
                "INSERT INTO debate_participants (debate_id, user_id, guild_id, name, seat, "
                "joined_at) VALUES (?, ?, ?, ?, ?, ?)",
                (debate.id, user_id, debate.guild_id, name, seat, now),
            )

    async def leave(self, debate_id: int, user_id: int) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute(
                "DELETE FROM debate_participants WHERE debate_id = ? AND user_id = ?",
                (debate_id, user_id),
            )
            return cursor.rowcount > 0

    async def set_positions(self, debate_id: int, assignment: Mapping[int, str]) -> None:
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE debate_participants SET position = ? WHERE debate_id = ? AND user_id = ?",
                [(position, debate_id, user) for user, position in assignment.items()],
            )

    async def remove_participant(self, debate_id: int, user_id: int, now: float) -> None:
        """Mark a participant removed and drop their turns still to come."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE debate_participants SET removed_at = ? WHERE debate_id = ? AND user_id = ?",
                (now, debate_id, user_id),
            )
            await self.db.execute(
                "UPDATE debate_turns SET status = ?, ended_at = ? "
                "WHERE debate_id = ? AND user_id = ? AND status = ?",
                (REMOVED, now, debate_id, user_id, PENDING),
            )

    async def argued_counts(
        self, guild_id: int, user_ids: Iterable[int]
    ) -> dict[int, dict[str, int]]:
        """For each member, how many closed debates of this guild they argued per position."""
        users = list(user_ids)
        if not users:
            return {}
        marks = ", ".join("?" * len(users))
        rows = await self.db.fetchall(
            f"SELECT p.user_id, p.position, COUNT(*) AS n FROM debate_participants p "  # noqa: S608
            "JOIN debates d ON d.id = p.debate_id "
            "WHERE p.guild_id = ? AND d.status = ? AND p.removed_at IS NULL "
            f"AND p.position IS NOT NULL AND p.user_id IN ({marks}) "
            "GROUP BY p.user_id, p.position",
            (guild_id, CLOSED, *users),
        )
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for row in rows:
            counts[row["user_id"]][row["position"]] = row["n"]
        return dict(counts)

    # --- judges -----------------------------------------------------------------------------

    async def judges(self, debate_id: int) -> list[Judge]:
        """The judges in the order they were added (the debate's creator first)."""
        rows = await self.db.fetchall(
            "SELECT debate_id, user_id, name, added_by, added_at FROM debate_judges "
            "WHERE debate_id = ? "
            "ORDER BY added_at, CASE WHEN user_id = added_by THEN 0 ELSE 1 END, user_id",
            (debate_id,),
        )
        return [Judge(**dict(r)) for r in rows]

    async def is_judge(self, debate_id: int, user_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM debate_judges WHERE debate_id = ? AND user_id = ?",
                (debate_id, user_id),
            )
        )

    async def add_judge(
        self, debate_id: int, user_id: int, name: str, added_by: int, now: float
    ) -> bool:
        """Add a judge; False when they already were one."""
        async with self.db.transaction():
            guild_id = await self.db.fetchval(
                "SELECT guild_id FROM debates WHERE id = ?", (debate_id,)
            )
            cursor = await self.db.execute(
                "INSERT INTO debate_judges (debate_id, user_id, guild_id, name, added_by, "
                "added_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (debate_id, user_id) DO NOTHING",
                (debate_id, user_id, guild_id, name, added_by, now),
            )
            return cursor.rowcount > 0

    async def remove_judge(self, debate_id: int, user_id: int) -> bool:
        """Remove a judge and withdraw their scores; False when they were not a judge."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "DELETE FROM debate_judges WHERE debate_id = ? AND user_id = ?",
                (debate_id, user_id),
            )
            removed = cursor.rowcount > 0
            await self.db.execute(
                "DELETE FROM debate_scores WHERE debate_id = ? AND judge_id = ?",
                (debate_id, user_id),
            )
            return removed

    # --- turns ------------------------------------------------------------------------------

    async def replace_turns(
        self, debate_id: int, guild_id: int, plan: Sequence[PlannedTurn]
    ) -> None:
        """Store the turn plan, replacing any earlier plan (a swap before the first speech)."""
        async with self.db.transaction():
            await self.db.execute("DELETE FROM debate_turns WHERE debate_id = ?", (debate_id,))
            await self.db.executemany(
                "INSERT INTO debate_turns (debate_id, number, guild_id, round, position, user_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(debate_id, t.number, guild_id, t.round, t.position, t.user_id) for t in plan],
            )

    async def turns(self, debate_id: int) -> list[Turn]:
        rows = await self.db.fetchall(f"{_TURN} WHERE debate_id = ? ORDER BY number", (debate_id,))
        return [_turn(r) for r in rows]

    async def turn(self, debate_id: int, number: int) -> Turn | None:
        row = await self.db.fetchone(
            f"{_TURN} WHERE debate_id = ? AND number = ?", (debate_id, number)
        )
        return _turn(row) if row else None

    async def next_pending_turn(self, debate_id: int) -> Turn | None:
        row = await self.db.fetchone(
            f"{_TURN} WHERE debate_id = ? AND status = ? ORDER BY number LIMIT 1",
            (debate_id, PENDING),
        )
        return _turn(row) if row else None

    async def open_turn(self, debate_id: int, number: int, now: float, deadline: float) -> None:
        """A pending turn starts now and ends at ``deadline``."""
        await self._write(
            "UPDATE debate_turns SET status = ?, started_at = ?, deadline = ?, reminder_sent = 0 "
            "WHERE debate_id = ? AND number = ? AND status = ?",
            (OPEN, now, deadline, debate_id, number, PENDING),
        )

    async def end_turn(self, debate_id: int, number: int, status: str, now: float) -> None:
        """The open turn ends: spoken, missed, skipped or removed."""
        await self._write(
            "UPDATE debate_turns SET status = ?, ended_at = ? "
            "WHERE debate_id = ? AND number = ? AND status = ?",
            (status, now, debate_id, number, OPEN),
        )

    async def mark_spoken(self, debate_id: int, number: int) -> None:
        """A late speech (within the grace) for a turn that had already ended."""
        await self._write(
            "UPDATE debate_turns SET status = ? WHERE debate_id = ? AND number = ?",
            (SPOKEN, debate_id, number),
        )

    async def set_turn_deadline(
        self, debate_id: int, number: int, deadline: float, *, remind_again: bool
    ) -> None:
        """Move the open turn's deadline; ``remind_again`` when it was extended, so the
        one-minute reminder is due again."""
        reset = ", reminder_sent = 0" if remind_again else ""
        await self._write(
            f"UPDATE debate_turns SET deadline = ?{reset} "  # noqa: S608
            "WHERE debate_id = ? AND number = ? AND status = ?",
            (deadline, debate_id, number, OPEN),
        )

    async def mark_reminded(self, debate_id: int, number: int) -> None:
        """The turn's one-minute reminder was posted."""
        await self._write(
            "UPDATE debate_turns SET reminder_sent = 1 WHERE debate_id = ? AND number = ?",
            (debate_id, number),
        )

    async def record_announcement(self, debate_id: int, number: int, message_id: int) -> None:
        await self._write(
            "UPDATE debate_turns SET announce_message_id = ? WHERE debate_id = ? AND number = ?",
            (message_id, debate_id, number),
        )

    async def record_notice(self, debate_id: int, number: int, message_id: int) -> None:
        """The "no speech" notice of an ended turn."""
        await self._write(
            "UPDATE debate_turns SET notice_message_id = ? WHERE debate_id = ? AND number = ?",
            (message_id, debate_id, number),
        )

    async def record_drawn(self, debate_id: int, number: int, status: str) -> None:
        """The turn's announcement now shows how the turn ended (``status``)."""
        await self._write(
            "UPDATE debate_turns SET drawn_status = ? WHERE debate_id = ? AND number = ?",
            (status, debate_id, number),
        )

    async def end_open_turns(self, debate_id: int, status: str, now: float) -> None:
        """Close every open or pending turn with ``status`` (the debate ends early)."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE debate_turns SET status = ?, ended_at = ? "
                "WHERE debate_id = ? AND status IN (?, ?)",
                (status, now, debate_id, OPEN, PENDING),
            )

    async def any_turn_ended(self, debate_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM debate_turns WHERE debate_id = ? AND status NOT IN (?, ?) LIMIT 1",
                (debate_id, PENDING, OPEN),
            )
        )

    # --- speeches ---------------------------------------------------------------------------

    async def add_speech(
        self, debate: Debate, turn: Turn, text: str, words: int, late: bool, now: float
    ) -> Speech:
        async with self.db.transaction():
            speech_id = await self.db.fetchval(
                "INSERT INTO debate_speeches (debate_id, guild_id, turn_number, user_id, position, "
                "round, text, words, late, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    debate.id, debate.guild_id, turn.number, turn.user_id, turn.position,
                    turn.round, text, words, int(late), now,
                ),
            )  # fmt: skip
        if speech_id is None:
            raise RuntimeError("the speech insert gave no row id")
        return Speech(
            speech_id, debate.id, turn.number, turn.user_id, turn.position, turn.round, text,
            words, late, now, None,
        )  # fmt: skip

    async def speeches(self, debate_id: int) -> list[Speech]:
        rows = await self.db.fetchall(
            f"{_SPEECH} WHERE debate_id = ? ORDER BY turn_number", (debate_id,)
        )
        return [_speech(r) for r in rows]

    async def speech(self, speech_id: int) -> Speech | None:
        row = await self.db.fetchone(f"{_SPEECH} WHERE id = ?", (speech_id,))
        return _speech(row) if row else None

    async def record_speech_message(self, speech_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE debate_speeches SET message_id = ? WHERE id = ?", (message_id, speech_id)
        )

    # --- judge scores -----------------------------------------------------------------------

    async def set_score(
        self, speech: Speech, guild_id: int, judge_id: int, points: int, now: float
    ) -> int | None:
        """Record or change a judge's score; returns the judge's previous score, if any."""
        async with self.db.transaction():
            previous = await self.score_of(speech.id, judge_id)
            await self.db.execute(
                "INSERT INTO debate_scores (speech_id, judge_id, debate_id, guild_id, points, "
                "scored_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (speech_id, judge_id) "
                "DO UPDATE SET points = excluded.points, scored_at = excluded.scored_at",
                (speech.id, judge_id, speech.debate_id, guild_id, points, now),
            )
        return previous

    async def score_of(self, speech_id: int, judge_id: int) -> int | None:
        value = await self.db.fetchval(
            "SELECT points FROM debate_scores WHERE speech_id = ? AND judge_id = ?",
            (speech_id, judge_id),
        )
        return None if value is None else int(value)

    async def scores(self, debate_id: int) -> list[Score]:
        rows = await self.db.fetchall(
            "SELECT speech_id, judge_id, points, scored_at FROM debate_scores "
            "WHERE debate_id = ? ORDER BY speech_id, scored_at, judge_id",
            (debate_id,),
        )
        return [Score(**dict(r)) for r in rows]

    async def unscored_by_judge(self, debate_id: int) -> dict[int, list[Speech]]:
        """For each judge not yet reminded, the speeches (of members still in the debate) they
        have not scored, in turn order; judges with nothing left to score are left out."""
        columns = ", ".join(f"s.{f.name}" for f in fields(Speech))
        rows = await self.db.fetchall(
            f"SELECT j.user_id AS judge_id, {columns} FROM debate_judges j "  # noqa: S608
            "JOIN debate_speeches s ON s.debate_id = j.debate_id "
            "JOIN debate_participants p ON p.debate_id = s.debate_id AND p.user_id = s.user_id "
            "WHERE j.debate_id = ? AND p.removed_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM debate_scores sc "
            "WHERE sc.speech_id = s.id AND sc.judge_id = j.user_id) "
            "AND NOT EXISTS (SELECT 1 FROM debate_judge_reminders r "
            "WHERE r.debate_id = j.debate_id AND r.judge_id = j.user_id) "
            "ORDER BY j.added_at, j.user_id, s.turn_number",
            (debate_id,),
        )
        unscored: dict[int, list[Speech]] = {}
        for row in rows:
            data = dict(row)
            unscored.setdefault(int(data.pop("judge_id")), []).append(_speech(data))
        return unscored

    async def record_judge_reminder(
        self,
        debate: Debate,
        judge_id: int,
        *,
        via: Literal["dm", "thread"],
        message_id: int,
        speeches: int,
        now: float,
    ) -> None:
        """The judge was told (by ``via``) which ``speeches`` they had not scored."""
        await self._write(
            "INSERT INTO debate_judge_reminders (debate_id, judge_id, guild_id, via, message_id, "
            "speeches, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (debate_id, judge_id) DO NOTHING",
            (debate.id, judge_id, debate.guild_id, via, message_id, speeches, now),
        )

    async def judge_reminders(self, debate_id: int) -> list[JudgeReminder]:
        rows = await self.db.fetchall(
            "SELECT debate_id, judge_id, via, message_id, speeches, sent_at "
            "FROM debate_judge_reminders WHERE debate_id = ? ORDER BY sent_at, judge_id",
            (debate_id,),
        )
        return [JudgeReminder(**dict(r)) for r in rows]

    # --- audience votes ---------------------------------------------------------------------

    async def set_vote(
        self, debate: Debate, voter_id: int, position: str, now: float
    ) -> str | None:
        """Record or change a vote (one per member); returns the member's previous choice."""
        async with self.db.transaction():
            previous = await self.db.fetchval(
                "SELECT position FROM debate_votes WHERE debate_id = ? AND voter_id = ?",
                (debate.id, voter_id),
            )
            await self.db.execute(
                "INSERT INTO debate_votes (debate_id, voter_id, guild_id, position, voted_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (debate_id, voter_id) "
                "DO UPDATE SET position = excluded.position, voted_at = excluded.voted_at",
                (debate.id, voter_id, debate.guild_id, position, now),
            )
        return previous

    async def votes(self, debate_id: int) -> dict[int, str]:
        rows = await self.db.fetchall(
            "SELECT voter_id, position FROM debate_votes WHERE debate_id = ?", (debate_id,)
        )
        return {r["voter_id"]: r["position"] for r in rows}

    # --- results ----------------------------------------------------------------------------

    async def save_results(
        self,
        debate_id: int,
        positions: Sequence[tuple[str, float, int, int, bool]],
        members: Sequence[tuple[int, float, bool]],
    ) -> None:
        """Store ``(position, total, votes, rank, won)`` and ``(member, points, won)`` rows."""
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE debate_positions SET total = ?, votes = ?, rank = ?, won = ? "
                "WHERE debate_id = ? AND position = ?",
                [(t, v, r, int(w), debate_id, p) for p, t, v, r, w in positions],
            )
            await self.db.executemany(
                "UPDATE debate_participants SET speaker_points = ?, won = ? "
                "WHERE debate_id = ? AND user_id = ?",
                [(points, int(won), debate_id, user) for user, points, won in members],
            )

    # --- reading back -----------------------------------------------------------------------

    async def history(
        self, guild_id: int, user_id: int | None = None, *, limit: int = 10, offset: int = 0
    ) -> tuple[list[HistoryEntry], int]:
        """Finished debates of the guild (or those ``user_id`` took part in), newest first,
        and how many there are in all."""
        finished = "d.status IN ('closed', 'cancelled')"
        if user_id is None:
            where, params = f"d.guild_id = ? AND {finished}", [guild_id]
            join = ""
            extra = (
                "NULL AS position, NULL AS position_name, NULL AS speaker_points, 0 AS won, "
                "NULL AS removed_at"
            )
        else:
            join = " JOIN debate_participants p ON p.debate_id = d.id AND p.user_id = ?"
            where, params = f"d.guild_id = ? AND {finished}", [user_id, guild_id]
            extra = (
                "p.position, (SELECT dp.name FROM debate_positions dp WHERE dp.debate_id = d.id "
                "AND dp.position = p.position) AS position_name, p.speaker_points, p.won, "
                "p.removed_at"
            )
        total = await self.db.fetchval(
            f"SELECT COUNT(*) FROM debates d{join} WHERE {where}",  # noqa: S608
            params,
            0,
        )
        columns = ", ".join(f"d.{f.name}" for f in fields(Debate))
        rows = await self.db.fetchall(
            f"SELECT {columns}, {extra} FROM debates d{join} WHERE {where} "  # noqa: S608
            "ORDER BY d.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        entries = []
        for row in rows:
            data = dict(row)
            keys = ("position", "position_name", "speaker_points", "won", "removed_at")
            member = {k: data.pop(k) for k in keys}
            debate = Debate(**data)
            winners = tuple(p.name for p in await self.positions(debate.id) if p.won)
            entries.append(
                HistoryEntry(
                    debate,
                    winners,
                    member["position"],
                    member["position_name"],
                    member["speaker_points"],
                    bool(member["won"]),
                    member["removed_at"] is not None,
                )
            )
        return entries, int(total)

    async def member_stats(self, guild_id: int, user_id: int) -> DebateMemberStats:
        """The member's record over the guild's closed debates (see DebateMemberStats)."""
        rows = await self.db.fetchall(
            "SELECT p.position, COUNT(*) AS n, SUM(p.won) AS wins FROM debate_participants p "
            "JOIN debates d ON d.id = p.debate_id "
            "WHERE p.guild_id = ? AND p.user_id = ? AND d.status = ? AND p.removed_at IS NULL "
            "AND p.position IS NOT NULL GROUP BY p.position ORDER BY p.position",
            (guild_id, user_id, CLOSED),
        )
        argued = {r["position"]: int(r["n"]) for r in rows}
        wins = sum(int(r["wins"] or 0) for r in rows)
        means = await self.db.fetchall(
            "SELECT AVG(s.points) AS mean FROM debate_scores s "
            "JOIN debate_speeches sp ON sp.id = s.speech_id "
            "JOIN debates d ON d.id = sp.debate_id "
            "JOIN debate_participants p ON p.debate_id = sp.debate_id AND p.user_id = sp.user_id "
            "WHERE sp.guild_id = ? AND sp.user_id = ? AND d.status = ? AND p.removed_at IS NULL "
            "GROUP BY s.speech_id",
            (guild_id, user_id, CLOSED),
        )
        values = [float(r["mean"]) for r in means]
        average = sum(values) / len(values) if values else None
        return DebateMemberStats(MappingProxyType(argued), wins, len(values), average)

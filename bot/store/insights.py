"""Read-only queries behind ``/insights``: answers, FSRS cards and debates, summed per period.

Every query is scoped to one guild and to what happened since a moment (the period's start, see
:func:`bot.rules.insights.window`): answers by ``answered_at``, cards by their last review,
debates by when they closed. The sums happen in SQL, so a report reads a few hundred rows
however many answers the guild has (indexes in migration 0014); the statistics themselves are
computed by :mod:`bot.rules.insights`. Answers of every kind count: live, scheduled and
practice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.rules.insights import ChoiceTally, DebateOutcome, Tally
from bot.rules.srs import Progress
from bot.store.db import Database
from bot.store.quiz import _PROGRESS_COLUMNS, _progress

CLOSED = "closed"
DAY_SECONDS = "86400.0"

#: The guild's answers since a moment, summed per round (and ``{by}``), joined to the rounds of
#: one pack: the covering index of migration 0014 serves the inner sum in round order.
_PER_ROUND = (
    "FROM (SELECT round_id{by}, COUNT(*) AS answers, SUM(correct) AS right_answers "
    "FROM quiz_answers WHERE guild_id = ? AND answered_at >= ?{users} GROUP BY round_id{by}) t "
    "JOIN quiz_rounds r ON r.id = t.round_id WHERE r.pack_id = ?"
)


@dataclass(frozen=True, slots=True)
class Argued:
    """How often a member argued a position in closed debates, and how often it won."""

    user_id: int
    position: str
    debates: int
    wins: int


@dataclass(frozen=True, slots=True)
class ScoreCount:
    """How many times a judge gave ``points`` to a speech for ``position``."""

    judge_id: int
    position: str
    points: int
    count: int


@dataclass(frozen=True, slots=True)
class CardCounts:
    """Per paragraph (cards, surely mastered), and the cards too close to call."""

    paragraphs: Mapping[str, tuple[int, int]]
    unsure: tuple[Progress, ...]


@dataclass(frozen=True, slots=True)
class DebateRecord:
    """The closed debates of a period with their positions and winners, the positions' names
    (the latest a debate stored), and how many debates were cancelled meanwhile."""

    outcomes: tuple[DebateOutcome, ...]
    names: dict[str, str]
    cancelled: int


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _tally(row: Any) -> Tally:
    return Tally(int(row["answers"]), int(row["right_answers"] or 0))


class InsightsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- answers ------------------------------------------------------------------------------

    async def choice_tallies(self, guild_id: int, pack_id: str, since: float) -> list[ChoiceTally]:
        """Per question and pack choice: how often it was picked, and counted right."""
        rows = await self.db.fetchall(
            "SELECT r.question_id, t.choice, SUM(t.answers) AS answers, "
            "SUM(t.right_answers) AS right_answers "
            f"{_PER_ROUND.format(by=', choice', users='')} GROUP BY r.question_id, t.choice",
            (guild_id, since, pack_id),
        )
        return [
            ChoiceTally(r["question_id"], int(r["choice"]), int(r["answers"]),
                        int(r["right_answers"] or 0))
            for r in rows
        ]  # fmt: skip

    async def member_tallies(self, guild_id: int, pack_id: str, since: float) -> dict[int, Tally]:
        """Each member's answers and right answers on the pack."""
        rows = await self.db.fetchall(
            "SELECT user_id, COUNT(*) AS answers, SUM(correct) AS right_answers "
            "FROM quiz_answers WHERE guild_id = ? AND answered_at >= ? AND round_id IN "
            "(SELECT id FROM quiz_rounds WHERE guild_id = ? AND pack_id = ?) GROUP BY user_id",
            (guild_id, since, guild_id, pack_id),
        )
        return {int(r["user_id"]): _tally(r) for r in rows}

    async def question_tallies(
        self, guild_id: int, pack_id: str, since: float, user_ids: Sequence[int]
    ) -> dict[str, Tally]:
        """Per question: the answers and right answers of ``user_ids`` together."""
        if not user_ids:
            return {}
        users = f" AND user_id IN ({_marks(user_ids)})"
        rows = await self.db.fetchall(
            "SELECT r.question_id, SUM(t.answers) AS answers, "
            "SUM(t.right_answers) AS right_answers "
            f"{_PER_ROUND.format(by='', users=users)} GROUP BY r.question_id",
            (guild_id, since, *user_ids, pack_id),
        )
        return {r["question_id"]: _tally(r) for r in rows}

    # --- FSRS cards ---------------------------------------------------------------------------

    async def mastery(
        self,
        guild_id: int,
        pack_id: str,
        since: float,
        *,
        now: float,
        horizon: float,
        margin: float,
        user_id: int | None = None,
    ) -> CardCounts:
        """The cards reviewed since ``since`` (of one member, or everyone's), per paragraph, and
        how many are surely mastered at ``now``; the cards too close to call come back whole.

        ``horizon`` and ``margin`` come from :func:`bot.rules.insights.mastery_horizon`: a card
        last answered right is surely mastered while no more than ``horizon × stability -
        margin`` days have passed, surely not once ``horizon × stability + 1 + margin`` have
        (FSRS counts whole days); in between, the caller asks :func:`bot.rules.srs.mastered`.
        So a guild's tens of thousands of cards are counted in SQL and only a thin band is read.
        """
        where, params = self._cards_where(guild_id, pack_id, since, user_id)
        elapsed = "? - last_seen"
        right = "last_right = 1 AND stability IS NOT NULL"
        sure = f"{right} AND {elapsed} <= (stability * ? - ?) * {DAY_SECONDS}"
        rows = await self.db.fetchall(
            f"SELECT paragraph, COUNT(*) AS cards, SUM(CASE WHEN {sure} THEN 1 ELSE 0 END) "  # noqa: S608
            f"AS sure FROM question_stats WHERE {where} GROUP BY paragraph",
            (now, horizon, margin, *params),
        )
        unsure = await self.db.fetchall(
            f"SELECT {_PROGRESS_COLUMNS} FROM question_stats WHERE {where} AND {right} "  # noqa: S608
            f"AND {elapsed} > (stability * ? - ?) * {DAY_SECONDS} "
            f"AND {elapsed} < (stability * ? + 1 + ?) * {DAY_SECONDS}",
            (*params, now, horizon, margin, now, horizon, margin),
        )
        return CardCounts(
            {r["paragraph"]: (int(r["cards"]), int(r["sure"] or 0)) for r in rows},
            tuple(_progress(r) for r in unsure),
        )

    @staticmethod
    def _cards_where(
        guild_id: int, pack_id: str, since: float, user_id: int | None
    ) -> tuple[str, tuple[Any, ...]]:
        where = "guild_id = ? AND pack_id = ? AND last_seen >= ?"
        params: tuple[Any, ...] = (guild_id, pack_id, since)
        if user_id is not None:
            where += " AND user_id = ?"
            params = (*params, user_id)
        return where, params

    # --- debates ------------------------------------------------------------------------------

    async def debates(self, guild_id: int, since: float) -> DebateRecord:
        """The debates closed since ``since``, oldest first, with their winners."""
        rows = await self.db.fetchall(
            "SELECT d.id, p.position, p.name, p.won FROM debates d "
            "JOIN debate_positions p ON p.debate_id = d.id "
            "WHERE d.guild_id = ? AND d.status = ? AND d.closed_at >= ? ORDER BY d.id, p.seat",
            (guild_id, CLOSED, since),
        )
        positions: dict[int, list[str]] = {}
        winners: dict[int, list[str]] = {}
        names: dict[str, str] = {}
        for row in rows:
            positions.setdefault(row["id"], []).append(row["position"])
            winners.setdefault(row["id"], [])
            if row["won"]:
                winners[row["id"]].append(row["position"])
            names[row["position"]] = row["name"]
        cancelled = await self.db.fetchval(
            "SELECT COUNT(*) FROM debates WHERE guild_id = ? AND status = 'cancelled' "
            "AND closed_at >= ?",
            (guild_id, since),
            0,
        )
        outcomes = tuple(
            DebateOutcome(debate_id, tuple(held), tuple(winners[debate_id]))
            for debate_id, held in positions.items()
        )
        return DebateRecord(outcomes, names, int(cancelled))

    async def argued(self, guild_id: int, since: float) -> list[Argued]:
        """Per member and position: the closed debates they argued it in, and the wins."""
        rows = await self.db.fetchall(
            "SELECT p.user_id, p.position, COUNT(*) AS debates, SUM(p.won) AS wins "
            "FROM debate_participants p JOIN debates d ON d.id = p.debate_id "
            "WHERE d.guild_id = ? AND d.status = ? AND d.closed_at >= ? "
            "AND p.removed_at IS NULL AND p.position IS NOT NULL "
            "GROUP BY p.user_id, p.position ORDER BY p.user_id, p.position",
            (guild_id, CLOSED, since),
        )
        return [
            Argued(int(r["user_id"]), r["position"], int(r["debates"]), int(r["wins"] or 0))
            for r in rows
        ]

    async def score_counts(self, guild_id: int, since: float) -> list[ScoreCount]:
        """Judges' speech scores in the debates closed since ``since``, counted per judge,
        position and score."""
        rows = await self.db.fetchall(
            "SELECT s.judge_id, sp.position, s.points, COUNT(*) AS n FROM debate_scores s "
            "JOIN debate_speeches sp ON sp.id = s.speech_id "
            "JOIN debates d ON d.id = s.debate_id "
            "WHERE d.guild_id = ? AND d.status = ? AND d.closed_at >= ? "
            "GROUP BY s.judge_id, sp.position, s.points",
            (guild_id, CLOSED, since),
        )
        return [
            ScoreCount(int(r["judge_id"]), r["position"], int(r["points"]), int(r["n"]))
            for r in rows
        ]

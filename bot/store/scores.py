"""The score ledger (append-only), the totals leaderboards read, and seasons.

Every award goes through :meth:`ScoreStore.add`, which appends the ledger row and, in the same
transaction (joining the caller's when there is one, so an answer and its points commit
together), updates two derived tables:

- ``score_totals``: one row per (board, period, member) with the member's running sum;
- ``score_counts``: per (board, period), how many members stand at each exact total (width 1)
  and in each block of 32 consecutive totals (width 32).

A page of a leaderboard reads ten rows of ``score_totals`` through its rank index; a member's
rank and a board's size sum a few dozen ``score_counts`` buckets (exact totals, and blocks of 32
consecutive totals). Neither ever reads the ledger, so their cost does not grow with it (see
``bench/bench_leaderboard.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import Conflict
from bot.rules.scores import (
    BLOCK_WIDTH,
    BOARDS,
    BUCKET_WIDTHS,
    PAGE_SIZE,
    boards_for,
    bucket_low,
    competition_ranks,
    locate,
    page_count,
    period_keys,
)
from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class Season:
    guild_id: int
    number: int
    name: str
    started_at: float
    started_by: int | None


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    guild_id: int
    season: int
    user_id: int
    category: str
    points: int
    reason: str
    reference: str | None
    created_by: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's place on one board and period."""

    user_id: int
    points: int
    rank: int


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    board: str
    period: str
    page: int  # 0-based, clamped to the pages that exist
    pages: int
    members: int  # members with a total on this board and period
    entries: tuple[Standing, ...]


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A member's points over one period, by category (adjustments count only overall)."""

    overall: int = 0
    quiz: int = 0
    debate: int = 0

    @property
    def adjustment(self) -> int:
        return self.overall - self.quiz - self.debate


@dataclass(frozen=True, slots=True)
class SeasonTotal:
    """One member's line of a season's totals export."""

    rank: int
    user_id: int
    overall: int
    quiz: int
    debate: int

    @property
    def adjustment(self) -> int:
        return self.overall - self.quiz - self.debate


_SEASON = "SELECT guild_id, number, name, started_at, started_by FROM seasons"
_LEDGER = (
    "SELECT id, guild_id, season, user_id, category, points, reason, reference, created_by, "
    "created_at FROM score_events"
)


class ScoreStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- seasons ----------------------------------------------------------------------------

    async def current_season(self, guild_id: int, now: float) -> Season:
        """The guild's running season, creating "Season 1" the first time it is needed."""
        row = await self.db.fetchone(
            f"{_SEASON} WHERE guild_id = ? ORDER BY number DESC LIMIT 1", (guild_id,)
        )
        if row:
            return Season(**dict(row))
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO seasons (guild_id, number, name, started_at, started_by) "
                "VALUES (?, 1, 'Season 1', ?, NULL) ON CONFLICT DO NOTHING",
                (guild_id, now),
            )
        return await self.current_season(guild_id, now)

    async def seasons(self, guild_id: int) -> list[Season]:
        """Every season of the guild, oldest first (empty before the first point)."""
        rows = await self.db.fetchall(f"{_SEASON} WHERE guild_id = ? ORDER BY number", (guild_id,))
        return [Season(**dict(row)) for row in rows]

    async def season(self, guild_id: int, number: int) -> Season | None:
        row = await self.db.fetchone(
            f"{_SEASON} WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
        return Season(**dict(row)) if row else None

    async def start_season(
        self, guild_id: int, name: str, now: float, *, started_by: int | None, after: int
    ) -> Season:
        """Start season ``after + 1``; Conflict when the current season is no longer ``after``.

        ``after`` is the season the admin saw when asking, so a double click or two admins
        confirming at once start one season, not two. Nothing of the old season changes.
        """
        async with self.db.transaction():
            current = await self.current_season(guild_id, now)
            if current.number != after:
                raise Conflict(
                    f"Season {current.number} ({current.name}) has started since you asked; "
                    "nothing else was changed."
                )
            await self.db.execute(
                "INSERT INTO seasons (guild_id, number, name, started_at, started_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (guild_id, after + 1, name, now, started_by),
            )
        return Season(guild_id, after + 1, name, now, started_by)

    # --- writing ----------------------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        user_id: int,
        category: str,
        points: int,
        reason: str,
        now: float,
        *,
        reference: str | None = None,
        created_by: int | None = None,
    ) -> LedgerRow:
        """Append a ledger row and update the totals and counts with it, atomically."""
        boards = boards_for(category)
        async with self.db.transaction():
            season = (await self.current_season(guild_id, now)).number
            row_id = await self.db.fetchval(
                "INSERT INTO score_events (guild_id, season, user_id, category, points, reason, "
                "reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (guild_id, season, user_id, category, points, reason, reference, created_by, now),
            )
            await self._apply(guild_id, user_id, boards, period_keys(now, season), points, now)
        if row_id is None:
            raise RuntimeError("the ledger insert gave no row id")
        return LedgerRow(
            row_id, guild_id, season, user_id, category, points, reason, reference, created_by, now
        )

    async def _apply(
        self,
        guild_id: int,
        user_id: int,
        boards: Sequence[str],
        periods: Sequence[str],
        points: int,
        now: float,
    ) -> None:
        """Add ``points`` to the member's totals and move them between count buckets."""
        old = {
            (row["board"], row["period"]): row["points"]
            for row in await self.db.fetchall(
                "SELECT board, period, points FROM score_totals WHERE guild_id = ? "  # noqa: S608
                f"AND user_id = ? AND board IN ({_marks(boards)}) "
                f"AND period IN ({_marks(periods)})",
                (guild_id, user_id, *boards, *periods),
            )
        }
        keys = [(board, period) for board in boards for period in periods]
        await self.db.executemany(
            "INSERT INTO score_totals (guild_id, board, period, user_id, points, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, board, period, user_id) "
            "DO UPDATE SET points = score_totals.points + excluded.points, "
            "updated_at = excluded.updated_at",
            [(guild_id, board, period, user_id, points, now) for board, period in keys],
        )
        leaving: list[tuple[object, ...]] = []
        arriving: list[tuple[object, ...]] = []
        for board, period in keys:
            was = old.get((board, period))
            total = (was or 0) + points
            for width in BUCKET_WIDTHS:
                low = bucket_low(total, width)
                if was is not None:
                    if bucket_low(was, width) == low:
                        continue
                    leaving.append((guild_id, board, period, width, bucket_low(was, width)))
                arriving.append((guild_id, board, period, width, low))
        # A bucket holding only this member goes; a fuller one loses one member.
        await self.db.executemany(
            "DELETE FROM score_counts WHERE guild_id = ? AND board = ? AND period = ? "
            "AND width = ? AND low = ? AND members = 1",
            leaving,
        )
        await self.db.executemany(
            "UPDATE score_counts SET members = members - 1 WHERE guild_id = ? AND board = ? "
            "AND period = ? AND width = ? AND low = ?",
            leaving,
        )
        await self.db.executemany(
            "INSERT INTO score_counts (guild_id, board, period, width, low, members) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (guild_id, board, period, width, low) "
            "DO UPDATE SET members = score_counts.members + 1",
            arriving,
        )

    # --- leaderboards -----------------------------------------------------------------------

    async def leaderboard(
        self, guild_id: int, board: str, period: str, page: int, per_page: int = PAGE_SIZE
    ) -> LeaderboardPage:
        """One page (0-based, clamped to the last) of a board, with competition ranks."""
        scope = (guild_id, board, period)
        blocks = await self._buckets(scope, BLOCK_WIDTH)
        members = sum(count for _, count in blocks)
        pages = page_count(members, per_page)
        page = max(0, min(page, pages - 1))
        offset = page * per_page
        if offset >= members:
            return LeaderboardPage(board, period, page, pages, members, ())
        # Walk down to the exact total of the member at ``offset``: its block, then its bucket.
        block, above_block = locate(offset, blocks)
        exact = await self._buckets(scope, 1, block, block + BLOCK_WIDTH)
        points, above_exact = locate(offset - above_block, exact)
        above = above_block + above_exact
        rows = await self.db.fetchall(
            "SELECT user_id, points FROM score_totals WHERE guild_id = ? AND board = ? "
            "AND period = ? AND points <= ? ORDER BY points DESC, user_id LIMIT ? OFFSET ?",
            (*scope, points, per_page, offset - above),
        )
        ranks = competition_ranks(above + 1, offset + 1, [row["points"] for row in rows])
        entries = tuple(
            Standing(row["user_id"], row["points"], rank)
            for row, rank in zip(rows, ranks, strict=True)
        )
        return LeaderboardPage(board, period, page, pages, members, entries)

    async def _buckets(
        self,
        scope: tuple[int, str, str],
        width: int,
        low: int | None = None,
        high: int | None = None,
    ) -> list[tuple[int, int]]:
        """(low, members) of the buckets of ``width`` in ``[low, high)``, highest first."""
        bounds = "" if low is None else " AND low >= ? AND low < ?"
        rows = await self.db.fetchall(
            "SELECT low, members FROM score_counts WHERE guild_id = ? AND board = ? "  # noqa: S608
            f"AND period = ? AND width = ?{bounds} ORDER BY low DESC",
            (*scope, width, *(() if low is None else (low, high))),
        )
        return [(row["low"], row["members"]) for row in rows]

    async def adjust(
        self, guild_id: int, user_id: int, points: int, reason: str, now: float, *, by: int
    ) -> tuple[LedgerRow, Standing | None]:
        """A moderator's adjustment: the ledger row and the member's season standing after it,
        read in the same transaction."""
        async with self.db.transaction():
            row = await self.add(
                guild_id, user_id, "adjustment", points, reason, now, created_by=by
            )
            total = await self.standing(guild_id, "overall", f"s:{row.season}", user_id)
        return row, total

    async def standing(
        self, guild_id: int, board: str, period: str, user_id: int
    ) -> Standing | None:
        """The member's points and rank on a board, or None when they have no total there."""
        scope = (guild_id, board, period)
        row = await self.db.fetchone(
            "WITH me AS (SELECT points, points - ((points % ?) + ?) % ? AS block "
            "FROM score_totals WHERE guild_id = ? AND board = ? AND period = ? AND user_id = ?) "
            "SELECT me.points, "
            "(SELECT SUM(members) FROM score_counts WHERE guild_id = ? AND board = ? "
            "AND period = ? AND width = ? AND low > me.block) AS in_blocks_above, "
            "(SELECT SUM(members) FROM score_counts WHERE guild_id = ? AND board = ? "
            "AND period = ? AND width = 1 AND low > me.points AND low < me.block + ?) "
            "AS in_own_block_above "
            "FROM me",
            (*(BLOCK_WIDTH,) * 3, *scope, user_id, *scope, BLOCK_WIDTH, *scope, BLOCK_WIDTH),
        )
        if row is None:
            return None
        above = (row["in_blocks_above"] or 0) + (row["in_own_block_above"] or 0)
        return Standing(user_id, row["points"], above + 1)

    async def board_size(self, guild_id: int, board: str, period: str) -> int:
        """How many members have a total on this board and period."""
        blocks = await self._buckets((guild_id, board, period), BLOCK_WIDTH)
        return sum(count for _, count in blocks)

    async def breakdown(self, guild_id: int, user_id: int, period: str) -> Breakdown:
        """The member's points over ``period`` on each board."""
        rows = await self.db.fetchall(
            "SELECT board, points FROM score_totals WHERE guild_id = ? "  # noqa: S608
            f"AND user_id = ? AND period = ? AND board IN ({_marks(BOARDS)})",
            (guild_id, user_id, period, *BOARDS),
        )
        return Breakdown(**{row["board"]: row["points"] for row in rows})

    # --- the ledger -------------------------------------------------------------------------

    async def history(self, guild_id: int, user_id: int, limit: int) -> list[LedgerRow]:
        """The member's latest ledger rows, newest first."""
        rows = await self.db.fetchall(
            f"{_LEDGER} WHERE guild_id = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, user_id, limit),
        )
        return [LedgerRow(**dict(row)) for row in rows]

    async def export(self, guild_id: int, season: int) -> tuple[list[LedgerRow], list[SeasonTotal]]:
        """A season's ledger rows (oldest first) and its totals, read as one consistent state.

        The write lock is held while reading so no award lands between the two reads.
        """
        async with self.db.transaction():
            rows = await self.db.fetchall(
                f"{_LEDGER} WHERE guild_id = ? AND season = ? ORDER BY id", (guild_id, season)
            )
            totals = await self.db.fetchall(
                "SELECT user_id, "
                "SUM(CASE WHEN board = 'overall' THEN points ELSE 0 END) AS overall, "
                "SUM(CASE WHEN board = 'quiz' THEN points ELSE 0 END) AS quiz, "
                "SUM(CASE WHEN board = 'debate' THEN points ELSE 0 END) AS debate "
                "FROM score_totals WHERE guild_id = ? AND period = ? "
                "GROUP BY user_id ORDER BY overall DESC, user_id",
                (guild_id, f"s:{season}"),
            )
        ranks = competition_ranks(1, 1, [row["overall"] for row in totals])
        return [LedgerRow(**dict(row)) for row in rows], [
            SeasonTotal(rank, row["user_id"], row["overall"], row["quiz"], row["debate"])
            for row, rank in zip(totals, ranks, strict=True)
        ]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))

"""Pure rules of the score ledger: which boards and periods a ledger row counts towards.

A row in category ``quiz`` counts on the ``quiz`` board and the ``overall`` board; ``debate``
likewise; an ``adjustment`` counts only on ``overall``. Each board is kept for four periods:
all time, the season, the calendar month and the ISO week (both in UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

CATEGORIES = ("quiz", "debate", "adjustment")
BOARDS = ("overall", "quiz", "debate")
PERIODS = ("week", "month", "season", "all-time")


def boards_for(category: str) -> tuple[str, ...]:
    """The leaderboards a ledger row of ``category`` adds to."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown score category {category!r}")
    return ("overall",) if category == "adjustment" else ("overall", category)


def period_key(period: str, at: float, season: int) -> str:
    """The totals key of ``period`` for a row written at ``at`` in ``season``."""
    moment = datetime.fromtimestamp(at, tz=UTC)
    if period == "all-time":
        return "all"
    if period == "season":
        return f"s:{season}"
    if period == "month":
        return f"m:{moment:%Y-%m}"
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"w:{year}-W{week:02d}"
    raise ValueError(f"unknown period {period!r}")


def period_keys(at: float, season: int) -> tuple[str, ...]:
    """Every totals key a row written at ``at`` in ``season`` adds to."""
    return tuple(period_key(period, at, season) for period in PERIODS)

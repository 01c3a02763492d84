"""Pure rules of scores: boards, periods, ranks, adjustments, seasons and the CSV export.

A ledger row in category ``quiz`` counts on the ``quiz`` board and the ``overall`` board;
``debate`` likewise; an ``adjustment`` counts only on ``overall``. Each board is kept for four
periods: all time, the season, the calendar month and the ISO week (both in UTC). A period is
stored as a key: ``all``, ``s:<season>``, ``m:<YYYY-MM>``, ``w:<YYYY>-W<ww>``.

Ranks are competition ranks: members with equal points share a rank and the next rank skips
(1, 2, 2, 4). Nothing here reads the clock, imports Discord or runs SQL.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Final

from bot.errors import NotFound, UserError

CATEGORIES: Final = ("quiz", "debate", "adjustment")
BOARDS: Final = ("overall", "quiz", "debate")
PERIODS: Final = ("week", "month", "season", "all-time")

#: Members shown on one leaderboard page.
PAGE_SIZE: Final = 10
#: Ledger rows shown by ``/scores history``.
HISTORY_LIMIT: Final = 20
#: Bounds of a moderator's adjustment (0 is refused too).
ADJUST_MIN: Final = -1000
ADJUST_MAX: Final = 1000
REASON_MAX: Final = 200
SEASON_NAME_MAX: Final = 50

#: Rank buckets: every exact total (width 1) and blocks of this many consecutive totals.
BLOCK_WIDTH: Final = 32
BUCKET_WIDTHS: Final = (1, BLOCK_WIDTH)

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

_PERIOD_KEY = re.compile(r"^(all|s:\d{1,6}|m:\d{4}-\d{2}|w:\d{4}-W\d{2})$")


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


def is_period_key(key: str) -> bool:
    return _PERIOD_KEY.match(key) is not None


def describe_period(key: str, season_name: str | None = None) -> str:
    """A period key as members read it: "All time", "Season 2 (Spring)", "May 2026"..."""
    if key == "all":
        return "All time"
    kind, _, value = key.partition(":")
    if kind == "s":
        label = f"Season {value}"
        return f"{label} ({season_name})" if season_name and season_name != label else label
    if kind == "m":
        year, month = value.split("-")
        return f"{date(int(year), int(month), 1):%B %Y}"
    if kind == "w":
        year, week = value.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        sunday = date.fromisocalendar(int(year), int(week), 7)
        return f"Week {int(week)} of {year} ({monday:%d %b} – {sunday:%d %b}, UTC)"
    raise ValueError(f"unknown period key {key!r}")


# --- ranks and pages ---------------------------------------------------------------------------


def competition_ranks(first_rank: int, first_position: int, points: Sequence[int]) -> list[int]:
    """Ranks of consecutive members sorted by points, highest first.

    ``first_rank`` is the rank of the first member, who stands at 1-based ``first_position``;
    a member with fewer points than the one before ranks at their own position.
    """
    ranks: list[int] = []
    for index, value in enumerate(points):
        if index == 0:
            ranks.append(first_rank)
        elif value == points[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(first_position + index)
    return ranks


def bucket_low(points: int, width: int) -> int:
    """The lowest total of the bucket of ``width`` consecutive totals that holds ``points``."""
    return points // width * width


def locate(position: int, buckets: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The bucket holding the member at 0-based ``position``, and how many members stand above it.

    ``buckets`` are (low, members) pairs, highest first. ValueError when the position is past
    the last member.
    """
    above = 0
    for low, members in buckets:
        if position < above + members:
            return low, above
        above += members
    raise ValueError(f"position {position} is past the {above} members")


def page_count(members: int, per_page: int = PAGE_SIZE) -> int:
    """Pages needed for ``members`` (at least one, so an empty board still shows a page)."""
    return max(1, -(-members // per_page))


def leaderboard_arg(board: str, key: str) -> str:
    """What a leaderboard's page buttons remember: the board and the exact period key."""
    return f"{board}|{key}"


def parse_leaderboard_arg(arg: str) -> tuple[str, str]:
    """The board and period key a page button remembered; ValueError when it is not one."""
    board, _, key = arg.partition("|")
    if board not in BOARDS or not is_period_key(key):
        raise ValueError(f"not a leaderboard page: {arg!r}")
    return board, key


# --- requests from members --------------------------------------------------------------------


def validate_adjustment(points: int, reason: str) -> str:
    """The cleaned reason of a valid adjustment; a UserError saying what is wrong otherwise."""
    if points == 0 or not ADJUST_MIN <= points <= ADJUST_MAX:
        raise UserError(
            f"Points must be a whole number from {ADJUST_MIN} to {ADJUST_MAX}, and not 0."
        )
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise UserError("Give a reason: it is stored in the ledger with the adjustment.")
    if len(cleaned) > REASON_MAX:
        raise UserError(f"Keep the reason to {REASON_MAX} characters (it has {len(cleaned)}).")
    return cleaned


def validate_season_name(name: str, taken: Iterable[str]) -> str:
    """The cleaned name of a new season; UserError when empty, too long or already used."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError("Give the new season a name, for example “Spring 2026”.")
    if len(cleaned) > SEASON_NAME_MAX:
        raise UserError(f"Keep the season name to {SEASON_NAME_MAX} characters.")
    if cleaned.casefold() in {t.casefold() for t in taken}:
        raise UserError(f"A season called “{cleaned}” already exists: pick another name.")
    return cleaned


def resolve_season(text: str, seasons: Sequence[tuple[int, str]]) -> int:
    """The season number meant by ``text`` (a number, "Season 3", or a name).

    ``seasons`` is every (number, name) of the guild, oldest first.
    """
    wanted = " ".join(str(text).split())
    numbers = {number for number, _ in seasons}
    match = re.fullmatch(r"(?:season\s*)?#?(\d{1,6})", wanted, flags=re.IGNORECASE)
    if match and int(match[1]) in numbers:
        return int(match[1])
    for number, name in seasons:
        if name.casefold() == wanted.casefold():
            return number
    for number, name in seasons:
        if season_label(number, name).casefold() == wanted.casefold():
            return number
    known = ", ".join(season_label(n, name) for n, name in seasons[-10:]) or "none yet"
    raise NotFound(f"There is no season “{wanted[:60]}”. Seasons: {known}.")


def season_label(number: int, name: str) -> str:
    """ "3 — Spring 2026", or just "Season 3" when the name says nothing more."""
    return name if name == f"Season {number}" else f"{number} — {name}"


# --- the CSV export ---------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A cell's text, with a leading apostrophe when a spreadsheet would read it as a formula.

    Text (reasons, names, references: anything a member could have typed) is escaped when it
    starts with one of :data:`FORMULA_STARTS`. Integers are written as they are: the bot
    computed them, so nobody can smuggle a formula in, and ``-4`` is the number -4 to every
    spreadsheet program. Escaping it (``'-4``) would turn negative points into text that
    ``SUM`` skips, so the ledger would no longer add up to the totals.
    """
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV file: the header, then one line per row, every text cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def iso_time(epoch: float) -> str:
    """Epoch seconds as an ISO 8601 UTC timestamp for the export."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")

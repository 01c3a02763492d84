"""Rules of scheduled quizzes: parsing, the next run in a time zone, catch-up and waiting.

Pure: no Discord, no SQL, no clock. Times are UTC epoch seconds handed in by the caller.

A schedule runs at a local wall-clock time (``HH:MM``, 24-hour) in an IANA time zone, on a set
of weekdays (``daily``, ``weekdays``, ``weekends`` or a list such as ``mon,wed,fri``):

- across daylight-saving changes the run stays at the local time;
- a local time that does not exist that day (the clock springs forward over it) runs at the
  first valid minute after it (02:30 in Berlin on the last Sunday of March runs at 03:00);
- a local time that happens twice (the clock falls back) runs once, at the first occurrence.

When a run's timer fires late (the bot was down), the latest run that has come runs once if it
was missed by at most :data:`CATCH_UP_LIMIT` (one hour); older ones are skipped. Either way the
next run is the first one after *now*, so a schedule never catches up more than once. When a
live quiz is still running in the channel, the run looks again every :data:`RECHECK_EVERY`
seconds until :data:`WAIT_LIMIT` after the planned time, then is skipped.
"""

from __future__ import annotations

import contextlib
import math
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.errors import UserError
from bot.rules.quiz import echo

MAX_SCHEDULES = 25
MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 10, 3
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10, 300, 60
MAX_NAME = 80

CATCH_UP_LIMIT = 3600.0
DAY = 86_400.0
WAIT_LIMIT = 600.0
RECHECK_EVERY = 30.0

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAMED_DAYS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_TWELVE_HOUR = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?$")
_HOURS = re.compile(r"^(\d{1,2})\s*h(?:\s*(\d{2}))?$")
DAYS_HELP = "use daily, weekdays, weekends, or days such as mon,wed,fri"


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LocalTime:
    hour: int
    minute: int

    @property
    def text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


def _twelve_hour(cleaned: str, match: re.Match[str]) -> tuple[int, int]:
    hour, minute = int(match[1]), int(match[2] or 0)
    if not 1 <= hour <= 12:
        raise UserError(
            f"{echo(cleaned)} is not a time of day: with am or pm, hours go from 1 to 12."
        )
    return hour % 12 + (12 if match[3] == "p" else 0), minute


def parse_time(text: str) -> LocalTime:
    """A time of day: ``HH:MM`` on the 24-hour clock (``7:30`` too), ``7pm`` or ``7:30 pm``,
    or ``19h`` (``19h30``); a UserError saying why not."""
    cleaned = text.strip().lower()
    if match := _TIME.match(cleaned):
        hour, minute = int(match[1]), int(match[2])
    elif match := _TWELVE_HOUR.match(cleaned):
        hour, minute = _twelve_hour(cleaned, match)
    elif match := _HOURS.match(cleaned):
        hour, minute = int(match[1]), int(match[2] or 0)
    else:
        raise UserError(
            f"{echo(text.strip())} is not a time of day: write it as HH:MM on the 24-hour "
            "clock, or like 7pm or 19h, e.g. 19:00 or 07:30."
        )
    if hour > 23:
        raise UserError(f"{echo(cleaned)} is not a time of day: hours go from 00 to 23.")
    if minute > 59:
        raise UserError(f"{echo(cleaned)} is not a time of day: minutes go from 00 to 59.")
    return LocalTime(hour, minute)


@dataclass(frozen=True, slots=True)
class Days:
    """The weekdays a schedule runs on (0 = Monday ... 6 = Sunday)."""

    weekdays: frozenset[int]

    @property
    def text(self) -> str:
        """The canonical spelling: ``daily``, ``weekdays``, ``weekends`` or ``mon,wed,fri``."""
        for name, days in _NAMED_DAYS.items():
            if self.weekdays == days:
                return name
        return ",".join(WEEKDAYS[d] for d in sorted(self.weekdays))

    def describe(self) -> str:
        """For people: "daily", "on weekdays", "on weekends" or "on Mon, Wed, Fri"."""
        text = self.text
        if text == "daily":
            return "daily"
        if text in _NAMED_DAYS:
            return f"on {text}"
        return "on " + ", ".join(WEEKDAYS[d].capitalize() for d in sorted(self.weekdays))


def _weekday(token: str) -> int | None:
    if len(token) < 3:
        return None
    for index, full in enumerate(_FULL_NAMES):
        if full.startswith(token):
            return index
    return None


def parse_days(text: str | None) -> Days:
    """``daily`` (the default), ``weekdays``, ``weekends`` or a list like ``mon,wed,fri``."""
    cleaned = "daily" if text is None else text.strip().lower()
    if cleaned in _NAMED_DAYS:
        return Days(_NAMED_DAYS[cleaned])
    tokens = [t for t in re.split(r"[\s,;/]+", cleaned) if t]
    if not tokens:
        raise UserError(f"The day list is empty: {DAYS_HELP}.")
    days = set()
    for token in tokens:
        day = _weekday(token)
        if day is None:
            raise UserError(f"{echo(token)} is not a day I know: {DAYS_HELP}.")
        days.add(day)
    return Days(frozenset(days))


def parse_zone(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo for an IANA name, or a UserError when there is no such zone."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"{echo(name)} is not a time zone I know. Use an IANA name such as Europe/Berlin."
        ) from None


@dataclass(frozen=True, slots=True)
class Rule:
    """When a schedule runs: a local time, a time zone and weekdays."""

    time: LocalTime
    zone: str
    days: Days

    @classmethod
    def parse(cls, time: str, zone: str, days: str | None = None) -> Rule:
        parse_zone(zone)
        return cls(parse_time(time), zone, parse_days(days))

    def describe(self) -> str:
        """E.g. "daily at 19:00 (Europe/Berlin)" or "on Mon, Wed, Fri at 07:30 (UTC)"."""
        return f"{self.days.describe()} at {self.time.text} ({self.zone})"


def default_name(rule: Rule) -> str:
    """The heading of a schedule's quizzes when it has no name of its own."""
    when = f"at {rule.time.text} ({rule.zone})"
    kind = rule.days.text
    if kind == "daily":
        return f"Daily quiz {when}"
    if kind == "weekdays":
        return f"Weekday quiz {when}"
    if kind == "weekends":
        return f"Weekend quiz {when}"
    return f"Quiz {rule.days.describe()} {when}"


def check_name(name: str | None, rule: Rule) -> str:
    """The schedule's name: the one given (trimmed, checked) or a generated one."""
    if name is None or not name.strip():
        return default_name(rule)
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME:
        raise UserError(f"A schedule's name can be at most {MAX_NAME} characters.")
    return cleaned


def check_quiz_size(questions: int, seconds: int) -> None:
    """UserError unless the questions and seconds fit a scheduled quiz."""
    if not MIN_QUESTIONS <= questions <= MAX_QUESTIONS:
        raise UserError(f"A scheduled quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise UserError(
            f"A scheduled quiz gives {MIN_SECONDS} to {MAX_SECONDS} seconds per question."
        )


# --- when ----------------------------------------------------------------------------------------


def _wall(epoch: float, zone: zoneinfo.ZoneInfo) -> datetime:
    """The naive local wall-clock time at ``epoch``."""
    return datetime.fromtimestamp(epoch, zone).replace(tzinfo=None)


def local_instant(day: date, time: LocalTime, zone: zoneinfo.ZoneInfo) -> float:
    """The UTC instant at which ``day`` ``time`` happens in ``zone``.

    An ambiguous time (the clock falls back) gives its first occurrence; a time that does not
    exist (the clock springs forward over it) gives the first valid minute after it.
    """
    naive = datetime(day.year, day.month, day.day, time.hour, time.minute)  # noqa: DTZ001
    first = naive.replace(tzinfo=zone, fold=0).timestamp()
    if _wall(first, zone) == naive:
        return first
    # In a gap the two folds land on either side of the transition: search the minutes between.
    other = naive.replace(tzinfo=zone, fold=1).timestamp()
    low = math.floor(min(first, other) / 60)
    high = math.ceil(max(first, other) / 60)
    while low < high:
        middle = (low + high) // 2
        if _wall(middle * 60, zone) >= naive:
            high = middle
        else:
            low = middle + 1
    return float(low * 60)


def next_run(rule: Rule, after: float) -> float:
    """The first run of ``rule`` strictly after ``after``."""
    zone = parse_zone(rule.zone)
    start = datetime.fromtimestamp(after, zone).date() - timedelta(days=1)
    # Ten days always hold a matching weekday after the start (even where a zone skipped a day).
    for offset in range(10):
        day = start + timedelta(days=offset)
        if day.weekday() not in rule.days.weekdays:
            continue
        at = local_instant(day, rule.time, zone)
        if at > after:
            return at
    raise ValueError(f"no run of {rule} within ten days after {after}")  # no weekday at all


def next_runs(rule: Rule, after: float, count: int) -> list[float]:
    """The next ``count`` runs strictly after ``after``."""
    runs: list[float] = []
    for _ in range(count):
        after = next_run(rule, after)
        runs.append(after)
    return runs


# --- firing --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Firing:
    """What a fired run timer does.

    ``run_at`` is the latest planned run that has come (``planned_at`` itself unless the bot
    slept through later ones); it runs when at most :data:`CATCH_UP_LIMIT` late. Earlier
    missed runs are skipped (``skipped_earlier``). ``next_at`` is the first run after now.
    """

    run: bool
    run_at: float
    late: float
    skipped_earlier: bool
    next_at: float


def latest_run(rule: Rule, planned_at: float, now: float) -> float:
    """The last run of ``rule`` at or before ``now``, counting from ``planned_at``."""
    latest = planned_at
    # Only the last eight days can hold a run worth catching up; older ones are skipped anyway.
    probe = max(planned_at, now - 8 * DAY)
    while (candidate := next_run(rule, probe)) <= now:
        latest = probe = candidate
    return latest


def on_fire(rule: Rule, planned_at: float, now: float) -> Firing:
    """Run the latest due run if at most an hour late, else skip; the next run comes after now."""
    run_at = latest_run(rule, planned_at, now)
    late = max(0.0, now - run_at)
    next_at = next_run(rule, max(now, planned_at))
    return Firing(late <= CATCH_UP_LIMIT, run_at, late, run_at != planned_at, next_at)


def too_late(planned_at: float, now: float) -> bool:
    """True when a run planned for ``planned_at`` must no longer start."""
    return now - planned_at > CATCH_UP_LIMIT


def recheck_at(planned_at: float, now: float) -> float | None:
    """When to look again at a channel whose live quiz blocks a run; None: give up and skip."""
    deadline = planned_at + WAIT_LIMIT
    if now >= deadline:
        return None
    return min(now + RECHECK_EVERY, deadline)


def describe_duration(seconds: float) -> str:
    """ "45 seconds", "10 minutes", "3 hours 5 minutes", "2 days 4 hours"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _plural(seconds, "second")
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [_plural(n, unit) for n, unit in parts if n][:2]
    return " ".join(shown)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'s' * (count != 1)}"


def utc_text(epoch: float) -> str:
    """An instant for log lines: ``2026-03-29 01:00 UTC``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def day_suggestions(current: str) -> list[str]:
    """Day rules to offer while ``current`` is typed (named rules, then what was typed)."""
    needle = current.strip().lower()
    offers: list[str] = [n for n in (*_NAMED_DAYS, "mon,wed,fri", "sat") if n.startswith(needle)]
    if needle and needle not in offers:
        with contextlib.suppress(UserError):
            offers.insert(0, parse_days(needle).text)
    return list(dict.fromkeys(offers))

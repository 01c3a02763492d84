"""Scheduled quizzes: the time rules, the store, the REST pacer, and schedules end to end.

Pure tests pass instants in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` (which starts on
Thursday 2026-01-01 at 12:00 UTC) and the demo pack from ``tests/packs.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import zoneinfo
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapter.ratelimit import RequestPacer, is_exempt, pace_requests
from bot.errors import Conflict, UserError
from bot.rules.schedule import (
    CATCH_UP_LIMIT,
    MAX_SCHEDULES,
    LocalTime,
    Rule,
    check_name,
    check_quiz_size,
    day_suggestions,
    default_name,
    describe_duration,
    local_instant,
    next_run,
    next_runs,
    on_fire,
    parse_days,
    parse_time,
    recheck_at,
    too_late,
)
from bot.store import Store
from bot.timers import Timer
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

HOUR, DAY = 3600.0, 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def at(rule: str, zone: str, days: str = "daily") -> Rule:
    return Rule.parse(rule, zone, days)


# =============================================================================== parsing


def test_times_are_hh_mm_on_the_24_hour_clock() -> None:
    assert parse_time("19:00") == LocalTime(19, 0)
    assert parse_time(" 7:05 ").text == "07:05"
    assert parse_time("00:00").text == "00:00"
    assert parse_time("23:59").text == "23:59"
    with pytest.raises(UserError, match="'25:00' is not a time of day: hours go from 00 to 23"):
        parse_time("25:00")
    with pytest.raises(UserError, match="minutes go from 00 to 59"):
        parse_time("12:60")
    for bad in ("7pm", "1900", "12:5", "", "12:00:00", "noon"):
        with pytest.raises(UserError, match="HH:MM on the 24-hour clock"):
            parse_time(bad)
    with pytest.raises(UserError) as pasted:  # a paste of 3,000 characters is echoed short
        parse_time("1" * 3000)
    assert str(pasted.value).endswith("e.g. 19:00 or 07:30.") and len(str(pasted.value)) < 150


def test_day_rules_are_named_or_listed_and_stored_canonically() -> None:
    assert parse_days(None).text == "daily"
    assert parse_days("Weekdays").weekdays == frozenset(range(5))
    assert parse_days("weekends").weekdays == frozenset({5, 6})
    assert parse_days("mon,wed,fri").text == "mon,wed,fri"
    assert parse_days("Friday, monday  wed").text == "mon,wed,fri"
    assert parse_days("fri,thu,wed,tue,mon").text == "weekdays"
    assert parse_days("sun sat").text == "weekends"
    assert parse_days("mon,tue,wed,thu,fri,sat,sun").text == "daily"
    assert parse_days("thurs").text == "thu"
    assert parse_days("mon,wed,fri").describe() == "on Mon, Wed, Fri"
    assert parse_days("weekdays").describe() == "on weekdays"
    assert parse_days("daily").describe() == "daily"
    for empty in ("", ",", " , ;", "  "):  # only a missing option means daily
        with pytest.raises(UserError, match="The day list is empty"):
            parse_days(empty)
    with pytest.raises(UserError, match="'funday' is not a day I know"):
        parse_days("mon,funday")
    with pytest.raises(UserError, match="'mo' is not a day"):
        parse_days("mo")
    with pytest.raises(UserError, match=r"^'x{39}…' is not a day I know: use daily"):
        parse_days("x" * 3000)


def test_rules_check_the_zone_and_describe_themselves() -> None:
    rule = at("19:00", "Europe/Berlin")
    assert rule.describe() == "daily at 19:00 (Europe/Berlin)"
    assert default_name(rule) == "Daily quiz at 19:00 (Europe/Berlin)"
    assert default_name(at("07:30", "UTC", "weekdays")) == "Weekday quiz at 07:30 (UTC)"
    assert default_name(at("10:00", "UTC", "weekends")) == "Weekend quiz at 10:00 (UTC)"
    assert default_name(at("10:00", "UTC", "tue,thu")) == "Quiz on Tue, Thu at 10:00 (UTC)"
    with pytest.raises(UserError, match="'Mars/Olympus' is not a time zone"):
        at("19:00", "Mars/Olympus")
    assert check_name(None, rule) == "Daily quiz at 19:00 (Europe/Berlin)"
    assert check_name("  Friday   night  quiz ", rule) == "Friday night quiz"
    with pytest.raises(UserError, match="at most 80 characters"):
        check_name("x" * 81, rule)
    check_quiz_size(10, 300)
    with pytest.raises(UserError, match="1 to 10 questions"):
        check_quiz_size(11, 60)
    with pytest.raises(UserError, match="10 to 300 seconds"):
        check_quiz_size(3, 301)


def test_day_suggestions_offer_the_named_rules_and_what_was_typed() -> None:
    assert day_suggestions("") == ["daily", "weekdays", "weekends", "mon,wed,fri", "sat"]
    assert day_suggestions("week") == ["weekdays", "weekends"]
    assert day_suggestions("Fri, Mon") == ["mon,fri"]
    assert day_suggestions("zz") == []


def test_durations_read_like_people_write_them() -> None:
    assert describe_duration(45) == "45 seconds"
    assert describe_duration(60) == "1 minute"
    assert describe_duration(600) == "10 minutes"
    assert describe_duration(3 * HOUR + 300) == "3 hours 5 minutes"
    assert describe_duration(2 * DAY + 4 * HOUR + 59) == "2 days 4 hours"


# =============================================================================== the next run


def test_a_local_time_stays_local_across_daylight_saving() -> None:
    rule = at("19:00", "Europe/Berlin")
    runs = next_runs(rule, utc(2026, 3, 27, 12), 3)
    assert runs == [utc(2026, 3, 27, 18), utc(2026, 3, 28, 18), utc(2026, 3, 29, 17)]
    runs = next_runs(rule, utc(2026, 10, 24, 12), 2)
    assert runs == [utc(2026, 10, 24, 17), utc(2026, 10, 25, 18)]


def test_berlin_spring_forward_runs_at_the_first_valid_minute() -> None:
    # 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:00–02:59 do not exist that day.
    for time in ("02:00", "02:30", "02:59"):
        rule = at(time, "Europe/Berlin")
        assert next_run(rule, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)  # 03:00 CEST
    rule = at("02:30", "Europe/Berlin")
    assert next_runs(rule, utc(2026, 3, 28, 12), 2) == [
        utc(2026, 3, 29, 1),
        utc(2026, 3, 30, 0, 30),
    ]
    assert next_run(at("03:00", "Europe/Berlin"), utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)
    assert next_run(at("01:59", "Europe/Berlin"), utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 0, 59)


def test_berlin_fall_back_runs_an_ambiguous_time_once() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:00–02:59 happen twice.
    rule = at("02:30", "Europe/Berlin")
    first = next_run(rule, utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first occurrence
    assert next_run(rule, first) == utc(2026, 10, 26, 1, 30)  # not 01:30 UTC on the 25th
    # a late timer firing during the second 02:30 does not run the day again
    assert next_run(rule, utc(2026, 10, 25, 1, 30)) == utc(2026, 10, 26, 1, 30)


def test_new_york_spring_forward_and_fall_back() -> None:
    spring = at("02:30", "America/New_York")
    assert next_run(spring, utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 7)  # 03:00 EDT
    assert next_run(spring, utc(2026, 3, 8, 7)) == utc(2026, 3, 9, 6, 30)
    fall = at("01:30", "America/New_York")
    first = next_run(fall, utc(2026, 10, 31, 12))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert next_run(fall, first) == utc(2026, 11, 2, 6, 30)  # 01:30 EST the next day


def test_zones_with_30_and_45_minute_offsets() -> None:
    after = utc(2026, 1, 1, 0)
    assert next_run(at("19:00", "Asia/Kolkata"), after) == utc(2026, 1, 1, 13, 30)
    assert next_run(at("19:00", "Asia/Kathmandu"), after) == utc(2026, 1, 1, 13, 15)
    assert next_run(at("19:00", "Australia/Eucla"), after) == utc(2026, 1, 1, 10, 15)
    assert next_run(at("00:10", "Asia/Kathmandu"), after) == utc(2026, 1, 1, 18, 25)


def test_lord_howe_moves_its_clock_by_30_minutes() -> None:
    # 2026-10-04: 02:00 (+10:30) becomes 02:30 (+11); 2026-04-05: 02:00 (+11) becomes 01:30.
    gap = at("02:15", "Australia/Lord_Howe")
    assert next_run(gap, utc(2026, 10, 3, 0)) == utc(2026, 10, 3, 15, 30)  # 02:30 local
    assert next_run(gap, utc(2026, 10, 3, 15, 30)) == utc(2026, 10, 4, 15, 15)
    fold = at("01:45", "Australia/Lord_Howe")
    first = next_run(fold, utc(2026, 4, 4, 0))
    assert first == utc(2026, 4, 4, 14, 45)  # 01:45 at +11, the first occurrence
    assert next_run(fold, first) == utc(2026, 4, 5, 15, 15)  # the next day, at +10:30


def test_day_filters_pick_the_right_weekdays() -> None:
    friday_evening = utc(2026, 1, 2, 20)  # Friday
    assert next_run(at("09:00", "UTC", "weekdays"), friday_evening) == utc(2026, 1, 5, 9)  # Mon
    assert next_run(at("09:00", "UTC", "weekends"), friday_evening) == utc(2026, 1, 3, 9)  # Sat
    runs = next_runs(at("09:00", "UTC", "mon,wed,fri"), friday_evening, 4)
    assert [datetime.fromtimestamp(r, UTC).strftime("%a %d") for r in runs] == [
        "Mon 05", "Wed 07", "Fri 09", "Mon 12",
    ]  # fmt: skip
    # the weekday is the local one: 01:00 on a Monday in Tokyo is Sunday in UTC
    assert next_run(at("01:00", "Asia/Tokyo", "mon"), friday_evening) == utc(2026, 1, 4, 16)


def test_leap_day_and_year_end() -> None:
    daily = at("23:30", "UTC")
    assert next_runs(daily, utc(2024, 2, 28, 23, 30), 2) == [
        utc(2024, 2, 29, 23, 30), utc(2024, 3, 1, 23, 30),
    ]  # fmt: skip
    assert next_run(at("12:00", "UTC", "thu"), utc(2024, 2, 23)) == utc(2024, 2, 29, 12)
    berlin = at("19:00", "Europe/Berlin")
    assert next_run(berlin, utc(2025, 12, 31, 18)) == utc(2026, 1, 1, 18)
    assert next_run(at("09:00", "UTC", "mon"), utc(2025, 12, 31, 12)) == utc(2026, 1, 5, 9)
    kiritimati = at("23:30", "Pacific/Kiritimati")  # UTC+14: New Year comes first there
    assert next_run(kiritimati, utc(2025, 12, 30, 12)) == utc(2025, 12, 31, 9, 30)


def test_the_next_run_is_strictly_after() -> None:
    rule = at("12:00", "UTC")
    assert next_run(rule, utc(2026, 1, 1, 12)) == utc(2026, 1, 2, 12)
    assert next_run(rule, utc(2026, 1, 1, 12) - 0.001) == utc(2026, 1, 1, 12)


ZONES = (
    "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
    "Australia/Eucla", "Australia/Lord_Howe", "America/Sao_Paulo", "Pacific/Chatham",
    "America/Santiago", "Pacific/Apia",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    days=st.sets(st.integers(0, 6), min_size=1),
    after=st.integers(int(utc(2010, 1, 1)), int(utc(2035, 1, 1))),
)
def test_next_run_matches_the_wall_clock_rule(
    zone: str, hour: int, minute: int, days: set[int], after: int
) -> None:
    day_text = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days)
    rule = at(f"{hour:02d}:{minute:02d}", zone, day_text)
    tz = zoneinfo.ZoneInfo(zone)
    run = next_run(rule, after)
    assert after < run <= after + 8 * DAY
    wall = datetime.fromtimestamp(run, tz)
    wanted = wall.replace(hour=hour, minute=minute, second=0, tzinfo=None)
    if wall.replace(tzinfo=None) != wanted:  # only when the wanted time does not exist
        just_before = datetime.fromtimestamp(run - 60, tz).replace(tzinfo=None)
        assert just_before < wanted < wall.replace(tzinfo=None) or (
            wall.date() != wanted.date()  # a skipped date (Apia 2011) or midnight gap
        )
    else:
        assert wall.weekday() in days
    assert next_run(rule, (after + int(run)) // 2) == run  # nothing in between


def test_local_instant_of_a_skipped_day() -> None:
    # Samoa skipped 2011-12-30: its 19:00 runs at the first minute after, 00:00 on the 31st.
    apia = zoneinfo.ZoneInfo("Pacific/Apia")
    assert local_instant(date(2011, 12, 30), LocalTime(19, 0), apia) == utc(2011, 12, 30, 10)


# =============================================================================== late runs


def test_a_run_late_by_up_to_an_hour_runs_once_and_an_older_one_is_skipped() -> None:
    rule = at("12:05", "UTC")
    planned = utc(2026, 1, 1, 12, 5)
    ten_minutes = on_fire(rule, planned, planned + 600)
    assert (ten_minutes.run, ten_minutes.late, ten_minutes.next_at) == (
        True, 600, utc(2026, 1, 2, 12, 5),
    )  # fmt: skip
    assert on_fire(rule, planned, planned + CATCH_UP_LIMIT).run
    three_hours = on_fire(rule, planned, planned + 3 * HOUR)
    assert (three_hours.run, three_hours.next_at) == (False, utc(2026, 1, 2, 12, 5))
    assert not three_hours.skipped_earlier and three_hours.run_at == planned
    # three days down: only the latest run can catch up, and the next run is after now
    caught_up = on_fire(rule, planned, planned + 3 * DAY + 25 * 60)
    assert (caught_up.run, caught_up.run_at, caught_up.late, caught_up.skipped_earlier) == (
        True, utc(2026, 1, 4, 12, 5), 25 * 60, True,
    )  # fmt: skip
    assert caught_up.next_at == utc(2026, 1, 5, 12, 5)
    long_gone = on_fire(rule, planned, planned + 3 * DAY + 2 * HOUR)
    assert (long_gone.run, long_gone.run_at, long_gone.next_at) == (
        False, utc(2026, 1, 4, 12, 5), utc(2026, 1, 5, 12, 5),
    )  # fmt: skip
    a_year = on_fire(rule, planned, planned + 365 * DAY + 30)
    assert (a_year.run, a_year.run_at) == (True, planned + 365 * DAY)
    on_time = on_fire(rule, planned, planned)
    assert (on_time.run, on_time.late, on_time.next_at) == (True, 0, utc(2026, 1, 2, 12, 5))
    assert not too_late(planned, planned + HOUR) and too_late(planned, planned + HOUR + 1)


def test_a_busy_channel_is_rechecked_every_30_seconds_for_10_minutes() -> None:
    planned = utc(2026, 1, 1, 12)
    assert recheck_at(planned, planned) == planned + 30
    assert recheck_at(planned, planned + 580) == planned + 600
    assert recheck_at(planned, planned + 600) is None
    assert recheck_at(planned, planned + 3600) is None


# =============================================================================== the REST pacer


class FakeTime:
    """A monotonic clock that only moves when told; sleeping records the wait and returns."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_the_pacer_spaces_requests_evenly_in_arrival_order() -> None:
    fake = FakeTime()
    pacer = RequestPacer(48, monotonic=fake.monotonic, sleep=fake.sleep)
    released: list[tuple[int, float]] = []

    async def request(index: int) -> None:
        asked = fake.now
        released.append((index, asked + await pacer.acquire()))
        fake.now += 0.001  # requests keep arriving while earlier ones wait

    await asyncio.gather(*(request(i) for i in range(200)))
    released.sort(key=lambda item: item[1])
    assert [index for index, _ in released] == list(range(200))  # first come, first served
    times = [t for _, t in released]
    assert times[0] == 100.0  # an idle pacer lets the first one through at once
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 48 - 1e-9
    assert max(sum(1 for t in times if s <= t < s + 1) for s in times) <= 48 + 1
    assert (pacer.granted, pacer.delayed) == (200, 199)
    fake.now = times[-1] + 10  # idle again: no wait
    assert await pacer.acquire() == 0.0


async def test_a_burst_lets_that_many_through_then_paces() -> None:
    fake = FakeTime()
    pacer = RequestPacer(10, burst=5, monotonic=fake.monotonic, sleep=fake.sleep)
    waits = [await pacer.acquire() for _ in range(7)]
    assert waits[:5] == [0.0] * 5 and waits[5] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="rate must be positive"):
        RequestPacer(0)


async def test_pace_requests_paces_bot_routes_and_lets_interaction_callbacks_through() -> None:
    class Route:
        def __init__(self, path: str) -> None:
            self.path = path

    class Http:
        def __init__(self) -> None:
            self.sent: list[tuple[str, dict[str, Any]]] = []

        async def request(self, route: Route, **kwargs: Any) -> str:
            self.sent.append((route.path, kwargs))
            return "ok"

    fake = FakeTime()
    pacer = RequestPacer(48, monotonic=fake.monotonic, sleep=fake.sleep)
    http = Http()
    pace_requests(http, pacer)
    assert await http.request(Route("/channels/{channel_id}/messages"), json={"a": 1}) == "ok"
    await http.request(Route("/interactions/{interaction_id}/{interaction_token}/callback"))
    await http.request(Route("/webhooks/{webhook_id}/{webhook_token}"))
    assert http.sent[0] == ("/channels/{channel_id}/messages", {"json": {"a": 1}})
    assert pacer.granted == 1
    assert is_exempt("/interactions/1/x/callback") and not is_exempt("/channels/1/messages")


# =============================================================================== the store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "bot.sqlite3")
    yield store
    await store.close()


async def add(store: Store, guild_id: int = 1, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "guild_id": guild_id, "channel_id": 10, "name": "Daily quiz at 12:05 (UTC)",
        "rule": at("12:05", "UTC"), "questions": 3, "seconds": 60, "section": None,
        "difficulty": None, "next_run_at": utc(2026, 1, 1, 12, 5), "created_by": 7,
        "now": utc(2026, 1, 1, 12),
    }  # fmt: skip
    values.update(changes)
    return await store.schedules.add(**values)


async def test_schedules_are_stored_and_listed_per_guild(store: Store) -> None:
    first = await add(store, rule=at("07:30", "Asia/Kolkata", "fri,mon"), section="P2")
    await add(store, guild_id=2)
    second = await add(store)
    assert (first.local_time, first.timezone, first.days, first.section) == (
        "07:30", "Asia/Kolkata", "mon,fri", "P2",
    )  # fmt: skip
    assert first.rule == at("07:30", "Asia/Kolkata", "mon,fri")
    assert [s.id for s in await store.schedules.in_guild(1)] == [first.id, second.id]
    assert await store.schedules.count(2) == 1
    assert await store.schedules.delete(first.id)
    assert not await store.schedules.delete(first.id)
    assert await store.schedules.get(first.id) is None


async def test_a_guild_holds_at_most_25_schedules(store: Store) -> None:
    for _ in range(MAX_SCHEDULES):
        await add(store)
    with pytest.raises(Conflict, match="already has 25 schedules"):
        await add(store)
    assert await store.schedules.count(1) == MAX_SCHEDULES
    await add(store, guild_id=2)  # another guild is not affected


async def test_a_run_is_claimed_once_and_pausing_clears_the_next_run(store: Store) -> None:
    schedule = await add(store)
    planned, tomorrow = schedule.next_run_at, schedule.next_run_at + DAY
    assert await store.schedules.claim_run(schedule.id, planned, tomorrow, "starting", planned)
    assert not await store.schedules.claim_run(schedule.id, planned, tomorrow, "again", planned)
    claimed = await store.schedules.get(schedule.id)
    assert (claimed.next_run_at, claimed.last_run_at, claimed.last_outcome) == (
        tomorrow, planned, "starting",
    )  # fmt: skip
    await store.schedules.record_outcome(schedule.id, "posted", planned + 1)
    assert (await store.schedules.get(schedule.id)).last_outcome == "posted"
    assert await store.schedules.pause(schedule.id, "paused by <@7>", planned + 2)
    assert not await store.schedules.pause(schedule.id, "again", planned + 3)
    paused = await store.schedules.get(schedule.id)
    assert (paused.paused, paused.paused_reason, paused.next_run_at) == (
        True, "paused by <@7>", None,
    )  # fmt: skip
    assert not await store.schedules.claim_run(schedule.id, tomorrow, tomorrow + DAY, "x", 0)
    assert await store.schedules.resume(schedule.id, tomorrow, planned + 4)
    assert not await store.schedules.resume(schedule.id, tomorrow, planned + 5)
    resumed = await store.schedules.get(schedule.id)
    assert (resumed.paused, resumed.paused_reason, resumed.next_run_at) == (False, None, tomorrow)


async def test_a_failed_transaction_leaves_no_schedule(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await add(store)
            raise RuntimeError("boom")
    assert await store.schedules.count(1) == 0


# =============================================================================== end to end

NOON = utc(2026, 1, 1, 12)  # the FakeClock's start (conftest.CLOCK_START), a Thursday


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write_pack(root)
    return root


async def settle(bot: Any) -> None:
    await asyncio.wait_for(bot.timers.idle(), 5)


async def schedule_at(admin: Member, channel: Any, time: str = "12:05", **options: Any) -> Message:
    options.setdefault("timezone", "UTC")
    reply = await (
        await admin.slash("schedule add", channel=channel, time=time, **options)
    ).ephemeral()
    assert reply.content.startswith("Scheduled #"), reply.content
    return reply


def questions_in(emulator: Emulator, channel: str) -> list[Message]:
    return [m for m in emulator.messages_in(channel) if m.buttons and m.embeds]


async def test_add_confirms_the_rule_and_the_next_three_runs(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    reply = await (
        await admin.slash(
            "schedule add",
            channel=emulator.channel("quiz"),
            time="19:00",
            timezone="europe/berlin",
            seconds=300,
        )
    ).ephemeral()
    quiz = emulator.channel("quiz")
    assert reply.content.splitlines()[0] == (
        f"Scheduled #1 “Daily quiz at 19:00 (Europe/Berlin)” in <#{quiz.id}>: daily at 19:00 "
        "(Europe/Berlin), 3 questions × 300 s."
    )
    runs = [utc(2026, 1, 1, 18), utc(2026, 1, 2, 18), utc(2026, 1, 3, 18)]
    for run in runs:
        assert f"• <t:{int(run)}:F> (<t:{int(run)}:R>)" in reply.content
    schedule = await bot.store.schedules.get(1)
    assert (schedule.channel_id, schedule.seconds, schedule.next_run_at) == (quiz.id, 300, runs[0])
    timer = await bot.store.timers.by_key("schedule:1")
    assert (timer.kind, timer.due_at, timer.payload) == ("schedule.run", runs[0], {"schedule": 1})


async def test_the_zone_defaults_to_the_servers_then_utc(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    reply = await (
        await admin.slash("schedule add", channel=emulator.channel("quiz"), time="12:30")
    ).ephemeral()
    assert "Daily quiz at 12:30 (UTC)" in reply.content
    await (await admin.slash("settings timezone", timezone="Asia/Kathmandu")).ephemeral()
    reply = await (
        await admin.slash(
            "schedule add",
            channel=emulator.channel("quiz"),
            time="19:00",
            days="mon,wed,fri",
            name="Evening round",
        )
    ).ephemeral()
    assert "“Evening round”" in reply.content
    assert "on Mon, Wed, Fri at 19:00 (Asia/Kathmandu)" in reply.content
    assert f"<t:{int(utc(2026, 1, 2, 13, 15))}:F>" in reply.content  # Friday 19:00 +05:45


async def test_bad_input_gets_one_sentence_and_stores_nothing(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    quiz = emulator.channel("quiz")

    async def refused(**options: Any) -> str:
        options.setdefault("time", "19:00")
        result = await admin.slash("schedule add", channel=options.pop("channel", quiz), **options)
        return (await result.ephemeral()).content

    assert await refused(time="25:00") == "'25:00' is not a time of day: hours go from 00 to 23."
    pasted = await refused(time="9" * 3000)  # still one whole sentence, not 2,000 nines
    assert pasted.endswith("e.g. 19:00 or 07:30.") and len(pasted) < 150
    assert (await refused(timezone="Mars/Olympus")).startswith(
        "'Mars/Olympus' is not a time zone I know."
    )
    assert (await refused(days=",")).startswith("The day list is empty:")
    assert (await refused(days="")).startswith("The day list is empty:")
    assert (await refused(days="someday")).startswith("'someday' is not a day I know")
    await emulator.revoke("debate", "send_messages")
    debate = emulator.channel("debate")
    assert await refused(channel=debate) == (
        f"I cannot post quizzes in <#{debate.id}>: I am missing Send Messages there."
    )
    await emulator.revoke("mod-log", "view_channel")
    hidden = emulator.channel("mod-log")
    assert await refused(channel=hidden) == (
        f"I cannot post quizzes in <#{hidden.id}>: I am missing View Channel there."
    )
    plain = await emulator.create_channel("plain")
    await emulator.revoke(plain, "embed_links")
    assert await refused(channel=plain) == (
        f"I cannot post quizzes in <#{plain.id}>: I am missing Embed Links there."
    )
    assert "There is no section 'P9'" in await refused(section="P9")
    assert await bot.store.schedules.count(emulator.guild.id) == 0
    assert await bot.store.timers.by_kind("schedule.run") == []


async def test_a_member_without_manage_server_is_refused(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, mod: Member
) -> None:
    await schedule_at(admin, emulator.channel("quiz"))
    for member in (alice, mod):
        result = await member.slash("schedule add", channel=emulator.channel("quiz"), time="19:00")
        assert (await result.ephemeral()).content == (
            "Only admins (Manage Server) can schedule quizzes."
        )
    for command in ("schedule pause", "schedule remove", "schedule run"):
        refusal = await (await alice.slash(command, id=1)).ephemeral()
        assert refusal.content.startswith("Only admins (Manage Server) can")
    listing = await (await alice.slash("schedule list")).ephemeral()
    assert listing.content == "Only admins (Manage Server) can see the scheduled quizzes."
    assert await alice.autocomplete("schedule pause", id="") == []
    assert await bot.store.schedules.count(emulator.guild.id) == 1
    assert not (await bot.store.schedules.get(1)).paused
    assert questions_in(emulator, "quiz") == []


async def test_list_pause_resume_and_remove(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    quiz = emulator.channel("quiz")
    await schedule_at(admin, quiz, "12:05")
    await schedule_at(admin, emulator.channel("general"), "08:00", days="weekdays", questions=5)
    empty_guild_choices = await admin.autocomplete("schedule pause", id="gen")
    assert [(c.name, c.value) for c in empty_guild_choices] == [
        ("#2 · Weekday quiz at 08:00 (UTC) · #general", 2)
    ]

    listing = await (await admin.slash("schedule list")).ephemeral()
    assert listing.embed["title"] == "Scheduled quizzes (2 of 25)"
    fields = {f["name"]: f["value"] for f in listing.embed["fields"]}
    first = fields["#1 · Daily quiz at 12:05 (UTC)"]
    assert f"Channel: <#{quiz.id}>" in first
    assert "Rule: daily at 12:05 (UTC)" in first
    assert "Quiz: 3 questions × 60 s" in first
    assert f"Next run: <t:{int(utc(2026, 1, 1, 12, 5))}:F>" in first
    assert (
        f"Next run: <t:{int(utc(2026, 1, 2, 8))}:F>" in fields["#2 · Weekday quiz at 08:00 (UTC)"]
    )  # Friday

    paused = await (await admin.slash("schedule pause", id=1)).ephemeral()
    assert paused.content == (
        "Paused schedule #1 “Daily quiz at 12:05 (UTC)”: /schedule resume 1 starts it again."
    )
    assert await bot.store.timers.by_key("schedule:1") is None
    again = await (await admin.slash("schedule pause", id=1)).ephemeral()
    assert again.content.startswith(f"Schedule #1 is already paused (by <@{admin.id}>)")
    listing = await (await admin.slash("schedule list")).ephemeral()
    fields = {f["name"]: f["value"] for f in listing.embed["fields"]}
    assert f"**Paused** — by <@{admin.id}>" in fields["#1 · Daily quiz at 12:05 (UTC) — paused"]
    choices = await admin.autocomplete("schedule resume", id="")
    assert choices[0].name == "#1 · Daily quiz at 12:05 (UTC) · #quiz · paused"

    clock.advance(600)  # 12:10: the paused schedule does not run
    await settle(bot)
    assert questions_in(emulator, "quiz") == []

    resumed = await (await admin.slash("schedule resume", id=1)).ephemeral()
    tomorrow = int(utc(2026, 1, 2, 12, 5))
    assert resumed.content == (
        f"Resumed schedule #1 “Daily quiz at 12:05 (UTC)”: next run <t:{tomorrow}:F> "
        f"(<t:{tomorrow}:R>)."
    )
    assert (await bot.store.timers.by_key("schedule:1")).due_at == tomorrow
    assert (await (await admin.slash("schedule resume", id=1)).ephemeral()).content == (
        "Schedule #1 is not paused."
    )

    removed = await (await admin.slash("schedule remove", id=1)).ephemeral()
    assert removed.content == "Removed schedule #1 “Daily quiz at 12:05 (UTC)”."
    assert await bot.store.schedules.get(1) is None
    assert await bot.store.timers.by_key("schedule:1") is None
    missing = await (await admin.slash("schedule remove", id=1)).ephemeral()
    assert missing.content == "There is no schedule #1 on this server: /schedule list shows them."
    assert await bot.store.timers.by_key("schedule:2") is not None


async def test_the_list_is_empty_at_first(bot: Any, admin: Member) -> None:
    listing = await (await admin.slash("schedule list")).ephemeral()
    assert listing.content == "No scheduled quizzes yet: add one with /schedule add."


async def test_a_schedule_fires_on_time_and_plans_the_next_run(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05", seconds=200, name="Lunch quiz")
    clock.advance(4 * 60 + 59)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    clock.advance(1)
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Lunch quiz — Question 1 of 3"
    assert f"<t:{int(utc(2026, 1, 1, 12, 5) + 200)}:R>" in question.text  # 200 s: over /quiz's 120
    await settle(bot)
    quiz = await bot.store.quiz.running_in(emulator.channel("quiz").id)
    assert (quiz.source, quiz.title, quiz.started_by, quiz.seconds) == (
        "scheduled", "Lunch quiz", None, 200,
    )  # fmt: skip
    schedule = await bot.store.schedules.get(1)
    tomorrow = utc(2026, 1, 2, 12, 5)
    assert (schedule.next_run_at, schedule.last_run_at, schedule.last_outcome) == (
        tomorrow, utc(2026, 1, 1, 12, 5), "posted",
    )  # fmt: skip
    timers = {(t.kind, t.key, t.due_at) for t in await bot.store.timers.by_kind("schedule.run")}
    assert timers == {("schedule.run", "schedule:1", tomorrow)}
    assert await bot.store.timers.by_kind("schedule.start") == []
    answer = await (await alice.click(question, question.button_labels[0])).ephemeral()
    assert answer.content.startswith(("Locked in", "You already"))
    refused = await (await alice.slash("quiz start", channel="quiz")).ephemeral()
    assert "started by the schedule “Lunch quiz”" in refused.content
    assert len(questions_in(emulator, "quiz")) == 1


async def test_run_now_posts_at_once_and_keeps_the_timetable(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "19:00", questions=2)
    quiz = emulator.channel("quiz")
    reply = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert reply.content == (
        f"Posted “Daily quiz at 19:00 (UTC)” in <#{quiz.id}>. The timetable is unchanged."
    )
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 19:00 (UTC) — Question 1 of 2"
    schedule = await bot.store.schedules.get(1)
    assert (schedule.next_run_at, schedule.last_outcome) == (
        utc(2026, 1, 1, 19),
        "posted (run by hand)",
    )
    busy = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert busy.content == f"A quiz is already running in <#{quiz.id}>: try again when it ends."
    assert len(questions_in(emulator, "quiz")) == 1


async def test_a_timer_firing_twice_posts_the_run_once(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await bot.timers.stop()  # fire the handler by hand, twice at the same time
    row = await bot.store.timers.by_key("schedule:1")
    clock.set(row.due_at)
    runner = bot.get_cog("Schedule").runner
    await asyncio.gather(runner.on_run(Timer(row, bot.store)), runner.on_run(Timer(row, bot.store)))
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert len(questions_in(emulator, "quiz")) == 1
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 1
    assert (await bot.store.timers.by_key("schedule:1")).due_at == row.due_at + DAY


async def test_a_run_missed_by_10_minutes_runs_once_after_a_restart(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 1, 12, 15))
    bot = await harness.start()
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 12:05 (UTC) — Question 1 of 3"
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    schedule = await bot.store.schedules.get(1)
    assert (schedule.next_run_at, schedule.last_outcome) == (utc(2026, 1, 2, 12, 5), "posted")
    assert (await bot.store.timers.by_key("schedule:1")).due_at == utc(2026, 1, 2, 12, 5)


async def test_a_run_missed_by_3_hours_is_skipped_and_logged(
    harness: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 1, 15, 5))
    with caplog.at_level(logging.WARNING, logger="cogs.schedule.runner"):
        bot = await harness.start()
        await settle(bot)
    assert questions_in(emulator, "quiz") == []
    assert any(
        "planned for 2026-01-01 12:05 UTC was missed by 3 hours" in r.getMessage()
        and "next run 2026-01-02 12:05 UTC" in r.getMessage()
        for r in caplog.records
    ), caplog.text
    schedule = await bot.store.schedules.get(1)
    assert schedule.next_run_at == utc(2026, 1, 2, 12, 5)
    assert schedule.last_outcome == "skipped: missed by 3 hours while the bot was down"
    # the next day it runs as usual
    clock.set(utc(2026, 1, 2, 12, 5))
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))


async def test_days_of_downtime_catch_up_at_most_once(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 4, 12, 30))  # three runs missed, the last by 25 minutes
    bot = await harness.start()
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    assert (await bot.store.schedules.get(1)).next_run_at == utc(2026, 1, 5, 12, 5)


async def test_a_crash_after_the_claim_still_posts_the_run_once(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    bot = harness.bot
    await bot.timers.stop()
    # What schedule.run commits before it starts the quiz; then the process dies.
    planned, tomorrow = utc(2026, 1, 1, 12, 5), utc(2026, 1, 2, 12, 5)
    clock.set(planned)
    async with bot.store.transaction():
        await bot.store.timers.delete_key("schedule:1")
        assert await bot.store.schedules.claim_run(1, planned, tomorrow, "starting", planned)
        await bot.timers.schedule("schedule.run", tomorrow, {"schedule": 1}, key="schedule:1")
        payload = {"schedule": 1, "planned": planned}
        await bot.timers.schedule("schedule.start", planned + 30, payload, key="schedule-start:1")
    bot = await harness.restart(abrupt=True)
    clock.advance(30)
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    assert (await bot.store.schedules.get(1)).next_run_at == tomorrow


async def test_a_deleted_channel_pauses_the_schedule_and_reports_it(
    bot: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await (
        await admin.slash("settings log-channel", channel=emulator.channel("mod-log"))
    ).ephemeral()
    night = await emulator.create_channel("quiz-night")
    await schedule_at(admin, night, "12:05")
    await emulator.delete_channel(night)
    with caplog.at_level(logging.WARNING, logger="cogs.schedule.runner"):
        clock.advance(300)
        report = await emulator.next_message("mod-log")
    reason = f"cannot post in <#{night.id}>: the channel no longer exists or I cannot see it"
    assert report.content == (
        f"Scheduled quiz #1 “Daily quiz at 12:05 (UTC)” is paused: I {reason}. Fix it, then use "
        "/schedule resume 1."
    )
    assert report.pings == set()
    assert f"schedule 1 (guild {emulator.guild.id}) paused: {reason}" in caplog.text
    schedule = await bot.store.schedules.get(1)
    assert (schedule.paused, schedule.paused_reason, schedule.next_run_at) == (True, reason, None)
    await settle(bot)
    assert await bot.store.timers.by_key("schedule:1") is None
    listing = await (await admin.slash("schedule list")).ephemeral()
    assert f"**Paused** — {reason}" in listing.text
    still = await (await admin.slash("schedule resume", id=1)).ephemeral()
    assert still.content.startswith(f"I still cannot post quizzes in <#{night.id}>: the channel")


async def test_a_lost_permission_pauses_the_schedule(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    fault = emulator.forbid(channel="quiz")  # the cache still looks fine; Discord says 403
    clock.advance(300)
    await settle(bot)
    schedule = await bot.store.schedules.get(1)
    quiz = emulator.channel("quiz")
    assert schedule.paused_reason == f"cannot post in <#{quiz.id}>: I am missing a permission there"
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    emulator.remove_fault(fault)
    resumed = await (await admin.slash("schedule resume", id=1)).ephemeral()
    assert resumed.content.startswith("Resumed schedule #1")
    reply = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert reply.content.startswith("Posted")


async def test_a_busy_channel_makes_the_run_wait_for_the_quiz_to_end(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any
) -> None:
    emulator.ratelimits.relax()
    await schedule_at(admin, emulator.channel("quiz"), "12:01")
    started = await alice.slash("quiz start", channel="quiz", questions=2, seconds=60)
    await started.ephemeral()  # Q1 closes 12:01:00, Q2 opens 12:01:05 and closes 12:02:05
    clock.advance(60)
    await settle(bot)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "waiting for the quiz running in the channel to end"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 1, 30)
    for step in (30, 30, 5):  # 12:01:30 and 12:02:00 still busy; 12:02:05 the quiz ends
        clock.advance(step)
        await settle(bot)
    assert [q.embed["title"] for q in questions_in(emulator, "quiz")] == [
        "Question 1 of 2", "Question 2 of 2",
    ]  # fmt: skip
    clock.advance(25)  # 12:02:30: the next look finds the channel free
    question = await emulator.next_message(
        "quiz", predicate=lambda m: m.embed is not None and "Daily quiz" in m.embed["title"]
    )
    assert question.embed["title"] == "Daily quiz at 12:01 (UTC) — Question 1 of 3"
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"


async def test_a_run_still_blocked_after_10_minutes_is_skipped(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any, caplog: Any
) -> None:
    emulator.ratelimits.relax()
    await schedule_at(admin, emulator.channel("quiz"), "12:01")
    await (await alice.slash("quiz start", channel="quiz", questions=10, seconds=120)).ephemeral()
    with caplog.at_level(logging.WARNING, logger="cogs.schedule.runner"):
        for _ in range(2 * 11):
            clock.advance(30)
            await settle(bot)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == (
        "skipped: a quiz was still running in the channel 10 minutes after the time"
    )
    assert "planned for 2026-01-01 12:01 UTC is skipped: a quiz was still running" in caplog.text
    assert await bot.store.timers.by_key("schedule-start:1") is None
    assert (
        await bot.store.db.fetchval("SELECT count(*) FROM quizzes WHERE source = 'scheduled'") == 0
    )
    assert schedule.next_run_at == utc(2026, 1, 2, 12, 1)


async def test_the_help_lists_schedules_and_the_time_rules(bot: Any, admin: Member) -> None:
    page = await (await admin.slash("help")).ephemeral()
    text = page.text
    for _ in range(5):
        if "Schedules (admins)" in text or not page.buttons:
            break
        page = await (await admin.click(page, "Next")).message()
        text = page.text
    assert "Schedules (admins)" in text
    assert "/schedule add channel time" in text
    assert "a time it repeats runs once" in text


async def test_the_bot_paces_its_rest_requests_under_the_global_limit(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    emulator.ratelimits.relax()  # only the global 50 per second remains
    channel = bot.get_partial_messageable(emulator.channel("quiz").id)
    before, hits = bot.rest_pacer.granted, emulator.ratelimits.count
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(60)))
    elapsed = loop.time() - began
    assert emulator.ratelimits.count == hits  # not one 429
    assert bot.rest_pacer.granted - before == 60
    assert elapsed >= 59 / 48 - 0.05
    granted = bot.rest_pacer.granted
    await (await admin.slash("schedule list")).ephemeral()  # an interaction callback
    assert bot.rest_pacer.granted == granted


async def test_a_run_still_rate_limited_after_retries_tries_again(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    emulator.ratelimits.force(5, retry_after=0.01, route="/messages")  # all of discord.py's tries
    clock.advance(300)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "Discord was busy (429); trying again shortly"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 5, 30)
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    clock.advance(30)
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"
    assert len(questions_in(emulator, "quiz")) == 1


async def test_25_schedules_at_most_and_the_list_pages_through_them(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    runner = bot.get_cog("Schedule").runner
    quiz = emulator.channel("quiz")
    for minute in range(24):
        await runner.create(
            guild_id=emulator.guild.id,
            channel_id=quiz.id,
            rule=Rule.parse(f"18:{minute:02d}", "America/New_York", "mon,wed,fri"),
            name=f"Evening quiz number {minute} with a fairly long name to fill the page",
            section="P1",
            difficulty="easy",
        )
    await schedule_at(admin, quiz, "07:00")
    refused = await (await admin.slash("schedule add", channel=quiz, time="08:00")).ephemeral()
    assert refused.content == (
        "This server already has 25 schedules, the most allowed: remove one with /schedule "
        "remove first."
    )
    listing = await (await admin.slash("schedule list")).ephemeral()
    seen, texts = [f["name"] for f in listing.embed["fields"]], [listing.text]
    while not next(b for b in listing.buttons if b["label"] == "Next").get("disabled"):
        listing = await (await admin.click(listing, "Next")).message()
        seen += [f["name"] for f in listing.embed["fields"]]
        texts.append(listing.text)
    assert len(texts) >= 2  # 25 schedules do not fit one embed's 6,000 characters
    assert len(seen) == 25 and seen[-1] == "#25 · Daily quiz at 07:00 (UTC)"
    assert listing.embed["title"] == "Scheduled quizzes (25 of 25)"
    assert "Quiz: 3 questions × 60 s · section P1 · easy" in texts[0]
    assert "Rule: on Mon, Wed, Fri at 18:00 (America/New_York)" in texts[0]
    choices = await admin.autocomplete("schedule run", id="")
    assert len(choices) == 25


async def test_a_run_hit_by_a_discord_server_error_tries_again(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    emulator.fail_next(1, status=503, route="POST /channels/")  # discord.py does not retry 503
    clock.advance(300)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "Discord had an error (503); trying again shortly"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 5, 30)
    clock.advance(30)
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 12:05 (UTC) — Question 1 of 3"
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"
    assert len(questions_in(emulator, "quiz")) == 1
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 1


async def test_an_outage_longer_than_an_hour_skips_the_run(
    bot: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    outage = emulator.fail_next(10_000, status=503, route="POST /channels/")
    with caplog.at_level(logging.WARNING, logger="cogs.schedule.runner"):
        clock.advance(300)
        await settle(bot)
        for _ in range(7):  # each look re-arms 30 s ahead; an overdue look fires once
            clock.advance(600)
            await settle(bot)
    emulator.remove_fault(outage)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome.startswith("skipped: missed by 1 hour")
    assert "planned for 2026-01-01 12:05 UTC is skipped: missed by 1 hour" in caplog.text
    assert await bot.store.timers.by_key("schedule-start:1") is None
    assert not schedule.paused and schedule.next_run_at == utc(2026, 1, 2, 12, 5)
    assert questions_in(emulator, "quiz") == []
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0

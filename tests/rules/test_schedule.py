"""Scheduled quizzes: the time rules, the store, the REST pacer, and schedules end to end.

Pure tests pass instants in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` (which starts on
Thursday 2026-01-01 at 12:00 UTC) and the demo pack from ``tests/packs.py``.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.rules.schedule import (
    CATCH_UP_LIMIT,
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

HOUR, DAY = 3600.0, 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def at(rule: str, zone: str, days: str = "daily") -> Rule:
    return Rule.parse(rule, zone, days)


# =============================================================================== parsing


def test_twelve_hour_times_and_hours_with_h_are_read_too() -> None:
    assert parse_time("7pm") == LocalTime(19, 0)
    assert parse_time("7:30 pm") == LocalTime(19, 30)
    assert parse_time("7:30 PM").text == "19:30"
    assert parse_time("12am") == LocalTime(0, 0) and parse_time("12 pm") == LocalTime(12, 0)
    assert parse_time("19h") == LocalTime(19, 0) and parse_time("7h30") == LocalTime(7, 30)
    with pytest.raises(UserError, match="with am or pm, hours go from 1 to 12"):
        parse_time("13pm")
    with pytest.raises(UserError, match="hours go from 00 to 23"):
        parse_time("25h")


def test_times_are_hh_mm_on_the_24_hour_clock() -> None:
    assert parse_time("19:00") == LocalTime(19, 0)
    assert parse_time(" 7:05 ").text == "07:05"
    assert parse_time("00:00").text == "00:00"
    assert parse_time("23:59").text == "23:59"
    with pytest.raises(UserError, match="'25:00' is not a time of day: hours go from 00 to 23"):
        parse_time("25:00")
    with pytest.raises(UserError, match="minutes go from 00 to 59"):
        parse_time("12:60")
    for bad in ("1900", "12:5", "", "12:00:00", "noon", "7 o'clock", "13pm:00"):
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

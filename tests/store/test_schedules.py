"""Scheduled quizzes: the time rules, the store, the REST pacer, and schedules end to end.

Pure tests pass instants in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` (which starts on
Thursday 2026-01-01 at 12:00 UTC) and the demo pack from ``tests/packs.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import Conflict
from bot.rules.schedule import (
    MAX_SCHEDULES,
    Rule,
)
from bot.store import Store

HOUR, DAY = 3600.0, 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def at(rule: str, zone: str, days: str = "daily") -> Rule:
    return Rule.parse(rule, zone, days)


# =============================================================================== the store


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

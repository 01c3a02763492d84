"""Durable timers: order, restart on the same file, overdue timers, retries and parking."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.store import Store
from bot.timers import BACKOFF_SECONDS, MAX_RETRIES, Timer, TimerService

START = 1_800_000_000.0


async def settle(service: TimerService) -> None:
    await asyncio.wait_for(service.idle(), 5)


async def test_timers_fire_in_due_order_and_only_when_due(store: Store) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)
    fired: list[str] = []

    async def handler(timer: Timer) -> None:
        fired.append(timer.payload["name"])

    service.register("t", handler)
    await service.schedule("t", START + 30, {"name": "late"})
    await service.schedule("t", START + 10, {"name": "early"})
    await service.schedule("t", START + 20, {"name": "middle"})
    service.start()
    try:
        await settle(service)
        assert fired == []
        clock.advance(15)
        await settle(service)
        assert fired == ["early"]
        clock.advance(100)
        await settle(service)
        assert fired == ["early", "middle", "late"]
        assert await store.db.fetchval("SELECT count(*) FROM timers") == 0
    finally:
        await service.stop()


async def test_a_newly_scheduled_earlier_timer_wakes_the_loop(store: Store) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)
    fired = asyncio.Event()

    async def handler(timer: Timer) -> None:
        fired.set()

    service.register("t", handler)
    await service.schedule("t", START + 3600, {})
    service.start()
    try:
        await settle(service)
        await service.schedule("t", START - 1, {})
        await asyncio.wait_for(fired.wait(), 5)
    finally:
        await service.stop()


async def test_timers_survive_a_restart_and_overdue_ones_fire_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    clock = FakeClock(START)
    store = await Store.open(path)
    first = TimerService(store, clock)
    await first.schedule("t", START + 60, {"n": 1}, key="quiz-close:1")
    await first.schedule("t", START + 7200, {"n": 2})
    await store.close()

    clock.advance(600)  # the bot was down when the first timer came due
    store = await Store.open(path)
    second = TimerService(store, clock)
    fired: list[int] = []

    async def handler(timer: Timer) -> None:
        fired.append(timer.payload["n"])

    second.register("t", handler)
    second.start()
    try:
        await settle(second)
        assert fired == [1]
        clock.advance(10_000)
        await settle(second)
        assert fired == [1, 2]
    finally:
        await second.stop()
        await store.close()


async def test_complete_commits_with_the_handlers_writes(store: Store) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)

    async def handler(timer: Timer) -> None:
        async with store.transaction():
            assert await timer.complete()
            await store.meta.set("handled", str(timer.id))
            raise RuntimeError("the write and the completion roll back together")

    service.register("t", handler)
    timer_id = await service.schedule("t", START, {})
    service.start()
    try:
        await settle(service)
        row = await store.timers.get(timer_id)
        assert row is not None and row.attempts == 1 and "roll back" in (row.last_error or "")
        assert await store.meta.get("handled") is None
    finally:
        await service.stop()


async def test_a_failing_handler_is_retried_with_backoff_then_parked(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)
    calls: list[float] = []

    async def handler(timer: Timer) -> None:
        calls.append(clock.now())
        raise ValueError("always broken")

    service.register("broken", handler)
    timer_id = await service.schedule("broken", START, {})
    service.start()
    try:
        for _ in range(MAX_RETRIES + 3):
            await settle(service)
            clock.advance(max(BACKOFF_SECONDS) + 1)
        await settle(service)
        assert len(calls) == MAX_RETRIES + 1
        gaps = [round(b - a) for a, b in itertools.pairwise(calls)]
        assert all(gap >= BACKOFF_SECONDS[0] for gap in gaps)
        row = await store.timers.get(timer_id)
        assert row is not None and row.parked_at is not None
        assert row.attempts == MAX_RETRIES + 1
        assert [r.id for r in await store.timers.parked()] == [timer_id]
        assert "parked" in caplog.text
    finally:
        await service.stop()


async def test_a_timer_without_handler_is_kept_not_dropped(store: Store) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)
    timer_id = await service.schedule("unknown-kind", START, {})
    service.start()
    try:
        await settle(service)
        row = await store.timers.get(timer_id)
        assert row is not None and "no handler" in (row.last_error or "")
    finally:
        await service.stop()


async def test_scheduling_with_a_key_replaces_and_cancel_removes(store: Store) -> None:
    service = TimerService(store, FakeClock(START))
    first = await service.schedule("t", START + 5, {"v": 1}, key="k")
    second = await service.schedule("t", START + 9, {"v": 2}, key="k")
    assert first == second
    row = await store.timers.by_key("k")
    assert row is not None and row.due_at == START + 9 and row.payload == {"v": 2}
    assert await service.cancel("k") is True
    assert await service.cancel("k") is False


async def test_sleeping_until_a_time_the_clock_already_passed_returns() -> None:
    """Sleeps are by absolute time, so a move between computing and sleeping is not lost."""
    clock = FakeClock(START)
    sleeper = asyncio.ensure_future(clock.sleep_until(START + 1))
    clock.advance(1)  # moved before the sleeper even started
    await asyncio.wait_for(sleeper, 1)
    later = asyncio.ensure_future(clock.sleep_until(START + 5))
    await asyncio.sleep(0)
    assert not later.done()
    clock.advance(4)
    await asyncio.wait_for(later, 1)

"""Durable timers: order, restart on the same file, overdue timers, retries and parking."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.store import Store
from bot.store.timers import Shards
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


# --- several processes: claims with a lease, shards, notifications -------------------------------

GUILD_ON = {0: 40 << 22, 1: 41 << 22}  # (guild_id >> 22) % 2 is the shard


async def test_a_claim_holds_until_its_lease_ends_and_a_lost_claim_cannot_complete(
    store: Store,
) -> None:
    clock = FakeClock(START)
    await store.timers.add("t", START, {}, START, "k", None)
    first = await store.timers.claim_due(START, 10, "process-a", START + 60)
    assert [row.key for row in first] == ["k"]
    assert await store.timers.claim_due(START + 30, 10, "process-b", START + 90) == []
    clock.set(START + 61)  # process a died: its lease ended
    taken = await store.timers.claim_due(clock.now(), 10, "process-b", clock.now() + 60)
    assert [row.id for row in taken] == [first[0].id]
    assert await store.timers.complete(first[0].id, "process-a") is False  # too late for a
    assert await store.timers.complete(first[0].id, "process-b") is True
    assert await store.timers.get(first[0].id) is None


async def test_each_process_claims_only_its_own_shards(store: Store) -> None:
    for shard, guild in GUILD_ON.items():
        await store.timers.add("t", START, {"shard": shard}, START, f"g{shard}", guild)
    await store.timers.add("t", START, {"shard": "none"}, START, "bot", None)
    zero = Shards(2, (0,))
    one = Shards(2, (1,))
    assert zero.owns(GUILD_ON[0]) and one.owns(GUILD_ON[1]) and zero.owns(None)
    took_one = await store.timers.claim_due(START, 10, "b", START + 60, one)
    took_zero = await store.timers.claim_due(START, 10, "a", START + 60, zero)
    assert [row.payload["shard"] for row in took_one] == [1]
    assert sorted(str(row.payload["shard"]) for row in took_zero) == ["0", "none"]


async def test_a_timer_scheduled_again_by_its_own_handler_is_kept(store: Store) -> None:
    clock = FakeClock(START)
    service = TimerService(store, clock)
    runs: list[float] = []

    async def handler(timer: Timer) -> None:
        runs.append(clock.now())
        if len(runs) == 1:  # e.g. a moderator extended the turn while its timer ran
            await service.schedule("t", START + 60, {}, key="turn")

    service.register("t", handler)
    await service.schedule("t", START, {}, key="turn")
    service.start()
    try:
        await settle(service)
        assert runs == [START]
        row = await store.timers.by_key("turn")
        assert row is not None and row.due_at == START + 60
        clock.advance(60)
        await settle(service)
        assert runs == [START, START + 60]
    finally:
        await service.stop()


async def test_two_processes_share_a_storm_of_timers_and_fire_each_once(
    database: Any, clock: FakeClock
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("several processes share one database only on PostgreSQL")
    stores = [await database.open(), await database.open()]
    fired: list[tuple[str, int]] = []
    services = []
    for name, store in zip(("a", "b"), stores, strict=True):
        service = TimerService(store, clock, owner=name)

        async def handler(timer: Timer, name: str = name) -> None:
            await asyncio.sleep(0.001)
            fired.append((name, timer.payload["n"]))

        service.register("storm", handler)
        services.append(service)
    try:
        for n in range(50):
            await services[0].schedule("storm", START + 1, {"n": n}, key=f"s{n}")
        for service in services:
            service.start()
        clock.set(START + 1)
        for service in services:
            await settle(service)
        assert sorted(n for _, n in fired) == list(range(50))  # each once, none twice
        assert await stores[0].db.fetchval("SELECT count(*) FROM timers") == 0
    finally:
        for service in services:
            await service.stop()
        for store in stores:
            await store.close()


async def test_a_new_timer_wakes_the_process_that_owns_it_through_a_notification(
    database: Any, clock: FakeClock
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    owner_store, other_store = await database.open(), await database.open()
    fired = asyncio.Event()
    owner = TimerService(owner_store, clock, shards=Shards(2, (1,)), owner="shard-1")

    async def handler(timer: Timer) -> None:
        fired.set()

    owner.register("t", handler)
    other = TimerService(other_store, clock, shards=Shards(2, (0,)), owner="shard-0")
    owner.start()
    try:
        await settle(owner)  # asleep: nothing is due, no wake-up planned
        await asyncio.sleep(0.1)
        # Another process schedules a timer of a shard-1 guild, due now.
        await other.schedule("t", clock.now(), {}, guild_id=GUILD_ON[1])
        await asyncio.wait_for(fired.wait(), 5)
    finally:
        await owner.stop()
        await owner_store.close()
        await other_store.close()

"""Scheduled quizzes: the time rules, the store, the REST pacer, and schedules end to end.

Pure tests pass instants in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` (which starts on
Thursday 2026-01-01 at 12:00 UTC) and the demo pack from ``tests/packs.py``.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapter.ratelimit import RequestPacer, is_exempt, pace_requests
from bot.rules.schedule import (
    Rule,
)

HOUR, DAY = 3600.0, 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def at(rule: str, zone: str, days: str = "daily") -> Rule:
    return Rule.parse(rule, zone, days)


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


def test_processes_that_split_the_shards_split_the_global_rest_limit(tmp_path: Path) -> None:
    from bot.adapter.client import RoundtableBot
    from bot.adapter.ratelimit import DEFAULT_RATE
    from bot.settings import Settings

    alone = RoundtableBot(Settings(token="t", database_path=tmp_path / "a.sqlite3"))
    half = RoundtableBot(
        Settings(
            token="t",
            database_url="postgresql://bot@127.0.0.1/rt",
            shard_count=4,
            shard_ids=(0, 1),
        )
    )
    assert alone.rest_pacer.rate == DEFAULT_RATE
    assert half.rest_pacer.rate == DEFAULT_RATE / 2  # two such processes stay under 50/s

"""Fixtures for service tests: a real SQLite store, the fake clock, running timers, the shipped
packs, and :class:`Recorder`, the base of the recording outputs that stand in for Discord.

Service tests never start the emulator: a service reaches Discord only through its output port,
so a recorder that keeps every call (and answers a repeated nonce with the first message, as
Discord does) shows what members would have seen.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.content import Library, load_library
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed
from bot.store import Store
from bot.timers import TimerService

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def timers(store: Store, clock: FakeClock) -> AsyncIterator[TimerService]:
    """The durable timers, running on the fake clock: ``clock.advance(s)`` then
    ``await settle(timers)`` fires whatever fell due."""
    service = TimerService(store, clock)
    service.start()
    try:
        yield service
    finally:
        await service.stop()


async def settle(timers: TimerService, within: float = 5.0) -> None:
    """Wait until no timer handler runs and nothing is due."""
    import asyncio

    try:
        await asyncio.wait_for(timers.idle(), within)
    except TimeoutError:
        for task in asyncio.all_tasks():
            task.print_stack()
        raise


@pytest.fixture
def library() -> Library:
    return load_library(REPO_ROOT / "content")


@pytest.fixture
def packs(library: Library, store: Store) -> Packs:
    return Packs(library, store)


@dataclass
class Call:
    """One call of an output port: the method, its arguments, and the message id it got."""

    method: str
    args: dict[str, Any]
    message_id: int | None = None
    deduplicated: bool = False


@dataclass
class Recorder:
    """The base of recording outputs: subclasses implement a port's methods with
    ``return await self.record("post_x", nonce=nonce, ...)``.

    ``fail("post_x", PostFailed(...), times=2)`` makes the next two calls of that method raise.
    A post with a nonce seen before returns the first post's message id and creates nothing new
    (``Call.deduplicated``), as Discord does with ``enforce_nonce``.
    """

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[PostFailed]] = field(default_factory=dict)
    by_nonce: dict[str, int] = field(default_factory=dict)
    ids: itertools.count = field(default_factory=lambda: itertools.count(10_000))

    def fail(self, method: str, error: PostFailed, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([error] * times)

    async def record(self, method: str, *, nonce: str | None = None, **args: Any) -> Posted:
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)
        if nonce is not None and nonce in self.by_nonce:
            call = Call(method, {"nonce": nonce, **args}, self.by_nonce[nonce], deduplicated=True)
            self.calls.append(call)
            return Posted(self.by_nonce[nonce])
        message_id = next(self.ids)
        if nonce is not None:
            self.by_nonce[nonce] = message_id
        self.calls.append(Call(method, {"nonce": nonce, **args}, message_id))
        return Posted(message_id)

    def named(self, method: str, *, new_only: bool = True) -> list[Call]:
        """The calls of ``method`` (without the answers a repeated nonce got, by default)."""
        return [c for c in self.calls if c.method == method and not (new_only and c.deduplicated)]

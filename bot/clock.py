"""Time as a dependency: the real clock for the bot, a controllable one for tests.

Every piece of code that needs "now" or needs to wait receives a :class:`Clock`. Times are UTC
epoch seconds (``float``) throughout the project; :func:`discord_timestamp` shows one to members
in their own time zone.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    """What the bot needs from time."""

    def now(self) -> float:
        """Current UTC time as epoch seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for ``seconds`` of this clock's time."""
        ...

    async def sleep_until(self, when: float) -> None:
        """Wait until this clock reads ``when`` (epoch seconds); at once if it already has."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, when: float) -> None:
        await asyncio.sleep(max(0.0, when - self.now()))


class FakeClock:
    """A clock that only moves when a test calls :meth:`advance` (or :meth:`set`).

    Sleepers wake when the clock passes their deadline, so timer code runs in tests without real
    waiting.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + seconds)

    async def sleep_until(self, when: float) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._counter), future))
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        self.set(self._now + seconds)

    def set(self, when: float) -> None:
        """Jump to ``when`` (never backwards) and wake due sleepers."""
        self._now = max(self._now, float(when))
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


def discord_timestamp(epoch: float, style: str = "R") -> str:
    """Discord's ``<t:…:style>`` markup, shown in each member's own time zone."""
    return f"<t:{int(epoch)}:{style}>"

"""A bot-wide pacer for REST requests, under Discord's global limit of 50 requests per second.

discord.py only reacts to rate limits: it sends, gets a 429, sleeps and retries. When many
guilds' scheduled quizzes start in the same minute that means hundreds of 429 answers (and
Discord bans an IP after 10,000 invalid requests in 10 minutes). The pacer makes every request
sent with the bot token wait for a slot first: slots are handed out in arrival order, evenly
spaced at ``rate`` per second, and an idle pacer lets ``burst`` requests through at once.

Spacing requests evenly (burst 1) keeps any one-second window, wherever Discord starts it, at
``rate`` + 1 requests even when network delays shift requests by a few milliseconds, so the
default 48 per second stays under 50.

Interaction callbacks and follow-ups are exempt from the global limit on Discord's side;
discord.py sends them through its webhook adapter, not through ``HTTPClient.request``, so they
never reach the pacer (routes under ``/interactions/`` and ``/webhooks/`` are let through as
well, should a future discord.py send them that way). Real time, not the bot's clock: rate
limits run on Discord's wall clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

DEFAULT_RATE = 48.0
DEFAULT_BURST = 1
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


class RequestPacer:
    """Hands out request slots at ``rate`` per second (see the module docstring)."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = -float("inf")
        self.granted = 0
        self.delayed = 0
        self.waited = 0.0

    async def acquire(self) -> float:
        """Wait for this request's slot; returns the seconds waited."""
        now = self._monotonic()
        slot = max(self._next, now - (self.burst - 1) * self._interval)
        self._next = slot + self._interval  # reserved before sleeping: first come, first served
        self.granted += 1
        wait = slot - now
        if wait <= 0:
            return 0.0
        self.delayed += 1
        self.waited += wait
        await self._sleep(wait)
        return wait


def is_exempt(path: str) -> bool:
    """True for routes Discord leaves out of the global limit (interaction callbacks)."""
    return path.startswith(EXEMPT_PREFIXES)


def pace_requests(http: Any, pacer: RequestPacer) -> None:
    """Make every ``http.request(route, ...)`` of discord.py's HTTPClient wait for ``pacer``.

    Retries that discord.py makes inside ``request`` (after a 5xx or a 429) are not paced again;
    they follow a wait of their own.
    """
    request = http.request

    async def paced_request(route: Any, /, **kwargs: Any) -> Any:
        if not is_exempt(route.path):
            await pacer.acquire()
        return await request(route, **kwargs)

    http.request = paced_request

"""Discord's REST rate limits, on real (monotonic) time, because discord.py sleeps in real time.

- A global bucket: ``global_limit`` requests per second for the bot, interaction callbacks and
  webhook (follow-up) calls exempt.
- Per-route buckets keyed like Discord's (route template + major parameter). Creating messages
  in one channel is limited to ``channel_messages`` (default 5 per 5 s); other routes get a
  roomy ``default_route`` bucket whose headers let discord.py track it.
- ``force(...)`` answers the next matching call(s) with a 429, to test a retry.

A 429 carries what discord.py needs to retry: a JSON body ``{message, retry_after, global}`` and
the ``Via``, ``Retry-After``, ``X-RateLimit-*`` headers. Every 429 is kept in ``hits``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

MESSAGE_CREATE_TEMPLATE = "/channels/{channel_id}/messages"


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` requests per ``per`` seconds."""

    count: int
    per: float


@dataclass
class _Window:
    limit: Limit
    remaining: int
    resets_at: float

    def refresh(self, now: float) -> None:
        if now >= self.resets_at:
            self.remaining = self.limit.count
            self.resets_at = now + self.limit.per


@dataclass(frozen=True, slots=True)
class RateLimitHit:
    """One 429 the emulator answered."""

    method: str
    path: str
    scope: str  # "user", "global" or "forced"
    retry_after: float


@dataclass
class _Forced:
    remaining: int
    retry_after: float
    is_global: bool
    route: str | None


@dataclass
class Decision:
    """The outcome for one call: headers to add, and a 429 body when refused."""

    headers: dict[str, str] = field(default_factory=dict)
    refused: dict[str, Any] | None = None


class RateLimiter:
    """Global and per-route buckets; see the module docstring."""

    def __init__(self) -> None:
        self.enabled = True
        self.global_limit = 50
        self.channel_messages: Limit | None = Limit(5, 5.0)
        self.default_route = Limit(50, 1.0)
        self.hits: list[RateLimitHit] = []
        self._global = _Window(Limit(self.global_limit, 1.0), self.global_limit, 0.0)
        self._windows: dict[str, _Window] = {}
        self._forced: list[_Forced] = []

    # ----------------------------------------------------------------- configuration
    def relax(self) -> None:
        """No per-channel message bucket (for tests that post many messages in one channel)."""
        self.channel_messages = None

    def force(
        self,
        count: int = 1,
        *,
        retry_after: float = 0.25,
        is_global: bool = False,
        route: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls (whose path contains ``route``, if given) with 429."""
        self._forced.append(_Forced(count, retry_after, is_global, route))

    @property
    def count(self) -> int:
        """How many 429s were answered."""
        return len(self.hits)

    # ----------------------------------------------------------------- the check
    def check(
        self, method: str, path: str, template: str, major: str, *, exempt_global: bool
    ) -> Decision:
        now = time.monotonic()
        forced = self._take_forced(path)
        if forced is not None:
            return self._refuse(method, path, "forced", forced.retry_after, forced.is_global, {})
        if not self.enabled:
            return Decision()
        if not exempt_global:
            self._refresh_global(now)
            if self._global.remaining <= 0:
                retry = self._global.resets_at - now
                return self._refuse(method, path, "global", retry, True, {})
        window, bucket = self._window(method, template, major, now)
        headers = {}
        if window is not None:
            if window.remaining <= 0:
                retry = window.resets_at - now
                headers = self._headers(window, bucket, now)
                return self._refuse(method, path, "user", retry, False, headers)
            window.remaining -= 1
            headers = self._headers(window, bucket, now)
        if not exempt_global:
            self._global.remaining -= 1
        return Decision(headers=headers)

    def _refresh_global(self, now: float) -> None:
        if self._global.limit.count != self.global_limit:  # reconfigured by a test
            self._global.limit = Limit(self.global_limit, 1.0)
            self._global.remaining = min(self._global.remaining, self.global_limit)
        self._global.refresh(now)

    def _take_forced(self, path: str) -> _Forced | None:
        for forced in self._forced:
            if forced.remaining > 0 and (forced.route is None or forced.route in path):
                forced.remaining -= 1
                if forced.remaining == 0:
                    self._forced.remove(forced)
                return forced
        return None

    def _window(
        self, method: str, template: str, major: str, now: float
    ) -> tuple[_Window | None, str]:
        limit = self.default_route
        if method == "POST" and template == MESSAGE_CREATE_TEMPLATE:
            if self.channel_messages is None:
                return None, ""
            limit = self.channel_messages
        bucket = hashlib.sha1(f"{method} {template}".encode(), usedforsecurity=False).hexdigest()
        key = f"{bucket}:{major}"
        window = self._windows.get(key)
        if window is None or window.limit != limit:
            window = _Window(limit, limit.count, now + limit.per)
            self._windows[key] = window
        window.refresh(now)
        return window, bucket[:16]

    @staticmethod
    def _headers(window: _Window, bucket: str, now: float) -> dict[str, str]:
        reset_after = max(0.0, window.resets_at - now)
        return {
            "X-RateLimit-Limit": str(window.limit.count),
            "X-RateLimit-Remaining": str(max(0, window.remaining)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def _refuse(
        self,
        method: str,
        path: str,
        scope: str,
        retry_after: float,
        is_global: bool,
        headers: dict[str, str],
    ) -> Decision:
        retry_after = max(0.001, round(retry_after, 3))
        self.hits.append(RateLimitHit(method, path, scope, retry_after))
        headers = {
            **headers,
            "Retry-After": str(math.ceil(retry_after)),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "global"
            if is_global
            else ("user" if scope != "forced" else "shared"),
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        if is_global:
            body["code"] = 0
        return Decision(headers=headers, refused=body)

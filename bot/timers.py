"""Durable timers: the one mechanism for anything that must happen later.

A timer is a row (kind, due time, JSON payload, optional unique key, its guild) in the store.
One task sleeps until the earliest row of this process's shards is due, claims it with a lease
and runs the handler registered for its kind. A handler that wants its writes and the timer's
removal to commit together calls ``await timer.complete()`` inside its own
``store.transaction()`` (it returns False when the claim was lost, so the handler skips its
writes); otherwise the row is deleted once the handler returns. A handler that raises is logged
and retried with backoff up to ``MAX_RETRIES`` times, then parked: kept with its error, skipped
by the loop, never silently dropped. Because the rows live in the database, timers survive
restarts; overdue ones fire once at start-up.

With several processes on one PostgreSQL database each claims only its own shards' timers, a
process killed mid-handler leaves its claims to expire (``LEASE`` seconds) for the next process
serving that shard, and a new timer wakes the process that owns it through ``LISTEN/NOTIFY``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from bot.clock import Clock
from bot.store import Store, TimerRow
from bot.store.timers import Shards

log = logging.getLogger(__name__)

MAX_RETRIES = 5
BACKOFF_SECONDS = (5.0, 15.0, 60.0, 300.0, 900.0)
MAX_SLEEP = 300.0
#: How long a claim holds: a handler that runs longer may be run again by another process.
LEASE = 60.0
#: While PostgreSQL notifications cannot be heard, the loop looks at least this often.
POLL_WITHOUT_NOTIFY = 5.0
NOTIFY_CHANNEL = "roundtable_timers"


def process_name() -> str:
    """A name for this process's claims: host, pid and a random part (unique per start)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Timer:
    """A due timer handed to its handler."""

    def __init__(self, row: TimerRow, store: Store, owner: str | None = None) -> None:
        self.row = row
        self._store = store
        self._owner = owner if owner is not None else row.claimed_by

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def key(self) -> str | None:
        return self.row.key

    @property
    def due_at(self) -> float:
        return self.row.due_at

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload

    @property
    def attempts(self) -> int:
        return self.row.attempts

    async def complete(self) -> bool:
        """Delete this timer, inside the caller's transaction when there is one.

        Returns False when the row was already gone (another path completed it), or when this
        process no longer holds its claim (the lease expired and another process took it, or it
        was scheduled again), so a handler can tell it lost a race and skip its writes.
        """
        if self._owner is None:
            return await self._store.timers.delete(self.row.id)
        return await self._store.timers.complete(self.row.id, self._owner)


Handler = Callable[[Timer], Awaitable[None]]


class TimerService:
    """Runs the handlers of due timers; see the module docstring."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        concurrency: int = 64,
        shards: Shards | None = None,
        owner: str | None = None,
        lease: float = LEASE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.concurrency = concurrency
        self.shards = shards
        self.owner = owner or process_name()
        self.lease = lease
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}

    def register(self, kind: str, handler: Handler) -> None:
        """Name the coroutine that runs timers of ``kind``; one handler per kind.

        Registering again replaces the handler, so a reloaded cog takes over its own kinds.
        """
        previous = self._handlers.get(kind)
        if previous is not None and previous != handler:
            log.info("timer kind %r gets a new handler", kind)
        self._handlers[kind] = handler

    def unregister(self, kind: str) -> None:
        """Forget the handler of ``kind`` (a cog unloading); its timers wait for a new one."""
        self._handlers.pop(kind, None)

    async def schedule(
        self,
        kind: str,
        due_at: float,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        guild_id: int | None = None,
    ) -> int:
        """Add a timer (joining the caller's transaction); a timer with ``key`` is replaced.

        ``guild_id`` names the server the timer belongs to (None: the bot's own).
        """
        timer_id = await self.store.timers.add(
            kind, due_at, payload or {}, self.clock.now(), key, guild_id
        )
        self.store.db.after_commit(self._wake.set)
        if self.store.dialect == "postgresql":
            # Delivered at commit to every process; the one serving the guild picks it up.
            await self.store.db.notify(NOTIFY_CHANNEL, str(guild_id or ""))  # type: ignore[attr-defined]
        return timer_id

    async def cancel(self, key: str) -> bool:
        """Remove the timer with ``key``; False when there was none."""
        removed = await self.store.timers.delete_key(key)
        self.store.db.after_commit(self._wake.set)
        return removed

    def start(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._run(), name="timers")

    async def stop(self) -> None:
        """Stop the loop and cancel running handlers; their rows stay (their claims given up)
        and fire after a restart."""
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = None
        self._running.clear()
        with contextlib.suppress(Exception):
            await self.store.timers.release(self.owner)

    async def idle(self) -> None:
        """Wait until no handler is running and nothing is due (wrap it in a timeout)."""
        while True:
            await asyncio.sleep(0)
            if self._running:
                await asyncio.wait(list(self._running.values()))
                continue
            now = self.clock.now()
            if not await self.store.timers.claimable(now, self.shards) and not (
                await self.store.timers.held_by(self.owner)
            ):
                return
            await asyncio.sleep(0.01)

    async def _run(self) -> None:
        await self._prepare()
        while True:
            try:
                wake_at = await self._start_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("timer loop failed to read the timers table; retrying")
                wake_at = self.clock.now() + 1.0
            await self._wait(wake_at)

    async def _prepare(self) -> None:
        """Before the first claim: on SQLite (one process) take back claims a dead process
        left; on PostgreSQL listen for new timers."""
        try:
            if self.store.dialect == "sqlite":
                await self.store.timers.release_all()
            else:
                await self.store.db.listen(NOTIFY_CHANNEL, self._notified)  # type: ignore[attr-defined]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("timers: could not prepare the timer loop; polling instead")

    def _notified(self, payload: str) -> None:
        if not payload or self.shards is None or self.shards.owns(int(payload)):
            self._wake.set()

    async def _start_due(self) -> float | None:
        """Claim due timers and start their handlers; return when to look again (None: when
        woken). An absolute time, not a delay: the clock may move between this read and the
        sleep."""
        self._wake.clear()
        free = self.concurrency - len(self._running)
        now = self.clock.now()
        if free > 0:
            for row in await self.store.timers.claim_due(
                now, free, self.owner, now + self.lease, self.shards
            ):
                self._running[row.id] = asyncio.create_task(
                    self._fire(row), name=f"timer:{row.kind}:{row.id}"
                )
        if len(self._running) >= self.concurrency:
            return None  # a finishing handler sets the wake event
        wake_at = await self.store.timers.wake_at(self.shards)
        if self.store.dialect == "postgresql" and not getattr(self.store.db, "listening", True):
            fallback = now + POLL_WITHOUT_NOTIFY
            wake_at = fallback if wake_at is None else min(wake_at, fallback)
        return wake_at

    async def _wait(self, wake_at: float | None) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait())]
        if wake_at is not None:
            wake_at = min(wake_at, self.clock.now() + MAX_SLEEP)
            waiters.append(asyncio.ensure_future(self.clock.sleep_until(wake_at)))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _fire(self, row: TimerRow) -> None:
        timer = Timer(row, self.store, self.owner)
        try:
            handler = self._handlers.get(row.kind)
            if handler is None:
                raise LookupError(f"no handler is registered for timer kind {row.kind!r}")
            await handler(timer)
            # Only while this process still holds the claim: a timer scheduled again meanwhile
            # (same key) is a new due time, not this one.
            await self.store.timers.complete(row.id, self.owner)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._record_failure(row, exc)
        finally:
            self._running.pop(row.id, None)
            self._wake.set()

    async def _record_failure(self, row: TimerRow, exc: Exception) -> None:
        current = await self.store.timers.get(row.id)
        if current is None or current.claimed_by != self.owner:
            log.exception("timer %s (%s) failed after completing", row.id, row.kind)
            return
        attempts = row.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:500]
        now = self.clock.now()
        if attempts > MAX_RETRIES:
            log.error(
                "timer %s (%s) failed %d times and is parked: %s",
                row.id, row.kind, attempts, error, exc_info=exc,
            )  # fmt: skip
            await self.store.timers.record_failure(row.id, self.owner, error, None, now)
            return
        delay = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
        log.error(
            "timer %s (%s) failed (attempt %d), retrying in %.0fs: %s",
            row.id, row.kind, attempts, delay, error, exc_info=exc,
        )  # fmt: skip
        await self.store.timers.record_failure(row.id, self.owner, error, now + delay, now)

"""Running the real bot against the emulator: start, stop (gracefully or abruptly), restart.

>>> harness = BotHarness(emulator, settings, clock)
>>> bot = await harness.start()           # returns once the bot is ready (< 2 s)
>>> bot = await harness.restart(abrupt=True)

An abrupt stop plays a crash: the gateway connection is reset from the server side, the bot's
asyncio tasks are cancelled, its SQLite connection is closed without committing, and nothing of
``bot.close()`` runs. The emulator keeps its state either way, and the next bot opens the same
database file with the same settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import yarl

from tests.emulator.server import Emulator

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_PACKAGES = ("/discord/", "/bot/", "/cogs/")


@contextlib.contextmanager
def pointed_at(emulator: Emulator) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the emulator; restore them after."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = emulator.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def copy_content(destination: Path, source: Path | None = None) -> Path:
    """Copy the repository's content packs into ``destination`` (to add a test pack beside)."""
    source = source or REPO_ROOT / "content"
    shutil.copytree(source, destination, dirs_exist_ok=True)
    return destination


class BotHarness:
    """One RoundtableBot at a time against one emulator."""

    def __init__(self, emulator: Emulator, settings: Any, clock: Any) -> None:
        self.emulator = emulator
        self.settings = settings
        self.clock = clock
        self.bot: Any = None
        self.start_durations: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._tasks_before: set[asyncio.Task[Any]] = set()
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        emulator.harness = self

    async def start(self, ready_within: float = 10.0) -> Any:
        """Start a new bot and wait until it is ready; re-raise its start-up error."""
        from bot.adapter.client import RoundtableBot

        assert self.bot is None, "the bot is already running"
        began = time.perf_counter()
        self._tasks_before = set(asyncio.all_tasks())
        bot = RoundtableBot(self.settings, clock=self.clock, guild_ready_timeout=0.1)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(self.settings.token), name="roundtable-bot")
        deadline = time.perf_counter() + ready_within
        # discord.py makes its ready event inside login(), so poll rather than wait on it
        while not bot.is_ready() and not self._task.done() and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if not bot.is_ready():
            error = self._task.exception() if self._task.done() else None
            await self.stop(abrupt=True)
            if error is not None:
                raise error
            raise AssertionError(f"the bot was not ready within {ready_within:g}s")
        self.start_durations.append(time.perf_counter() - began)
        return bot

    async def stop(self, *, abrupt: bool = False) -> None:
        """Stop the bot: ``bot.close()``, or a crash (see the module docstring)."""
        bot, task = self.bot, self._task
        if bot is None:
            return
        self.bot, self._task = None, None
        if abrupt:
            await self._crash(bot, task)
        else:
            await asyncio.wait_for(bot.close(), 10)
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 5)
            # What the process exit would end: discord.py's view timeouts, handlers still running.
            await self._cancel_bot_tasks(task)
        self.emulator.gateway.forget_sessions()
        await self.emulator.gateway.drop()

    async def restart(self, *, abrupt: bool = False) -> Any:
        """Stop the bot and start a new one on the same database and settings."""
        await self.stop(abrupt=abrupt)
        return await self.start()

    restart_bot = restart

    async def _crash(self, bot: Any, task: asyncio.Task[None] | None) -> None:
        self.emulator.gateway.forget_sessions()
        await self.emulator.gateway.drop()
        await self._cancel_bot_tasks(task)
        for websocket in _websockets(bot):
            keep_alive = getattr(websocket, "_keep_alive", None)
            if keep_alive is not None:
                keep_alive.stop()
        store = getattr(bot, "store", None)
        if store is not None:
            with contextlib.suppress(Exception):
                await store.db.conn.close()
        with contextlib.suppress(Exception):
            await bot.http.close()

    async def _cancel_bot_tasks(self, task: asyncio.Task[None] | None) -> None:
        """Cancel every task the stopped bot started (its main task, discord.py's, its own)."""
        victims = [
            t
            for t in asyncio.all_tasks() - self._tasks_before
            if (t is task or _runs_bot_code(t)) and t is not asyncio.current_task()
        ]
        for victim in victims:
            victim.cancel()
        if victims:
            await asyncio.wait(victims, timeout=5)

    def restore_discord(self) -> None:
        """Undo the bot's pointing of discord.py at the emulator (test teardown)."""
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved


def _websockets(bot: Any) -> list[Any]:
    """The bot's gateway connections: one per shard (or the one of a plain client)."""
    shards = getattr(bot, "shards", None)
    if isinstance(shards, dict):
        return [info._parent.ws for info in shards.values()]
    return [getattr(bot, "ws", None)]


def _runs_bot_code(task: asyncio.Task[Any]) -> bool:
    """True when the task's coroutine was started from discord.py, bot/ or cogs/."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    filename = getattr(code, "co_filename", "") if code is not None else ""
    return any(part in filename for part in BOT_PACKAGES) and "/tests/" not in filename

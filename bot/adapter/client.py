"""The Roundtable bot: a ``commands.Bot`` wired to the store, the content library and timers.

``setup_hook`` opens the store, loads the content library, loads the cogs named in
:data:`EXTENSIONS` (a cog that fails is logged and the others still load), registers persistent
components, and syncs the command tree only when its definition changed. Timers start once the
gateway is ready. One error handler serves every app command, button and modal.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import random
import secrets
import time
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapter.ratelimit import DEFAULT_RATE, RequestPacer, pace_requests
from bot.adapter.ui import PageButton, Pager, send_ephemeral
from bot.clock import Clock, SystemClock
from bot.content import ContentError, Library, Pack, load_library
from bot.errors import UserError
from bot.services.debate import DebateService
from bot.services.insights import InsightsService
from bot.services.packs import Packs
from bot.services.quiz import QuizService
from bot.services.schedule import ScheduleService
from bot.settings import Settings
from bot.store import Store
from bot.store.timers import Shards
from bot.timers import TimerService

log = logging.getLogger(__name__)

# View Channels, Send Messages, Send Messages in Threads, Create Public Threads, Embed Links,
# Attach Files, Read Message History.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)
SCOPES = ("bot", "applications.commands")
#: Discord allows one IDENTIFY per 5 seconds in each ``max_concurrency`` bucket; slots are this
#: far apart, with a margin for the clocks of the processes and Discord's.
IDENTIFY_INTERVAL = 5.5
#: The cogs the bot loads, by extension name (``bot/`` never imports ``cogs/``).
EXTENSIONS: tuple[str, ...] = (
    "cogs.debate",
    "cogs.insights",
    "cogs.meta",
    "cogs.packs",
    "cogs.quiz",
    "cogs.reading",
    "cogs.schedule",
    "cogs.scores",
    "cogs.settings",
)


class StartupError(Exception):
    """The bot cannot start; the message says why in one sentence."""


def point_at(settings: Settings) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints (tests)."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def command_tree_hash(payload: list[dict[str, Any]]) -> str:
    """A stable digest of the command definitions that would be synced."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with its scopes and permissions."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


class RoundtableBot(commands.AutoShardedBot):
    """The bot. Resources are handed in; cogs reach them as ``bot.store``, ``bot.library``..."""

    store: Store
    library: Library
    packs: Packs
    quiz: QuizService
    schedules: ScheduleService
    debates: DebateService
    insights: InsightsService

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        point_at(settings)
        # The bot has no voice features: keep discord.py's "PyNaCl/davey is not installed"
        # warnings out of the log.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()  # noqa: S311 - question order and draws, not secrets
        # REST pacing (bot/ratelimit.py): discord.py only reacts to 429s, so every request sent
        # with the bot token first waits its turn under Discord's global 50 requests/second.
        # Interaction callbacks and follow-ups (exempt on Discord's side) are not paced.
        self.rest_pacer = RequestPacer(rate=DEFAULT_RATE * self._rest_share(settings))
        pace_requests(self.http, self.rest_pacer)
        self.pagers: dict[str, Pager] = {}
        self._max_concurrency: int | None = None
        self.failed_cogs: dict[str, str] = {}
        self.synced: bool | None = None
        self._timers: TimerService | None = None
        self.tree.on_error = self.on_app_command_error

    @property
    def timers(self) -> TimerService:
        if self._timers is None:
            raise RuntimeError("timers exist once setup_hook has opened the store")
        return self._timers

    # --- start-up -----------------------------------------------------------------------------

    async def login(self, token: str) -> None:
        """Open the content and the database, then log in (which runs :meth:`setup_hook`).

        Opening them first refuses a broken content folder or a database from a newer bot
        before anything is sent to Discord, whether or not Discord can be reached.
        """
        await self.open_resources()
        await super().login(token)

    async def open_resources(self) -> None:
        """Load the content library and open the store (once; ``close`` closes the store)."""
        if getattr(self, "library", None) is None:
            self.library = self._load_library()
        if getattr(self, "store", None) is None:
            self.store = await Store.open(self.settings.database)
            log.info("database: %s", self.store.db.description)
            self._timers = TimerService(self.store, self.clock, shards=self.shard_plan)
            self.packs = Packs(self.library, self.store, self.settings.content_dir)

    @staticmethod
    def _rest_share(settings: Settings) -> float:
        """This process's share of Discord's global REST limit: processes that split the shards
        split the limit (it is the bot's, whatever process sends)."""
        if settings.shard_ids is None or settings.shard_count is None:
            return 1.0
        return len(settings.shard_ids) / settings.shard_count

    @property
    def shard_plan(self) -> Shards | None:
        """The shards this process serves when several processes share the bot (SHARD_IDS);
        None when this process serves them all."""
        if self.settings.shard_ids is None or self.settings.shard_count is None:
            return None
        return Shards(self.settings.shard_count, self.settings.shard_ids)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY slot. Alone, discord.py spaces this process's own
        logins; when processes share the shards, the slot comes from the database, so all of
        them together log in once per 5 s per ``max_concurrency`` bucket, as Discord allows."""
        if self.shard_plan is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        if self._max_concurrency is None:
            _, _, limit = await self.http.get_bot_gateway()
            self._max_concurrency = max(1, int(limit.get("max_concurrency", 1)))
        bucket = (shard_id or 0) % self._max_concurrency
        wait = await self.store.meta.identify_slot(bucket, time.time(), IDENTIFY_INTERVAL)
        if wait > 0:
            log.info("shard %s waits %.1f s for its turn to log in", shard_id, wait)
            await asyncio.sleep(wait)

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("shard %s of %s is ready", shard_id, self.shard_count)

    async def setup_hook(self) -> None:
        await self.open_resources()
        self.build_services()
        self.add_dynamic_items(PageButton)
        await self.load_cogs()
        self.synced = await self.sync_commands()

    def build_services(self) -> None:
        """The application services, on the open store; each registers its own timer kinds.
        Their output comes from the cog that serves them, when it loads."""
        self.quiz = QuizService(self.store, self.timers, self.clock, self.packs, self.rng)
        self.quiz.register_timers()
        self.schedules = ScheduleService(self.store, self.timers, self.clock, self.packs, self.quiz)
        self.schedules.register_timers()
        # Position draws use the system's randomness, as they always have.
        draws = random.SystemRandom()
        self.debates = DebateService(self.store, self.timers, self.clock, self.packs, draws)
        self.debates.register_timers()
        self.insights = InsightsService(self.store, self.packs, self.clock)

    def _load_library(self) -> Library:
        try:
            library = load_library(self.settings.content_dir)
        except ContentError as error:
            raise StartupError(f"No valid content pack could be loaded:\n{error}") from error
        for problem in library.problems:
            log.warning("content pack skipped: %s", problem)
        log.info("content packs loaded: %s", ", ".join(library.ids))
        return library

    async def load_cogs(self) -> None:
        """Load every cog of :data:`EXTENSIONS`; log a failure and go on."""
        for name in EXTENSIONS:
            try:
                await self.load_extension(name)
            except Exception as error:
                self.failed_cogs[name] = f"{type(error).__name__}: {error}"
                log.exception("cog %s failed to load; the others still run", name)

    def command_payload(self, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
        """The command definitions a sync to ``guild`` (None: global) would send."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def sync_commands(self) -> bool:
        """Sync to ``DEV_GUILD_ID`` (or globally) when the tree changed; True if it synced.

        When processes share the shards only the one serving shard 0 syncs.
        """
        plan = self.shard_plan
        if plan is not None and 0 not in plan.ids:
            log.info("commands are synced by the process serving shard 0")
            return False
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = command_tree_hash(self.command_payload(guild))
        key = f"command_tree_hash:{guild.id if guild else 'global'}"
        if await self.store.meta.get(key) == digest:
            log.info("command tree unchanged; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.store.meta.set(key, digest)
        log.info(
            "synced %d commands %s", len(synced), f"to guild {guild.id}" if guild else "globally"
        )
        return True

    async def on_ready(self) -> None:
        plan = self.shard_plan
        served = (
            f"shards {list(plan.ids)} of {plan.count}"
            if plan
            else f"all {self.shard_count} shard(s)"
        )
        log.info("serving %s (%d guilds)", served, len(self.guilds))
        # What start-up built (modules, commands, caches) lives as long as the process: keep it
        # out of the cyclic collector's way, so a full collection does not stall the event loop
        # under a burst of clicks.
        gc.freeze()
        self.timers.start()
        if self.user is not None and self.application_id is not None:
            log.info("ready as %s; invite: %s", self.user, invite_url(self.application_id))

    async def close(self) -> None:
        if self._timers is not None:
            await self._timers.stop()
        if not hasattr(self, "_AutoShardedClient__queue"):
            # Closed before it started (a refused database): discord.py makes the shard queue
            # its close() needs only when the client starts.
            self._AutoShardedClient__queue: asyncio.PriorityQueue[Any] = asyncio.PriorityQueue()
        await super().close()
        insights = getattr(self, "insights", None)
        if insights is not None:
            await insights.close()
        store = getattr(self, "store", None)
        if store is not None:
            await store.close()

    # --- shared helpers for cogs ----------------------------------------------------------------

    def register_pager(self, pager: Pager) -> None:
        self.pagers[pager.kind] = pager

    async def pack_for(self, guild_id: int | None, requested: str | None = None) -> Pack:
        """The pack to use: the one asked for, else the guild's default, else the library's."""
        return await self.packs.for_guild(guild_id, requested)

    # --- the one error handler ------------------------------------------------------------------

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self.handle_interaction_error(interaction, error)

    async def handle_interaction_error(
        self, interaction: discord.Interaction, error: BaseException
    ) -> None:
        """A member's mistake gets an ephemeral sentence; a bug gets an apology with an id."""
        original = getattr(error, "original", error)
        if is_expired_interaction(original):
            # Discord gave up on this interaction (over 3 s) or it was answered already: no
            # reply can reach the member, so one warning and no doomed request.
            log.warning(
                "interaction expired before it was answered: %s", describe_interaction(interaction)
            )
            return
        message = user_message(error)
        if message is None:
            error_id = secrets.token_hex(4)
            log.error(
                "unexpected error %s in %s", error_id, describe_interaction(interaction),
                exc_info=(type(original), original, original.__traceback__),
            )  # fmt: skip
            message = (
                f"Sorry, something went wrong on our side (error id `{error_id}`). "
                "It has been logged; please try again in a moment."
            )
        try:
            await send_ephemeral(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell %s about an error", describe_interaction(interaction))


UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060


def is_expired_interaction(error: BaseException) -> bool:
    """True for Discord's "Unknown interaction" and "already acknowledged" answers."""
    return isinstance(error, discord.HTTPException) and error.code in (
        UNKNOWN_INTERACTION,
        ALREADY_ACKNOWLEDGED,
    )


def user_message(error: BaseException) -> str | None:
    """The sentence to show for an error a member caused, or None for a bug."""
    original = getattr(error, "original", error)
    if isinstance(original, UserError):
        return str(original)
    if isinstance(error, app_commands.TransformerError):
        return f"{error.value!r} is not a valid value for that option."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This only works in a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here."
    if isinstance(original, discord.Forbidden):
        return (
            "I am missing a permission in this channel (I need View Channel, Send Messages, "
            "Embed Links and, for debates, Create Public Threads). Ask an admin to fix it."
        )
    return None


def describe_interaction(interaction: discord.Interaction) -> str:
    """``/command`` or ``component 'custom_id'`` with guild and user, for log lines."""
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
    what = f"/{command}" if command else f"component {custom_id!r}"
    return f"{what} (guild {interaction.guild_id}, user {interaction.user.id})"

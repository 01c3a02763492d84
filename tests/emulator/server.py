"""The emulator: an aiohttp app on 127.0.0.1 serving Discord's REST API and gateway.

:class:`Emulator` owns the state (``state.py``), the gateway (``gateway.py``), the REST routes
(``rest.py``), the rate limiter and the faults, and records what happened: every call, every
interaction and its answers, and every *violation* (a request a real Discord would refuse
because the bot broke a rule: an unknown route, a body over a limit, a late or second
interaction response, an expired token...). The ``emulator`` fixture fails a test that left
violations behind; ``take_violations()`` hands them to a test that provoked them on purpose.
"""

# The test API takes ``timeout=`` on purpose: every wait has one and names what it awaited.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.emulator.gateway import Gateway, Session, shard_of
from tests.emulator.limits import FormErrors, OpenAPISpec, default_spec
from tests.emulator.ratelimit import RateLimiter
from tests.emulator.rest import ApiError, Call, RestApi, Upload
from tests.emulator.state import (
    DM,
    DM_PERMISSIONS,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    TEXT,
    Attachment,
    Channel,
    Clock,
    Guild,
    GuildMember,
    Interaction,
    Message,
    Overwrite,
    P,
    Role,
    Snowflakes,
    User,
    compute_permissions,
)
from tests.emulator.world import build_guild

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = 5.0
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Violation:
    """A request a real Discord would have refused because the bot broke its rules."""

    method: str
    path: str
    status: int
    code: int
    detail: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}/{self.code}: {self.detail}"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One REST call and its answer."""

    method: str
    path: str
    template: str | None
    status: int
    code: int | None = None
    body: Any = None
    # A message post answered with the earlier message of the same nonce (nothing was created).
    deduplicated: bool = False


@dataclass
class Fault:
    """An injected failure: ``remaining`` calls (None: until removed) get ``status``/``code``."""

    status: int
    code: int
    message: str
    route: str | None = None
    channel_id: int | None = None
    remaining: int | None = 1

    def matches(self, method: str, path: str, template: str, channel_id: int | None) -> bool:
        if self.channel_id is not None and channel_id != self.channel_id:
            return False
        if self.route is None:
            return True
        return self.route in f"{method} {path}" or self.route in f"{method} {template}"


@dataclass
class Faults:
    """Failures on demand (see :meth:`Emulator.fail_next` and :meth:`Emulator.forbid`)."""

    active: list[Fault] = field(default_factory=list)
    injected: int = 0

    def take(self, method: str, path: str, template: str, channel_id: int | None) -> Fault | None:
        for fault in self.active:
            if fault.matches(method, path, template, channel_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.active.remove(fault)
                self.injected += 1
                return fault
        return None

    def clear(self) -> None:
        self.active.clear()


class Emulator:
    """A loopback Discord. ``await start()``, point the bot at ``api_base``/``gateway_url``."""

    def __init__(
        self,
        *,
        clock: Clock,
        token: str = "emulator-bot-token",  # noqa: S107 (a fake token for a fake Discord)
        openapi: OpenAPISpec | bool | None = True,
    ) -> None:
        self.clock = clock
        self.token = token
        self.ids = Snowflakes(clock)
        self.openapi: OpenAPISpec | None = default_spec() if openapi is True else (openapi or None)
        self.interaction_deadline = 3.0
        self.token_lifetime = 15 * 60.0
        # A message posted with ``nonce`` and ``enforce_nonce`` within this many seconds (the
        # emulator's clock) of one by the same author with the same nonce, in the same channel,
        # is answered with that earlier message.
        self.nonce_window = 5 * 60.0
        self.ratelimits = RateLimiter()
        self.faults = Faults()
        self.violations: list[Violation] = []
        self.calls: list[CallRecord] = []
        self.users: dict[int, User] = {}
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {None: []}
        self.command_puts: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.application_id = self.ids.next()
        self.bot_user = User(self.application_id, "Roundtable", bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.guild: Guild = build_guild(self.ids, self.bot_user, self.users, clock.now())
        self.guilds: dict[int, Guild] = {self.guild.id: self.guild}
        self.dm_channels: dict[int, Channel] = {}  # the bot's DM channel with a user, by user id
        self.attachments: dict[int, Attachment] = {}  # what the emulator's CDN serves
        # (channel id, author id, nonce as text) -> (message id, clock time it was created)
        self.nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self.rest = RestApi(self)
        self.gateway = Gateway(
            token=lambda: self.token,
            ready_payload=self._ready_payload,
            guild_payloads=self._guild_payloads,
            on_change=self.notify,
            resume_url=lambda: f"ws://{HOST}:{self.port}/gateway/resume",
            bot_id=lambda: self.bot_user.id,
            on_violation=self._gateway_violation,
        )
        # What GET /gateway/bot recommends; sessions may identify with any shard count.
        self.shard_count = 1
        self._changed = asyncio.Event()
        self._read_cursor: dict[int, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handed_threads: set[int] = set()
        self._runner: web.AppRunner | None = None
        self.harness: Any = None  # set by BotHarness
        self.port = 0

    # ================================================================= lifecycle
    async def start(self) -> None:
        """Serve on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_api)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{id}/{filename}", self._serve_attachment)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{HOST}:{self.port}/gateway"

    # ================================================================= the REST pipeline
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        route, params = self.rest.match(method, path)
        if route is None:
            detail = f"unknown route {method} {path}: the emulator (like Discord) has no such route"
            return self._error(
                method, path, None, ApiError(404, 0, "404: Not Found", detail=detail)
            )
        channel_id = _int_or_none(params.get("channel_id"))
        if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
            error = ApiError(401, 0, "401: Unauthorized", detail="bad or missing bot token")
            return self._error(method, path, route.template, error)
        fault = self.faults.take(method, path, route.template, channel_id)
        if fault is not None:
            error = ApiError(fault.status, fault.code, fault.message, violation=False)
            return self._error(method, path, route.template, error)
        # Each interaction's callback is its own bucket, as on Discord (never shared by clicks).
        major = (
            params.get("channel_id")
            or params.get("guild_id")
            or params.get("interaction_id")
            or params.get("webhook_id", "")
        )
        if "webhook_token" in params:
            major += ":" + params["webhook_token"]
        decision = self.ratelimits.check(
            method, path, route.template, major, exempt_global=route.exempt_global
        )
        if decision.refused is not None:
            self.calls.append(CallRecord(method, path, route.template, 429))
            return _json(429, decision.refused, decision.headers)
        try:
            body, files = await _read_body(request)
            call = Call(method, path, route.template, params, dict(request.query), body, files)
            status, data = await route.handler(call)
        except ApiError as error:
            return self._error(method, path, route.template, error, decision.headers)
        except Exception as error:  # an emulator bug: fail the test loudly, no 5xx retries
            log.exception("emulator error on %s %s", method, path)
            detail = f"emulator error {type(error).__name__}: {error}"
            return self._error(method, path, route.template, ApiError(400, 0, detail))
        deduplicated = bool(call.notes.get("deduplicated"))
        self.calls.append(
            CallRecord(method, path, route.template, status, None, body, deduplicated)
        )
        self.notify()
        if data is None:
            return web.Response(status=204, headers=decision.headers)
        return _json(status, data, decision.headers)

    def _error(
        self,
        method: str,
        path: str,
        template: str | None,
        error: ApiError,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.calls.append(CallRecord(method, path, template, error.status, error.code))
        if error.violation:
            detail = error.detail or error.message
            self.violations.append(Violation(method, path, error.status, error.code, detail))
            log.warning("emulator violation: %s", self.violations[-1])
        self.notify()
        return _json(error.status, error.body(), headers or {})

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        """The CDN: an attachment's bytes at its url (Content-Length and Content-Type set);
        every GET is counted in ``Attachment.fetches``."""
        raw_id = request.match_info["id"]
        attachment = self.attachments.get(int(raw_id)) if raw_id.isdigit() else None
        if attachment is None or request.match_info["filename"] != attachment.filename:
            return web.Response(status=404)
        if request.method == "GET":
            attachment.fetches += 1
            self.notify()
        response = web.Response(body=attachment.data)
        response.headers["Content-Type"] = attachment.content_type or "application/octet-stream"
        return response

    def add_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> Attachment:
        """Put a file on the emulator's CDN at ``/attachments/<channel>/<id>/<filename>``."""
        attachment_id = self.ids.next()
        path = f"/attachments/{channel_id}/{attachment_id}/{urllib.parse.quote(filename)}"
        url = f"http://{HOST}:{self.port}{path}"
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0]
        attachment = Attachment(
            attachment_id, filename, data, content_type, url, description, ephemeral=ephemeral
        )
        self.attachments[attachment_id] = attachment
        return attachment

    # ================================================================= validation
    def validate(
        self,
        call: Call,
        check: Callable[[Any, FormErrors], None] | None = None,
        *,
        body: Any = None,
    ) -> None:
        """Raise 400/50035 when the body breaks the OpenAPI schema or ``check``'s limits."""
        body = call.body if body is None else body
        errors = FormErrors()
        if check is not None:
            check(body, errors)
        if self.openapi is not None:
            operation = self.openapi.operation(call.method, call.template)
            if operation is not None:
                named = {error.path for error in errors.errors}  # one error a field is enough
                errors.extend(
                    e for e in self.openapi.validate(operation, body) if e.path not in named
                )
        if errors:
            raise ApiError(
                400, 50035, "Invalid Form Body", errors=errors.to_discord(), detail=errors.summary()
            )

    # ================================================================= shards
    @property
    def max_concurrency(self) -> int:
        """Identify buckets (``shard_id % max_concurrency``); reported by ``/gateway/bot``."""
        return self.gateway.max_concurrency

    @max_concurrency.setter
    def max_concurrency(self, value: int) -> None:
        self.gateway.max_concurrency = value

    @property
    def identify_interval(self) -> float:
        """Seconds (real time) one bucket waits between IDENTIFYs: 5, as on Discord."""
        return self.gateway.identify_interval

    @identify_interval.setter
    def identify_interval(self, value: float) -> None:
        self.gateway.identify_interval = value

    def shard_of(self, guild: Guild | int, shard_count: int | None = None) -> int:
        """The shard a guild is on: ``(guild_id >> 22) % shard_count`` (default: the
        recommended ``shard_count``)."""
        guild_id = guild if isinstance(guild, int) else guild.id
        return shard_of(guild_id, shard_count or self.shard_count)

    def _gateway_violation(self, what: str, code: int, detail: str) -> None:
        """A gateway rule broken: code 9 (answered INVALID_SESSION) or a close code."""
        self.violations.append(Violation("GATEWAY", what, 0, code, detail))
        log.warning("emulator violation: %s", self.violations[-1])
        self.notify()

    # ================================================================= gateway payloads
    def _ready_payload(self, session: Session, resume_url: str) -> dict[str, Any]:
        guilds = [g for g in self.guilds.values() if session.serves(g.id)]
        data = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": resume_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "_trace": ["emulator"],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def _guild_payloads(self) -> list[dict[str, Any]]:
        return [g.payload(bot_user_id=self.bot_user.id) for g in self.guilds.values()]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the bot (filtered by its intents)."""
        await self.gateway.dispatch(event, data)

    # ================================================================= lookups
    def channel_by_id(self, channel_id: int) -> Channel | None:
        """A guild channel, thread or DM channel by id."""
        for guild in self.guilds.values():
            channel = guild.channels.get(channel_id)
            if channel is not None:
                return channel
        for dm in self.dm_channels.values():
            if dm.id == channel_id:
                return dm
        return None

    def channel(self, name_or_id: str | int | Channel, *, guild: Guild | None = None) -> Channel:
        """A channel or thread by id, or by name (``"general"``) in ``guild`` (default: the
        default guild)."""
        if isinstance(name_or_id, Channel):
            return name_or_id
        if isinstance(name_or_id, int):
            channel = self.channel_by_id(name_or_id)
            assert channel is not None, f"no channel with id {name_or_id}"
            return channel
        return (guild or self.guild).channel_named(name_or_id.lstrip("#"))

    def role(self, name: str) -> Role:
        """A role of the default guild by name (``"Moderator"``, ``"@everyone"``)."""
        return self.guild.role_named(name)

    def guild_member(self, user_id: int, guild: Guild | None = None) -> GuildMember:
        guild = guild or self.guild
        member = guild.members.get(user_id)
        assert member is not None, f"user {user_id} is not a member of {guild.name}"
        return member

    @property
    def bot_member(self) -> GuildMember:
        return self.guild_member(self.bot_user.id)

    def permissions(self, user_id: int, channel: Channel | str | None = None) -> int:
        """The computed permissions of a member (in a channel, when given). In a DM channel
        the bot and the recipient have the DM permissions, everyone else none."""
        target = self.channel(channel) if channel is not None else None
        if target is not None and target.is_dm:
            inside = {self.bot_user.id, *(user.id for user in target.recipients)}
            return DM_PERMISSIONS if user_id in inside else 0
        guild = self.guilds[target.guild_id] if target is not None else self.guild
        return compute_permissions(guild, self.guild_member(user_id, guild), target)

    def bot_can(self, channel: Channel, *permissions: int) -> bool:
        have = self.permissions(self.bot_user.id, channel)
        return all(have & p == p for p in permissions)

    def message(self, message_id: int) -> Message:
        message = self.messages.get(message_id)
        assert message is not None, f"no message {message_id}"
        return message

    # ================================================================= setting the scene
    def member(
        self,
        name: str,
        *,
        roles: tuple[str, ...] = (),
        guild: Guild | None = None,
        dms_open: bool | None = None,
    ) -> Any:
        """The test-facing member ``name`` of ``guild`` (default: the default guild), created
        with ``roles`` when new. ``dms_open=False``: the bot cannot message them in a DM
        (403/50007, as when a user turns off DMs from server members); ``True`` opens them."""
        from tests.emulator.members import Member

        guild = guild or self.guild
        for guild_member in guild.members.values():
            if guild_member.user.username == name:
                if dms_open is not None:
                    guild_member.user.dms_open = dms_open
                return Member(self, guild_member)
        user = User(self.ids.next(), name, dms_open=True if dms_open is None else dms_open)
        self.users[user.id] = user
        role_ids = [guild.role_named(role).id for role in roles]
        guild_member = GuildMember(user, guild.id, role_ids, self.clock.now())
        guild.members[user.id] = guild_member
        data = {**guild_member.payload(), "guild_id": str(guild.id)}
        self._spawn(self.dispatch("GUILD_MEMBER_ADD", data))
        return Member(self, guild_member)

    def open_dm(self, user: Any) -> Channel:
        """The bot's DM channel with ``user`` (a Member, User or user id), created on first use
        and the same one afterwards, as ``POST /users/@me/channels`` answers."""
        user_id = user if isinstance(user, int) else user.id
        dm = self.dm_channels.get(user_id)
        if dm is None:
            recipient = self.users.get(user_id)
            assert recipient is not None, f"no user {user_id}"
            dm = Channel(
                self.ids.next(),
                None,
                f"@{recipient.username}",
                DM,
                created_at=self.clock.now(),
                recipients=[recipient],
            )
            self.dm_channels[user_id] = dm
        return dm

    def dm_channel(self, user: Any) -> Channel | None:
        """The bot's DM channel with ``user`` if one was opened, else None."""
        return self.dm_channels.get(user if isinstance(user, int) else user.id)

    async def next_dm(
        self,
        user: Any,
        *,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The next message in the DM with ``user`` (a Member) that this test has not been
        handed yet: like :meth:`next_message`, waiting for the DM channel to be opened too."""

        def probe() -> Message | None:
            dm = self.dm_channel(user)
            if dm is None:
                return None
            cursor = self._read_cursor.get(dm.id, 0)
            for message in self.messages_in(dm):
                if message.id > cursor and (predicate is None or predicate(message)):
                    self._read_cursor[dm.id] = message.id
                    return message
            return None

        name = getattr(user, "name", user)
        what = f"the next DM to {name}" + (" matching the predicate" if predicate else "")
        dm = self.dm_channel(user)
        if dm is not None:
            what += self._recent(dm)
        return await self.wait_until(probe, what=what, timeout=timeout)

    async def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> Guild:
        """Another server built like the default one (its own owner, admin, mod, alice, bob and
        carol; #general, #quiz, #debate and #mod-log), with the bot in it. A connected bot gets
        its GUILD_CREATE, as when it is invited. Members: ``emulator.member("alice", guild=g)``.
        ``shard=(shard_id, shard_count)`` picks an id on that shard.
        """
        guild_id = None
        if shard is not None:
            shard_id, count = shard
            assert 0 <= shard_id < count, f"no shard {shard_id} of {count}"
            guild_id = self.ids.next_on_shard(shard_id, count)
        guild = build_guild(
            self.ids, self.bot_user, self.users, self.clock.now(), name=name, guild_id=guild_id
        )
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.payload(bot_user_id=self.bot_user.id))
        return guild

    async def create_role(
        self,
        name: str,
        *permissions: str,
        position: int | None = None,
        mentionable: bool = False,
    ) -> Role:
        """A new role with the named permissions (``"manage_guild"``); ``mentionable``: anyone
        may ping it (otherwise only an author with Mention Everyone does)."""
        bits = 0
        for permission in permissions:
            bits |= P.by_name(permission)
        role = Role(
            self.ids.next(),
            self.guild.id,
            name,
            bits,
            position=position if position is not None else len(self.guild.roles),
            mentionable=mentionable,
        )
        self.guild.roles[role.id] = role
        await self.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.guild.id), "role": role.payload()}
        )
        return role

    async def set_role_permissions(self, role: Role | str, *permissions: str) -> None:
        role = self.role(role) if isinstance(role, str) else role
        role.permissions = 0
        for permission in permissions:
            role.permissions |= P.by_name(permission)
        await self.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(self.guild.id), "role": role.payload()}
        )

    async def give_role(self, member: Any, role: Role | str) -> None:
        role = self.role(role) if isinstance(role, str) else role
        guild_member = self.guild_member(member.id)
        if role.id not in guild_member.roles:
            guild_member.roles.append(role.id)
        await self._member_update(guild_member)

    async def take_role(self, member: Any, role: Role | str) -> None:
        role = self.role(role) if isinstance(role, str) else role
        guild_member = self.guild_member(member.id)
        if role.id in guild_member.roles:
            guild_member.roles.remove(role.id)
        await self._member_update(guild_member)

    async def _member_update(self, guild_member: GuildMember) -> None:
        data = {**guild_member.payload(), "guild_id": str(guild_member.guild_id)}
        await self.dispatch("GUILD_MEMBER_UPDATE", data)

    async def create_channel(
        self, name: str, *, kind: int = TEXT, private: bool = False
    ) -> Channel:
        """A new text channel (``private``: hidden from @everyone, visible to the bot)."""
        channel = Channel(
            self.ids.next(),
            self.guild.id,
            name,
            kind,
            position=len(self.guild.channels),
            created_at=self.clock.now(),
        )
        if private:
            channel.overwrites[self.guild.id] = Overwrite(self.guild.id, 0, deny=P.VIEW_CHANNEL)
            bot = self.bot_user.id
            channel.overwrites[bot] = Overwrite(bot, 1, allow=P.VIEW_CHANNEL)
        self.guild.channels[channel.id] = channel
        await self.dispatch("CHANNEL_CREATE", channel.payload())
        return channel

    async def create_thread(
        self, parent: Channel | str, name: str, *, owner: Any = None, private: bool = False
    ) -> Channel:
        """A thread made by a member (the bot is not in it unless it joins)."""
        parent = self.channel(parent)
        owner_id = owner.id if owner is not None else self.guild.owner_id
        thread = Channel(
            self.ids.next(),
            parent.guild_id,
            name,
            PRIVATE_THREAD if private else PUBLIC_THREAD,
            parent_id=parent.id,
            owner_id=owner_id,
            created_at=self.clock.now(),
        )
        thread.thread_members[owner_id] = self.clock.now()
        self.guilds[parent.guild_id].channels[thread.id] = thread
        await self.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return thread

    async def set_permissions(
        self,
        channel: Channel | str,
        target: Any,
        *,
        allow: tuple[str, ...] = (),
        deny: tuple[str, ...] = (),
    ) -> None:
        """Set a channel overwrite for a role, a member, or the bot (``emulator.bot_member``)."""
        channel = self.channel(channel)
        overwrite = Overwrite(target.id, 0 if isinstance(target, Role) else 1)
        for name in allow:
            overwrite.allow |= P.by_name(name)
        for name in deny:
            overwrite.deny |= P.by_name(name)
        channel.overwrites[overwrite.id] = overwrite
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    async def revoke(self, channel: Channel | str, *permissions: str) -> None:
        """Deny the bot ``permissions`` in ``channel`` (e.g. ``"send_messages"``)."""
        channel = self.channel(channel)
        overwrite = channel.overwrites.setdefault(self.bot_user.id, Overwrite(self.bot_user.id, 1))
        for name in permissions:
            overwrite.deny |= P.by_name(name)
            overwrite.allow &= ~P.by_name(name)
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    async def delete_channel(self, channel: Channel | str) -> None:
        """Delete a channel or thread: CHANNEL_DELETE/THREAD_DELETE, and 404/10003 from then on."""
        channel = self.channel(channel)
        channel.deleted = True
        if channel.is_thread:
            await self.dispatch(
                "THREAD_DELETE",
                {
                    "id": str(channel.id),
                    "type": channel.type,
                    "guild_id": str(channel.guild_id),
                    "parent_id": str(channel.parent_id),
                },
            )
        else:
            await self.dispatch("CHANNEL_DELETE", channel.payload())
        self.notify()

    # ================================================================= the bot
    @property
    def bot(self) -> Any:
        """The running bot (the current one after a restart)."""
        assert self.harness is not None and self.harness.bot is not None, "no bot is running"
        return self.harness.bot

    async def restart_bot(self, *, abrupt: bool = False) -> Any:
        """Stop the bot (``abrupt``: like a crash) and start a new one on the same database."""
        assert self.harness is not None, "ask for the bot or harness fixture to run the bot"
        return await self.harness.restart(abrupt=abrupt)

    # ================================================================= faults
    async def drop_gateway(self, *, code: int | None = None) -> int:
        """Break the gateway connection(s); discord.py reconnects and RESUMEs."""
        return await self.gateway.drop(code=code)

    def fail_next(self, count: int = 1, *, status: int = 500, route: str | None = None) -> Fault:
        """Answer the next ``count`` REST calls (matching ``route``) with ``status`` (5xx)."""
        fault = Fault(status, 0, f"{status}: Server Error", route=route, remaining=count)
        self.faults.active.append(fault)
        return fault

    def forbid(
        self,
        route: str | None = None,
        *,
        channel: Channel | str | None = None,
        count: int | None = None,
    ) -> Fault:
        """Answer matching calls with 403/50013 Missing Permissions (until ``remove_fault``)."""
        channel_id = self.channel(channel).id if channel is not None else None
        fault = Fault(
            403, 50013, "Missing Permissions", route=route, channel_id=channel_id, remaining=count
        )
        self.faults.active.append(fault)
        return fault

    def remove_fault(self, fault: Fault) -> None:
        with contextlib.suppress(ValueError):
            self.faults.active.remove(fault)

    # ================================================================= violations
    def take_violations(self) -> list[Violation]:
        """The violations so far (cleared): for tests that provoke them on purpose."""
        taken, self.violations = self.violations, []
        return taken

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n  ".join(str(v) for v in self.violations)
            raise AssertionError(f"the bot broke Discord's rules:\n  {lines}")

    @property
    def deduplicated(self) -> list[CallRecord]:
        """Message posts answered by nonce de-duplication (the earlier message came back and
        nothing was created), oldest first."""
        return [c for c in self.calls if c.deduplicated]

    def calls_to(self, route: str) -> list[CallRecord]:
        """REST calls whose ``"METHOD path"`` or ``"METHOD template"`` contains ``route``."""
        return [
            c
            for c in self.calls
            if route in f"{c.method} {c.path}" or route in f"{c.method} {c.template}"
        ]

    # ================================================================= waiting
    def notify(self) -> None:
        """Wake every waiter (state changed)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self, probe: Callable[[], T | None], *, what: str, timeout: float = DEFAULT_TIMEOUT
    ) -> T:
        """Return ``probe()``'s first truthy value; AssertionError naming ``what`` on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = probe()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))

    def messages_in(
        self, channel: Channel | str, *, include_ephemeral: bool = False
    ) -> list[Message]:
        """Every live message in a channel or thread, oldest first."""
        target = self.channel(channel)
        return [
            m
            for m in sorted(self.messages.values(), key=lambda m: m.id)
            if m.channel_id == target.id
            and not m.deleted
            and (include_ephemeral or m.ephemeral_for is None)
        ]

    async def next_message(
        self,
        channel: Channel | str,
        *,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The next public message in ``channel`` that this test has not been handed yet.

        Each channel has a read cursor: every message up to the one returned counts as read,
        so consecutive calls walk the channel's messages in order (skipping those that fail
        ``predicate``). Use :meth:`mark_read` to skip what is there now.
        """
        target = self.channel(channel)

        def probe() -> Message | None:
            cursor = self._read_cursor.get(target.id, 0)
            for message in self.messages_in(target):
                if message.id > cursor and (predicate is None or predicate(message)):
                    self._read_cursor[target.id] = message.id
                    return message
            return None

        what = f"the next message in #{target.name}" + (
            " matching the predicate" if predicate else ""
        )
        return await self.wait_until(probe, what=what + self._recent(target), timeout=timeout)

    def mark_read(self, channel: Channel | str) -> None:
        """Move the channel's read cursor past every message there now."""
        target = self.channel(channel)
        messages = self.messages_in(target)
        if messages:
            self._read_cursor[target.id] = messages[-1].id

    async def next_edit(
        self,
        message: Message,
        *,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """Wait until ``message`` is edited (its ``revision`` passes the one seen now), or,
        with ``predicate``, until ``predicate(message)`` holds (checked at once too)."""
        start = message.revision

        def probe() -> Message | None:
            if predicate is not None:
                return message if predicate(message) else None
            return message if message.revision > start else None

        what = f"an edit of {message.summary()}"
        return await self.wait_until(probe, what=what, timeout=timeout)

    async def next_thread(
        self, parent: Channel | str | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> Channel:
        """The oldest thread the bot created (under ``parent``, when given) that this test has
        not been handed yet."""
        parent_id = self.channel(parent).id if parent is not None else None

        def probe() -> Channel | None:
            for channel in sorted(self.guild.channels.values(), key=lambda c: c.created_at):
                if (
                    channel.is_thread
                    and channel.id not in self._handed_threads
                    and channel.owner_id == self.bot_user.id
                    and (parent_id is None or channel.parent_id == parent_id)
                ):
                    self._handed_threads.add(channel.id)
                    return channel
            return None

        return await self.wait_until(probe, what="a new thread by the bot", timeout=timeout)

    def threads(self, parent: Channel | str | None = None) -> list[Channel]:
        """Live threads, of ``parent`` (any guild's channel) or of the default guild."""
        found = self.channel(parent) if parent is not None else None
        parent_id = found.id if found is not None else None
        guild = self.guilds.get(found.guild_id or 0, self.guild) if found else self.guild
        return [
            c
            for c in guild.channels.values()
            if c.is_thread and not c.deleted and (parent_id is None or c.parent_id == parent_id)
        ]

    def _recent(self, channel: Channel) -> str:
        messages = self.messages_in(channel)[-3:]
        where = f"the DM with {channel.name}" if channel.is_dm else f"#{channel.name}"
        if not messages:
            return f" ({where} has no message)"
        return f" (latest in {where}: {[m.summary() for m in messages]})"

    async def wait_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        await self.wait_until(
            self.gateway.is_connected, what="the bot's gateway connection", timeout=timeout
        )

    # ================================================================= helpers
    def _spawn(self, coro: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called from synchronous code: nobody to tell yet
            coro.close()
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @contextlib.contextmanager
    def expect_violations(self, *codes: int) -> Iterator[list[Violation]]:
        """``with emulator.expect_violations(50035) as found:`` takes the violations made inside
        (at least one, each with one of ``codes`` when given) so they do not fail the test."""
        before = len(self.violations)
        found: list[Violation] = []
        yield found
        found.extend(self.violations[before:])
        del self.violations[before:]
        assert found, "expected the bot to break a rule, but nothing was refused"
        if codes:
            wrong = [v for v in found if v.code not in codes]
            assert not wrong, f"unexpected violations: {[str(v) for v in wrong]}"


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (discord.py needs it)."""
    response = web.Response(status=status, body=json.dumps(data).encode(), headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """JSON body, or ``payload_json`` and ``files[n]`` of a multipart body."""
    if not request.can_read_body:
        return None, []
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


async def _read_multipart(request: web.Request) -> tuple[Any, list[Upload]]:
    reader = await request.multipart()
    body: Any = None
    files: list[Upload] = []
    while True:
        part = await reader.next()
        if part is None:
            break
        name = part.name or ""  # type: ignore[union-attr]
        data = await part.read(decode=False)  # type: ignore[union-attr]
        if name == "payload_json":
            body = json.loads(data)
        elif match := _FILE_FIELD.match(name):
            files.append(
                Upload(
                    int(match.group(1)),
                    part.filename or "file",  # type: ignore[union-attr]
                    bytes(data),
                    part.headers.get("Content-Type"),
                )
            )  # type: ignore[union-attr]
    return body, files


def monotonic() -> float:
    return time.monotonic()

"""The REST routes the bot uses, answered like Discord (objects, status codes, error codes).

Each handler takes a :class:`Call` and returns ``(status, json or None)`` or raises
:class:`ApiError`. Handlers validate bodies (``Emulator.validate``: OpenAPI + DISCORD.md limits),
check the bot's computed permissions, change the state and dispatch the gateway events a real
Discord sends. Interaction rules live here too: the 3-second first response (real time), one
first response only, and the 15-minute token (the emulator's clock).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.emulator import limits
from tests.emulator.limits import FormErrors
from tests.emulator.state import (
    EPHEMERAL,
    LOADING,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    TEXT,
    THREAD_TYPES,
    Attachment,
    Channel,
    Interaction,
    Message,
    P,
    compute_permissions,
)

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

Handler = Callable[["Call"], Awaitable[tuple[int, Any]]]


class ApiError(Exception):
    """An error answer. ``violation`` marks it as the bot's fault (fails the test)."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        detail: str | None = None,
        violation: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.detail = detail
        self.violation = violation

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def refused(status: int, code: int, message: str) -> ApiError:
    """An error that is not the bot's fault by itself (missing permissions, unknown message)."""
    return ApiError(status, code, message, violation=False)


_MENTION_USER = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE = re.compile(r"<@&(\d+)>")
_MENTION_EVERYONE = re.compile(r"@(everyone|here)\b")

UNKNOWN_CHANNEL = (404, 10003, "Unknown Channel")
UNKNOWN_MESSAGE = (404, 10008, "Unknown Message")
MISSING_ACCESS = (403, 50001, "Missing Access")
MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")
CANNOT_MESSAGE_USER = (403, 50007, "Cannot send messages to this user")
SESSION_STARTS_PER_DAY = 1000


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent as ``files[n]`` in a multipart body."""

    index: int
    filename: str
    data: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[Upload]
    notes: dict[str, Any] = field(default_factory=dict)  # what a handler tells the record

    def id(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                detail=f"{name} {value!r} is no snowflake",
                errors={
                    name: {
                        "_errors": [
                            {"code": "NUMBER_TYPE_COERCE", "message": "Value is not snowflake."}
                        ]
                    }
                },
            )
        return int(value)

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool = True
    exempt_global: bool = False


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{pattern}$")


class RestApi:
    """The route table and the handlers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.routes: list[Route] = []
        self._register()

    def add(self, method: str, template: str, handler: Handler, *, webhook: bool = False) -> None:
        self.routes.append(
            Route(
                method,
                template,
                _compile(template),
                handler,
                auth=not webhook,
                exempt_global=webhook,
            )
        )

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            if route.method == method:
                found = route.pattern.match(path)
                if found:
                    return route, found.groupdict()
        return None, {}

    def _register(self) -> None:
        add = self.add
        add("GET", "/users/@me", self.get_me)
        add("GET", "/users/{user_id}", self.get_user)
        add("POST", "/users/@me/channels", self.open_dm)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        add("GET", "/gateway", self.get_gateway)
        add("GET", "/gateway/bot", self.get_gateway)
        for scope in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            add("GET", scope, self.get_commands)
            add("PUT", scope, self.put_commands)
            add("POST", scope, self.post_command)
        add(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self.callback,
            webhook=True,
        )
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self.followup, webhook=True)
        for verb, handler in (
            ("GET", self.get_webhook_message),
            ("PATCH", self.edit_webhook_message),
            ("DELETE", self.delete_webhook_message),
        ):
            add(
                verb,
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                handler,
                webhook=True,
            )
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("PATCH", "/channels/{channel_id}", self.edit_channel)
        add("DELETE", "/channels/{channel_id}", self.delete_channel)
        add("GET", "/channels/{channel_id}/messages", self.list_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/threads", self.create_thread)
        add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.create_thread)
        add("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.join_thread)
        add("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self.leave_thread)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        for verb in ("PUT", "DELETE"):
            add(
                verb,
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self.reaction,
            )
            add(verb, "/channels/{channel_id}/messages/pins/{message_id}", self.pin)
            add(verb, "/channels/{channel_id}/pins/{message_id}", self.pin)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_roles)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("GET", "/guilds/{guild_id}/threads/active", self.active_threads)

    # ================================================================= users, application
    async def get_me(self, call: Call) -> tuple[int, Any]:
        return 200, {
            **self.emu.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }

    async def get_user(self, call: Call) -> tuple[int, Any]:
        user = self.emu.users.get(call.id("user_id"))
        if user is None:
            raise refused(404, 10013, "Unknown User")
        return 200, user.payload()

    async def open_dm(self, call: Call) -> tuple[int, Any]:
        """The DM channel with ``recipient_id``: the same one every time. It opens even when
        the user has DMs closed (sending there is what fails, 403/50007)."""
        self.emu.validate(call)
        raw = str(call.json.get("recipient_id", ""))
        user = self.emu.users.get(int(raw)) if raw.isdigit() else None
        if user is None or user.id == self.emu.bot_user.id:
            raise refused(404, 10013, "Unknown User")
        return 200, self.emu.open_dm(user.id).payload()

    async def get_application(self, call: Call) -> tuple[int, Any]:
        owner = self.emu.users[self.emu.guild.owner_id]
        return 200, {
            "id": str(self.emu.application_id),
            "name": self.emu.bot_user.username,
            "description": "Roundtable under test",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner.payload(),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "rpc_origins": [],
            "bot": self.emu.bot_user.payload(),
        }

    async def get_gateway(self, call: Call) -> tuple[int, Any]:
        """``/gateway``: the url; ``/gateway/bot`` adds the recommended shard count and the
        session start limit (1000 a day, ``max_concurrency`` identify buckets)."""
        data: dict[str, Any] = {"url": self.emu.gateway_url}
        if call.template.endswith("/bot"):
            total = SESSION_STARTS_PER_DAY
            data |= {
                "shards": self.emu.shard_count,
                "session_start_limit": {
                    "total": total,
                    "remaining": max(0, total - self.emu.gateway.identify_count),
                    "reset_after": 24 * 60 * 60 * 1000,
                    "max_concurrency": self.emu.max_concurrency,
                },
            }
        return 200, data

    # ================================================================= commands
    def _command_scope(self, call: Call) -> int | None:
        if call.id("application_id") != self.emu.application_id:
            raise ApiError(403, 50001, "Missing Access", detail="wrong application id")
        if "guild_id" not in call.params:
            return None
        guild_id = call.id("guild_id")
        if guild_id not in self.emu.guilds:
            raise ApiError(403, 50001, "Missing Access", detail=f"no guild {guild_id}")
        return guild_id

    async def get_commands(self, call: Call) -> tuple[int, Any]:
        return 200, self.emu.commands.get(self._command_scope(call), [])

    async def put_commands(self, call: Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        self.emu.validate(call, limits.check_commands)
        stored = [self._stored_command(command, scope) for command in call.body or []]
        self.emu.commands[scope] = stored
        self.emu.command_puts.append((scope, stored))
        return 200, stored

    async def post_command(self, call: Call) -> tuple[int, Any]:
        scope = self._command_scope(call)
        self.emu.validate(call, lambda body, errors: limits.check_command(body, (), errors))
        command = self._stored_command(call.json, scope)
        existing = self.emu.commands.setdefault(scope, [])
        existing[:] = [
            c for c in existing if (c["name"], c["type"]) != (command["name"], command["type"])
        ]
        existing.append(command)
        return 201, command

    def _stored_command(self, command: dict[str, Any], scope: int | None) -> dict[str, Any]:
        previous = next(
            (c for c in self.emu.commands.get(scope, []) if c["name"] == command.get("name")), None
        )
        stored = {
            "type": 1,
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "id": previous["id"] if previous else str(self.emu.ids.next()),
            "application_id": str(self.emu.application_id),
            "version": str(self.emu.ids.next()),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    # ================================================================= interactions
    def _interaction(self, call: Call) -> Interaction:
        interaction = self.emu.interactions.get(call.id("interaction_id"))
        if interaction is None or interaction.token != call.params["interaction_token"]:
            raise ApiError(404, 10062, "Unknown interaction", detail="no such interaction/token")
        return interaction

    async def callback(self, call: Call) -> tuple[int, Any]:
        interaction = self._interaction(call)
        try:
            return await self._callback(call, interaction)
        except ApiError as error:
            interaction.rejected.append((error.status, error.code))
            raise

    async def _callback(self, call: Call, interaction: Interaction) -> tuple[int, Any]:
        elapsed = time.monotonic() - interaction.created_monotonic
        if interaction.acknowledged:
            raise ApiError(
                400,
                40060,
                "Interaction has already been acknowledged.",
                detail=f"second first response to {interaction.name!r} "
                f"(already answered with type {interaction.response_type})",
            )
        if elapsed > self.emu.interaction_deadline:
            raise ApiError(
                404,
                10062,
                "Unknown interaction",
                detail=f"first response to {interaction.name!r} after {elapsed:.2f}s "
                f"(limit {self.emu.interaction_deadline:g}s)",
            )
        kind = call.json.get("type")
        self._check_callback_type(interaction, kind)
        self.emu.validate(call, _callback_check(kind))
        data = call.json.get("data") or {}
        message = await self._apply_callback(interaction, kind, data, call)
        interaction.response_type = kind
        interaction.response_body = call.json
        interaction.responded_after = elapsed
        result: dict[str, Any] = {
            "interaction": {"id": str(interaction.id), "type": interaction.type}
        }
        if message is not None:
            result["interaction"]["response_message_id"] = str(message.id)
            result["interaction"]["response_message_loading"] = message.loading
            result["interaction"]["response_message_ephemeral"] = message.ephemeral
            result["resource"] = {"type": kind, "message": message.payload()}
        elif kind is not None:
            result["resource"] = {"type": kind}
        return 200, result

    @staticmethod
    def _check_callback_type(interaction: Interaction, kind: Any) -> None:
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5}}[interaction.type]
        if interaction.type == 5 and interaction.source_message_id is not None:
            allowed = {4, 5, 6, 7}
        if kind not in allowed:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Invalid response type",
                            }
                        ]
                    }
                },
                detail=f"callback type {kind} is not valid for interaction type "
                f"{interaction.type} ({interaction.name!r}); allowed {sorted(allowed)}",
            )

    async def _apply_callback(
        self, interaction: Interaction, kind: int, data: dict[str, Any], call: Call
    ) -> Message | None:
        if kind in (4, 5):
            flags = int(data.get("flags") or 0)
            if kind == 5:
                flags |= LOADING
            message = self._new_message(
                interaction.channel_id,
                data,
                call.files,
                flags=flags,
                interaction=interaction,
            )
            interaction.original_message_id = message.id
            await self.publish(message)
            return message
        if kind in (6, 7):
            message = self.emu.messages[interaction.source_message_id]  # type: ignore[index]
            interaction.original_message_id = message.id
            if kind == 7:
                await self._edit(message, data, call.files)
            return message
        if kind == 8:
            interaction.choices = list(data.get("choices") or [])
            return None
        interaction.modal = data
        return None

    # ----------------------------------------------------------------- webhooks
    def _webhook_interaction(self, call: Call) -> Interaction:
        if call.id("webhook_id") != self.emu.application_id:
            raise ApiError(404, 10015, "Unknown Webhook", detail="webhook id is not the app id")
        token = call.params["webhook_token"]
        interaction = next((i for i in self.emu.interactions.values() if i.token == token), None)
        if interaction is None:
            raise ApiError(404, 10015, "Unknown Webhook", detail="no interaction has this token")
        age = self.emu.clock.now() - interaction.created_at
        if age > self.emu.token_lifetime:
            raise ApiError(
                401,
                50027,
                "Invalid Webhook Token",
                detail=f"interaction token of {interaction.name!r} used {age:.0f}s "
                f"after the interaction (limit {self.emu.token_lifetime:g}s)",
            )
        return interaction

    def _webhook_message(self, call: Call, interaction: Interaction) -> Message:
        raw = call.params["message_id"]
        if raw == "@original":
            message_id = interaction.original_message_id
        else:
            message_id = int(raw) if raw.isdigit() else None
            if message_id not in (interaction.original_message_id, *interaction.followup_ids):
                message_id = None
        message = self.emu.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise refused(*UNKNOWN_MESSAGE)
        return message

    async def followup(self, call: Call) -> tuple[int, Any]:
        interaction = self._webhook_interaction(call)
        if not interaction.acknowledged:
            raise ApiError(
                404,
                10015,
                "Unknown Webhook",
                detail=f"follow-up to {interaction.name!r} before any response",
            )
        self.emu.validate(call, lambda body, errors: limits.check_message(body, errors))
        original = self.emu.messages.get(interaction.original_message_id or 0)
        if original is not None and original.loading:
            await self._edit(original, call.json, call.files, clear_loading=True)
            message = original
        else:
            flags = int(call.json.get("flags") or 0)
            message = self._new_message(
                interaction.channel_id, call.json, call.files, flags=flags, interaction=interaction
            )
            interaction.followup_ids.append(message.id)
            await self.publish(message)
        if call.query.get("wait") not in ("1", "true", "True"):
            return 204, None
        return 200, message.payload()

    async def get_webhook_message(self, call: Call) -> tuple[int, Any]:
        interaction = self._webhook_interaction(call)
        return 200, self._webhook_message(call, interaction).payload()

    async def edit_webhook_message(self, call: Call) -> tuple[int, Any]:
        interaction = self._webhook_interaction(call)
        message = self._webhook_message(call, interaction)
        self.emu.validate(
            call, lambda body, errors: limits.check_message(body, errors, partial=True)
        )
        await self._edit(message, call.json, call.files, clear_loading=True)
        return 200, message.payload()

    async def delete_webhook_message(self, call: Call) -> tuple[int, Any]:
        interaction = self._webhook_interaction(call)
        await self._delete(self._webhook_message(call, interaction))
        return 204, None

    # ================================================================= channels
    def _channel(self, call: Call, *needed: int) -> Channel:
        channel = self.emu.channel_by_id(call.id("channel_id"))
        if channel is None or channel.deleted:
            raise refused(*UNKNOWN_CHANNEL)
        if not self.emu.bot_can(channel, P.VIEW_CHANNEL):
            raise refused(*MISSING_ACCESS)
        if not self.emu.bot_can(channel, *needed):
            raise refused(*MISSING_PERMISSIONS)
        return channel

    def _message(self, call: Call, channel: Channel) -> Message:
        message = self.emu.messages.get(call.id("message_id"))
        if (
            message is None
            or message.deleted
            or message.channel_id != channel.id
            or message.ephemeral_for is not None
        ):
            raise refused(*UNKNOWN_MESSAGE)
        return message

    async def get_channel(self, call: Call) -> tuple[int, Any]:
        return 200, self._channel(call).payload()

    async def edit_channel(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call)
        body = call.json
        if channel.is_thread:
            if channel.owner_id != self.emu.bot_user.id and not self.emu.bot_can(
                channel, P.MANAGE_THREADS
            ):
                raise refused(*MISSING_PERMISSIONS)
            if "name" in body:
                self.emu.validate(call, limits.check_thread_name)
        elif not self.emu.bot_can(channel, P.MANAGE_CHANNELS):
            raise refused(*MISSING_PERMISSIONS)
        else:
            self.emu.validate(call)
        for key in ("name", "archived", "locked", "auto_archive_duration", "topic"):
            if key in body:
                setattr(channel, key, body[key])
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        await self.emu.dispatch(event, channel.payload())
        return 200, channel.payload()

    async def delete_channel(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call)
        needed = P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS
        if not self.emu.bot_can(channel, needed):
            raise refused(*MISSING_PERMISSIONS)
        payload = channel.payload()
        await self.emu.delete_channel(channel)
        return 200, payload

    async def list_messages(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call, P.READ_MESSAGE_HISTORY)
        limit = int(call.query.get("limit", 50))
        messages = self.emu.messages_in(channel)
        if "before" in call.query:
            messages = [m for m in messages if m.id < int(call.query["before"])]
        if "after" in call.query:
            messages = [m for m in messages if m.id > int(call.query["after"])][:limit]
        messages = list(reversed(messages))[:limit]
        return 200, [m.payload() for m in messages]

    async def get_message(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call, P.READ_MESSAGE_HISTORY)
        return 200, self._message(call, channel).payload()

    async def create_message(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call)
        send = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
        if not self.emu.bot_can(channel, send) or (
            call.files and not self.emu.bot_can(channel, P.ATTACH_FILES)
        ):
            raise refused(*MISSING_PERMISSIONS)
        self._check_thread_open(channel)
        if channel.is_dm and not all(user.dms_open for user in channel.recipients):
            raise refused(*CANNOT_MESSAGE_USER)
        self.emu.validate(call, lambda body, errors: limits.check_message(body, errors))
        nonce = call.json.get("nonce")
        if nonce is not None and call.json.get("enforce_nonce") is True:
            earlier = self._nonce_match(channel.id, self.emu.bot_user.id, nonce)
            if earlier is not None:
                if earlier.deleted:  # Discord: NotFound, the nonce's message was deleted
                    raise refused(*UNKNOWN_MESSAGE)
                call.notes["deduplicated"] = True
                return 200, earlier.payload()
        message = self._new_message(
            channel.id, call.json, call.files, flags=int(call.json.get("flags") or 0)
        )
        if nonce is not None:
            message.nonce = nonce
            key = (channel.id, message.author.id, str(nonce))
            self.emu.nonces[key] = (message.id, message.created_at)
        reference = call.json.get("message_reference")
        if reference:
            message.message_reference = {**reference, "channel_id": str(channel.id)}
            message.type = 19
        await self.publish(message)
        return 200, message.payload()

    def _nonce_match(self, channel_id: int, author_id: int, nonce: Any) -> Message | None:
        """The message ``author_id`` created in the channel with this nonce within the
        emulator's ``nonce_window``, if any (deleted ones included)."""
        found = self.emu.nonces.get((channel_id, author_id, str(nonce)))
        if found is None:
            return None
        message_id, created_at = found
        if self.emu.clock.now() - created_at > self.emu.nonce_window:
            return None
        return self.emu.messages.get(message_id)

    def _check_thread_open(self, channel: Channel) -> None:
        if not channel.is_thread or not channel.archived:
            return
        if channel.locked and not self.emu.bot_can(channel, P.MANAGE_THREADS):
            raise refused(400, 50083, "Thread is archived")
        channel.archived = False

    async def edit_message(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call)
        message = self._message(call, channel)
        if message.author.id != self.emu.bot_user.id:
            raise refused(403, 50005, "Cannot edit a message authored by another user")
        self.emu.validate(
            call, lambda body, errors: limits.check_message(body, errors, partial=True)
        )
        await self._edit(message, call.json, call.files)
        return 200, message.payload()

    async def delete_message(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call)
        message = self._message(call, channel)
        if message.author.id != self.emu.bot_user.id and not self.emu.bot_can(
            channel, P.MANAGE_MESSAGES
        ):
            raise refused(*MISSING_PERMISSIONS)
        await self._delete(message)
        return 204, None

    async def typing(self, call: Call) -> tuple[int, Any]:
        self._channel(call, P.SEND_MESSAGES)
        return 204, None

    async def reaction(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call, P.READ_MESSAGE_HISTORY)
        message = self._message(call, channel)
        users = message.reactions.setdefault(call.params["emoji"], set())
        if call.method == "PUT":
            if not self.emu.bot_can(channel, P.ADD_REACTIONS):
                raise refused(*MISSING_PERMISSIONS)
            users.add(self.emu.bot_user.id)
        else:
            users.discard(self.emu.bot_user.id)
        self.emu.notify()
        return 204, None

    async def pin(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(call, P.MANAGE_MESSAGES)
        message = self._message(call, channel)
        message.pinned = call.method == "PUT"
        self.emu.notify()
        return 204, None

    # ----------------------------------------------------------------- threads
    async def create_thread(self, call: Call) -> tuple[int, Any]:
        parent = self._channel(call)
        if parent.is_thread or parent.type not in (TEXT, 5):
            raise refused(400, 50024, "Cannot execute action on this channel type")
        starter = self._message(call, parent) if "message_id" in call.params else None
        kind = PUBLIC_THREAD if starter else int(call.json.get("type") or PRIVATE_THREAD)
        needed = P.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
        if not self.emu.bot_can(parent, needed):
            raise refused(*MISSING_PERMISSIONS)
        self.emu.validate(call, limits.check_thread_name)
        if starter is not None and starter.thread_id is not None:
            raise refused(400, 160004, "A thread has already been created for this message")
        thread_id = starter.id if starter is not None else self.emu.ids.next()
        now = self.emu.clock.now()
        thread = Channel(
            thread_id,
            parent.guild_id,
            call.json["name"],
            kind,
            parent_id=parent.id,
            owner_id=self.emu.bot_user.id,
            created_at=now,
            auto_archive_duration=int(call.json.get("auto_archive_duration") or 1440),
        )
        thread.thread_members[self.emu.bot_user.id] = now
        self.emu.guilds[parent.guild_id].channels[thread.id] = thread
        if starter is not None:
            starter.thread_id = thread.id
        member = {
            "id": str(thread.id),
            "user_id": str(self.emu.bot_user.id),
            "join_timestamp": thread.payload()["thread_metadata"]["create_timestamp"],
            "flags": 0,
        }
        await self.emu.dispatch(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True, "member": member}
        )
        return 201, thread.payload()

    async def join_thread(self, call: Call) -> tuple[int, Any]:
        thread = self._channel(call)
        if not thread.is_thread:
            raise refused(400, 50024, "Cannot execute action on this channel type")
        raw = call.params["user_id"]
        user_id = self.emu.bot_user.id if raw == "@me" else call.id("user_id")
        if user_id not in self.emu.guilds[thread.guild_id].members:
            raise refused(404, 10013, "Unknown User")
        thread.thread_members[user_id] = self.emu.clock.now()
        self.emu.notify()
        return 204, None

    async def leave_thread(self, call: Call) -> tuple[int, Any]:
        thread = self._channel(call)
        raw = call.params["user_id"]
        user_id = self.emu.bot_user.id if raw == "@me" else call.id("user_id")
        thread.thread_members.pop(user_id, None)
        self.emu.notify()
        return 204, None

    # ================================================================= guilds
    def _guild(self, call: Call) -> Any:
        guild = self.emu.guilds.get(call.id("guild_id"))
        if guild is None:
            raise refused(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, call: Call) -> tuple[int, Any]:
        payload = self._guild(call).payload(bot_user_id=self.emu.bot_user.id)
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key, None)
        return 200, payload

    async def get_guild_channels(self, call: Call) -> tuple[int, Any]:
        guild = self._guild(call)
        return 200, [
            c.payload() for c in guild.channels.values() if not c.deleted and not c.is_thread
        ]

    async def get_roles(self, call: Call) -> tuple[int, Any]:
        return 200, [r.payload() for r in self._guild(call).roles.values()]

    async def get_member(self, call: Call) -> tuple[int, Any]:
        member = self._guild(call).members.get(call.id("user_id"))
        if member is None:
            raise refused(404, 10007, "Unknown Member")
        return 200, member.payload()

    async def active_threads(self, call: Call) -> tuple[int, Any]:
        guild = self._guild(call)
        threads = [
            c for c in guild.channels.values() if c.is_thread and not c.archived and not c.deleted
        ]
        return 200, {"threads": [t.payload() for t in threads], "members": []}

    # ================================================================= messages: shared
    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[Upload],
        *,
        flags: int = 0,
        interaction: Interaction | None = None,
    ) -> Message:
        channel = self.emu.channel_by_id(channel_id)
        message = Message(
            id=self.emu.ids.next(),
            channel_id=channel_id,
            guild_id=channel.guild_id if channel else None,
            author=self.emu.bot_user,
            created_at=self.emu.clock.now(),
            content=body.get("content") or "",
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=flags,
        )
        message.attachments = self._attachments(message, body, files)
        message.pings = self.pings(message, body)
        message.allowed_mentions = body.get("allowed_mentions")
        if interaction is not None:
            message.webhook_id = message.application_id = self.emu.application_id
            message.interaction_id = interaction.id
            message.interaction_type = interaction.type
            message.interaction_user = interaction.user
            message.type = 20 if interaction.type == 2 else 0
            if flags & EPHEMERAL:
                message.ephemeral_for = interaction.user.id
        return message

    def pings(self, message: Message, body: dict[str, Any]) -> set[int]:
        """Who this message notifies: mentions in its content that ``allowed_mentions`` lets
        through (all of them when it is left out, as Discord does). A role mention notifies
        only when the role is mentionable or the author has Mention Everyone in the channel."""
        guild = self.emu.guilds.get(message.guild_id or 0)
        if guild is None or not message.content:
            return set()
        channel = guild.channels.get(message.channel_id)
        author = guild.members.get(message.author.id)
        may_ping_any_role = author is not None and bool(
            compute_permissions(guild, author, channel) & P.MENTION_EVERYONE
        )
        allowed = body.get("allowed_mentions")
        parse = (
            {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        )
        allowed = allowed or {}
        users = {int(u) for u in _MENTION_USER.findall(message.content)}
        roles = {int(r) for r in _MENTION_ROLE.findall(message.content)}
        pinged = {
            u for u in users if "users" in parse or str(u) in map(str, allowed.get("users") or [])
        }
        for role_id in roles:
            role = guild.roles.get(role_id)
            if role is None or not (role.mentionable or may_ping_any_role):
                continue
            if "roles" in parse or str(role_id) in map(str, allowed.get("roles") or []):
                pinged |= {m.id for m in guild.members.values() if role_id in m.roles}
        if "everyone" in parse and _MENTION_EVERYONE.search(message.content):
            pinged |= set(guild.members)
        message.mentions = [self.emu.users[u] for u in sorted(users) if u in self.emu.users]
        return pinged - {self.emu.bot_user.id}

    def _attachments(
        self, message: Message, body: dict[str, Any], files: list[Upload]
    ) -> list[Attachment]:
        kept: list[Attachment] = []
        if "attachments" in body and message.attachments:
            wanted = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message.attachments if str(a.id) in wanted]
        elif message.attachments:
            kept = list(message.attachments)
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        for upload in files:
            meta = described.get(str(upload.index), {})
            kept.append(
                self.emu.add_attachment(
                    message.channel_id,
                    meta.get("filename") or upload.filename,
                    upload.data,
                    content_type=upload.content_type,
                    description=meta.get("description"),
                )
            )
        return kept

    async def publish(self, message: Message) -> None:
        """Store a new message and announce it (MESSAGE_CREATE unless ephemeral)."""
        self.emu.messages[message.id] = message
        channel = self.emu.channel_by_id(message.channel_id)
        if channel is not None and message.ephemeral_for is None:
            channel.last_message_id = message.id
            if channel.type in THREAD_TYPES:
                channel.message_count += 1
            await self.emu.dispatch("MESSAGE_CREATE", message.payload())
        self.emu.notify()

    async def _edit(
        self,
        message: Message,
        body: dict[str, Any],
        files: list[Upload],
        *,
        clear_loading: bool = False,
    ) -> None:
        message.history.append(message.payload())
        if "content" in body:
            message.content = body.get("content") or ""
        if "embeds" in body:
            message.embeds = list(body.get("embeds") or [])
        if "components" in body:
            message.components = list(body.get("components") or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if "attachments" in body or files:
            message.attachments = self._attachments(message, body, files)
        if clear_loading:
            message.flags &= ~LOADING
        message.edited_at = self.emu.clock.now()
        message.revision += 1
        if message.ephemeral_for is None:
            await self.emu.dispatch("MESSAGE_UPDATE", message.payload())
        self.emu.notify()

    async def _delete(self, message: Message) -> None:
        message.deleted = True
        if message.ephemeral_for is None:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            await self.emu.dispatch("MESSAGE_DELETE", data)
        self.emu.notify()


def _callback_check(kind: Any) -> Callable[[Any, FormErrors], None]:
    def check(body: Any, errors: FormErrors) -> None:
        data = (body or {}).get("data") or {}
        scratch = FormErrors()
        if kind == 4:
            limits.check_message(data, scratch)
        elif kind in (5, 6, 7):
            limits.check_message(data, scratch, partial=True)
        elif kind == 8:
            limits.check_autocomplete(data, errors)
        elif kind == 9:
            limits.check_modal(data, errors)
        for error in scratch.errors:
            errors.add(("data", *error.path), error.code, error.message)

    return check

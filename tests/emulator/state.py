"""What the emulated Discord knows: guilds, roles, members, channels, threads, messages.

The objects here are plain dataclasses with a ``payload()`` that renders them the way Discord's
API and gateway do. Tests receive the same objects (messages stay live: an edit by the bot shows
up in a message a test already holds). Permissions are computed like Discord's
(``compute_permissions``): role permissions OR'ed, administrator implies everything, channel
overwrites for @everyone, roles and the member applied in that order, the owner has all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

DISCORD_EPOCH_MS = 1_420_070_400_000


class Clock(Protocol):
    def now(self) -> float: ...


class P:
    """Permission bits (Discord's values)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    @classmethod
    def by_name(cls, name: str) -> int:
        """``"send_messages"`` or ``"SEND_MESSAGES"`` -> the bit."""
        try:
            return int(getattr(cls, name.upper()))
        except AttributeError:
            raise ValueError(f"unknown permission {name!r}") from None


EVERYONE_DEFAULT = (
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.USE_EXTERNAL_EMOJIS
    | P.CONNECT
    | P.SPEAK
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.CREATE_PUBLIC_THREADS
    | P.CREATE_PRIVATE_THREADS
    | P.SEND_MESSAGES_IN_THREADS
)
# What both sides of a direct message may do (discord.py's ``Permissions._dm_permissions``).
DM_PERMISSIONS = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_EXTERNAL_EMOJIS
)
BOT_ROLE_DEFAULT = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.SEND_MESSAGES_IN_THREADS
    | P.CREATE_PUBLIC_THREADS
    | P.CREATE_PRIVATE_THREADS
    | P.MANAGE_THREADS
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_EXTERNAL_EMOJIS
    | P.MANAGE_MESSAGES
)

TEXT, DM, VOICE, CATEGORY, NEWS, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 2, 4, 5, 11, 12
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)
EPHEMERAL, LOADING = 1 << 6, 1 << 7


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


class Snowflakes:
    """Increasing ids whose timestamp part follows the emulator's clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._last = 0

    def next(self) -> int:
        stamp = int(self.clock.now() * 1000) - DISCORD_EPOCH_MS
        self._last = max(self._last + 1, stamp << 22)
        return self._last

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next id whose guild would be on ``shard_id`` (``(id >> 22) % shard_count``): its
        timestamp moves at most ``shard_count - 1`` ms ahead."""
        candidate = self.next()
        shift = (shard_id - (candidate >> 22)) % shard_count
        if shift:
            candidate = ((candidate >> 22) + shift) << 22
            self._last = candidate
        return candidate


@dataclass(eq=False)
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    dms_open: bool = True  # False: the bot's messages to this user get 403/50007

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name or (None if self.bot else self.username.title()),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None
    # "Allow anyone to @mention this role": otherwise only authors with Mention Everyone ping it
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild_id

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class GuildMember:
    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: float = 0.0
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(role) for role in self.roles],
            "joined_at": iso(self.joined_at),
            "nick": self.nick,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Channel:
    """A guild channel, a thread (``parent_id`` set, type 11/12) or the bot's direct-message
    channel with one user (type 1, no guild, ``recipients``)."""

    id: int
    guild_id: int | None
    name: str
    type: int = TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    # threads
    owner_id: int | None = None
    thread_members: dict[int, float] = field(default_factory=dict)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: float = 0.0
    message_count: int = 0
    last_message_id: int | None = None
    deleted: bool = False
    recipients: list[User] = field(default_factory=list)  # a DM's other side

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        if self.is_dm:
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "flags": 0,
                "recipients": [user.payload() for user in self.recipients],
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
        }
        if self.is_thread:
            data.update(self._thread_fields())
        else:
            data["permission_overwrites"] = [o.payload() for o in self.overwrites.values()]
            data["topic"] = self.topic
            data["nsfw"] = False
        return data

    def _thread_fields(self) -> dict[str, Any]:
        return {
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "message_count": self.message_count,
            "total_message_sent": self.message_count,
            "member_count": min(len(self.thread_members), 50),
            "thread_metadata": {
                "archived": self.archived,
                "locked": self.locked,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": iso(self.created_at),
                "create_timestamp": iso(self.created_at),
                "invitable": True,
            },
        }


@dataclass(eq=False)
class Attachment:
    """A file on the emulator's CDN: one the bot uploaded, or one a member passed to a slash
    command (``ephemeral``). ``fetches`` counts the GETs of its ``url``."""

    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None
    ephemeral: bool = False
    fetches: int = 0

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
        }
        if self.ephemeral:
            data["ephemeral"] = True
        return data

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass(eq=False)
class Message:
    """A message as the emulator stores it (live: later edits change this object)."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    created_at: float
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    edited_at: float | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_type: int | None = None
    interaction_user: User | None = None
    ephemeral_for: int | None = None
    message_reference: dict[str, Any] | None = None
    thread_id: int | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    mentions: list[User] = field(default_factory=list)
    pings: set[int] = field(default_factory=set)  # user ids this message notified
    # What the bot sent as ``allowed_mentions`` (latest edit's, if it sent one); None when it
    # left it out, so Discord parsed every mention in the content.
    allowed_mentions: dict[str, Any] | None = None
    pinned: bool = False
    nonce: int | str | None = None  # as the author sent it (Discord echoes it back)
    revision: int = 0
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    # --- test helpers -------------------------------------------------------------------
    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def embed(self) -> dict[str, Any]:
        """The first embed (AssertionError when there is none)."""
        assert self.embeds, f"message {self.id} has no embed: {self.summary()}"
        return self.embeds[0]

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields, footer and author."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [
                (embed.get("author") or {}).get("name", ""),
                embed.get("title", ""),
                embed.get("description", ""),
            ]
            for item in embed.get("fields") or []:
                parts += [item.get("name", ""), item.get("value", "")]
            parts.append((embed.get("footer") or {}).get("text", ""))
        parts += [c.get("content", "") for c in walk_components(self.components)]
        return "\n".join(part for part in parts if part)

    @property
    def all_components(self) -> list[dict[str, Any]]:
        return list(walk_components(self.components))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in walk_components(self.components) if c.get("type") == 2]

    @property
    def button_labels(self) -> list[str]:
        return [b.get("label") or "" for b in self.buttons]

    @property
    def selects(self) -> list[dict[str, Any]]:
        return [c for c in walk_components(self.components) if c.get("type") in (3, 5, 6, 7, 8)]

    def find_component(self, label_or_id: str) -> dict[str, Any]:
        """A button by label or custom_id, or a select by custom_id or placeholder."""
        candidates = self.buttons + self.selects
        for key in ("label", "custom_id", "placeholder"):
            for component in candidates:
                if component.get(key) == label_or_id:
                    return component
        for component in self.buttons:
            if (component.get("emoji") or {}).get("name") == label_or_id:
                return component
        raise AssertionError(
            f"no button or select {label_or_id!r} on message {self.id}; buttons: "
            f"{[(b.get('label'), b.get('custom_id')) for b in self.buttons]}, selects: "
            f"{[s.get('custom_id') for s in self.selects]}"
        )

    def summary(self) -> str:
        text = self.text.replace("\n", " | ")
        return (
            f"<Message {self.id} in {self.channel_id}: {text[:160]!r} buttons={self.button_labels}>"
        )

    def __repr__(self) -> str:
        return self.summary()

    # --- wire format --------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [user.payload() for user in self.mentions],
            "mention_roles": [],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "reactions": self._reaction_payload(),
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_id is not None and self.interaction_user is not None:
            data["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": self.interaction_type,
                "user": self.interaction_user.payload(),
                # a guild install's owner: the guild, or "0" in the bot's DMs
                "authorizing_integration_owners": {"0": str(self.guild_id or 0)},
            }
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.nonce is not None:
            data["nonce"] = self.nonce
        return data

    def _reaction_payload(self) -> list[dict[str, Any]]:
        return [
            {
                "emoji": {"id": None, "name": emoji},
                "count": len(users),
                "me": False,
                "count_details": {"burst": 0, "normal": len(users)},
                "burst_colors": [],
                "me_burst": False,
                "burst_me": False,
                "burst_count": 0,
            }
            for emoji, users in self.reactions.items()
            if users
        ]


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, depth first (rows, containers, sections and labels opened)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    created_at: float
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, GuildMember] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def role_named(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise AssertionError(f"no role {name!r}; roles: {[r.name for r in self.roles.values()]}")

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name and not channel.deleted:
                return channel
        names = [c.name for c in self.channels.values() if not c.deleted]
        raise AssertionError(f"no channel {name!r}; channels: {names}")

    def payload(self, *, bot_user_id: int) -> dict[str, Any]:
        channels = [c for c in self.channels.values() if not c.deleted]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "max_members": 500000,
            "nsfw": False,
            "emojis": [],
            "stickers": [],
            "roles": [r.payload() for r in self.roles.values()],
            "joined_at": iso(self.created_at),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members.values()],
            "channels": [c.payload() for c in channels if not c.is_thread],
            "threads": [
                c.payload()
                for c in channels
                if c.is_thread and not c.archived and bot_user_id in c.thread_members
            ],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "application_id": None,
        }


def compute_base_permissions(guild: Guild, member: GuildMember) -> int:
    """Guild-level permissions: @everyone and the member's roles OR'ed; owner/admin → all."""
    if member.id == guild.owner_id:
        return P.ALL
    permissions = guild.everyone.permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            permissions |= role.permissions
    if permissions & P.ADMINISTRATOR:
        return P.ALL
    return permissions


def compute_permissions(guild: Guild, member: GuildMember, channel: Channel | None) -> int:
    """Discord's algorithm: base permissions, then the channel's overwrites (threads: parent's)."""
    base = compute_base_permissions(guild, member)
    if channel is None or base == P.ALL:
        return base
    target = guild.channels.get(channel.parent_id) if channel.is_thread else channel
    if target is None:
        return base
    permissions = _apply_overwrites(base, target, member, guild.id)
    if not permissions & P.VIEW_CHANNEL:
        return 0
    if not permissions & P.SEND_MESSAGES:
        permissions &= ~(P.MENTION_EVERYONE | P.ATTACH_FILES | P.EMBED_LINKS)
    if (
        channel.type == PRIVATE_THREAD
        and member.id not in channel.thread_members
        and not permissions & P.MANAGE_THREADS
    ):
        return 0
    return permissions


def _apply_overwrites(base: int, channel: Channel, member: GuildMember, everyone_id: int) -> int:
    permissions = base
    everyone = channel.overwrites.get(everyone_id)
    if everyone is not None:
        permissions = (permissions & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        overwrite = channel.overwrites.get(role_id)
        if overwrite is not None and overwrite.type == 0:
            allow |= overwrite.allow
            deny |= overwrite.deny
    permissions = (permissions & ~deny) | allow
    own = channel.overwrites.get(member.id)
    if own is not None and own.type == 1:
        permissions = (permissions & ~own.deny) | own.allow
    return permissions


_counter = itertools.count(1)


def next_token_suffix() -> int:
    return next(_counter)


@dataclass(eq=False)
class Interaction:
    """One interaction the emulator delivered, and everything the bot answered to it."""

    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    guild_id: int | None  # None in a DM
    channel_id: int
    user: User
    data: dict[str, Any]
    payload: dict[str, Any]
    created_at: float  # the emulator's clock (15-minute token rule)
    created_monotonic: float  # real time (3-second rule)
    source_message_id: int | None = None
    response_type: int | None = None
    response_body: dict[str, Any] | None = None
    responded_after: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    rejected: list[tuple[int, int]] = field(default_factory=list)  # (status, code) answered

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def name(self) -> str:
        """The command path (``"quiz start"``) or the component/modal custom_id."""
        if self.type in (2, 4):
            parts = [self.data.get("name", "")]
            options = self.data.get("options") or []
            while options and options[0].get("type") in (1, 2):
                parts.append(options[0]["name"])
                options = options[0].get("options") or []
            return " ".join(parts)
        return str(self.data.get("custom_id", ""))

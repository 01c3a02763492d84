"""Building and delivering INTERACTION_CREATE events the way Discord does.

``deliver`` records an :class:`~tests.emulator.state.Interaction` (fresh id and token, the clock
time for the 15-minute rule, the monotonic time for the 3-second rule) and dispatches it to the
bot. The payload carries what discord.py needs (``DISCORD.md``): ``channel`` as an object,
``attachment_size_limit``, the member with ``permissions`` computed in that channel, and
``app_permissions`` (the bot's own permissions there). In the bot's DM with a user there is no
``guild_id`` and no ``member`` but ``user``, a type-1 ``channel`` and ``context`` 1.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from tests.emulator.state import (
    DM_PERMISSIONS,
    Channel,
    GuildMember,
    Interaction,
    Message,
    Role,
    compute_permissions,
)

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


def channel_payload(emulator: Emulator, channel: Channel, member: GuildMember) -> dict[str, Any]:
    guild = emulator.guilds[channel.guild_id]
    return {**channel.payload(), "permissions": str(compute_permissions(guild, member, channel))}


def member_payload(emulator: Emulator, member: GuildMember, channel: Channel) -> dict[str, Any]:
    guild = emulator.guilds[member.guild_id]
    return {**member.payload(), "permissions": str(compute_permissions(guild, member, channel))}


def resolved_entry(
    emulator: Emulator,
    value: Any,
    invoker: GuildMember,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
) -> str:
    """Add a user/member, role or channel to ``resolved``; return its id as a string."""
    if isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if isinstance(value, Channel):
        entry = channel_payload(emulator, value, invoker)
        resolved.setdefault("channels", {})[str(value.id)] = entry
        return str(value.id)
    guild_member = emulator.guilds[invoker.guild_id].members.get(value.id)
    user = emulator.users[value.id]
    resolved.setdefault("users", {})[str(user.id)] = user.payload()
    if guild_member is not None:
        entry = member_payload(emulator, guild_member, channel)
        entry.pop("user", None)
        resolved.setdefault("members", {})[str(user.id)] = entry
    return str(user.id)


async def deliver(
    emulator: Emulator,
    *,
    kind: int,
    member: GuildMember,
    channel: Channel,
    data: dict[str, Any],
    message: Message | None = None,
) -> Interaction:
    """Record an interaction and send INTERACTION_CREATE to the bot."""
    assert not channel.deleted, f"#{channel.name} was deleted"
    interaction_id = emulator.ids.next()
    token = f"aW50ZXJhY3Rpb24{interaction_id}.{secrets.token_urlsafe(24)}"
    if channel.is_dm:
        payload = _dm_payload(emulator, interaction_id, token, kind, member, channel, data)
    else:
        payload = _guild_payload(emulator, interaction_id, token, kind, member, channel, data)
    if message is not None:
        payload["message"] = message.payload()
    interaction = Interaction(
        id=interaction_id,
        token=token,
        type=kind,
        guild_id=channel.guild_id,
        channel_id=channel.id,
        user=member.user,
        data=data,
        payload=payload,
        created_at=emulator.clock.now(),
        created_monotonic=time.monotonic(),
        source_message_id=message.id if message is not None else None,
    )
    emulator.interactions[interaction_id] = interaction
    await emulator.dispatch("INTERACTION_CREATE", payload)
    emulator.notify()
    return interaction


def _common(
    emulator: Emulator, interaction_id: int, token: str, kind: int, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": str(interaction_id),
        "application_id": str(emulator.application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }


def _dm_payload(
    emulator: Emulator,
    interaction_id: int,
    token: str,
    kind: int,
    member: GuildMember,
    channel: Channel,
    data: dict[str, Any],
) -> dict[str, Any]:
    """In the bot's DM: no ``guild_id``, no ``member``; ``user``, ``channel`` of type 1 and
    ``context`` 1 (BOT_DM)."""
    return {
        **_common(emulator, interaction_id, token, kind, data),
        "channel_id": str(channel.id),
        "channel": channel.payload(),
        "user": member.user.payload(),
        "app_permissions": str(DM_PERMISSIONS),
        "authorizing_integration_owners": {"0": "0"},
        "context": 1,
    }


def _guild_payload(
    emulator: Emulator,
    interaction_id: int,
    token: str,
    kind: int,
    member: GuildMember,
    channel: Channel,
    data: dict[str, Any],
) -> dict[str, Any]:
    guild = emulator.guilds[channel.guild_id]  # type: ignore[index]
    bot_member = guild.members[emulator.bot_user.id]
    return {
        **_common(emulator, interaction_id, token, kind, data),
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel_payload(emulator, channel, member),
        "member": member_payload(emulator, member, channel),
        "app_permissions": str(compute_permissions(guild, bot_member, channel)),
        "guild_locale": "en-US",
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
    }

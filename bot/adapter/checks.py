"""Who may do what, decided on the server side of every command and button.

Moderator = Manage Guild or Manage Messages permission, or the guild's configured moderator
role. Admin = Manage Guild. ``default_permissions`` on commands only hide them in the client; a
server can change those, so these checks run on every interaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import NotAllowed, UserError

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot


def guild_id_of(interaction: discord.Interaction) -> int:
    """The guild the interaction came from; commands of this bot only work in servers."""
    if interaction.guild_id is None:
        raise UserError("This only works in a server, not in direct messages.")
    return interaction.guild_id


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server in this channel (administrators and the owner have it)."""
    return interaction.permissions.manage_guild


async def is_moderator(interaction: discord.Interaction[RoundtableBot]) -> bool:
    """Manage Server, Manage Messages, or the guild's moderator role."""
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.manage_messages:
        return True
    settings = await interaction.client.store.guilds.get(guild_id_of(interaction))
    if settings.moderator_role_id is None:
        return False
    member = interaction.user
    return isinstance(member, discord.Member) and any(
        role.id == settings.moderator_role_id for role in member.roles
    )


async def require_moderator(interaction: discord.Interaction[RoundtableBot], action: str) -> None:
    """Raise :class:`NotAllowed` unless the member is a moderator."""
    if not await is_moderator(interaction):
        raise NotAllowed(
            f"Only moderators can {action}: you need Manage Messages, Manage Server, "
            "or the server's moderator role."
        )


def require_admin(interaction: discord.Interaction, action: str) -> None:
    """Raise :class:`NotAllowed` unless the member has Manage Server."""
    guild_id_of(interaction)
    if not is_admin(interaction):
        raise NotAllowed(f"Only admins (Manage Server) can {action}.")


def as_check_failure(error: NotAllowed) -> app_commands.CheckFailure:
    """Wrap a refusal raised in an ``interaction_check``.

    discord.py routes only :class:`app_commands.AppCommandError` from checks to the tree's
    error handler; anything else escapes and the member gets no answer at all.
    """
    failure = app_commands.CheckFailure(str(error))
    failure.__cause__ = error
    return failure

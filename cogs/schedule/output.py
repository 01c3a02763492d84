"""The schedule service's output port: what the bot's cache says of a channel, and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapter.posting import GONE_REASON, delivered
from bot.services.ports import Posted

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

NEEDED = (("view_channel", "View Channel"), ("send_messages", "Send Messages"),
          ("embed_links", "Embed Links"))  # fmt: skip


class DiscordScheduleOutput:
    """Answers from discord.py's cache, and posts in the guild's log channel."""

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot

    def channel_problem(self, guild_id: int, channel_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.unavailable:
            return None
        channel = guild.get_channel(channel_id)
        if channel is None:
            return GONE_REASON
        if guild.me is None:
            return None
        permissions = channel.permissions_for(guild.me)
        missing = [label for name, label in NEEDED if not getattr(permissions, name)]
        if not missing:
            return None
        if missing[0] == "View Channel":
            missing = missing[:1]  # without it nothing else counts
        elif "Send Messages" in missing:  # Discord takes Embed Links away with it
            missing = [label for label in missing if label != "Embed Links"]
        return f"I am missing {', '.join(missing)} there"

    async def report(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        message = await delivered(
            self.bot.get_partial_messageable(channel_id).send(text, nonce=nonce)
        )
        return Posted(message.id)

"""``/settings``: per-server configuration, for admins (Manage Server), checked server side."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete, time_zone_autocomplete, valid_time_zone
from bot.adapter.checks import as_check_failure, guild_id_of, require_admin
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import embed
from bot.errors import NotAllowed, UserError
from bot.rules.quiz import points_line
from bot.rules.srs import DEFAULT_RETENTION, check_retention
from bot.store import GuildSettings


async def describe_settings(settings: GuildSettings, bot: RoundtableBot) -> discord.Embed:
    """The settings card shown by ``/settings show`` and after every change."""
    card = embed("Server settings")
    role = f"<@&{settings.moderator_role_id}>" if settings.moderator_role_id else "not set"
    channel = f"<#{settings.log_channel_id}>" if settings.log_channel_id else "not set"
    card.add_field(name="Moderator role", value=role, inline=True)
    card.add_field(name="Log channel", value=channel, inline=True)
    card.add_field(name="Time zone", value=settings.timezone or "UTC (default)", inline=True)
    if settings.default_pack is None:
        pack = f"{bot.library.default_id} (default)"
    elif await bot.packs.get(settings.default_pack, settings.guild_id) is None:
        pack = f"{settings.default_pack} (not loaded: using {bot.library.default_id})"
    else:
        pack = settings.default_pack
    card.add_field(name="Content pack", value=pack, inline=True)
    card.add_field(name="Who may start quizzes", value=settings.quiz_starters, inline=True)
    card.add_field(name="Quiz points", value=settings.quiz_points, inline=True)
    retention = settings.retention or DEFAULT_RETENTION
    chosen = "" if settings.retention else " (default)"
    card.add_field(name="Practice retention", value=f"{retention:.2f}{chosen}", inline=True)
    card.set_footer(text="Moderators: Manage Server, Manage Messages, or the moderator role.")
    return card


def can_post(channel: discord.TextChannel) -> bool:
    """Whether the bot may post its reports in ``channel`` (the log channel)."""
    needed = discord.Permissions(view_channel=True, send_messages=True)
    return needed <= channel.permissions_for(channel.guild.me)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(
    commands.GroupCog,
    group_name="settings",
    group_description="Configure Roundtable for this server (admins).",
):
    """Server settings, stored per guild in SQLite."""

    help_area = "Settings (admins)"
    help_order = 90

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        try:
            require_admin(interaction, "see or change the server's settings")
        except NotAllowed as error:
            raise as_check_failure(error) from error
        return True

    async def _update(self, interaction: discord.Interaction, note: str, **changes: object) -> None:
        settings = await self.bot.store.guilds.update(
            guild_id_of(interaction), self.bot.clock.now(), **changes
        )
        await interaction.response.send_message(
            note, embed=await describe_settings(settings, self.bot), ephemeral=True
        )

    @app_commands.command(name="show", description="Show this server's settings.")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await self.bot.store.guilds.get(guild_id_of(interaction))
        await interaction.response.send_message(
            embed=await describe_settings(settings, self.bot), ephemeral=True
        )

    @app_commands.command(
        name="moderator-role", description="Set the role that counts as moderator."
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it.")
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        if role is not None and role.is_default():
            raise UserError("@everyone cannot be the moderator role: pick a real role.")
        if role is not None and role.managed:
            raise UserError(
                f"{role.mention} belongs to a bot or an integration and cannot be given to "
                "members: pick another role."
            )
        note = f"Moderator role set to {role.mention}." if role else "Moderator role cleared."
        await self._update(interaction, note, moderator_role_id=role.id if role else None)

    @app_commands.command(name="log-channel", description="Set where the bot reports problems.")
    @app_commands.describe(channel="The channel for reports; leave empty to clear it.")
    async def log_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        note = f"Log channel set to {channel.mention}." if channel else "Log channel cleared."
        if channel is not None and not can_post(channel):
            note += (
                f" I cannot post there yet: give me View Channel and Send Messages in "
                f"{channel.mention}."
            )
        await self._update(interaction, note, log_channel_id=channel.id if channel else None)

    @app_commands.command(name="timezone", description="Set the server's time zone (IANA name).")
    @app_commands.describe(timezone="An IANA time zone such as Europe/Berlin or Asia/Seoul.")
    @app_commands.autocomplete(timezone=time_zone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, timezone: str) -> None:
        zone = valid_time_zone(timezone)
        await self._update(interaction, f"Time zone set to {zone}.", timezone=zone)

    @app_commands.command(name="pack", description="Set the content pack commands use by default.")
    @app_commands.describe(pack="The pack's id.")
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def pack(self, interaction: discord.Interaction, pack: str) -> None:
        chosen = await self.bot.pack_for(guild_id_of(interaction), pack)
        note = f"Default pack set to {chosen.id} ({chosen.article.title})."
        await self._update(interaction, note, default_pack=chosen.id)

    @app_commands.command(name="quiz-starters", description="Choose who may start live quizzes.")
    @app_commands.describe(starters="everyone, or only moderators")
    async def quiz_starters(
        self, interaction: discord.Interaction, starters: Literal["everyone", "moderators"]
    ) -> None:
        note = (
            "Anyone may now start live quizzes."
            if starters == "everyone"
            else "Only moderators may now start live quizzes."
        )
        await self._update(interaction, note, quiz_starters=starters)

    @app_commands.command(
        name="quiz-points", description="Choose how live quizzes score: classic or accuracy."
    )
    @app_commands.describe(
        mode="classic: 10 + speed + streak (default); accuracy: bonuses capped at 9 per quiz"
    )
    async def quiz_points(
        self, interaction: discord.Interaction, mode: Literal["classic", "accuracy"]
    ) -> None:
        note = f"Live quizzes started from now on score like this. {points_line(mode)}"
        await self._update(interaction, note, quiz_points=mode)

    @app_commands.command(
        name="retention", description="Set how well members should still know a question (FSRS)."
    )
    @app_commands.describe(value="Desired retention from 0.70 to 0.97 (default 0.9)")
    async def retention(
        self, interaction: discord.Interaction, value: app_commands.Range[float, 0.7, 0.97]
    ) -> None:
        chosen = check_retention(value)
        note = (
            f"Desired retention set to {chosen:g}: practice and review quizzes bring a question "
            f"back when the chance that you still know it falls to {chosen:.0%}. Higher means "
            "more reviews; the default is 0.9."
        )
        await self._update(interaction, note, retention=chosen)


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(SettingsCog(bot))

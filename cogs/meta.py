"""``/help``: the bot's commands grouped by area, built from the live command tree."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.client import RoundtableBot
from bot.adapter.ui import Page, Pager, page_view, paginate_fields

HELP_INTRO = (
    "Roundtable turns an article into a discussion: read the summaries, test yourself with "
    "quizzes, argue it out in moderated debates, and climb the leaderboard."
)


def command_lines(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> list[str]:
    """One line per runnable command under ``command``: its path and description."""
    if isinstance(command, app_commands.Group):
        lines = []
        for child in command.commands:
            lines.extend(command_lines(child))
        return lines
    params = " ".join(
        f"{p.display_name}" if p.required else f"[{p.display_name}]" for p in command.parameters
    )
    path = f"/{command.qualified_name}" + (f" {params}" if params else "")
    return [f"`{path}` — {command.description}"]


def help_sections(bot: commands.Bot) -> list[tuple[str, str]]:
    """(area, text) for every cog with slash commands, in the cogs' declared order."""
    sections: list[tuple[int, str, str]] = []
    for cog in bot.cogs.values():
        lines: list[str] = []
        group = cog.app_command if isinstance(cog, commands.GroupCog) else None
        for command in [group] if group is not None else cog.get_app_commands():
            lines.extend(command_lines(command))
        if not lines:
            continue
        notes = getattr(cog, "help_notes", ())
        text = "\n".join([*lines, *notes])
        order = getattr(cog, "help_order", 50)
        sections.append((order, getattr(cog, "help_area", cog.qualified_name), text))
    return [(area, text) for _, area, text in sorted(sections)]


class Meta(commands.Cog):
    """Help and information about the bot itself."""

    help_area = "General"
    help_order = 0

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        bot.register_pager(Pager("help", self.render_page, "help"))

    def pages(self) -> list[discord.Embed]:
        return paginate_fields(
            "Roundtable — commands", help_sections(self.bot), description=HELP_INTRO
        )

    async def render_page(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        pages = self.pages()
        index = max(0, min(index, len(pages) - 1))
        return Page([pages[index]], index, len(pages))

    @app_commands.command(name="help", description="List the bot's commands, grouped by area.")
    async def help(self, interaction: discord.Interaction) -> None:
        page = await self.render_page(interaction, "", 0)
        view = page_view("help", interaction.user.id, "", page)
        await interaction.response.send_message(
            embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=True
        )


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(Meta(bot))

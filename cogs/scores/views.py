"""The Confirm/Cancel buttons of ``/scores season-new``, kept working across restarts.

The custom_id holds everything the buttons need: the admin who asked, the season that was
current when they asked (so a second click, or another admin's, cannot start two seasons) and
the new season's name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.checks import guild_id_of, require_admin
from bot.adapter.ui import guarded, mention_safe
from bot.errors import NotAllowed
from bot.rules.scores import validate_season_name

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot


def _only_the_asker(interaction: discord.Interaction, owner: int) -> None:
    if interaction.user.id != owner:
        raise NotAllowed("Only the admin who ran `/scores season-new` can answer this.")


class ConfirmSeason(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"scores:season:(?P<owner>\d{1,20}):(?P<after>\d{1,6}):(?P<name>.{1,50})",
):
    """Start season ``after + 1`` called ``name``."""

    def __init__(self, owner: int, after: int, name: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Confirm",
                style=discord.ButtonStyle.danger,
                custom_id=f"scores:season:{owner}:{after}:{name}",
            )
        )
        self.owner, self.after, self.name = owner, after, name

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> ConfirmSeason:
        return cls(int(match["owner"]), int(match["after"]), match["name"])

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        _only_the_asker(interaction, self.owner)
        require_admin(interaction, "start a new season")
        bot = interaction.client
        guild_id = guild_id_of(interaction)
        taken = [season.name for season in await bot.store.scores.seasons(guild_id)]
        name = validate_season_name(self.name, taken)
        season = await bot.store.scores.start_season(
            guild_id, name, bot.clock.now(), started_by=interaction.user.id, after=self.after
        )
        await interaction.response.edit_message(
            content=(
                f"Season {season.number} ({mention_safe(season.name)}) has started. "
                f"Season {self.after} stays readable with "
                f"`/leaderboard period:season season:{self.after}`."
            ),
            view=None,
        )


class CancelSeason(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"scores:season-cancel:(?P<owner>\d{1,20})",
):
    def __init__(self, owner: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.secondary,
                custom_id=f"scores:season-cancel:{owner}",
            )
        )
        self.owner = owner

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> CancelSeason:
        return cls(int(match["owner"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        _only_the_asker(interaction, self.owner)
        await interaction.response.edit_message(
            content="No new season: the current one carries on.", view=None
        )


def season_view(owner: int, after: int, name: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmSeason(owner, after, name))
    view.add_item(CancelSeason(owner))
    return view

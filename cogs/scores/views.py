"""The Confirm/Cancel buttons of ``/scores season-new``, kept working across restarts.

The custom_id holds everything the buttons need: the admin who asked, the season that was
current when they asked (so a second click, or another admin's, cannot start two seasons) and
the new season's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.adapter.buttons import INT, Field, PersistentButton, view_of
from bot.adapter.checks import guild_id_of, require_admin
from bot.adapter.ui import mention_safe
from bot.errors import NotAllowed
from bot.rules.scores import validate_season_name

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot


def _only_the_asker(interaction: discord.Interaction, owner: int) -> None:
    if interaction.user.id != owner:
        raise NotAllowed("Only the admin who ran `/scores season-new` can answer this.")


class ConfirmSeason(
    PersistentButton,
    key="scores:season",
    fields={"owner": INT, "after": Field(r"\d{1,6}", int), "name": Field(r".{1,50}")},
):
    """Start season ``after + 1`` called ``name``."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        owner, after = self.values["owner"], self.values["after"]
        _only_the_asker(interaction, owner)
        require_admin(interaction, "start a new season")
        bot = interaction.client
        guild_id = guild_id_of(interaction)
        taken = [season.name for season in await bot.store.scores.seasons(guild_id)]
        name = validate_season_name(self.values["name"], taken)
        season = await bot.store.scores.start_season(
            guild_id, name, bot.clock.now(), started_by=interaction.user.id, after=after
        )
        await interaction.response.edit_message(
            content=(
                f"Season {season.number} ({mention_safe(season.name)}) has started. "
                f"Season {after} stays readable with "
                f"`/leaderboard period:season season:{after}`."
            ),
            view=None,
        )


class CancelSeason(PersistentButton, key="scores:season-cancel", fields={"owner": INT}):
    """Keep the current season."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        _only_the_asker(interaction, self.values["owner"])
        await interaction.response.edit_message(
            content="No new season: the current one carries on.", view=None
        )


def season_view(owner: int, after: int, name: str) -> discord.ui.View:
    return view_of(
        ConfirmSeason(
            label="Confirm", style=discord.ButtonStyle.danger, owner=owner, after=after, name=name
        ),
        CancelSeason(label="Cancel", style=discord.ButtonStyle.secondary, owner=owner),
    )

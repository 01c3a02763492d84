"""Scores: leaderboards, profiles, history, adjustments, seasons and the CSV export."""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.scores.cog import Scores


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(Scores(bot))

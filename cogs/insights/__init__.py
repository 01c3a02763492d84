"""Insights for facilitators: ``/insights questions``, ``paragraphs``, ``member`` and ``debates``
(moderators), with charts."""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.insights.cog import InsightsCog


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(InsightsCog(bot))

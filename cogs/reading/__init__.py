"""Reading: the article card, summaries, glossary, timeline and debate positions (issue 5)."""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.reading.cog import Reading

__all__ = ["Reading", "setup"]


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(Reading(bot))

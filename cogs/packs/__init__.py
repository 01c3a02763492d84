"""Content packs a server brings: ``/pack upload``, ``list``, ``info``, ``export``, ``remove`` and
``template``."""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.packs.cog import PacksCog


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(PacksCog(bot))

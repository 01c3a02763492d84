"""Moderated debates: ``/debate`` commands, the lobby, timed turns, judging, the vote, results.

``cog.py`` holds the commands and button handlers, ``flow.py`` the state transitions, timers
and thread messages, ``views.py`` the restart-proof buttons and modals, ``render.py`` the
embeds. The rules themselves (positions, turn order, scoring) are in ``bot/debate.py``.
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.debate.cog import DebateCog


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(DebateCog(bot))

"""Moderated debates: ``/debate`` commands, the lobby, timed turns, judging, the vote, results.

The debate's life (state transitions, timers, what is due in the thread) is the debate service,
:mod:`bot.services.debate`, built by the bot as ``bot.debates``. This package is its Discord
side: ``cog.py`` holds the commands, ``views.py`` the restart-proof buttons and modals and what
they answer, ``render.py`` what the messages look like (embeds and texts), and ``output.py``
the service's output port, which the cog hands over when it loads. The rules themselves
(positions, turn order, scoring) are in :mod:`bot.rules.debate`.
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.debate.cog import DebateCog


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(DebateCog(bot))

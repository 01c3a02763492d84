"""Scheduled quizzes that post themselves, in the server's time zone: the Discord side of
``bot.schedules``.

``cog.py`` holds the ``/schedule`` commands and ``output.py`` the service's output port. The
runs themselves are :class:`bot.services.schedule.ScheduleService`, the time rules
:mod:`bot.rules.schedule`, the rows :mod:`bot.store.schedules`.
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.schedule.cog import ScheduleCog
from cogs.schedule.output import DiscordScheduleOutput


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(ScheduleCog(bot))
    bot.schedules.output = DiscordScheduleOutput(bot)


__all__ = ["ScheduleCog", "setup"]

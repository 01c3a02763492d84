"""Scheduled quizzes that post themselves, in the server's time zone (issue 7).

``cog.py`` holds the ``/schedule`` commands; ``runner.py`` creates schedules and runs them from
durable timers (``schedule.run``, ``schedule.start``). The time rules are in
:mod:`bot.rules.schedule`, the rows in :mod:`bot.store.schedules`. Other code reaches the runner as
``bot.get_cog("Schedule").runner`` (``create``, ``start_quiz``, ``pause``, ``resume``).
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.schedule.cog import ScheduleCog
from cogs.schedule.runner import ScheduleRunner


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(ScheduleCog(bot))


__all__ = ["ScheduleCog", "ScheduleRunner", "setup"]

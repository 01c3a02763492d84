"""Live quizzes in a channel and private practice (issue 6).

``cog.py`` holds the slash commands, ``engine.py`` runs quizzes from SQLite and timers, and
``views.py`` renders embeds and buttons. Other areas reach the engine as
``bot.get_cog("Quiz").engine`` (``start_live``, ``running_in``).
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.quiz.cog import QuizCog


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(QuizCog(bot))


__all__ = ["QuizCog", "setup"]

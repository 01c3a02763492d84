"""Live quizzes in a channel and private practice: the Discord side of ``bot.quiz``.

``cog.py`` holds the slash commands, ``views.py`` the embeds, buttons and replies, and
``output.py`` the quiz service's output port. The flow itself is
:class:`bot.services.quiz.QuizService`, reached as ``bot.quiz``.
"""

from __future__ import annotations

from bot.adapter.client import RoundtableBot
from cogs.quiz.cog import QuizCog
from cogs.quiz.output import DiscordQuizOutput


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(QuizCog(bot))
    bot.quiz.output = DiscordQuizOutput(bot)


__all__ = ["QuizCog", "setup"]

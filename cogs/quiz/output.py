"""The quiz service's output port: questions, reveals and standings through discord.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.adapter.posting import delivered
from bot.content import Pack, Question
from bot.rules.quiz import Standing
from bot.services.ports import Posted, PostFailed
from bot.store.quiz import Answer, Quiz, Round
from cogs.quiz.views import answer_view, question_embed, quiz_heading, reveal_embed, standings_embed

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

log = logging.getLogger(__name__)


class DiscordQuizOutput:
    """Posts a live quiz in its channel; every post carries the service's nonce."""

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot

    def _channel(self, channel_id: int, guild_id: int | None = None) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None, *, nonce: str
    ) -> Posted:
        message = await delivered(
            self._channel(quiz.channel_id, quiz.guild_id).send(
                embed=question_embed(
                    question,
                    pack,
                    heading=quiz_heading(quiz, rnd.position or 0),
                    closes_at=rnd.closes_at,
                ),
                view=answer_view(rnd.id, question),
                nonce=nonce,
            )
        )
        return Posted(message.id)

    async def close_question(
        self, quiz: Quiz, rnd: Round, question: Question, pack: Pack | None
    ) -> None:
        if rnd.message_id is None:
            return
        message = self._channel(rnd.channel_id or quiz.channel_id).get_partial_message(
            rnd.message_id
        )
        try:
            await delivered(
                message.edit(
                    embed=question_embed(
                        question, pack, heading=quiz_heading(quiz, rnd.position or 0), closed=True
                    ),
                    view=answer_view(rnd.id, question, revealed=True),
                )
            )
        except PostFailed as error:
            if error.kind != "gone":
                raise
            log.info("question message %s was deleted; revealing anyway", rnd.message_id)

    async def post_reveal(
        self,
        quiz: Quiz,
        rnd: Round,
        question: Question,
        pack: Pack | None,
        answers: Sequence[Answer],
        *,
        nonce: str,
    ) -> Posted:
        message = await delivered(
            self._channel(rnd.channel_id or quiz.channel_id).send(
                embed=reveal_embed(quiz, rnd, question, pack, answers), nonce=nonce
            )
        )
        return Posted(message.id)

    async def post_standings(
        self, quiz: Quiz, rows: Sequence[Standing], players: int, *, nonce: str
    ) -> Posted:
        message = await delivered(
            self._channel(quiz.channel_id).send(
                embed=standings_embed(quiz, rows, players), nonce=nonce
            )
        )
        return Posted(message.id)

    async def post_note(self, channel_id: int, text: str, *, nonce: str) -> Posted:
        message = await delivered(self._channel(channel_id).send(text, nonce=nonce))
        return Posted(message.id)

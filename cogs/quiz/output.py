"""The quiz service's output port: first messages, questions, reveals, edits of "Locked in"
replies and standings through discord.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.adapter.posting import delivered
from bot.content import Pack, Question
from bot.rules.quiz import Standing
from bot.services.ports import Posted, PostFailed
from bot.services.quiz import AnswerResult
from bot.store.quiz import Answer, Quiz, Round
from cogs.quiz.views import (
    answer_view,
    header_text,
    question_embed,
    quiz_heading,
    reply_result_text,
    reveal_embed,
    standings_embed,
)

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

log = logging.getLogger(__name__)


class DiscordQuizOutput:
    """Posts a live quiz in its channel; every post carries the service's nonce."""

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot

    def _channel(self, channel_id: int, guild_id: int | None = None) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_header(self, quiz: Quiz, *, nonce: str) -> Posted:
        """The quiz's first message; it may ping the quiz's role, and nothing else."""
        mentions = discord.AllowedMentions.none()
        if quiz.ping_role_id is not None:
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(quiz.ping_role_id)]
            )
        message = await delivered(
            self._channel(quiz.channel_id, quiz.guild_id).send(
                header_text(quiz), allowed_mentions=mentions, nonce=nonce
            )
        )
        return Posted(message.id)

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        await delivered(self._channel(channel_id).get_partial_message(message_id).delete())

    async def edit_reply(self, token: str, result: AnswerResult) -> None:
        """Edit a member's ephemeral "Locked in" reply through its interaction token."""
        application_id = self.bot.application_id
        if application_id is None:
            raise PostFailed("transient", "the bot is not logged in")
        webhook = discord.Webhook.partial(application_id, token, client=self.bot)
        try:
            await delivered(
                webhook.edit_message(
                    "@original",  # type: ignore[arg-type] # the interaction's first reply
                    content=reply_result_text(result),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            )
        except discord.HTTPException as error:
            # 401: the token expired (Invalid Webhook Token); anything else refused: the reply
            # stays as it was, which never holds up the quiz.
            raise PostFailed(
                "gone", "the reply can no longer be edited", status=error.status
            ) from None

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

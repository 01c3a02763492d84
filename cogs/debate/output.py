"""The debate service's output port, through discord.py: posts and edits in a debate's thread.

:class:`DiscordDebateOutput` implements :class:`bot.services.ports.DebateOutput`. It renders with
``cogs/debate/render.py`` and ``cogs/debate/views.py``, reaches channels by id
(``bot.get_partial_messageable``, nothing cached is needed), sends every post with its nonce
(discord.py then sends ``enforce_nonce``, so Discord answers a repeated post with the message it
already has) and turns Discord's refusals into :class:`~bot.services.ports.PostFailed`: gone
(unknown channel, i.e. a deleted thread, or unknown message), forbidden (403) or transient
(rate limits, server errors, the network, anything else: the service logs it and tries again
later). Only these ping, and only whom they name: a turn's announcement and its reminder (the
speaker), the positions (the participants) and a judge's reminder in the thread (that judge).
A judge's reminder goes to their direct messages (a DM refused with 403/50007 raises
``forbidden``, and the service falls back to the thread); the vote's notice and the results'
summary go to the lobby's channel.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from bot.adapter.buttons import view_of
from bot.content import Motion
from bot.rules.debate import LOBBY, DebateResult
from bot.services.ports import FailureKind, Posted, PostFailed, SpeechToScore
from bot.store.debates import Debate, DebateLobby, DebatePosition, Participant, Speech, Turn
from cogs.debate import render
from cogs.debate.views import DebateButton, ScoreButton, lobby_view, vote_view

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

#: How long a debate's thread stays open without messages (a day, in minutes).
THREAD_ARCHIVE_MINUTES = 1440


#: Discord's codes for a channel (here: a debate's thread) and a message that no longer exist.
UNKNOWN_CHANNEL, UNKNOWN_MESSAGE = 10003, 10008


def failure(error: BaseException) -> PostFailed:
    """The PostFailed that says what a discord.py error means for the service."""
    if not isinstance(error, discord.HTTPException):
        return PostFailed("transient", f"{type(error).__name__}: {error}")
    kind: FailureKind = "transient"
    if isinstance(error, discord.Forbidden):
        kind = "forbidden"
    elif isinstance(error, discord.NotFound) and error.code in (UNKNOWN_CHANNEL, UNKNOWN_MESSAGE):
        kind = "gone"
    return PostFailed(kind, error.text or str(error), status=error.status, code=error.code)


#: What a failed request can raise besides Discord's answers: the network giving up.
_NETWORK = (aiohttp.ClientError, OSError)

T = TypeVar("T")


async def _delivered(call: Awaitable[T]) -> T:
    """Await a call to Discord; what went wrong as the :class:`PostFailed` :func:`failure` says."""
    try:
        return await call
    except (discord.HTTPException, *_NETWORK) as error:
        raise failure(error) from error


def only(*user_ids: int) -> discord.AllowedMentions:
    """Mentions that ping these members and nobody else."""
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(user_id) for user_id in user_ids],
    )


def participants_of(participants: Sequence[Participant]) -> list[int]:
    return [p.user_id for p in participants if p.position and not p.removed]


class DiscordDebateOutput:
    """Posts and edits of the debate service (see the module docstring)."""

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot

    def _channel(self, channel_id: int, guild_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    def _thread(self, debate: Debate) -> discord.PartialMessageable:
        """Where the debate's messages go: its thread (its channel before it has one)."""
        return self._channel(debate.thread_id or debate.channel_id, debate.guild_id)

    async def _send(self, target: discord.abc.Messageable, *, nonce: str, **fields: Any) -> Posted:
        return Posted((await _delivered(target.send(nonce=nonce, **fields))).id)

    async def _edit(
        self, target: discord.PartialMessageable, message_id: int, **fields: Any
    ) -> None:
        await _delivered(target.get_partial_message(message_id).edit(**fields))

    # --- the lobby, in the debate's channel ---------------------------------------------------

    async def post_lobby(self, lobby: DebateLobby, *, nonce: str) -> Posted:
        debate = lobby.debate
        return await self._send(
            self._channel(debate.channel_id, debate.guild_id),
            nonce=nonce,
            embed=render.lobby_embed(lobby),
            view=lobby_view(debate.id),
        )

    async def open_thread(self, debate: Debate, lobby_message_id: int) -> int:
        lobby = self._channel(debate.channel_id, debate.guild_id)
        thread = await _delivered(
            lobby.get_partial_message(lobby_message_id).create_thread(
                name=render.thread_name(debate.motion_text),
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        )
        return thread.id

    async def delete_lobby(self, debate: Debate, lobby_message_id: int) -> None:
        lobby = self._channel(debate.channel_id, debate.guild_id)
        await _delivered(lobby.get_partial_message(lobby_message_id).delete())

    async def edit_lobby(self, lobby: DebateLobby) -> None:
        debate = lobby.debate
        if debate.lobby_message_id is None:
            return
        await self._edit(
            self._channel(debate.channel_id, debate.guild_id),
            debate.lobby_message_id,
            embed=render.lobby_embed(lobby),
            view=lobby_view(debate.id) if debate.status == LOBBY else None,
        )

    # --- the thread ---------------------------------------------------------------------------

    async def post_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
        *,
        nonce: str,
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            content=render.positions_content(debate, positions, participants),
            embed=render.positions_embed(debate, positions, participants, motion),
            view=view_of(DebateButton("brief", debate.id)),
            allowed_mentions=only(*participants_of(participants)),
        )

    async def edit_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
    ) -> None:
        if debate.positions_message_id is None:
            return
        await self._edit(
            self._thread(debate),
            debate.positions_message_id,
            content=render.positions_content(debate, positions, participants),
            embed=render.positions_embed(debate, positions, participants, motion),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def post_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, *, nonce: str
    ) -> Posted:
        deadline = None if debate.paused else turn.deadline
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            content=render.announcement(
                turn.number, total, turn.round, position, turn.user_id, deadline
            ),
            view=view_of(DebateButton("speak", debate.id)),
            allowed_mentions=only(turn.user_id),
        )

    async def post_speech(
        self, debate: Debate, speech: Speech, position: str, *, nonce: str
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            embed=render.speech_embed(debate, speech, position),
            view=view_of(ScoreButton(speech.id)),
        )

    async def edit_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, speech: Speech | None
    ) -> None:
        if turn.announce_message_id is None:
            return
        await self._edit(
            self._thread(debate),
            turn.announce_message_id,
            content=render.turn_ended(turn, total, position, speech),
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def post_no_speech(
        self, debate: Debate, turn: Turn, position: str, *, nonce: str
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            content=render.no_speech_notice(turn.status, turn.round, position, turn.user_id),
        )

    async def post_reminder(self, debate: Debate, turn: Turn, *, nonce: str) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            content=render.reminder(turn.user_id, turn.deadline or 0.0),
            allowed_mentions=only(turn.user_id),
        )

    async def post_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], *, nonce: str
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            embed=render.vote_embed(debate, positions, None),
            view=vote_view(debate.id, [(p.position, p.name) for p in positions]),
        )

    async def edit_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], counts: Mapping[str, int]
    ) -> None:
        if debate.vote_message_id is None:
            return
        await self._edit(
            self._thread(debate),
            debate.vote_message_id,
            embed=render.vote_embed(debate, positions, counts),
            view=vote_view(debate.id, [(p.position, p.name) for p in positions], disabled=True),
        )

    async def post_judge_dm(
        self,
        debate: Debate,
        judge_id: int,
        speeches: Sequence[SpeechToScore],
        first: int,
        total: int,
        *,
        nonce: str,
    ) -> Posted:
        channel = await _delivered(self.bot.create_dm(discord.Object(judge_id)))
        content, card = render.judge_dm(debate, speeches, first, total)
        buttons = (
            ScoreButton(item.speech.id, render.KEYCAPS[index])
            for index, item in enumerate(speeches)
        )
        return await self._send(channel, nonce=nonce, content=content, embed=card,
                                view=view_of(*buttons))  # fmt: skip

    async def post_judge_nudge(
        self, debate: Debate, judge_id: int, speeches: Sequence[SpeechToScore], *, nonce: str
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            content=render.judge_nudge(debate, judge_id, speeches),
            allowed_mentions=only(judge_id),
        )

    async def post_vote_notice(self, debate: Debate, *, nonce: str) -> Posted:
        return await self._send(
            self._channel(debate.channel_id, debate.guild_id),
            nonce=nonce,
            content=render.vote_notice(debate),
        )

    async def post_results_notice(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        *,
        nonce: str,
    ) -> Posted:
        return await self._send(
            self._channel(debate.channel_id, debate.guild_id),
            nonce=nonce,
            content=render.results_summary(debate, positions, result),
        )

    async def post_results(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        transcript: str,
        *,
        nonce: str,
    ) -> Posted:
        return await self._send(
            self._thread(debate),
            nonce=nonce,
            embed=render.results_embed(debate, positions, result),
            file=discord.File(
                io.BytesIO(transcript.encode("utf-8")), filename=render.transcript_name(debate)
            ),
        )

    async def post_cancelled(self, debate: Debate, *, nonce: str) -> Posted:
        return await self._send(
            self._thread(debate), nonce=nonce, content=render.cancelled_text(debate)
        )

    async def post_note(self, debate: Debate, text: str, *, nonce: str) -> Posted:
        return await self._send(self._thread(debate), nonce=nonce, content=text)

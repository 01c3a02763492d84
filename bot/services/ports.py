"""What a service needs from the outside world, without importing discord.

An output port posts and edits messages for a service. Every post returns :class:`Posted` or
raises :class:`PostFailed`, which says whether trying again later may help (``transient``),
whether the channel or message is gone (``gone``) or whether the bot may not post there
(``forbidden``). Posts carry a ``nonce`` derived from what they are (:func:`nonce`), sent with
``enforce_nonce``: Discord answers a second post with the same nonce (within a few minutes) with
the first message instead of a new one, so a service can post first and record after, and a
crash between the two neither posts twice nor loses the post.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

FailureKind = Literal["transient", "gone", "forbidden"]

#: Discord's limit on a message nonce.
NONCE_LIMIT = 25


@dataclass(frozen=True, slots=True)
class Posted:
    """A message Discord took (or had already taken, for a repeated nonce)."""

    message_id: int


class PostFailed(Exception):
    """Discord did not take a post or an edit.

    ``kind`` is ``transient`` (rate limited, a server error or the network: try again later),
    ``gone`` (the channel, thread or message no longer exists) or ``forbidden`` (the bot is
    missing a permission there). ``reason`` is a short phrase fit for a member or a log line.
    """

    def __init__(
        self, kind: FailureKind, reason: str, *, status: int | None = None, code: int | None = None
    ) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind: FailureKind = kind
        self.reason = reason
        self.status = status
        self.code = code

    @property
    def transient(self) -> bool:
        return self.kind == "transient"


def nonce(*parts: object) -> str:
    """A message nonce naming what a post is, e.g. ``nonce("qq", round_id)`` → ``"qq:17"``.

    At most 25 characters (Discord's limit); the parts are short tags and ids.
    """
    value = ":".join(str(part) for part in parts)
    if not value or len(value) > NONCE_LIMIT:
        raise ValueError(f"a nonce must be 1-{NONCE_LIMIT} characters, not {value!r}")
    return value


# --- debates

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from bot.content import Motion
    from bot.rules.debate import DebateResult
    from bot.store.debates import Debate, DebateLobby, DebatePosition, Participant, Speech, Turn


@dataclass(frozen=True, slots=True)
class SpeechToScore:
    """A speech a judge has not scored yet, with the names a reminder shows."""

    speech: Speech
    speaker: str
    position: str


class DebateOutput(Protocol):
    """How the debate service reaches a debate's channel and thread.

    Posts go to the debate's thread (its channel before it has one), the lobby to its channel.
    Every post takes a ``nonce`` and returns :class:`Posted` or raises :class:`PostFailed`;
    edits redraw an earlier message (``debate`` names it) and raise :class:`PostFailed` too.
    The output renders; the service decides what a failure means.
    """

    async def post_lobby(self, lobby: DebateLobby, *, nonce: str) -> Posted:
        """The lobby in the debate's channel, with Join, Leave, Begin and Cancel."""
        ...

    async def open_thread(self, debate: Debate, lobby_message_id: int) -> int:
        """Open the debate's thread on its lobby message (named after the motion); its id."""
        ...

    async def delete_lobby(self, debate: Debate, lobby_message_id: int) -> None:
        """Take back a lobby whose thread could not be opened."""
        ...

    async def edit_lobby(self, lobby: DebateLobby) -> None:
        """Redraw the lobby (``lobby.debate.lobby_message_id``); buttons only in the lobby."""
        ...

    async def post_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
        *,
        nonce: str,
    ) -> Posted:
        """Who argues what, with My brief, pinging every participant once (and nobody else),
        and when the speeches start (``debate.deadline`` while ``debate.preparing``)."""
        ...

    async def edit_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
    ) -> None:
        """Redraw who argues what (``debate.positions_message_id``) after a swap."""
        ...

    async def post_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, *, nonce: str
    ) -> Posted:
        """Announce the open turn with Speak, pinging its speaker and nobody else."""
        ...

    async def post_speech(
        self, debate: Debate, speech: Speech, position: str, *, nonce: str
    ) -> Posted:
        """A speech, with Score for the judges."""
        ...

    async def edit_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, speech: Speech | None
    ) -> None:
        """Redraw an ended turn's announcement (``turn.announce_message_id``): how it ended
        (spoke and how many words, no speech, skipped, speaker removed), without Speak."""
        ...

    async def post_no_speech(
        self, debate: Debate, turn: Turn, position: str, *, nonce: str
    ) -> Posted:
        """A turn ended without a speech (missed, skipped or removed)."""
        ...

    async def post_reminder(self, debate: Debate, turn: Turn, *, nonce: str) -> Posted:
        """One minute left, pinging the speaker and nobody else."""
        ...

    async def post_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], *, nonce: str
    ) -> Posted:
        """The audience vote, one button per position; the count stays hidden."""
        ...

    async def edit_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], counts: Mapping[str, int]
    ) -> None:
        """The closed vote (``debate.vote_message_id``): the count shown, the buttons disabled."""
        ...

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
        """A direct message to a judge: speeches ``first``… (numbered from 1, of ``total``) they
        have not scored, each with its Score button. Raises PostFailed ``forbidden`` when the
        judge does not take direct messages from the bot (403, code 50007)."""
        ...

    async def post_judge_nudge(
        self, debate: Debate, judge_id: int, speeches: Sequence[SpeechToScore], *, nonce: str
    ) -> Posted:
        """One line in the thread for a judge the bot cannot message directly: which speeches
        they have not scored; it pings that judge and nobody else."""
        ...

    async def post_vote_notice(self, debate: Debate, *, nonce: str) -> Posted:
        """In the lobby's channel: the audience vote is open, when it closes, where to vote."""
        ...

    async def post_results_notice(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        *,
        nonce: str,
    ) -> Posted:
        """In the lobby's channel: the results in one line, with a link to the thread."""
        ...

    async def post_results(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        transcript: str,
        *,
        nonce: str,
    ) -> Posted:
        """The results, with the transcript (Markdown) attached."""
        ...

    async def post_cancelled(self, debate: Debate, *, nonce: str) -> Posted:
        """The debate was cancelled; no points."""
        ...

    async def post_note(self, debate: Debate, text: str, *, nonce: str) -> Posted:
        """A moderator's note (paused, extended...): plain text that pings nobody."""
        ...

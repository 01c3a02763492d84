"""The debate service: a debate's life from lobby to results, without Discord.

Every change (join, begin, a speech, a deadline, a moderator's control) reads, checks and writes
inside one ``store.transaction()``, scheduling or cancelling its timers in the same transaction.
The status changes only through the store's named transitions, each checked against the one
table of allowed transitions (:data:`bot.rules.debate.TRANSITIONS`).

Messages go out afterwards, through the output port a cog hands over (:class:`DebateOutput`):
:meth:`DebateService.publish` posts whatever the database says is due and not yet posted
(positions, speeches, "no speech" notices, the current turn's announcement, the vote, the
results) and records each message once Discord took it. Every post carries a nonce derived from
what it is (``d:<debate>:<kind>[:<turn>...]``), so a crash between a post and its record neither
loses the post (publishing runs again on the next change and at start-up) nor posts it twice
(Discord answers the repeated nonce with the message it already has).

Beyond the thread: when the vote opens, every judge with speeches left to score is told which
by direct message (a line in the thread that pings only them when their direct messages are
closed), and the lobby's channel hears that the vote is open and, later, the results in one
line. Ended turns have their announcement redrawn (how the turn ended, no Speak button).

Timers (all keyed, so rescheduling replaces): ``debate.prep_end`` per debate (the preparation
between Begin and the first turn), ``debate.turn_end`` and ``debate.reminder`` per turn,
``debate.vote_close`` per debate. Handlers check the database first (the deadline there
is the truth; a timer is only a wake-up), so running one twice or late does no harm. While no
cog has handed over an output, handlers refuse to act and their timers are retried later: nobody
misses a turn that nobody could see.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, discord_timestamp
from bot.content import Motion, Pack, Position
from bot.errors import Conflict, NotAllowed, NotFound, UserError
from bot.rules import debate as rules
from bot.services.packs import Packs
from bot.services.ports import DebateOutput, Posted, PostFailed, SpeechToScore, nonce
from bot.store import Store
from bot.store.debates import Debate, DebateLobby, DebateMessage, DebatePosition, Speech, Turn
from bot.timers import Timer, TimerService

log = logging.getLogger(__name__)

TURN_END, REMINDER, VOTE_CLOSE = "debate.turn_end", "debate.reminder", "debate.vote_close"
PREP_END = "debate.prep_end"
#: Speeches listed in one direct message to a judge (each with its Score button).
SPEECHES_PER_DM = 10
_EPSILON = 1e-6
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def prep_key(debate_id: int) -> str:
    return f"debate:{debate_id}:prep"


def turn_key(debate_id: int, number: int) -> str:
    return f"debate:{debate_id}:turn:{number}"


def reminder_key(debate_id: int, number: int) -> str:
    return f"debate:{debate_id}:reminder:{number}"


def vote_key(debate_id: int) -> str:
    return f"debate:{debate_id}:vote"


def _stamp(seconds: float) -> str:
    """Whole seconds in base 36 (``1800000000`` → ``"trv6bk"``): short enough for a nonce."""
    value, digits = int(seconds), ""
    while True:
        value, digit = divmod(value, 36)
        digits = _DIGITS[digit] + digits
        if value == 0:
            return digits


@dataclass(frozen=True, slots=True)
class EndOutcome:
    """What ``/debate end`` did: ``"vote"``, ``"closed"`` or ``"cancelled"``."""

    debate: Debate
    outcome: str


@dataclass(frozen=True, slots=True)
class NextStep:
    """What ``/debate next`` did.

    ``"confirm"``: nothing yet, the speaker of ``turn`` still has ``remaining`` seconds, so the
    moderator is asked first; ``"skipped"``: ``turn`` (None when no turn was open) ended and the
    next one (or the vote) opened; ``"started"``: the preparation ended and the first turn opened.
    """

    kind: str
    debate: Debate
    turn: Turn | None = None
    remaining: float = 0.0
    speaker: str = ""


@dataclass(frozen=True, slots=True)
class Brief:
    """What a participant's brief shows: their position in the pack, against whom."""

    pack: Pack
    motion: Motion | None
    position: Position
    opponents: tuple[str, ...]


class UnavailableOutput:
    """The output before a cog hands one over: every post and edit fails as transient."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        async def refuse(*args: Any, **kwargs: Any) -> Any:
            raise PostFailed("transient", "debates are not available right now")

        return refuse


class DebateService:
    """Debates from lobby to results; one per bot (``bot.debates``)."""

    def __init__(
        self,
        store: Store,
        timers: TimerService,
        clock: Clock,
        packs: Packs,
        rng: random.Random,
        output: DebateOutput | None = None,
    ) -> None:
        self.store = store
        self.timers = timers
        self.clock = clock
        self.packs = packs
        self.rng = rng
        self.output: DebateOutput = UnavailableOutput() if output is None else output  # type: ignore[assignment]
        self._locks: dict[int, asyncio.Lock] = {}

    def now(self) -> float:
        return self.clock.now()

    @property
    def available(self) -> bool:
        """True once a cog handed over an output (and until it takes it back)."""
        return not isinstance(self.output, UnavailableOutput)

    def detach(self) -> None:
        """The cog unloads: posts fail as transient and deadlines wait until an output is back."""
        self.output = UnavailableOutput()  # type: ignore[assignment]

    def register_timers(self) -> None:
        self.timers.register(PREP_END, self.on_prep_end)
        self.timers.register(TURN_END, self.on_turn_end)
        self.timers.register(REMINDER, self.on_reminder)
        self.timers.register(VOTE_CLOSE, self.on_vote_close)

    # --- reading ----------------------------------------------------------------------------

    async def debate(self, debate_id: int) -> Debate:
        debate = await self.store.debates.get(debate_id)
        if debate is None:
            raise NotFound(f"Debate #{debate_id} does not exist.")
        return debate

    async def in_channel(self, channel_id: int | None) -> Debate:
        """The debate under way in this channel or its thread."""
        debate = await self.store.debates.active_in_channel(channel_id or 0)
        if debate is None:
            raise NotFound("There is no debate under way in this channel or its thread.")
        return debate

    async def lobby(self, debate_id: int) -> DebateLobby:
        lobby = await self.store.debates.lobby(debate_id)
        if lobby is None:
            raise NotFound(f"Debate #{debate_id} does not exist.")
        return lobby

    async def pack_of(self, debate: Debate) -> Pack | None:
        return await self.packs.get(debate.pack_id, debate.guild_id)

    async def motion_of(self, debate: Debate) -> Motion | None:
        pack = await self.pack_of(debate)
        return pack.motion(debate.motion_id) if pack else None

    async def current_turn(self, debate: Debate) -> Turn | None:
        if debate.current_turn is None:
            return None
        return await self.store.debates.turn(debate.id, debate.current_turn)

    async def name_of(self, debate_id: int, user_id: int) -> str:
        participant = await self.store.debates.participant(debate_id, user_id)
        return participant.name if participant else f"<@{user_id}>"

    async def position_names(self, debate_id: int) -> dict[str, str]:
        """The debate's position ids to their names."""
        return {p.position: p.name for p in await self.store.debates.positions(debate_id)}

    async def argues(self, debate_id: int) -> dict[int, str]:
        """Each participant to the name of the position they argue (``"?"`` before the draw)."""
        names = await self.position_names(debate_id)
        return {
            p.user_id: names.get(p.position or "", "?")
            for p in await self.store.debates.participants(debate_id)
        }

    async def score_of(self, speech_id: int, judge_id: int) -> int | None:
        return await self.store.debates.score_of(speech_id, judge_id)

    # --- lobby ------------------------------------------------------------------------------

    async def open(
        self,
        *,
        guild_id: int,
        channel_id: int,
        pack: Pack,
        motion: Motion,
        rounds: int,
        speech_minutes: int,
        vote_minutes: int,
        user_id: int,
        user_name: str,
        prep_minutes: int = 0,
    ) -> Debate:
        """Create the debate, post its lobby in the channel and open its thread there.

        When Discord takes neither, the debate is cancelled quietly and the PostFailed raised.
        """
        rules.round_names(rounds)
        if not 0 <= prep_minutes <= rules.PREP_MAX_MINUTES:
            raise UserError(f"Preparation takes 0 to {rules.PREP_MAX_MINUTES} minutes.")
        debate = await self.store.debates.create(
            guild_id=guild_id,
            channel_id=channel_id,
            pack_id=pack.id,
            motion_id=motion.id,
            motion_text=motion.text,
            positions=[(p, pack.positions[p].name) for p in motion.positions],
            rounds=rounds,
            speech_seconds=speech_minutes * 60.0,
            vote_seconds=vote_minutes * 60.0,
            prep_seconds=prep_minutes * 60.0,
            created_by=user_id,
            creator_name=user_name,
            now=self.now(),
        )
        lobby_id: int | None = None
        try:
            posted = await self.output.post_lobby(
                await self.lobby(debate.id), nonce=nonce("d", debate.id, "lobby")
            )
            lobby_id = posted.message_id
            thread_id = await self.output.open_thread(debate, lobby_id)
        except PostFailed:
            await self._abandon(debate, lobby_id)
            raise
        await self.store.debates.record_lobby(debate.id, lobby_id, thread_id)
        return await self.debate(debate.id)

    async def _abandon(self, debate: Debate, lobby_id: int | None) -> None:
        """The lobby or its thread could not be created: cancel quietly (nothing to post)."""
        async with self.store.transaction():
            await self.store.debates.cancel(
                debate, self.now(), "The lobby could not be posted.", None
            )
            await self.store.debates.record_message(debate.id, "results", 0)
        if lobby_id is not None:
            try:
                await self.output.delete_lobby(debate, lobby_id)
            except PostFailed:
                log.warning("could not delete the lobby of abandoned debate %s", debate.id)

    async def join(self, debate_id: int, user_id: int, name: str, *, is_bot: bool) -> Debate:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            participants = await self.store.debates.participants(debate.id)
            rules.check_join(
                status=debate.status,
                joined=any(p.user_id == user_id for p in participants),
                is_judge=await self.store.debates.is_judge(debate.id, user_id),
                participants=len(participants),
                user_is_bot=is_bot,
            )
            await self.store.debates.join(debate, user_id, name, self.now())
        return debate

    async def leave(self, debate_id: int, user_id: int) -> Debate:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if debate.status != rules.LOBBY:
                raise Conflict(
                    "The debate has begun, so you cannot leave by yourself; a moderator can "
                    "take you out with `/debate remove`."
                )
            if not await self.store.debates.leave(debate.id, user_id):
                raise Conflict("You have not joined this debate.")
        return debate

    async def begin(self, debate_id: int) -> Debate:
        """Draw the positions, store the turn plan, and start the preparation (or, without
        one, open the first turn)."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            participants = await self.store.debates.participants(debate.id)
            rules.check_begin(debate.status, len(participants))
            position_ids = [p.position for p in await self.store.debates.positions(debate.id)]
            members = [p.user_id for p in participants]
            argued = await self.store.debates.argued_counts(debate.guild_id, members)
            assignment = rules.assign_positions(members, position_ids, argued, self.rng)
            active = rules.active_positions(position_ids, assignment)
            await self.store.debates.set_positions(debate.id, assignment)
            await self.store.debates.retain_positions(debate.id, active)
            await self._plan_turns(debate, assignment, members, active)
            now = self.now()
            await self.store.debates.begin(debate, now)
            if debate.prep_seconds > 0:
                deadline = now + debate.prep_seconds
                await self.store.debates.prepare(
                    debate.id, deadline=deadline, paused_remaining=None
                )
                await self._schedule_prep_end(debate, deadline)
            else:
                await self._start_next_turn(debate.id, now)
        return await self.debate(debate_id)

    async def _plan_turns(
        self,
        debate: Debate,
        assignment: dict[int, str],
        seat_order: list[int],
        active: tuple[str, ...],
    ) -> None:
        team_members = rules.teams(active, assignment, seat_order)
        plan = rules.turn_order(team_members, active, debate.rounds)
        await self.store.debates.replace_turns(debate.id, debate.guild_id, plan)

    async def cancel_lobby(self, debate_id: int, by: int) -> Debate:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if debate.status != rules.LOBBY:
                raise Conflict("The debate has already begun; use `/debate end` to end it.")
            await self._cancel(debate, self.now(), "Cancelled in the lobby.", by)
        return await self.debate(debate_id)

    # --- turns ------------------------------------------------------------------------------

    async def _start_next_turn(self, debate_id: int, now: float) -> Turn | None:
        """Open the next pending turn (inside a transaction), or the vote when none is left."""
        debate = await self.debate(debate_id)
        turn = await self.store.debates.next_pending_turn(debate.id)
        if turn is None:
            await self._open_vote(debate, now)
            return None
        deadline = now + debate.speech_seconds
        await self.store.debates.open_turn(debate.id, turn.number, now, deadline)
        if debate.paused:
            # The clock stands still: the turn's time starts when a moderator resumes.
            await self.store.debates.set_turn(
                debate.id, turn.number, deadline=None, paused_remaining=debate.speech_seconds
            )
        else:
            await self.store.debates.set_turn(
                debate.id, turn.number, deadline=deadline, paused_remaining=None
            )
            await self._schedule_turn_timers(debate, turn.number, deadline, now)
        return turn

    async def _schedule_turn_timers(
        self, debate: Debate, number: int, deadline: float, now: float
    ) -> None:
        payload = {"debate": debate.id, "turn": number}
        guild_id = debate.guild_id
        await self.timers.schedule(
            TURN_END, deadline, payload, key=turn_key(debate.id, number), guild_id=guild_id
        )
        if deadline - rules.REMINDER_SECONDS > now:
            await self.timers.schedule(
                REMINDER,
                deadline - rules.REMINDER_SECONDS,
                payload,
                key=reminder_key(debate.id, number),
                guild_id=guild_id,
            )
        else:
            await self.timers.cancel(reminder_key(debate.id, number))

    async def _schedule_prep_end(self, debate: Debate, deadline: float) -> None:
        await self.timers.schedule(
            PREP_END, deadline, {"debate": debate.id}, key=prep_key(debate.id),
            guild_id=debate.guild_id,
        )  # fmt: skip

    async def _end_preparation(self, debate: Debate, now: float) -> None:
        """The preparation is over (inside a transaction): the first turn opens."""
        await self.timers.cancel(prep_key(debate.id))
        await self._start_next_turn(debate.id, now)

    async def _schedule_vote_close(self, debate: Debate, deadline: float) -> None:
        await self.timers.schedule(
            VOTE_CLOSE,
            deadline,
            {"debate": debate.id},
            key=vote_key(debate.id),
            guild_id=debate.guild_id,
        )

    async def _cancel_turn_timers(self, debate_id: int, number: int) -> None:
        await self.timers.cancel(turn_key(debate_id, number))
        await self.timers.cancel(reminder_key(debate_id, number))

    async def _finish_turn(self, debate: Debate, turn: Turn, status: str, now: float) -> None:
        await self.store.debates.end_turn(debate.id, turn.number, status, now)
        await self._cancel_turn_timers(debate.id, turn.number)

    async def _open_vote(self, debate: Debate, now: float, *, unpause: bool = False) -> None:
        """Open the audience vote; while paused its time starts when a moderator resumes."""
        if debate.paused and not unpause:
            await self.store.debates.open_vote(
                debate, now, deadline=None, paused_remaining=debate.vote_seconds
            )
            return
        deadline = now + debate.vote_seconds
        await self.store.debates.open_vote(debate, now, deadline=deadline, paused_remaining=None)
        await self._schedule_vote_close(debate, deadline)

    async def speaker_turn(self, debate: Debate, user_id: int) -> Turn:
        """The open turn, when it is ``user_id``'s; otherwise a UserError saying whose it is."""
        if debate.status == rules.LOBBY:
            raise Conflict("The debate has not begun yet.")
        if debate.status != rules.RUNNING:
            raise Conflict("The speeches are over.")
        if debate.preparing:
            raise Conflict(self._preparation_sentence(debate))
        turn = await self.current_turn(debate)
        if turn is None or turn.status != rules.OPEN:
            raise Conflict("No turn is open right now.")
        if turn.user_id != user_id:
            name = await self.name_of(debate.id, turn.user_id)
            raise NotAllowed(f"It is {name}'s turn to speak, not yours.")
        if debate.paused:
            raise Conflict("The debate is paused; wait for a moderator to resume it.")
        return turn

    @staticmethod
    def _preparation_sentence(debate: Debate) -> str:
        if debate.deadline is None:
            return (
                "The speakers are still preparing and the debate is paused; the first turn "
                "opens once a moderator resumes it and the preparation is over."
            )
        when = f"{discord_timestamp(debate.deadline, 't')} ({discord_timestamp(debate.deadline)})"
        return f"The speakers are still preparing: the first turn opens at {when}."

    async def submit_speech(
        self, debate_id: int, turn_number: int, user_id: int, text: str
    ) -> Speech:
        """Record a speech for the member's turn; the next turn opens if it was the current one."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            turn = await self.store.debates.turn(debate.id, turn_number)
            if turn is None:
                raise Conflict("That turn no longer exists: the positions were swapped.")
            if turn.user_id != user_id:
                current = await self.current_turn(debate)
                whose = await self.name_of(debate.id, (current or turn).user_id)
                raise NotAllowed(f"It is {whose}'s turn to speak, not yours.")
            now = self.now()
            timing = rules.speech_timing(
                now=now,
                turn_status=turn.status,
                deadline=turn.deadline,
                paused=debate.paused,
                debate_status=debate.status,
                started=turn.started_at is not None,
                ended_at=turn.ended_at,
            )
            if not timing.accepted:
                raise Conflict(timing.reason)
            text = rules.check_speech_text(text)
            speech = await self.store.debates.add_speech(
                debate, turn, text, rules.word_count(text), timing.late, now
            )
            current = (
                debate.status == rules.RUNNING
                and turn.status == rules.OPEN
                and debate.current_turn == turn.number
            )
            if current:
                await self._finish_turn(debate, turn, rules.SPOKEN, now)
                await self._start_next_turn(debate.id, now)
            else:
                await self.store.debates.mark_spoken(debate.id, turn.number)
        return speech

    # --- moderator controls -----------------------------------------------------------------

    async def request_next(self, debate_id: int) -> NextStep:
        """``/debate next``: end the preparation, or end the current turn. While its speaker
        still has time nothing changes: the step says how long is left, and the moderator
        confirms with :meth:`skip_turn`, so a skip never comes by accident."""
        async with self.store.transaction():
            debate = await self._moving_on(debate_id)
            now = self.now()
            if debate.preparing:
                await self._end_preparation(debate, now)
                return NextStep("started", await self.debate(debate_id))
            turn = await self.current_turn(debate)
            if turn is not None and turn.status == rules.OPEN:
                left = rules.time_left(debate.deadline, debate.paused_remaining, now)
                if left > _EPSILON:
                    speaker = await self.name_of(debate.id, turn.user_id)
                    return NextStep("confirm", debate, turn, left, speaker)
            ended = await self._skip_current(debate, turn, now)
        return NextStep("skipped", await self.debate(debate_id), ended)

    async def _moving_on(self, debate_id: int) -> Debate:
        debate = await self.debate(debate_id)
        if debate.status == rules.VOTING:
            raise Conflict(
                "The speeches are over and the audience is voting; `/debate end` closes the "
                "vote now."
            )
        if debate.status != rules.RUNNING:
            raise Conflict("The debate has not begun yet: press Begin in the lobby.")
        return debate

    async def _skip_current(self, debate: Debate, turn: Turn | None, now: float) -> Turn | None:
        if turn is not None and turn.status == rules.OPEN:
            await self._finish_turn(debate, turn, rules.SKIPPED, now)
        await self._start_next_turn(debate.id, now)
        return turn

    async def check_skippable(self, debate_id: int, number: int, swaps: int) -> Turn:
        """Turn ``number`` when it is still running as it was when a moderator was asked to
        confirm ending it (the debate swapped ``swaps`` times); otherwise a Conflict saying
        why there is nothing left to confirm."""
        debate = await self.debate(debate_id)
        turn = await self.store.debates.turn(debate.id, number)
        refusal = rules.skip_refusal(
            number=number,
            turn_status=turn.status if turn else None,
            current_turn=debate.current_turn,
            debate_status=debate.status,
            swaps_then=swaps,
            swaps_now=debate.swaps,
        )
        if refusal is not None or turn is None:
            raise Conflict(refusal or f"Turn {number} no longer exists.")
        return turn

    async def skip_turn(self, debate_id: int, number: int, swaps: int) -> Turn:
        """A moderator confirmed ending turn ``number``: it ends (skipped) and the next opens.
        A second confirmation, or one after the turn ended, is refused with a sentence."""
        async with self.store.transaction():
            turn = await self.check_skippable(debate_id, number, swaps)
            debate = await self.debate(debate_id)
            await self._skip_current(debate, turn, self.now())
        return turn

    async def extend(self, debate_id: int, seconds: float) -> Debate:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            rules.check_extend(debate.status)
            if debate.paused_remaining is not None:
                await self.store.debates.set_paused_remaining(
                    debate.id, debate.paused_remaining + seconds
                )
                return await self.debate(debate_id)
            now = self.now()
            deadline = (debate.deadline or now) + seconds
            await self.store.debates.set_deadline(debate.id, deadline)
            await self._rearm(debate, deadline, now, remind_again=True)
        return await self.debate(debate_id)

    async def pause(self, debate_id: int) -> Debate:
        async with self.store.transaction():
            await self._freeze(await self.debate(debate_id), self.now())
        return await self.debate(debate_id)

    async def _freeze(self, debate: Debate, now: float) -> None:
        """Stop the clock (inside a transaction): keep the time left, drop the deadline timers."""
        remaining = max(0.0, (debate.deadline or now) - now)
        await self.store.debates.pause(debate, remaining)
        if debate.current_turn is not None:
            await self._cancel_turn_timers(debate.id, debate.current_turn)
        await self.timers.cancel(prep_key(debate.id))
        await self.timers.cancel(vote_key(debate.id))

    async def resume(self, debate_id: int) -> Debate:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            now = self.now()
            deadline = now + (debate.paused_remaining or 0.0)
            await self.store.debates.resume(debate, deadline)
            await self._rearm(debate, deadline, now, remind_again=False)
        return await self.debate(debate_id)

    async def _rearm(
        self, debate: Debate, deadline: float, now: float, *, remind_again: bool
    ) -> None:
        """Move the clock that is running (the turn, the preparation or the vote) to
        ``deadline`` (inside a transaction); ``remind_again``: the turn's reminder may come
        once more."""
        if debate.status == rules.RUNNING and debate.current_turn is not None:
            await self.store.debates.set_turn_deadline(
                debate.id, debate.current_turn, deadline, remind_again=remind_again
            )
            await self._schedule_turn_timers(debate, debate.current_turn, deadline, now)
        elif debate.preparing:
            await self._schedule_prep_end(debate, deadline)
        elif debate.status == rules.VOTING:
            await self._schedule_vote_close(debate, deadline)

    async def remove(self, debate_id: int, user_id: int, name: str) -> Debate:
        """Take a participant out: from the lobby, or from the debate (their turns are dropped)."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            participant = await self.store.debates.participant(debate.id, user_id)
            if participant is None or participant.removed:
                raise NotFound(f"{name} is not taking part in this debate.")
            if debate.status == rules.LOBBY:
                await self.store.debates.leave(debate.id, user_id)
                return debate
            now = self.now()
            await self.store.debates.remove_participant(debate.id, user_id, now)
            turn = await self.current_turn(debate)
            if (
                debate.status == rules.RUNNING
                and turn is not None
                and turn.user_id == user_id
                and turn.status == rules.OPEN
            ):
                await self._finish_turn(debate, turn, rules.REMOVED, now)
                await self._start_next_turn(debate.id, now)
        return await self.debate(debate_id)

    async def add_judge(
        self, debate_id: int, user_id: int, name: str, *, is_bot: bool, by: int
    ) -> None:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            participant = await self.store.debates.participant(debate.id, user_id)
            rules.check_new_judge(
                status=debate.status, is_participant=participant is not None, is_bot=is_bot,
                name=name,
            )  # fmt: skip
            if not await self.store.debates.add_judge(debate.id, user_id, name, by, self.now()):
                raise Conflict(f"{name} is already a judge of this debate.")

    async def remove_judge(self, debate_id: int, user_id: int, name: str) -> None:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if not debate.active:
                raise Conflict("This debate is over; its judges can no longer change.")
            if not await self.store.debates.remove_judge(debate.id, user_id):
                raise NotFound(f"{name} is not a judge of this debate.")

    async def swap(self, debate_id: int, first: int, second: int) -> Debate:
        """Exchange two participants' positions before the first speech; turn 1 starts afresh."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if debate.status == rules.LOBBY:
                raise Conflict(
                    "Positions are drawn when the debate begins: swap after Begin and before "
                    "the first speech."
                )
            if debate.status != rules.RUNNING or await self.store.debates.any_turn_ended(debate.id):
                raise Conflict("Positions can only be swapped before the first speech.")
            participants = await self.store.debates.participants(debate.id, include_removed=False)
            assignment = {p.user_id: p.position for p in participants if p.position}
            swapped = rules.swap_positions(assignment, first, second)
            if debate.current_turn is not None:
                await self._cancel_turn_timers(debate.id, debate.current_turn)
            await self.store.debates.set_positions(debate.id, swapped)
            active = tuple(p.position for p in await self.store.debates.positions(debate.id))
            await self._plan_turns(debate, swapped, [p.user_id for p in participants], active)
            await self.store.debates.swapped(debate.id)
            if not debate.preparing:  # during the preparation, the first turn is still to come
                await self._start_next_turn(debate.id, self.now())
        return await self.debate(debate_id)

    async def end(self, debate_id: int, reason: str | None, by: int) -> EndOutcome:
        """``/debate end``: cancel a lobby (or a debate with no speech yet), move a running
        debate to the audience vote, or close an open vote now."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            now = self.now()
            reason = reason or debate.end_reason
            if debate.status == rules.VOTING:
                await self.store.debates.record_ending(debate.id, reason, by)
                await self._close(await self.debate(debate.id), now)
                outcome = "closed"
            elif debate.status == rules.RUNNING and await self.store.debates.speeches(debate.id):
                if debate.current_turn is not None:
                    await self._cancel_turn_timers(debate.id, debate.current_turn)
                await self.store.debates.end_open_turns(debate.id, rules.SKIPPED, now)
                await self.store.debates.record_ending(debate.id, reason, by)
                await self._open_vote(debate, now, unpause=True)
                outcome = "vote"
            else:
                await self._cancel(debate, now, reason, by)
                outcome = "cancelled"
        return EndOutcome(await self.debate(debate_id), outcome)

    async def _cancel(self, debate: Debate, now: float, reason: str | None, by: int | None) -> None:
        """Cancel (inside a transaction); a debate already over is refused with a sentence."""
        rules.check_transition(debate.status, rules.CANCELLED, f"Debate #{debate.id}")
        turn = await self.current_turn(debate)
        if turn is not None and turn.status == rules.OPEN:
            await self._finish_turn(debate, turn, rules.SKIPPED, now)
        await self.timers.cancel(prep_key(debate.id))
        await self.timers.cancel(vote_key(debate.id))
        await self.store.debates.cancel(debate, now, reason, by)

    # --- judging and voting -----------------------------------------------------------------

    async def score(self, speech_id: int, judge_id: int, points: int) -> tuple[Speech, int | None]:
        """Record a judge's score (changeable until the debate closes); returns the old one."""
        async with self.store.transaction():
            debate, speech = await self.check_judge(speech_id, judge_id)
            previous = await self.store.debates.set_score(
                speech, debate.guild_id, judge_id, points, self.now()
            )
        return speech, previous

    async def check_judge(self, speech_id: int, judge_id: int) -> tuple[Debate, Speech]:
        """The open debate and the speech a judge may score; the reason why not otherwise."""
        speech = await self.store.debates.speech(speech_id)
        if speech is None:
            raise NotFound("That speech no longer exists.")
        debate = await self.debate(speech.debate_id)
        if not debate.active:
            raise Conflict("This debate is closed; scores can no longer change.")
        if await self.store.debates.participant(debate.id, judge_id) is not None:
            raise NotAllowed("Participants cannot judge their own debate.")
        if not await self.store.debates.is_judge(debate.id, judge_id):
            raise NotAllowed(
                "Only this debate's judges can score speeches (the moderator who started it "
                "and the judges added with `/debate judge add`)."
            )
        return debate, speech

    async def vote(self, debate_id: int, voter_id: int, position: str) -> tuple[Debate, str | None]:
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if debate.status in (rules.CLOSED, rules.CANCELLED):
                raise Conflict("The vote has closed.")
            if debate.status != rules.VOTING:
                raise Conflict("The vote has not opened yet.")
            if await self.store.debates.participant(debate.id, voter_id) is not None:
                raise NotAllowed("Participants cannot vote in their own debate.")
            if await self.store.debates.is_judge(debate.id, voter_id):
                raise NotAllowed(
                    "Judges cannot vote in the audience vote: your scores already count."
                )
            if position not in {p.position for p in await self.store.debates.positions(debate.id)}:
                raise NotFound("That position is not part of this debate.")
            previous = await self.store.debates.set_vote(debate, voter_id, position, self.now())
        return debate, previous

    # --- closing ----------------------------------------------------------------------------

    async def result_of(self, debate: Debate) -> rules.DebateResult:
        """Score the debate from what the database holds (the same before and after closing)."""
        positions = await self.store.debates.positions(debate.id)
        participants = await self.store.debates.participants(debate.id, include_removed=False)
        members = {p.user_id: p.position for p in participants if p.position}
        by_speech: dict[int, list[int]] = {}
        for score in await self.store.debates.scores(debate.id):
            by_speech.setdefault(score.speech_id, []).append(score.points)
        speeches = {s.turn_number: s for s in await self.store.debates.speeches(debate.id)}
        scored = []
        for turn in await self.store.debates.turns(debate.id):
            speech = speeches.get(turn.number)
            if speech is not None:
                scored.append(rules.ScoredTurn(speech.user_id, tuple(by_speech.get(speech.id, ()))))
            elif turn.started_at is not None and turn.status in (rules.MISSED, rules.SKIPPED):
                scored.append(rules.ScoredTurn(turn.user_id, spoke=False))
        votes = await self.store.debates.votes(debate.id)
        return rules.score_debate([p.position for p in positions], members, scored, votes)

    async def _close(self, debate: Debate, now: float) -> None:
        """Score, store the results, write the ledger and close (inside a transaction)."""
        rules.check_transition(debate.status, rules.CLOSED, f"Debate #{debate.id}")
        result = await self.result_of(debate)
        names = await self.position_names(debate.id)
        await self.store.debates.save_results(
            debate.id,
            [(p.position, p.total, p.votes, p.rank, p.won) for p in result.positions],
            [
                (member, result.speaker_points[member], standing.won)
                for standing in result.positions
                for member in standing.members
            ],
        )
        for award in rules.awards(debate.id, result, names):
            await self.store.scores.add(
                debate.guild_id, award.user_id, "debate", award.points, award.reason, now,
                reference=debate.reference,
            )  # fmt: skip
        await self.timers.cancel(vote_key(debate.id))
        await self.store.debates.close(debate, now)

    # --- timers -----------------------------------------------------------------------------

    def _require_output(self) -> None:
        """Refuse to act on a deadline while no cog can show what follows (see the module
        docstring); the timer is retried."""
        if not self.available:
            raise PostFailed("transient", "debates are not available right now")

    async def _timed_turn(self, debate_id: int, number: int) -> tuple[Debate, Turn] | None:
        """The debate and turn ``number`` when it is still the running debate's open, ticking
        turn (a timer of an ended, swapped or paused turn has nothing left to do)."""
        debate = await self.store.debates.get(debate_id)
        if (
            debate is None
            or debate.status != rules.RUNNING
            or debate.paused
            or debate.current_turn != number
        ):
            return None
        turn = await self.store.debates.turn(debate_id, number)
        if turn is None or turn.status != rules.OPEN or turn.deadline is None:
            return None
        return debate, turn

    async def on_prep_end(self, timer: Timer) -> None:
        """The preparation is over: the first turn opens (unless paused, extended or ended
        since this timer was set)."""
        self._require_output()
        debate_id = int(timer.payload["debate"])
        async with self.store.transaction():
            if not await timer.complete():
                return
            debate = await self.store.debates.get(debate_id)
            if debate is None or not debate.preparing or debate.deadline is None:
                return
            if debate.deadline > self.now() + _EPSILON:  # extended since this timer was set
                await self._schedule_prep_end(debate, debate.deadline)
                return
            await self._end_preparation(debate, self.now())
        await self.publish(debate_id)

    async def on_turn_end(self, timer: Timer) -> None:
        self._require_output()
        debate_id, number = int(timer.payload["debate"]), int(timer.payload["turn"])
        async with self.store.transaction():
            if not await timer.complete():
                return
            timed = await self._timed_turn(debate_id, number)
            if timed is None:
                return
            debate, turn = timed
            now = self.now()
            if turn.deadline > now + _EPSILON:  # extended since this timer was set
                await self.timers.schedule(
                    TURN_END, turn.deadline, timer.payload, key=turn_key(debate_id, number),
                    guild_id=debate.guild_id,
                )  # fmt: skip
                return
            await self._finish_turn(debate, turn, rules.MISSED, now)
            await self._start_next_turn(debate_id, now)
        await self.publish(debate_id)

    async def on_reminder(self, timer: Timer) -> None:
        """Post the one-minute reminder, then record it; the timer is completed with the record,
        so a crash in between posts it again under the same nonce (Discord keeps one)."""
        self._require_output()
        debate_id, number = int(timer.payload["debate"]), int(timer.payload["turn"])
        async with self.store.transaction():
            due = await self._reminder_due(timer, debate_id, number)
        if due is None:
            return
        debate, turn = due
        reminder = nonce("d", debate.id, "r", turn.number, _stamp(turn.deadline or 0.0))
        try:
            await self.output.post_reminder(debate, turn, nonce=reminder)
        except PostFailed as error:
            if error.transient:
                raise  # the timer is retried with backoff while the turn is still open
            await self._undeliverable(debate_id, error)
            return
        async with self.store.transaction():
            await self.store.debates.mark_reminded(debate_id, number)
            await timer.complete()

    async def _reminder_due(
        self, timer: Timer, debate_id: int, number: int
    ) -> tuple[Debate, Turn] | None:
        """The debate and turn whose reminder is due now; otherwise the timer is done (or set
        again, for a turn extended since it was set) and None."""
        timed = await self._timed_turn(debate_id, number)
        if timed is None or timed[1].reminder_sent:
            await timer.complete()
            return None
        debate, turn = timed
        due = (turn.deadline or 0.0) - rules.REMINDER_SECONDS
        if due > self.now() + _EPSILON:  # extended since this timer was set
            if await timer.complete():
                await self.timers.schedule(
                    REMINDER, due, timer.payload, key=reminder_key(debate_id, number),
                    guild_id=debate.guild_id,
                )  # fmt: skip
            return None
        return timed

    async def on_vote_close(self, timer: Timer) -> None:
        self._require_output()
        debate_id = int(timer.payload["debate"])
        async with self.store.transaction():
            if not await timer.complete():
                return
            debate = await self.store.debates.get(debate_id)
            if debate is None or debate.status != rules.VOTING or debate.deadline is None:
                return
            if debate.deadline > self.now() + _EPSILON:
                await self._schedule_vote_close(debate, debate.deadline)
                return
            await self._close(debate, self.now())
        await self.publish(debate_id)

    # --- publishing -------------------------------------------------------------------------

    async def publish(self, debate_id: int) -> str | None:
        """Post what the database says is due.

        Returns None when everything due is posted (or will be, after a passing failure: it is
        retried on the debate's next change or at start-up). When the thread is gone the debate
        is cancelled, and when the bot may not post there a running debate is paused, so nobody
        loses a turn to messages nobody sees; the sentence returned says so.
        """
        lock = self._locks.setdefault(debate_id, asyncio.Lock())
        async with lock:
            try:
                await self._publish(debate_id)
            except PostFailed as error:
                return await self._undeliverable(debate_id, error)
        return None

    async def note(self, debate: Debate, text: str, request_id: int) -> str | None:
        """Post a moderator's note (no pings) in the debate's thread; like :meth:`publish`,
        returns a sentence when the thread cannot take it. ``request_id`` (the command's id)
        makes the note's nonce, so a retried note is posted once."""
        try:
            await self.output.post_note(debate, text, nonce=nonce("dn", request_id))
        except PostFailed as error:
            return await self._undeliverable(debate.id, error)
        return None

    async def _undeliverable(self, debate_id: int, error: PostFailed) -> str | None:
        """React to a post Discord refused in the debate's thread (see :meth:`publish`)."""
        if error.kind == "gone":
            log.warning("debate %s's thread is gone; cancelling the debate", debate_id)
            await self._lose_thread(debate_id)
            return (
                f"Debate #{debate_id}'s thread was deleted, so the debate is cancelled and no "
                "points are awarded."
            )
        if error.kind == "forbidden":
            async with self.store.transaction():
                debate = await self.debate(debate_id)
                if debate.status in rules.PAUSABLE and not debate.paused:
                    await self._freeze(debate, self.now())
                    debate = await self.debate(debate_id)
            log.warning("may not post in debate %s's thread: %s", debate_id, error.reason)
            then = (
                "the debate is paused: fix them, then `/debate resume`"
                if debate.paused
                else "its messages wait until they are fixed"
            )
            return (
                f"I may not post in debate #{debate_id}'s thread (I need View Channel and Send "
                f"Messages in Threads there), so {then}."
            )
        log.error(
            "could not post the messages of debate %s; they are retried on its next change or "
            "at start-up",
            debate_id,
            exc_info=error,
        )
        return None

    async def _lose_thread(self, debate_id: int) -> None:
        """The thread was deleted: cancel the debate (no points) and post nothing more there."""
        async with self.store.transaction():
            debate = await self.debate(debate_id)
            if debate.active:
                await self._cancel(debate, self.now(), "The debate's thread was deleted.", None)
            await self.store.debates.record_message(debate.id, "results", 0)
        await self.update_lobby(debate_id)

    async def catch_up(self) -> None:
        """At start-up: post whatever a crash left unposted."""
        for debate in await self.store.debates.unfinished_business():
            await self.publish(debate.id)

    async def _publish(self, debate_id: int) -> None:
        debate = await self.store.debates.get(debate_id)
        if debate is None:
            return
        if debate.thread_id is None and debate.lobby_message_id is None:
            if not debate.active and debate.results_message_id is None:
                await self.store.debates.record_message(debate.id, "results", 0)
            return  # never got a lobby message: nothing to post to
        positions = await self.store.debates.positions(debate.id)
        if debate.begun_at is not None and debate.positions_message_id is None:
            posted = await self.output.post_positions(
                debate,
                positions,
                await self.store.debates.participants(debate.id),
                await self.motion_of(debate),
                nonce=nonce("d", debate.id, "pos"),
            )
            await self.store.debates.record_message(debate.id, "positions", posted.message_id)
        names = {p.position: p.name for p in positions}
        await self._publish_turns(debate, names)
        if debate.status == rules.VOTING:
            if debate.vote_message_id is None:
                posted = await self.output.post_vote(
                    debate, positions, nonce=nonce("d", debate.id, "vote")
                )
                await self.store.debates.record_message(debate.id, "vote", posted.message_id)
            await self._remind_judges(debate, names)
            if debate.vote_notice_message_id is None:
                await self._notify_channel(
                    debate,
                    "vote_notice",
                    self.output.post_vote_notice(debate, nonce=nonce("d", debate.id, "vn")),
                )
        if not debate.active and debate.results_message_id is None:
            await self._publish_end(debate, positions)
        elif debate.status == rules.CLOSED and debate.results_notice_message_id is None:
            await self._notify_results(debate, positions, await self.result_of(debate))

    async def _publish_turns(self, debate: Debate, names: dict[str, str]) -> None:
        turns = await self.store.debates.turns(debate.id)
        speeches = {s.turn_number: s for s in await self.store.debates.speeches(debate.id)}
        for turn in turns:
            speech = speeches.get(turn.number)
            position = names.get(turn.position, turn.position)
            if (
                debate.status == rules.RUNNING
                and debate.current_turn == turn.number
                and turn.status == rules.OPEN
                and turn.announce_message_id is None
            ):
                # A swap announces turn 1 afresh: the swap count keeps the nonces apart.
                posted = await self.output.post_turn(
                    debate,
                    turn,
                    len(turns),
                    position,
                    nonce=nonce("d", debate.id, "t", turn.number, debate.swaps),
                )
                await self.store.debates.record_announcement(
                    debate.id, turn.number, posted.message_id
                )
            if speech is not None and speech.message_id is None:
                posted = await self.output.post_speech(
                    debate, speech, position, nonce=nonce("d", debate.id, "s", turn.number)
                )
                await self.store.debates.record_speech_message(speech.id, posted.message_id)
            elif (
                speech is None
                and turn.status in (rules.MISSED, rules.REMOVED)
                and turn.started_at is not None
                and turn.notice_message_id is None
            ):
                # A skipped turn gets no notice: its announcement says so, and a speech already
                # being written may still come within the grace.
                posted = await self.output.post_no_speech(
                    debate, turn, position, nonce=nonce("d", debate.id, "n", turn.number)
                )
                await self.store.debates.record_notice(debate.id, turn.number, posted.message_id)
            if (
                turn.announce_message_id is not None
                and turn.status in rules.ENDED_TURN_STATES
                and turn.drawn_status != turn.status
            ):
                await self._draw_ended(debate, turn, len(turns), position, speech)

    async def _draw_ended(
        self, debate: Debate, turn: Turn, total: int, position: str, speech: Speech | None
    ) -> None:
        """Redraw an ended turn's announcement, then record it; a passing failure is tried again
        on the next publish, any other is given up (the thread's next post tells more)."""
        try:
            await self.output.edit_turn(debate, turn, total, position, speech)
        except PostFailed as error:
            if error.transient:
                log.warning("could not redraw turn %s of debate %s: %s", turn.number, debate.id,
                            error)  # fmt: skip
                return
            log.info("gave up redrawing turn %s of debate %s: %s", turn.number, debate.id, error)
        await self.store.debates.record_drawn(debate.id, turn.number, turn.status)

    async def _remind_judges(self, debate: Debate, names: dict[str, str]) -> None:
        """Tell every judge not yet told which speeches they have not scored: by direct message,
        or, when the judge takes none from the bot, by a line in the thread pinging only them.
        Each judge is recorded once told, so it happens once."""
        unscored = await self.store.debates.unscored_by_judge(debate.id)
        if not unscored:
            return
        speakers = {p.user_id: p.name for p in await self.store.debates.participants(debate.id)}
        for judge_id, speeches in unscored.items():
            items = [
                SpeechToScore(
                    s, speakers.get(s.user_id, f"<@{s.user_id}>"), names.get(s.position, s.position)
                )
                for s in speeches
            ]
            try:
                message_id, via = await self._dm_judge(debate, judge_id, items), "dm"
            except PostFailed as error:
                if error.transient:
                    raise
                log.info("judge %s of debate %s takes no direct messages (%s): told in the "
                         "thread", judge_id, debate.id, error)  # fmt: skip
                posted = await self.output.post_judge_nudge(
                    debate, judge_id, items, nonce=nonce("dj", _stamp(debate.id), _stamp(judge_id))
                )
                message_id, via = posted.message_id, "thread"
            await self.store.debates.record_judge_reminder(
                debate, judge_id, via=via, message_id=message_id, speeches=len(items),
                now=self.now(),
            )  # fmt: skip

    async def _dm_judge(self, debate: Debate, judge_id: int, items: list[SpeechToScore]) -> int:
        """Post the reminder to the judge's direct messages (several messages for many
        speeches); the first message's id."""
        first: int | None = None
        for start in range(0, len(items), SPEECHES_PER_DM):
            posted = await self.output.post_judge_dm(
                debate,
                judge_id,
                items[start : start + SPEECHES_PER_DM],
                start + 1,
                len(items),
                nonce=nonce("dm", _stamp(debate.id), _stamp(judge_id), start // SPEECHES_PER_DM),
            )
            first = posted.message_id if first is None else first
        return first or 0

    async def _notify_channel(
        self, debate: Debate, what: DebateMessage, post: Awaitable[Posted]
    ) -> None:
        """Post a notice in the lobby's channel and record it. A passing failure is tried again
        later; a channel that is gone or refuses the bot gets no notice (recorded as 0)."""
        try:
            message_id = (await post).message_id
        except PostFailed as error:
            if error.transient:
                raise
            log.warning("no %s for debate %s in its channel: %s", what, debate.id, error)
            message_id = 0
        await self.store.debates.record_message(debate.id, what, message_id)

    async def _notify_results(
        self, debate: Debate, positions: list[DebatePosition], result: rules.DebateResult
    ) -> None:
        await self._notify_channel(
            debate,
            "results_notice",
            self.output.post_results_notice(
                debate, positions, result, nonce=nonce("d", debate.id, "rn")
            ),
        )

    async def _publish_end(self, debate: Debate, positions: list[DebatePosition]) -> None:
        if debate.status != rules.CLOSED:
            posted = await self.output.post_cancelled(debate, nonce=nonce("d", debate.id, "end"))
            await self.store.debates.record_message(debate.id, "results", posted.message_id)
            await self.update_lobby(debate.id)
            return
        result = await self.result_of(debate)  # once for the results, transcript and summary
        posted = await self.output.post_results(
            debate,
            positions,
            result,
            await self.transcript(debate, result),
            nonce=nonce("d", debate.id, "res"),
        )
        # Recorded before the edits below, so a failing edit never posts the results twice.
        await self.store.debates.record_message(debate.id, "results", posted.message_id)
        if debate.vote_message_id:
            counts = Counter((await self.store.debates.votes(debate.id)).values())
            await self._redraw("vote", self.output.edit_vote(debate, positions, counts))
        await self.update_lobby(debate.id)
        # Last: a passing failure here is retried at start-up, with nothing else left undone.
        await self._notify_results(debate, positions, result)

    async def update_lobby(self, debate_id: int) -> None:
        """Redraw the lobby message in the channel (best effort, like every redraw)."""
        lobby = await self.lobby(debate_id)
        if lobby.debate.lobby_message_id is not None:
            await self._redraw("lobby", self.output.edit_lobby(lobby))

    async def redraw_positions(self, debate_id: int) -> None:
        """Redraw who argues what after a swap (best effort)."""
        debate = await self.debate(debate_id)
        if debate.positions_message_id:
            await self._redraw(
                "positions",
                self.output.edit_positions(
                    debate,
                    await self.store.debates.positions(debate.id),
                    await self.store.debates.participants(debate.id),
                    await self.motion_of(debate),
                ),
            )

    @staticmethod
    async def _redraw(what: str, edit: Awaitable[None]) -> None:
        """Await an edit of an earlier message; one that is gone or refused is logged, and the
        debate carries on."""
        try:
            await edit
        except PostFailed as error:
            level = logging.INFO if error.kind == "gone" else logging.WARNING
            log.log(level, "could not redraw a debate's %s message: %s", what, error)

    # --- transcript and brief ---------------------------------------------------------------

    async def transcript(self, debate: Debate, result: rules.DebateResult | None = None) -> str:
        """The debate as Markdown, with its results once closed (``result``: when the caller
        already has them)."""
        positions = await self.store.debates.positions(debate.id)
        participants = await self.store.debates.participants(debate.id)
        judges = await self.store.debates.judges(debate.id)
        seat = {j.user_id: index for index, j in enumerate(judges)}
        judge_names = {j.user_id: j.name for j in judges}
        names = {p.user_id: p.name for p in participants}
        scores: dict[int, list[tuple[str, int]]] = {}
        in_judge_order = sorted(
            await self.store.debates.scores(debate.id), key=lambda s: seat.get(s.judge_id, 0)
        )
        for score in in_judge_order:
            judge = judge_names.get(score.judge_id, str(score.judge_id))
            scores.setdefault(score.speech_id, []).append((judge, score.points))
        speeches = {s.turn_number: s for s in await self.store.debates.speeches(debate.id)}
        turns = []
        for turn in await self.store.debates.turns(debate.id):
            speech = speeches.get(turn.number)
            turns.append(
                rules.TranscriptTurn(
                    number=turn.number,
                    round=turn.round,
                    speaker=names.get(turn.user_id, str(turn.user_id)),
                    position=turn.position,
                    status=turn.status,
                    text=speech.text if speech else None,
                    words=speech.words if speech else 0,
                    late=speech.late if speech else False,
                    scores=tuple(scores.get(speech.id, ())) if speech else (),
                    started=turn.started_at is not None,
                )
            )
        members: dict[str, tuple[str, ...]] = {}
        for participant in participants:
            if participant.position and not participant.removed:
                members[participant.position] = (
                    *members.get(participant.position, ()),
                    participant.name,
                )
        info = rules.TranscriptInfo(
            debate_id=debate.id,
            motion=debate.motion_text,
            pack_id=debate.pack_id,
            rounds=debate.rounds,
            status=debate.status,
            position_names={p.position: p.name for p in positions},
            members=members,
            began_at=debate.begun_at,
            closed_at=debate.closed_at,
            end_reason=debate.end_reason,
            vote_counts=dict(Counter((await self.store.debates.votes(debate.id)).values())),
        )
        if result is None and debate.status == rules.CLOSED:
            result = await self.result_of(debate)
        return rules.transcript_markdown(info, turns, result, names)

    async def transcript_for(self, guild_id: int, debate_id: int) -> tuple[Debate, str]:
        """A finished debate of this server and its transcript (``/debate transcript``)."""
        debate = await self.store.debates.in_guild(guild_id, debate_id)
        if debate is None:
            raise NotFound(f"There is no debate #{debate_id} in this server.")
        if debate.active:
            raise Conflict(
                f"Debate #{debate.id} is still under way; its transcript is posted in its "
                "thread when it closes."
            )
        return debate, await self.transcript(debate)

    async def brief(self, debate_id: int, user_id: int) -> Brief:
        debate = await self.debate(debate_id)
        participant = await self.store.debates.participant(debate.id, user_id)
        if participant is None or participant.removed:
            raise NotAllowed(
                "Only this debate's participants get a brief; you can follow the debate here."
            )
        if participant.position is None:
            raise Conflict("Positions are drawn when the debate begins.")
        pack = await self.pack_of(debate)
        position = pack.position(participant.position) if pack else None
        if pack is None or position is None:
            raise UserError("The content pack of this debate is no longer available.")
        opponents = tuple(
            p.position
            for p in await self.store.debates.positions(debate.id)
            if p.position != participant.position
        )
        return Brief(pack, await self.motion_of(debate), position, opponents)

"""The debate service without Discord: a real SQLite store, the fake clock, running timers, the
shipped packs and an output that records what members would see.

Every transition of a debate is driven here, every refused one is checked to write nothing and
post nothing, and the output's failures (a crash between a post and its record, a deleted
thread, a missing permission, a passing error) are played through the recorder.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.content import Motion
from bot.errors import Conflict, NotAllowed, UserError
from bot.rules import debate as rules
from bot.rules.debate import DebateResult
from bot.services.debate import PREP_END, REMINDER, TURN_END, VOTE_CLOSE, DebateService
from bot.services.packs import Packs
from bot.services.ports import Posted, PostFailed, SpeechToScore
from bot.store import Store
from bot.store.debates import Debate, DebateLobby, DebatePosition, Participant, Speech, Turn
from bot.timers import TimerService
from tests.services.conftest import Recorder, settle

GUILD, CHANNEL = 100, 500
MOD, ALICE, BOB, CAROL, JUDGE, AUDIENCE = 9, 1, 2, 3, 8, 50
NAMES = {MOD: "Mod", ALICE: "Alice", BOB: "Bob", CAROL: "Carol", JUDGE: "Judge"}
THREE_SIDED = "accept-mutual-deterrence"  # liberal, conservative, united-states
TWO_SIDED = "charm-is-a-tactic"  # liberal, conservative


class Crash(Exception):
    """The process dies between a post Discord took and the service recording it."""


class RecordingDebateOutput(Recorder):
    """The debate output port, recorded; ``crash_after("post_x")`` lets Discord take the next
    such post and then interrupts the service before it can record it."""

    def __init__(self) -> None:
        super().__init__()
        self.crashes: set[str] = set()
        self.thread_id = 7_000
        #: judges whose direct messages are closed: a DM to them fails as Discord's 403/50007
        self.closed_dms: set[int] = set()

    def crash_after(self, method: str) -> None:
        self.crashes.add(method)

    async def record(self, method: str, *, nonce: str | None = None, **args: Any) -> Posted:
        posted = await super().record(method, nonce=nonce, **args)
        if method in self.crashes:
            self.crashes.discard(method)
            raise Crash(method)
        return posted

    async def post_lobby(self, lobby: DebateLobby, *, nonce: str) -> Posted:
        return await self.record("post_lobby", nonce=nonce, debate=lobby.debate)

    async def open_thread(self, debate: Debate, lobby_message_id: int) -> int:
        await self.record("open_thread", debate=debate, lobby=lobby_message_id)
        return self.thread_id

    async def delete_lobby(self, debate: Debate, lobby_message_id: int) -> None:
        await self.record("delete_lobby", debate=debate, lobby=lobby_message_id)

    async def edit_lobby(self, lobby: DebateLobby) -> None:
        await self.record("edit_lobby", debate=lobby.debate, joined=len(lobby.participants))

    async def post_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
        *,
        nonce: str,
    ) -> Posted:
        argues = {p.user_id: p.position for p in participants}
        return await self.record("post_positions", nonce=nonce, debate=debate, argues=argues)

    async def edit_positions(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        participants: Sequence[Participant],
        motion: Motion | None,
    ) -> None:
        argues = {p.user_id: p.position for p in participants}
        await self.record("edit_positions", debate=debate, argues=argues)

    async def post_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, *, nonce: str
    ) -> Posted:
        return await self.record(
            "post_turn", nonce=nonce, debate=debate, turn=turn, total=total, position=position
        )

    async def post_speech(
        self, debate: Debate, speech: Speech, position: str, *, nonce: str
    ) -> Posted:
        return await self.record("post_speech", nonce=nonce, speech=speech, position=position)

    async def post_no_speech(
        self, debate: Debate, turn: Turn, position: str, *, nonce: str
    ) -> Posted:
        return await self.record("post_no_speech", nonce=nonce, turn=turn, position=position)

    async def post_reminder(self, debate: Debate, turn: Turn, *, nonce: str) -> Posted:
        return await self.record("post_reminder", nonce=nonce, turn=turn)

    async def post_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], *, nonce: str
    ) -> Posted:
        return await self.record("post_vote", nonce=nonce, debate=debate)

    async def edit_vote(
        self, debate: Debate, positions: Sequence[DebatePosition], counts: Mapping[str, int]
    ) -> None:
        await self.record("edit_vote", debate=debate, counts=dict(counts))

    async def post_results(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        transcript: str,
        *,
        nonce: str,
    ) -> Posted:
        return await self.record(
            "post_results", nonce=nonce, debate=debate, result=result, transcript=transcript
        )

    async def post_cancelled(self, debate: Debate, *, nonce: str) -> Posted:
        return await self.record("post_cancelled", nonce=nonce, debate=debate)

    async def post_note(self, debate: Debate, text: str, *, nonce: str) -> Posted:
        return await self.record("post_note", nonce=nonce, text=text)

    async def edit_turn(
        self, debate: Debate, turn: Turn, total: int, position: str, speech: Speech | None
    ) -> None:
        await self.record("edit_turn", turn=turn, speech=speech)

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
        if judge_id in self.closed_dms:
            raise PostFailed(
                "forbidden", "Cannot send messages to this user", status=403, code=50007
            )
        return await self.record(
            "post_judge_dm", nonce=nonce, judge=judge_id, speeches=list(speeches), first=first,
            total=total,
        )  # fmt: skip

    async def post_judge_nudge(
        self, debate: Debate, judge_id: int, speeches: Sequence[SpeechToScore], *, nonce: str
    ) -> Posted:
        return await self.record(
            "post_judge_nudge", nonce=nonce, judge=judge_id, speeches=list(speeches)
        )

    async def post_vote_notice(self, debate: Debate, *, nonce: str) -> Posted:
        return await self.record("post_vote_notice", nonce=nonce, debate=debate)

    async def post_results_notice(
        self,
        debate: Debate,
        positions: Sequence[DebatePosition],
        result: DebateResult,
        *,
        nonce: str,
    ) -> Posted:
        return await self.record("post_results_notice", nonce=nonce, result=result)

    def methods(self) -> list[str]:
        """The methods called, in order (a repeated nonce's answer included)."""
        return [c.method for c in self.calls]


@pytest.fixture
def output() -> RecordingDebateOutput:
    return RecordingDebateOutput()


@pytest.fixture
def service(
    store: Store,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
    output: RecordingDebateOutput,
) -> DebateService:
    debates = DebateService(store, timers, clock, packs, random.Random(7), output)
    debates.register_timers()
    return debates


# --- helpers ---------------------------------------------------------------------------------


async def open_debate(
    service: DebateService,
    motion: str = TWO_SIDED,
    *,
    rounds: int = 1,
    speech: int = 2,
    prep: int = 0,
) -> Debate:
    pack = service.packs.default
    chosen = pack.motion(motion)
    assert chosen is not None
    return await service.open(
        guild_id=GUILD,
        channel_id=CHANNEL,
        pack=pack,
        motion=chosen,
        rounds=rounds,
        speech_minutes=speech,
        vote_minutes=1,
        prep_minutes=prep,
        user_id=MOD,
        user_name=NAMES[MOD],
    )


async def running(
    service: DebateService,
    *members: int,
    motion: str = TWO_SIDED,
    rounds: int = 1,
    speech: int = 2,
    prep: int = 0,
) -> Debate:
    """A debate with ``members`` (Alice and Bob by default) that has begun and published."""
    debate = await open_debate(service, motion, rounds=rounds, speech=speech, prep=prep)
    for member in members or (ALICE, BOB):
        await service.join(debate.id, member, NAMES[member], is_bot=False)
    debate = await service.begin(debate.id)
    assert await service.publish(debate.id) is None
    return debate


async def current(service: DebateService, debate_id: int) -> Turn:
    debate = await service.debate(debate_id)
    turn = await service.current_turn(debate)
    assert turn is not None
    return turn


async def speak(service: DebateService, debate_id: int, text: str = "My case.") -> Speech:
    turn = await current(service, debate_id)
    speech = await service.submit_speech(debate_id, turn.number, turn.user_id, text)
    assert await service.publish(debate_id) is None
    return speech


async def end_turn(service: DebateService, debate_id: int) -> Turn | None:
    """``/debate next`` confirmed at once, as a moderator does: the current turn ends (skipped)
    and the next one (or the vote) opens; the ended turn."""
    step = await service.request_next(debate_id)
    if step.kind != "confirm" or step.turn is None:
        return step.turn
    return await service.skip_turn(debate_id, step.turn.number, step.debate.swaps)


async def timer_kinds(store: Store) -> list[str]:
    rows = await store.db.fetchall("SELECT kind FROM timers ORDER BY kind")
    return [r["kind"] for r in rows]


async def ledger(store: Store) -> list[tuple[int, int, str]]:
    rows = await store.db.fetchall("SELECT user_id, points, reason FROM score_events ORDER BY id")
    return sorted((r["user_id"], r["points"], r["reason"]) for r in rows)


# --- a whole debate --------------------------------------------------------------------------


async def test_a_whole_debate_from_lobby_to_results_and_ledger(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await open_debate(service, THREE_SIDED, speech=2)
    assert (debate.status, debate.thread_id) == (rules.LOBBY, output.thread_id)
    assert debate.lobby_message_id == output.named("post_lobby")[0].message_id
    for member in (ALICE, BOB, CAROL):
        await service.join(debate.id, member, NAMES[member], is_bot=False)
    await service.add_judge(debate.id, JUDGE, NAMES[JUDGE], is_bot=False, by=MOD)
    await service.update_lobby(debate.id)
    assert output.named("edit_lobby")[-1].args["joined"] == 3

    debate = await service.begin(debate.id)
    assert debate.status == rules.RUNNING
    assert await service.publish(debate.id) is None
    assert output.methods()[-2:] == ["post_positions", "post_turn"]
    argues = output.named("post_positions")[0].args["argues"]
    assert sorted(argues.values()) == ["conservative", "liberal", "united-states"]
    first = output.named("post_turn")[0].args
    assert (first["turn"].number, first["total"]) == (1, 3)
    assert sorted(await timer_kinds(store)) == [REMINDER, TURN_END]

    # Turn 1: a speech, scored by both judges.
    speech = await speak(service, debate.id, "The opening case.")
    assert output.named("post_speech")[0].args["speech"].text == "The opening case."
    assert output.named("post_turn")[1].args["turn"].number == 2
    await service.score(speech.id, MOD, 8)
    await service.score(speech.id, JUDGE, 6)

    # Turn 2: the reminder one minute before the deadline, then the deadline passes.
    clock.advance(60)
    await settle(timers)
    reminder = output.named("post_reminder")
    assert len(reminder) == 1 and reminder[0].args["turn"].number == 2
    assert (await current(service, debate.id)).reminder_sent
    clock.advance(60)
    await settle(timers)
    turns = await store.debates.turns(debate.id)
    assert [t.status for t in turns] == [rules.SPOKEN, rules.MISSED, rules.OPEN]
    assert output.named("post_no_speech")[0].args["turn"].number == 2
    assert output.named("post_turn")[2].args["turn"].number == 3

    # Turn 3 spoken: the vote opens.
    await speak(service, debate.id, "The closing case.")
    debate = await service.debate(debate.id)
    assert debate.status == rules.VOTING and len(output.named("post_vote")) == 1
    assert await timer_kinds(store) == [VOTE_CLOSE]
    speaker_one = turns[0].position
    await service.vote(debate.id, AUDIENCE, speaker_one)
    await service.vote(debate.id, AUDIENCE + 1, speaker_one)

    clock.advance(60)
    await settle(timers)
    debate = await service.debate(debate.id)
    assert debate.status == rules.CLOSED
    results = output.named("post_results")
    assert len(results) == 1 and debate.results_message_id == results[0].message_id
    assert results[0].args["result"].winners == (speaker_one,)
    assert "The opening case." in results[0].args["transcript"]
    assert "Scores: Mod 8, Judge 6 (mean 7.00)" in results[0].args["transcript"]
    assert output.named("edit_vote")[0].args["counts"] == {speaker_one: 2}
    assert output.named("edit_lobby")[-1].args["debate"].status == rules.CLOSED
    assert await timer_kinds(store) == []

    first_speaker = turns[0].user_id
    expected = [
        (first_speaker, 7, f"Debate #{debate.id}: speaker points"),
        *((m, 5, f"Debate #{debate.id}: took part") for m in (ALICE, BOB, CAROL)),
    ]
    won = next(p.name for p in await store.debates.positions(debate.id) if p.won)
    expected.append((first_speaker, 10, f"Debate #{debate.id}: won as {won}"))
    assert await ledger(store) == sorted(expected)
    # Published twice more (a restart's catch-up): nothing new is posted.
    posted = len(output.calls)
    await service.catch_up()
    assert len(output.calls) == posted


async def test_every_post_carries_a_nonce_naming_what_it_is(
    service: DebateService, output: RecordingDebateOutput, clock: FakeClock, timers: TimerService
) -> None:
    debate = await running(service)
    await speak(service, debate.id)
    clock.advance(60)
    await settle(timers)  # the second turn's reminder
    await end_turn(service, debate.id)
    await service.publish(debate.id)
    await service.end(debate.id, None, MOD)
    await service.publish(debate.id)
    d = debate.id
    nonces = [c.args["nonce"] for c in output.calls if c.method.startswith("post_")]
    assert nonces[:3] == [f"d:{d}:lobby", f"d:{d}:pos", f"d:{d}:t:1:0"]
    assert nonces[3:5] == [f"d:{d}:s:1", f"d:{d}:t:2:0"]
    assert nonces[5].startswith(f"d:{d}:r:2:")
    # turn 2 was skipped: no "no speech" notice (its announcement is redrawn instead); the mod
    # (a judge) is reminded of the unscored speech by DM; the channel hears of the vote and
    # the results
    assert nonces[6:] == [
        f"d:{d}:vote", f"dm:{d}:{MOD}:0", f"d:{d}:vn", f"d:{d}:res", f"d:{d}:rn",
    ]  # fmt: skip
    assert all(len(n) <= 25 for n in nonces)


# --- moderator controls ----------------------------------------------------------------------


async def test_next_extend_pause_resume_remove(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, ALICE, BOB, CAROL, motion=THREE_SIDED, speech=2)
    ended = await end_turn(service, debate.id)
    assert ended is not None and ended.number == 1
    await service.publish(debate.id)
    assert output.named("post_no_speech") == []  # a skip is shown on the turn's announcement
    redrawn = output.named("edit_turn")[0].args
    assert (redrawn["turn"].number, redrawn["turn"].status, redrawn["speech"]) == (
        1, rules.SKIPPED, None,
    )  # fmt: skip

    turn = await current(service, debate.id)
    extended = await service.extend(debate.id, 120)
    assert extended.deadline == pytest.approx(turn.deadline + 120)
    clock.advance(120)
    await settle(timers)
    assert (await current(service, debate.id)).number == 2  # the old deadline passed: nothing

    clock.advance(30)
    paused = await service.pause(debate.id)
    assert paused.paused_remaining == pytest.approx(90) and paused.deadline is None
    assert await timer_kinds(store) == []
    clock.advance(3600)
    await settle(timers)
    assert (await current(service, debate.id)).number == 2
    more = await service.extend(debate.id, 60)  # while paused: the time left grows
    assert more.paused_remaining == pytest.approx(150)
    resumed = await service.resume(debate.id)
    assert resumed.deadline == pytest.approx(clock.now() + 150)
    assert (await current(service, debate.id)).deadline == pytest.approx(clock.now() + 150)

    speaker = (await current(service, debate.id)).user_id
    await service.remove(debate.id, speaker, NAMES[speaker])
    await service.publish(debate.id)
    turns = await store.debates.turns(debate.id)
    assert [t.status for t in turns] == [rules.SKIPPED, rules.REMOVED, rules.OPEN]
    assert output.named("post_no_speech")[0].args["turn"].status == rules.REMOVED


async def test_judges_are_added_and_removed_with_their_scores(
    service: DebateService, store: Store
) -> None:
    debate = await running(service)
    with pytest.raises(Conflict, match="participant cannot judge"):
        await service.add_judge(debate.id, ALICE, "Alice", is_bot=False, by=MOD)
    await service.add_judge(debate.id, JUDGE, "Judge", is_bot=False, by=MOD)
    with pytest.raises(Conflict, match="already a judge"):
        await service.add_judge(debate.id, JUDGE, "Judge", is_bot=False, by=MOD)
    speech = await speak(service, debate.id)
    with pytest.raises(NotAllowed, match="Participants cannot judge"):
        await service.check_judge(speech.id, BOB)
    await service.score(speech.id, JUDGE, 4)
    await service.remove_judge(debate.id, JUDGE, "Judge")
    assert await store.debates.scores(debate.id) == []


async def test_a_swap_announces_the_first_turn_afresh(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service)
    before = await service.argues(debate.id)
    swapped = await service.swap(debate.id, ALICE, BOB)
    assert swapped.swaps == 1
    assert await service.argues(debate.id) == {ALICE: before[BOB], BOB: before[ALICE]}
    await service.redraw_positions(debate.id)
    assert output.named("edit_positions")[0].args["argues"][ALICE] != before[ALICE]
    await service.publish(debate.id)
    announcements = output.named("post_turn")
    assert [a.args["turn"].number for a in announcements] == [1, 1]
    assert announcements[1].args["nonce"] == f"d:{debate.id}:t:1:1"  # not Discord's old one
    assert announcements[1].args["turn"].user_id != announcements[0].args["turn"].user_id


async def test_end_moves_to_the_vote_then_closes_it_and_cancels_a_lobby(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service)
    await speak(service, debate.id)
    outcome = await service.end(debate.id, "Out of time", MOD)
    assert outcome.outcome == "vote" and outcome.debate.status == rules.VOTING
    assert [t.status for t in await store.debates.turns(debate.id)][:2] == [
        rules.SPOKEN,
        rules.SKIPPED,
    ]
    outcome = await service.end(debate.id, None, MOD)
    assert outcome.outcome == "closed" and outcome.debate.end_reason == "Out of time"
    assert await service.publish(debate.id) is None
    assert len(output.named("post_results")) == 1

    lobby = await open_debate(service)
    outcome = await service.end(lobby.id, None, MOD)
    assert outcome.outcome == "cancelled" and outcome.debate.active is False
    await service.publish(lobby.id)
    assert output.named("post_cancelled")[0].args["nonce"] == f"d:{lobby.id}:end"


async def test_a_running_debate_without_a_speech_is_cancelled_by_end(
    service: DebateService, store: Store
) -> None:
    debate = await running(service)
    outcome = await service.end(debate.id, None, MOD)
    assert outcome.outcome == "cancelled"
    assert await ledger(store) == []
    assert await timer_kinds(store) == []


async def test_a_late_speech_within_the_grace_counts(
    service: DebateService, store: Store, timers: TimerService, clock: FakeClock
) -> None:
    debate = await running(service, speech=1)
    turn = await current(service, debate.id)
    clock.advance(60 + 20)
    await settle(timers)
    speech = await service.submit_speech(debate.id, turn.number, turn.user_id, "Late.")
    assert speech.late
    assert (await store.debates.turn(debate.id, 1)).status == rules.SPOKEN  # type: ignore[union-attr]
    other = await current(service, debate.id)
    clock.advance(60 + 31)
    await settle(timers)
    with pytest.raises(Conflict, match="Time is up"):
        await service.submit_speech(debate.id, other.number, other.user_id, "Too late.")


# --- refused transitions ---------------------------------------------------------------------


async def refused(
    service: DebateService,
    output: RecordingDebateOutput,
    debate_id: int,
    action: Any,
    match: str,
    error: type[UserError] = Conflict,
) -> None:
    """``action`` is refused with a sentence matching ``match`` and writes and posts nothing."""
    before = await service.store.debates.get(debate_id)
    turns = await service.store.debates.turns(debate_id)
    calls = len(output.calls)
    with pytest.raises(error, match=match):
        await action
    assert await service.store.debates.get(debate_id) == before
    assert await service.store.debates.turns(debate_id) == turns
    assert len(output.calls) == calls


async def test_every_illegal_move_is_refused_with_a_sentence_and_writes_nothing(
    service: DebateService, output: RecordingDebateOutput, clock: FakeClock
) -> None:
    lobby = await open_debate(service)
    await service.join(lobby.id, ALICE, "Alice", is_bot=False)
    d = lobby.id
    refuse = partial(refused, service, output, d)
    await refuse(service.begin(d), "At least 2 members")
    await refuse(service.request_next(d), "has not begun yet")
    await refuse(service.extend(d, 60), "Only a running turn")
    await refuse(service.pause(d), "Only a debate that has begun")
    await refuse(service.resume(d), "not paused")
    await refuse(service.vote(d, AUDIENCE, "liberal"), "not opened yet")
    await refuse(service.swap(d, ALICE, BOB), "Positions are drawn")
    await refuse(service.join(d, ALICE, "Alice", is_bot=False), "already joined")
    await refuse(service.join(d, MOD, "Mod", is_bot=False), "judging")

    await service.join(d, BOB, "Bob", is_bot=False)
    await service.begin(d)
    await service.publish(d)
    await refuse(service.begin(d), "already begun")
    await refuse(service.leave(d, ALICE), "cannot leave by yourself")
    await refuse(service.cancel_lobby(d, MOD), "already begun")
    await refuse(service.join(d, CAROL, "Carol", is_bot=False), "begun")
    await refuse(service.vote(d, AUDIENCE, "liberal"), "not opened yet")
    await service.pause(d)
    await refuse(service.pause(d), "already paused")
    await service.resume(d)
    await refuse(service.resume(d), "not paused")

    turn = await current(service, d)
    other = BOB if turn.user_id == ALICE else ALICE
    await refuse(
        service.submit_speech(d, turn.number, other, "Not mine."),
        "turn to speak, not yours",
        NotAllowed,
    )
    await speak(service, d)
    await refuse(service.swap(d, ALICE, BOB), "only be swapped before the first")
    await end_turn(service, d)  # no turn left: the vote opens
    await service.publish(d)
    voting = await service.debate(d)
    assert voting.status == rules.VOTING
    last = (await service.store.debates.turns(d))[-1]
    clock.advance(rules.GRACE_SECONDS + 1)  # within the grace it would still be taken
    await refuse(
        service.submit_speech(d, last.number, last.user_id, "After the vote opened."),
        "A moderator ended this turn more than 30 seconds ago",
    )
    await refuse(service.speaker_turn(voting, last.user_id), "speeches are over")
    await refuse(service.request_next(d), "audience is voting")
    await refuse(service.vote(d, ALICE, "liberal"), "Participants cannot", NotAllowed)

    await service.end(d, None, MOD)
    await service.publish(d)
    await refuse(service.end(d, None, MOD), f"Debate #{d} is already over")
    await refuse(service.vote(d, AUDIENCE, "liberal"), "vote has closed")
    await refuse(service.pause(d), "Only a debate that has begun")
    await refuse(service.remove_judge(d, MOD, "Mod"), "is over")
    speech = (await service.store.debates.speeches(d))[0]
    await refuse(service.score(speech.id, MOD, 5), "closed")


# --- failures: crashes, a deleted thread, a missing permission -------------------------------


async def test_a_crash_between_a_post_and_its_record_neither_loses_nor_doubles_it(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
) -> None:
    debate = await running(service)
    turn = await current(service, debate.id)
    await service.submit_speech(debate.id, turn.number, turn.user_id, "Said once.")
    output.crash_after("post_speech")
    with pytest.raises(Crash):
        await service.publish(debate.id)
    assert (await store.debates.speeches(debate.id))[0].message_id is None  # not recorded

    # A new process catches up: the same nonce, so Discord hands back the first message.
    restarted = DebateService(store, timers, clock, packs, random.Random(1), output)
    restarted.register_timers()
    await restarted.catch_up()
    posts = [c for c in output.calls if c.method == "post_speech"]
    assert [c.deduplicated for c in posts] == [False, True]
    assert len(output.named("post_speech")) == 1
    speech = (await store.debates.speeches(debate.id))[0]
    assert speech.message_id == posts[0].message_id
    assert len(output.named("post_turn")) == 2  # the next turn's announcement, once


async def test_a_reminder_is_posted_before_it_is_recorded_and_a_crash_repeats_its_nonce(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, speech=2)
    output.crash_after("post_reminder")
    clock.advance(60)
    await settle(timers)  # posted, then the handler died: not recorded, its timer kept
    assert not (await current(service, debate.id)).reminder_sent
    assert REMINDER in await timer_kinds(store)
    clock.advance(5)  # the timer's retry
    await settle(timers)
    reminders = [c for c in output.calls if c.method == "post_reminder"]
    assert [c.deduplicated for c in reminders] == [False, True]
    assert reminders[0].args["nonce"] == reminders[1].args["nonce"]
    assert (await current(service, debate.id)).reminder_sent
    assert REMINDER not in await timer_kinds(store)


async def test_an_extended_turn_is_reminded_again_under_a_new_nonce(
    service: DebateService, output: RecordingDebateOutput, timers: TimerService, clock: FakeClock
) -> None:
    debate = await running(service, speech=2)
    clock.advance(60)
    await settle(timers)
    await service.extend(debate.id, 120)
    clock.advance(120)
    await settle(timers)
    reminders = output.named("post_reminder")
    assert len(reminders) == 2 and reminders[0].args["nonce"] != reminders[1].args["nonce"]


async def test_a_deleted_thread_cancels_the_debate_without_points(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service)
    await service.add_judge(debate.id, JUDGE, "Judge", is_bot=False, by=MOD)
    speech = await speak(service, debate.id)
    await service.score(speech.id, JUDGE, 9)
    output.fail("post_no_speech", PostFailed("gone", "Unknown Channel", status=404, code=10003))
    clock.advance(120)  # the second turn ends: its notice has nowhere to go
    await settle(timers)
    debate = await service.debate(debate.id)
    assert (debate.status, debate.end_reason) == (
        rules.CANCELLED,
        "The debate's thread was deleted.",
    )
    assert debate.results_message_id == 0
    assert output.named("edit_lobby")[-1].args["debate"].status == rules.CANCELLED
    assert await ledger(store) == [] and await timer_kinds(store) == []
    assert await store.debates.unfinished_business() == []
    output.fail("post_note", PostFailed("gone", "Unknown Channel", status=404, code=10003))
    assert "thread was deleted" in (await service.note(debate, "Hello?", 1) or "")


async def test_a_thread_the_bot_may_not_post_in_pauses_the_debate(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, speech=2)
    turn = await current(service, debate.id)
    await service.submit_speech(debate.id, turn.number, turn.user_id, "Heard by nobody yet.")
    output.fail("post_speech", PostFailed("forbidden", "Missing Permissions", status=403))
    problem = await service.publish(debate.id)
    assert problem is not None and "the debate is paused" in problem
    assert "/debate resume" in problem
    paused = await service.debate(debate.id)
    assert paused.paused_remaining == pytest.approx(120) and paused.current_turn == 2
    assert await timer_kinds(store) == []
    clock.advance(3600)
    await settle(timers)
    assert (await service.debate(debate.id)).current_turn == 2  # nobody missed a turn

    await service.resume(debate.id)
    assert await service.publish(debate.id) is None
    assert output.named("post_speech")[0].args["speech"].text == "Heard by nobody yet."
    assert output.named("post_turn")[-1].args["turn"].number == 2


async def test_a_passing_failure_is_retried_on_the_next_publish(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service)
    await service.submit_speech(debate.id, 1, (await current(service, debate.id)).user_id, "Hi.")
    output.fail("post_speech", PostFailed("transient", "502 Bad Gateway", status=502))
    assert await service.publish(debate.id) is None
    assert (await store.debates.speeches(debate.id))[0].message_id is None
    assert (await service.debate(debate.id)).status == rules.RUNNING
    assert await service.publish(debate.id) is None
    assert (await store.debates.speeches(debate.id))[0].message_id is not None


async def test_a_lobby_that_cannot_open_its_thread_is_cancelled_quietly(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    output.fail("open_thread", PostFailed("forbidden", "Missing Permissions", status=403))
    with pytest.raises(PostFailed):
        await open_debate(service)
    abandoned = await store.debates.get(1)
    assert abandoned is not None and abandoned.status == rules.CANCELLED
    assert abandoned.results_message_id == 0
    assert output.named("delete_lobby")[0].args["lobby"] == output.named("post_lobby")[0].message_id
    assert (await open_debate(service)).status == rules.LOBBY  # the channel is free again


async def test_without_an_output_deadlines_wait_for_one(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, speech=1)
    service.detach()
    assert not service.available
    assert await service.publish(debate.id) is None  # a passing failure: nothing lost
    clock.advance(61)
    await settle(timers)
    assert (await service.debate(debate.id)).current_turn == 1  # nobody could have seen it
    service.output = output
    clock.advance(5)  # the timer's retry
    await settle(timers)
    assert (await service.debate(debate.id)).current_turn == 2
    assert output.named("post_no_speech")[0].args["turn"].number == 1


# --- preparation ---------------------------------------------------------------------------


async def test_the_preparation_is_a_durable_timer_that_opens_the_first_turn(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, prep=2)
    d = debate.id
    assert debate.preparing and debate.current_turn is None
    assert debate.deadline == pytest.approx(clock.now() + 120)
    assert await timer_kinds(store) == [PREP_END]
    assert output.methods()[-1] == "post_positions" and output.named("post_turn") == []
    assert output.named("post_positions")[0].args["debate"].preparing
    with pytest.raises(Conflict, match="still preparing: the first turn opens at <t:"):
        await service.speaker_turn(debate, ALICE)
    swapped = await service.swap(d, ALICE, BOB)  # the best moment for it
    assert swapped.preparing and swapped.swaps == 1 and output.named("post_turn") == []

    clock.advance(30)
    paused = await service.pause(d)
    assert paused.paused_remaining == pytest.approx(90) and await timer_kinds(store) == []
    clock.advance(3600)
    await settle(timers)
    assert (await service.debate(d)).preparing  # the clock stood still
    assert (await service.extend(d, 60)).paused_remaining == pytest.approx(150)
    resumed = await service.resume(d)
    assert resumed.deadline == pytest.approx(clock.now() + 150)
    assert await timer_kinds(store) == [PREP_END]
    clock.advance(149)
    await settle(timers)
    assert (await service.debate(d)).preparing
    clock.advance(1)
    await settle(timers)
    started = await service.debate(d)
    assert not started.preparing and started.current_turn == 1
    assert started.deadline == pytest.approx(clock.now() + 120)
    assert [c.args["turn"].number for c in output.named("post_turn")] == [1]
    assert sorted(await timer_kinds(store)) == [REMINDER, TURN_END]


async def test_next_ends_the_preparation_at_once(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service, prep=5)
    step = await service.request_next(debate.id)
    assert step.kind == "started" and step.debate.current_turn == 1
    assert await timer_kinds(store) == [REMINDER, TURN_END]  # the preparation's timer is gone
    await service.publish(debate.id)
    assert [c.args["turn"].number for c in output.named("post_turn")] == [1]


async def test_a_restart_during_the_preparation_resumes_it(
    database: Any,
    service: DebateService,
    output: RecordingDebateOutput,
    timers: TimerService,
    clock: FakeClock,
    packs: Packs,
) -> None:
    debate = await running(service, prep=1)
    await timers.stop()  # the process dies; a new one starts on the same database
    reopened = await database.open()
    restarted = TimerService(reopened, clock)
    again = DebateService(reopened, restarted, clock, packs, random.Random(3), output)
    again.register_timers()
    clock.advance(61)  # the preparation ended while the bot was down
    restarted.start()
    try:
        await again.catch_up()
        await settle(restarted)
        resumed = await again.debate(debate.id)
        assert (resumed.status, resumed.current_turn) == (rules.RUNNING, 1)
        assert resumed.deadline == pytest.approx(clock.now() + 120)
        assert [c.args["turn"].number for c in output.named("post_turn")] == [1]
        assert len(output.named("post_positions")) == 1  # nothing posted twice
    finally:
        await restarted.stop()
        await reopened.close()


# --- a skip asks first and loses no speech ----------------------------------------------------


async def test_next_asks_while_the_speaker_has_time_and_a_confirmation_acts_once(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    clock: FakeClock,
) -> None:
    debate = await running(service, ALICE, BOB, CAROL, motion=THREE_SIDED, speech=2)
    d = debate.id
    clock.advance(30)
    step = await service.request_next(d)
    assert step.kind == "confirm" and step.turn is not None and step.turn.number == 1
    assert step.remaining == pytest.approx(90)
    assert step.speaker == NAMES[step.turn.user_id]
    assert (await current(service, d)).number == 1  # asking changes nothing

    ended = await service.skip_turn(d, 1, debate.swaps)
    await service.publish(d)
    assert (ended.number, (await current(service, d)).number) == (1, 2)
    with pytest.raises(Conflict, match=r"Turn 1 has already ended \(it was already ended by a mod"):
        await service.skip_turn(d, 1, debate.swaps)  # the second click
    assert (await current(service, d)).number == 2
    assert output.named("post_no_speech") == []  # no "no speech": one may still come

    clock.advance(rules.GRACE_SECONDS - 1)  # the speech being written when the turn ended
    speech = await service.submit_speech(d, 1, ended.user_id, "Written before the skip.")
    assert speech.late and (await store.debates.turn(d, 1)).status == rules.SPOKEN  # type: ignore[union-attr]
    assert (await current(service, d)).number == 2  # the debate went on meanwhile
    await service.publish(d)
    drawn = [(c.args["turn"].number, c.args["turn"].status) for c in output.named("edit_turn")]
    assert drawn == [(1, rules.SKIPPED), (1, rules.SPOKEN)]
    assert output.named("edit_turn")[1].args["speech"].text == "Written before the skip."
    assert output.named("post_speech")[0].args["speech"].id == speech.id

    # Paused, the speaker still has what the pause kept: asked first too.
    await service.pause(d)
    paused = await service.request_next(d)
    assert paused.kind == "confirm" and paused.remaining == pytest.approx(120 - 29)
    # Turn 2 ends otherwise: the confirmation asked before can no longer act.
    await service.resume(d)
    await end_turn(service, d)
    with pytest.raises(Conflict, match=r"Turn 2 has already ended"):
        await service.check_skippable(d, 2, debate.swaps)


async def test_a_confirmation_asked_before_a_swap_is_refused(service: DebateService) -> None:
    debate = await running(service)
    step = await service.request_next(debate.id)
    assert step.kind == "confirm"
    await service.swap(debate.id, ALICE, BOB)
    with pytest.raises(Conflict, match="swapped since you asked"):
        await service.skip_turn(debate.id, 1, debate.swaps)
    assert (await current(service, debate.id)).status == rules.OPEN


# --- judges, the audience and unscored speeches -----------------------------------------------


async def test_judges_are_told_once_which_speeches_they_have_not_scored(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service)
    d = debate.id
    await service.add_judge(d, JUDGE, NAMES[JUDGE], is_bot=False, by=MOD)
    await service.add_judge(d, CAROL, NAMES[CAROL], is_bot=False, by=MOD)
    output.closed_dms.add(CAROL)
    first = await speak(service, d, "The opening.")
    await service.score(first.id, MOD, 8)
    output.fail("post_judge_dm", PostFailed("transient", "502 Bad Gateway", status=502))
    second = await speak(service, d, "The reply.")  # the last turn: the vote opens
    assert (await service.debate(d)).status == rules.VOTING
    # Carol (DMs closed) was told in the thread; the others' DM hit a passing failure: again
    assert [r.judge_id for r in await store.debates.judge_reminders(d)] == [CAROL]
    assert await service.publish(d) is None

    dms = {c.args["judge"]: c.args for c in output.named("post_judge_dm")}
    assert sorted(dms) == [JUDGE, MOD]
    assert [i.speech.id for i in dms[MOD]["speeches"]] == [second.id]
    assert [i.speech.id for i in dms[JUDGE]["speeches"]] == [first.id, second.id]
    assert (dms[JUDGE]["first"], dms[JUDGE]["total"]) == (1, 2)
    assert dms[JUDGE]["speeches"][0].speaker == NAMES[first.user_id]
    assert all(c.args["nonce"].startswith("dm:") for c in output.named("post_judge_dm"))
    nudge = output.named("post_judge_nudge")
    assert len(nudge) == 1 and nudge[0].args["judge"] == CAROL
    assert len(nudge[0].args["speeches"]) == 2
    told = {r.judge_id: (r.via, r.speeches) for r in await store.debates.judge_reminders(d)}
    assert told == {MOD: ("dm", 1), JUDGE: ("dm", 2), CAROL: ("thread", 2)}
    assert len(output.named("post_vote_notice")) == 1
    assert (await service.debate(d)).vote_notice_message_id == (
        output.named("post_vote_notice")[0].message_id
    )

    calls = len(output.calls)
    await service.publish(d)  # told once
    assert len(output.calls) == calls

    with pytest.raises(NotAllowed, match="Judges cannot vote"):
        await service.vote(d, JUDGE, first.position)
    await service.vote(d, AUDIENCE, first.position)
    assert await store.debates.votes(d) == {AUDIENCE: first.position}


async def test_an_unscored_speech_is_left_out_and_a_missed_turn_counts_zero(
    service: DebateService,
    output: RecordingDebateOutput,
    store: Store,
    timers: TimerService,
    clock: FakeClock,
) -> None:
    debate = await running(service, rounds=2, speech=2)  # turns: X, Y, Y, X
    d = debate.id
    s1 = await speak(service, d, "X opens.")
    await service.score(s1.id, MOD, 8)
    s2 = await speak(service, d, "Y answers.")
    await service.score(s2.id, MOD, 6)
    s3 = await speak(service, d, "Y again, unscored.")
    x, y = s1.user_id, s2.user_id
    assert s3.user_id == y
    clock.advance(120)  # X misses the last turn
    await settle(timers)
    clock.advance(60)  # the vote closes, nobody voted
    await settle(timers)
    result = output.named("post_results")[0].args["result"]
    # X: 8 and a missed turn -> 4 a turn x 2 = 8; Y: 6 and an unscored speech -> 6 x 2 = 12
    assert dict(result.speaker_points) == {x: pytest.approx(8.0), y: pytest.approx(12.0)}
    assert dict(result.unscored) == {y: 1}
    assert result.winners == (s2.position,)  # counted as missing, Y would have lost 8 to 6
    transcript = output.named("post_results")[0].args["transcript"]
    assert "Unscored: no judge scored it, so it is left out of the averages" in transcript
    assert "Y 12.0 (1 speech unscored)" not in transcript  # names, not letters
    assert f"{NAMES[y]} 12.0 (1 speech unscored)" in transcript
    assert await ledger(store) == sorted(
        [
            (x, 8, f"Debate #{d}: speaker points"),
            (x, 5, f"Debate #{d}: took part"),
            (y, 12, f"Debate #{d}: speaker points"),
            (y, 5, f"Debate #{d}: took part"),
            (y, 10, f"Debate #{d}: won as {await _name_of_position(store, d, s2.position)}"),
        ]
    )
    notice = output.named("post_results_notice")
    assert len(notice) == 1 and notice[0].args["nonce"] == f"d:{d}:rn"
    assert (await service.debate(d)).results_notice_message_id == notice[0].message_id
    assert await store.debates.unfinished_business() == []


async def _name_of_position(store: Store, debate_id: int, position: str) -> str:
    return next(p.name for p in await store.debates.positions(debate_id) if p.position == position)


async def test_the_lobby_channel_may_refuse_its_notices_and_the_debate_goes_on(
    service: DebateService, output: RecordingDebateOutput, store: Store
) -> None:
    debate = await running(service)
    output.fail("post_vote_notice", PostFailed("forbidden", "Missing Permissions", status=403))
    await speak(service, debate.id)
    await speak(service, debate.id)
    voting = await service.debate(debate.id)
    assert voting.status == rules.VOTING and not voting.paused  # the thread is fine
    assert voting.vote_notice_message_id == 0  # given up, not retried
    output.fail("post_results_notice", PostFailed("gone", "Unknown Channel", code=10003))
    await service.end(debate.id, None, MOD)
    assert await service.publish(debate.id) is None
    closed = await service.debate(debate.id)
    assert closed.results_message_id and closed.results_notice_message_id == 0
    assert await store.debates.unfinished_business() == []


async def test_a_judge_with_many_speeches_to_score_gets_them_over_several_messages(
    service: DebateService, output: RecordingDebateOutput, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.debate.SPEECHES_PER_DM", 2)
    debate = await running(service, ALICE, BOB, CAROL, motion=THREE_SIDED)
    for _ in range(3):
        await speak(service, debate.id)
    dms = output.named("post_judge_dm")
    assert [(c.args["first"], c.args["total"], len(c.args["speeches"])) for c in dms] == [
        (1, 3, 2), (3, 3, 1),
    ]  # fmt: skip
    assert [c.args["nonce"] for c in dms] == [f"dm:{debate.id}:{MOD}:0", f"dm:{debate.id}:{MOD}:1"]
    reminders = await service.store.debates.judge_reminders(debate.id)
    assert [(r.via, r.message_id, r.speeches) for r in reminders] == [("dm", dms[0].message_id, 3)]


async def test_a_results_summary_that_fails_for_a_moment_is_posted_at_start_up(
    service: DebateService, output: RecordingDebateOutput
) -> None:
    debate = await running(service)
    await speak(service, debate.id)
    await speak(service, debate.id)
    output.fail("post_results_notice", PostFailed("transient", "502 Bad Gateway", status=502))
    await service.end(debate.id, None, MOD)
    assert await service.publish(debate.id) is None
    closed = await service.debate(debate.id)
    assert closed.results_message_id and closed.results_notice_message_id is None
    assert output.named("edit_vote") and output.named("edit_lobby")  # nothing else waits on it
    await service.catch_up()
    assert len(output.named("post_results")) == 1 and len(output.named("post_results_notice")) == 1
    assert (await service.debate(debate.id)).results_notice_message_id is not None

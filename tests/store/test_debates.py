"""Debates without Discord: the pure rules (bot/debate.py) and the store (bot/store/debates.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import Conflict
from bot.rules import debate as rules
from bot.store import Store
from bot.store.debates import Debate

L, C, U = "liberal", "conservative", "united-states"
THREE = (L, C, U)
NOW = 1_800_000_000.0


# --- the store -------------------------------------------------------------------------------


async def new_debate(store: Store, channel: int = 500, guild: int = 1) -> int:
    debate = await store.debates.create(
        guild_id=guild,
        channel_id=channel,
        pack_id="demo",
        motion_id="m",
        motion_text="This house would store debates",
        positions=[(L, "Liberals"), (C, "Conservatives")],
        rounds=1,
        speech_seconds=60,
        vote_seconds=60,
        created_by=9,
        creator_name="Mod",
        now=NOW,
    )
    return debate.id


async def debate_of(store: Store, debate_id: int) -> Debate:
    debate = await store.debates.get(debate_id)
    assert debate is not None
    return debate


async def close(store: Store, debate_id: int) -> None:
    """Walk a debate through the allowed transitions to closed."""
    await store.debates.begin(await debate_of(store, debate_id), NOW)
    await store.debates.open_vote(
        await debate_of(store, debate_id), NOW, deadline=NOW + 60, paused_remaining=None
    )
    await store.debates.close(await debate_of(store, debate_id), NOW)


async def test_one_debate_per_channel_until_it_is_over(store: Store) -> None:
    first = await new_debate(store)
    with pytest.raises(Conflict, match="already under way"):
        await new_debate(store)
    await store.debates.record_lobby(first, 700, thread_id=600)
    assert (await store.debates.active_in_channel(600)).id == first  # type: ignore[union-attr]
    assert await new_debate(store, channel=501) != first
    await store.debates.cancel(await debate_of(store, first), NOW, None, None)
    assert await store.debates.active_in_channel(500) is None
    assert await new_debate(store) > first
    assert [j.user_id for j in await store.debates.judges(first)] == [9]


async def test_a_vote_and_a_score_are_one_row_per_member_and_changeable(store: Store) -> None:
    debate_id = await new_debate(store)
    debate = await store.debates.get(debate_id)
    assert debate is not None
    assert await store.debates.set_vote(debate, 7, L, NOW) is None
    assert await store.debates.set_vote(debate, 7, L, NOW + 1) == L
    assert await store.debates.set_vote(debate, 7, C, NOW + 2) == L
    assert await store.debates.votes(debate_id) == {7: C}
    await store.debates.join(debate, 1, "Alice", NOW)
    await store.debates.replace_turns(debate_id, 1, [rules.PlannedTurn(1, 0, L, 1)])
    turn = await store.debates.turn(debate_id, 1)
    assert turn is not None
    speech = await store.debates.add_speech(debate, turn, "Hi.", 1, False, NOW)
    assert await store.debates.set_score(speech, 1, 9, 6, NOW) is None
    assert await store.debates.set_score(speech, 1, 9, 8, NOW) == 6
    assert [(s.judge_id, s.points) for s in await store.debates.scores(debate_id)] == [(9, 8)]
    assert await store.debates.remove_judge(debate_id, 9) is True
    assert await store.debates.scores(debate_id) == []


async def test_member_stats_and_argued_counts_read_closed_debates(store: Store) -> None:
    for channel, position, points, won in ((500, L, (8, 6), True), (501, C, (4,), False)):
        debate_id = await new_debate(store, channel=channel)
        debate = await store.debates.get(debate_id)
        assert debate is not None
        await store.debates.join(debate, 1, "Alice", NOW)
        await store.debates.set_positions(debate_id, {1: position})
        await store.debates.replace_turns(debate_id, 1, [rules.PlannedTurn(1, 0, position, 1)])
        turn = await store.debates.turn(debate_id, 1)
        assert turn is not None
        speech = await store.debates.add_speech(debate, turn, "Hi.", 1, False, NOW)
        for judge, value in enumerate(points, start=20):
            await store.debates.set_score(speech, 1, judge, value, NOW)
        await store.debates.save_results(debate_id, [(position, 5.0, 0, 1, won)], [(1, 7.0, won)])
        await close(store, debate_id)
    # a running debate does not count
    running = await new_debate(store, channel=502)
    running_debate = await store.debates.get(running)
    assert running_debate is not None
    await store.debates.join(running_debate, 1, "Alice", NOW)
    await store.debates.set_positions(running, {1: U})
    stats = await store.debates.member_stats(1, 1)
    assert dict(stats.argued) == {L: 1, C: 1}
    assert stats.wins == 1
    assert stats.speeches_scored == 2
    assert stats.average_speech_score == pytest.approx((7 + 4) / 2)
    assert await store.debates.argued_counts(1, [1, 2]) == {1: {L: 1, C: 1}}
    empty = await store.debates.member_stats(1, 2)
    assert dict(empty.argued) == {} and empty.wins == 0 and empty.average_speech_score is None
    entries, total = await store.debates.history(1, 1)
    assert total == 2 and entries[0].position == C and entries[1].won
    assert entries[1].position_name == "Liberals"


async def test_status_changes_follow_the_table_and_refusals_write_nothing(store: Store) -> None:
    debate_id = await new_debate(store)
    lobby = await debate_of(store, debate_id)
    with pytest.raises(Conflict, match="has not begun yet"):
        await store.debates.open_vote(lobby, NOW, deadline=NOW, paused_remaining=None)
    with pytest.raises(Conflict, match="vote has not opened yet"):
        await store.debates.close(lobby, NOW)
    with pytest.raises(Conflict, match="Only a debate that has begun can be paused"):
        await store.debates.pause(lobby, 10)
    await store.debates.begin(lobby, NOW)
    with pytest.raises(Conflict, match="changed in the meantime"):
        await store.debates.begin(lobby, NOW)  # read before it began: the guard refuses
    running = await debate_of(store, debate_id)
    assert (running.status, running.begun_at) == (rules.RUNNING, NOW)
    with pytest.raises(Conflict, match="already begun"):
        await store.debates.begin(running, NOW)
    await store.debates.pause(running, 42)
    paused = await debate_of(store, debate_id)
    assert (paused.paused_remaining, paused.deadline) == (42, None)
    with pytest.raises(Conflict, match="already paused"):
        await store.debates.pause(paused, 1)
    await store.debates.resume(paused, NOW + 42)
    with pytest.raises(Conflict, match="not paused"):
        await store.debates.resume(await debate_of(store, debate_id), NOW)
    await store.debates.cancel(await debate_of(store, debate_id), NOW, "why", 9)
    over = await debate_of(store, debate_id)
    assert (over.status, over.end_reason, over.ended_by) == (rules.CANCELLED, "why", 9)
    for move in (
        store.debates.cancel(over, NOW, None, None),
        store.debates.close(over, NOW),
        store.debates.open_vote(over, NOW, deadline=None, paused_remaining=None),
    ):
        with pytest.raises(Conflict, match="already over"):
            await move
    assert await debate_of(store, debate_id) == over


async def test_preparation_redrawn_turns_and_the_channel_notices(store: Store) -> None:
    debate_id = await new_debate(store)
    lobby = await debate_of(store, debate_id)
    assert (lobby.prep_seconds, lobby.preparing) == (0, False)
    await store.debates.begin(lobby, NOW)
    await store.debates.prepare(debate_id, deadline=NOW + 120, paused_remaining=None)
    preparing = await debate_of(store, debate_id)
    assert preparing.preparing and (preparing.current_turn, preparing.deadline) == (None, NOW + 120)
    await store.debates.replace_turns(debate_id, 1, [rules.PlannedTurn(1, 0, L, 1)])
    await store.debates.set_turn(debate_id, 1, deadline=NOW + 60, paused_remaining=None)
    assert not (await debate_of(store, debate_id)).preparing
    assert (await store.debates.turn(debate_id, 1)).drawn_status is None  # type: ignore[union-attr]
    await store.debates.record_drawn(debate_id, 1, rules.SKIPPED)
    assert (await store.debates.turn(debate_id, 1)).drawn_status == rules.SKIPPED  # type: ignore[union-attr]

    await store.debates.open_vote(
        await debate_of(store, debate_id), NOW, deadline=NOW + 60, paused_remaining=None
    )
    await store.debates.record_message(debate_id, "vote_notice", 801)
    await store.debates.close(await debate_of(store, debate_id), NOW)
    await store.debates.record_message(debate_id, "results", 802)
    # the results' summary in the lobby's channel is still due: start-up catches up on it
    assert [d.id for d in await store.debates.unfinished_business()] == [debate_id]
    await store.debates.record_message(debate_id, "results_notice", 803)
    assert await store.debates.unfinished_business() == []
    closed = await debate_of(store, debate_id)
    assert (closed.vote_notice_message_id, closed.results_notice_message_id) == (801, 803)


async def test_unscored_speeches_per_judge_until_each_is_reminded(store: Store) -> None:
    debate_id = await new_debate(store)  # the creator, 9, judges
    debate = await debate_of(store, debate_id)
    await store.debates.add_judge(debate_id, 8, "Judge", 9, NOW + 1)
    for user in (1, 2, 3):
        await store.debates.join(debate, user, f"M{user}", NOW)
    plan = [rules.PlannedTurn(n, 0, L if n % 2 else C, n) for n in (1, 2, 3)]
    await store.debates.replace_turns(debate_id, 1, plan)
    speeches = []
    for number in (1, 2, 3):
        turn = await store.debates.turn(debate_id, number)
        assert turn is not None
        speeches.append(await store.debates.add_speech(debate, turn, "Hi.", 1, False, NOW))
    await store.debates.set_score(speeches[0], 1, 9, 7, NOW)
    await store.debates.remove_participant(debate_id, 3, NOW)  # their speech no longer counts

    def ids(unscored: dict[int, list[Any]]) -> dict[int, list[int]]:
        return {judge: [s.id for s in items] for judge, items in unscored.items()}

    first, second, _ = (s.id for s in speeches)
    assert ids(await store.debates.unscored_by_judge(debate_id)) == {
        9: [second],
        8: [first, second],
    }
    await store.debates.record_judge_reminder(
        debate, 9, via="dm", message_id=900, speeches=1, now=NOW
    )
    await store.debates.record_judge_reminder(  # told once: a repeat changes nothing
        debate, 9, via="thread", message_id=901, speeches=1, now=NOW
    )
    assert ids(await store.debates.unscored_by_judge(debate_id)) == {8: [first, second]}
    for speech in speeches[:2]:
        await store.debates.set_score(speech, 1, 8, 5, NOW)
    assert await store.debates.unscored_by_judge(debate_id) == {}
    reminders = await store.debates.judge_reminders(debate_id)
    assert [(r.judge_id, r.via, r.message_id) for r in reminders] == [(9, "dm", 900)]

"""Debates without Discord: the pure rules (bot/debate.py) and the store (bot/store/debates.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.errors import Conflict
from bot.rules import debate as rules
from bot.store import Store

L, C, U = "liberal", "conservative", "united-states"
THREE = (L, C, U)
NOW = 1_800_000_000.0


# --- the store -------------------------------------------------------------------------------


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "bot.sqlite3")
    yield store
    await store.close()


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


async def test_one_debate_per_channel_until_it_is_over(store: Store) -> None:
    first = await new_debate(store)
    with pytest.raises(Conflict, match="already under way"):
        await new_debate(store)
    await store.debates.update(first, thread_id=600)
    assert (await store.debates.active_in_channel(600)).id == first  # type: ignore[union-attr]
    assert await new_debate(store, channel=501) != first
    await store.debates.update(first, status=rules.CANCELLED)
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
        await store.debates.update(debate_id, status=rules.CLOSED, closed_at=NOW)
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

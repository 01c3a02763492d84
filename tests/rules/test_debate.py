"""Debates without Discord: the pure rules (bot/debate.py) and the store (bot/store/debates.py)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import Conflict, NotAllowed, UserError
from bot.rules import debate as rules

L, C, U = "liberal", "conservative", "united-states"
THREE = (L, C, U)
NOW = 1_800_000_000.0


# --- position assignment ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    members=st.integers(min_value=2, max_value=12),
    positions=st.sampled_from([(L, C), THREE, (L, U)]),
    seed=st.integers(min_value=0, max_value=10_000),
    history=st.lists(st.integers(min_value=0, max_value=4), min_size=36, max_size=36),
)
def test_team_sizes_differ_by_at_most_one(
    members: int, positions: tuple[str, ...], seed: int, history: list[int]
) -> None:
    people = list(range(100, 100 + members))
    argued = {
        m: {p: history[(i * 3 + j) % 36] for j, p in enumerate(positions)}
        for i, m in enumerate(people)
    }
    assignment = rules.assign_positions(people, positions, argued, random.Random(seed))
    assert sorted(assignment) == people
    sizes = Counter(assignment.values())
    counts = [sizes.get(p, 0) for p in positions]
    assert max(counts) - min(counts) <= 1
    assert set(assignment.values()) <= set(positions)


def test_each_member_gets_the_position_they_argued_least() -> None:
    argued = {1: {L: 2, C: 0, U: 1}, 2: {L: 0, C: 3, U: 3}, 3: {L: 1, C: 1, U: 0}}
    for seed in range(20):
        assignment = rules.assign_positions([1, 2, 3], THREE, argued, random.Random(seed))
        assert assignment == {1: C, 2: L, 3: U}


def test_balance_wins_over_preference_and_the_cheapest_balanced_draw_is_taken() -> None:
    # Everybody argued conservative least, but only one of three may take it.
    argued = {1: {L: 5, C: 0, U: 5}, 2: {L: 1, C: 0, U: 3}, 3: {L: 3, C: 0, U: 1}}
    for seed in range(20):
        assignment = rules.assign_positions([1, 2, 3], THREE, argued, random.Random(seed))
        assert assignment == {1: C, 2: L, 3: U}


def test_ties_are_broken_at_random_but_reproducibly() -> None:
    draws = {
        tuple(sorted(rules.assign_positions([1, 2, 3], THREE, {}, random.Random(s)).items()))
        for s in range(40)
    }
    assert len(draws) > 1  # a fresh guild does not always get the same draw
    same = [rules.assign_positions([1, 2, 3], THREE, {}, random.Random(7)) for _ in range(3)]
    assert same[0] == same[1] == same[2]


def test_three_debates_rotate_each_member_through_each_position() -> None:
    argued: dict[int, dict[str, int]] = {}
    seen: dict[int, list[str]] = {1: [], 2: [], 3: []}
    rng = random.Random(3)
    for _ in range(3):
        assignment = rules.assign_positions([1, 2, 3], THREE, argued, rng)
        for member, position in assignment.items():
            seen[member].append(position)
            argued.setdefault(member, {}).setdefault(position, 0)
            argued[member][position] += 1
    assert all(sorted(positions) == sorted(THREE) for positions in seen.values())


def test_two_members_on_a_three_position_motion_leave_one_position_out() -> None:
    assignment = rules.assign_positions([1, 2], THREE, {1: {L: 1}, 2: {L: 1}}, random.Random(1))
    assert len(set(assignment.values())) == 2
    assert L not in assignment.values()
    assert rules.active_positions(THREE, assignment) == tuple(
        p for p in THREE if p in assignment.values()
    )


def test_swap_exchanges_positions_and_refuses_teammates() -> None:
    assignment = {1: L, 2: C, 3: L}
    assert rules.swap_positions(assignment, 1, 2) == {1: C, 2: L, 3: L}
    with pytest.raises(Conflict, match="same position"):
        rules.swap_positions(assignment, 1, 3)
    with pytest.raises(UserError, match="participants"):
        rules.swap_positions(assignment, 1, 9)


# --- turn order ------------------------------------------------------------------------------


def test_three_single_speakers_over_two_rounds_rotate_the_opener() -> None:
    plan = rules.turn_order({L: [1], C: [2], U: [3]}, THREE, 2)
    assert [(t.round, t.position, t.user_id) for t in plan] == [
        (0, L, 1), (0, C, 2), (0, U, 3),
        (1, C, 2), (1, U, 3), (1, L, 1),
    ]  # fmt: skip
    assert [t.number for t in plan] == list(range(1, 7))


@pytest.mark.parametrize("rounds", [1, 2, 3])
@pytest.mark.parametrize("sizes", [(1, 1), (2, 1), (2, 2, 1), (4, 4, 4), (2, 2, 2), (6, 6)])
def test_every_participant_speaks_once_per_round_and_positions_alternate(
    rounds: int, sizes: tuple[int, ...]
) -> None:
    positions = THREE[: len(sizes)]
    members, next_id = {}, 1
    for position, size in zip(positions, sizes, strict=True):
        members[position] = list(range(next_id, next_id + size))
        next_id += size
    plan = rules.turn_order(members, positions, rounds)
    everyone = sorted(m for team in members.values() for m in team)
    for round_index in range(rounds):
        turns = [t for t in plan if t.round == round_index]
        assert sorted(t.user_id for t in turns) == everyone
        assert turns[0].position == positions[round_index % len(positions)]
        # consecutive speakers differ in position while more than one team has speakers left
        for before, after in itertools.pairwise(turns):
            left = {t.position for t in turns[turns.index(after) :]}
            if len(left) > 1:
                assert before.position != after.position


def test_turn_order_refuses_an_impossible_round_count() -> None:
    with pytest.raises(UserError):
        rules.turn_order({L: [1], C: [2]}, (L, C), 4)
    assert rules.round_names(2) == ("opening", "rebuttal")


# --- speech timing ---------------------------------------------------------------------------


def timing(status: str, now: float, *, paused: bool = False) -> rules.SpeechTiming:
    return rules.speech_timing(
        now=now, turn_status=status, deadline=NOW, paused=paused, debate_status=rules.RUNNING,
        started=status != rules.SKIPPED,
    )  # fmt: skip


def test_speeches_are_on_time_until_the_deadline_then_late_within_the_grace() -> None:
    assert timing(rules.OPEN, NOW - 1) == rules.SpeechTiming(True, False)
    assert timing(rules.OPEN, NOW) == rules.SpeechTiming(True, False)
    assert timing(rules.OPEN, NOW + 10) == rules.SpeechTiming(True, True)
    assert timing(rules.MISSED, NOW + 30) == rules.SpeechTiming(True, True)
    refused = timing(rules.MISSED, NOW + 30.5)
    assert not refused.accepted and "30 seconds" in refused.reason


@pytest.mark.parametrize(
    ("status", "paused", "words"),
    [
        (rules.SPOKEN, False, "already"),
        (rules.SKIPPED, False, "before your turn"),
        (rules.REMOVED, False, "took you out"),
        (rules.PENDING, False, "not started"),
        (rules.OPEN, True, "paused"),
    ],
)
def test_speeches_are_refused_with_a_reason(status: str, paused: bool, words: str) -> None:
    result = timing(status, NOW - 5, paused=paused)
    assert not result.accepted
    assert words in result.reason


def test_a_turn_a_moderator_ended_takes_a_speech_being_written_within_the_grace() -> None:
    def skipped(now: float, ended_at: float, *, started: bool = True) -> rules.SpeechTiming:
        return rules.speech_timing(
            now=now, turn_status=rules.SKIPPED, deadline=NOW, paused=False,
            debate_status=rules.VOTING, started=started, ended_at=ended_at,
        )  # fmt: skip

    # ended two minutes before its deadline: the grace runs from the moment it was ended
    assert skipped(NOW - 120 + 30, NOW - 120) == rules.SpeechTiming(True, True)
    late = skipped(NOW - 120 + 31, NOW - 120)
    assert not late.accepted and "A moderator ended this turn more than 30 seconds" in late.reason
    assert not skipped(NOW, NOW - 5, started=False).accepted  # ended before it began
    # a turn that ran out while the debate was paused still takes its late speech
    assert rules.speech_timing(
        now=NOW + 5, turn_status=rules.MISSED, deadline=NOW, paused=True,
        debate_status=rules.RUNNING,
    ) == rules.SpeechTiming(True, True)  # fmt: skip


def test_time_left_durations_plurals_and_skip_refusals() -> None:
    assert rules.time_left(NOW + 90.2, None, NOW) == pytest.approx(90.2)
    assert rules.time_left(NOW - 3, None, NOW) == 0.0
    assert rules.time_left(None, 45.0, NOW) == 45.0  # paused: what the pause kept
    assert [rules.describe_seconds(s) for s in (0, 0.2, 45, 60, 150, 599.5)] == [
        "0 s", "1 s", "45 s", "1 min", "2 min 30 s", "10 min",
    ]  # fmt: skip
    assert rules.plural(1, "finished debate") == "1 finished debate"
    assert rules.plural(0, "win") == "0 wins"
    assert rules.plural(2, "speech", "speeches") == "2 speeches"
    running = {"number": 2, "current_turn": 2, "debate_status": rules.RUNNING, "swaps_then": 0}
    assert rules.skip_refusal(turn_status=rules.OPEN, swaps_now=0, **running) is None
    spoke = rules.skip_refusal(turn_status=rules.SPOKEN, swaps_now=0, **running)
    assert spoke == (
        "Turn 2 has already ended (its speech was given), so there is nothing left to confirm."
    )
    again = rules.skip_refusal(**{**running, "current_turn": 3}, turn_status=rules.SKIPPED,
                               swaps_now=0)  # fmt: skip
    assert again is not None and "already ended by a moderator" in again
    swapped = rules.skip_refusal(turn_status=rules.OPEN, swaps_now=1, **running)
    assert swapped is not None and "swapped" in swapped


def test_speech_text_and_scores_are_checked() -> None:
    assert rules.check_speech_text("  A point.  ") == "A point."
    with pytest.raises(UserError):
        rules.check_speech_text("   ")
    with pytest.raises(UserError):
        rules.check_speech_text("x" * 4001)
    assert rules.parse_score(" 8 ") == 8
    assert rules.parse_score("10/10") == 10
    for bad in ("0", "11", "7.5", "eight", ""):
        with pytest.raises(UserError, match="1 to 10"):
            rules.parse_score(bad)
    assert rules.word_count("Seoul's long-term policy — engage, don't threaten.") == 6


def test_lobby_rules() -> None:
    rules.check_join(status=rules.LOBBY, joined=False, is_judge=False, participants=11)
    with pytest.raises(Conflict, match="full"):
        rules.check_join(status=rules.LOBBY, joined=False, is_judge=False, participants=12)
    with pytest.raises(Conflict, match="judging"):
        rules.check_join(status=rules.LOBBY, joined=False, is_judge=True, participants=0)
    with pytest.raises(Conflict, match="already joined"):
        rules.check_join(status=rules.LOBBY, joined=True, is_judge=False, participants=1)
    with pytest.raises(Conflict, match="begun"):
        rules.check_join(status=rules.RUNNING, joined=False, is_judge=False, participants=1)
    with pytest.raises(Conflict, match="At least 2"):
        rules.check_begin(rules.LOBBY, 1)
    rules.check_begin(rules.LOBBY, 2)
    with pytest.raises(Conflict, match="participant cannot judge"):
        rules.check_new_judge(status=rules.RUNNING, is_participant=True, is_bot=False, name="Al")
    with pytest.raises(NotAllowed):
        rules.check_new_judge(status=rules.RUNNING, is_participant=False, is_bot=True, name="B")


# --- scoring ---------------------------------------------------------------------------------


def test_scoring_follows_the_formula() -> None:
    members = {1: L, 2: L, 3: C, 4: U}
    speeches = [
        rules.ScoredTurn(1, (8, 6)),  # 7
        rules.ScoredTurn(1, (9,)),  # 9  -> member 1: 16
        rules.ScoredTurn(2, (5, 5)),  # member 2: 5
        rules.ScoredTurn(3, (10, 9)),  # member 3: 9.5
        rules.ScoredTurn(4, ()),  # unscored: nothing to average, no points
    ]
    votes = {10: C, 11: C, 12: L, 13: U, 3: "nonsense"}
    result = rules.score_debate(THREE, members, speeches, votes)
    assert result.speaker_points == {1: 16.0, 2: 5.0, 3: 9.5, 4: 0.0}
    assert result.unscored == {4: 1} and result.unrated == {4}
    by = {p.position: p for p in result.positions}
    assert by[L].total == pytest.approx(21 / 2 + 10 * 1 / 4)  # 13.0
    assert by[C].total == pytest.approx(9.5 + 10 * 2 / 4)  # 14.5
    assert by[U].total == pytest.approx(0 + 10 * 1 / 4)  # 2.5
    assert [p.position for p in result.positions] == [C, L, U]
    assert [p.rank for p in result.positions] == [1, 2, 3]
    assert result.winners == (C,)
    assert result.best_speakers == (1,)
    assert result.votes_cast == 4


def test_an_unscored_speech_is_left_out_and_a_missed_turn_counts_zero() -> None:
    members = {1: L, 2: C, 3: C}
    turns = [
        rules.ScoredTurn(1, (8,)),
        rules.ScoredTurn(2, (8,)),
        rules.ScoredTurn(3, (6,)),
        rules.ScoredTurn(1, (8,)),
        rules.ScoredTurn(2, ()),  # a speech no judge scored: left out of the averages
        rules.ScoredTurn(3, spoke=False),  # a missed turn: 0
    ]
    result = rules.score_debate((L, C), members, turns, {})
    # member 1: 8, 8 -> 16; member 2: 8 and unscored -> average 8 x 2 turns = 16;
    # member 3: 6 and missed -> average 3 x 2 turns = 6
    assert result.speaker_points == {1: 16.0, 2: 16.0, 3: 6.0}
    assert result.unscored == {2: 1} and result.unrated == frozenset()
    by = {p.position: p for p in result.positions}
    # conservatives: average of 8, 6, 0 = 14/3 over 4 turns / 2 speakers
    assert by[C].average == pytest.approx(14 / 3) and (by[C].turns, by[C].unscored) == (4, 1)
    assert by[C].team_points == pytest.approx(14 / 3 * 4 / 2)  # 9.33
    assert by[L].team_points == pytest.approx(16.0)
    assert result.winners == (L,)
    assert rules.speaker_points_text(result, 2) == "16.0 (1 speech unscored)"
    # the same speech counted as missing would have cost member 2 half their points
    as_missed = rules.score_debate(
        (L, C), members, [*turns[:4], rules.ScoredTurn(2, spoke=False), turns[5]], {}
    )
    assert as_missed.speaker_points[2] == pytest.approx(8.0)
    # with every speech scored, the sum and the team's points ÷ team size, as before
    full = rules.score_debate(
        (L, C), {1: L, 2: L}, [rules.ScoredTurn(1, (7,)), rules.ScoredTurn(2, (9, 8))], {}
    )
    assert full.speaker_points == {1: 7.0, 2: 8.5}
    assert full.positions[0].team_points == pytest.approx((7 + 8.5) / 2)


def test_ties_share_the_win_and_the_rank() -> None:
    result = rules.score_debate(
        (L, C), {1: L, 2: C}, [rules.ScoredTurn(1, (7,)), rules.ScoredTurn(2, (7,))], {}
    )
    assert set(result.winners) == {L, C}
    assert [p.rank for p in result.positions] == [1, 1]
    assert result.best_speakers == (1, 2)


def test_nobody_wins_a_debate_without_scores_or_votes() -> None:
    result = rules.score_debate((L, C), {1: L, 2: C}, [rules.ScoredTurn(1, ())], {})
    assert result.winners == ()
    assert result.best_speakers == ()


def test_removed_members_do_not_count() -> None:
    # member 3 was removed: not in members, so neither their speech nor their seat counts
    result = rules.score_debate(
        (L, C), {1: L, 2: C}, [rules.ScoredTurn(3, (10,)), rules.ScoredTurn(2, (4,))], {}
    )
    assert 3 not in result.speaker_points
    assert result.winners == (C,)


def test_awards_are_speaker_points_participation_and_the_win() -> None:
    result = rules.score_debate(
        (L, C),
        {1: L, 2: L, 3: C},
        [rules.ScoredTurn(1, (7, 8)), rules.ScoredTurn(3, (9,))],
        {9: L, 8: L},
    )
    awarded = {(a.user_id, a.points, a.reason) for a in rules.awards(5, result, {L: "Liberals"})}
    assert awarded == {
        (1, 8, "Debate #5: speaker points"),  # 7.5 rounds half up
        (1, 5, "Debate #5: took part"),
        (1, 10, "Debate #5: won as Liberals"),
        (2, 5, "Debate #5: took part"),  # no speaker row for 0 points
        (2, 10, "Debate #5: won as Liberals"),
        (3, 9, "Debate #5: speaker points"),
        (3, 5, "Debate #5: took part"),
    }
    assert rules.round_points(2.5) == 3
    assert rules.round_points(2.49) == 2


def test_the_transcript_lists_motion_positions_speeches_and_scores() -> None:
    result = rules.score_debate((L, C), {1: L, 2: C}, [rules.ScoredTurn(1, (8, 6))], {7: C})
    info = rules.TranscriptInfo(
        debate_id=4,
        motion="This house would test transcripts",
        pack_id="demo",
        rounds=1,
        status=rules.CLOSED,
        position_names={L: "Liberals", C: "Conservatives"},
        members={L: ("Alice",), C: ("Bob",)},
        began_at=NOW,
        closed_at=NOW + 600,
        vote_counts={C: 1},
    )
    turns = [
        rules.TranscriptTurn(
            1, 0, "Alice", L, rules.SPOKEN, "First line.\n\nSecond @everyone line.", 5,
            scores=(("Mod", 8), ("Owner", 6)),
        ),
        rules.TranscriptTurn(2, 0, "Bob", C, rules.MISSED),
    ]  # fmt: skip
    text = rules.transcript_markdown(info, turns, result, {1: "Alice", 2: "Bob"})
    assert text.startswith("# Debate #4: This house would test transcripts\n")
    assert "- **Liberals**: Alice" in text and "- **Conservatives**: Bob" in text
    assert "### 1. Opening: Alice (Liberals)" in text
    assert "Scores: Mod 8, Owner 6 (mean 7.00)" in text
    assert "> First line.\n>\n> Second @everyone line." in text
    assert "### 2. Opening: Bob (Conservatives)" in text and "_No speech: time ran out._" in text
    assert "- Conservatives: 1" in text
    assert "| 1 | Conservatives (winner) |" in text
    assert "Best speaker: Alice" in text
    assert text.index("### 1.") < text.index("### 2.") < text.index("## Results")

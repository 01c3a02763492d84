"""The insights store on SQLite and (with ``TEST_DATABASE_URL``) PostgreSQL: answers summed per
question, choice and member within a guild, a pack and a period; FSRS cards; closed debates,
who argued what, and judges' scores. Other guilds, other packs and older rows stay out."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.rules.debate import PlannedTurn
from bot.rules.insights import (
    MASTERY_MARGIN,
    ChoiceTally,
    DebateOutcome,
    Tally,
    mastery_horizon,
)
from bot.rules.srs import DAY, REVIEW, Progress, mastered
from bot.store import Store
from bot.store.debates import Debate
from bot.store.insights import CardCounts
from bot.store.quiz import NewAnswer

T0 = 1_800_000_000.0
GUILD, OTHER_GUILD = 1, 2
ALICE, BOB, CAROL, DAVE = 101, 102, 103, 104


async def answer(
    store: Store,
    question_id: str,
    answers: Sequence[tuple[int, int, bool]],
    *,
    at: float = T0,
    guild_id: int = GUILD,
    pack_id: str = "demo",
) -> None:
    """One live round of ``question_id`` at ``at``, answered as ``(user, pack choice, right)``."""
    quiz = await store.quiz.create_quiz(
        guild_id=guild_id, channel_id=int(at), pack_id=pack_id, started_by=ALICE, source="live",
        title=None, question_ids=[question_id], seconds=30, section=None, difficulty=None,
        now=at,
    )  # fmt: skip
    rnd = await store.quiz.open_live_round(quiz, 0, at, order=[2, 0, 3, 1])
    await store.quiz.record_answers(
        [NewAnswer(rnd.id, user, choice, right, at + 1) for user, choice, right in answers]
    )
    await store.quiz.finish_quiz(quiz.id, "finished", at + 40)


async def test_answers_are_summed_per_pack_choice_member_and_period(store: Store) -> None:
    # an old round, before the window
    await answer(store, "p1-who-objects", [(ALICE, 1, False), (BOB, 1, False)], at=T0 - 10 * DAY)
    await answer(
        store, "p1-who-objects", [(ALICE, 0, True), (BOB, 1, False), (CAROL, 0, True)], at=T0
    )
    await answer(store, "p2-first-plan", [(ALICE, 0, True), (DAVE, 3, False)], at=T0 + 100)
    # practice counts too
    practice = await store.quiz.open_practice_round(
        guild_id=GUILD, user_id=DAVE, pack_id="demo", question_id="p1-who-objects",
        section=None, difficulty=None, now=T0 + 200, order=[1, 0, 2, 3],
    )  # fmt: skip
    await store.quiz.record_answer(practice.id, DAVE, 2, False, T0 + 201)
    # another guild and another pack stay out
    await answer(store, "p1-who-objects", [(ALICE, 0, True)], at=T0, guild_id=OTHER_GUILD)
    await answer(store, "p1-who-objects", [(ALICE, 3, False)], at=T0 + 5, pack_id="other")

    insights = store.insights
    since = T0 - DAY
    choices = sorted(
        await insights.choice_tallies(GUILD, "demo", since), key=lambda c: (c.question_id, c.choice)
    )
    assert choices == [
        ChoiceTally("p1-who-objects", 0, 2, 2),
        ChoiceTally("p1-who-objects", 1, 1, 0),
        ChoiceTally("p1-who-objects", 2, 1, 0),
        ChoiceTally("p2-first-plan", 0, 1, 1),
        ChoiceTally("p2-first-plan", 3, 1, 0),
    ]
    assert await insights.member_tallies(GUILD, "demo", since) == {
        ALICE: Tally(2, 2), BOB: Tally(1, 0), CAROL: Tally(1, 1), DAVE: Tally(2, 0),
    }  # fmt: skip
    assert await insights.question_tallies(GUILD, "demo", since, [ALICE, DAVE]) == {
        "p1-who-objects": Tally(2, 1), "p2-first-plan": Tally(2, 1),
    }  # fmt: skip
    assert await insights.question_tallies(GUILD, "demo", since, []) == {}
    everything = await insights.member_tallies(GUILD, "demo", 0.0)
    assert everything[ALICE] == Tally(3, 2) and everything[BOB] == Tally(2, 0)
    assert sum(c.answers for c in await insights.choice_tallies(GUILD, "demo", 0.0)) == 8
    assert await insights.member_tallies(GUILD, "demo", T0 + 1000) == {}
    assert await insights.choice_tallies(GUILD, "missing", 0.0) == []


def card(
    question_id: str,
    paragraph: str,
    *,
    last_seen: float,
    right: bool,
    stability: float | None = 5.0,
) -> Progress:
    return Progress(
        question_id=question_id, paragraph=paragraph, seen=4, correct=3, due_at=last_seen + DAY,
        last_seen=last_seen, state=REVIEW, step=None, stability=stability, difficulty=5.0,
        last_right=right,
    )  # fmt: skip


async def mastery(store: Store, since: float, user_id: int | None = None) -> CardCounts:
    return await store.insights.mastery(
        GUILD, "demo", since, now=T0, horizon=mastery_horizon(), margin=MASTERY_MARGIN,
        user_id=user_id,
    )  # fmt: skip


async def test_cards_are_counted_per_paragraph_member_and_period(store: Store) -> None:
    await store.quiz.save_progress(
        GUILD, "demo",
        {ALICE: card("p1-who-objects", "P1", last_seen=T0, right=True),
         BOB: card("p1-who-objects", "P1", last_seen=T0, right=False),
         CAROL: card("p1-who-objects", "P1", last_seen=T0 - 30 * DAY, right=True)},
        T0,
    )  # fmt: skip
    await store.quiz.save_progress(
        GUILD, "demo", {ALICE: card("p2-first-plan", "P2", last_seen=T0 - DAY / 2, right=True)},
        T0,
    )  # fmt: skip
    await store.quiz.save_progress(
        OTHER_GUILD, "demo", {ALICE: card("p2-first-plan", "P2", last_seen=T0, right=True)}, T0
    )
    week = await mastery(store, T0 - 7 * DAY)
    assert week.paragraphs == {"P1": (2, 1), "P2": (1, 1)} and week.unsure == ()
    everything = await mastery(store, 0.0)
    assert everything.paragraphs == {"P1": (3, 1), "P2": (1, 1)}  # 30 days on 5: forgotten
    assert (await mastery(store, 0.0, ALICE)).paragraphs == {"P1": (1, 1), "P2": (1, 1)}
    assert (await mastery(store, 0.0, BOB)).paragraphs == {"P1": (1, 0)}
    assert (await mastery(store, T0 + 1)).paragraphs == {}


async def test_mastery_counted_in_sql_agrees_with_fsrs_card_by_card(store: Store) -> None:
    rng = random.Random(7)
    horizon = mastery_horizon()
    cards: dict[int, Progress] = {}
    for user in range(1000, 1400):
        stability = rng.choice([None, *(rng.uniform(0.05, 400) for _ in range(5))])
        base = (stability or 1.0) * horizon
        # many cards near the line, where whole days decide; some on either side of it
        days = rng.choice([base + rng.uniform(-1.5, 1.5), rng.uniform(-0.5, 3 * base + 2)])
        paragraph = rng.choice(["P1", "P2", "P3"])
        cards[user] = card(f"q-{paragraph}", paragraph, last_seen=T0 - days * DAY,
                           right=rng.random() < 0.8, stability=stability)  # fmt: skip
    for question_id in ("q-P1", "q-P2", "q-P3"):
        await store.quiz.save_progress(
            GUILD, "demo", {u: c for u, c in cards.items() if c.question_id == question_id}, T0
        )
    found = await mastery(store, 0.0)
    expected: dict[str, list[int]] = {}
    for record in cards.values():
        row = expected.setdefault(record.paragraph, [0, 0])
        row[0] += 1
        row[1] += mastered(record, T0)
    close = {p: 0 for p in expected}
    for record in found.unsure:
        close[record.paragraph] += mastered(record, T0)
    got = {p: [cards_, sure + close[p]] for p, (cards_, sure) in found.paragraphs.items()}
    assert got == expected
    assert 0 < len(found.unsure) < len(cards) / 3  # only the band near the line is read


async def closed_debate(
    store: Store,
    members: dict[int, str],
    winners: Sequence[str],
    scores: Sequence[tuple[int, int, int]],
    *,
    at: float,
    channel_id: int = 50,
    guild_id: int = GUILD,
) -> Debate:
    """A debate of ``members`` (user → position), closed at ``at`` with ``winners``; each
    ``(judge, speaker, points)`` scores the speaker's speech."""
    positions = [("liberal", "Plant now"), ("conservative", "Protect the shops"),
                 ("united-states", "The council")]  # fmt: skip
    debates = store.debates
    debate = await debates.create(
        guild_id=guild_id, channel_id=channel_id, pack_id="demo", motion_id="plant-now",
        motion_text="Plant", positions=positions, rounds=1, speech_seconds=60, vote_seconds=60,
        created_by=900, creator_name="Mod", now=at - 100,
    )  # fmt: skip
    for user in members:
        await debates.join(debate, user, f"member {user}", at - 90)
    await debates.set_positions(debate.id, members)
    plan = [PlannedTurn(n, 1, pos, user) for n, (user, pos) in enumerate(members.items(), 1)]
    await debates.replace_turns(debate.id, guild_id, plan)
    await debates.begin(debate, at - 80)
    debate = await debates.get(debate.id)
    speeches = {}
    for turn in await debates.turns(debate.id):
        speeches[turn.user_id] = await debates.add_speech(debate, turn, "words", 1, False, at - 70)
    for judge, speaker, points in scores:
        await debates.set_score(speeches[speaker], guild_id, judge, points, at - 60)
    await debates.open_vote(debate, at - 50, deadline=at, paused_remaining=None)
    await debates.save_results(
        debate.id,
        [(pid, 1.0, 0, 1, pid in winners) for pid, _ in positions],
        [(user, 5.0, pos in winners) for user, pos in members.items()],
    )
    await debates.close(await debates.get(debate.id), at)
    return debate


async def test_closed_debates_in_the_period_with_winners_arguers_and_scores(store: Store) -> None:
    old = await closed_debate(
        store, {ALICE: "liberal", BOB: "conservative"}, ["liberal"], [(900, ALICE, 9)],
        at=T0 - 10 * DAY,
    )  # fmt: skip
    first = await closed_debate(
        store, {ALICE: "conservative", BOB: "liberal", CAROL: "united-states"},
        ["conservative"], [(900, ALICE, 8), (900, BOB, 6), (901, CAROL, 6), (901, ALICE, 7)],
        at=T0,
    )  # fmt: skip
    second = await closed_debate(
        store, {ALICE: "liberal", BOB: "conservative"}, ["liberal", "conservative"],
        [(900, BOB, 4)], at=T0 + 10,
    )  # fmt: skip
    cancelled = await store.debates.create(
        guild_id=GUILD, channel_id=60, pack_id="demo", motion_id="plant-now", motion_text="x",
        positions=[("liberal", "Plant now")], rounds=1, speech_seconds=60, vote_seconds=60,
        created_by=900, creator_name="Mod", now=T0,
    )  # fmt: skip
    await store.debates.cancel(cancelled, T0 + 1, "test", 900)
    await closed_debate(
        store, {DAVE: "liberal", CAROL: "conservative"}, ["liberal"], [(900, DAVE, 10)],
        at=T0, guild_id=OTHER_GUILD, channel_id=70,
    )  # fmt: skip

    insights = store.insights
    record = await insights.debates(GUILD, T0 - DAY)
    assert record.outcomes == (
        DebateOutcome(first.id, ("liberal", "conservative", "united-states"), ("conservative",)),
        DebateOutcome(second.id, ("liberal", "conservative", "united-states"),
                      ("liberal", "conservative")),
    )  # fmt: skip
    assert record.names == {"liberal": "Plant now", "conservative": "Protect the shops",
                            "united-states": "The council"}  # fmt: skip
    assert record.cancelled == 1
    assert len((await insights.debates(GUILD, 0.0)).outcomes) == 3
    assert old.id not in {o.debate_id for o in record.outcomes}

    argued = {
        (a.user_id, a.position): (a.debates, a.wins) for a in await insights.argued(GUILD, T0 - DAY)
    }
    assert argued == {
        (ALICE, "conservative"): (1, 1), (ALICE, "liberal"): (1, 1),
        (BOB, "liberal"): (1, 0), (BOB, "conservative"): (1, 1),
        (CAROL, "united-states"): (1, 0),
    }  # fmt: skip
    scores = sorted(
        (s.judge_id, s.position, s.points, s.count)
        for s in await insights.score_counts(GUILD, T0 - DAY)
    )
    assert scores == [
        (900, "conservative", 4, 1), (900, "conservative", 8, 1), (900, "liberal", 6, 1),
        (901, "conservative", 7, 1), (901, "united-states", 6, 1),
    ]  # fmt: skip
    assert len(await insights.score_counts(GUILD, 0.0)) == 6
    assert (await insights.debates(GUILD, T0 + 100)).outcomes == ()

"""Debates end to end: the real bot against the emulator, driven the way members would.

The rules, the store and the service are tested in ``tests/rules/test_debate.py``,
``tests/store/test_debates.py`` and ``tests/services/test_debate.py``. Here every test runs
``/debate`` commands, presses the lobby, Speak, Score and vote buttons, fills the modals, moves
the FakeClock for deadlines, and checks what members see and what the database holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest

from tests.emulator import BotHarness, Channel, Emulator, Member, Message

MOTION = "accept-mutual-deterrence"  # liberal, conservative, united-states
MOTION_TEXT = "This house would accept mutual deterrence with a nuclear-armed North Korea"
THREAD_NAME = "This house would accept mutual deterrence with a…"  # cut at a word, ≤ 60
TWO_SIDED = "charm-is-a-tactic"  # liberal, conservative
NAMES = {
    "liberal": "South Korean liberals",
    "conservative": "South Korean conservatives",
    "united-states": "United States",
}
MODERATOR_ONLY = "Only moderators can"


@pytest.fixture(autouse=True)
def many_messages(emulator: Emulator) -> None:
    """A debate posts many messages in its thread; lift the 5-per-5-s bucket to stay fast."""
    emulator.ratelimits.relax()


# --- helpers ---------------------------------------------------------------------------------


async def open_lobby(
    emulator: Emulator, mod: Member, *, motion: str = MOTION, **options: Any
) -> tuple[Message, Channel]:
    options.setdefault("prep_minutes", 0)  # tests of preparation ask for it
    reply = await (
        await mod.slash("debate start", motion=motion, channel="debate", **options)
    ).ephemeral()
    assert "is open" in reply.content
    lobby = await emulator.next_message("debate", predicate=lambda m: bool(m.buttons))
    assert lobby.button_labels == ["Join", "Leave", "Begin", "Cancel"]
    thread = emulator.threads("debate")[-1]
    return lobby, thread


async def join(lobby: Message, *members: Member) -> None:
    for member in members:
        await (await member.click(lobby, "Join")).acknowledged()
        await member.next_ephemeral(predicate=lambda m: "You joined debate" in m.content)


async def begin(
    emulator: Emulator, mod: Member, lobby: Message, thread: Channel, *members: Member
) -> Message:
    """Join ``members``, press Begin; return the positions message."""
    await join(lobby, *members)
    await (await mod.click(lobby, "Begin")).acknowledged()
    await mod.next_ephemeral(predicate=lambda m: "has begun" in m.content)
    positions = await emulator.next_message(thread)
    assert positions.button_labels == ["My brief"]
    return positions


async def under_way(
    emulator: Emulator, mod: Member, *members: Member, **options: Any
) -> tuple[Message, Channel, Message]:
    """Open a lobby with ``options``, let ``members`` join and press Begin; return the lobby,
    the thread and the first turn's announcement."""
    lobby, thread = await open_lobby(emulator, mod, **options)
    await begin(emulator, mod, lobby, thread, *members)
    return lobby, thread, await next_announcement(emulator, thread)


def shown(member: Member) -> str:
    """The name the bot shows for a member (their display name)."""
    return member.user.global_name or member.name.title()


def speaker_of(announcement: Message, members: Iterable[Member]) -> Member:
    return next(m for m in members if announcement.content.startswith(m.mention))


async def next_announcement(emulator: Emulator, thread: Channel) -> Message:
    return await emulator.next_message(thread, predicate=lambda m: "it is your turn" in m.content)


async def speak(member: Member, announcement: Message, text: str) -> Message:
    """Press Speak, fill the modal, submit; return the ephemeral confirmation."""
    modal = await (await member.click(announcement, "Speak")).modal()
    assert len(modal.title) <= 45
    return await (await member.submit(modal, speech=text)).ephemeral()


async def score(judge: Member, speech: Message, points: int) -> Message:
    modal = await (await judge.click(speech, "Score")).modal()
    return await (await judge.submit(modal, score=str(points))).ephemeral()


async def end_turn(mod: Member, thread: Channel) -> Message:
    """``/debate next`` while the speaker still has time, confirmed with End turn."""
    question = await (await mod.slash("debate next", channel=thread)).ephemeral()
    assert question.button_labels == ["End turn", "Keep going"], question.summary()
    await (await mod.click(question, "End turn")).acknowledged()
    return question


async def refused(result: Any, *words: str) -> str:
    reply = await result.ephemeral()
    for word in words:
        assert word in reply.content, reply.content
    return reply.content


async def debate_row(bot: Any, debate_id: int = 1) -> dict[str, Any]:
    row = await bot.store.db.fetchone("SELECT * FROM debates WHERE id = ?", (debate_id,))
    return dict(row)


async def positions_of(bot: Any, debate_id: int) -> dict[int, str]:
    rows = await bot.store.db.fetchall(
        "SELECT user_id, position FROM debate_participants WHERE debate_id = ?", (debate_id,)
    )
    return {r["user_id"]: r["position"] for r in rows}


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embed.get("fields", []) if f["name"] == name)


# --- the whole debate ------------------------------------------------------------------------


async def test_a_three_member_two_round_debate_with_judges_and_an_audience_vote(
    emulator: Emulator,
    bot: Any,
    clock: Any,
    mod: Member,
    owner: Member,
    admin: Member,
    alice: Member,
    bob: Member,
    carol: Member,
) -> None:
    members = (alice, bob, carol)
    lobby, thread = await open_lobby(emulator, mod, rounds=2, speech_minutes=2, vote_minutes=1)
    assert thread.name == THREAD_NAME and thread.parent_id == emulator.channel("debate").id
    added = await (await mod.slash("debate judge add", member=owner, channel="debate")).ephemeral()
    assert "now a judge" in added.content
    await emulator.next_edit(lobby, predicate=lambda m: owner.mention in field(m, "Judges"))
    assert lobby.button_labels == ["Join", "Leave", "Begin", "Cancel"]
    positions = await begin(emulator, mod, lobby, thread, *members)
    assigned = await positions_of(bot, 1)
    assert sorted(assigned.values()) == sorted(NAMES)
    for position, name in NAMES.items():
        member = next(m for m in members if assigned[m.id] == position)
        assert member.mention in field(positions, name)
    brief = await (await alice.click(positions, "My brief")).ephemeral()
    assert NAMES[assigned[alice.id]] in brief.embed["title"]
    assert any("Expect from" in f["name"] for m in alice.ephemerals() for e in m.embeds
               for f in e.get("fields", []))  # fmt: skip

    # Judges score by position: liberals 9/7, conservatives 6/6, United States 4/5.
    judge_scores = {"liberal": (9, 7), "conservative": (6, 6), "united-states": (4, 5)}
    spoken: list[tuple[str, str]] = []
    order: list[str] = []
    for number in range(1, 7):
        announcement = await next_announcement(emulator, thread)
        speaker = speaker_of(announcement, members)
        position = assigned[speaker.id]
        order.append(position)
        assert f"(turn {number} of 6)" in announcement.content
        assert announcement.button_labels == ["Speak"]
        call = next(c for c in emulator.calls_to(f"POST /channels/{thread.id}/messages")
                    if c.body and c.body.get("content") == announcement.content)  # fmt: skip
        assert [str(u) for u in call.body["allowed_mentions"]["users"]] == [str(speaker.id)]
        assert call.body["allowed_mentions"]["parse"] == []
        text = f"Speech {number} by {speaker.name} for {position}: @everyone listen, <@{mod.id}>."
        confirmation = await speak(speaker, announcement, text)
        assert "is posted in the thread" in confirmation.content
        speech = await emulator.next_message(thread)
        assert speech.embed["title"].endswith(NAMES[position])
        assert "@everyone" not in speech.embed["description"]  # neutralised
        assert field(speech, "Speaker") == speaker.mention
        assert field(speech, "Position") == NAMES[position]
        assert field(speech, "Words") == str(len(text.replace("@", "").replace("<", " ").split()))
        assert field(speech, "Round") == (
            "Opening (1 of 2)" if number <= 3 else "Rebuttal (2 of 2)"
        )
        first, second = judge_scores[position]
        assert "8/10" in (await score(mod, speech, 8)).content
        assert "(it was 8)" in (await score(mod, speech, first)).content  # changeable
        await score(owner, speech, second)
        spoken.append((speaker.name, text))
    # speakers alternate positions and the opener rotates: round two starts with round one's second
    assert len(set(order[:3])) == 3 and len(set(order[3:])) == 3
    assert order[3] == order[1]

    vote = await emulator.next_message(thread)
    assert vote.button_labels == [NAMES["liberal"], NAMES["conservative"], NAMES["united-states"]]
    await refused(await alice.click(vote, NAMES["liberal"]), "Participants cannot vote")
    for judge in (mod, owner):  # their scores already count
        await refused(await judge.click(vote, NAMES["liberal"]), "Judges cannot vote")
    dave, erin = emulator.member("dave"), emulator.member("erin")  # the audience
    for voter, position in ((admin, "liberal"), (dave, "united-states"), (erin, "united-states")):
        reply = await (await voter.click(vote, NAMES[position])).ephemeral()
        assert f"Your vote for **{NAMES[position]}** is recorded" in reply.content
        assert not vote.embed.get("fields")  # the count stays hidden while the vote is open

    clock.advance(60)
    results = await emulator.next_message(thread)
    # liberals 16/1 + 10/3 = 19.33; United States 9/1 + 20/3 = 15.67; conservatives 12/1 = 12
    ranked = [f["name"] for f in results.embed["fields"][:3]]
    assert ranked == [f"1. {NAMES['liberal']} 🏆", f"2. {NAMES['united-states']}",
                      f"3. {NAMES['conservative']}"]  # fmt: skip
    liberal = next(m for m in members if assigned[m.id] == "liberal")
    assert "Total **19.33**" in results.embed["fields"][0]["value"]
    assert liberal.mention in field(results, "Best speaker")
    assert "Winner: **South Korean liberals**" in results.embed["description"]
    transcript = results.attachments[0]
    assert transcript.filename == "debate-1-transcript.md"
    markdown = transcript.text
    assert markdown.startswith(f"# Debate #1: {MOTION_TEXT}")
    positions_seen = [markdown.index(f"> {text}") for _, text in spoken]
    assert positions_seen == sorted(positions_seen)  # every speech, in order
    assert "Scores: Mod 9, Owner 7 (mean 8.00)" in markdown
    assert "| 1 | South Korean liberals (winner) |" in markdown
    await emulator.next_edit(vote, predicate=lambda m: all(b.get("disabled") for b in m.buttons))
    assert "2 votes" not in vote.text and "3 votes cast" in vote.text
    await emulator.next_edit(lobby, predicate=lambda m: "closed" in m.embed["title"])
    assert lobby.buttons == []

    rows = await bot.store.db.fetchall(
        "SELECT user_id, points, reason, reference FROM score_events WHERE category = 'debate' "
        "ORDER BY id"
    )
    got = sorted((r["user_id"], r["points"], r["reason"]) for r in rows)
    expected = []
    for member in members:
        speaker_points = {"liberal": 16, "conservative": 12, "united-states": 9}[
            assigned[member.id]
        ]
        expected += [(member.id, speaker_points, "Debate #1: speaker points"),
                     (member.id, 5, "Debate #1: took part")]  # fmt: skip
    expected.append((liberal.id, 10, "Debate #1: won as South Korean liberals"))
    assert got == sorted(expected)
    assert {r["reference"] for r in rows} == {"debate:1"}
    assert (await debate_row(bot))["status"] == "closed"
    stats = await bot.store.debates.member_stats(emulator.guild.id, liberal.id)
    assert dict(stats.argued) == {"liberal": 1} and stats.wins == 1
    assert stats.speeches_scored == 2 and stats.average_speech_score == pytest.approx(8.0)

    # Closed means closed: no more scores, and the ledger is written once.
    speech_message = next(m for m in emulator.messages_in(thread) if m.button_labels == ["Score"])
    await refused(await mod.click(speech_message, "Score"), "closed")
    await (await mod.slash("debate end", channel=thread)).ephemeral()  # nothing under way
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM score_events") == len(rows)

    history = await (await bob.slash("debate history", member=liberal)).ephemeral()
    assert "won" in history.embed["fields"][0]["value"]
    assert "1 debate · argued South Korean liberals 1 · 1 win ·" in history.embed["description"]

    # The debate feeds the scores: the profile and the debate leaderboard.
    profile = await (await liberal.slash("profile")).ephemeral()
    season = next(f["value"] for f in profile.embed["fields"] if f["name"].startswith("This"))
    assert season.startswith("**31 points** · quiz 0 · debate 31 · adjustments 0")
    debates = field(profile, "Debates")
    assert debates.startswith(
        "Argued: South Korean liberals 1 · South Korean conservatives 0 · United States 0"
    )
    assert "Wins: 1" in debates and "Average speech score: 8.0 (2 speeches)" in debates
    board = await (await bob.slash("leaderboard", board="debate")).message()
    assert board.embed["description"].splitlines()[0] == f"**1.** {liberal.mention} — 31 points"
    assert board.pings == set()
    copy = await (await bob.slash("debate transcript", id=1)).ephemeral()
    assert copy.attachments[0].text == markdown


async def test_three_debates_give_each_member_each_position_once(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member, carol: Member
) -> None:
    members = (alice, bob, carol)
    seen: dict[int, list[str]] = {m.id: [] for m in members}
    for debate_id in (1, 2, 3):
        lobby, thread, announcement = await under_way(emulator, mod, *members)
        await speak(speaker_of(announcement, members), announcement, "A short case.")
        assert (
            "vote is open"
            in (await (await mod.slash("debate end", channel=thread)).ephemeral()).content
        )
        assert (
            "results are posted"
            in (await (await mod.slash("debate end", channel=thread)).ephemeral()).content
        )
        await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
        await emulator.next_edit(lobby, predicate=lambda m: "closed" in m.embed["title"])
        for user, position in (await positions_of(bot, debate_id)).items():
            seen[user].append(position)
    assert all(sorted(positions) == sorted(NAMES) for positions in seen.values()), seen


# --- turns, timing and moderator controls ----------------------------------------------------


async def test_a_4000_character_speech_full_of_mentions_is_posted_whole_and_pings_nobody(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, announcement = await under_way(emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1)
    speaker = speaker_of(announcement, (alice, bob))
    text = (f"@everyone @here <@{mod.id}> <@&{emulator.role('Moderator').id}> " * 100)[:4000]
    text = text.strip()
    await speak(speaker, announcement, text)
    speech = await emulator.next_message(thread)
    assert speech.embed["description"] == text  # whole: nothing cut to make room
    assert speech.pings == set()
    assert await bot.store.db.fetchval("SELECT text FROM debate_speeches") == text


async def test_an_off_turn_speech_is_refused(
    emulator: Emulator, bot: Any, mod: Member, admin: Member, alice: Member, bob: Member
) -> None:
    _, thread, announcement = await under_way(emulator, mod, alice, bob, motion=TWO_SIDED)
    speaker = speaker_of(announcement, (alice, bob))
    other = bob if speaker == alice else alice
    await refused(await other.click(announcement, "Speak"), f"It is {shown(speaker)}'s turn")
    await refused(
        await other.slash("debate speak", channel=thread), f"It is {shown(speaker)}'s turn"
    )
    await refused(await admin.click(announcement, "Speak"), "turn to speak, not yours")
    modal = await (await speaker.slash("debate speak", channel=thread)).modal()
    assert modal.custom_id == "debate:speech:1:1"
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM debate_speeches") == 0


async def test_a_late_speech_within_the_grace_counts_and_past_it_is_handed_back(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, speech_minutes=1
    )
    speaker = speaker_of(first, (alice, bob))
    modal = await (await speaker.click(first, "Speak")).modal()
    clock.advance(60 + 20)  # the deadline passes while the member types
    notice = await emulator.next_message(thread)
    assert notice.content.startswith(f"No speech from {speaker.mention}")
    second = await next_announcement(emulator, thread)
    reply = await (await speaker.submit(modal, speech="Late but in time.")).ephemeral()
    assert "within the 30-second grace" in reply.content
    late = await emulator.next_message(thread)
    assert (
        late.embed["description"] == "Late but in time." and "late" in late.embed["footer"]["text"]
    )
    row = await bot.store.db.fetchone("SELECT status FROM debate_turns WHERE number = 1")
    assert row["status"] == "spoken"

    other = speaker_of(second, (alice, bob))
    modal = await (await other.click(second, "Speak")).modal()
    clock.advance(60 + 31)
    await emulator.next_message(thread, predicate=lambda m: m.content.startswith("No speech"))
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 180 for i in range(4))  # ~3,700 chars
    result = await other.submit(modal, speech=text)
    refusal = await result.ephemeral()
    assert "Time is up" in refusal.content and "nothing is lost" in refusal.content
    handed_back = [await result.followup(i) for i in range(2)]
    assert all(m.ephemeral and len(m.content) <= 2000 for m in handed_back)
    assert " ".join(" ".join(m.content.split()) for m in handed_back) == " ".join(text.split())
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM debate_speeches") == 1


async def test_pause_freezes_the_deadline_and_resume_restarts_it(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, speech_minutes=2
    )
    clock.advance(50)
    await (await mod.slash("debate pause", channel=thread)).ephemeral()
    assert "paused" in (await emulator.next_message(thread)).content
    row = await debate_row(bot)
    assert row["paused_remaining"] == pytest.approx(70) and row["deadline"] is None
    await refused(await speaker_of(first, (alice, bob)).click(first, "Speak"), "paused")
    clock.advance(3600)
    await bot.timers.idle()
    assert (await debate_row(bot))["current_turn"] == 1
    reply = await (await mod.slash("debate resume", channel=thread)).ephemeral()
    assert "Resumed" in reply.content
    assert (await debate_row(bot))["deadline"] == pytest.approx(clock.now() + 70)
    clock.advance(69)
    await bot.timers.idle()
    assert (await debate_row(bot))["current_turn"] == 1
    clock.advance(1)
    assert (
        "No speech"
        in (
            await emulator.next_message(thread, predicate=lambda m: "No speech" in m.content)
        ).content
    )
    await next_announcement(emulator, thread)
    assert (await debate_row(bot))["current_turn"] == 2


async def test_a_vote_opened_while_paused_waits_for_resume(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1, vote_minutes=1
    )
    await speak(speaker_of(first, (alice, bob)), first, "Opening case.")
    await next_announcement(emulator, thread)
    await (await mod.slash("debate pause", channel=thread)).ephemeral()
    await end_turn(mod, thread)  # the speaker still had time: the moderator confirms
    vote = await emulator.next_message(thread, predicate=lambda m: "Audience vote" in m.text)
    assert "when resumed" in vote.text
    clock.advance(3600)
    await bot.timers.idle()
    assert (await debate_row(bot))["status"] == "voting"
    await (await mod.slash("debate resume", channel=thread)).ephemeral()
    assert (await debate_row(bot))["deadline"] == pytest.approx(clock.now() + 60)
    clock.advance(60)
    await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    assert (await debate_row(bot))["status"] == "closed"


async def test_reminder_extend_next_and_remove(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member,
    carol: Member,
) -> None:  # fmt: skip
    members = (alice, bob, carol)
    _, thread, first = await under_way(emulator, mod, *members, rounds=1, speech_minutes=3)
    speaker = speaker_of(first, members)
    clock.advance(120)
    reminder = await emulator.next_message(thread)
    assert reminder.content.startswith(f"{speaker.mention}, one minute left")
    deadline = int(clock.now()) + 60
    assert reminder.content.endswith(f"speak by <t:{deadline}:t> (<t:{deadline}:R>).")
    assert reminder.pings == {speaker.id}  # the speaker, and only them
    await (await mod.slash("debate extend", minutes=2, channel=thread)).ephemeral()
    assert "added 2 min" in (await emulator.next_message(thread)).content
    clock.advance(61)
    await bot.timers.idle()
    assert (await debate_row(bot))["current_turn"] == 1  # extended past the old deadline
    clock.advance(119 - 60)
    again = await emulator.next_message(thread)
    assert "one minute left" in again.content
    await end_turn(mod, thread)
    await emulator.next_edit(first, predicate=lambda m: not m.buttons)
    assert first.content.endswith("— ⏭ skipped by a moderator")
    second = await next_announcement(emulator, thread)
    current = speaker_of(second, members)
    reply = await (await mod.slash("debate remove", member=current, channel=thread)).ephemeral()
    assert "is out of debate #1" in reply.content
    third = await next_announcement(emulator, thread)
    assert not third.content.startswith(current.mention)
    turns = await bot.store.db.fetchall("SELECT status FROM debate_turns ORDER BY number")
    assert [t["status"] for t in turns] == ["skipped", "removed", "open"]


async def test_swap_before_the_first_speech_only(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    lobby, thread = await open_lobby(emulator, mod, motion=TWO_SIDED)
    await begin(emulator, mod, lobby, thread, alice, bob)
    await next_announcement(emulator, thread)
    before = await positions_of(bot, 1)
    reply = await (
        await mod.slash("debate swap", member=alice, other=bob, channel=thread)
    ).ephemeral()
    assert "Swapped" in reply.content
    after = await positions_of(bot, 1)
    assert after == {alice.id: before[bob.id], bob.id: before[alice.id]}
    announcement = await next_announcement(emulator, thread)
    assert "(turn 1 of 6)" in announcement.content
    await speak(speaker_of(announcement, (alice, bob)), announcement, "Now it starts.")
    await next_announcement(emulator, thread)
    await refused(
        await mod.slash("debate swap", member=alice, other=bob, channel=thread),
        "only be swapped before the first speech",
    )


# --- permissions and roles -------------------------------------------------------------------


async def test_a_non_moderator_is_refused_on_every_control(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member, carol: Member
) -> None:
    await refused(
        await alice.slash("debate start", motion=MOTION, channel="debate"), MODERATOR_ONLY
    )
    lobby, thread = await open_lobby(emulator, mod)
    await join(lobby, alice, bob)
    await refused(await alice.click(lobby, "Begin"), MODERATOR_ONLY)
    await refused(await alice.click(lobby, "Cancel"), MODERATOR_ONLY)
    await (await mod.click(lobby, "Begin")).acknowledged()
    controls: list[tuple[str, dict[str, Any]]] = [
        ("debate next", {}),
        ("debate extend", {"minutes": 5}),
        ("debate pause", {}),
        ("debate resume", {}),
        ("debate remove", {"member": bob}),
        ("debate judge add", {"member": carol}),
        ("debate judge remove", {"member": mod}),
        ("debate end", {"reason": "I want to win"}),
        ("debate swap", {"member": alice, "other": bob}),
    ]
    for command, options in controls:
        await refused(await carol.slash(command, channel=thread, **options), MODERATOR_ONLY)
    row = await debate_row(bot)
    assert (
        row["status"] == "running" and row["current_turn"] == 1 and row["paused_remaining"] is None
    )
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM debate_judges") == 1


async def test_a_participant_cannot_judge_and_a_judge_cannot_join(
    emulator: Emulator, bot: Any, mod: Member, admin: Member, alice: Member, bob: Member
) -> None:
    lobby, thread = await open_lobby(emulator, mod, motion=TWO_SIDED)
    await refused(await mod.click(lobby, "Join"), "You are judging this debate")
    await begin(emulator, mod, lobby, thread, alice, bob)
    await refused(
        await mod.slash("debate judge add", member=alice, channel=thread),
        "Alice is arguing in this debate, and a participant cannot judge it",
    )
    announcement = await next_announcement(emulator, thread)
    speaker = speaker_of(announcement, (alice, bob))
    await speak(speaker, announcement, "Judge me.")
    speech = await emulator.next_message(thread)
    other = bob if speaker == alice else alice
    await refused(await other.click(speech, "Score"), "Participants cannot judge")
    await refused(await admin.click(speech, "Score"), "Only this debate's judges")
    await (await mod.slash("debate judge add", member=admin, channel=thread)).ephemeral()
    assert "6/10" in (await score(admin, speech, 6)).content
    await refused(
        await mod.slash("debate judge add", member=admin, channel=thread), "already a judge"
    )
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM debate_judges") == 2


async def test_a_double_vote_counts_once(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, admin: Member, owner: Member,
    alice: Member, bob: Member,
) -> None:  # fmt: skip
    lobby, thread = await open_lobby(emulator, mod, motion=TWO_SIDED, rounds=1, vote_minutes=1)
    await begin(emulator, mod, lobby, thread, alice, bob)
    for _ in range(2):
        announcement = await next_announcement(emulator, thread)
        await speak(speaker_of(announcement, (alice, bob)), announcement, "My case.")
    vote = await emulator.next_message(thread, predicate=lambda m: "Audience vote" in m.text)
    liberals, conservatives = NAMES["liberal"], NAMES["conservative"]
    await (await owner.click(vote, liberals)).ephemeral()
    again = await (await owner.click(vote, liberals)).ephemeral()
    assert "already voted" in again.content and "counts once" in again.content
    changed = await (await owner.click(vote, conservatives)).ephemeral()
    assert f"Your vote is now **{conservatives}**" in changed.content
    await (await admin.click(vote, conservatives)).ephemeral()
    assert await bot.store.debates.votes(1) == {owner.id: "conservative", admin.id: "conservative"}
    clock.advance(60)
    results = await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    assert "(2 of 2 votes)" in results.embed["fields"][0]["value"]
    await emulator.next_edit(vote, predicate=lambda m: "2 votes cast" in m.text)
    await refused(await _vote_after_close(admin, vote), "The vote has closed")


async def _vote_after_close(member: Member, vote: Message) -> Any:
    """Press a vote button after the vote closed (a stale client still can)."""
    for button in vote.buttons:
        button["disabled"] = False
    return await member.click(vote, vote.buttons[0]["custom_id"])


# --- lobby, restarts and reading back --------------------------------------------------------


async def test_a_lobby_with_one_member_is_refused_at_begin(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    lobby, thread = await open_lobby(emulator, mod)
    await join(lobby, alice)
    await refused(await alice.click(lobby, "Join"), "already joined")
    await refused(
        await mod.click(lobby, "Begin"), "At least 2 members must join", "(1 joined so far)"
    )
    assert (await debate_row(bot))["status"] == "lobby"
    await join(lobby, bob)
    removed = await (await mod.slash("debate remove", member=bob, channel="debate")).ephemeral()
    assert "is out of debate #1" in removed.content
    await emulator.next_edit(lobby, predicate=lambda m: bob.mention not in m.text)
    assert lobby.button_labels == ["Join", "Leave", "Begin", "Cancel"]
    await (await alice.click(lobby, "Leave")).acknowledged()
    assert "Nobody yet." in lobby.text
    await refused(await alice.click(lobby, "Leave"), "You have not joined")
    await refused(
        await mod.slash("debate start", motion=MOTION, channel="debate"), "already under way"
    )
    await (await mod.click(lobby, "Cancel")).ephemeral()
    cancelled = await emulator.next_message(thread)
    assert "was cancelled" in cancelled.content
    await emulator.next_edit(lobby, predicate=lambda m: "cancelled" in m.embed["title"])
    assert lobby.buttons == []
    await open_lobby(emulator, mod)  # the channel is free again


async def test_a_deleted_thread_cancels_the_debate_without_points(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    lobby, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1, speech_minutes=1
    )
    await speak(speaker_of(first, (alice, bob)), first, "Said before the thread went.")
    await next_announcement(emulator, thread)
    await emulator.delete_channel(thread)
    clock.advance(60)  # the turn ends: its "no speech" notice has nowhere to go
    await emulator.next_edit(lobby, predicate=lambda m: "cancelled" in m.embed["title"])
    row = await debate_row(bot)
    assert (row["status"], row["end_reason"]) == ("cancelled", "The debate's thread was deleted.")
    assert lobby.buttons == [] and "thread was deleted" in lobby.embed["footer"]["text"]
    clock.advance(3600)
    await bot.timers.idle()
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM timers") == 0
    assert await bot.store.db.fetchval("SELECT COUNT(*) FROM score_events") == 0
    assert (await bot.store.debates.unfinished_business()) == []  # nothing retried at start-up
    await open_lobby(emulator, mod)  # the channel is free again


async def test_a_thread_the_bot_may_not_post_in_pauses_the_debate_until_resumed(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1, speech_minutes=2
    )
    speaker = speaker_of(first, (alice, bob))
    fault = emulator.forbid(channel=thread)
    clock.advance(30)
    await speak(speaker, first, "Heard by nobody yet.")
    note = await speaker.next_ephemeral(predicate=lambda m: "may not post" in m.content)
    assert "the debate is paused" in note.content and "/debate resume" in note.content
    row = await debate_row(bot)
    assert (row["current_turn"], row["paused_remaining"]) == (2, pytest.approx(120))
    clock.advance(3600)  # nobody misses a turn they could not see
    await bot.timers.idle()
    assert (await debate_row(bot))["current_turn"] == 2

    refused_resume = await (await mod.slash("debate resume", channel="debate")).ephemeral()
    assert refused_resume.content.startswith("Resumed")
    again = await mod.next_ephemeral(predicate=lambda m: "may not post" in m.content)
    assert "paused" in again.content
    assert sum("may not post" in m.content for m in mod.ephemerals()) == 1  # said once
    assert (await debate_row(bot))["paused_remaining"] == pytest.approx(120)

    emulator.remove_fault(fault)
    await (await mod.slash("debate resume", channel="debate")).ephemeral()
    speech = await emulator.next_message(thread, predicate=lambda m: bool(m.embeds))
    assert speech.embed["description"] == "Heard by nobody yet."
    second = await next_announcement(emulator, thread)
    assert (await debate_row(bot))["deadline"] == pytest.approx(clock.now() + 120)
    assert second.pings == {(bob if speaker == alice else alice).id}


async def test_a_lobby_that_can_no_longer_be_edited_never_posts_the_results_twice(
    emulator: Emulator, harness: BotHarness, mod: Member, alice: Member, bob: Member
) -> None:
    lobby, thread, announcement = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1
    )
    await speak(speaker_of(announcement, (alice, bob)), announcement, "Short and sweet.")
    emulator.forbid("PATCH /channels/", channel="debate")  # the lobby's channel
    await (await mod.slash("debate end", channel=thread)).ephemeral()
    await (await mod.slash("debate end", channel=thread)).ephemeral()
    await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    lobby_edit = f"PATCH /channels/{lobby.channel_id}/messages/{lobby.id}"
    await emulator.wait_until(
        lambda: any(c.status == 403 for c in emulator.calls_to(lobby_edit)),
        what="the refused edit of the lobby",
    )
    bot = await harness.restart()
    await bot.debates.catch_up()  # as on_ready does; must post nothing new
    results = [m for m in emulator.messages_in(thread) if m.attachments]
    assert len(results) == 1
    assert (await debate_row(bot))["results_message_id"] == results[0].id


async def test_an_abrupt_restart_mid_turn_resumes_the_same_turn_and_buttons(
    emulator: Emulator, harness: BotHarness, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=2, speech_minutes=2
    )
    speaker = speaker_of(first, (alice, bob))
    other = bob if speaker == alice else alice
    modal = await (await speaker.click(first, "Speak")).modal()  # opened before the crash
    clock.advance(30)
    await harness.bot.debates.publish(1)  # every message due is recorded
    before = await debate_row(harness.bot)
    count = len(emulator.messages_in(thread))

    bot = await harness.restart(abrupt=True)
    after = await debate_row(bot)
    assert (after["current_turn"], after["deadline"]) == (1, before["deadline"])
    await refused(await other.click(first, "Speak"), f"It is {shown(speaker)}'s turn")
    reply = await (await speaker.submit(modal, speech="Typed across a crash.")).ephemeral()
    assert "is posted" in reply.content
    speech = await emulator.next_message(thread)
    assert speech.embed["description"] == "Typed across a crash."
    second = await next_announcement(emulator, thread)
    assert second.content.startswith(other.mention)
    assert len(emulator.messages_in(thread)) == count + 2  # nothing posted twice
    clock.advance(120)
    assert (
        "No speech"
        in (
            await emulator.next_message(thread, predicate=lambda m: "No speech" in m.content)
        ).content
    )
    third = await next_announcement(emulator, thread)
    assert "(turn 3 of 4)" in third.content
    assert (
        await bot.store.db.fetchval("SELECT COUNT(*) FROM timers WHERE kind LIKE 'debate.%'") == 2
    )


async def test_every_button_works_after_an_abrupt_restart(
    emulator: Emulator,
    harness: BotHarness,
    clock: Any,
    mod: Member,
    admin: Member,
    alice: Member,
    bob: Member,
) -> None:
    async def crash() -> Any:
        """An abrupt restart once the bot has posted what is due (a crash between posting a
        message and recording it would post it again: at least once, by design)."""
        await harness.bot.debates.publish(1)
        return await harness.restart(abrupt=True)

    lobby, thread = await open_lobby(emulator, mod, motion=TWO_SIDED, rounds=1, vote_minutes=1)
    await join(lobby, alice)
    await crash()
    await join(lobby, bob)  # Join
    await (await bob.click(lobby, "Leave")).acknowledged()  # Leave
    await join(lobby, bob)
    await crash()
    await (await mod.click(lobby, "Begin")).acknowledged()  # Begin
    positions = await emulator.next_message(thread)
    await crash()
    brief = await (await alice.click(positions, "My brief")).ephemeral()  # My brief
    assert brief.embed["title"].startswith("Your brief:")
    first = await next_announcement(emulator, thread)
    await crash()
    await speak(speaker_of(first, (alice, bob)), first, "Opening after a crash.")  # Speak
    speech = await emulator.next_message(thread)
    second = await next_announcement(emulator, thread)
    await crash()
    assert "7/10" in (await score(mod, speech, 7)).content  # Score
    await speak(speaker_of(second, (alice, bob)), second, "Closing the round.")
    vote = await emulator.next_message(thread, predicate=lambda m: "Audience vote" in m.text)
    bot = await crash()
    choice = vote.button_labels[0]
    assert "is recorded" in (await (await admin.click(vote, choice)).ephemeral()).content  # vote
    clock.advance(60)
    results = await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    assert f"Winner: **{choice}**" in results.embed["description"]
    assert (await debate_row(bot))["status"] == "closed"

    lobby2, _ = await open_lobby(emulator, mod)
    await crash()
    await (await mod.click(lobby2, "Cancel")).ephemeral()  # Cancel
    await emulator.next_edit(lobby2, predicate=lambda m: "cancelled" in m.embed["title"])


async def test_a_reloaded_debate_cog_takes_over_its_timers(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1, speech_minutes=1
    )
    old_output = bot.debates.output
    await bot.unload_extension("cogs.debate")
    clock.advance(61)  # due while unloaded: nothing may act on it
    await asyncio.wait_for(bot.timers.idle(), 5)
    assert (await debate_row(bot))["current_turn"] == 1
    await bot.load_extension("cogs.debate")
    assert bot.debates.output is not old_output
    clock.advance(5)  # the timer's retry
    notice = await emulator.next_message(thread, predicate=lambda m: "No speech" in m.content)
    assert notice.content.startswith(f"No speech from {speaker_of(first, (alice, bob)).mention}")
    await next_announcement(emulator, thread)


async def test_history_transcript_and_help(
    emulator: Emulator, bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    empty = await (await alice.slash("debate history")).ephemeral()
    assert "No finished debate" in empty.text
    lobby, thread = await open_lobby(emulator, mod, motion=TWO_SIDED, rounds=1)
    await refused(await alice.slash("debate transcript", id=1), "still under way")
    await refused(await alice.slash("debate transcript", id=99), "no debate #99")
    await begin(emulator, mod, lobby, thread, alice, bob)
    announcement = await next_announcement(emulator, thread)
    await speak(speaker_of(announcement, (alice, bob)), announcement, "One speech only.")
    await (await mod.slash("debate end", reason="Out of time", channel="debate")).ephemeral()
    assert (
        "Out of time"
        in (
            await emulator.next_message(
                thread, predicate=lambda m: "ended the speeches" in m.content
            )
        ).content
    )
    await (await mod.slash("debate end", channel="debate")).ephemeral()
    results = await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    assert "No winner" in results.embed["description"]
    history = await (await alice.slash("debate history")).ephemeral()
    assert history.embed["description"] == "1 finished debate, newest first."
    assert history.embed["fields"][0]["name"].startswith("#1 · This house believes")
    transcript = await (await alice.slash("debate transcript", id=1)).ephemeral()
    assert "Reason given: Out of time" in transcript.attachments[0].text
    assert "One speech only." in transcript.attachments[0].text
    page = await (await mod.slash("help")).ephemeral()  # /debate start is in moderators' help
    help_text = page.text
    while not page.find_component("Next").get("disabled"):
        page = await (await mod.click(page, "Next")).message()
        help_text += "\n" + page.text
    assert "/debate start" in help_text and "10 × its share" in help_text


async def test_start_autocompletes_motions_and_refuses_what_it_cannot_run(
    emulator: Emulator, bot: Any, mod: Member, alice: Member
) -> None:
    choices = await mod.autocomplete("debate start", motion="deterrence", channel="debate")
    assert choices[0].value == MOTION and choices[0].name == MOTION_TEXT
    everything = await mod.autocomplete("debate start", motion="", channel="debate")
    assert len(everything) == len(bot.library.default.motions)
    await refused(
        await mod.slash("debate start", motion="abolish the moon", channel="debate"),
        "is not a motion of the wedging-strategy pack",
    )
    side = await emulator.create_thread("debate", "side chat", owner=alice)
    await refused(await mod.slash("debate start", motion=MOTION, channel=side), "not in a thread")
    await refused(await alice.slash("debate speak", channel="debate"), "no debate under way")
    by_text = await (
        await mod.slash("debate start", motion=MOTION_TEXT.upper(), channel="general")
    ).ephemeral()
    assert "Debate #1 is open" in by_text.content
    assert emulator.threads("general")[0].name == THREAD_NAME


# --- a fair experience (issue 20) ------------------------------------------------------------


async def test_next_asks_first_and_a_speech_being_written_still_counts(
    emulator: Emulator, bot: Any, clock: Any, mod: Member, alice: Member, bob: Member
) -> None:
    _, thread, first = await under_way(
        emulator, mod, alice, bob, motion=TWO_SIDED, rounds=1, speech_minutes=3
    )
    deadline = int(clock.now()) + 180
    assert f"speak by <t:{deadline}:t> (<t:{deadline}:R>)" in first.content
    speaker = speaker_of(first, (alice, bob))
    other = bob if speaker == alice else alice
    modal = await (await speaker.click(first, "Speak")).modal()  # she starts writing
    clock.advance(30)

    question = await (await mod.slash("debate next", channel=thread)).ephemeral()
    assert question.button_labels == ["End turn", "Keep going"]
    assert f"{shown(speaker)} still has 2 min 30 s left for turn 1" in question.content
    assert f"turn 1, until <t:{deadline}:t> (<t:{deadline}:R>). End the turn now?" in (
        question.content
    )
    await (await mod.click(question, "Keep going")).acknowledged()
    assert "Turn 1 carries on" in question.content and question.buttons == []
    assert (await debate_row(bot))["current_turn"] == 1

    asked = await (await mod.slash("debate next", channel=thread)).ephemeral()
    again = await (await mod.slash("debate next", channel=thread)).ephemeral()  # asked twice
    await emulator.take_role(mod, "Moderator")  # checked on the click, not only on the command
    await refused(await mod.click(asked, "End turn"), MODERATOR_ONLY)
    assert (await debate_row(bot))["current_turn"] == 1
    await emulator.give_role(mod, "Moderator")
    await (await mod.click(asked, "End turn")).acknowledged()
    assert "Turn 1 ended" in asked.content and asked.buttons == []
    await emulator.next_edit(first, predicate=lambda m: not m.buttons)
    assert first.content.endswith("— ⏭ skipped by a moderator")
    assert first.pings == {speaker.id}  # the edit pinged nobody anew
    second = await next_announcement(emulator, thread)
    assert second.content.startswith(other.mention)
    await refused(
        await mod.click(again, "End turn"),
        "Turn 1 has already ended (it was already ended by a moderator)",
    )
    await refused(await mod.click(again, "Keep going"), "Turn 1 has already ended")

    clock.advance(20)  # within the grace of the skip
    reply = await (await speaker.submit(modal, speech="Written before the skip.")).ephemeral()
    assert "within the 30-second grace" in reply.content
    speech = await emulator.next_message(thread, predicate=lambda m: bool(m.embeds))
    assert speech.embed["description"] == "Written before the skip."
    await emulator.next_edit(first, predicate=lambda m: "spoke" in m.content)
    assert first.content.endswith("— ✅ spoke · 4 words · late, within the grace")
    assert not any("No speech" in m.content for m in emulator.messages_in(thread))
    turns = await bot.store.db.fetchall("SELECT status FROM debate_turns ORDER BY number")
    assert [t["status"] for t in turns] == ["spoken", "open"]

    late_question = await (await mod.slash("debate next", channel=thread)).ephemeral()
    clock.advance(180)  # turn 2 runs out before the moderator answers
    await emulator.next_message(thread, predicate=lambda m: "Audience vote" in m.text)
    await emulator.next_edit(second, predicate=lambda m: not m.buttons)
    assert second.content.endswith("— ⏱ no speech")
    await refused(
        await mod.click(late_question, "End turn"), "Turn 2 has already ended (its time ran out)"
    )


async def test_unscored_speeches_are_left_out_judges_are_told_and_the_channel_hears(
    emulator: Emulator,
    bot: Any,
    clock: Any,
    mod: Member,
    owner: Member,
    alice: Member,
    bob: Member,
) -> None:
    dave = emulator.member("dave", dms_open=False)  # a judge who takes no direct messages
    erin = emulator.member("erin")  # the audience
    lobby, thread = await open_lobby(
        emulator, mod, motion=TWO_SIDED, rounds=2, speech_minutes=2, vote_minutes=2
    )
    for judge in (owner, dave):
        await (await mod.slash("debate judge add", member=judge, channel="debate")).ephemeral()
    await begin(emulator, mod, lobby, thread, alice, bob)
    assigned = await positions_of(bot, 1)

    async def speech_of(member: Member, announcement: Message, text: str) -> Message:
        await speak(member, announcement, text)
        return await emulator.next_message(thread, predicate=lambda m: bool(m.embeds))

    first = await next_announcement(emulator, thread)
    x = speaker_of(first, (alice, bob))
    y = bob if x == alice else alice
    await score(mod, await speech_of(x, first, "X opens the case."), 8)
    second = await next_announcement(emulator, thread)
    await score(mod, await speech_of(y, second, "Y answers it."), 6)
    third = await next_announcement(emulator, thread)
    assert third.content.startswith(y.mention)  # the opener moves along
    await speech_of(y, third, "Y again, and no judge scores this one.")
    fourth = await next_announcement(emulator, thread)
    clock.advance(120)  # X misses the last turn: it counts 0
    await emulator.next_edit(fourth, predicate=lambda m: not m.buttons)
    assert fourth.content.endswith("— ⏱ no speech")
    vote = await emulator.next_message(thread, predicate=lambda m: "Audience vote" in m.text)
    assert "Participants and judges cannot vote" in vote.text

    # Every judge with speeches left to score is told which, with their Score buttons.
    told = await mod.next_dm()
    assert "you have not scored 1 speech yet" in told.content
    assert told.button_labels == ["Score"] and shown(y) in told.embed["description"]
    assert "Rebuttal" in told.embed["description"]
    owners = await owner.next_dm()
    assert "you have not scored 3 speeches yet" in owners.content
    assert owners.button_labels == ["Score", "Score", "Score"]
    assert [b["emoji"]["name"] for b in owners.buttons] == ["1️⃣", "2️⃣", "3️⃣"]
    modal = await (await owner.click(owners, "1️⃣")).modal()  # in a DM: no guild
    assert modal.title == f"Score {shown(x)}: Opening"
    scored = await (await owner.submit(modal, score="8")).ephemeral()
    assert f"You scored {shown(x)}'s opening speech 8/10" in scored.content
    line = await emulator.next_message(thread, predicate=lambda m: dave.mention in m.content)
    assert line.pings == {dave.id}  # only him
    assert "could not send you a direct message" in line.content
    assert "3 speeches" in line.content and "\n" not in line.content
    assert dave.dms() == []

    # The channel where the lobby was posted hears about the vote.
    notice = await emulator.next_message("debate", predicate=lambda m: "audience vote" in m.text)
    reminded = await bot.store.db.fetchall(
        "SELECT judge_id, via, speeches FROM debate_judge_reminders ORDER BY speeches, via"
    )
    assert [(r["judge_id"], r["via"], r["speeches"]) for r in reminded] == [
        (mod.id, "dm", 1), (owner.id, "dm", 3), (dave.id, "thread", 3),
    ]  # fmt: skip
    closes = int(clock.now()) + 120
    assert f"vote in <#{thread.id}>" in notice.content
    assert f"it closes at <t:{closes}:t> (<t:{closes}:R>)" in notice.content
    assert notice.pings == set()
    y_side = NAMES[assigned[y.id]]
    await refused(await owner.click(vote, y_side), "Judges cannot vote")
    assert "is recorded" in (await (await erin.click(vote, y_side)).ephemeral()).content

    clock.advance(120)
    results = await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))
    # X: 8 and a missed turn -> 4 a turn x 2 = 8; Y: 6 and an unscored speech -> 6 x 2 = 12
    assert f"Winner: **{y_side}**" in results.embed["description"]
    y_field = results.embed["fields"][0]["value"]
    assert f"{y.mention} 12.0 (1 speech unscored)" in y_field
    assert "1 speech unscored, left out of the average" in y_field
    assert "Total **22.00** = speakers 12.00 (6.00 a turn × 2 turns ÷ 1 speaker)" in y_field
    assert f"{x.mention} 8.0" in results.embed["fields"][1]["value"]
    assert "Unscored: no judge scored it" in results.attachments[0].text
    summary = await emulator.next_message("debate", predicate=lambda m: "won" in m.content)
    assert summary.content.startswith("Debate #1 (")
    assert f"**{y_side}** won 🏆" in summary.content and f"<#{thread.id}>" in summary.content
    assert "\n" not in summary.content and summary.pings == set()
    rows = await bot.store.db.fetchall(
        "SELECT user_id, points FROM score_events WHERE reason LIKE '%speaker points'"
    )
    assert {(r["user_id"], r["points"]) for r in rows} == {(x.id, 8), (y.id, 12)}


async def test_preparation_pings_every_participant_once_and_the_first_turn_follows_it(
    emulator: Emulator,
    harness: BotHarness,
    clock: Any,
    mod: Member,
    alice: Member,
    bob: Member,
    carol: Member,
) -> None:
    members = (alice, bob, carol)
    await (await mod.slash("debate start", motion=MOTION, channel="debate")).ephemeral()
    lobby = await emulator.next_message("debate", predicate=lambda m: bool(m.buttons))
    assert "2 min to prepare" in field(lobby, "Format")  # the default
    thread = emulator.threads("debate")[-1]
    await join(lobby, *members)
    await (await mod.click(lobby, "Begin")).acknowledged()
    positions = await emulator.next_message(thread)
    starts = int(clock.now()) + 120
    assert positions.button_labels == ["My brief"]
    assert positions.pings == {m.id for m in members}  # each once, nobody else
    assigned = await positions_of(harness.bot, 1)
    for member in members:
        assert f"{member.mention} argues **{NAMES[assigned[member.id]]}**" in positions.content
    assert f"the first turn opens at <t:{starts}:t> (<t:{starts}:R>)" in positions.content
    assert "preparing" in lobby.embed["title"]
    await refused(await alice.slash("debate speak", channel=thread), "still preparing")
    brief = await (await bob.click(positions, "My brief")).ephemeral()
    assert brief.embed["title"].startswith("Your brief:")
    swapped = await (
        await mod.slash("debate swap", member=alice, other=carol, channel=thread)
    ).ephemeral()
    assert "The preparation carries on." in swapped.content
    now_argues = NAMES[assigned[carol.id]]
    await emulator.next_edit(
        positions, predicate=lambda m: f"{alice.mention} argues **{now_argues}**" in m.content
    )

    extended = await (await mod.slash("debate extend", minutes=1, channel=thread)).ephemeral()
    later = starts + 60
    assert f"the preparation now ends at <t:{later}:t> (<t:{later}:R>)" in extended.content

    bot = await harness.restart(abrupt=True)  # a crash while they prepare
    clock.advance(179)
    await asyncio.wait_for(bot.timers.idle(), 5)
    assert not any("it is your turn" in m.content for m in emulator.messages_in(thread))
    clock.advance(1)
    first = await next_announcement(emulator, thread)
    assert "(turn 1 of 9)" in first.content
    assert first.pings == {speaker_of(first, members).id}
    row = await debate_row(bot)
    assert (row["current_turn"], row["deadline"]) == (1, pytest.approx(clock.now() + 180))
    assert sum(1 for m in emulator.messages_in(thread) if m.button_labels == ["My brief"]) == 1

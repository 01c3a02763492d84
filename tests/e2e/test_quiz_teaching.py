"""Quizzes that teach, end to end through the emulator (issues 16, 18 and 20): shuffled choices
that agree across a restart, FSRS practice and ``/quiz due``, review quizzes started and
scheduled, accuracy-first points, the quiz's public first message, edited "Locked in" replies,
role pings only when a schedule asks, the practice tally and **Done**, ``/profile``'s mastery and
leeches.

The demo pack from ``tests/packs.py`` has five questions: p1-who-objects (P1), p2-first-plan (P2)
and p3-lesson (P3) with four choices, p2-oaks-tended (P2) and standfirst-shrubs-worked true/false.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from bot.errors import UserError
from bot.rules.srs import LEARNING, describe_interval, reviewed
from tests.e2e.test_quiz import next_question, question_on, right, round_id_of, wrong
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

DAY = 86_400.0


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """Only the demo pack, so every question of a test is known."""
    root = tmp_path / "content"
    write_pack(root)
    return root


async def header_in(emulator: Emulator, channel: str = "general") -> Message:
    return await emulator.next_message(channel, predicate=lambda m: not m.embeds)


async def reveal_in(emulator: Emulator, channel: str = "general") -> Message:
    return await emulator.next_message(channel, predicate=lambda m: "Answer to" in m.text)


async def standings_in(emulator: Emulator, channel: str = "general") -> Message:
    return await emulator.next_message(channel, predicate=lambda m: "standings" in m.text)


async def reply_to(member: Member, message: Message, label: str) -> Message:
    return await (await member.click(message, label)).ephemeral()


# =============================================================================== issue 16


async def test_shuffled_choices_are_stored_and_agree_across_a_restart(
    harness: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member
) -> None:
    bot = harness.bot
    bot.quiz.rng = random.Random(4)  # an order that does not start with the pack's answer
    await (await alice.slash("quiz start", questions=1, seconds=30, section="P1")).ephemeral()
    q1 = await next_question(emulator)
    rnd = await bot.store.quiz.round(round_id_of(q1))
    assert sorted(rnd.choice_order) == [0, 1, 2, 3] and rnd.choice_order[0] != 0
    shown = await question_on(bot, q1)
    pack_question = bot.library.get("demo").question("p1-who-objects")
    assert shown.answer_text == pack_question.answer_text == "Shop owners"
    assert shown.answer_label != "A"
    for label, text in zip(shown.labels, shown.choices, strict=True):
        assert f"**{label}.** {text}" in q1.text  # the embed lists the choices as shown
    assert q1.button_labels == ["A", "B", "C", "D"]

    locked = await reply_to(alice, q1, shown.answer_label)
    assert locked.content.startswith(f"Locked in: {shown.answer_label}.")
    bob_label = wrong(shown)
    await reply_to(bob, q1, bob_label)

    bot = await harness.restart(abrupt=True)  # the order comes from the database now
    stands = await reply_to(alice, q1, bob_label)
    assert f"your answer {shown.answer_label} stands" in stands.content
    clock.advance(30)
    reveal = await reveal_in(emulator)
    assert f"**{shown.answer_label}** — Shop owners" in reveal.text
    assert f"✅ **{shown.answer_label}**: 1" in reveal.text
    assert f"▫️ **{bob_label}**: 1" in reveal.text
    assert f"▫️ **A**: {int(bob_label == 'A')}" in reveal.text
    styles = {b["label"]: b["style"] for b in q1.buttons}
    assert styles[shown.answer_label] == 3 and all(b["disabled"] for b in q1.buttons)

    # Answers store the choice itself (the pack's index), not the letter shown.
    rows = await bot.store.db.fetchall(
        "SELECT user_id, choice, correct FROM quiz_answers ORDER BY user_id"
    )
    bob_choice = pack_question.choices.index(shown.choices[shown.labels.index(bob_label)])
    assert {r["user_id"]: (r["choice"], r["correct"]) for r in rows} == {
        alice.id: (pack_question.answer, 1),
        bob.id: (bob_choice, 0),
    }
    # /profile agrees: alice right, bob wrong on P1.
    profile = await (await alice.slash("profile")).ephemeral()
    assert "P1 1/1 (100%)" in profile.text
    assert "P1 0/1 (0%)" in (await (await bob.slash("profile")).ephemeral()).text


async def test_a_round_without_a_stored_order_keeps_the_packs_order(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    """Buttons of a round from before shuffling (no order stored) keep working unshuffled."""
    await (await alice.slash("quiz start", questions=1, seconds=30, section="P1")).ephemeral()
    q1 = await next_question(emulator)
    await bot.store.db.execute("UPDATE quiz_rounds SET choice_order = NULL")
    locked = await reply_to(alice, q1, "A")  # the pack's answer, as it was before shuffling
    assert locked.content.startswith("Locked in: A.")
    clock.advance(30)
    reveal = await reveal_in(emulator)
    assert "**A** — Shop owners" in reveal.text and "✅ **A**: 1" in reveal.text
    assert await bot.store.db.fetchval("SELECT correct FROM quiz_answers") == 1


async def test_two_showings_of_a_question_are_not_always_in_the_same_order(
    bot: Any, emulator: Emulator, bob: Member
) -> None:
    shown = await (await bob.slash("quiz practice", section="P1")).ephemeral()
    orders = []
    for _ in range(6):
        question = await question_on(bot, shown)
        assert question.id == "p1-who-objects"  # the only question of P1 comes back
        orders.append((await bot.store.quiz.round(round_id_of(shown))).choice_order)
        result = await (await bob.click(shown, wrong(question))).message()
        assert f"Not quite: you chose **{wrong(question)}**" in result.text
        assert f"The answer is **{question.answer_label}** — Shop owners" in result.text
        shown = await (await bob.click(result, "Next")).message()
    assert len(set(orders)) > 1


# =============================================================================== issue 18


async def test_practice_wrong_is_due_now_and_right_comes_back_later(
    bot: Any, emulator: Emulator, clock: Any, bob: Member
) -> None:
    start = clock.now()
    first = await (await bob.slash("quiz practice", section="P3")).ephemeral()
    question = await question_on(bot, first)
    missed = await (await bob.click(first, wrong(question))).message()
    assert "Due again in 1 minute." in missed.text
    assert f"Next review: <t:{int(start + 60)}:R>" in missed.text
    assert "box" not in missed.text.lower() and "leitner" not in missed.text.lower()
    record = (await bot.store.quiz.progress(emulator.guild.id, bob.id, "demo"))["p3-lesson"]
    assert (record.state, record.due_at, record.last_right) == (LEARNING, start + 60, False)
    due = await (await bob.slash("quiz due")).ephemeral()
    assert "**1** due now" in due.text and "**P3 — The lesson**: 1 now" in due.text
    assert "4 not tried yet" in due.text

    again = await (await bob.click(missed, "Next")).message()  # nothing else in P3: it again
    question = await question_on(bot, again)
    assert question.id == "p3-lesson" and "You missed this one before" in again.text
    right_now = await (await bob.click(again, right(question))).message()
    assert "Due again in 10 minutes." in right_now.text

    clock.advance(600)
    later = await (await bob.click(right_now, "Next")).message()
    question = await question_on(bot, later)
    assert question.id == "p3-lesson"
    known = await (await bob.click(later, right(question))).message()
    expected = None
    for correct, at in ((False, start), (True, start), (True, start + 600)):
        expected = reviewed(expected, question, correct, at)
    assert expected is not None and expected.due_at - (start + 600) >= DAY
    assert f"Due again in {describe_interval(expected.due_at - (start + 600))}." in known.text
    assert "day" in describe_interval(expected.due_at - (start + 600))
    assert "2 of 3 right this session" in known.text

    done = await (await bob.click(known, "Next")).message()  # nothing due in P3 any more
    assert done.embed["title"] == "Practice — nothing due right now"
    assert f"Next review: <t:{int(expected.due_at)}:R>" in done.text
    due = await (await bob.slash("quiz due")).ephemeral()
    assert "**0** due now · **1** more in the next 7 days" in due.text


async def test_a_review_quiz_asks_the_groups_weak_spots_and_updates_cards(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    emulator.ratelimits.relax()
    guild, now = emulator.guild.id, clock.now()
    pack = bot.library.get("demo")
    lesson, plan = pack.question("p3-lesson"), pack.question("p2-first-plan")
    for user in (901, 902, 903):  # three members missed the lesson: due for three
        await bot.store.quiz.save_progress(
            guild, "demo", {user: reviewed(None, lesson, False, now - 3600)}, now
        )
    for user, correct in ((904, True), (905, False), (906, False)):  # 1 of 3 right here
        done = reviewed(reviewed(None, plan, correct, now - 9 * DAY), plan, True, now - 9 * DAY)
        done = reviewed(done, plan, correct, now - 8 * DAY)
        await bot.store.quiz.save_progress(guild, "demo", {user: done}, now)

    note = await (
        await alice.slash("quiz start", questions=3, seconds=10, mode="review")
    ).ephemeral()
    assert note.content.startswith("Quiz started: 3 questions, 10 seconds each.")
    assert "2 of the 3 questions are this server's weak spots" in note.content
    header = await header_in(emulator)
    assert header.content.startswith(f"Review quiz started by {alice.mention}: 3 questions × 10 s.")
    quiz = await bot.store.quiz.running_in(emulator.channel("general").id)
    assert (quiz.mode, quiz.review_picked) == ("review", 2)
    assert quiz.question_ids[:2] == ("p3-lesson", "p2-first-plan")

    q1 = await next_question(emulator)
    await reply_to(alice, q1, right(await question_on(bot, q1)))
    clock.advance(10)
    await reveal_in(emulator)
    card = (await bot.store.quiz.progress(guild, alice.id, "demo"))["p3-lesson"]
    assert card.last_right and card.seen == 1  # the review answer updated her FSRS card
    assert await bot.store.db.fetchval("SELECT sum(points) FROM score_events") == 15

    for _ in range(2):  # let the quiz run out
        clock.advance(5)
        await next_question(emulator)
        clock.advance(10)
        await reveal_in(emulator)
    clock.advance(5)
    await standings_in(emulator)

    # Asked here within 24 hours: the next review cannot ask them again, and nothing else has
    # enough history, so it says so and chooses as usual.
    note = await (
        await alice.slash("quiz start", questions=2, seconds=10, mode="review")
    ).ephemeral()
    assert "Too little history for a review yet" in note.content
    quiz = await bot.store.quiz.running_in(emulator.channel("general").id)
    assert quiz.review_picked == 0 and "p3-lesson" not in quiz.question_ids[:1]


async def test_a_scheduled_review_quiz_pings_its_role_and_nothing_else_pings(
    bot: Any, emulator: Emulator, clock: Any, admin: Member, alice: Member, bob: Member
) -> None:
    emulator.ratelimits.relax()
    fans = await emulator.create_role("Quiz fans", mentionable=True)
    await emulator.give_role(bob, fans)
    reply = await (
        await admin.slash(
            "schedule add", channel=emulator.channel("quiz"), time="12:05", timezone="UTC",
            mode="review", ping=fans, name="Weak spots", questions=1,
        )
    ).ephemeral()  # fmt: skip
    assert "review" in reply.content and f"pings <@&{fans.id}>" in reply.content
    plain = await (
        await admin.slash("schedule add", channel=emulator.channel("debate"), time="12:05")
    ).ephemeral()
    assert plain.content.startswith("Scheduled #2")
    listing = await (await admin.slash("schedule list")).ephemeral()
    assert f"Pings: <@&{fans.id}> when a run starts" in listing.text

    clock.advance(5 * 60)
    header = await header_in(emulator, "quiz")
    assert header.content.startswith(f"<@&{fans.id}>\nReview quiz from the schedule “Weak spots”")
    assert "Too little history for a review yet" in header.content
    assert header.pings == {bob.id}
    sent = header.allowed_mentions or {}
    assert [int(r) for r in sent.get("roles", [])] == [fans.id]  # that role only
    assert sent.get("parse") == [] and not sent.get("users")
    question = await next_question_in(emulator, "quiz")
    assert question.pings == set()
    quiz = await bot.store.quiz.running_in(emulator.channel("quiz").id)
    assert (quiz.mode, quiz.source, quiz.ping_role_id) == ("review", "scheduled", fans.id)
    other = await header_in(emulator, "debate")
    assert other.pings == set() and "<@&" not in other.content


async def next_question_in(emulator: Emulator, channel: str) -> Message:
    return await emulator.next_message(channel, predicate=lambda m: bool(m.buttons))


async def test_accuracy_points_cap_the_bonuses_and_the_first_message_says_so(
    bot: Any, emulator: Emulator, clock: Any, admin: Member, alice: Member, bob: Member
) -> None:
    emulator.ratelimits.relax()
    changed = await (await admin.slash("settings quiz-points", mode="accuracy")).ephemeral()
    assert "Points (accuracy)" in changed.text
    assert (await bot.store.guilds.get(emulator.guild.id)).quiz_points == "accuracy"
    refused = await (await alice.slash("settings quiz-points", mode="classic")).ephemeral()
    assert refused.content.startswith("Only admins (Manage Server)")

    await (await alice.slash("quiz start", questions=3, seconds=20)).ephemeral()
    header = await header_in(emulator)
    assert "Points (accuracy): 10 per right answer" in header.content
    assert "more right answers always win" in header.content
    replies = []
    for index in range(3):
        question_message = await next_question(emulator)
        question = await question_on(bot, question_message)
        replies.append(await reply_to(alice, question_message, right(question)))
        if index == 0:
            await reply_to(bob, question_message, right(question))
        clock.advance(20)
        await reveal_in(emulator)
        clock.advance(5)
    final = await standings_in(emulator)
    # alice: 10 + 5 speed; 10 + 4 speed (the cap of 9 reached); 10. Classic would give 48.
    assert f"{alice.mention} — 39 points · 3/3 right" in final.text
    assert f"{bob.mention} — 15 points · 1/3 right" in final.text
    await emulator.wait_until(
        lambda: replies[2].content.startswith("✅"), what="the last reply to be edited"
    )
    assert replies[0].content.startswith("✅ +15 = 10 + 5 speed")
    assert replies[1].content.startswith("✅ +14 = 10 + 4 speed —")
    assert replies[2].content.startswith("✅ +10 —")


async def test_retention_setting_changes_the_schedule(
    bot: Any, emulator: Emulator, clock: Any, admin: Member, bob: Member
) -> None:
    set_to = await (await admin.slash("settings retention", value=0.8)).ephemeral()
    assert "Desired retention set to 0.8" in set_to.text
    assert (await bot.store.guilds.get(emulator.guild.id)).retention == 0.8
    start = clock.now()
    shown = await (await bob.slash("quiz practice", section="P1")).ephemeral()
    result = await (await bob.click(shown, right(await question_on(bot, shown)))).message()
    clock.advance(600)
    shown = await (await bob.click(result, "Next")).message()
    await (await bob.click(shown, right(await question_on(bot, shown)))).message()
    question = bot.library.get("demo").question("p1-who-objects")
    expected = reviewed(
        reviewed(None, question, True, start, 0.8), question, True, start + 600, 0.8
    )
    record = (await bot.store.quiz.progress(emulator.guild.id, bob.id, "demo"))[question.id]
    assert record.due_at == expected.due_at
    default = reviewed(reviewed(None, question, True, start), question, True, start + 600)
    assert default.due_at < expected.due_at  # 0.8 waits longer than the default 0.9


async def test_profile_shows_mastery_and_leeches(
    bot: Any, emulator: Emulator, clock: Any, bob: Member
) -> None:
    now = clock.now()
    pack = bot.library.get("demo")
    plan = pack.question("p2-first-plan")
    record = None
    for miss in range(8):
        record = reviewed(record, plan, False, now - DAY + miss * 60)
    lesson = pack.question("p3-lesson")
    known = reviewed(reviewed(None, lesson, True, now - 900), lesson, True, now - 300)
    await bot.store.quiz.save_progress(emulator.guild.id, "demo", {bob.id: record}, now)
    await bot.store.quiz.save_progress(emulator.guild.id, "demo", {bob.id: known}, now)
    profile = await (await bob.slash("profile")).ephemeral()
    assert "Questions mastered (recall chance 90%+ now): 1" in profile.text
    assert "Leeches (missed 8+ times): 1" in profile.text
    assert "P2: Why did the first plan fail? (missed 8×)" in profile.text

    # Practice tells once that it is a leech and points to its paragraph.
    shown = await (await bob.slash("quiz practice", section="P2", difficulty="medium")).ephemeral()
    question = await question_on(bot, shown)
    told = await (await bob.click(shown, wrong(question))).message()
    assert "You have missed this question 9 times" in told.text
    assert "`/summary section:P2`" in told.text
    shown = await (await bob.click(told, "Next")).message()
    again = await (await bob.click(shown, wrong(await question_on(bot, shown)))).message()
    assert "/summary" not in again.text  # once


# =============================================================================== issue 20


async def test_the_quiz_opens_with_a_public_first_message(
    bot: Any, emulator: Emulator, alice: Member
) -> None:
    await (await alice.slash("quiz start", questions=2, seconds=20)).ephemeral()
    header = await emulator.next_message("general")  # before the first question
    assert header.content.splitlines() == [
        f"Quiz started by {alice.mention}: 2 questions × 20 s.",
        "Points (classic): 10 per right answer, +0–5 for speed, +1 per right answer in a row "
        "after the first (at most +5).",
    ]
    assert header.pings == set() and not header.ephemeral
    assert header.nonce == f"qh:{(await bot.store.quiz.running_in(header.channel_id)).id}"
    assert (await next_question(emulator)).embed["title"] == "Question 1 of 2"


async def test_reveal_edits_locked_in_replies_with_the_points(
    bot: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member
) -> None:
    emulator.ratelimits.relax()
    await (await alice.slash("quiz start", questions=3, seconds=20)).ephemeral()
    q1 = await next_question(emulator)
    shown1 = await question_on(bot, q1)
    alice1 = await reply_to(alice, q1, right(shown1))
    bob1 = await reply_to(bob, q1, wrong(shown1))
    assert alice1.content.startswith("Locked in:")
    clock.advance(20)
    await reveal_in(emulator)
    await emulator.wait_until(lambda: bob1.content.startswith("❌"), what="bob's reply edited")
    assert alice1.content == f"✅ +15 = 10 + 5 speed — your answer {right(shown1)} was right."
    assert bob1.content == f"❌ +0 — you chose {wrong(shown1)}; the answer was {right(shown1)}."
    await asyncio.wait_for(bot.timers.idle(), 5)
    tokens = "SELECT count(*) FROM quiz_answers WHERE reply_token IS NOT NULL"
    assert await bot.store.db.fetchval(tokens) == 0  # the tokens are dropped once used

    clock.advance(5)
    q2 = await next_question(emulator)
    shown2 = await question_on(bot, q2)
    clock.advance(10)
    alice2 = await reply_to(alice, q2, right(shown2))
    clock.advance(10)
    reveal2 = await reveal_in(emulator)
    assert "Nobody got it right" not in reveal2.text
    await emulator.wait_until(lambda: alice2.content.startswith("✅"), what="alice's reply edited")
    # 10 s of 20 left: 2.5 rounds half up to 3; her second right answer in a row: +1.
    assert alice2.content.startswith("✅ +14 = 10 + 3 speed + 1 streak")

    clock.advance(5)
    await next_question(emulator)  # nobody answers question 3
    clock.advance(20)
    reveal3 = await reveal_in(emulator)
    assert "Nobody answered this question." in reveal3.text
    assert "Nobody got it right" not in reveal3.text
    clock.advance(5)
    final = await standings_in(emulator)
    assert f"**1.** {alice.mention} — 29 points · 2/3 right" in final.text
    assert f"**2.** {bob.mention} — 0 points · 0/3 right" in final.text


async def test_a_reply_whose_token_expired_is_left_alone(
    harness: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    await (await alice.slash("quiz start", questions=1, seconds=30)).ephemeral()
    q1 = await next_question(emulator)
    locked = await reply_to(alice, q1, right(await question_on(harness.bot, q1)))
    await harness.stop(abrupt=True)
    clock.advance(20 * 60)  # down past the deadline and the 15 minutes of the token
    bot = await harness.start()
    await reveal_in(emulator)
    await standings_in(emulator)
    assert locked.content.startswith("Locked in:")  # never edited, and no failed call either
    assert not [c for c in emulator.calls_to("PATCH /webhooks/") if c.status >= 400]
    assert await bot.store.db.fetchval("SELECT sum(points) FROM score_events") == 15


async def test_a_true_false_reveal_names_the_answer_once(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    await (
        await alice.slash("quiz start", questions=1, seconds=20, section="P2", difficulty="easy")
    ).ephemeral()
    q1 = await next_question(emulator)
    question = await question_on(bot, q1)
    assert question.kind == "truefalse" and q1.button_labels == ["True", "False"]
    await reply_to(alice, q1, "True")
    clock.advance(20)
    reveal = await reveal_in(emulator)
    assert "The answer is **True**." in reveal.text
    assert reveal.text.count("True") == 1 and "False" not in reveal.text
    assert "✅ right: 1" in reveal.text and "▫️ wrong: 0" in reveal.text


async def test_practice_keeps_a_tally_never_repeats_at_once_and_ends_with_done(
    bot: Any, emulator: Emulator, bob: Member
) -> None:
    shown = await (await bob.slash("quiz practice")).ephemeral()
    assert shown.button_labels[-1] == "Done"
    seen: list[str] = []
    results: list[str] = []
    for index in range(4):
        question = await question_on(bot, shown)
        seen.append(question.id)
        label = right(question) if index % 2 == 0 else wrong(question)
        result = await (await bob.click(shown, label)).message()
        results.append(result.text)  # the one message is edited on: keep each state's text
        assert "box" not in result.text.lower() and "Next review: <t:" in result.text
        if index < 3:
            shown = await (await bob.click(result, "Next")).message()
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert "1 of 1 right this session" in results[0]
    assert "1 of 2 right this session" in results[1]
    assert "2 of 4 right this session" in results[3]
    done = await (await bob.click(result, "Done")).message()
    assert done.embed["title"] == "Practice — done"
    assert "2 of 4 right this session." in done.text and "Next review: <t:" in done.text
    assert done.buttons == []
    round_id = await bot.store.db.fetchval("SELECT max(id) FROM quiz_rounds")
    with pytest.raises(UserError, match="This practice has ended"):
        await bot.quiz.practice_next(emulator.guild.id, bob.id, round_id)
    assert await bot.store.db.fetchval("SELECT count(*) FROM score_events") == 0


def test_an_interaction_token_in_a_logged_webhook_url_is_redacted() -> None:
    """discord.py logs webhook URLs at DEBUG; the reply tokens the quiz keeps never show."""
    from bot.adapter.logs import redact

    line = (
        "Webhook ID 12 with PATCH http://127.0.0.1:9/api/v10/webhooks/12/aW50ZXJhY3Rpb246Ojk5"
        "OTpzZWNyZXQ/messages/@original has returned status code 200"
    )
    assert redact(line) == (
        "Webhook ID 12 with PATCH http://127.0.0.1:9/api/v10/webhooks/12/[redacted]"
        "/messages/@original has returned status code 200"
    )

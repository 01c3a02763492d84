"""Live quizzes and practice end to end: the real bot driven through the emulator with the
shared ``FakeClock`` and the demo pack from ``tests/packs.py`` (five questions: three A–D, two
true/false). The rules and the store have their own tests in ``tests/rules`` and
``tests/store``.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from bot.content import Question
from bot.errors import Conflict
from bot.rules.quiz import QuizChannelUnavailable
from bot.services.quiz import POST_TRIES
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

SECONDS = 20
_ROUND_ID = re.compile(r"quiz:answer:(\d+):\d")


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """Only the demo pack, so every question of a test is known."""
    root = tmp_path / "content"
    write_pack(root)
    return root


def round_id_of(message: Message) -> int:
    match = _ROUND_ID.fullmatch(message.buttons[0]["custom_id"])
    assert match is not None, message.summary()
    return int(match[1])


async def question_on(bot: Any, message: Message) -> Question:
    """The question on a message as members see it: its choices in the round's order."""
    rnd = await bot.store.quiz.round(round_id_of(message))
    found = await bot.quiz.shown_of(rnd)
    assert found is not None
    return found


def right(q: Question) -> str:
    return q.answer_label


def wrong(q: Question) -> str:
    return next(label for label in q.labels if label != q.answer_label)


async def ephemeral_to(member: Member, message: Message, label: str) -> str:
    return (await (await member.click(message, label)).ephemeral()).content


async def next_question(emulator: Emulator) -> Message:
    return await emulator.next_message("general", predicate=lambda m: bool(m.buttons))


async def ledger(bot: Any) -> list[tuple[int, int, str]]:
    rows = await bot.store.db.fetchall(
        "SELECT user_id, points, reference FROM score_events WHERE category = 'quiz' ORDER BY id"
    )
    return [(r["user_id"], r["points"], r["reference"]) for r in rows]


async def quiz_total(bot: Any, user: Member) -> int | None:
    return await bot.store.db.fetchval(
        "SELECT points FROM score_totals WHERE board = 'quiz' AND period = 'all' AND user_id = ?",
        (user.id,),
    )


async def test_a_whole_quiz_with_three_members(
    bot: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member, carol: Member
) -> None:
    emulator.ratelimits.relax()  # seven messages in one channel within seconds of fake time
    note = await (await alice.slash("quiz start", questions=3, seconds=SECONDS)).ephemeral()
    assert note.content == "Quiz started: 3 questions, 20 seconds each."
    opened = clock.now()

    # Question 1: alice right at once, bob wrong then again, carol right half-way.
    q1 = await next_question(emulator)
    question = await question_on(bot, q1)
    assert q1.button_labels == list(question.labels)
    assert q1.embed["title"] == "Question 1 of 3"
    assert question.prompt in q1.text and question.difficulty in q1.text
    assert f"<t:{int(opened + SECONDS)}:R>" in q1.text
    assert question.paragraph in q1.text
    assert await ephemeral_to(alice, q1, right(question)) == (
        f"Locked in: {right(question)}. Results <t:{int(opened + SECONDS)}:R>"
    )
    assert (await ephemeral_to(bob, q1, wrong(question))).startswith("Locked in:")
    second = await ephemeral_to(bob, q1, right(question))
    assert f"your answer {wrong(question)} stands" in second
    clock.advance(10)
    assert (await ephemeral_to(carol, q1, right(question))).startswith("Locked in:")
    assert await ledger(bot) == []  # nothing to learn before the reveal
    assert (
        await bot.store.db.fetchval("SELECT count(*) FROM quiz_answers WHERE points IS NOT NULL")
        == 0
    )

    clock.advance(10)
    reveal = await emulator.next_message("general")
    r1 = round_id_of(q1)
    assert reveal.embed["title"] == "Answer to question 1 of 3"
    assert question.explanation in reveal.text
    assert "Answers (3)" in reveal.text
    if question.kind == "truefalse":  # the answer is named once; the counts say right/wrong
        assert "✅ right: 2" in reveal.text and "wrong: 1" in reveal.text
        assert reveal.text.count(right(question)) == 1
    else:  # the counts name the letters as shown
        assert f"**{right(question)}**: 2" in reveal.text
        assert f"**{wrong(question)}**: 1" in reveal.text
    assert f"{alice.mention} in 0.0 s" in reveal.text
    assert all(b["disabled"] for b in q1.buttons)
    assert q1.button_labels == list(question.labels)
    styles = {b["label"]: b["style"] for b in q1.buttons}
    assert styles[right(question)] == 3 and styles[wrong(question)] == 2
    assert await ledger(bot) == [
        (alice.id, 15, f"quiz-round:{r1}"),
        (carol.id, 13, f"quiz-round:{r1}"),
    ]

    # Question 2: alice right again (streak +1), bob right late-ish, carol too late.
    clock.advance(5)
    q2 = await next_question(emulator)
    question = await question_on(bot, q2)
    assert q2.embed["title"] == "Question 2 of 3"
    await ephemeral_to(alice, q2, right(question))
    clock.advance(15)
    await ephemeral_to(bob, q2, right(question))
    clock.advance(5)
    assert "this question has closed" in await ephemeral_to(carol, q2, right(question))
    await emulator.next_message("general")  # the reveal

    # Question 3: alice wrong (breaks her streak), bob right (streak +1), carol right.
    clock.advance(5)
    q3 = await next_question(emulator)
    question = await question_on(bot, q3)
    await ephemeral_to(alice, q3, wrong(question))
    await ephemeral_to(bob, q3, right(question))
    clock.advance(5)
    await ephemeral_to(carol, q3, right(question))
    clock.advance(15)
    await emulator.next_message("general")  # the reveal
    final = await emulator.next_message("general")
    assert final.embed["title"] == "Quiz over — standings"
    assert f"**1.** {alice.mention} — 31 points" in final.text
    assert f"**2.** {bob.mention} — 27 points" in final.text
    assert f"**2.** {carol.mention} — 27 points" in final.text  # a tie shares the rank
    assert "/quiz practice" in final.text

    r2, r3 = round_id_of(q2), round_id_of(q3)
    assert await ledger(bot) == [
        (alice.id, 15, f"quiz-round:{r1}"),
        (carol.id, 13, f"quiz-round:{r1}"),
        (alice.id, 16, f"quiz-round:{r2}"),
        (bob.id, 11, f"quiz-round:{r2}"),
        (bob.id, 16, f"quiz-round:{r3}"),
        (carol.id, 14, f"quiz-round:{r3}"),
    ]
    assert [await quiz_total(bot, m) for m in (alice, bob, carol)] == [31, 27, 27]
    rows = await bot.store.db.fetchall(
        "SELECT round_id, user_id, points FROM quiz_answers ORDER BY round_id, answered_at"
    )
    assert [(r["user_id"], r["points"]) for r in rows] == [
        (alice.id, 15), (bob.id, 0), (carol.id, 13),
        (alice.id, 16), (bob.id, 11),
        (alice.id, 0), (bob.id, 16), (carol.id, 14),
    ]  # fmt: skip
    quiz = await bot.store.quiz.quiz(1)
    assert quiz.status == "finished"
    stats = await bot.store.quiz.member_stats(emulator.guild.id, alice.id, now=clock.now())
    assert (stats.answered, stats.correct, stats.current_streak, stats.best_streak) == (3, 2, 0, 2)
    clock.advance(60)
    await bot.timers.idle()
    # the first message, 3 questions, 3 reveals, the standings
    assert len(emulator.messages_in("general")) == 8


async def run_out(emulator: Emulator, clock: Any, questions: int, seconds: int) -> list[Message]:
    """Let a quiz that just posted its first question run to its standings; its questions."""
    posted = [await next_question(emulator)]
    for index in range(questions):
        clock.advance(seconds)
        await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
        clock.advance(5)
        if index + 1 < questions:
            posted.append(await next_question(emulator))
    await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    return posted


async def test_stop_is_for_the_starter_or_a_moderator(
    bot: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member, mod: Member
) -> None:
    await (await alice.slash("quiz start", questions=3, seconds=30)).ephemeral()
    q1 = await next_question(emulator)
    question = await question_on(bot, q1)
    await ephemeral_to(alice, q1, right(question))
    refused = await (await bob.slash("quiz stop")).ephemeral()
    assert "Only the member who started this quiz or a moderator can stop it" in refused.content
    assert (await bot.store.quiz.running_in(emulator.channel("general").id)) is not None

    stopped = await (await mod.slash("quiz stop")).ephemeral()
    assert stopped.content.startswith("Quiz stopped after 1 of 3 questions")
    reveal = await emulator.next_message("general")
    assert reveal.embed["title"] == "Answer to question 1 of 3"
    assert all(b["disabled"] for b in q1.buttons)
    final = await emulator.next_message("general")
    assert final.embed["title"] == "Quiz stopped — standings"
    assert (
        f"{alice.mention} — 15 points" in final.text and f"Stopped by {mod.mention}" in final.text
    )
    assert await ledger(bot) == [(alice.id, 15, f"quiz-round:{round_id_of(q1)}")]
    quiz = await bot.store.quiz.quiz(1)
    assert (quiz.status, quiz.stopped_by) == ("stopped", mod.id)
    assert await bot.store.timers.by_kind("quiz.close") == []
    clock.advance(120)
    await bot.timers.idle()
    assert len(emulator.messages_in("general")) == 4  # first message; no further question
    nothing = await (await bob.slash("quiz stop")).ephemeral()
    assert nothing.content == "No quiz is running in this channel."


async def test_the_starter_may_stop_between_questions(
    bot: Any, emulator: Emulator, clock: Any, bob: Member
) -> None:
    await (await bob.slash("quiz start", questions=2, seconds=10)).ephemeral()
    await next_question(emulator)
    clock.advance(10)
    await emulator.next_message("general")  # the reveal; the next question is 5 s away
    stopped = await (await bob.slash("quiz stop")).ephemeral()
    assert stopped.content.startswith("Quiz stopped after 1 of 2 questions")
    final = await emulator.next_message("general")
    assert final.embed["title"] == "Quiz stopped — standings"
    assert "Nobody answered this time." in final.text
    clock.advance(30)
    await bot.timers.idle()
    assert len(emulator.messages_in("general")) == 4  # the first message, Q1, reveal, standings


async def test_a_second_quiz_in_the_same_channel_is_refused(
    bot: Any, emulator: Emulator, alice: Member, bob: Member
) -> None:
    await (await alice.slash("quiz start", questions=3)).ephemeral()
    await next_question(emulator)
    refused = await (await bob.slash("quiz start")).ephemeral()
    assert (
        f"a quiz is already running here (question 1 of 3, started by {alice.mention})"
        in refused.content
    )
    elsewhere = await (await bob.slash("quiz start", channel="quiz", questions=1)).ephemeral()
    assert elsewhere.content.startswith("Quiz started")
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 2


async def test_an_abrupt_restart_mid_question_loses_and_doubles_nothing(
    harness: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member, carol: Member
) -> None:
    await (await alice.slash("quiz start", questions=2, seconds=30)).ephemeral()
    q1 = await next_question(emulator)
    question = await question_on(harness.bot, q1)
    await ephemeral_to(alice, q1, right(question))

    bot = await harness.restart(abrupt=True)
    clock.advance(10)
    assert (await ephemeral_to(bob, q1, wrong(question))).startswith("Locked in:")
    assert f"your answer {right(question)} stands" in await ephemeral_to(alice, q1, wrong(question))
    clock.advance(20)
    reveal = await emulator.next_message("general")
    assert "Answers (2)" in reveal.text
    clock.advance(5)
    q2 = await next_question(emulator)
    assert q2.embed["title"] == "Question 2 of 2"
    question2 = await question_on(bot, q2)
    await ephemeral_to(carol, q2, right(question2))

    # Down while the deadline passes: it closes at once on start-up and the quiz ends.
    await harness.stop(abrupt=True)
    clock.advance(90)
    bot = await harness.start()
    reveal2 = await emulator.next_message("general")
    assert reveal2.embed["title"] == "Answer to question 2 of 2"
    final = await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    assert f"{carol.mention} — 15 points" in final.text
    assert all(b["disabled"] for b in q2.buttons)

    answers = await bot.store.db.fetchall(
        "SELECT round_id, user_id, choice FROM quiz_answers ORDER BY round_id, user_id"
    )
    stored = {(r["round_id"], r["user_id"]): r["choice"] for r in answers}
    pack = bot.library.get("demo")

    def as_in_pack(shown: Question, label: str) -> int:
        """The pack's index of the choice shown under ``label``: what an answer stores."""
        return pack.question(shown.id).choices.index(shown.choices[shown.labels.index(label)])

    assert stored == {
        (round_id_of(q1), alice.id): pack.question(question.id).answer,
        (round_id_of(q1), bob.id): as_in_pack(question, wrong(question)),
        (round_id_of(q2), carol.id): pack.question(question2.id).answer,
    }
    assert await ledger(bot) == [
        (alice.id, 15, f"quiz-round:{round_id_of(q1)}"),
        (carol.id, 15, f"quiz-round:{round_id_of(q2)}"),
    ]
    assert sum(1 for m in emulator.messages_in("general") if "standings" in m.text) == 1


async def test_no_question_repeats_until_every_match_was_asked(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    emulator.ratelimits.relax()
    all_ids = {q.id for q in bot.library.get("demo").questions}
    await (await alice.slash("quiz start", questions=3, seconds=10)).ephemeral()
    first = [(await question_on(bot, m)).id for m in await run_out(emulator, clock, 3, 10)]
    await (await alice.slash("quiz start", questions=2, seconds=10)).ephemeral()
    second = [(await question_on(bot, m)).id for m in await run_out(emulator, clock, 2, 10)]
    assert set(first) | set(second) == all_ids and len(set(first + second)) == 5
    await (await alice.slash("quiz start", questions=1, seconds=10)).ephemeral()
    third = [(await question_on(bot, m)).id for m in await run_out(emulator, clock, 1, 10)]
    assert third == [first[0]]  # every question was asked: the one asked longest ago returns


async def test_filters_with_too_few_questions_run_with_what_there_is(
    bot: Any, emulator: Emulator, alice: Member
) -> None:
    note = await (await alice.slash("quiz start", questions=5, section="P2")).ephemeral()
    assert "Only 2 questions match these filters, so the quiz runs with 2" in note.content
    q1 = await next_question(emulator)
    assert q1.embed["title"] == "Question 1 of 2"
    assert (await question_on(bot, q1)).paragraph == "P2"
    none = await (
        await alice.slash("quiz start", channel="quiz", section="P1", difficulty="hard")
    ).ephemeral()
    assert "No question in demo matches section P1 and difficulty hard" in none.content
    unknown = await (await alice.slash("quiz start", channel="quiz", section="P9")).ephemeral()
    assert "There is no section 'P9'" in unknown.content
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 1


async def test_section_autocomplete_shows_ref_and_title(bot: Any, alice: Member) -> None:
    choices = await alice.autocomplete("quiz start", section="P")
    assert [(c.name, c.value) for c in choices] == [
        ("P1 — The quarrel", "P1"), ("P2 — Two plans", "P2"), ("P3 — The lesson", "P3")
    ]  # fmt: skip
    lesson = await alice.autocomplete("quiz practice", section="lesson")
    assert [c.value for c in lesson] == ["P3"]


async def test_only_moderators_start_when_the_server_says_so(
    bot: Any, alice: Member, admin: Member, mod: Member
) -> None:
    await (await admin.slash("settings quiz-starters", starters="moderators")).ephemeral()
    refused = await (await alice.slash("quiz start")).ephemeral()
    assert "Only moderators can start live quizzes" in refused.content
    started = await (await mod.slash("quiz start", questions=1)).ephemeral()
    assert started.content.startswith("Quiz started")


async def test_practice_brings_a_missed_question_back_and_never_scores(
    bot: Any, emulator: Emulator, bob: Member
) -> None:
    first = await (await bob.slash("quiz practice")).ephemeral()
    missed = await question_on(bot, first)
    assert "New question for you." in first.text
    result = await (await bob.click(first, wrong(missed))).message()
    assert result.embed["title"] == "Practice — wrong"
    assert missed.explanation in result.text and missed.paragraph in result.text
    assert result.button_labels == [*missed.labels, "Next", "Done"]
    assert all(b["disabled"] for b in result.buttons[:-2])

    shown = await (await bob.click(result, "Next")).message()
    other = await question_on(bot, shown)
    assert other.id != missed.id
    result = await (await bob.click(shown, right(other))).message()
    assert result.embed["title"] == "Practice — right"

    back = await (await bob.click(result, "Next")).message()
    again = await question_on(bot, back)  # shown in an order drawn for this showing
    assert again.id == missed.id
    assert "You missed this one before" in back.text
    assert (await (await bob.click(back, right(again))).message()).embed["title"] == (
        "Practice — right"
    )

    guild = emulator.guild.id
    progress = await bot.store.quiz.progress(guild, bob.id, "demo")
    record = progress[missed.id]
    assert (record.seen, record.correct, record.last_right) == (2, 1, True)
    assert progress[other.id].last_right and progress[other.id].seen == 1
    stats = await bot.store.quiz.member_stats(guild, bob.id, now=bot.clock.now())
    assert (stats.answered, stats.correct, stats.current_streak, stats.best_streak) == (3, 2, 2, 2)
    assert await ledger(bot) == []
    assert await bot.store.db.fetchval("SELECT count(*) FROM score_totals") == 0


async def test_practice_filters_and_the_article_card_button(
    bot: Any, emulator: Emulator, alice: Member, bob: Member
) -> None:
    shown = await (await alice.slash("quiz practice", section="P2", difficulty="easy")).ephemeral()
    assert (await question_on(bot, shown)).id == "p2-oaks-tended"
    card = await (await alice.slash("article")).message()
    practice = await (await bob.click(card, "Practice quiz")).ephemeral()
    assert practice.embed["title"].startswith("Practice — ")
    assert practice.buttons and practice.ephemeral_for == bob.id


async def test_the_help_states_the_points_rule(bot: Any, alice: Member) -> None:
    page = await (await alice.slash("help")).ephemeral()
    text = page.text
    while "Next" in page.button_labels and not next(
        b for b in page.buttons if b["label"] == "Next"
    ).get("disabled"):
        page = await (await alice.click(page, "Next")).message()
        text += page.text
    assert "/quiz start" in text and "/quiz practice" in text
    assert "a right answer earns 10" in text and "at most +5" in text


async def test_a_scheduled_start_needs_no_interaction_and_reports_the_channel(
    bot: Any, emulator: Emulator, alice: Member
) -> None:
    engine = bot.quiz
    guild = emulator.guild.id
    quiz_channel = emulator.channel("quiz")
    fault = emulator.forbid(channel=quiz_channel)
    with pytest.raises(QuizChannelUnavailable, match="missing a permission"):
        await engine.start_live(
            guild_id=guild, channel_id=quiz_channel.id, started_by=None, questions=2,
            seconds=60, source="scheduled", title="Morning quiz",
        )  # fmt: skip
    emulator.remove_fault(fault)
    gone = emulator.channel("debate").id
    await emulator.delete_channel("debate")
    with pytest.raises(QuizChannelUnavailable, match="no longer exists"):
        await engine.start_live(guild_id=guild, channel_id=gone, started_by=None)
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    assert await bot.store.db.fetchval("SELECT count(*) FROM timers") == 0
    assert await bot.store.quiz.last_asked(guild, "demo") == {}

    quiz_id = (await engine.start_live(
        guild_id=guild, channel_id=quiz_channel.id, started_by=None, questions=2, seconds=60,
        source="scheduled", title="Morning quiz",
    )).id  # fmt: skip
    assert await engine.running_in(quiz_channel.id)
    header = await emulator.next_message("quiz")
    assert header.content.startswith("Quiz from the schedule “Morning quiz”: 2 questions × 60 s.")
    posted = await emulator.next_message("quiz")
    assert posted.embed["title"] == "Morning quiz — Question 1 of 2"
    assert (await bot.store.quiz.quiz(quiz_id)).source == "scheduled"
    with pytest.raises(Conflict):
        await engine.start_live(guild_id=guild, channel_id=quiz_channel.id, started_by=None)
    refused = await (await alice.slash("quiz start", channel="quiz")).ephemeral()
    assert "started by the schedule “Morning quiz”" in refused.content
    only_mods = await (await alice.slash("quiz stop", channel="quiz")).ephemeral()
    assert "Only the member who started this quiz or a moderator" in only_mods.content


async def test_many_members_clicking_at_once_are_all_stored_once(
    bot: Any, emulator: Emulator, alice: Member
) -> None:
    await (await alice.slash("quiz start", questions=1, seconds=30)).ephemeral()
    q1 = await next_question(emulator)
    crowd = [emulator.member(f"fan{i}") for i in range(40)]
    clicks = [crowd[i % 40].click(q1, q1.button_labels[i % 2]) for i in range(80)]
    results = await asyncio.gather(*clicks)
    replies = [(await r.ephemeral()).content for r in results]
    assert sum(text.startswith("Locked in:") for text in replies) == 40
    assert sum("stands" in text for text in replies) == 40
    assert await bot.store.db.fetchval("SELECT count(*) FROM quiz_answers") == 40


async def test_a_reveal_that_fails_once_is_posted_by_the_next_step(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    await (await alice.slash("quiz start", questions=2, seconds=10)).ephemeral()
    q1 = await next_question(emulator)
    await ephemeral_to(alice, q1, right(await question_on(bot, q1)))
    emulator.fail_next(1, status=503, route="POST /channels/")  # the reveal's post
    clock.advance(10)
    await emulator.next_edit(q1, predicate=lambda m: all(b["disabled"] for b in m.buttons))
    await bot.timers.idle()
    assert not [m for m in emulator.messages_in("general") if "Answer to" in m.text]
    clock.advance(5)
    reveal = await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
    assert reveal.embed["title"] == "Answer to question 1 of 2"
    q2 = await next_question(emulator)
    assert q2.embed["title"] == "Question 2 of 2"
    assert await ledger(bot) == [(alice.id, 15, f"quiz-round:{round_id_of(q1)}")]


async def test_a_channel_that_refuses_messages_ends_the_quiz_and_points_stand(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    await (await alice.slash("quiz start", questions=3, seconds=10)).ephemeral()
    q1 = await next_question(emulator)
    await ephemeral_to(alice, q1, right(await question_on(bot, q1)))
    fault = emulator.forbid("POST /channels/", channel="general")
    clock.advance(10)
    await emulator.next_edit(q1, predicate=lambda m: all(b["disabled"] for b in m.buttons))
    clock.advance(60)
    await bot.timers.idle()
    quiz = await bot.store.quiz.quiz(1)
    assert quiz.status == "abandoned"
    assert await ledger(bot) == [(alice.id, 15, f"quiz-round:{round_id_of(q1)}")]
    assert await bot.store.db.fetchval("SELECT count(*) FROM timers") == 0
    emulator.remove_fault(fault)
    again = await (await alice.slash("quiz start", questions=1)).ephemeral()
    assert again.content.startswith("Quiz started")


async def test_a_server_error_on_the_next_question_is_tried_again_not_the_end(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    emulator.ratelimits.relax()
    await (await alice.slash("quiz start", questions=2, seconds=10)).ephemeral()
    q1 = await next_question(emulator)
    await ephemeral_to(alice, q1, right(await question_on(bot, q1)))
    clock.advance(10)
    await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
    await bot.timers.idle()
    emulator.fail_next(1, status=503, route="POST /channels/")  # question 2's post
    clock.advance(5)
    await bot.timers.idle()
    assert (await bot.store.quiz.quiz(1)).status == "running"
    assert await bot.store.db.fetchval("SELECT count(*) FROM quiz_rounds") == 1  # rolled back
    clock.advance(10)
    q2 = await next_question(emulator)
    assert q2.embed["title"] == "Question 2 of 2"
    await ephemeral_to(alice, q2, right(await question_on(bot, q2)))
    clock.advance(10)
    await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
    clock.advance(5)
    final = await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    assert f"{alice.mention} — 31 points" in final.text  # 15, then 15 + a streak bonus of 1
    assert (await bot.store.quiz.quiz(1)).status == "finished"


async def test_a_channel_that_keeps_failing_ends_the_quiz_after_a_few_tries(
    bot: Any, emulator: Emulator, clock: Any, alice: Member
) -> None:
    emulator.ratelimits.relax()  # seven posts in #general within a few real seconds
    await (await alice.slash("quiz start", questions=2, seconds=10)).ephemeral()
    q1 = await next_question(emulator)
    clock.advance(10)
    await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
    await bot.timers.idle()
    outage = emulator.fail_next(100, status=503, route="POST /channels/")
    for _ in range(8):
        clock.advance(30)
        await bot.timers.idle()
    emulator.remove_fault(outage)
    quiz = await bot.store.quiz.quiz(1)
    assert quiz.status == "abandoned"
    assert await bot.store.db.fetchval("SELECT count(*) FROM timers") == 0
    tries = [c for c in emulator.calls_to("POST /channels/") if c.status == 503]
    assert len(tries) == POST_TRIES  # question 2, tried 10 s apart, then given up
    assert q1.embed["title"] == "Question 1 of 2"


async def test_a_start_that_discord_fails_says_so_and_leaves_nothing(
    bot: Any, emulator: Emulator, alice: Member
) -> None:
    emulator.fail_next(1, status=503, route="POST /channels/")
    refused = await (await alice.slash("quiz start", questions=2)).ephemeral()
    assert refused.content == (
        "Discord did not take the first question (error 503), so no quiz was started. "
        "Try again in a moment."
    )
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    assert await bot.store.db.fetchval("SELECT count(*) FROM timers") == 0
    started = await (await alice.slash("quiz start", questions=2)).ephemeral()
    assert started.content.startswith("Quiz started")

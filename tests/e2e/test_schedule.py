"""Scheduled quizzes: the time rules, the store, the REST pacer, and schedules end to end.

Pure tests pass instants in (no clock is read); store tests run on a real SQLite file; end-to-end
tests drive the real bot through the emulator with the shared ``FakeClock`` (which starts on
Thursday 2026-01-01 at 12:00 UTC) and the demo pack from ``tests/packs.py``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.rules.schedule import (
    Rule,
)
from bot.timers import Timer
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

HOUR, DAY = 3600.0, 86_400.0


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def at(rule: str, zone: str, days: str = "daily") -> Rule:
    return Rule.parse(rule, zone, days)


# =============================================================================== end to end

NOON = utc(2026, 1, 1, 12)  # the FakeClock's start (conftest.CLOCK_START), a Thursday


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write_pack(root)
    return root


async def settle(bot: Any) -> None:
    await asyncio.wait_for(bot.timers.idle(), 5)


async def schedule_at(admin: Member, channel: Any, time: str = "12:05", **options: Any) -> Message:
    options.setdefault("timezone", "UTC")
    reply = await (
        await admin.slash("schedule add", channel=channel, time=time, **options)
    ).ephemeral()
    assert reply.content.startswith("Scheduled #"), reply.content
    return reply


def questions_in(emulator: Emulator, channel: str) -> list[Message]:
    return [m for m in emulator.messages_in(channel) if m.buttons and m.embeds]


async def test_add_confirms_the_rule_and_the_next_three_runs(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    reply = await (
        await admin.slash(
            "schedule add",
            channel=emulator.channel("quiz"),
            time="19:00",
            timezone="europe/berlin",
            seconds=300,
        )
    ).ephemeral()
    quiz = emulator.channel("quiz")
    assert reply.content.splitlines()[0] == (
        f"Scheduled #1 “Daily quiz at 19:00 (Europe/Berlin)” in <#{quiz.id}>: daily at 19:00 "
        "(Europe/Berlin), 3 questions × 300 s."
    )
    runs = [utc(2026, 1, 1, 18), utc(2026, 1, 2, 18), utc(2026, 1, 3, 18)]
    for run in runs:
        assert f"• <t:{int(run)}:F> (<t:{int(run)}:R>)" in reply.content
    schedule = await bot.store.schedules.get(1)
    assert (schedule.channel_id, schedule.seconds, schedule.next_run_at) == (quiz.id, 300, runs[0])
    timer = await bot.store.timers.by_key("schedule:1")
    assert (timer.kind, timer.due_at, timer.payload) == ("schedule.run", runs[0], {"schedule": 1})


async def test_the_zone_defaults_to_the_servers_then_utc(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    reply = await (
        await admin.slash("schedule add", channel=emulator.channel("quiz"), time="12:30")
    ).ephemeral()
    assert "Daily quiz at 12:30 (UTC)" in reply.content
    await (await admin.slash("settings timezone", timezone="Asia/Kathmandu")).ephemeral()
    reply = await (
        await admin.slash(
            "schedule add",
            channel=emulator.channel("quiz"),
            time="19:00",
            days="mon,wed,fri",
            name="Evening round",
        )
    ).ephemeral()
    assert "“Evening round”" in reply.content
    assert "on Mon, Wed, Fri at 19:00 (Asia/Kathmandu)" in reply.content
    assert f"<t:{int(utc(2026, 1, 2, 13, 15))}:F>" in reply.content  # Friday 19:00 +05:45


async def test_bad_input_gets_one_sentence_and_stores_nothing(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    quiz = emulator.channel("quiz")

    async def refused(**options: Any) -> str:
        options.setdefault("time", "19:00")
        result = await admin.slash("schedule add", channel=options.pop("channel", quiz), **options)
        return (await result.ephemeral()).content

    assert await refused(time="25:00") == "'25:00' is not a time of day: hours go from 00 to 23."
    pasted = await refused(time="9" * 3000)  # still one whole sentence, not 2,000 nines
    assert pasted.endswith("e.g. 19:00 or 07:30.") and len(pasted) < 150
    assert (await refused(timezone="Mars/Olympus")).startswith(
        "'Mars/Olympus' is not a time zone I know."
    )
    assert (await refused(days=",")).startswith("The day list is empty:")
    assert (await refused(days="")).startswith("The day list is empty:")
    assert (await refused(days="someday")).startswith("'someday' is not a day I know")
    await emulator.revoke("debate", "send_messages")
    debate = emulator.channel("debate")
    assert await refused(channel=debate) == (
        f"I cannot post quizzes in <#{debate.id}>: I am missing Send Messages there."
    )
    await emulator.revoke("mod-log", "view_channel")
    hidden = emulator.channel("mod-log")
    assert await refused(channel=hidden) == (
        f"I cannot post quizzes in <#{hidden.id}>: I am missing View Channel there."
    )
    plain = await emulator.create_channel("plain")
    await emulator.revoke(plain, "embed_links")
    assert await refused(channel=plain) == (
        f"I cannot post quizzes in <#{plain.id}>: I am missing Embed Links there."
    )
    assert "There is no section 'P9'" in await refused(section="P9")
    assert await bot.store.schedules.count(emulator.guild.id) == 0
    assert await bot.store.timers.by_kind("schedule.run") == []


async def test_a_plain_member_is_refused_and_a_moderator_may_schedule(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, mod: Member
) -> None:
    """Issue 20: /schedule is for moderators (Manage Messages, Manage Server or the moderator
    role), checked by the bot; the commands are visible to everyone in Discord's list."""
    await schedule_at(admin, emulator.channel("quiz"))
    refused = await alice.slash("schedule add", channel=emulator.channel("quiz"), time="19:00")
    assert (await refused.ephemeral()).content == (
        "Only moderators can schedule quizzes: you need Manage Messages, Manage Server, or the "
        "server's moderator role."
    )
    for command in ("schedule pause", "schedule remove", "schedule run"):
        refusal = await (await alice.slash(command, id=1)).ephemeral()
        assert refusal.content.startswith("Only moderators can")
    listing = await (await alice.slash("schedule list")).ephemeral()
    assert listing.content.startswith("Only moderators can see the scheduled quizzes")
    assert await alice.autocomplete("schedule pause", id="") == []
    assert await bot.store.schedules.count(emulator.guild.id) == 1
    assert not (await bot.store.schedules.get(1)).paused
    assert questions_in(emulator, "quiz") == []

    await schedule_at(mod, emulator.channel("quiz"), "7:30 pm")  # Manage Messages
    assert (await bot.store.schedules.get(2)).local_time == "19:30"
    dave = emulator.member("dave")
    await emulator.create_role("Quizmasters")
    await emulator.give_role(dave, "Quizmasters")
    refused = await dave.slash("schedule add", channel=emulator.channel("quiz"), time="7pm")
    assert (await refused.ephemeral()).content.startswith("Only moderators can")
    await (await admin.slash("settings moderator-role", role="Quizmasters")).ephemeral()
    await schedule_at(dave, emulator.channel("quiz"), "19h")  # the server's moderator role
    assert (await bot.store.schedules.get(3)).local_time == "19:00"
    paused = await (await dave.slash("schedule pause", id=3)).ephemeral()
    assert paused.content.startswith("Paused schedule #3")
    listing = await (await mod.slash("schedule list")).ephemeral()
    assert listing.embed["title"] == "Scheduled quizzes (3 of 25)"
    commands = {c["name"]: c for c in emulator.commands[emulator.guild.id]}
    assert commands["schedule"]["default_member_permissions"] is None  # listed for everyone


async def test_list_pause_resume_and_remove(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    quiz = emulator.channel("quiz")
    await schedule_at(admin, quiz, "12:05")
    await schedule_at(admin, emulator.channel("general"), "08:00", days="weekdays", questions=5)
    empty_guild_choices = await admin.autocomplete("schedule pause", id="gen")
    assert [(c.name, c.value) for c in empty_guild_choices] == [
        ("#2 · Weekday quiz at 08:00 (UTC) · #general", 2)
    ]

    listing = await (await admin.slash("schedule list")).ephemeral()
    assert listing.embed["title"] == "Scheduled quizzes (2 of 25)"
    fields = {f["name"]: f["value"] for f in listing.embed["fields"]}
    first = fields["#1 · Daily quiz at 12:05 (UTC)"]
    assert f"Channel: <#{quiz.id}>" in first
    assert "Rule: daily at 12:05 (UTC)" in first
    assert "Quiz: 3 questions × 60 s" in first
    assert f"Next run: <t:{int(utc(2026, 1, 1, 12, 5))}:F>" in first
    assert (
        f"Next run: <t:{int(utc(2026, 1, 2, 8))}:F>" in fields["#2 · Weekday quiz at 08:00 (UTC)"]
    )  # Friday

    paused = await (await admin.slash("schedule pause", id=1)).ephemeral()
    assert paused.content == (
        "Paused schedule #1 “Daily quiz at 12:05 (UTC)”: /schedule resume 1 starts it again."
    )
    assert await bot.store.timers.by_key("schedule:1") is None
    again = await (await admin.slash("schedule pause", id=1)).ephemeral()
    assert again.content.startswith(f"Schedule #1 is already paused (by <@{admin.id}>)")
    listing = await (await admin.slash("schedule list")).ephemeral()
    fields = {f["name"]: f["value"] for f in listing.embed["fields"]}
    assert f"**Paused** — by <@{admin.id}>" in fields["#1 · Daily quiz at 12:05 (UTC) — paused"]
    choices = await admin.autocomplete("schedule resume", id="")
    assert choices[0].name == "#1 · Daily quiz at 12:05 (UTC) · #quiz · paused"

    clock.advance(600)  # 12:10: the paused schedule does not run
    await settle(bot)
    assert questions_in(emulator, "quiz") == []

    resumed = await (await admin.slash("schedule resume", id=1)).ephemeral()
    tomorrow = int(utc(2026, 1, 2, 12, 5))
    assert resumed.content == (
        f"Resumed schedule #1 “Daily quiz at 12:05 (UTC)”: next run <t:{tomorrow}:F> "
        f"(<t:{tomorrow}:R>)."
    )
    assert (await bot.store.timers.by_key("schedule:1")).due_at == tomorrow
    assert (await (await admin.slash("schedule resume", id=1)).ephemeral()).content == (
        "Schedule #1 is not paused."
    )

    removed = await (await admin.slash("schedule remove", id=1)).ephemeral()
    assert removed.content == "Removed schedule #1 “Daily quiz at 12:05 (UTC)”."
    assert await bot.store.schedules.get(1) is None
    assert await bot.store.timers.by_key("schedule:1") is None
    missing = await (await admin.slash("schedule remove", id=1)).ephemeral()
    assert missing.content == "There is no schedule #1 on this server: /schedule list shows them."
    assert await bot.store.timers.by_key("schedule:2") is not None


async def test_the_list_is_empty_at_first(bot: Any, admin: Member) -> None:
    listing = await (await admin.slash("schedule list")).ephemeral()
    assert listing.content == "No scheduled quizzes yet: add one with /schedule add."


async def test_a_schedule_fires_on_time_and_plans_the_next_run(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05", seconds=200, name="Lunch quiz")
    clock.advance(4 * 60 + 59)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    clock.advance(1)
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Lunch quiz — Question 1 of 3"
    assert f"<t:{int(utc(2026, 1, 1, 12, 5) + 200)}:R>" in question.text  # 200 s: over /quiz's 120
    await settle(bot)
    quiz = await bot.store.quiz.running_in(emulator.channel("quiz").id)
    assert (quiz.source, quiz.title, quiz.started_by, quiz.seconds) == (
        "scheduled", "Lunch quiz", None, 200,
    )  # fmt: skip
    schedule = await bot.store.schedules.get(1)
    tomorrow = utc(2026, 1, 2, 12, 5)
    assert (schedule.next_run_at, schedule.last_run_at, schedule.last_outcome) == (
        tomorrow, utc(2026, 1, 1, 12, 5), "posted",
    )  # fmt: skip
    timers = {(t.kind, t.key, t.due_at) for t in await bot.store.timers.by_kind("schedule.run")}
    assert timers == {("schedule.run", "schedule:1", tomorrow)}
    assert await bot.store.timers.by_kind("schedule.start") == []
    answer = await (await alice.click(question, question.button_labels[0])).ephemeral()
    assert answer.content.startswith(("Locked in", "You already"))
    refused = await (await alice.slash("quiz start", channel="quiz")).ephemeral()
    assert "started by the schedule “Lunch quiz”" in refused.content
    assert len(questions_in(emulator, "quiz")) == 1


async def test_run_now_posts_at_once_and_keeps_the_timetable(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "19:00", questions=2)
    quiz = emulator.channel("quiz")
    reply = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert reply.content == (
        f"Posted “Daily quiz at 19:00 (UTC)” in <#{quiz.id}>. The timetable is unchanged."
    )
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 19:00 (UTC) — Question 1 of 2"
    schedule = await bot.store.schedules.get(1)
    assert (schedule.next_run_at, schedule.last_outcome) == (
        utc(2026, 1, 1, 19),
        "posted (run by hand)",
    )
    busy = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert busy.content == f"A quiz is already running in <#{quiz.id}>: try again when it ends."
    assert len(questions_in(emulator, "quiz")) == 1


async def test_a_timer_firing_twice_posts_the_run_once(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await bot.timers.stop()  # fire the handler by hand, twice at the same time
    row = await bot.store.timers.by_key("schedule:1")
    clock.set(row.due_at)
    runner = bot.schedules
    await asyncio.gather(runner.on_run(Timer(row, bot.store)), runner.on_run(Timer(row, bot.store)))
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert len(questions_in(emulator, "quiz")) == 1
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 1
    assert (await bot.store.timers.by_key("schedule:1")).due_at == row.due_at + DAY


async def test_a_run_missed_by_10_minutes_runs_once_after_a_restart(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 1, 12, 15))
    bot = await harness.start()
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 12:05 (UTC) — Question 1 of 3"
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    schedule = await bot.store.schedules.get(1)
    assert (schedule.next_run_at, schedule.last_outcome) == (utc(2026, 1, 2, 12, 5), "posted")
    assert (await bot.store.timers.by_key("schedule:1")).due_at == utc(2026, 1, 2, 12, 5)


async def test_a_run_missed_by_3_hours_is_skipped_and_logged(
    harness: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 1, 15, 5))
    with caplog.at_level(logging.WARNING, logger="bot.services.schedule"):
        bot = await harness.start()
        await settle(bot)
    assert questions_in(emulator, "quiz") == []
    assert any(
        "planned for 2026-01-01 12:05 UTC was missed by 3 hours" in r.getMessage()
        and "next run 2026-01-02 12:05 UTC" in r.getMessage()
        for r in caplog.records
    ), caplog.text
    schedule = await bot.store.schedules.get(1)
    assert schedule.next_run_at == utc(2026, 1, 2, 12, 5)
    assert schedule.last_outcome == "skipped: missed by 3 hours while the bot was down"
    # the next day it runs as usual
    clock.set(utc(2026, 1, 2, 12, 5))
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))


async def test_days_of_downtime_catch_up_at_most_once(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    await harness.stop()
    clock.set(utc(2026, 1, 4, 12, 30))  # three runs missed, the last by 25 minutes
    bot = await harness.start()
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    assert (await bot.store.schedules.get(1)).next_run_at == utc(2026, 1, 5, 12, 5)


async def test_a_crash_after_the_claim_still_posts_the_run_once(
    harness: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    bot = harness.bot
    await bot.timers.stop()
    # What schedule.run commits before it starts the quiz; then the process dies.
    planned, tomorrow = utc(2026, 1, 1, 12, 5), utc(2026, 1, 2, 12, 5)
    clock.set(planned)
    async with bot.store.transaction():
        await bot.store.timers.delete_key("schedule:1")
        assert await bot.store.schedules.claim_run(1, planned, tomorrow, "starting", planned)
        await bot.timers.schedule("schedule.run", tomorrow, {"schedule": 1}, key="schedule:1")
        payload = {"schedule": 1, "planned": planned}
        await bot.timers.schedule("schedule.start", planned + 30, payload, key="schedule-start:1")
    bot = await harness.restart(abrupt=True)
    clock.advance(30)
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert len(questions_in(emulator, "quiz")) == 1
    assert (await bot.store.schedules.get(1)).next_run_at == tomorrow


async def test_a_deleted_channel_pauses_the_schedule_and_reports_it(
    bot: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await (
        await admin.slash("settings log-channel", channel=emulator.channel("mod-log"))
    ).ephemeral()
    night = await emulator.create_channel("quiz-night")
    await schedule_at(admin, night, "12:05")
    await emulator.delete_channel(night)
    with caplog.at_level(logging.WARNING, logger="bot.services.schedule"):
        clock.advance(300)
        report = await emulator.next_message("mod-log")
    reason = f"cannot post in <#{night.id}>: the channel no longer exists or I cannot see it"
    assert report.content == (
        f"Scheduled quiz #1 “Daily quiz at 12:05 (UTC)” is paused: I {reason}. Fix it, then use "
        "/schedule resume 1."
    )
    assert report.pings == set()
    assert f"schedule 1 (guild {emulator.guild.id}) paused: {reason}" in caplog.text
    schedule = await bot.store.schedules.get(1)
    assert (schedule.paused, schedule.paused_reason, schedule.next_run_at) == (True, reason, None)
    await settle(bot)
    assert await bot.store.timers.by_key("schedule:1") is None
    listing = await (await admin.slash("schedule list")).ephemeral()
    assert f"**Paused** — {reason}" in listing.text
    still = await (await admin.slash("schedule resume", id=1)).ephemeral()
    assert still.content.startswith(f"I still cannot post quizzes in <#{night.id}>: the channel")


async def test_a_lost_permission_pauses_the_schedule(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    fault = emulator.forbid(channel="quiz")  # the cache still looks fine; Discord says 403
    clock.advance(300)
    await settle(bot)
    schedule = await bot.store.schedules.get(1)
    quiz = emulator.channel("quiz")
    assert schedule.paused_reason == f"cannot post in <#{quiz.id}>: I am missing a permission there"
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    emulator.remove_fault(fault)
    resumed = await (await admin.slash("schedule resume", id=1)).ephemeral()
    assert resumed.content.startswith("Resumed schedule #1")
    reply = await (await admin.slash("schedule run", id=1)).ephemeral()
    assert reply.content.startswith("Posted")


async def test_a_busy_channel_makes_the_run_wait_for_the_quiz_to_end(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any
) -> None:
    emulator.ratelimits.relax()
    await schedule_at(admin, emulator.channel("quiz"), "12:01")
    started = await alice.slash("quiz start", channel="quiz", questions=2, seconds=60)
    await started.ephemeral()  # Q1 closes 12:01:00, Q2 opens 12:01:05 and closes 12:02:05
    clock.advance(60)
    await settle(bot)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "waiting for the quiz running in the channel to end"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 1, 30)
    for step in (30, 30, 5):  # 12:01:30 and 12:02:00 still busy; 12:02:05 the quiz ends
        clock.advance(step)
        await settle(bot)
    assert [q.embed["title"] for q in questions_in(emulator, "quiz")] == [
        "Question 1 of 2", "Question 2 of 2",
    ]  # fmt: skip
    clock.advance(25)  # 12:02:30: the next look finds the channel free
    question = await emulator.next_message(
        "quiz", predicate=lambda m: bool(m.embeds) and "Daily quiz" in m.embed["title"]
    )
    assert question.embed["title"] == "Daily quiz at 12:01 (UTC) — Question 1 of 3"
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"


async def test_a_run_still_blocked_after_10_minutes_is_skipped(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, clock: Any, caplog: Any
) -> None:
    emulator.ratelimits.relax()
    await schedule_at(admin, emulator.channel("quiz"), "12:01")
    await (await alice.slash("quiz start", channel="quiz", questions=10, seconds=120)).ephemeral()
    with caplog.at_level(logging.WARNING, logger="bot.services.schedule"):
        for _ in range(2 * 11):
            clock.advance(30)
            await settle(bot)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == (
        "skipped: a quiz was still running in the channel 10 minutes after the time"
    )
    assert "planned for 2026-01-01 12:01 UTC is skipped: a quiz was still running" in caplog.text
    assert await bot.store.timers.by_key("schedule-start:1") is None
    assert (
        await bot.store.db.fetchval("SELECT count(*) FROM quizzes WHERE source = 'scheduled'") == 0
    )
    assert schedule.next_run_at == utc(2026, 1, 2, 12, 1)


async def test_the_help_lists_schedules_and_the_time_rules(bot: Any, admin: Member) -> None:
    page = await (await admin.slash("help")).ephemeral()
    text = page.text
    for _ in range(5):
        if "Schedules (moderators)" in text or not page.buttons:
            break
        page = await (await admin.click(page, "Next")).message()
        text = page.text
    assert "Schedules (moderators)" in text
    assert "/schedule add channel time" in text
    assert "a time it repeats runs once" in text


async def test_the_bot_paces_its_rest_requests_under_the_global_limit(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    emulator.ratelimits.relax()  # only the global 50 per second remains
    channel = bot.get_partial_messageable(emulator.channel("quiz").id)
    before, hits = bot.rest_pacer.granted, emulator.ratelimits.count
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(60)))
    elapsed = loop.time() - began
    assert emulator.ratelimits.count == hits  # not one 429
    assert bot.rest_pacer.granted - before == 60
    assert elapsed >= 59 / 48 - 0.05
    granted = bot.rest_pacer.granted
    await (await admin.slash("schedule list")).ephemeral()  # an interaction callback
    assert bot.rest_pacer.granted == granted


async def test_a_run_still_rate_limited_after_retries_tries_again(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    emulator.ratelimits.force(5, retry_after=0.01, route="/messages")  # all of discord.py's tries
    clock.advance(300)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "Discord was busy (429); trying again shortly"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 5, 30)
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    clock.advance(30)
    await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"
    assert len(questions_in(emulator, "quiz")) == 1


async def test_25_schedules_at_most_and_the_list_pages_through_them(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    runner = bot.schedules
    quiz = emulator.channel("quiz")
    for minute in range(24):
        await runner.create(
            guild_id=emulator.guild.id,
            channel_id=quiz.id,
            rule=Rule.parse(f"18:{minute:02d}", "America/New_York", "mon,wed,fri"),
            name=f"Evening quiz number {minute} with a fairly long name to fill the page",
            section="P1",
            difficulty="easy",
        )
    await schedule_at(admin, quiz, "07:00")
    refused = await (await admin.slash("schedule add", channel=quiz, time="08:00")).ephemeral()
    assert refused.content == (
        "This server already has 25 schedules, the most allowed: remove one with /schedule "
        "remove first."
    )
    listing = await (await admin.slash("schedule list")).ephemeral()
    seen, texts = [f["name"] for f in listing.embed["fields"]], [listing.text]
    while not next(b for b in listing.buttons if b["label"] == "Next").get("disabled"):
        listing = await (await admin.click(listing, "Next")).message()
        seen += [f["name"] for f in listing.embed["fields"]]
        texts.append(listing.text)
    assert len(texts) >= 2  # 25 schedules do not fit one embed's 6,000 characters
    assert len(seen) == 25 and seen[-1] == "#25 · Daily quiz at 07:00 (UTC)"
    assert listing.embed["title"] == "Scheduled quizzes (25 of 25)"
    assert "Quiz: 3 questions × 60 s · section P1 · easy" in texts[0]
    assert "Rule: on Mon, Wed, Fri at 18:00 (America/New_York)" in texts[0]
    choices = await admin.autocomplete("schedule run", id="")
    assert len(choices) == 25


async def test_a_run_hit_by_a_discord_server_error_tries_again(
    bot: Any, emulator: Emulator, admin: Member, clock: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    emulator.fail_next(1, status=503, route="POST /channels/")  # discord.py does not retry 503
    clock.advance(300)
    await settle(bot)
    assert questions_in(emulator, "quiz") == []
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome == "Discord had an error (503); trying again shortly"
    assert (await bot.store.timers.by_key("schedule-start:1")).due_at == utc(2026, 1, 1, 12, 5, 30)
    clock.advance(30)
    question = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert question.embed["title"] == "Daily quiz at 12:05 (UTC) — Question 1 of 3"
    await settle(bot)
    assert (await bot.store.schedules.get(1)).last_outcome == "posted"
    assert len(questions_in(emulator, "quiz")) == 1
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 1


async def test_an_outage_longer_than_an_hour_skips_the_run(
    bot: Any, emulator: Emulator, admin: Member, clock: Any, caplog: Any
) -> None:
    await schedule_at(admin, emulator.channel("quiz"), "12:05")
    outage = emulator.fail_next(10_000, status=503, route="POST /channels/")
    with caplog.at_level(logging.WARNING, logger="bot.services.schedule"):
        clock.advance(300)
        await settle(bot)
        for _ in range(7):  # each look re-arms 30 s ahead; an overdue look fires once
            clock.advance(600)
            await settle(bot)
    emulator.remove_fault(outage)
    schedule = await bot.store.schedules.get(1)
    assert schedule.last_outcome.startswith("skipped: missed by 1 hour")
    assert "planned for 2026-01-01 12:05 UTC is skipped: missed by 1 hour" in caplog.text
    assert await bot.store.timers.by_key("schedule-start:1") is None
    assert not schedule.paused and schedule.next_run_at == utc(2026, 1, 2, 12, 5)
    assert questions_in(emulator, "quiz") == []
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes") == 0

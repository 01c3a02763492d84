"""The score commands end to end through the emulator: leaderboard, profile, history,
adjustments, seasons and the export. The rules and the ledger store have their own tests in
``tests/rules`` and ``tests/store``."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from cogs.scores.render import short_reason
from tests.emulator import Emulator, Member, Message
from tests.packs import write_pack

SECONDS = 20


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """Only the demo pack: five questions, positions liberal, conservative, united-states."""
    root = tmp_path / "content"
    write_pack(root)
    return root


async def award(bot: Any, member: Any, points: int, category: str = "quiz", **kw: Any) -> None:
    """A ledger row written the way the quiz and debate areas write theirs."""
    user_id = member if isinstance(member, int) else member.id
    reason = kw.pop("reason", "right answer")
    await bot.store.scores.add(
        bot_guild(bot), user_id, category, points, reason, bot.clock.now(), **kw
    )


def bot_guild(bot: Any) -> int:
    return bot.settings.dev_guild_id


def lines(message: Message) -> list[str]:
    return [line for line in message.embed["description"].splitlines() if line]


async def leaderboard(member: Member, **options: Any) -> tuple[Message, Message]:
    """The public board and the caller's own rank, sent to them privately."""
    result = await member.slash("leaderboard", **options)
    board = await result.message()
    assert not board.ephemeral
    rank = await result.followup()
    assert rank.ephemeral and rank.content.startswith("**Your rank** · ")
    return board, rank


def field(message: Message, name: str) -> str:
    return next(f["value"] for f in message.embed["fields"] if f["name"].startswith(name))


async def test_a_quiz_s_points_reach_the_leaderboard_and_the_profile(
    bot: Any, emulator: Emulator, clock: Any, alice: Member, bob: Member
) -> None:
    emulator.ratelimits.relax()
    await (await alice.slash("quiz start", questions=1, seconds=SECONDS)).ephemeral()
    posted = await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
    rnd = await bot.store.quiz.round(int(posted.buttons[0]["custom_id"].split(":")[2]))
    question = await bot.quiz.shown_of(rnd)  # as shown: its choices in the round's order
    await (await alice.click(posted, question.answer_label)).ephemeral()
    wrong = next(label for label in question.labels if label != question.answer_label)
    await (await bob.click(posted, wrong)).ephemeral()
    clock.advance(SECONDS)
    await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    points = await bot.store.db.fetchval(
        "SELECT points FROM score_events WHERE user_id = ? AND category = 'quiz'", (alice.id,)
    )
    assert points == 15  # 10 + the full speed bonus

    board, rank = await leaderboard(bob)
    assert board.embed["title"] == "Leaderboard — Overall · Season 1"
    assert lines(board) == [f"**1.** {alice.mention} — 15 points"]
    assert rank.content.endswith("\nYou have no points on this board yet.")
    assert board.pings == set()
    quiz_board, rank = await leaderboard(alice, board="quiz", period="week")
    assert lines(quiz_board) == [f"**1.** {alice.mention} — 15 points"]
    assert rank.content.endswith("\n#1 of 1, with 15 points.")
    assert "Week 1 of 2026" in quiz_board.embed["title"]

    profile = await (await bob.slash("profile", member=alice)).ephemeral()
    assert profile.embed["title"] == "Profile — Alice"
    season = field(profile, "This season")
    assert "**15 points** · quiz 15 · debate 0 · adjustments 0" in season
    assert "Rank #1 of 1" in season
    assert "Accuracy: 1/1 (100%)" in field(profile, "Quiz")
    assert "Streak: current 1 · best 1" in field(profile, "Quiz")
    assert f"{question.paragraph} 1/1 (100%)" in field(profile, "Quiz accuracy by paragraph")
    debates = field(profile, "Debates")
    assert "Wins: 0" in debates and "Average speech score: no scored speeches yet" in debates


async def test_pages_turn_after_a_restart_and_the_caller_sees_their_rank_off_the_page(
    harness: Any, emulator: Emulator, alice: Member, bob: Member
) -> None:
    bot = harness.bot
    for index in range(24):  # members 1..24 with 500, 490, ... points
        await award(bot, 10_000 + index, 500 - 10 * index)
    await award(bot, alice, 3)
    board, rank = await leaderboard(alice, period="all-time")
    assert len(lines(board)) == 10
    assert lines(board)[0] == "**1.** <@10000> — 500 points"
    assert rank.content == "**Your rank** · Overall · All time\n#25 of 25, with 3 points."
    assert board.embed["footer"]["text"].startswith("Page 1 of 3 · 25 members")
    assert board.button_labels == ["Previous", "Next"]
    assert board.buttons[0]["disabled"] and not board.buttons[1]["disabled"]

    await (await alice.click(board, "Next")).reply()
    assert lines(board)[0] == "**11.** <@10010> — 400 points"
    refused = await (await bob.click(board, "Next")).ephemeral()
    assert "Only the member who asked" in refused.content

    bot = await harness.restart()
    await (await alice.click(board, "Next")).reply()
    assert lines(board)[-1] == f"**25.** {alice.mention} — 3 points"
    assert board.embed["footer"]["text"].startswith("Page 3 of 3")
    assert board.buttons[1]["disabled"]
    await (await alice.click(board, "Previous")).reply()
    assert lines(board)[0] == "**11.** <@10010> — 400 points"


async def test_ties_share_a_rank(bot: Any, alice: Member, bob: Member, carol: Member) -> None:
    await award(bot, alice, 50)
    await award(bot, bob, 40)
    await award(bot, carol, 40)
    await award(bot, 20_000, 30)
    board, rank = await leaderboard(carol)
    assert lines(board) == [
        f"**1.** {alice.mention} — 50 points",
        f"**2.** {bob.mention} — 40 points",
        f"**2.** {carol.mention} — 40 points",
        "**4.** <@20000> — 30 points",
    ]
    assert rank.content == "**Your rank** · Overall · Season 1\n#2 of 4, with 40 points."
    # The page is public and shows nobody's own rank; that goes to the caller privately.
    assert "fields" not in board.embed and "Your rank" not in board.text
    assert rank.ephemeral_for == carol.id and rank not in alice.seen()
    assert board.pings == set() and rank.pings == set()


async def test_a_moderator_adjusts_and_a_member_is_refused(
    bot: Any, mod: Member, alice: Member, bob: Member
) -> None:
    await award(bot, alice, 10)
    reply = await (
        await mod.slash("scores adjust", member=alice, points=-4, reason="=answered for a friend")
    ).ephemeral()
    assert reply.content.startswith(f"Adjusted {alice.mention} by -4 points")
    assert "season 1 total is now 6 points" in reply.content
    assert reply.pings == set()
    rows = await bot.store.scores.history(bot_guild(bot), alice.id, 20)
    assert (rows[0].category, rows[0].points, rows[0].created_by) == ("adjustment", -4, mod.id)
    assert rows[0].reason == "=answered for a friend"

    refused = await (
        await bob.slash("scores adjust", member=bob, points=100, reason="I deserve it")
    ).ephemeral()
    assert "Only moderators can adjust scores" in refused.content
    zero = await (await mod.slash("scores adjust", member=bob, points=0, reason="x")).ephemeral()
    assert "not 0" in zero.content
    assert await bot.store.scores.history(bot_guild(bot), bob.id, 20) == []

    history = await (await alice.slash("scores history")).ephemeral()
    assert history.embed["title"] == "Score history — Alice"
    first, second = lines(history)
    assert first.startswith("`-4` adjustment — =answered for a friend · season 1")
    assert first.endswith(f"by {mod.mention}")
    assert second.startswith("`+10` quiz — right answer")
    profile = await (await alice.slash("profile")).ephemeral()
    assert "**6 points** · quiz 10 · debate 0 · adjustments -4" in field(profile, "This season")


async def test_history_shows_all_20_rows_even_with_markdown_heavy_reasons(
    bot: Any, mod: Member, alice: Member
) -> None:
    """Escaping can double a reason; it is cut after escaping so 20 rows fit one embed."""
    for index in range(21):
        reason = ("*_" if index % 2 else "~|") * 100
        await award(bot, alice, -1000, "adjustment", reason=reason, created_by=mod.id)
    history = await (await alice.slash("scores history")).ephemeral()
    rows = lines(history)
    assert len(rows) == 20 and all(row.endswith(f"by {mod.mention}") for row in rows)
    assert len(history.embed["description"]) <= 4096
    assert history.embed["footer"]["text"] == "Showing the last 20 ledger rows, newest first."


def test_a_cut_reason_never_ends_in_a_lone_escape() -> None:
    assert short_reason("plain reason") == "plain reason"
    assert short_reason("*" * 60, 10) == "\\*\\*\\*\\*…"
    assert short_reason("a" + "*" * 60, 10) == "a\\*\\*\\*\\*…"
    assert len(short_reason("_" * 200)) <= 100


async def test_a_new_season_starts_and_the_old_one_stays_readable(
    bot: Any, admin: Member, alice: Member, bob: Member
) -> None:
    await award(bot, alice, 30)
    refused = await (await alice.slash("scores season-new", name="Mine")).ephemeral()
    assert "Only admins" in refused.content
    prompt = await (await admin.slash("scores season-new", name="Spring 2026")).ephemeral()
    assert "season 2: Spring 2026" in prompt.content
    assert prompt.button_labels == ["Confirm", "Cancel"]
    await (await admin.click(prompt, "Confirm")).reply()
    assert prompt.content.startswith("Season 2 (Spring 2026) has started.")
    assert prompt.buttons == []
    await award(bot, bob, 5)

    current = await (await alice.slash("leaderboard")).message()
    assert current.embed["title"] == "Leaderboard — Overall · Season 2 (Spring 2026)"
    assert lines(current) == [f"**1.** {bob.mention} — 5 points"]
    choices = await alice.autocomplete("leaderboard", season="")
    assert [(c.name, c.value) for c in choices] == [
        ("2 — Spring 2026 (current)", "2"),
        ("Season 1", "1"),
    ]
    old = await (await alice.slash("leaderboard", period="season", season="1")).message()
    assert old.embed["title"] == "Leaderboard — Overall · Season 1"
    assert lines(old) == [f"**1.** {alice.mention} — 30 points"]
    by_name = await (await alice.slash("leaderboard", season="Season 1")).message()
    assert lines(by_name) == lines(old)
    all_time = await (await alice.slash("leaderboard", period="all-time")).message()
    assert len(lines(all_time)) == 2
    mixed = await (await alice.slash("leaderboard", period="week", season="1")).ephemeral()
    assert "only goes with period: season" in mixed.content
    unknown = await (await alice.slash("leaderboard", season="7")).ephemeral()
    assert "There is no season “7”" in unknown.content

    again = await (await admin.slash("scores season-new", name="Summer")).ephemeral()
    twice = await (await admin.slash("scores season-new", name="Autumn")).ephemeral()
    taken = await (await admin.slash("scores season-new", name="spring 2026")).ephemeral()
    assert "already exists" in taken.content
    await (await admin.click(again, "Confirm")).reply()
    assert again.content.startswith("Season 3 (Summer) has started.")
    late = await (await admin.click(twice, "Confirm")).ephemeral()
    assert "Season 3 (Summer) has started since you asked" in late.content
    assert [s.number for s in await bot.store.scores.seasons(bot_guild(bot))] == [1, 2, 3]


async def test_a_double_click_on_confirm_starts_one_season_and_says_so(
    bot: Any, admin: Member
) -> None:
    prompt = await (await admin.slash("scores season-new", name="Spring 2026")).ephemeral()
    first, second = await asyncio.gather(
        admin.click(prompt, "Confirm"), admin.click(prompt, "Confirm")
    )
    answers = {(await first.reply()).content, (await second.reply()).content}
    assert answers == {
        "Season 2 (Spring 2026) has started. Season 1 stays readable with "
        "`/leaderboard period:season season:1`.",
        "Season 2 (Spring 2026) has started since you asked; nothing else was changed.",
    }
    assert [s.number for s in await bot.store.scores.seasons(bot_guild(bot))] == [1, 2]


async def test_the_export_matches_the_leaderboard_and_defuses_formulas(
    bot: Any, admin: Member, mod: Member, alice: Member, bob: Member, carol: Member
) -> None:
    await award(bot, alice, 40)
    await award(bot, bob, 25, category="debate", reason="Debate #1: speaker points")
    await award(bot, carol, 40)
    await (
        await mod.slash("scores adjust", member=bob, points=15, reason="@here +1 for =SUM(A1)")
    ).ephemeral()
    refused = await (await alice.slash("scores export")).ephemeral()
    assert "Only admins" in refused.content

    reply = await (await admin.slash("scores export")).ephemeral()
    assert "Season 1: 4 ledger rows, 3 members." in reply.content
    ledger_file, totals_file = reply.attachments
    assert ledger_file.filename == "scores-season-1-ledger.csv"
    assert totals_file.filename == "scores-season-1-totals.csv"
    ledger = list(csv.reader(io.StringIO(ledger_file.text)))
    assert ledger[0] == [
        "id", "season", "created_at_utc", "user_id", "category", "points", "reason",
        "reference", "created_by",
    ]  # fmt: skip
    assert len(ledger) == 5
    assert ledger[4][6] == "'@here +1 for =SUM(A1)" and ledger[4][8] == str(mod.id)
    totals = list(csv.reader(io.StringIO(totals_file.text)))
    assert totals[0] == ["rank", "user_id", "overall", "quiz", "debate", "adjustment"]

    board = await (await admin.slash("leaderboard")).message()
    shown = [line.replace("**", "").replace(".", "", 1).split() for line in lines(board)]
    assert [(row[0], row[1], row[2]) for row in totals[1:]] == [
        (rank, mention.strip("<@>"), points) for rank, mention, _, points, _ in shown
    ]
    assert totals[1:] == [
        ["1", str(alice.id), "40", "40", "0", "0"],  # equal points: ordered by member id
        ["1", str(bob.id), "40", "0", "25", "15"],
        ["1", str(carol.id), "40", "40", "0", "0"],
    ]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in ledger for cell in row)


async def test_the_export_keeps_points_numeric_and_escapes_every_text_cell(
    bot: Any, admin: Member, mod: Member, alice: Member, bob: Member
) -> None:
    """A negative adjustment is the number -25 in the file, so the ledger still sums to the
    totals in a spreadsheet; a reason starting with - (or = + @) is text and is escaped."""
    await award(bot, alice, 10, reason="=right answer")
    await (
        await mod.slash("scores adjust", member=alice, points=-25, reason="-5 for =cmd|' /C x'!A0")
    ).ephemeral()
    await (
        await mod.slash("scores adjust", member=bob, points=3, reason="+1 Zoë @here")
    ).ephemeral()

    reply = await (await admin.slash("scores export")).ephemeral()
    assert "points stay numbers" in reply.content
    ledger_file, totals_file = reply.attachments
    ledger = list(csv.reader(io.StringIO(ledger_file.data.decode("utf-8"))))
    header, rows = ledger[0], ledger[1:]
    points, reason = header.index("points"), header.index("reason")
    assert [(row[points], row[reason]) for row in rows] == [
        ("10", "'=right answer"),
        ("-25", "'-5 for =cmd|' /C x'!A0"),
        ("3", "'+1 Zoë @here"),
    ]
    numeric = {"id", "season", "user_id", "points", "created_by"}
    for row in rows:
        for name, cell in zip(header, row, strict=True):
            if name in numeric and cell:
                int(cell)  # a plain integer, never "'-25"
            else:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)

    totals = list(csv.reader(io.StringIO(totals_file.data.decode("utf-8"))))
    assert totals[1:] == [
        ["1", str(bob.id), "3", "0", "0", "3"],
        ["2", str(alice.id), "-15", "10", "0", "-25"],
    ]
    by_member: dict[str, int] = defaultdict(int)
    for row in rows:
        by_member[row[header.index("user_id")]] += int(row[points])
    assert {row[1]: int(row[2]) for row in totals[1:]} == dict(by_member)


async def help_text(member: Member) -> str:
    """Every page of the member's /help, following Next to the last page."""
    page = await (await member.slash("help")).ephemeral()
    texts = [page.text]
    while not page.find_component("Next").get("disabled"):
        page = await (await member.click(page, "Next")).message()
        texts.append(page.text)
    return "\n".join(texts)


async def test_help_lists_the_scores_commands_and_how_points_are_earned(
    bot: Any, alice: Member, mod: Member, admin: Member
) -> None:
    everyone = ("/leaderboard [board] [period] [season]", "/profile [member]")
    everyone += ("/scores history [member]",)
    moderators = ("/scores adjust member points reason",)
    admins = ("/scores season-new name", "/scores export [season]")
    text = await help_text(admin)
    for command in everyone + moderators + admins:
        assert command in text
    assert "How points are earned" in text
    text = await help_text(alice)
    assert all(command in text for command in everyone) and "How points are earned" in text
    assert not any(command in text for command in moderators + admins)
    text = await help_text(mod)
    assert all(command in text for command in everyone + moderators)
    assert not any(command in text for command in admins)

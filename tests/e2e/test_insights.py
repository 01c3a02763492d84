"""/insights end to end: a live quiz with four members and a debate, then every report as a
moderator sees it (figures, a PNG chart, the questions' CSV), members refused, and public
replies that name nobody. A second scene seeds a pack's answers through the store to check the
flags, their order and the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from bot.charts import png_size
from tests.e2e.test_help import help_pages
from tests.emulator import Emulator, Member, Message
from tests.packs import question, write_pack

SECONDS = 20
REFUSED = "Only moderators can see insights"

# The pack choice each member picks per demo question (the key is A / True / False as marked):
# alice 5 of 5 right, bob 4, carol 2, dave 0.
PLAN = {
    "p1-who-objects": (0, 0, 1, 1),  # key A
    "p2-first-plan": (0, 0, 0, 2),  # key A
    "p2-oaks-tended": (0, 0, 1, 1),  # key True (0)
    "p3-lesson": (0, 3, 0, 3),  # key A
    "standfirst-shrubs-worked": (1, 1, 0, 0),  # key False (1)
}
KEYS = {"p1-who-objects": 0, "p2-first-plan": 0, "p2-oaks-tended": 0, "p3-lesson": 0,
        "standfirst-shrubs-worked": 1}  # fmt: skip


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The demo pack (five questions, three positions) and ``extra``, eight A–D questions."""
    root = tmp_path / "content"
    write_pack(root)
    paragraphs = ("P1", "P1", "P2", "P2", "P2", "P3", "P3", "standfirst")
    bank = [
        question(
            id=f"bank-{i}",
            paragraph=paragraphs[i - 1],
            prompt=f"Which of these did the council try in year {i} of the plan?",
            choices=[f"Plan {i} alpha", f"Plan {i} beta", f"Plan {i} gamma", f"Plan {i} delta"],
            explanation=f"P1: the answer for year {i} is alpha.",
        )
        for i in range(1, 9)
    ]
    write_pack(root, "extra", questions=bank)
    return root


@pytest.fixture(autouse=True)
def many_messages(emulator: Emulator) -> None:
    emulator.ratelimits.relax()


def csv_rows(message: Message, name: str) -> list[dict[str, str]]:
    found = next(a for a in message.attachments if a.filename == name)
    return list(csv.DictReader(io.StringIO(found.text)))


def chart(message: Message, name: str) -> bytes:
    """The message's PNG attachment, checked as a valid PNG of a sensible size."""
    found = next(a for a in message.attachments if a.filename == name)
    size = png_size(found.data)
    assert size is not None, f"{name} is not a PNG"
    width, height = size
    assert 500 <= width <= 1800 and 300 <= height <= 900, size
    assert 5_000 < len(found.data) < 1_000_000
    assert found.data.endswith(b"IEND\xaeB`\x82")  # the PNG is complete
    return found.data


def names_of(*members: Member) -> list[str]:
    """Every way a member could be named: mention, id, user name, display name."""
    out = []
    for member in members:
        display = member.user.global_name or member.name.title()
        out += [f"<@{member.id}>", str(member.id), member.name, display]
    return out


def field(message: Message, name: str) -> str:
    for embed in message.embeds:
        for f in embed.get("fields", []):
            if f["name"].startswith(name):
                return f["value"]
    raise AssertionError(f"no field {name!r} in {message.summary()}")


async def play_quiz(bot: Any, emulator: Emulator, clock: Any, members: list[Member]) -> None:
    """A five-question live quiz; each member picks their planned pack choice."""
    await (await members[0].slash("quiz start", questions=5, seconds=SECONDS)).ephemeral()
    for _ in range(5):
        shown = await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
        round_id = int(shown.buttons[0]["custom_id"].split(":")[2])
        rnd = await bot.store.quiz.round(round_id)
        order = list(rnd.choice_order) if rnd.choice_order else list(range(4))
        for member, pack_choice in zip(members, PLAN[rnd.question_id], strict=True):
            label = shown.button_labels[order.index(pack_choice)]
            assert "Locked in" in (await (await member.click(shown, label)).ephemeral()).content
        clock.advance(SECONDS)
        await emulator.next_message("general", predicate=lambda m: "Answer to" in m.text)
        clock.advance(5)
    await emulator.next_message("general", predicate=lambda m: "standings" in m.text)


async def hold_debate(emulator: Emulator, mod: Member, members: list[Member]) -> None:
    """A debate on the three-sided motion: one speech, scored 8 by the moderator, then ended:
    the speaker's position wins."""
    reply = await (
        await mod.slash("debate start", motion="plant-now", channel="debate", prep_minutes=0)
    ).ephemeral()
    assert "is open" in reply.content
    lobby = await emulator.next_message("debate", predicate=lambda m: bool(m.buttons))
    thread = emulator.threads("debate")[-1]
    for member in members:
        await (await member.click(lobby, "Join")).acknowledged()
    await (await mod.click(lobby, "Begin")).acknowledged()
    announcement = await emulator.next_message(
        thread, predicate=lambda m: "it is your turn" in m.content
    )
    speaker = next(m for m in members if announcement.content.startswith(m.mention))
    modal = await (await speaker.click(announcement, "Speak")).modal()
    await (await speaker.submit(modal, speech="Shade is worth it.")).ephemeral()
    speech = await emulator.next_message(thread, predicate=lambda m: "Score" in m.button_labels)
    score = await (await mod.click(speech, "Score")).modal()
    await (await mod.submit(score, score="8")).ephemeral()
    for _ in range(2):  # end the speeches, then the vote
        await (await mod.slash("debate end", channel=thread)).ephemeral()
    await emulator.next_message(thread, predicate=lambda m: bool(m.attachments))


async def test_every_report_after_a_quiz_with_four_members_and_a_debate(
    bot: Any, emulator: Emulator, clock: Any, mod: Member, alice: Member, bob: Member,
    carol: Member,
) -> None:  # fmt: skip
    dave = emulator.member("dave")
    members = [alice, bob, carol, dave]
    await play_quiz(bot, emulator, clock, members)
    await hold_debate(emulator, mod, [alice, bob, carol])
    stored = await bot.store.db.fetchval("SELECT COUNT(*) FROM quiz_answers")
    assert stored == 20

    # Members are refused, on every command.
    for name, options in (
        ("insights questions", {}), ("insights paragraphs", {}),
        ("insights member", {"member": bob}), ("insights debates", {"public": True}),
    ):  # fmt: skip
        refusal = await (await alice.slash(name, **options)).ephemeral()
        assert REFUSED in refusal.content, refusal.content
        assert not refusal.attachments

    # /insights questions: one row per question, the choices per pack letter, the CSV.
    reply = await (await mod.slash("insights questions")).ephemeral()
    assert reply.embed["title"] == "Questions — Why Towns Plant Street Trees"
    text = reply.text
    assert "20 answers from 4 members · 5 questions asked" in text
    assert "top 1 of 4 members by accuracy minus the bottom 1" in text
    assert text.count("too few answers to judge") >= 5
    p1 = next(f["value"] for f in reply.embed["fields"] if "p1-who-objects" in f["name"])
    assert "Answered 4 · right 50% (2 of 4) · discrimination +1.00" in p1
    assert "**A** 2 (50%) ✓ · **B** 2 (50%) · **C** 0 (0%) · **D** 0 (0%)" in p1
    tf = next(f["value"] for f in reply.embed["fields"] if "standfirst-shrubs" in f["name"])
    assert "**True** 2 (50%) · **False** 2 (50%) ✓" in tf
    rows = csv_rows(reply, "insights-questions-demo-season.csv")
    assert sorted(r["question_id"] for r in rows) == sorted(PLAN)
    assert sum(int(r["answers"]) for r in rows) == stored
    for row in rows:
        plan = PLAN[row["question_id"]]
        labels = ("True", "False") if row["A"] == "" else ("A", "B", "C", "D")
        picked = [int(row[label] or 0) for label in labels]
        assert picked == [plan.count(i) for i in range(len(labels))], row
        assert int(row["right"]) == plan.count(KEYS[row["question_id"]])
        assert row["flags"] == "too few answers to judge"
    assert {r["question_id"]: r["discrimination"] for r in rows}["p3-lesson"] == "1.0000"
    for secret in names_of(alice, bob, carol, dave):
        assert secret not in text

    # /insights paragraphs: share right and mastery per paragraph, a chart.
    reply = await (await mod.slash("insights paragraphs")).ephemeral()
    lines = field(reply, "Per paragraph").splitlines()
    assert lines[0].startswith("**standfirst** The question — right 50% (2 of 4)")
    assert "**P1** The quarrel — right 50% (2 of 4) · mastered 50% (2 of 4 cards)" in lines[1]
    assert "**P2** Two plans — right 62% (5 of 8) · mastered 62% (5 of 8 cards)" in lines[2]
    assert "20 answers from 4 members: 55% right" in reply.text
    chart(reply, "insights-paragraphs.png")
    assert reply.embed["image"]["url"] == "attachment://insights-paragraphs.png"

    # /insights member: private, named, against the group.
    result = await mod.slash("insights member", member=carol, period="all-time")
    reply = await result.ephemeral()
    assert "Right: 40% (2 of 5) · the group: 55% (11 of 20)" in reply.text
    per_paragraph = field(reply, "Per paragraph")
    assert "**P1** — 0% (0 of 1) · group 50% (2 of 4) · -50 pts" in per_paragraph
    assert "**P3** — 100% (1 of 1) · group 50% (2 of 4) · +50 pts" in per_paragraph
    weakest = field(reply, "Weakest")
    assert "`p1-who-objects` (P1): right 0% (0 of 1)" in weakest
    assert "p3-lesson" not in weakest
    assert field(reply, "Leeches") == "None."
    assert carol.mention in reply.text
    chart(reply, "insights-member.png")

    # /insights debates: private names the debaters; public does not.
    reply = await (await mod.slash("insights debates")).ephemeral()
    assert "1 debate closed, 1 decided" in reply.text
    assert "χ² = 2.00, 2 degrees of freedom, p = 0.37: **no sign that one side is favoured.**" in (
        reply.text
    )
    wins = field(reply, "Wins per position")
    assert "**Plant now**:" in wins and "(chance alone: 0.3)" in wins
    assert "1 score: mean 8.0, median 8, SD 0.0, from 8 to 8" in field(reply, "Judges' speech")
    argued = field(reply, "Who argued")
    assert all(m.mention in argued for m in (alice, bob, carol))
    assert mod.mention in field(reply, "Each judge")
    debaters = csv_rows(reply, "insights-debaters-season.csv")
    assert sorted(int(r["user_id"]) for r in debaters) == sorted(m.id for m in (alice, bob, carol))
    assert all(r["debates"] == "1" for r in debaters)
    chart(reply, "insights-debates.png")

    emulator.mark_read("general")
    result = await mod.slash("insights debates", public=True)
    public = await result.message()
    assert not public.ephemeral
    assert "no sign that one side is favoured" in public.text
    assert "shown only in private replies" in public.text
    assert [a.filename for a in public.attachments] == ["insights-debates.png"]
    chart(public, "insights-debates.png")
    for secret in names_of(alice, bob, carol, dave, mod):
        assert secret not in public.text
    assert public.pings == set()

    result = await mod.slash("insights questions", public=True, period="all-time")
    public = await result.message()
    assert not public.ephemeral and "20 answers" in public.text
    attached = public.attachments[0]
    for secret in names_of(alice, bob, carol, dave, mod):
        assert secret not in public.text and secret not in attached.text
    assert alice.seen() and public in alice.seen()  # everyone sees a public reply


ANSWERS = {
    # question: (right answers, then picks of B, C, D by the members who missed it)
    "bank-1": (4, 6, 1, 1),  # B beats the key: key in doubt
    "bank-2": (3, 3, 3, 3),  # 25 % right: too hard
    "bank-3": (12, 0, 0, 0),  # too easy, and nobody picks B–D: weak distractors
    "bank-4": (7, 3, 2, 0),  # D never picked: weak distractor
    "bank-5": (6, 2, 2, 2),  # fine
    "bank-6": (3, 1, 1, 0),  # 5 answers: too few to judge
    "bank-7": (6, 2, 2, 2),  # right only among the weakest: negative index, key in doubt
    "bank-8": (9, 1, 1, 1),  # fine
}


async def seed_bank(bot: Any, clock: Any, guild_id: int) -> int:
    """Twelve members answer the ``extra`` pack's questions: on every question but bank-7 the first
    members are the ones right (so member 0 is the strongest); on bank-7 the last six are."""
    from bot.store.quiz import NewAnswer

    users = [5000 + i for i in range(12)]
    total = 0
    for number, (question_id, (right, *wrong)) in enumerate(ANSWERS.items()):
        at = clock.now() - 3600 + number * 60
        quiz = await bot.store.quiz.create_quiz(
            guild_id=guild_id, channel_id=777 + number, pack_id="extra", started_by=users[0],
            source="live", title=None, question_ids=[question_id], seconds=30, section=None,
            difficulty=None, now=at,
        )  # fmt: skip
        rnd = await bot.store.quiz.open_live_round(quiz, 0, at)
        picks = [0] * right + [1] * wrong[0] + [2] * wrong[1] + [3] * wrong[2]
        answering = users[: len(picks)]
        if question_id == "bank-7":
            picks = [1, 1, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0]
        clicks = [
            NewAnswer(rnd.id, u, p, p == 0, at + 1) for u, p in zip(answering, picks, strict=True)
        ]
        await bot.store.quiz.record_answers(clicks)
        await bot.store.quiz.finish_quiz(quiz.id, "finished", at + 40)
        total += len(clicks)
    return total


async def test_flags_worst_first_over_pages_and_only_the_asker_turns_them(
    bot: Any, emulator: Emulator, clock: Any, mod: Member, alice: Member
) -> None:
    total = await seed_bank(bot, clock, emulator.guild.id)
    assert total == 89
    result = await mod.slash("insights questions", pack="extra", period="week", public=True)
    page = await result.message()
    assert not page.ephemeral
    names = [f["name"] for f in page.embed["fields"]]
    assert names == [
        "1. bank-1 (P1) — key in doubt",
        "2. bank-7 (P3) — key in doubt",
        "3. bank-2 (P1) — too hard",
        "4. bank-3 (P2) — too easy, weak distractor",
        "5. bank-4 (P2) — weak distractor",
        "6. bank-5 (P2) — no flags",
    ]
    assert "top 3 of 12 members by accuracy minus the bottom 3" in page.text
    assert (
        "key in doubt 2 · too hard 1 · too easy 1 · weak distractor 2 · too few answers to judge 1"
        in page.text
    )
    bank7 = page.embed["fields"][1]["value"]
    assert "right 50% (6 of 12) · discrimination -1.00" in bank7
    bank1 = page.embed["fields"][0]["value"]
    assert "**B** 6 (50%) ⚠" in bank1 and "discrimination +1.00" in bank1
    assert page.embed["footer"]["text"].startswith("Page 1 of 2")
    assert page.button_labels == ["Previous", "Next"]
    rows = csv_rows(page, "insights-questions-extra-week.csv")
    assert [r["question_id"] for r in rows] == [
        "bank-1", "bank-7", "bank-2", "bank-3", "bank-4", "bank-5", "bank-8", "bank-6",
    ]  # fmt: skip
    assert sum(int(r["answers"]) for r in rows) == total
    assert rows[1]["discrimination"] == "-1.0000" and rows[1]["flags"] == "key in doubt"

    refused = await (await alice.click(page, "Next")).ephemeral()
    assert "Only the member who asked can turn these pages" in refused.content
    await (await mod.click(page, "Next")).acknowledged()
    await emulator.next_edit(page, predicate=lambda m: "Page 2 of 2" in m.text)
    assert [f["name"] for f in page.embed["fields"]] == [
        "7. bank-8 (standfirst) — no flags",
        "8. bank-6 (P3) — too few answers to judge",
    ]
    assert page.attachments  # the CSV stays with the message

    # The demo pack had no answers: a plain sentence, no files.
    empty = await (await mod.slash("insights paragraphs", pack="demo")).ephemeral()
    assert "No question of demo was answered here" in empty.content and not empty.attachments
    missing = await (await mod.slash("insights questions", pack="nope")).ephemeral()
    assert "There is no content pack called 'nope'" in missing.content


async def test_help_lists_insights_among_the_moderators_commands_only(
    bot: Any, mod: Member, alice: Member
) -> None:
    text = "\n".join(page.text for page in await help_pages(mod))
    moderators = text[text.index("Moderator commands") :]
    for command in ("/insights questions", "/insights paragraphs", "/insights member",
                    "/insights debates"):  # fmt: skip
        assert f"`{command}" in moderators
    assert "Insights (moderators)" in moderators and "weak distractor" in moderators
    assert "/insights" not in "\n".join(page.text for page in await help_pages(alice))


class BrokenCharts:
    """A chart worker that cannot draw (its process will not start, say)."""

    async def draw(self, chart: str, **args: Any) -> bytes:
        from bot.charts import ChartError

        raise ChartError("the chart worker stopped answering")

    async def close(self) -> None:
        pass


async def test_a_chart_that_cannot_be_drawn_leaves_the_figures(
    bot: Any, emulator: Emulator, clock: Any, mod: Member
) -> None:
    await seed_bank(bot, clock, emulator.guild.id)
    bot.insights.charts = BrokenCharts()
    reply = await (await mod.slash("insights paragraphs", pack="extra")).ephemeral()
    assert reply.attachments == [] and "image" not in reply.embed
    assert "could not be drawn just now" in reply.embed["footer"]["text"]
    assert "**P1** The quarrel — right 29% (7 of 24)" in reply.text  # bank-1 4, bank-2 3

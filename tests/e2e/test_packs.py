"""Content packs a server brings, end to end through the emulator: ``/pack upload`` (attachments
included), ``list``, ``info``, ``export``, ``remove`` and ``template``, and members reading,
quizzing and debating on an uploaded pack, in that server only, across a restart."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.content.archive import MAX_UNPACKED_BYTES, MAX_UPLOAD_BYTES
from bot.services.packs import MAX_PACKS
from tests.emulator import BotHarness, Emulator, Member, MemberFile, Message
from tests.packs import SHIPPED, parts, question, write_pack

TITLE = "Why Towns Plant Street Trees"
SHORT_START = "The article follows a small town"
_ROUND = re.compile(r"quiz:answer:(\d+):\d")


@pytest.fixture(autouse=True)
def many_messages(emulator: Emulator) -> None:
    emulator.ratelimits.relax()


def zip_of(entries: Mapping[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def pack_files(root: Path, **overrides: Any) -> dict[str, bytes]:
    folder = write_pack(root / f"src-{len(list(root.glob('src-*')))}", "demo", **overrides)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.toml"))}


def pack_zip(root: Path, folder: str = "trees", **overrides: Any) -> bytes:
    return zip_of({f"{folder}/{n}": b for n, b in pack_files(root, **overrides).items()})


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def upload(member: Member, data: bytes, name: str = "trees.zip", **options: Any) -> Message:
    result = await member.slash("pack upload", file=MemberFile(name, data), **options)
    return await result.ephemeral(timeout=10)


async def stored(bot: Any, guild_id: int | None = None) -> list[tuple[str, int, int]]:
    rows = await bot.store.db.fetchall(
        "SELECT pack_id, version, active FROM guild_packs WHERE guild_id = ? ORDER BY id",
        (guild_id or 0,),
    )
    return [(r["pack_id"], r["version"], r["active"]) for r in rows]


# ------------------------------------------------------------------------------------------------
# Upload, then use


async def test_an_admin_uploads_a_pack_and_members_read_quiz_and_debate_on_it(
    bot: Any, emulator: Emulator, clock: Any, admin: Member, alice: Member, mod: Member,
    tmp_path: Path,
) -> None:  # fmt: skip
    upload_file = MemberFile("trees.zip", pack_zip(tmp_path))
    reply = await (await admin.slash("pack upload", file=upload_file)).ephemeral(timeout=10)
    assert upload_file.fetches == 1
    assert reply.content.startswith("Pack `trees` uploaded: version 1 is in use in this server")
    card = reply.embeds[0]
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert card["title"] == f"trees — {TITLE}"
    assert fields["Sections"] == "4: standfirst, P1, P2, P3"
    assert fields["Questions"].splitlines() == [
        "5", "by paragraph: standfirst 1 · P1 1 · P2 2 · P3 1",
        "by difficulty: easy 2 · medium 2 · hard 1",
    ]  # fmt: skip
    assert fields["Glossary terms"] == "3" and fields["Motions"] == "2"
    assert fields["Timeline events"] == "3 (2 from the article, 1 background)"
    assert fields["Positions"] == "3: liberal, conservative, united-states"
    assert "The id `trees` is the zip's folder name." in fields["Notes"]
    assert await stored(bot, emulator.guild.id) == [("trees", 1, 1)]

    # Autocomplete offers it beside the built-in pack.
    choices = await alice.autocomplete("summary", pack="")
    assert [c.value for c in choices] == ["wedging-strategy", "trees"]
    assert choices[1].name == f"trees — {TITLE}"

    summary = await (await alice.slash("summary", pack="trees")).message()
    assert SHORT_START in summary.text and not summary.pings

    # A detailed summary's page buttons find the pack again from the custom id.
    detailed = await (await alice.slash("summary", length="detailed", pack="trees")).message()
    assert "Do street trees pay off?" in detailed.text
    await (await alice.click(detailed, "Next")).acknowledged()
    await emulator.next_edit(detailed, predicate=lambda m: "Shops worry" in m.text)

    started = await (
        await alice.slash("quiz start", pack="trees", questions=1, seconds=10)
    ).ephemeral()
    assert started.content.startswith("Quiz started: 1 question")
    asked = await emulator.next_message(
        "general",
        predicate=lambda m: any(_ROUND.fullmatch(b["custom_id"]) for b in m.buttons),
    )
    match = _ROUND.fullmatch(asked.buttons[0]["custom_id"])
    assert match is not None
    rnd = await bot.store.quiz.round(int(match[1]))
    assert rnd.pack_id == "trees"
    question = await bot.quiz.shown_of(rnd)  # as shown: its choices in the round's order
    assert question.prompt in asked.text
    locked = await (await alice.click(asked, question.answer_label)).ephemeral()
    assert locked.content.startswith(f"Locked in: {question.answer_label}")
    clock.advance(10)
    reveal = await emulator.next_message(
        "general", predicate=lambda m: question.explanation in m.text
    )
    assert question.answer_text in reveal.text

    opened = await (
        await mod.slash("debate start", motion="plant-now", pack="trees", channel="debate")
    ).ephemeral()
    assert "is open" in opened.content
    lobby = await emulator.next_message("debate")
    assert lobby.button_labels == ["Join", "Leave", "Begin", "Cancel"]
    assert (
        emulator.threads("debate")[-1].name == "This house would plant trees on every main street"
    )
    debate = await bot.store.db.fetchone("SELECT pack_id, motion_id FROM debates")
    assert (debate["pack_id"], debate["motion_id"]) == ("trees", "plant-now")
    busy = await (await admin.slash("pack remove", id="trees")).ephemeral()
    debate_channel = emulator.channel("debate")
    assert f"debate #1 in <#{debate_channel.id}>" in busy.content


async def test_a_packs_text_never_pings(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, bob: Member, tmp_path: Path
) -> None:
    alert = await emulator.create_role("Alert", mentionable=True)
    await emulator.give_role(bob, "Alert")
    loud = f"@everyone @here <@{bob.id}> <@&{alert.id}> read this"
    summary = {**parts()["summary"], "tldr": loud}
    qs = parts()["questions"]
    for q in qs:
        q["prompt"] = f"{loud}: {q['prompt']}"
    await upload(admin, pack_zip(tmp_path, summary=summary, questions=qs))
    tldr = await (await alice.slash("summary", length="tldr", pack="trees")).message()
    assert not tldr.ephemeral and loud in tldr.text and tldr.pings == set()
    card = await (await alice.slash("article", pack="trees")).message()
    assert card.pings == set()
    await (await alice.slash("quiz start", pack="trees", questions=1, seconds=10)).ephemeral()
    asked = await emulator.next_message(
        "general", predicate=lambda m: any(_ROUND.fullmatch(b["custom_id"]) for b in m.buttons)
    )
    assert f"<@{bob.id}>" in asked.text and asked.pings == set()


async def test_a_pack_can_be_the_servers_default(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, tmp_path: Path
) -> None:
    await upload(admin, pack_zip(tmp_path))
    choices = await admin.autocomplete("settings pack", pack="tre")
    assert [c.value for c in choices] == ["trees"]
    note = await (await admin.slash("settings pack", pack="trees")).ephemeral()
    assert note.content == f"Default pack set to trees ({TITLE})."
    assert "trees" in note.text
    summary = await (await alice.slash("summary")).message()
    assert SHORT_START in summary.text
    listing = await (await alice.slash("pack list")).ephemeral()
    names = [f["name"] for f in listing.embed["fields"]]
    assert names == [
        "wedging-strategy — Behind North Korea's Charm Offensive", f"★ trees — {TITLE}",
    ]  # fmt: skip
    uploaded = listing.embed["fields"][1]["value"]
    assert f"Uploaded by <@{admin.id}>" in uploaded and "version 1" in uploaded
    assert "by A. Writer · 4 sections · 5 questions" in uploaded
    assert "Built-in" in listing.embed["fields"][0]["value"]
    assert not listing.pings


async def test_a_broken_pack_gets_every_problem_and_nothing_is_stored(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    data = parts()
    data["questions"][0]["answer"] = "E"
    data["questions"][1]["explaination"] = "typo"
    data["sections"][2]["title"] = "x" * 81
    data["motions"][1]["positions"] = ["liberal", "greens"]
    reply = await upload(admin, pack_zip(tmp_path, **data))
    assert reply.content == (
        "“trees” is not a valid pack: 6 problems, and nothing was stored. Fix them all and "
        "upload it again."
    )
    lines = reply.embed["description"].splitlines()
    assert reply.embed["title"] == "Problems"
    assert lines[0].startswith("**pack.toml** · [[sections]] P2 · `title` (line ")
    assert lines[0].endswith(": 81 characters, at most 80")
    assert lines[1] == "→ Shorten it to at most 80 characters."
    text = reply.text
    for where in (
        "**quiz.toml** · [[questions]] p1-who-objects · `answer`",
        "**quiz.toml** · [[questions]] p2-first-plan · `explaination`",
        "**debate.toml** · [[motions]] shops-first · `positions`",
        "**debate.toml** · [[motions]] shops-first · `framing.conservative`",
        "**debate.toml** · [[motions]] shops-first · `framing`",
        "→ Add a line for that position under [motions.framing].",
    ):
        assert where in text
    assert await stored(bot, emulator.guild.id) == []


async def test_a_long_list_of_problems_comes_as_a_file(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    broken = [question(id=f"q-{n}", answer="E", prompt=f"Question {n}?") for n in range(90)]
    reply = await upload(admin, pack_zip(tmp_path, questions=broken))
    assert "90 problems, and nothing was stored" in reply.content
    (attached,) = reply.attachments
    assert attached.filename == "problems.txt"
    lines = attached.text.splitlines()
    assert len(lines) == 90
    assert lines[89].startswith(
        'quiz.toml: [[questions]] q-89: answer: "E" is not one of the choices A–D (line '
    )
    assert lines[89].endswith(" — Use one of the values listed.")
    assert reply.embed["footer"]["text"].startswith("All 90 problems are in problems.txt")
    assert await stored(bot, emulator.guild.id) == []


async def test_warnings_are_shown_with_the_counts(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    qs = parts()["questions"]
    qs[0]["choices"] = ["Shop owners", "All of the above", "Doctors", "The nursery"]
    reply = await upload(admin, pack_zip(tmp_path, questions=qs))
    assert reply.content.startswith("Pack `trees` uploaded")
    warnings = reply.embeds[1]
    assert warnings["title"] == "Warnings (1)"
    assert "quiz.toml: p1-who-objects: all-of-the-above" in warnings["description"]


# ------------------------------------------------------------------------------------------------
# Who may upload, and the limits


async def test_a_member_cannot_upload_export_or_remove(
    bot: Any, emulator: Emulator, alice: Member, mod: Member, tmp_path: Path
) -> None:
    upload_file = MemberFile("trees.zip", pack_zip(tmp_path))
    for member in (alice, mod):
        refused = await (await member.slash("pack upload", file=upload_file)).ephemeral()
        assert refused.content == "Only admins (Manage Server) can upload content packs."
    assert upload_file.fetches == 0
    export = await (await alice.slash("pack export", id="wedging-strategy")).ephemeral()
    assert export.content == "Only admins (Manage Server) can export content packs."
    remove = await (await alice.slash("pack remove", id="trees")).ephemeral()
    assert remove.content == "Only admins (Manage Server) can remove content packs."
    assert await stored(bot, emulator.guild.id) == []


async def test_every_limit_is_refused_with_a_sentence(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    files = pack_files(tmp_path)
    in_folder = {f"trees/{n}": b for n, b in files.items()}

    big = MemberFile("big.zip", b"\0" * (MAX_UPLOAD_BYTES + 1))
    reply = await (await admin.slash("pack upload", file=big)).ephemeral()
    assert reply.content == "big.zip is 1.0 MiB: an upload may be at most 1.0 MiB."
    assert big.fetches == 0  # refused on Discord's word, without downloading it

    cases = {
        "eleven.zip": (
            {**in_folder, **{f"trees/README-{i}.md": "x" for i in range(8)}},
            "eleven.zip holds 11 files: a pack zip may hold at most 10",
        ),
        "huge.zip": (
            {**in_folder, "trees/pack.toml": files["pack.toml"] + b"#" * MAX_UNPACKED_BYTES},
            "huge.zip unpacks to 5.0 MiB: a pack zip may hold at most 5.0 MiB once unpacked.",
        ),
        "escape.zip": (
            {"trees/../../pack.toml": files["pack.toml"]},
            "escape.zip holds the path 'trees/../../pack.toml', which leaves its folder",
        ),
        "other.zip": (
            {**in_folder, "trees/notes.txt": "hi"},
            "other.zip holds 'trees/notes.txt': a pack zip holds only pack.toml, quiz.toml and "
            "debate.toml",
        ),
        "latin.zip": (
            {**in_folder, "trees/quiz.toml": 'prompt = "caf\u00e9"'.encode("latin-1")},
            "trees/quiz.toml is not UTF-8 text (byte 14 cannot be read)",
        ),
    }
    for name, (entries, sentence) in cases.items():
        reply = await upload(admin, zip_of(entries), name)
        assert sentence in reply.content, (name, reply.content)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trees/pack.toml", files["pack.toml"])
        link = zipfile.ZipInfo("trees/quiz.toml")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    reply = await upload(admin, buffer.getvalue(), "link.zip")
    assert "link.zip holds 'trees/quiz.toml', which is a link" in reply.content

    alone = await upload(admin, files["pack.toml"], "pack.toml")
    assert "give the pack an id with the `id` option" in alone.content
    named = MemberFile("pack.toml", files["pack.toml"])
    bad_id = await (await admin.slash("pack upload", file=named, id="Street Trees")).ephemeral()
    assert bad_id.content.startswith("The id “Street Trees” is not a valid pack id")
    assert named.fetches == 0
    assert await stored(bot, emulator.guild.id) == []

    for number in range(MAX_PACKS):
        await bot.packs.upload(
            emulator.guild.id, admin.id, "p.zip", zip_of(in_folder), pack_id=f"pack-{number}",
            now=0.0,
        )  # fmt: skip
    reply = await upload(admin, zip_of(in_folder))
    assert reply.content == (
        "This server already has 20 packs, the most allowed: remove one with /pack remove first."
    )
    assert len(await stored(bot, emulator.guild.id)) == MAX_PACKS

    single = await upload(admin, files["pack.toml"], "pack.toml", id="pack-3", replace=True)
    assert single.content.startswith("Pack `pack-3` replaced: version 2")


async def test_built_in_and_taken_ids_are_refused(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    builtin = await upload(admin, pack_zip(tmp_path, "wedging-strategy"))
    assert builtin.content == (
        "“wedging-strategy” is the id of a built-in pack: give yours another id with the `id` "
        "option."
    )
    await upload(admin, pack_zip(tmp_path))
    taken = await upload(admin, pack_zip(tmp_path))
    assert taken.content.startswith("This server already has a pack “trees” (version 1")
    assert "`replace: true`" in taken.content
    assert await stored(bot, emulator.guild.id) == [("trees", 1, 1)]


# ------------------------------------------------------------------------------------------------
# Replace, export, info, template


async def test_replace_export_and_a_byte_for_byte_round_trip(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, tmp_path: Path
) -> None:
    first = pack_files(tmp_path)
    await upload(admin, zip_of({f"trees/{n}": b for n, b in first.items()}))
    qs = parts()["questions"]
    del qs[4]  # standfirst-shrubs-worked
    qs[2]["answer"] = "False"  # p2-oaks-tended
    second = await upload(admin, pack_zip(tmp_path, questions=qs), replace=True)
    assert second.content.startswith("Pack `trees` replaced: version 2 is in use")
    notes = {f["name"]: f["value"] for f in second.embeds[0]["fields"]}["Notes"]
    assert f"Replaces version 1, uploaded by <@{admin.id}>" in notes
    assert "Dropped question ids: standfirst-shrubs-worked (statistics keep the old ids" in notes
    assert "Same id, different answer: p2-oaks-tended" in notes

    exported = await (await admin.slash("pack export", id="trees")).ephemeral()
    (zipped,) = exported.attachments
    assert zipped.filename == "trees.zip"
    assert "pack (version 2) `trees`" in exported.content
    inside = zip_files(zipped.data)
    assert sorted(inside) == ["trees/debate.toml", "trees/pack.toml", "trees/quiz.toml"]
    assert inside["trees/pack.toml"] == first["pack.toml"]

    again = await upload(admin, zipped.data, "trees.zip", replace=True)
    assert again.content.startswith("Pack `trees` replaced: version 3")
    exported_again = await (await admin.slash("pack export", id="trees")).ephemeral()
    assert zip_files(exported_again.attachments[0].data) == inside  # byte for byte

    info = await (await alice.slash("pack info", id="trees")).ephemeral()
    versions = {f["name"]: f["value"] for f in info.embed["fields"]}["Versions"].splitlines()
    assert [v.split(":")[0] for v in versions] == ["v3 — **in use**", "v2", "v1"]
    assert f"uploaded by <@{admin.id}>" in versions[0]
    assert await stored(bot, emulator.guild.id) == [
        ("trees", 1, 0),
        ("trees", 2, 0),
        ("trees", 3, 1),
    ]


async def test_a_built_in_pack_exports_as_a_starting_point(
    bot: Any, emulator: Emulator, admin: Member
) -> None:
    exported = await (await admin.slash("pack export", id="wedging-strategy")).ephemeral()
    data = exported.attachments[0].data
    shipped = SHIPPED
    assert zip_files(data) == {
        f"wedging-strategy/{p.name}": p.read_bytes() for p in sorted(shipped.glob("*.toml"))
    }
    copy = await upload(admin, data, "wedging-strategy.zip", id="my-copy")
    assert copy.content.startswith("Pack `my-copy` uploaded: version 1")
    assert "by paragraph: standfirst" in copy.text


async def test_the_template_is_a_skeleton_with_the_format(
    bot: Any, emulator: Emulator, alice: Member, admin: Member
) -> None:
    reply = await (await alice.slash("pack template")).ephemeral()
    (attached,) = reply.attachments
    assert attached.filename == "pack-template.zip"
    assert "https://toml.io" in reply.content
    inside = zip_files(attached.data)
    assert sorted(inside) == [
        "my-pack/README.md", "my-pack/debate.toml", "my-pack/pack.toml", "my-pack/quiz.toml",
    ]  # fmt: skip
    refused = await upload(admin, attached.data, "pack-template.zip")
    assert "“my-pack” is not a valid pack" in refused.content
    assert await stored(bot, emulator.guild.id) == []


# ------------------------------------------------------------------------------------------------
# Remove


async def test_remove_asks_first_and_is_refused_while_the_pack_is_in_use(
    bot: Any, emulator: Emulator, admin: Member, alice: Member, tmp_path: Path
) -> None:
    await upload(admin, pack_zip(tmp_path))
    await (await admin.slash("settings pack", pack="trees")).ephemeral()
    await (await alice.slash("quiz start", pack="trees", questions=1, seconds=60)).ephemeral()
    general = emulator.channel("general")
    busy = await (await admin.slash("pack remove", id="trees")).ephemeral()
    assert busy.content.startswith(f"“trees” is in use by the quiz in <#{general.id}>.")
    await (await alice.slash("quiz stop")).ephemeral()
    schedule = await (
        await admin.slash(
            "schedule add", channel=emulator.channel("quiz"), time="19:00", pack="trees"
        )
    ).ephemeral()
    assert "pack trees" in schedule.content
    busy = await (await admin.slash("pack remove", id="trees")).ephemeral()
    assert "“trees” is in use by schedule #1 “Daily quiz at 19:00 (UTC)”" in busy.content
    await (await admin.slash("schedule remove", id=1)).ephemeral()

    prompt = await (await admin.slash("pack remove", id="trees")).ephemeral()
    assert prompt.content.startswith(
        "Remove pack `trees` (“Why Towns Plant Street Trees”, version 1)"
    )
    assert "It is the server's default" in prompt.content
    assert prompt.button_labels == ["Confirm", "Cancel"]
    await (await admin.click(prompt, "Cancel")).acknowledged()
    assert prompt.content == "Nothing removed: the pack stays."
    assert await stored(bot, emulator.guild.id) == [("trees", 1, 1)]

    prompt = await (await admin.slash("pack remove", id="trees")).ephemeral()
    await (await admin.click(prompt, "Confirm")).acknowledged()
    assert prompt.content.startswith("Removed pack `trees` from this server. The server's default")
    assert "Points and history earned with it stay" in prompt.content
    assert await stored(bot, emulator.guild.id) == [("trees", 1, 0)]
    assert (await bot.store.guilds.get(emulator.guild.id)).default_pack is None
    gone = await (await alice.slash("summary", pack="trees")).ephemeral()
    assert gone.content.startswith("There is no content pack called 'trees'")
    assert await bot.store.db.fetchval("SELECT count(*) FROM quizzes WHERE pack_id = 'trees'") == 1
    builtin = await (await admin.slash("pack remove", id="wedging-strategy")).ephemeral()
    assert builtin.content == "“wedging-strategy” is a built-in pack: it cannot be removed."


# ------------------------------------------------------------------------------------------------
# Another server, and a restart


async def test_another_server_never_sees_the_pack(
    emulator: Emulator, harness: BotHarness, bot_settings: Any, admin: Member, tmp_path: Path
) -> None:
    harness.settings = dataclasses.replace(bot_settings, dev_guild_id=None)
    bot = await harness.restart()  # commands synced globally, so the second server has them
    second = await emulator.add_guild("Other")
    await emulator.wait_until(lambda: bot.get_guild(second.id), what="the bot to see the guild")
    there_admin = emulator.member("admin", guild=second)
    there_alice = emulator.member("alice", guild=second)

    await upload(admin, pack_zip(tmp_path))
    missing = await (await there_alice.slash("summary", pack="trees")).ephemeral()
    assert missing.content == "There is no content pack called 'trees'. Known: wedging-strategy."
    assert [c.value for c in await there_alice.autocomplete("summary", pack="")] == [
        "wedging-strategy"
    ]
    listing = await (await there_alice.slash("pack list")).ephemeral()
    assert "trees" not in listing.text
    info = await (await there_alice.slash("pack info", id="trees")).ephemeral()
    assert info.content.startswith("There is no content pack called 'trees' on this server")
    refused = await (await there_admin.slash("settings pack", pack="trees")).ephemeral()
    assert refused.content.startswith("There is no content pack called 'trees'")
    export = await (await there_admin.slash("pack export", id="trees")).ephemeral()
    assert not export.attachments
    started = await (await there_alice.slash("quiz start", pack="trees")).ephemeral()
    assert started.content.startswith("There is no content pack called 'trees'")

    # The other server may have a pack with the same id: each sees its own.
    article = {**parts()["article"], "title": "Another Article"}
    await upload(there_admin, pack_zip(tmp_path, article=article))
    here = await (await admin.slash("pack info", id="trees")).ephemeral()
    there = await (await there_admin.slash("pack info", id="trees")).ephemeral()
    assert here.embed["title"] == f"trees — {TITLE}"
    assert there.embed["title"] == "trees — Another Article"


async def test_a_restart_keeps_the_pack_and_its_buttons(
    emulator: Emulator, harness: BotHarness, admin: Member, alice: Member, tmp_path: Path
) -> None:
    await upload(admin, pack_zip(tmp_path))
    card = await (await alice.slash("article", pack="trees")).message()
    detailed = await (await alice.slash("summary", length="detailed", pack="trees")).message()
    bot = await harness.restart(abrupt=True)
    short = await (await alice.click(card, "Short summary")).ephemeral()
    assert SHORT_START in short.text
    await (await alice.click(detailed, "Next")).acknowledged()
    await emulator.next_edit(detailed, predicate=lambda m: "Shops worry" in m.text)
    summary = await (await alice.slash("summary", pack="trees")).message()
    assert SHORT_START in summary.text
    assert (await bot.packs.get("trees", emulator.guild.id)).article.title == TITLE
    assert [c.value for c in await alice.autocomplete("quiz start", pack="tree")] == ["trees"]


async def test_a_schedule_runs_on_the_pack_it_names(
    bot: Any, emulator: Emulator, admin: Member, tmp_path: Path
) -> None:
    await upload(admin, pack_zip(tmp_path))
    quiz = emulator.channel("quiz")
    choices = await admin.autocomplete("schedule add", channel=quiz, time="19:00", pack="tree")
    assert [c.value for c in choices] == ["trees"]
    sections = await admin.autocomplete(
        "schedule add", channel=quiz, time="19:00", pack="trees", section=""
    )
    assert [c.value for c in sections] == ["standfirst", "P1", "P2", "P3"]
    added = await (
        await admin.slash("schedule add", channel=quiz, time="19:00", pack="trees", section="P2")
    ).ephemeral()
    assert "section P2 · pack trees" in added.content
    assert (await bot.store.schedules.get(1)).pack_id == "trees"
    await (await admin.slash("schedule run", id=1)).ephemeral()
    asked = await emulator.next_message("quiz", predicate=lambda m: bool(m.buttons))
    assert asked.embed["title"] == "Daily quiz at 19:00 (UTC) — Question 1 of 2"  # P2 has two
    row = await bot.store.db.fetchone("SELECT pack_id, section FROM quizzes")
    assert (row["pack_id"], row["section"]) == ("trees", "P2")
    unknown = await (
        await admin.slash("schedule add", channel=quiz, time="20:00", pack="nope")
    ).ephemeral()
    assert unknown.content.startswith("There is no content pack called 'nope'")


async def test_an_attachment_is_read_with_a_cap_whatever_its_size_claims(
    bot: Any, emulator: Emulator
) -> None:
    from types import SimpleNamespace

    from bot.content.archive import ArchiveRefused
    from cogs.packs.cog import read_attachment

    served = emulator.add_attachment(
        emulator.channel("general").id, "liar.zip", b"\0" * (3 * MAX_UPLOAD_BYTES)
    )
    liar = SimpleNamespace(filename="liar.zip", size=100, url=served.url)
    with pytest.raises(ArchiveRefused, match=r"liar.zip is more than 1.0 MiB: an upload may"):
        await read_attachment(liar)  # type: ignore[arg-type]
    assert served.fetches == 1
    honest = emulator.add_attachment(emulator.channel("general").id, "ok.zip", b"PK" * 10)
    ok = SimpleNamespace(filename="ok.zip", size=20, url=honest.url)
    assert await read_attachment(ok) == b"PK" * 10  # type: ignore[arg-type]

"""The Packs service: each guild's packs beside the built-in ones, uploads checked like
``python -m bot check``, replacement, removal, export and template, on a real database (SQLite,
and PostgreSQL with ``TEST_DATABASE_URL``)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.content import Library, load_library, load_pack
from bot.content.archive import ArchiveRefused, read_upload
from bot.errors import Conflict, NotFound
from bot.services.packs import MAX_PACKS, MAX_QUESTIONS, PackInvalid, Packs
from bot.store import Store
from bot.timers import TimerService
from tests.emulator import copy_content
from tests.packs import parts, question, write_pack
from tests.services.test_quiz import RecordingQuizOutput, new_service

REPO = Path(__file__).resolve().parents[2]
GUILD, OTHER = 100, 200
ADMIN = 7
NOW = 1_767_268_800.0


@pytest.fixture
def service(library: Library, store: Store) -> Packs:
    return Packs(library, store, REPO / "content")


def pack_zip(root: Path, pack_id: str = "trees", **overrides: Any) -> bytes:
    """The demo pack (``tests/packs.py``) zipped in a folder named ``pack_id``."""
    folder = write_pack(root / f"src-{len(list(root.glob('src-*')))}", pack_id, **overrides)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.toml")):
            archive.writestr(f"{pack_id}/{path.name}", path.read_bytes())
    return buffer.getvalue()


async def upload(service: Packs, data: bytes, guild_id: int = GUILD, **options: Any) -> Any:
    return await service.upload(guild_id, ADMIN, "trees.zip", data, now=NOW, **options)


async def test_an_upload_is_served_to_its_guild_only(service: Packs, tmp_path: Path) -> None:
    result = await upload(service, pack_zip(tmp_path))
    assert result.version.version == 1 and result.id_from == "folder"
    assert result.counts.sections == ("standfirst", "P1", "P2", "P3")
    assert result.counts.questions == 5
    assert dict(result.counts.by_difficulty) == {"easy": 2, "medium": 2, "hard": 1}
    assert (result.counts.terms, result.counts.events, result.counts.motions) == (3, 3, 2)
    mine = await service.get("trees", GUILD)
    assert mine is not None and mine.article.title == "Why Towns Plant Street Trees"
    assert (await service.for_guild(GUILD, "trees")).id == "trees"
    assert await service.get("trees", OTHER) is None
    assert await service.get("trees") is None
    with pytest.raises(NotFound, match="no content pack called 'trees'"):
        await service.for_guild(OTHER, "trees")
    assert await service.ids(GUILD) == ("wedging-strategy", "trees")
    assert await service.ids(OTHER) == ("wedging-strategy",)
    entries = await service.entries(GUILD)
    assert [(e.id, e.builtin) for e in entries] == [("wedging-strategy", True), ("trees", False)]


async def test_the_guilds_default_may_be_its_own_pack(
    service: Packs, store: Store, tmp_path: Path
) -> None:
    await upload(service, pack_zip(tmp_path))
    await store.guilds.update(GUILD, NOW, default_pack="trees")
    assert (await service.for_guild(GUILD)).id == "trees"
    await store.guilds.update(OTHER, NOW, default_pack="trees")  # not one of OTHER's packs
    assert (await service.for_guild(OTHER)).id == "wedging-strategy"


async def test_a_broken_pack_lists_every_problem_and_stores_nothing(
    service: Packs, store: Store, tmp_path: Path
) -> None:
    data = parts()
    data["questions"][0]["answer"] = "E"
    data["questions"][1]["paragraph"] = "P9"
    data["summary"]["tldr"] = "x" * 300
    data["motions"][0]["text"] = "We should plant"
    with pytest.raises(PackInvalid) as caught:
        await upload(service, pack_zip(tmp_path, **data))
    problems = caught.value.problems
    assert [(p.file, p.place, p.field) for p in problems] == [
        ("pack.toml", "summary", "tldr"),
        ("quiz.toml", "p1-who-objects", "answer"),
        ("quiz.toml", "p2-first-plan", "paragraph"),
        ("debate.toml", "plant-now", "text"),
    ]
    assert all(p.line and p.fix for p in problems)
    assert "4 problems, and nothing was stored" in str(caught.value)
    assert await store.packs.count(GUILD) == 0
    assert await store.db.fetchval("SELECT count(*) FROM guild_packs") == 0


async def test_ids_that_are_taken_are_refused(service: Packs, tmp_path: Path) -> None:
    with pytest.raises(Conflict, match="is the id of a built-in pack"):
        await upload(service, pack_zip(tmp_path, "wedging-strategy"))
    await upload(service, pack_zip(tmp_path))
    with pytest.raises(Conflict, match=r"already has a pack “trees” .*`replace: true`"):
        await upload(service, pack_zip(tmp_path))
    await upload(service, pack_zip(tmp_path), guild_id=OTHER)  # another server may use the id


async def test_a_replacement_says_which_questions_it_drops_or_changes(
    service: Packs, store: Store, tmp_path: Path
) -> None:
    first = await upload(service, pack_zip(tmp_path))
    questions = parts()["questions"]
    del questions[3]  # p3-lesson
    questions[0]["choices"] = ["Parents", "Shop owners", "Doctors", "The nursery"]
    questions[0]["answer"] = "B"  # the same answer text, another letter
    questions[2]["answer"] = "False"  # p2-oaks-tended: another answer
    result = await upload(service, pack_zip(tmp_path, questions=questions), replace=True)
    assert result.replaced is not None and result.replaced.id == first.version.id
    assert result.version.version == 2
    assert result.dropped == ("p3-lesson",)
    assert result.changed == ("p1-who-objects", "p2-oaks-tended")
    pack = await service.get("trees", GUILD)
    assert pack is not None and pack.question("p3-lesson") is None
    history = await store.packs.history(GUILD, "trees")
    assert [(v.version, v.active) for v in history] == [(2, True), (1, False)]


async def test_another_process_sees_a_replacement_at_once(
    library: Library, database: Any, tmp_path: Path
) -> None:
    stores = [await database.open(), await database.open()]
    try:
        here, there = (Packs(library, s) for s in stores)
        await here.upload(GUILD, ADMIN, "t.zip", pack_zip(tmp_path), now=NOW)
        assert (await there.get("trees", GUILD)).tldr.startswith("A town learns")  # type: ignore[union-attr]
        summary = parts()["summary"]
        summary["tldr"] = "The second version says this instead."
        await here.upload(
            GUILD, ADMIN, "t.zip", pack_zip(tmp_path, summary=summary), now=NOW, replace=True
        )
        assert (await there.get("trees", GUILD)).tldr == summary["tldr"]  # type: ignore[union-attr]
        await here.remove(GUILD, "trees", ADMIN, NOW)
        assert await there.get("trees", GUILD) is None
    finally:
        for s in stores:
            await s.close()


async def test_a_server_may_hold_twenty_packs(service: Packs, tmp_path: Path) -> None:
    data = pack_zip(tmp_path)
    for number in range(MAX_PACKS):
        await upload(service, data, pack_id=f"pack-{number}")
    with pytest.raises(Conflict, match=f"already has {MAX_PACKS} packs, the most allowed"):
        await upload(service, data, pack_id="one-more")
    await upload(service, data, pack_id="pack-3", replace=True)  # a new version is no new pack
    await service.remove(GUILD, "pack-3", ADMIN, NOW)
    await upload(service, data, pack_id="one-more")


async def test_a_bank_over_the_limit_is_refused_before_it_is_linted(
    service: Packs, tmp_path: Path
) -> None:
    many = [question(id=f"q-{n}", prompt=f"Question number {n}?") for n in range(MAX_QUESTIONS + 1)]
    with pytest.raises(
        ArchiveRefused, match=f"holds {MAX_QUESTIONS + 1} questions: .* at most {MAX_QUESTIONS}"
    ):
        await upload(service, pack_zip(tmp_path, questions=many))


async def test_removal_is_refused_while_the_pack_is_used(
    service: Packs, store: Store, tmp_path: Path
) -> None:
    await upload(service, pack_zip(tmp_path))
    await store.guilds.update(GUILD, NOW, default_pack="trees")
    async with store.transaction():
        quiz = await store.quiz.create_quiz(
            guild_id=GUILD, channel_id=55, pack_id="trees", started_by=ADMIN, source="live",
            title=None, question_ids=["p1-who-objects"], seconds=30, section=None,
            difficulty=None, now=NOW,
        )  # fmt: skip
    with pytest.raises(Conflict, match=r"“trees” is in use by the quiz in <#55>"):
        await service.removable(GUILD, "trees")
    with pytest.raises(Conflict):
        await service.remove(GUILD, "trees", ADMIN, NOW)
    await store.quiz.finish_quiz(quiz.id, "finished", NOW + 60)
    removed = await service.remove(GUILD, "trees", ADMIN, NOW + 61)
    assert removed.default_reset and removed.version.version == 1
    assert (await store.guilds.get(GUILD)).default_pack is None
    assert (await service.for_guild(GUILD)).id == "wedging-strategy"
    assert await service.get("trees", GUILD) is None
    # The quiz and everything it recorded stay.
    assert (await store.quiz.quiz(quiz.id)).pack_id == "trees"  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        await service.removable(GUILD, "trees")
    with pytest.raises(Exception, match="built-in pack: it cannot be removed"):
        await service.removable(GUILD, "wedging-strategy")


async def test_exports_round_trip_byte_for_byte(service: Packs, tmp_path: Path) -> None:
    shipped = REPO / "content" / "wedging-strategy"
    builtin = await service.export(GUILD, "wedging-strategy")
    assert builtin.filename == "wedging-strategy.zip" and builtin.entry.builtin
    upload_of_builtin = read_upload(builtin.filename, builtin.data, "my-copy")
    assert {n: t.encode() for n, t in upload_of_builtin.files.items()} == {
        p.name: p.read_bytes() for p in shipped.glob("*.toml")
    }
    result = await upload(service, builtin.data, pack_id="my-copy")
    assert result.pack.article == load_pack(shipped).article
    first = await service.export(GUILD, "my-copy")
    await service.upload(GUILD, ADMIN, first.filename, first.data, replace=True, now=NOW)
    second = await service.export(GUILD, "my-copy")
    assert second.entry.version.version == 2  # type: ignore[union-attr]
    assert read_upload("a.zip", second.data).files == read_upload("b.zip", first.data).files
    assert second.data == first.data
    with pytest.raises(NotFound):
        await service.export(OTHER, "my-copy")


async def test_the_template_is_a_zip_that_never_passes(service: Packs) -> None:
    data = await service.template()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        readme = archive.read("my-pack/README.md").decode()
    assert names == [f"my-pack/{n}" for n in ("pack.toml", "quiz.toml", "debate.toml", "README.md")]
    assert readme == (REPO / "content" / "README.md").read_text(encoding="utf-8")
    with pytest.raises(PackInvalid):
        await service.upload(GUILD, ADMIN, "pack-template.zip", data, now=NOW)


async def test_a_live_quiz_runs_on_the_guilds_own_pack(
    service: Packs, store: Store, timers: TimerService, clock: FakeClock, tmp_path: Path
) -> None:
    await upload(service, pack_zip(tmp_path))
    quiz = new_service(store, timers, clock, service, RecordingQuizOutput())
    started = await quiz.start_live(
        guild_id=GUILD, channel_id=9, started_by=ADMIN, questions=2, seconds=20, pack_id="trees"
    )
    assert started.pack_id == "trees"
    rounds = await store.db.fetchall("SELECT id FROM quiz_rounds WHERE quiz_id = ?", (started.id,))
    first = await store.quiz.round(int(rounds[0]["id"]))
    assert first is not None
    question = await quiz.question_of(first)
    own = await service.get("trees", GUILD)
    assert question is not None and own is not None and own.question(question.id) == question
    with pytest.raises(NotFound):
        await quiz.start_live(
            guild_id=OTHER, channel_id=10, started_by=ADMIN, questions=1, seconds=20,
            pack_id="trees",
        )  # fmt: skip


async def test_a_stored_version_that_no_longer_parses_is_not_served_but_exports(
    service: Packs, store: Store, tmp_path: Path
) -> None:
    await upload(service, pack_zip(tmp_path))
    # As if a later version of the bot checked more strictly than the one that took it.
    await store.db.execute("UPDATE guild_packs SET pack_toml = pack_toml || '\nsurprise = 1\n'")
    fresh = Packs(service.library, store, REPO / "content")
    assert await fresh.get("trees", GUILD) is None
    with pytest.raises(Exception, match="no longer passes this version of the bot's checks"):
        await fresh.info(GUILD, "trees")
    exported = await fresh.export(GUILD, "trees")
    assert read_upload("t.zip", exported.data).files["pack.toml"].endswith("surprise = 1\n")
    assert [e.id for e in await fresh.entries(GUILD)] == ["wedging-strategy", "trees"]


async def test_a_pack_shadowed_by_a_new_built_in_one_can_still_be_removed(
    store: Store, tmp_path: Path
) -> None:
    before = Packs(load_library(REPO / "content"), store)
    await upload(before, pack_zip(tmp_path))
    content = copy_content(tmp_path / "content")
    shipped = {**parts()["article"], "title": "Shipped Trees"}
    write_pack(content, "trees", article=shipped)  # the host ships a pack with the same id later
    after = Packs(load_library(content), store, content)
    assert [e.id for e in await after.entries(GUILD)] == ["trees", "wedging-strategy"]
    assert (await after.get("trees", GUILD)).article.title == "Shipped Trees"  # type: ignore[union-attr]
    removed = await after.remove(GUILD, "trees", ADMIN, NOW)
    assert removed.version.version == 1 and await store.packs.count(GUILD) == 0
    with pytest.raises(Exception, match="is a built-in pack: it cannot be removed"):
        await after.removable(GUILD, "trees")

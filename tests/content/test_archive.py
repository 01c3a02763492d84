"""Packs as files: reading an upload (every limit), writing a pack back as a zip, placing a
broken pack's problems, the skeletons of ``new-pack`` and ``/pack template``, and the
``python -m bot new-pack`` command."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.content import ContentError, load_pack, parse_pack
from bot.content.archive import (
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    ArchiveRefused,
    read_upload,
    write_archive,
)
from bot.content.problems import README, explain
from bot.content.skeleton import OPENING_WORDS, outline, skeleton
from tests.packs import SHIPPED, parts, write_pack

REPO = Path(__file__).resolve().parents[2]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.toml"))}


def zip_of(entries: Mapping[str, bytes | str], *, links: tuple[str, ...] = ()) -> bytes:
    """A zip holding ``entries`` (a name ending in / is a folder entry) and symlinks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "../../etc/passwd")
    return buffer.getvalue()


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, bytes]:
    return files_of(write_pack(tmp_path / "packs", "demo"))


def refused(filename: str, data: bytes, pack_id: str | None = None) -> str:
    with pytest.raises(ArchiveRefused) as caught:
        read_upload(filename, data, pack_id)
    return str(caught.value)


# ------------------------------------------------------------------------------------------------
# Reading uploads


def test_a_zip_with_one_folder_takes_the_folders_name(demo: dict[str, bytes]) -> None:
    data = zip_of({"street-trees/": b"", **{f"street-trees/{n}": b for n, b in demo.items()}})
    upload = read_upload("whatever.zip", data)
    assert upload.pack_id == "street-trees" and upload.id_from == "folder"
    assert set(upload.files) == {"pack.toml", "quiz.toml", "debate.toml"}
    assert upload.files["quiz.toml"].encode() == demo["quiz.toml"]
    assert parse_pack(upload.pack_id, upload.files).article.title == "Why Towns Plant Street Trees"


def test_the_id_option_wins_over_the_folder(demo: dict[str, bytes]) -> None:
    data = zip_of({f"street-trees/{n}": b for n, b in demo.items()})
    assert read_upload("x.zip", data, "my-copy").pack_id == "my-copy"


def test_files_at_the_top_take_the_zips_name_or_need_an_id(demo: dict[str, bytes]) -> None:
    data = zip_of(demo)
    assert read_upload("trees.zip", data).pack_id == "trees"
    assert read_upload("My_Pack.zip", data, "trees").pack_id == "trees"
    assert "give one with the `id` option" in refused("My_Pack.zip", data)


def test_a_single_pack_toml_needs_an_id(demo: dict[str, bytes]) -> None:
    assert "give the pack an id with the `id` option" in refused("pack.toml", demo["pack.toml"])
    upload = read_upload("pack.toml", demo["pack.toml"], "trees")
    assert upload.files == {"pack.toml": demo["pack.toml"].decode()}
    assert "put it in a .zip together with pack.toml" in refused(
        "quiz.toml", demo["quiz.toml"], "trees"
    )


def test_a_readme_and_macos_extras_are_ignored(demo: dict[str, bytes]) -> None:
    data = zip_of(
        {
            **{f"trees/{n}": b for n, b in demo.items()},
            "trees/README.md": "# notes",
            "__MACOSX/trees/._pack.toml": b"\x00\x05",
            "trees/.DS_Store": b"\x00",
        }
    )
    upload = read_upload("trees.zip", data)
    assert set(upload.files) == {"pack.toml", "quiz.toml", "debate.toml"}
    assert set(upload.ignored) == {
        "trees/README.md",
        "__MACOSX/trees/._pack.toml",
        "trees/.DS_Store",
    }


def test_an_attachment_over_one_mib_is_refused() -> None:
    message = refused("big.zip", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert "big.zip" in message and "1.0 MiB" in message


def test_more_than_ten_files_are_refused_but_folder_entries_do_not_count(
    demo: dict[str, bytes],
) -> None:
    folders = {f"trees/{i}/": b"" for i in range(12)}
    assert read_upload("t.zip", zip_of({**folders, **{f"trees/{n}": b for n, b in demo.items()}}))
    many = {f"trees/README{i}.md": "x" for i in range(8)}
    message = refused("t.zip", zip_of({**many, **{f"trees/{n}": b for n, b in demo.items()}}))
    assert "t.zip holds 11 files" in message and "at most 10" in message


def test_more_than_five_mib_unpacked_is_refused(demo: dict[str, bytes]) -> None:
    padding = demo["pack.toml"] + b"#" * (MAX_UNPACKED_BYTES) + b"\n"
    data = zip_of({"trees/pack.toml": padding})
    assert len(data) < MAX_UPLOAD_BYTES
    message = refused("t.zip", data)
    assert "unpacks to 5.0 MiB" in message and "at most 5.0 MiB" in message


@pytest.mark.parametrize(
    "path", ["../pack.toml", "trees/../../pack.toml", "/etc/pack.toml", "C:/pack.toml"]
)
def test_a_path_that_leaves_its_folder_is_refused(path: str, demo: dict[str, bytes]) -> None:
    message = refused("t.zip", zip_of({path: demo["pack.toml"]}))
    assert path in message and "leaves its folder" in message


def test_a_link_is_refused(demo: dict[str, bytes]) -> None:
    message = refused(
        "t.zip", zip_of({"trees/pack.toml": demo["pack.toml"]}, links=("trees/quiz.toml",))
    )
    assert "'trees/quiz.toml'" in message and "is a link" in message


def test_other_files_are_refused_naming_them(demo: dict[str, bytes]) -> None:
    message = refused(
        "t.zip", zip_of({"trees/pack.toml": demo["pack.toml"], "trees/notes.txt": "x"})
    )
    assert "'trees/notes.txt'" in message and "only pack.toml, quiz.toml and debate.toml" in message


def test_files_must_sit_in_one_place(demo: dict[str, bytes]) -> None:
    deep = refused("t.zip", zip_of({"a/b/pack.toml": demo["pack.toml"]}))
    assert "'a/b/pack.toml'" in deep and "more than one folder deep" in deep
    split = refused(
        "t.zip", zip_of({"a/pack.toml": demo["pack.toml"], "b/quiz.toml": demo["quiz.toml"]})
    )
    assert "a/, b/" in split
    mixed = refused(
        "t.zip", zip_of({"pack.toml": demo["pack.toml"], "b/quiz.toml": demo["quiz.toml"]})
    )
    assert "the top level" in mixed


def test_text_that_is_not_utf8_is_refused(demo: dict[str, bytes]) -> None:
    latin = 'title = "Caf\u00e9"\n'.encode("latin-1")
    message = refused(
        "t.zip", zip_of({"trees/pack.toml": demo["pack.toml"], "trees/quiz.toml": latin})
    )
    assert "trees/quiz.toml is not UTF-8 text (byte 13" in message
    assert "not UTF-8" in refused("pack.toml", latin, "trees")


def test_a_byte_order_mark_is_dropped(demo: dict[str, bytes]) -> None:
    upload = read_upload("pack.toml", b"\xef\xbb\xbf" + demo["pack.toml"], "trees")
    assert upload.files["pack.toml"] == demo["pack.toml"].decode()


def test_broken_duplicate_encrypted_and_foreign_files_are_refused(demo: dict[str, bytes]) -> None:
    assert "not a zip archive" in refused("t.zip", b"PK\x03\x04 not really")
    assert "neither a .zip nor a .toml" in refused("notes.txt", b"hello")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trees/pack.toml", demo["pack.toml"])
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("trees/pack.toml", demo["pack.toml"])
    assert "pack.toml twice" in refused("t.zip", buffer.getvalue())
    plain = bytearray(zip_of({"trees/pack.toml": demo["pack.toml"]}))
    central = plain.index(b"PK\x01\x02")
    plain[central + 8] |= 0x1  # the entry's "encrypted" flag in the central directory
    assert "is encrypted" in refused("t.zip", bytes(plain))


def test_a_bad_id_is_refused_before_anything_is_read(demo: dict[str, bytes]) -> None:
    assert "“Street Trees” is not a valid pack id" in refused("x.zip", b"", "Street Trees")
    message = refused("x.zip", zip_of({f"Street Trees/{n}": b for n, b in demo.items()}))
    assert "The folder name “Street Trees” is not a valid pack id" in message


# ------------------------------------------------------------------------------------------------
# Writing packs back


def test_an_exported_zip_reads_back_byte_for_byte() -> None:
    files = files_of(SHIPPED)
    data = write_archive("wedging-strategy", files)
    assert data == write_archive("wedging-strategy", files)  # the same zip every time
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [
            f"wedging-strategy/{n}" for n in ("pack.toml", "quiz.toml", "debate.toml")
        ]
    upload = read_upload("wedging-strategy.zip", data, "my-copy")
    assert {n: t.encode() for n, t in upload.files.items()} == files
    again = write_archive("my-copy", upload.files)
    assert {n: t.encode() for n, t in read_upload("my-copy.zip", again).files.items()} == files


# ------------------------------------------------------------------------------------------------
# Problems, placed


def test_every_problem_names_its_file_place_line_and_a_fix(tmp_path: Path) -> None:
    data = parts()
    data["questions"][1]["answer"] = "E"
    data["questions"][2]["explaination"] = "typo"
    data["timeline"][2]["paragraph"] = "P2"
    data["positions"][0]["attacks"][1]["by"] = "liberal"
    folder = write_pack(tmp_path, "broken", **data)
    files = {p.name: p.read_text() for p in folder.glob("*.toml")}
    with pytest.raises(ContentError) as caught:
        parse_pack("broken", files)
    problems = {p.field: p for p in explain(caught.value.problems, files)}
    answer = problems["answer"]
    assert (answer.file, answer.place) == ("quiz.toml", "p2-first-plan")
    assert files["quiz.toml"].splitlines()[answer.line - 1].startswith('answer = "E"')
    assert answer.fix == "Use one of the values listed."
    typo = problems["explaination"]
    assert files["quiz.toml"].splitlines()[typo.line - 1].startswith("explaination")
    assert typo.fix == "Remove this key, or correct its spelling."
    event = problems["paragraph"]
    assert event.place == "timeline[3]"
    assert files["pack.toml"].splitlines()[event.line - 1].startswith('paragraph = "P2"')
    attack = problems["by"]
    assert attack.place == "liberal.attacks[2]"
    assert files["debate.toml"].splitlines()[attack.line - 1] == 'by = "liberal"'
    assert attack.fix == "Name another position here."
    assert all(README not in p.fix for p in problems.values())
    assert answer.table == "questions" and event.table is None and attack.table is None
    assert str(answer) == (
        f'quiz.toml: [[questions]] p2-first-plan: answer: "E" is not one of the choices A–D '
        f"(line {answer.line}) — Use one of the values listed."
    )


def test_a_syntax_error_keeps_the_parsers_line() -> None:
    files = {"pack.toml": 'title = "unterminated\n'}
    with pytest.raises(ContentError) as caught:
        parse_pack("x", files)
    (problem,) = explain(caught.value.problems, files)
    assert problem.place == "line 1" and problem.line == 1 and "quote" in problem.fix


# ------------------------------------------------------------------------------------------------
# Skeletons and new-pack

ARTICLE = """Why Towns Plant Street Trees

Shop owners argue with parents about a row of new trees on the main street.

The council first tried potted shrubs along the pavement. Nobody watered them, so they died
within a year, and the shops complained about the empty pots for months afterwards.

A second plan paid a nursery to plant and tend young oaks for five years. It worked.

Budget for care before planting anything.
"""


def test_an_outline_numbers_paragraphs_and_finds_the_standfirst() -> None:
    shape = outline(ARTICLE)
    assert [p.ref for p in shape.paragraphs] == ["standfirst", "P1", "P2", "P3"]
    assert shape.headings == ("Why Towns Plant Street Trees",)
    assert shape.paragraphs[1].words == 29 and shape.reading_minutes == 1
    long_first = "word " * 80 + "end.\n\nSecond paragraph."
    assert [p.ref for p in outline(long_first).paragraphs] == ["P1", "P2"]


@pytest.mark.parametrize("article", [ARTICLE, None])
def test_a_skeleton_is_valid_toml_but_never_passes_the_check(article: str | None) -> None:
    files = skeleton("trees", article)
    for text in files.values():
        tomllib.loads(text)
    with pytest.raises(ContentError) as caught:
        parse_pack("trees", files)
    fields = {problem.split(": ")[2] for problem in caught.value.problems}
    assert {"title", "date", "tldr", "short", "summary", "questions", "positions"} <= fields
    assert not any("syntax" in p for p in caught.value.problems)
    if article is not None:
        # Each section shows how its paragraph begins, never a run the repository forbids.
        assert '"Shop owners argue with parents about …"' in files["pack.toml"]
        assert "a row of new trees" not in files["pack.toml"]
        assert OPENING_WORDS < 8


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", *args],
        env={**env, "PYTHONPATH": str(REPO), "CONTENT_DIR": str(cwd / "content")},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_new_pack_writes_a_skeleton_that_check_refuses(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    result = run_cli("new-pack", "article.txt", "--id", "trees", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sections: 4 (standfirst, P1, P2, P3)" in result.stdout
    folder = tmp_path / "content" / "trees"
    assert sorted(p.name for p in folder.iterdir()) == ["debate.toml", "pack.toml", "quiz.toml"]
    with pytest.raises(ContentError):
        load_pack(folder)
    check = run_cli("check", cwd=tmp_path)
    assert (
        check.returncode == 1
        and "trees/pack.toml: article: title: must not be empty" in check.stdout
    )
    again = run_cli("new-pack", "article.txt", "--id", "trees", cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    other = run_cli("new-pack", "article.txt", "--id", "trees", "--out", "elsewhere", cwd=tmp_path)
    assert other.returncode == 0 and (tmp_path / "elsewhere" / "trees" / "pack.toml").is_file()
    bad = run_cli("new-pack", "article.txt", "--id", "Trees!", cwd=tmp_path)
    assert bad.returncode == 2 and "not a valid pack id" in bad.stderr

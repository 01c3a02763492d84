"""Tests of the content loader and validator, and of the shipped wedging-strategy pack."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from bot.content import (
    ContentError,
    Library,
    Pack,
    describe_pack,
    load_library,
    load_pack,
)

try:  # tests/ may or may not become a package; the helper works either way
    from tests.packs import parts, question, write_pack
except ImportError:  # pragma: no cover - depends on how pytest puts tests/ on sys.path
    from packs import parts, question, write_pack

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
SHARED = REPO.parent / "shared"
PARAGRAPHS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
POSITIONS = ("liberal", "conservative", "united-states")


def problems_of(folder: Path) -> tuple[str, ...]:
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    return caught.value.problems


# ------------------------------------------------------------------------------------------------
# The shipped pack


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT)


@pytest.fixture(scope="module")
def pack(library: Library) -> Pack:
    found = library.get("wedging-strategy")
    assert found is not None, library.problems
    return found


def test_shipped_library_has_no_problems(library: Library) -> None:
    assert library.problems == ()
    assert library.default_id == "wedging-strategy"
    assert "wedging-strategy" in library.ids


def test_article_metadata(pack: Pack) -> None:
    a = pack.article
    assert a.title == "Behind North Korea's Charm Offensive"
    assert a.author == "Khang Vu"
    assert (a.publication, a.blog) == ("The National Interest", "The Skeptics")
    assert a.date.isoformat() == "2018-07-24"
    assert (a.topic, a.region) == ("Security", "Asia")
    assert 4 <= a.reading_minutes <= 6  # about 1,050 words


def test_summaries(pack: Pack) -> None:
    assert len(pack.tldr) <= 280
    assert 120 <= len(pack.short_summary.split()) <= 200
    assert pack.paragraph_refs == ("standfirst", *PARAGRAPHS)
    for section in pack.sections:
        assert section.title
        assert len(section.summary) <= 1000
    assert 5 <= len(pack.takeaways) <= 7


def test_question_counts(pack: Pack) -> None:
    questions = pack.questions
    assert len(questions) >= 82
    for ref in PARAGRAPHS:
        assert sum(q.paragraph == ref for q in questions) >= 8, ref
    by_level = {d: sum(q.difficulty == d for q in questions) for d in ("easy", "medium", "hard")}
    assert by_level["easy"] >= 15
    assert by_level["medium"] >= 20
    assert by_level["hard"] >= 15
    assert {q.kind for q in questions} == {"choice", "truefalse"}


def test_questions_are_well_formed(pack: Pack) -> None:
    for q in pack.questions:
        assert len(q.explanation) <= 400
        assert all(len(c) <= 150 for c in q.choices)
        if q.kind == "choice":
            assert len(q.choices) == 4
            assert len({c.casefold() for c in q.choices}) == 4
            assert "all of the above" not in " ".join(q.choices).casefold()
        else:
            assert q.choices == ("True", "False")
        # the explanation names the paragraph it rests on
        ref = "standfirst" if q.paragraph == "standfirst" else q.paragraph
        assert ref.casefold() in q.explanation.casefold(), q.id
    # the right answers are spread over the four letters
    letters = [q.answer_label for q in pack.questions if q.kind == "choice"]
    for letter in "ABCD":
        assert letters.count(letter) >= len(letters) // 6, letter


def test_glossary(pack: Pack) -> None:
    assert len(pack.glossary) >= 15
    for name in (
        "wedging strategy",
        "decoupling",
        "entrapment",
        "accommodation",
        "coercion",
        "Sunshine Policy",
        "Agreed Framework",
        "axis of evil",
        "strategic patience",
        "ICBM",
        "solid-fuel missiles",
        "charm offensive",
        "mutual deterrence",
        "preventive counterforce strike",
        "survivable arsenal",
        "Blue House",
    ):
        term = pack.term(name)
        assert term is not None, name
        assert term.paragraphs and term.definition
    assert all(t.related for t in pack.glossary)


def test_timeline(pack: Pack) -> None:
    events = pack.timeline
    assert len(events) >= 10
    assert [e.date for e in events] == sorted(e.date for e in events)
    assert {e.source for e in events} == {"article", "background"}
    for e in events:
        assert (e.paragraph is not None) == (e.source == "article")
    dates = {e.date: e for e in events}
    assert dates["2018-06-12"].paragraph == "P1"  # Singapore summit
    assert dates["2010-03-26"].paragraph == "P4"  # the corvette
    assert dates["1994-10-21"].source == "background"  # Agreed Framework signed


def test_positions(pack: Pack) -> None:
    assert tuple(pack.positions) == POSITIONS
    for pid, position in pack.positions.items():
        assert len(position.stance) <= 300
        assert len(position.arguments) >= 4
        assert all(a.paragraphs for a in position.arguments)
        assert len(position.quotes) >= 2
        for other in POSITIONS:
            if other != pid:
                assert len(position.attacks_by(other)) >= 2, (pid, other)


def test_motions(pack: Pack) -> None:
    motions = pack.motions
    assert len(motions) >= 6
    sizes = [len(m.positions) for m in motions]
    assert sizes.count(3) > len(motions) / 2
    assert 2 in sizes
    for m in motions:
        assert m.text.startswith("This house")
        assert len(m.text) <= 100
        assert tuple(m.framing) == m.positions


def test_describe_pack(pack: Pack) -> None:
    text = describe_pack(pack)
    assert text.startswith("wedging-strategy: ")
    assert f"questions: {len(pack.questions)}" in text
    assert "by paragraph: standfirst" in text
    assert "by difficulty: easy" in text
    assert f"glossary terms: {len(pack.glossary)}" in text
    assert "positions: 3 (liberal, conservative, united-states)" in text
    assert f"motions: {len(pack.motions)}" in text


def test_shipped_content_passes_copycheck() -> None:
    tool = SHARED / "tools" / "copycheck.py"
    article = SHARED / "seed" / "article.txt"
    if not tool.is_file() or not article.is_file():
        pytest.skip("the copycheck tool and article are not beside this repository")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(tool), str(CONTENT), str(article)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(", 0 findings")


# ------------------------------------------------------------------------------------------------
# The model and its helpers, on the demo pack


def test_demo_pack_is_valid_and_immutable(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path))
    assert pack.id == "demo"
    assert isinstance(pack.questions, tuple)
    assert isinstance(pack.positions, MappingProxyType)
    assert isinstance(pack.motions[0].framing, MappingProxyType)
    assert isinstance(pack.positions["liberal"].arguments, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pack.tldr = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        pack.positions["new"] = pack.positions["liberal"]  # type: ignore[index]


def test_pack_helpers(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path))
    assert pack.section("P2") is not None and pack.section("P2").title == "Two plans"
    assert pack.section("p2") is pack.section("P2")
    assert pack.section("P9") is None
    assert pack.term("upkeep") is pack.term("MAINTENANCE") is pack.term("  Upkeep ")
    assert pack.term("nothing") is None
    assert pack.motion("shops-first") is not None and pack.motion("nope") is None
    choice = pack.question("p1-who-objects")
    assert choice is not None
    assert choice.labels == ("A", "B", "C", "D")
    assert (choice.answer, choice.answer_label, choice.answer_text) == (0, "A", "Shop owners")
    truefalse = pack.question("standfirst-shrubs-worked")
    assert truefalse is not None
    assert truefalse.labels == truefalse.choices == ("True", "False")
    assert truefalse.answer_label == "False"
    assert pack.question("p2-first-plan").quote == "nobody watered them"
    assert [e.date for e in pack.timeline] == ["1990-01-01", "2015", "2016-04"]


def test_a_pack_without_quiz_or_debate_loads(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, questions=None, positions=None, motions=None))
    assert pack.questions == ()
    assert dict(pack.positions) == {}
    assert pack.motions == ()


def test_true_false_answers_accept_booleans(tmp_path: Path) -> None:
    q = question(kind="truefalse", choices=None, answer=False)
    pack = load_pack(write_pack(tmp_path, questions=[q]))
    assert pack.questions[0].answer_label == "False"


# ------------------------------------------------------------------------------------------------
# One test per kind of error, each with its precise message


def test_unknown_key(tmp_path: Path) -> None:
    q = question(explaination="typo", explanation=None)
    found = problems_of(write_pack(tmp_path, questions=[q]))
    assert found == (
        'quiz.toml: p1-who-objects: explaination: unknown key (did you mean "explanation"?)',
        "quiz.toml: p1-who-objects: explanation: missing",
    )


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = parts()
    data["article"]["titel"] = data["article"].pop("title")
    found = problems_of(write_pack(tmp_path, article=data["article"]))
    assert 'pack.toml: article: titel: unknown key (did you mean "title"?)' in found
    assert "pack.toml: article: title: missing" in found


def test_missing_field(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, questions=[question(prompt=None)]))
    assert found == ("quiz.toml: p1-who-objects: prompt: missing",)


def test_wrong_type(tmp_path: Path) -> None:
    data = parts()
    data["article"]["reading_minutes"] = "five"
    found = problems_of(write_pack(tmp_path, article=data["article"]))
    assert found == ("pack.toml: article: reading_minutes: must be a whole number, not text",)


def test_duplicate_id(tmp_path: Path) -> None:
    qs = [question(), question(paragraph="P2")]
    found = problems_of(write_pack(tmp_path, questions=qs))
    assert found == (
        'quiz.toml: p1-who-objects: id: duplicate id "p1-who-objects", already used by question 1',
    )


def test_answer_outside_choices(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, questions=[question(answer="E")]))
    assert found == ('quiz.toml: p1-who-objects: answer: "E" is not one of the choices A–D',)


def test_true_false_answer_outside_choices(tmp_path: Path) -> None:
    q = question(kind="truefalse", choices=None, answer="Maybe")
    found = problems_of(write_pack(tmp_path, questions=[q]))
    assert found == (
        'quiz.toml: p1-who-objects: answer: "Maybe" is not one of the choices True/False',
    )


def test_wrong_number_of_choices(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, questions=[question(choices=["Yes", "No", "Maybe"])]))
    assert found == ("quiz.toml: p1-who-objects: choices: 3 items, exactly 4 expected",)


def test_unknown_paragraph(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, questions=[question(paragraph="P9")]))
    assert found == (
        'quiz.toml: p1-who-objects: paragraph: "P9" is not a section of this pack '
        "(standfirst, P1, P2, P3)",
    )


def test_unknown_paragraph_in_an_argument(tmp_path: Path) -> None:
    positions = parts()["positions"]
    positions[1]["arguments"][0]["paragraphs"] = ["P1", "P8"]
    found = problems_of(write_pack(tmp_path, positions=positions))
    assert found == (
        'debate.toml: conservative.arguments[1]: paragraphs: "P8" is not a section of this pack '
        "(standfirst, P1, P2, P3)",
    )


def test_motion_with_unknown_position(tmp_path: Path) -> None:
    motions = parts()["motions"]
    motions[1]["positions"] = ["liberal", "green"]
    motions[1]["framing"] = {"liberal": "One line.", "green": "Another line."}
    found = problems_of(write_pack(tmp_path, motions=motions))
    assert found == (
        'debate.toml: shops-first: positions: "green" is not a position of this pack '
        "(liberal, conservative, united-states)",
    )


def test_motion_framing_must_match_its_positions(tmp_path: Path) -> None:
    motions = parts()["motions"]
    del motions[0]["framing"]["united-states"]
    motions[1]["framing"]["united-states"] = "Not in this motion."
    found = problems_of(write_pack(tmp_path, motions=motions))
    assert found == (
        'debate.toml: plant-now: framing: missing a line for "united-states"',
        'debate.toml: shops-first: framing.united-states: "united-states" is not one of this '
        "motion's positions",
    )


def test_motion_text_must_start_with_this_house(tmp_path: Path) -> None:
    motions = parts()["motions"]
    motions[0]["text"] = "Trees for every street"
    found = problems_of(write_pack(tmp_path, motions=motions))
    assert found == ('debate.toml: plant-now: text: must start with "This house"',)


def test_attack_by_unknown_or_same_position(tmp_path: Path) -> None:
    positions = parts()["positions"]
    positions[0]["attacks"][0]["by"] = "liberal"
    positions[2]["attacks"][1]["by"] = "conservatve"
    found = problems_of(write_pack(tmp_path, positions=positions))
    assert found == (
        'debate.toml: liberal.attacks[1]: by: "liberal" is this position itself',
        'debate.toml: united-states.attacks[2]: by: "conservatve" is not a position of this pack '
        '(liberal, conservative, united-states) (did you mean "conservative"?)',
    )


@pytest.mark.parametrize(
    ("part", "edit", "expected"),
    [
        (
            "questions",
            lambda d: d[0].update(explanation="x" * 401),
            "quiz.toml: p1-who-objects: explanation: 401 characters, at most 400",
        ),
        (
            "questions",
            lambda d: d[0]["choices"].__setitem__(1, "y" * 151),
            "quiz.toml: p1-who-objects: choices[B]: 151 characters, at most 150",
        ),
        (
            "questions",
            lambda d: d[0].update(prompt="z" * 301),
            "quiz.toml: p1-who-objects: prompt: 301 characters, at most 300",
        ),
        (
            "motions",
            lambda d: d[0].update(text="This house " + "w" * 90),
            "debate.toml: plant-now: text: 101 characters, at most 100",
        ),
        (
            "positions",
            lambda d: d[0].update(stance="s" * 301),
            "debate.toml: liberal: stance: 301 characters, at most 300",
        ),
        (
            "summary",
            lambda d: d.update(tldr="t" * 281),
            "pack.toml: summary: tldr: 281 characters, at most 280",
        ),
        (
            "summary",
            lambda d: d.update(short="word " * 50),
            "pack.toml: summary: short: 50 words, 120–200 expected",
        ),
        (
            "summary",
            lambda d: d.update(takeaways=d["takeaways"][:3]),
            "pack.toml: summary: takeaways: 3 items, 5–7 expected",
        ),
        (
            "sections",
            lambda d: d[1].update(summary="s" * 1001),
            "pack.toml: P1: summary: 1001 characters, at most 1000",
        ),
        (
            "glossary",
            lambda d: d[0].update(term="T" * 101),
            "pack.toml: upkeep: term: 101 characters, at most 100",
        ),
        (
            "positions",
            lambda d: d[0]["quotes"][0].update(
                quote="one two three four five six seven eight nine ten eleven twelve thirteen"
            ),
            "debate.toml: liberal.quotes[1]: quote: 13 words, at most 12",
        ),
        (
            "motions",
            lambda d: d[0]["framing"].update(liberal="f" * 301),
            "debate.toml: plant-now: framing.liberal: 301 characters, at most 300",
        ),
    ],
)
def test_over_limit_text(tmp_path: Path, part: str, edit, expected: str) -> None:
    data = parts()[part]
    edit(data)
    found = problems_of(write_pack(tmp_path, **{part: data}))
    assert found == (expected,)


def test_one_line_fields(tmp_path: Path) -> None:
    found = problems_of(write_pack(tmp_path, questions=[question(choices=["a\nb", "c", "d", "e"])]))
    assert found == ("quiz.toml: p1-who-objects: choices[A]: must be on one line",)


def test_bad_toml_reports_its_line(tmp_path: Path) -> None:
    raw = '[[questions]]\nid = "p1-x"\nprompt = \n'
    found = problems_of(write_pack(tmp_path, raw={"quiz.toml": raw}))
    assert len(found) == 1
    assert found[0].startswith("quiz.toml: line 3: syntax: ")
    assert "(column" in found[0]


def test_unknown_related_term(tmp_path: Path) -> None:
    glossary = parts()["glossary"]
    glossary[0]["related"] = ["nursey"]
    found = problems_of(write_pack(tmp_path, glossary=glossary))
    assert found == (
        'pack.toml: upkeep: related: "nursey" is not the id of a glossary term '
        '(did you mean "nursery"?)',
    )


def test_duplicate_term_name_or_alias(tmp_path: Path) -> None:
    glossary = parts()["glossary"]
    glossary[2]["aliases"] = ["Maintenance"]
    found = problems_of(write_pack(tmp_path, glossary=glossary))
    assert found == (
        'pack.toml: sapling: aliases: duplicate term name "Maintenance", already used by '
        'term "upkeep"',
    )


def test_timeline_paragraph_rules(tmp_path: Path) -> None:
    timeline = parts()["timeline"]
    del timeline[0]["paragraph"]
    timeline[2]["paragraph"] = "P1"
    timeline[1]["date"] = "2016-13"
    found = problems_of(write_pack(tmp_path, timeline=timeline))
    assert found == (
        "pack.toml: timeline[1]: paragraph: missing",
        'pack.toml: timeline[2]: date: "2016-13" is not a date like "2018", "2018-06" or '
        '"2018-06-12"',
        "pack.toml: timeline[3]: paragraph: only an event the article states names a paragraph",
    )


def test_unknown_file_and_bad_pack_id(tmp_path: Path) -> None:
    folder = write_pack(tmp_path, "Demo Pack", raw={"quizz.toml": "x = 1\n"})
    found = problems_of(folder)
    assert found[0].startswith(
        'pack.toml: pack: id: folder name "Demo Pack" is not a valid pack id'
    )
    assert found[1] == (
        "quizz.toml: file: name: not a pack file (expected pack.toml, quiz.toml or debate.toml) "
        '(did you mean "quiz.toml"?)'
    )


def test_several_problems_reported_at_once(tmp_path: Path) -> None:
    data = parts()
    data["questions"][0]["answer"] = "E"
    data["questions"][1]["paragraph"] = "P9"
    data["glossary"][0]["related"] = ["nowhere"]
    data["motions"][0]["positions"] = ["liberal", "greens", "united-states"]
    data["motions"][0]["framing"]["greens"] = data["motions"][0]["framing"].pop("conservative")
    data["summary"]["tldr"] = "t" * 300
    folder = write_pack(tmp_path, **data)
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    found = caught.value.problems
    assert len(found) == 5
    assert [p.split(":")[0] for p in found] == [
        "pack.toml",
        "pack.toml",
        "quiz.toml",
        "quiz.toml",
        "debate.toml",
    ]
    assert str(caught.value) == "\n".join(found)


# ------------------------------------------------------------------------------------------------
# The library


def test_broken_second_pack_does_not_stop_the_first(tmp_path: Path) -> None:
    write_pack(tmp_path, "alpha")
    write_pack(tmp_path, "beta", questions=[question(answer="Z")])
    (tmp_path / "notes").mkdir()  # a folder without pack.toml is ignored
    library = load_library(tmp_path)
    assert library.ids == ("alpha",)
    assert library.default_id == "alpha"
    assert library.get("beta") is None
    assert library.problems == (
        'beta/quiz.toml: p1-who-objects: answer: "Z" is not one of the choices A–D',
    )


def test_default_pack_is_wedging_strategy_when_loaded(tmp_path: Path) -> None:
    write_pack(tmp_path, "alpha")
    write_pack(tmp_path, "wedging-strategy")
    library = load_library(tmp_path)
    assert library.ids == ("alpha", "wedging-strategy")
    assert library.default_id == "wedging-strategy"


def test_no_valid_pack_is_an_error(tmp_path: Path) -> None:
    write_pack(tmp_path, "beta", questions=[question(answer="Z")])
    with pytest.raises(ContentError) as caught:
        load_library(tmp_path)
    assert caught.value.problems[0].startswith("beta/quiz.toml: p1-who-objects: answer: ")
    assert caught.value.problems[-1].endswith("no valid pack remains")


def test_no_pack_at_all_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no pack found"):
        load_library(tmp_path)
    with pytest.raises(ContentError, match="not found"):
        load_library(tmp_path / "missing")

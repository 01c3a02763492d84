"""Tests of the pack linter (bot/content/lint.py) and of ``python -m bot check --strict``.

Each warning kind is shown on a small bad pack written with ``tests.packs.write_pack``; a clean
bank of twelve questions is the baseline every bad pack starts from.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.content import ContentError, LintWarning, Pack, describe_cues, lint_pack, load_pack
from bot.content.lint import (
    ABSOLUTE_CUE,
    ALL_OF_THE_ABOVE,
    CHOICE_REPEATS_PROMPT,
    DUPLICATE_CHOICES,
    LENGTH_CUE,
    LETTER_BALANCE,
    NONE_OF_THE_ABOVE,
    QUOTE_LENGTH,
    QUOTE_SOURCE,
    SAME_FACT,
    TRUEFALSE_BALANCE,
    absolute_words,
    chance_of_imbalance,
    chance_two_sided,
    sentences,
)

try:  # tests/ may or may not become a package; the helper works either way
    from tests.packs import parts, write_pack
except ImportError:  # pragma: no cover - depends on how pytest puts tests/ on sys.path
    from packs import parts, write_pack

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO.parent / "shared" / "seed" / "article.txt"

# Twelve different questions on the demo article: (prompt, key, three distractors).
BANK: tuple[tuple[str, str, tuple[str, str, str]], ...] = (
    ("Who worries about the pavement?", "Shop owners", ("Parents", "Doctors", "The nursery")),
    ("What did the first plan use?", "Potted shrubs", ("Young oaks", "Flower beds", "Hedges")),
    ("Who was paid to tend the oaks?", "A nursery", ("The council", "Volunteers", "Shopkeepers")),
    ("How long was the care contract?", "Five years", ("One year", "Ten years", "Two years")),
    ("What do parents want from trees?", "Shade", ("Fruit", "Timber", "Privacy")),
    ("What blocks the drains in autumn?", "Leaves", ("Roots", "Litter", "Sand")),
    ("Near what do doctors want clean air?", "The school", ("The station", "The market", "A park")),
    ("What mattered more than money?", "Care", ("The species", "The weather", "The soil")),
    ("What should towns budget for first?", "Upkeep", ("Saplings", "Benches", "Signs")),
    ("What cracks the pavement?", "Roots", ("Frost", "Lorries", "Rain")),
    ("Which street was planted?", "Main street", ("A side lane", "Ring road", "Harbour road")),
    ("Why did the shrubs die?", "No watering", ("Frost", "Vandals", "Pests")),
)


def choice_question(
    index: int,
    *,
    letter: str | None = None,
    difficulty: str = "medium",
    key: str | None = None,
    wrong: tuple[str, ...] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Question ``index`` of BANK with its key at ``letter`` (by default A, B, C, D in turn)."""
    prompt, bank_key, bank_wrong = BANK[index]
    letter = letter or "ABCD"[index % 4]
    choices = list(wrong or bank_wrong)
    choices.insert("ABCD".index(letter), key or bank_key)
    q = {
        "id": f"p1-item-{index:02d}",
        "paragraph": "P1",
        "difficulty": difficulty,
        "prompt": prompt,
        "choices": choices,
        "answer": letter,
        "explanation": "P1: as the article says.",
    }
    q.update(changes)
    return q


def truefalse(index: int, answer: bool, difficulty: str = "easy", **changes: Any) -> dict[str, Any]:
    statements = (
        "The council tried shrubs first.",
        "The oaks were tended by a nursery.",
        "Parents wanted shade near the school.",
        "Shop owners feared for the pavement.",
        "The writer urges towns to budget for upkeep.",
        "Leaves can block the drains.",
        "The shrubs were watered every week.",
        "The oaks died within a year.",
    )
    q = {
        "id": f"p2-statement-{index:02d}",
        "paragraph": "P2",
        "difficulty": difficulty,
        "kind": "truefalse",
        "prompt": statements[index],
        "answer": "True" if answer else "False",
        "explanation": "P2: as the article says.",
    }
    q.update(changes)
    return q


def clean_bank() -> list[dict[str, Any]]:
    return [choice_question(i) for i in range(len(BANK))]


def lint_of(tmp_path: Path, questions: list[dict[str, Any]], **parts_: Any) -> list[LintWarning]:
    return lint_pack(load_pack(write_pack(tmp_path, questions=questions, **parts_)))


def kinds(warnings: list[LintWarning]) -> Counter[str]:
    return Counter(w.rule for w in warnings)


def flagged(warnings: list[LintWarning], rule: str) -> list[str]:
    return [w.item for w in warnings if w.rule == rule]


# ------------------------------------------------------------------------------------------------
# Chance: the exact tests behind the thresholds


def test_chance_of_imbalance_is_the_exact_goodness_of_fit_test() -> None:
    # Two options: the two-sided binomial test. Six True out of six: 2 / 2**6.
    assert chance_of_imbalance([6, 0]) == pytest.approx(2 / 64)
    assert chance_of_imbalance([3, 3]) == pytest.approx(1.0)
    assert chance_of_imbalance([0, 0]) == 1.0
    # Four letters, checked against every one of the 4**6 answer sequences.
    for counts in ([6, 0, 0, 0], [3, 1, 1, 1], [2, 2, 1, 1], [4, 2, 0, 0]):
        n = sum(counts)
        observed = math.factorial(n) / math.prod(math.factorial(c) for c in counts)
        at_most = sum(
            1
            for seq in itertools.product(range(4), repeat=n)
            if math.factorial(n) / math.prod(math.factorial(seq.count(k)) for k in range(4))
            <= observed
        )
        assert chance_of_imbalance(counts) == pytest.approx(at_most / 4**n), counts


def test_the_binomial_test_matches_the_review_figures() -> None:
    # 0 of 33 absolute-word choices were keys where 1 in 4 is expected: far below 5%.
    assert chance_two_sided(0, 33, 0.25) < 0.001
    assert chance_two_sided(8, 33, 0.25) > 0.5


def test_absolute_words_and_sentences() -> None:
    assert absolute_words("Only since 1953, and ALL at  once for good") == [
        "only",
        "all",
        "at once",
        "for good",
    ]
    assert absolute_words("A totally calm, finally honest reply") == []
    text = "Title line\n\nThe U.S. demand stood. Dr. Miller helped! Then it ended"
    assert sentences(text) == [
        "Title line",
        "The U.S. demand stood.",
        "Dr. Miller helped!",
        "Then it ended",
    ]


# ------------------------------------------------------------------------------------------------
# The baseline, and one bad pack per warning kind


def test_the_clean_bank_and_the_demo_pack_have_no_warnings(tmp_path: Path) -> None:
    assert lint_of(tmp_path / "a", clean_bank()) == []
    assert lint_pack(load_pack(write_pack(tmp_path / "b"))) == []


def test_absolute_words_in_distractors_far_more_than_in_keys(tmp_path: Path) -> None:
    questions = clean_bank()
    for q in questions[:8]:  # two distractors of eight items: 16 choices, none a key
        wrong = [i for i in range(4) if "ABCD"[i] != q["answer"]]
        for i in wrong[:2]:
            q["choices"][i] = f"Only {q['choices'][i].lower()}"
    warnings = lint_of(tmp_path, questions)
    assert kinds(warnings) == {ABSOLUTE_CUE: 8}
    assert flagged(warnings, ABSOLUTE_CUE) == [q["id"] for q in questions[:8]]
    first = warnings[0]
    assert (first.file, first.item, first.rule) == ("quiz.toml", "p1-item-00", ABSOLUTE_CUE)
    assert "0 of 12 keys but 16 of 36 distractors" in first.message
    assert "'only', 'only'" in first.message
    assert str(first).startswith("quiz.toml: p1-item-00: absolute-words: 0 of 12 keys")


def test_absolute_words_in_keys_far_more_than_in_distractors(tmp_path: Path) -> None:
    questions = clean_bank()
    for q in questions[:9]:  # "Mostly" keeps the key from being the longest choice
        i = "ABCD".index(q["answer"])
        q["choices"] = [
            f"{'Always' if n == i else 'Mostly'} {c.lower()}" for n, c in enumerate(q["choices"])
        ]
    warnings = lint_of(tmp_path, questions)
    assert kinds(warnings) == {ABSOLUTE_CUE: 9}
    assert "9 of 12 keys but 0 of 36 distractors" in warnings[0].message
    assert "here the key says 'always'" in warnings[0].message


def test_an_item_whose_distractors_all_carry_absolute_words(tmp_path: Path) -> None:
    questions = clean_bank()
    questions[3]["choices"] = ["Only one year", "Every ten years", "Never", "Five years"]  # D
    warnings = lint_of(tmp_path, questions)
    assert [(w.item, w.rule) for w in warnings] == [("p1-item-03", ABSOLUTE_CUE)]
    assert "odd one out" in warnings[0].message


@pytest.mark.parametrize("which", ["longest", "shortest"])
def test_key_length_cue(tmp_path: Path, which: str) -> None:
    questions = clean_bank()
    for q in questions:
        i = "ABCD".index(q["answer"])
        if which == "longest":
            q["choices"][i] += " (as the article says)"
        else:
            q["choices"] = [c if n == i else f"{c} in the town" for n, c in enumerate(q["choices"])]
    warnings = lint_of(tmp_path, questions)
    assert kinds(warnings) == {LENGTH_CUE: 12}
    assert f"the key is the {which} choice in 12 of 12 choice questions" in warnings[0].message


def test_true_false_unbalanced_within_a_difficulty(tmp_path: Path) -> None:
    easy_true = [truefalse(i, True) for i in range(6)]
    medium_mixed = [truefalse(6, True, "medium"), truefalse(7, False, "medium")]
    warnings = lint_of(tmp_path, clean_bank() + easy_true + medium_mixed)
    assert kinds(warnings) == {TRUEFALSE_BALANCE: 6}
    assert flagged(warnings, TRUEFALSE_BALANCE) == [q["id"] for q in easy_true]
    assert "easy true/false answers are True 6 and False 0 times (by chance: 3.1%)" in (
        warnings[0].message
    )
    balanced = [truefalse(i, i % 2 == 0) for i in range(6)]
    assert lint_of(tmp_path / "balanced", clean_bank() + balanced) == []


def test_key_letters_unbalanced_within_a_difficulty(tmp_path: Path) -> None:
    hard = [choice_question(i, letter="D", difficulty="hard") for i in range(8)]
    medium = [choice_question(i) for i in range(8, 12)]
    warnings = lint_of(tmp_path, hard + medium)
    assert kinds(warnings) == {LETTER_BALANCE: 8}
    assert "hard keys are A 0, B 0, C 0, D 8" in warnings[0].message
    assert "so the key is A, B or C" in warnings[0].message


@pytest.mark.parametrize(
    ("choice", "rule"),
    [
        ("All of the above", ALL_OF_THE_ABOVE),
        ("Both of these", ALL_OF_THE_ABOVE),
        ("None of the above", NONE_OF_THE_ABOVE),
        ("Neither of those", NONE_OF_THE_ABOVE),
    ],
)
def test_all_or_none_of_the_above(tmp_path: Path, choice: str, rule: str) -> None:
    questions = clean_bank()
    questions[1]["choices"][3] = choice  # item 1 is keyed B
    warnings = lint_of(tmp_path, questions)
    assert [(w.item, w.rule) for w in warnings] == [("p1-item-01", rule)]
    assert "choice D says" in warnings[0].message


def test_duplicate_or_near_duplicate_choices(tmp_path: Path) -> None:
    questions = clean_bank()
    questions[4]["choices"] = ["Shade", "Fruit", "fruit!", "Privacy"]  # item 4 is keyed A
    questions[5]["choices"] = ["Leaves", "Roots", "Litter", "The roots"]  # "the" is ignored
    warnings = lint_of(tmp_path, questions)
    assert [(w.item, w.rule) for w in warnings] == [
        ("p1-item-04", DUPLICATE_CHOICES),
        ("p1-item-05", DUPLICATE_CHOICES),
    ]
    assert "choices B and C say nearly the same thing" in warnings[0].message


def test_a_choice_that_repeats_the_prompt(tmp_path: Path) -> None:
    questions = clean_bank()
    questions[0]["prompt"] = "Who worries that roots will crack the pavement?"
    questions[0]["choices"][0] = "Those who say roots will crack the pavement"
    questions[9]["choices"][1] = "the pavement"  # too short to count as an echo
    warnings = lint_of(tmp_path, questions)
    assert [(w.item, w.rule) for w in warnings] == [("p1-item-00", CHOICE_REPEATS_PROMPT)]
    assert "choice A repeats 5 words of the prompt" in warnings[0].message


def test_the_same_fact_tested_twice(tmp_path: Path) -> None:
    questions = clean_bank()
    questions[0]["quote"] = "roots will crack the pavement"
    questions[9]["quote"] = "crack the pavement"  # inside the first quote: the same fact
    questions[11]["prompt"] = "According to P1, what did the first plan use?"  # item 1's prompt
    warnings = lint_of(tmp_path, questions)
    assert [(w.item, w.rule) for w in warnings] == [
        ("p1-item-09", SAME_FACT),
        ("p1-item-11", SAME_FACT),
    ]
    assert "also the quote of p1-item-00" in warnings[0].message
    assert "nearly the prompt of p1-item-01" in warnings[1].message


def test_a_quote_longer_than_the_rule(tmp_path: Path) -> None:
    # The parser already refuses such a pack; the linter still checks packs built in code.
    pack = load_pack(write_pack(tmp_path, questions=clean_bank()))
    long = "one two three four five six seven eight nine ten eleven twelve thirteen"
    q = dataclasses.replace(pack.questions[2], quote=long)
    pack = dataclasses.replace(pack, questions=(*pack.questions[:2], q, *pack.questions[3:]))
    warnings = lint_pack(pack)
    assert [(w.file, w.item, w.rule) for w in warnings] == [
        ("quiz.toml", "p1-item-02", QUOTE_LENGTH)
    ]
    assert warnings[0].message.startswith("13 words and 71 characters; a quote may hold at most 12")


def test_quotes_are_checked_against_the_article_text_when_the_pack_holds_it(
    tmp_path: Path,
) -> None:
    data = parts()
    data["article"]["text"] = (
        "Why Towns Plant Street Trees\n\n"
        "Shop owners fear that roots will crack the pavement. Parents want shade.\n\n"
        "The first plan failed because nobody watered them. A nursery tended the oaks."
    )
    questions = clean_bank()
    questions[0]["quote"] = "roots will crack the pavement"  # in the text: fine
    questions[2]["quote"] = "a nursery was hired"  # not in the text
    questions[4]["quote"] = "Parents want shade. The first plan"  # across two sentences
    questions[5]["quote"] = "Street Trees Shop owners"  # across the title and a paragraph
    positions = data["positions"]
    positions[2]["quotes"] = [{"quote": "budget for maintenance", "paragraph": "P3"}]
    folder = write_pack(tmp_path, questions=questions, article=data["article"], positions=positions)
    pack = load_pack(folder)
    assert pack.article.text is not None and pack.article.text.startswith("Why Towns")
    files = {name: (folder / name).read_text() for name in ("quiz.toml", "debate.toml")}
    warnings = lint_pack(pack, files)
    assert [(w.file, w.item, w.rule) for w in warnings] == [
        ("quiz.toml", "p1-item-02", QUOTE_SOURCE),
        ("quiz.toml", "p1-item-04", QUOTE_SOURCE),
        ("quiz.toml", "p1-item-05", QUOTE_SOURCE),
        ("debate.toml", "united-states.quotes[1]", QUOTE_SOURCE),
    ]
    assert "is not in the article word for word" in warnings[0].message
    assert "runs across the end of a sentence" in warnings[1].message
    assert "runs across the end of a sentence" in warnings[2].message
    # ``files`` adds the line of each item
    quiz = files["quiz.toml"].splitlines()
    assert quiz[warnings[0].line - 1] == 'id = "p1-item-02"'
    debate = files["debate.toml"].splitlines()
    assert "budget for maintenance" in debate[warnings[3].line - 1]
    assert str(warnings[0]).endswith(f"(line {warnings[0].line})")


def test_the_article_text_is_optional_and_has_a_generous_limit(tmp_path: Path) -> None:
    data = parts()
    data["article"]["text"] = "word " * 20_001  # 100,004 characters once trimmed
    with pytest.raises(ContentError, match=r"article: text: 100004 characters, at most 100000"):
        load_pack(write_pack(tmp_path, article=data["article"]))
    assert load_pack(write_pack(tmp_path / "plain")).article.text is None


# ------------------------------------------------------------------------------------------------
# The shipped pack


def test_the_shipped_pack_is_clean_and_carries_no_article_text(shipped: Pack) -> None:
    assert shipped.article.text is None
    assert lint_pack(shipped) == []


def test_the_shipped_quotes_are_sentence_fragments_of_the_article(shipped: Pack) -> None:
    if not ARTICLE.is_file():
        pytest.skip("the article is not beside this repository")
    text = ARTICLE.read_text(encoding="utf-8")
    with_text = dataclasses.replace(
        shipped, article=dataclasses.replace(shipped.article, text=text)
    )
    assert lint_pack(with_text) == []


def test_the_linter_catches_the_cues_the_review_found(shipped: Pack) -> None:
    """Put back two of the review's cues: every easy true/false True, and padding absolutes."""
    questions = []
    for q in shipped.questions:
        if q.kind == "truefalse" and q.difficulty == "easy":
            q = dataclasses.replace(q, answer=0)
        elif q.kind == "choice" and q.difficulty == "medium":
            choices = tuple(c if i == q.answer else f"{c} at once" for i, c in enumerate(q.choices))
            q = dataclasses.replace(q, choices=choices)
        questions.append(q)
    warnings = lint_pack(dataclasses.replace(shipped, questions=tuple(questions)))
    rules = kinds(warnings)
    assert rules[TRUEFALSE_BALANCE] == 8
    assert rules[ABSOLUTE_CUE] >= 20
    assert set(rules) == {TRUEFALSE_BALANCE, ABSOLUTE_CUE}


def test_describe_cues_gives_the_counts_behind_the_rules(shipped: Pack) -> None:
    lines = describe_cues(shipped)
    assert lines[0].startswith("true/false answers: easy True ")
    assert lines[1].startswith("key letters: easy A ")
    assert lines[2].startswith("absolute words: keys ")
    assert lines[3].startswith("key is the longest choice: ")


# ------------------------------------------------------------------------------------------------
# python -m bot check [--strict]


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)  # no .env is read
    monkeypatch.setenv("CONTENT_DIR", str(folder))
    return folder


def test_check_strict_passes_a_clean_pack(content: Path, capsys: pytest.CaptureFixture) -> None:
    write_pack(content, questions=clean_bank())
    assert main(["check", "--strict"]) == 0
    out = capsys.readouterr().out
    assert "Pack demo: valid" in out
    assert "  warnings: none" in out
    assert "    true/false answers: easy True 0 False 0" in out


def test_check_prints_warnings_and_strict_fails_on_them(
    content: Path, capsys: pytest.CaptureFixture
) -> None:
    write_pack(content, questions=clean_bank() + [truefalse(i, True) for i in range(6)])
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "  warnings: 6" in out
    assert "    quiz.toml: p2-statement-00: truefalse-balance: easy true/false answers" in out
    assert "(line " in out
    assert main(["check", "--strict"]) == 1
    assert "Strict: 6 warnings, so the check fails" in capsys.readouterr().out


def test_check_strict_passes_the_shipped_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(REPO / "content"))
    assert main(["check", "--strict"]) == 0
    assert "  warnings: none" in capsys.readouterr().out


def test_check_help_mentions_strict(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "--strict" in capsys.readouterr().out

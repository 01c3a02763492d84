"""/insights embeds stay inside Discord's limits at their largest: the longest ids, prompts and
position names the pack format allows, hundreds of members and judges, dozens of paragraphs."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.content import Pack, Question, load_pack
from bot.rules.insights import (
    Balance,
    ChoiceTally,
    Groups,
    Mastery,
    MemberParagraph,
    ParagraphStats,
    PositionWins,
    Spread,
    Tally,
    question_stats,
    window,
)
from bot.rules.srs import REVIEW, Progress
from bot.services.insights import (
    DebatesReport,
    MemberReport,
    ParagraphsReport,
    QuestionsReport,
    WeakQuestion,
)
from cogs.insights import views

REPO = Path(__file__).resolve().parents[2]
WHEN = window("season", 1_780_000_000.0)
LONG_NAME = "N" * 80  # a position name at the format's limit
SPREAD = Spread(400, 6.25, 6.0, 1.75, 1, 10, (1, 2, 3, 40, 80, 100, 90, 50, 20, 14))


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(REPO / "content" / "wedging-strategy")


def within_limits(card: discord.Embed) -> None:
    assert len(card) <= 6000, len(card)
    assert len(card.title or "") <= 256 and len(card.description or "") <= 4096
    assert len(card.fields) <= 25
    for f in card.fields:
        assert 0 < len(f.name) <= 256 and 0 < len(f.value) <= 1024, (f.name, len(f.value))
    assert len(card.footer.text or "") <= 2048


def long_question(index: int) -> Question:
    return Question(
        id=f"q{index:02d}-" + "x" * 36, paragraph="P" + "9" * 19, difficulty="hard",
        kind="choice", prompt="@everyone " + "word " * 58, choices=("a", "b", "c", "d"),
        answer=0, explanation="e",
    )  # fmt: skip


def test_a_questions_page_at_its_largest(pack: Pack) -> None:
    rows = tuple(
        question_stats(
            q.id, q,
            [ChoiceTally(q.id, i, 123_456 + i, 123_456 if i == 0 else 0) for i in range(4)],
            upper=Tally(5000, 4000), lower=Tally(5000, 1000),
        )
        for q in map(long_question, range(40))
    )  # fmt: skip
    report = QuestionsReport(pack, WHEN, rows, 100_000, Groups(frozenset({1}), frozenset({2}), 4))
    assert views.page_count(report) == 7
    for index in range(7):
        page = views.questions_page(report, index)
        within_limits(page.embeds[0])
        assert "@everyone" not in page.embeds[0].fields[0].value  # neutralised


def test_paragraphs_and_a_member_with_many_paragraphs(pack: Pack) -> None:
    refs = [f"S{i:03d}" + "-" * 16 for i in range(60)]
    rows = tuple(
        ParagraphStats(ref, 30, Tally(123_456, 65_432), Mastery(54_321, 12_345)) for ref in refs
    )
    card = views.paragraphs_embed(ParagraphsReport(pack, WHEN, rows, 500), "insights.png")
    within_limits(card)
    assert "more paragraphs (all in the chart)" in card.fields[-1].value

    leech = Progress(
        question_id="q" * 40, paragraph="P" * 20, seen=40, correct=2, due_at=0.0, last_seen=0.0,
        state=REVIEW, step=None, stability=1.0, difficulty=5.0, last_right=False,
    )  # fmt: skip
    member = MemberReport(
        pack=pack, window=WHEN, user_id=10**18,
        paragraphs=tuple(MemberParagraph(ref, Tally(999, 1), Tally(123_456, 65_432))
                         for ref in refs),
        member=Tally(9999, 99), group=Tally(123_456, 65_432),
        weakest=tuple(WeakQuestion("q" * 40, "P" * 20, "@here " + "long " * 60, Tally(9, 0))
                      for _ in range(5)),
        leeches=(leech,) * 30, mastery=Mastery(83, 2),
    )  # fmt: skip
    card = views.member_embed(member, "M" * 80, "insights-member.png")
    within_limits(card)
    assert "… and 20 more." in card.fields[-1].value


@pytest.mark.parametrize("public", [True, False])
def test_debates_with_hundreds_of_members_and_judges(pack: Pack, public: bool) -> None:
    positions = ("a", "b", "c")
    balance = Balance(
        held=9999, decided=9000,
        positions=tuple(PositionWins(p, LONG_NAME + p, 9999, 3000, 3000.0) for p in positions),
        test=None, favoured=None, sentence="Too few positions.", rough=False,
    )  # fmt: skip
    report = DebatesReport(
        window=WHEN, balance=balance, cancelled=12,
        names={p: LONG_NAME + p for p in positions},
        argued={10**17 + i: {p: 3 for p in positions} for i in range(500)},
        scores=SPREAD, judges={10**17 + i: SPREAD for i in range(60)},
        by_position=dict.fromkeys(positions, SPREAD),
    )  # fmt: skip
    card = views.debates_embed(report, public=public, image="insights-debates.png")
    within_limits(card)
    text = "\n".join(f.value for f in card.fields)
    if public:
        assert "<@" not in text and "shown only in private replies" in text
    else:
        assert "more in the attached CSV" in text and "more judges" in text
        rows = views.debaters_csv(report).fp.read().decode().splitlines()
        assert len(rows) == 501 and rows[0].startswith("user_id,")

"""Reading: the pure lookups and layout (bot/reading.py), the embeds (cogs/reading/render.py), and
the commands end to end through the emulator (/article, /summary, /glossary, /timeline,
/positions, their buttons, page turning and autocomplete)."""

from __future__ import annotations

import re
from pathlib import Path

import discord
import pytest
from discord.ext import commands

from bot.adapter.client import RoundtableBot
from bot.content import Pack, load_pack
from bot.errors import NotFound
from bot.rules.reading import (
    chunk_lines,
    find_position,
    find_section,
    find_term,
    fold,
    match_positions,
    match_sections,
    match_terms,
    quoted,
    section_label,
    suggest_terms,
    timeline_line,
)
from cogs.reading import render
from tests.emulator import BotHarness, Choice, Emulator, Member, Message, copy_content
from tests.packs import parts, write_pack

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "content" / "wedging-strategy"


@pytest.fixture(scope="module")
def shipped() -> Pack:
    return load_pack(SHIPPED)


def glossary_term(term_id: str, term: str, aliases: tuple[str, ...] = ()) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": term_id,
        "term": term,
        "definition": f"What {term} means.",
        "paragraphs": ["P1"],
    }
    if aliases:
        entry["aliases"] = list(aliases)
    return entry


# ================================================================================================
# Pure rules: glossary


def test_fold_ignores_case_dashes_and_spacing() -> None:
    assert fold("  U.S.–South   Korea ") == "u.s.-south korea"
    assert fold("ICBM") == fold("icbm")


def test_autocomplete_puts_prefix_matches_first_then_substring_then_alphabetical(
    shipped: Pack,
) -> None:
    labels = [m.label for m in match_terms(shipped.glossary, "de")]
    # Decoupling and Denuclearization start with "de"; Mutual deterrence only contains it.
    assert labels == ["Decoupling", "Denuclearization", "Mutual deterrence"]
    # Coercion and the alias "counterforce strike" start with "co": they come before terms
    # that sort earlier but only contain "co" (Accommodation, Decoupling, ICBM's alias).
    assert [m.label for m in match_terms(shipped.glossary, "co")] == [
        "Coercion",
        "Preventive counterforce strike (counterforce strike)",
        "Accommodation",
        "Decoupling",
        "ICBM (Intercontinental ballistic missile)",
    ]


def test_autocomplete_counts_aliases_and_shows_the_alias_that_matched(shipped: Pack) -> None:
    matches = match_terms(shipped.glossary, "wedge")
    assert [m.term.id for m in matches] == ["wedging-strategy"]
    assert matches[0].label == "Wedging strategy (wedge strategy)"
    # An alias prefix ranks with the prefix matches: "Preventive strike" is an alias.
    ids = [m.term.id for m in match_terms(shipped.glossary, "preventive")]
    assert ids == ["preventive-counterforce-strike"]
    # "regime survival" is an alias of Regime stability: a substring match via an alias.
    assert [m.term.id for m in match_terms(shipped.glossary, "survival")] == ["regime-stability"]


def test_autocomplete_of_nothing_lists_every_term_alphabetically(shipped: Pack) -> None:
    terms = [m.term.term for m in match_terms(shipped.glossary, "")]
    assert terms == sorted(terms, key=str.casefold)
    assert len(terms) == len(shipped.glossary) == 23


def test_autocomplete_returns_at_most_25_terms_best_first(tmp_path: Path) -> None:
    prefix = [glossary_term(f"alpha-{i:02d}", f"Alpha {i:02d}") for i in range(20)]
    inside = [glossary_term(f"aardvark-{i:02d}", f"Aardvark alpha {i:02d}") for i in range(10)]
    pack = load_pack(write_pack(tmp_path, glossary=inside + prefix))
    matches = match_terms(pack.glossary, "alp")
    assert len(matches) == 25
    assert [m.term.term for m in matches[:20]] == [f"Alpha {i:02d}" for i in range(20)]
    assert [m.term.term for m in matches[20:]] == [f"Aardvark alpha {i:02d}" for i in range(5)]


def test_a_term_is_found_by_id_name_or_alias_whatever_the_case(shipped: Pack) -> None:
    for typed in ("icbm", "ICBM", "intercontinental  ballistic missile", "Icbm "):
        assert find_term(shipped, typed).id == "icbm"
    assert find_term(shipped, "us-south-korea-alliance").term == "U.S.–South Korea alliance"
    assert find_term(shipped, "u.s.-south korea alliance").id == "us-south-korea-alliance"


def test_an_unknown_term_gets_no_such_term_and_at_most_three_suggestions(shipped: Pack) -> None:
    with pytest.raises(NotFound) as caught:
        find_term(shipped, "decuopling")
    assert str(caught.value) == (
        "There is no such term as “decuopling” in the glossary of “Behind North Korea's Charm "
        "Offensive”. Did you mean **Decoupling**?"
    )
    with pytest.raises(NotFound) as caught:
        find_term(shipped, "missile")
    assert str(caught.value).endswith("Did you mean **ICBM** or **Solid-fuel missiles**?")
    with pytest.raises(NotFound) as caught:
        find_term(shipped, "xyzzy")
    assert "Did you mean" not in str(caught.value)
    assert len(suggest_terms(shipped.glossary, "e")) == 3


def test_suggestions_rank_contained_names_before_look_alikes(shipped: Pack) -> None:
    assert [t.id for t in suggest_terms(shipped.glossary, "deterrence")] == ["mutual-deterrence"]
    assert suggest_terms(shipped.glossary, "sunshine polcy")[0].id == "sunshine-policy"
    assert suggest_terms(shipped.glossary, "  ") == []


def test_quoted_echo_is_short_and_never_cut_mid_word() -> None:
    assert quoted("hello") == "“hello”"
    long = quoted("word " * 40)
    assert len(long) <= 62 and long.endswith("word…”")


# ================================================================================================
# Pure rules: sections and positions


def test_sections_are_found_by_ref_number_label_or_title(shipped: Pack) -> None:
    assert find_section(shipped, "P3").ref == "P3"
    assert find_section(shipped, "p3").ref == "P3"
    assert find_section(shipped, "3").ref == "P3"
    assert find_section(shipped, "Standfirst").ref == "standfirst"
    assert find_section(shipped, section_label(shipped.sections[4])).ref == "P4"
    assert find_section(shipped, "what the allies should do").ref == "P7"
    with pytest.raises(NotFound, match=r"no part “P9”.*standfirst, P1, P2, P3, P4, P5, P6, P7"):
        find_section(shipped, "P9")


def test_section_autocomplete_matches_refs_and_titles_in_pack_order(shipped: Pack) -> None:
    assert [s.ref for s in match_sections(shipped, "")] == list(shipped.paragraph_refs)
    assert [s.ref for s in match_sections(shipped, "sunshine")] == ["P3"]
    assert [s.ref for s in match_sections(shipped, "p")] == [f"P{i}" for i in range(1, 8)]
    # Titles starting with "the" (standfirst, P3) come before titles containing it (P2, P6, P7).
    assert [s.ref for s in match_sections(shipped, "the")] == ["standfirst", "P3", "P2", "P6", "P7"]
    assert section_label(shipped.sections[0]) == "standfirst — The thesis in two sentences"


def test_positions_are_found_by_id_or_name(shipped: Pack) -> None:
    assert find_position(shipped, "united-states").name == "United States"
    assert find_position(shipped, "south korean Liberals").id == "liberal"
    with pytest.raises(NotFound, match="`liberal`, `conservative`, `united-states`"):
        find_position(shipped, "green")
    assert [p.id for p in match_positions(shipped, "")] == [
        "liberal",
        "conservative",
        "united-states",
    ]
    assert [p.id for p in match_positions(shipped, "con")] == ["conservative"]
    assert [p.id for p in match_positions(shipped, "korean")] == ["liberal", "conservative"]


# ================================================================================================
# Pure rules: line layout


def test_timeline_lines_mark_the_article_apart_from_background(shipped: Pack) -> None:
    stated = next(e for e in shipped.timeline if e.from_article)
    background = next(e for e in shipped.timeline if not e.from_article)
    assert timeline_line(stated).startswith(f"**{stated.label}** · `{stated.paragraph}` — ")
    assert timeline_line(background).startswith(f"**{background.label}** · *background* — ")


def test_chunk_lines_keeps_lines_whole_and_respects_the_limit() -> None:
    lines = [f"line {i} " + "x" * 30 for i in range(20)]
    chunks = chunk_lines(lines, 120)
    assert all(len(c) <= 120 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines
    long = "word " * 60
    wrapped = chunk_lines([long.strip()], 50)
    assert all(len(c) <= 50 for c in wrapped)
    assert all(
        piece.split() == ["word"] * len(piece.split()) for c in wrapped for piece in c.split("\n")
    )
    assert chunk_lines([], 10) == []


# ================================================================================================
# Rendering: every embed inside Discord's limits, nothing cut mid-word


def embed_problems(page: discord.Embed) -> list[str]:
    """What in ``page`` Discord would refuse (the same limits the emulator enforces)."""
    data = page.to_dict()
    problems = []
    if len(page) > 6000:
        problems.append(f"{len(page)} characters in one embed")
    if len(data.get("title", "")) > 256 or len(data.get("description", "")) > 4096:
        problems.append("title or description too long")
    if len(page.fields) > 25:
        problems.append(f"{len(page.fields)} fields")
    for f in page.fields:
        if not f.name or not f.value or len(f.name) > 256 or len(f.value) > 1024:
            problems.append(f"field {f.name!r} empty or too long")
    if len(data.get("footer", {}).get("text", "")) > 2048:
        problems.append("footer too long")
    if len(data.get("author", {}).get("name", "")) > 256:
        problems.append("author too long")
    return problems


def all_text(pages: list[discord.Embed]) -> str:
    parts_ = []
    for page in pages:
        data = page.to_dict()
        parts_ += [data.get("title", ""), data.get("description", "")]
        parts_ += [f"{f['name']} {f['value']}" for f in data.get("fields", [])]
    return " ".join(parts_)


def every_page(pack: Pack) -> list[list[discord.Embed]]:
    pages = [
        [render.article_card(pack)],
        [render.tldr_embed(pack)],
        [render.short_embed(pack)],
        render.section_pages(pack),
    ]
    pages += [render.glossary_pages(pack, term) for term in pack.glossary]
    if pack.timeline:
        pages.append(render.timeline_pages(pack))
    if pack.positions:
        pages.append(render.positions_pages(pack))
        pages += [render.position_pages(pack, p) for p in pack.positions.values()]
    return pages


def test_every_answer_for_the_shipped_pack_fits_discord(shipped: Pack) -> None:
    for pages in every_page(shipped):
        for page in pages:
            assert embed_problems(page) == [], page.title


def test_the_article_card_shows_source_reading_time_tldr_and_takeaways(shipped: Pack) -> None:
    card = render.article_card(shipped)
    fields = {f.name: f.value for f in card.fields}
    assert card.title == "Behind North Korea's Charm Offensive"
    assert shipped.tldr in (card.description or "")
    assert fields["Author"] == "Khang Vu"
    assert fields["Date"] == "24 July 2018"
    assert fields["Source"] == "The National Interest — The Skeptics"
    assert fields["Reading time"] == "5 min"
    assert fields["Key takeaways"].count("\n") == len(shipped.takeaways) - 1
    assert fields["Key takeaways"].startswith("**1.** North Korea's swings")


def big_pack(root: Path) -> Pack:
    """A pack at the content limits: long takeaways, many sections, long arguments and quotes."""
    data = parts()
    sentence = "Every sentence here is long enough to matter when the limits come into play. "
    data["summary"]["takeaways"] = [(f"Takeaway {i}. " + sentence * 4)[:300] for i in range(7)]
    data["sections"] = data["sections"][:1] + [
        {"ref": f"P{i}", "title": f"Part {i} " + "title " * 12, "summary": (sentence * 13)[:1000]}
        for i in range(1, 41)
    ]
    refs = [f"P{i}" for i in range(1, 41)]
    data["glossary"][0]["paragraphs"] = refs
    data["glossary"][0]["definition"] = (sentence * 13)[:1000].strip()
    data["timeline"] = [
        {"date": f"{1950 + i}", "label": f"Year {1950 + i}", "text": (sentence * 4)[:300].strip(),
         "source": "background" if i % 2 else "article", **({} if i % 2 else {"paragraph": "P1"})}
        for i in range(40)
    ]  # fmt: skip
    liberal = data["positions"][0]
    liberal["arguments"] = [
        {"text": (sentence * 13)[:1000].strip(), "paragraphs": refs[:12]} for _ in range(12)
    ]
    liberal["quotes"] = [
        {"quote": f"quote number {i} of many", "paragraph": "P2"} for i in range(30)
    ]
    liberal["holders"] = ("Holders " * 25)[:200].strip()
    liberal["stance"] = (sentence * 4)[:300].strip()
    for position in data["positions"]:
        position["name"] = (position["name"] + " " + "name " * 20)[:80].strip()
    return load_pack(write_pack(root, "big", **data))


def test_answers_at_the_content_limits_are_paged_without_cutting_words(tmp_path: Path) -> None:
    pack = big_pack(tmp_path)
    for pages in every_page(pack):
        for page in pages:
            assert embed_problems(page) == [], page.title
    timeline = render.timeline_pages(pack)
    assert len(timeline) > 1
    assert all(p.footer.text and p.footer.text.startswith("Page ") for p in timeline)
    text = all_text(timeline)
    for event in pack.timeline:
        assert event.text in text
    liberal = render.position_pages(pack, pack.positions["liberal"])
    assert len(liberal) > 1
    text = all_text(liberal)
    assert all(arg.text in text for arg in pack.positions["liberal"].arguments)
    assert all(q.quote in text for q in pack.positions["liberal"].quotes)
    card = render.article_card(pack)
    assert all(t in all_text([card]) for t in pack.takeaways)
    term = render.glossary_pages(pack, pack.glossary[0])
    assert all(f"`P{i}`" in all_text(term) for i in range(1, 41))


def test_no_word_is_cut_in_the_shipped_pack(shipped: Pack) -> None:
    words = set(re.findall(r"[\w’'-]+", " ".join(
        [shipped.tldr, shipped.short_summary, *shipped.takeaways,
         *(s.summary for s in shipped.sections), *(t.definition for t in shipped.glossary),
         *(e.text for e in shipped.timeline)]
    )))  # fmt: skip
    shown = set(re.findall(r"[\w’'-]+", " ".join(all_text(p) for p in every_page(shipped))))
    assert words <= shown


# ================================================================================================
# End to end through the emulator: the shipped pack plus a second pack written here

DEMO_EVENTS = [
    {"date": f"{1950 + i}", "label": f"Year {1950 + i}",
     "text": f"Event number {i} happens in the demo town, and the council takes note of it. " * 3,
     "source": "background" if i % 3 == 0 else "article",
     **({} if i % 3 == 0 else {"paragraph": "P2"})}
    for i in range(40)
]  # fmt: skip
SHIPPED_TITLE = "Behind North Korea's Charm Offensive"
DEMO_TITLE = "Why Towns Plant Street Trees"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The shipped packs plus ``demo``, whose 40-event timeline needs several pages."""
    root = copy_content(tmp_path / "content")
    write_pack(root, "demo", timeline=DEMO_EVENTS)
    return root


def field_map(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embed.get("fields", [])}


def button(message: Message, label: str) -> dict[str, object]:
    return message.find_component(label)


async def turn(member: Member, message: Message, label: str) -> Message:
    """Press Previous/Next and return the message once the page has changed."""
    before = message.revision
    result = await member.click(message, label)
    assert await result.acknowledged() == 7
    return await member.emulator.next_edit(message, predicate=lambda m: m.revision > before)


@pytest.mark.usefixtures("bot")
async def test_article_card_shows_the_source_and_leads_on(alice: Member, bob: Member) -> None:
    card = await (await alice.slash("article")).message()
    assert not card.ephemeral
    assert card.embed["title"] == SHIPPED_TITLE
    fields = field_map(card)
    assert fields["Author"] == "Khang Vu"
    assert fields["Date"] == "24 July 2018"
    assert fields["Source"] == "The National Interest — The Skeptics"
    assert fields["Reading time"] == "5 min"
    assert "**7.**" in fields["Key takeaways"]
    assert "TL;DR" in card.embed["description"]
    assert button(card, "Short summary")["custom_id"] == "read:short:wedging-strategy"
    assert button(card, "Positions")["custom_id"] == "read:positions:wedging-strategy"

    short = await (await bob.click(card, "Short summary")).ephemeral()
    assert short.embed["title"] == f"Summary — {SHIPPED_TITLE}"
    assert short.embed["description"].startswith("Weeks after the Singapore summit")
    positions = await (await bob.click(card, "Positions")).ephemeral()
    assert [f["name"] for f in positions.embed["fields"]] == [
        "South Korean liberals", "South Korean conservatives", "United States"
    ]  # fmt: skip
    assert all(f["inline"] for f in positions.embed["fields"])


async def test_practice_quiz_button_only_when_the_quiz_cog_is_loaded(
    bot: RoundtableBot, alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bot.get_cog("Quiz") is None:

        class Quiz(commands.Cog):
            """Stands in for the quiz cog: only its presence matters to /article."""

        await bot.add_cog(Quiz())
    card = await (await alice.slash("article")).message()
    assert card.button_labels == ["Short summary", "Positions", "Practice quiz"]
    assert button(card, "Practice quiz")["custom_id"] == "quiz:practice-start:wedging-strategy"

    real_get_cog = bot.get_cog
    monkeypatch.setattr(bot, "get_cog", lambda name: None if name == "Quiz" else real_get_cog(name))
    card = await (await alice.slash("article")).message()
    assert card.button_labels == ["Short summary", "Positions"]


async def test_practice_quiz_is_answered_by_the_quiz_cog_alone(
    bot: RoundtableBot, alice: Member
) -> None:
    assert bot.get_cog("Quiz") is not None, "the quiz cog should be loaded"
    card = await (await alice.slash("article")).message()
    practice = await (await alice.click(card, "Practice quiz")).ephemeral()
    assert practice.ephemeral_for == alice.id
    assert SHIPPED_TITLE in practice.text


async def test_article_buttons_still_work_after_a_restart(
    harness: BotHarness, alice: Member, bob: Member
) -> None:
    card = await (await alice.slash("article", pack="demo")).message()
    assert card.embed["title"] == DEMO_TITLE
    await harness.restart(abrupt=True)
    short = await (await bob.click(card, "Short summary")).ephemeral()
    assert short.embed["title"] == f"Summary — {DEMO_TITLE}"


async def test_pages_still_turn_after_a_restart(harness: BotHarness, alice: Member) -> None:
    page = await (await alice.slash("summary", length="detailed", pack="demo")).message()
    await harness.restart(abrupt=True)
    page = await turn(alice, page, "Next")
    assert page.embed["title"] == "P1 — The quarrel"


@pytest.mark.usefixtures("bot")
async def test_summary_is_short_and_public_by_default(alice: Member) -> None:
    reply = await (await alice.slash("summary")).message()
    assert not reply.ephemeral
    assert reply.embed["title"] == f"Summary — {SHIPPED_TITLE}"
    assert not reply.buttons


@pytest.mark.usefixtures("bot")
async def test_summary_tldr_and_private(alice: Member) -> None:
    tldr = await (await alice.slash("summary", length="tldr")).message()
    assert not tldr.ephemeral
    assert tldr.embed["description"].startswith("Khang Vu argues")
    private = await (await alice.slash("summary", length="short", private=True)).ephemeral()
    assert private.embed["title"] == f"Summary — {SHIPPED_TITLE}"


@pytest.mark.usefixtures("bot")
async def test_detailed_summary_pages_to_both_ends_and_back(alice: Member) -> None:
    page = await (await alice.slash("summary", length="detailed")).message()
    assert page.embed["title"] == "Standfirst — The thesis in two sentences"
    assert page.embed["footer"]["text"] == "Part 1 of 8"
    assert button(page, "Previous").get("disabled") is True
    for number in range(2, 9):
        page = await turn(alice, page, "Next")
        assert page.embed["footer"]["text"] == f"Part {number} of 8"
    assert page.embed["title"] == "P7 — What the allies should do"
    assert button(page, "Next").get("disabled") is True
    assert not button(page, "Previous").get("disabled")
    for number in range(7, 0, -1):
        page = await turn(alice, page, "Previous")
        assert page.embed["footer"]["text"] == f"Part {number} of 8"
    assert button(page, "Previous").get("disabled") is True


@pytest.mark.usefixtures("bot")
async def test_only_the_asker_turns_the_pages(alice: Member, bob: Member) -> None:
    page = await (await alice.slash("summary", length="detailed")).message()
    refused = await (await bob.click(page, "Next")).ephemeral()
    assert "Only the member who asked" in refused.text
    assert "/summary" in refused.text
    assert page.embed["footer"]["text"] == "Part 1 of 8"


@pytest.mark.usefixtures("bot")
async def test_section_jumps_to_one_part(alice: Member) -> None:
    alone = await (await alice.slash("summary", section="P3")).message()
    assert alone.embed["title"] == "P3 — The Sunshine years, 1998–2007"
    assert alone.embed["footer"]["text"] == "Part 4 of 8"
    previous = await turn(alice, alone, "Previous")
    assert previous.embed["title"].startswith("P2 — ")
    detailed = await (
        await alice.slash("summary", length="detailed", section="P7", private=True)
    ).ephemeral()
    assert detailed.embed["title"] == "P7 — What the allies should do"
    assert button(detailed, "Next").get("disabled") is True
    back = await turn(alice, detailed, "Previous")
    assert back.ephemeral and back.embed["title"].startswith("P6 — ")


@pytest.mark.usefixtures("bot")
async def test_section_mistakes_get_a_private_sentence(alice: Member) -> None:
    wrong = await (await alice.slash("summary", section="P9")).ephemeral()
    assert "no part “P9”" in wrong.text and "standfirst, P1" in wrong.text
    clash = await (await alice.slash("summary", length="tldr", section="P1")).ephemeral()
    assert "length: detailed" in clash.text


@pytest.mark.usefixtures("bot")
async def test_section_autocomplete_lists_the_parts_with_their_titles(alice: Member) -> None:
    choices = await alice.autocomplete("summary", section="")
    assert [c.value for c in choices] == ["standfirst", *(f"P{i}" for i in range(1, 8))]
    assert choices[0].name == "standfirst — The thesis in two sentences"
    assert [c.value for c in await alice.autocomplete("summary", section="sunshine")] == ["P3"]
    demo = await alice.autocomplete("summary", pack="demo", section="")
    assert [c.value for c in demo] == ["standfirst", "P1", "P2", "P3"]


@pytest.mark.usefixtures("bot")
async def test_glossary_gives_definition_paragraphs_and_related_terms(alice: Member) -> None:
    reply = await (await alice.slash("glossary", term="decoupling")).message()
    assert not reply.ephemeral
    assert reply.embed["title"] == "Decoupling"
    assert reply.embed["description"].startswith("Separating allies")
    fields = field_map(reply)
    assert fields["Also called"] == "decoupling tactics, decoupling fear"
    assert fields["Appears in"].splitlines()[0] == "`P1` Pompeo's trip and a sudden chill"
    assert (
        fields["Related terms"]
        == "Wedging strategy · Entrapment · ICBM · U.S.–South Korea alliance"
    )
    by_alias = await (await alice.slash("glossary", term="Preventive strike")).message()
    assert by_alias.embed["title"] == "Preventive counterforce strike"


@pytest.mark.usefixtures("bot")
async def test_glossary_autocomplete_prefix_then_substring(alice: Member) -> None:
    everything = await alice.autocomplete("glossary", term="")
    assert len(everything) == 23
    assert [c.name for c in everything] == sorted((c.name for c in everything), key=str.casefold)
    choices = await alice.autocomplete("glossary", term="de")
    assert [c.name for c in choices] == ["Decoupling", "Denuclearization", "Mutual deterrence"]
    assert [c.value for c in choices] == ["decoupling", "denuclearization", "mutual-deterrence"]
    choices = await alice.autocomplete("glossary", term="CO")
    assert [c.value for c in choices] == [
        "coercion",
        "preventive-counterforce-strike",
        "accommodation",
        "decoupling",
        "icbm",
    ]
    alias = await alice.autocomplete("glossary", term="cheong")
    assert alias == [Choice("Blue House (Cheong Wa Dae)", "blue-house")]
    demo = await alice.autocomplete("glossary", pack="demo", term="main")
    assert demo == [Choice("Upkeep (maintenance)", "upkeep")]


async def test_glossary_autocomplete_stops_at_25(
    emulator: Emulator, harness: BotHarness, content_dir: Path, alice: Member
) -> None:
    starts = [glossary_term(f"term-{i:02d}", f"Term {i:02d}") for i in range(20)]
    inside = [glossary_term(f"a-term-{i:02d}", f"A term {i:02d}") for i in range(10)]
    write_pack(content_dir, "many", glossary=inside + starts)
    await harness.restart()
    choices = await alice.autocomplete("glossary", pack="many", term="term")
    assert len(choices) == 25
    expected = [f"term-{i:02d}" for i in range(20)] + [f"a-term-{i:02d}" for i in range(5)]
    assert [c.value for c in choices] == expected


@pytest.mark.usefixtures("bot")
async def test_unknown_term_gets_close_suggestions_privately(alice: Member) -> None:
    reply = await (await alice.slash("glossary", term="decuopling")).ephemeral()
    assert "no such term" in reply.text
    assert "**Decoupling**" in reply.text
    nothing = await (await alice.slash("glossary", term="zzzz")).ephemeral()
    assert "no such term" in nothing.text and "Did you mean" not in nothing.text


@pytest.mark.usefixtures("bot")
async def test_timeline_marks_background_apart(alice: Member) -> None:
    reply = await (await alice.slash("timeline")).message()
    assert not reply.ephemeral and not reply.buttons
    lines = [line for line in reply.embed["description"].splitlines() if line.startswith("**")]
    assert len(lines) == 17
    assert lines[0] == (
        "**21 October 1994** · *background* — The United States and North Korea sign the "
        "Agreed Framework in Geneva: the North freezes its plutonium programme in return for "
        "fuel oil and two power reactors."
    )
    assert lines[1].startswith("**25 February 1998** · `P3` — ")
    assert reply.embed["footer"]["text"] == "9 from the article, 8 background"


@pytest.mark.usefixtures("bot")
async def test_a_long_timeline_is_paged(alice: Member, bob: Member) -> None:
    first = await (await alice.slash("timeline", pack="demo")).message()
    pages = int(first.embed["footer"]["text"].split(" of ")[1].split(" ")[0])
    assert pages > 1
    seen = [first.embed["description"]]
    page = first
    for _ in range(pages - 1):
        page = await turn(alice, page, "Next")
        seen.append(page.embed["description"])
    assert button(page, "Next").get("disabled") is True
    text = "\n".join(seen)
    years = [int(y) for y in re.findall(r"\*\*Year (\d{4})\*\*", text)]
    assert years == list(range(1950, 1990))
    refused = await (await bob.click(page, "Previous")).ephemeral()
    assert "/timeline" in refused.text
    page = await turn(alice, page, "Previous")
    assert page.embed["footer"]["text"].startswith(f"Page {pages - 1} of {pages}")


@pytest.mark.usefixtures("bot")
async def test_positions_side_by_side_and_one_in_full(alice: Member) -> None:
    overview = await (await alice.slash("positions")).message()
    assert not overview.ephemeral
    assert len(overview.embed["fields"]) == 3
    assert all(f["inline"] for f in overview.embed["fields"])
    full = await (await alice.slash("positions", position="united-states")).message()
    assert full.embed["title"] == "United States"
    assert "**Stance.** Keep the alliance united" in full.embed["description"]
    fields = field_map(full)
    assert fields["Argument 3 · P7"].startswith("A preventive counterforce strike")
    assert (
        "“accept a mutual deterrence relationship with Pyongyang” — `P7`"
        in fields["Quotes from the article"]
    )
    demo = await (await alice.slash("positions", position="liberal", pack="demo")).message()
    assert demo.embed["title"] == "Plant now"


@pytest.mark.usefixtures("bot")
async def test_position_autocomplete_and_unknown_position(alice: Member) -> None:
    choices = await alice.autocomplete("positions", position="")
    assert [c.value for c in choices] == ["liberal", "conservative", "united-states"]
    assert choices[0].name == "liberal — South Korean liberals"
    assert [c.value for c in await alice.autocomplete("positions", position="un")] == [
        "united-states"
    ]
    wrong = await (await alice.slash("positions", position="green")).ephemeral()
    assert "`liberal`, `conservative`, `united-states`" in wrong.text


@pytest.mark.usefixtures("bot")
async def test_pack_option_autocomplete_and_server_default(alice: Member, admin: Member) -> None:
    packs = await alice.autocomplete("article", pack="")
    assert [c.value for c in packs] == ["demo", "wedging-strategy"]
    unknown = await (await alice.slash("timeline", pack="nope")).ephemeral()
    assert "no content pack called 'nope'" in unknown.text
    await (await admin.slash("settings pack", pack="demo")).ephemeral()
    card = await (await alice.slash("article")).message()
    assert card.embed["title"] == DEMO_TITLE
    tldr = await (await alice.slash("summary", length="tldr")).message()
    assert tldr.embed["title"] == f"TL;DR — {DEMO_TITLE}"
    other = await (
        await alice.slash("glossary", term="coercion", pack="wedging-strategy")
    ).message()
    assert other.embed["title"] == "Coercion"


async def test_a_pack_without_positions_says_so(
    harness: BotHarness, content_dir: Path, alice: Member
) -> None:
    write_pack(content_dir, "plain", positions=None, motions=None, timeline=None)
    await harness.restart()
    card = await (await alice.slash("article", pack="plain")).message()
    assert "Positions" not in card.button_labels
    none = await (await alice.slash("positions", pack="plain")).ephemeral()
    assert "has no debate positions" in none.text
    empty = await (await alice.slash("timeline", pack="plain")).ephemeral()
    assert "has no timeline" in empty.text

"""Reading end to end through the emulator: /article, /summary, /glossary, /timeline and
/positions, their buttons, page turning and autocomplete."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.adapter.client import RoundtableBot
from bot.content import Pack, load_pack
from bot.services.quiz import NoQuizOutput
from tests.emulator import BotHarness, Choice, Emulator, Member, Message, copy_content
from tests.packs import SHIPPED, glossary_term, parts, write_pack

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
    assert bot.quiz.available, "the quiz cog gives the quiz service its output"
    card = await (await alice.slash("article")).message()
    assert card.button_labels == ["Read the article", "Short summary", "Positions", "Practice quiz"]
    assert button(card, "Practice quiz")["custom_id"] == "quiz:practice-start:wedging-strategy"

    monkeypatch.setattr(bot.quiz, "output", NoQuizOutput())  # as if the quiz cog were not loaded
    card = await (await alice.slash("article")).message()
    assert card.button_labels == ["Read the article", "Short summary", "Positions"]


async def test_practice_quiz_is_answered_by_the_quiz_cog_alone(
    bot: RoundtableBot, alice: Member
) -> None:
    assert bot.quiz.available, "the quiz cog should be loaded"
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
    assert page.embed["title"] == "P1 · The quarrel"


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
    assert page.embed["title"] == "Standfirst · The thesis in two sentences"
    assert page.embed["footer"]["text"] == (
        "Standfirst (1 of 8) · Next: P1 · Pompeo's trip and a sudden chill"
    )
    assert button(page, "Previous").get("disabled") is True
    for number in range(2, 9):
        page = await turn(alice, page, "Next")
        assert page.embed["footer"]["text"].startswith(f"P{number - 1} ({number} of 8) · ")
        assert page.embed["title"].startswith(f"P{number - 1} · ")
    assert page.embed["title"] == "P7 · What the allies should do"
    assert page.embed["footer"]["text"] == "P7 (8 of 8) · the last part"
    assert button(page, "Next").get("disabled") is True
    assert not button(page, "Previous").get("disabled")
    for number in range(7, 0, -1):
        page = await turn(alice, page, "Previous")
        assert f"({number} of 8)" in page.embed["footer"]["text"]
    assert button(page, "Previous").get("disabled") is True


@pytest.mark.usefixtures("bot")
async def test_next_on_someone_elses_summary_opens_a_private_copy(
    emulator: Emulator, alice: Member, bob: Member
) -> None:
    page = await (await alice.slash("summary", length="detailed", section="P2")).message()
    assert not page.ephemeral
    copy = await (await bob.click(page, "Next")).ephemeral()
    assert copy.ephemeral_for == bob.id
    assert copy.embed["title"].startswith("P3 · The Sunshine years")
    assert page.embed["title"].startswith("P2 · ") and page.revision == 0  # alice's is untouched
    # bob turns his own copy; alice's stays where it was
    back = await turn(bob, copy, "Previous")
    assert back.embed["title"].startswith("P2 · ") and back.ephemeral_for == bob.id
    assert page.revision == 0
    # alice still turns her own page in place
    mine = await turn(alice, page, "Next")
    assert mine.id == page.id and mine.embed["title"].startswith("P3 · ")
    assert [m.id for m in emulator.messages_in("general")] == [page.id]


@pytest.mark.usefixtures("bot")
async def test_section_jumps_to_one_part(alice: Member) -> None:
    alone = await (await alice.slash("summary", section="P3")).message()
    assert alone.embed["title"] == "P3 · The Sunshine years, 1998–2007"
    assert alone.embed["footer"]["text"].startswith("P3 (4 of 8) · Next: P4 · ")
    previous = await turn(alice, alone, "Previous")
    assert previous.embed["title"].startswith("P2 · ")
    detailed = await (
        await alice.slash("summary", length="detailed", section="P7", private=True)
    ).ephemeral()
    assert detailed.embed["title"] == "P7 · What the allies should do"
    assert button(detailed, "Next").get("disabled") is True
    back = await turn(alice, detailed, "Previous")
    assert back.ephemeral and back.embed["title"].startswith("P6 · ")


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
    reply = await (await alice.slash("glossary", term="decoupling")).ephemeral()
    assert reply.button_labels == ["Share"]
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
    assert len(everything) == 25
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
    reply = await (await alice.slash("timeline")).ephemeral()
    assert reply.button_labels == ["Share"]
    lines = [line for line in reply.embed["description"].splitlines() if line.startswith("**")]
    assert len(lines) == 20
    assert lines[0] == (
        "**21 October 1994** · *background* — The United States and North Korea sign the "
        "Agreed Framework in Geneva: the North freezes its plutonium programme in return for "
        "fuel oil and two power reactors."
    )
    assert lines[1].startswith("**25 February 1998** · `P3` — ")
    assert reply.embed["footer"]["text"] == "9 from the article, 11 background"


@pytest.mark.usefixtures("bot")
async def test_a_long_timeline_is_paged(alice: Member, bob: Member) -> None:
    first = await (await alice.slash("timeline", pack="demo")).ephemeral()
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
    assert page.button_labels == ["Previous", "Next", "Share"]
    page = await turn(alice, page, "Previous")
    assert page.embed["footer"]["text"].startswith(f"Page {pages - 1} of {pages}")


@pytest.mark.usefixtures("bot")
async def test_positions_side_by_side_and_one_in_full(alice: Member) -> None:
    overview = await (await alice.slash("positions")).ephemeral()
    assert len(overview.embed["fields"]) == 3
    assert all(f["inline"] for f in overview.embed["fields"])
    full = await (await alice.slash("positions", position="united-states")).ephemeral()
    assert full.button_labels == ["Share"]
    assert full.embed["title"] == "United States"
    assert "**Stance.** Keep the alliance united" in full.embed["description"]
    fields = field_map(full)
    assert fields["Argument 3 · P7"].startswith("The author's advice to Washington: a preventive")
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


# ================================================================================================
# Private by default, with Share (issue 20)


def public_in(emulator: Emulator, channel: str = "general") -> list[Message]:
    return emulator.messages_in(channel)


async def share(member: Member, private: Message) -> Message:
    """Press Share on a private card; return the public card it posted."""
    emulator = member.emulator
    before = {m.id for m in public_in(emulator)}
    result = await member.click(private, "Share")
    assert await result.acknowledged() in (6, 7)
    return await emulator.wait_until(
        lambda: next((m for m in public_in(emulator) if m.id not in before), None),
        what="the shared card",
    )


@pytest.mark.usefixtures("bot")
async def test_a_shared_glossary_card_is_public_names_the_member_and_pings_nobody(
    emulator: Emulator, alice: Member, bob: Member
) -> None:
    private = await (await alice.slash("glossary", term="decoupling")).ephemeral()
    assert private.ephemeral_for == alice.id and public_in(emulator) == []
    assert private not in bob.seen()

    shared = await share(alice, private)
    assert not shared.ephemeral and shared in bob.seen()
    assert shared.content == f"Glossary entry shared by {alice.mention}"
    assert shared.embeds == private.embeds  # the same card
    assert shared.pings == set()
    assert shared.allowed_mentions is not None and shared.allowed_mentions["parse"] == []
    assert not shared.allowed_mentions.get("users")
    assert shared.buttons == []  # nothing on a one-page card to press
    await emulator.wait_until(
        lambda: "Shared in this channel" in private.content, what="the private card to change"
    )
    assert str(shared.id) in private.content

    # A second press posts nothing again and says where the card is.
    again = await (await alice.click(private, "Share")).ephemeral()
    assert "already shared" in again.text and str(shared.id) in again.text
    assert [m.id for m in public_in(emulator)] == [shared.id]

    # Another member shares their own copy: a card of their own, in their name.
    theirs = await (await bob.slash("glossary", term="decoupling")).ephemeral()
    second = await share(bob, theirs)
    assert second.content == f"Glossary entry shared by {bob.mention}"
    assert second.pings == set()
    assert [m.id for m in public_in(emulator)] == [shared.id, second.id]


@pytest.mark.usefixtures("bot")
async def test_two_shares_at_once_post_one_card(emulator: Emulator, alice: Member) -> None:
    private = await (await alice.slash("glossary", term="entrapment")).ephemeral()
    first, second = await asyncio.gather(
        alice.click(private, "Share"), alice.click(private, "Share")
    )
    await asyncio.gather(first.acknowledged(), second.acknowledged())
    await emulator.wait_until(
        lambda: "Shared in this channel" in private.content, what="the private card to change"
    )
    await emulator.wait_until(lambda: len(emulator.deduplicated) == 1, what="the second post")
    cards = public_in(emulator)
    assert len(cards) == 1 and cards[0].content == f"Glossary entry shared by {alice.mention}"


@pytest.mark.usefixtures("bot")
async def test_share_buttons_carry_ids_never_member_text(alice: Member) -> None:
    private = await (await alice.slash("glossary", term="Preventive strike")).ephemeral()
    custom_id = button(private, "Share")["custom_id"]
    index = next(
        i
        for i, t in enumerate(load_pack(SHIPPED).glossary)
        if t.id == "preventive-counterforce-strike"
    )
    assert custom_id == f"read:share:g:wedging-strategy:{index}:0:0"
    timeline = await (await alice.slash("timeline")).ephemeral()
    assert button(timeline, "Share")["custom_id"] == "read:share:t:wedging-strategy:0:0:0"


@pytest.mark.usefixtures("bot")
async def test_positions_open_with_buttons_and_share(
    emulator: Emulator, alice: Member, bob: Member
) -> None:
    overview = await (await alice.slash("positions")).ephemeral()
    assert overview.button_labels == [
        "Share", "South Korean liberals", "South Korean conservatives", "United States"
    ]  # fmt: skip
    assert button(overview, "United States")["custom_id"] == "read:position:wedging-strategy:2"
    full = await (await alice.click(overview, "United States")).ephemeral()
    assert full.ephemeral_for == alice.id and full.embed["title"] == "United States"
    assert "**Stance.**" in full.embed["description"]

    card = await share(alice, full)
    assert card.content == f"Debate position shared by {alice.mention}"
    assert card.embed["title"] == "United States" and card.pings == set()

    # The overview shared publicly keeps its position buttons: anyone opens one privately.
    public = await share(alice, overview)
    assert public.content == f"Debate positions shared by {alice.mention}"
    assert public.button_labels == [
        "South Korean liberals", "South Korean conservatives", "United States"
    ]  # fmt: skip
    liberal = await (await bob.click(public, "South Korean liberals")).ephemeral()
    assert liberal.ephemeral_for == bob.id
    assert liberal.embed["title"] == "South Korean liberals"
    assert liberal.button_labels == ["Share"]


async def test_the_article_cards_positions_button_also_opens_positions(
    bot: RoundtableBot, alice: Member, bob: Member
) -> None:
    card = await (await alice.slash("article")).message()
    overview = await (await bob.click(card, "Positions")).ephemeral()
    assert "South Korean conservatives" in overview.button_labels
    conservative = await (await bob.click(overview, "South Korean conservatives")).ephemeral()
    assert conservative.embed["title"] == "South Korean conservatives"


@pytest.mark.usefixtures("bot")
async def test_a_shared_page_of_a_long_timeline_gives_others_their_own_copy(
    emulator: Emulator, alice: Member, bob: Member
) -> None:
    private = await (await alice.slash("timeline", pack="demo")).ephemeral()
    private = await turn(alice, private, "Next")
    page_two = private.embed["description"]
    shared = await share(alice, private)
    assert shared.embed["description"] == page_two
    assert shared.content == f"Timeline shared by {alice.mention}"
    assert shared.button_labels == ["Previous", "Next"]  # no Share on the public card

    copy = await (await bob.click(shared, "Next")).ephemeral()
    assert copy.ephemeral_for == bob.id
    assert copy.embed["footer"]["text"].startswith("Page 3 of ")
    assert copy.button_labels == ["Previous", "Next", "Share"]
    own = await (await alice.click(shared, "Previous")).ephemeral()  # the sharer too: a copy
    assert own.embed["footer"]["text"].startswith("Page 1 of ")
    assert shared.revision == 0 and shared.embed["description"] == page_two

    # alice's private copy now points to the shared card; sharing page 3 is a new card
    await emulator.wait_until(
        lambda: "Shared in this channel" in private.content, what="the private card to change"
    )
    private = await turn(alice, private, "Next")
    third = await share(alice, private)
    assert third.id != shared.id and third.embed["footer"]["text"].startswith("Page 3 of ")


async def test_share_still_works_after_a_restart(
    harness: BotHarness, emulator: Emulator, alice: Member
) -> None:
    private = await (await alice.slash("glossary", term="coercion")).ephemeral()
    await harness.restart(abrupt=True)
    shared = await share(alice, private)
    assert shared.embed["title"] == "Coercion"


@pytest.mark.usefixtures("bot")
async def test_share_where_the_bot_cannot_post_keeps_the_card_private(
    emulator: Emulator, alice: Member
) -> None:
    private = await (await alice.slash("glossary", term="coercion")).ephemeral()
    await emulator.revoke("general", "send_messages")
    result = await alice.click(private, "Share")
    await result.acknowledged()
    refusal = await result.followup()
    assert refusal.ephemeral and "cannot post in this channel" in refusal.text
    assert public_in(emulator) == []
    assert button(private, "Share")["custom_id"].endswith(":0")  # still unshared


# ================================================================================================
# The article card's link (issue 20)

ARTICLE_URL = "https://example.org/street-trees"


async def test_the_article_card_links_to_the_article_when_the_pack_has_a_url(
    harness: BotHarness, content_dir: Path, alice: Member
) -> None:
    article = dict(parts()["article"], url=ARTICLE_URL)
    write_pack(content_dir, "linked", article=article)
    await harness.restart()
    card = await (await alice.slash("article", pack="linked")).message()
    link = button(card, "Read the article")
    assert link["style"] == 5 and link["url"] == ARTICLE_URL and "custom_id" not in link
    assert card.button_labels[0] == "Read the article"
    with pytest.raises(AssertionError, match="link button"):
        await alice.click(card, "Read the article")

    plain = await (await alice.slash("article", pack="demo")).message()
    assert "Read the article" not in plain.button_labels
    assert "Source" in field_map(plain) and "Date" in field_map(plain)


@pytest.mark.usefixtures("bot")
async def test_the_shipped_article_card_links_to_the_source(alice: Member, shipped: Pack) -> None:
    card = await (await alice.slash("article")).message()
    assert shipped.article.url is not None
    assert button(card, "Read the article")["url"] == shipped.article.url
    assert shipped.article.url.startswith("https://nationalinterest.org/blog/skeptics/")

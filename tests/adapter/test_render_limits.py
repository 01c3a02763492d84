"""The reading embeds (cogs/reading/render.py) at the content limits: long answers paged
without cutting words, timelines split into pages, every embed inside Discord's limits."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.content import Pack, load_pack
from bot.rules.reading import (
    chunk_lines,
    timeline_line,
)
from cogs.reading import render
from tests.packs import parts, write_pack

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


def test_detailed_summary_parts_are_labelled_by_their_paragraph(shipped: Pack) -> None:
    pages = render.section_pages(shipped)
    assert [p.title for p in pages[3:5]] == [
        "P3 · The Sunshine years, 1998–2007",
        f"P4 · {shipped.sections[4].title}",
    ]
    assert pages[0].title == "Standfirst · The thesis in two sentences"
    assert pages[3].footer.text == f"P3 (4 of 8) · Next: P4 · {shipped.sections[4].title}"
    assert pages[-1].footer.text == "P7 (8 of 8) · the last part"

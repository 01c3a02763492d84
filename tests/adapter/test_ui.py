"""bot/ui.py: splitting long text inside Discord's limits, truncating, and laying fields out over
pages (the end-to-end use of these is in the tests of each command)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapter.ui import (
    ELLIPSIS,
    EMBED_FIELDS,
    EMBED_TOTAL,
    FIELD_VALUE,
    paginate_fields,
    split_text,
    truncate,
)

SENTENCE = "The council first tried a cheap plan with potted shrubs, which failed within a year. "


def test_short_text_is_one_chunk_and_empty_text_none() -> None:
    assert split_text("  A short line.  ", 100) == ["A short line."]
    assert split_text("   ", 100) == []


def test_long_lines_split_at_sentence_ends() -> None:
    text = SENTENCE * 30
    chunks = split_text(text, 1024)
    assert len(chunks) > 1
    assert all(len(chunk) <= 1024 for chunk in chunks)
    assert all(chunk.endswith("year.") for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_line_breaks_survive_a_split() -> None:
    lines = [f"`/debate command{i}` — {SENTENCE.strip()}" for i in range(20)]
    chunks = split_text("\n".join(lines), 1024)
    assert len(chunks) > 1
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines


def test_paragraphs_stay_apart_and_whole_when_they_fit() -> None:
    paragraphs = [SENTENCE * 5, SENTENCE * 5, SENTENCE * 5]
    chunks = split_text("\n\n".join(paragraphs), 1024)
    assert chunks == ["\n\n".join(p.strip() for p in paragraphs[:2]), paragraphs[2].strip()]


def test_a_closing_quote_after_a_sentence_is_kept() -> None:
    text = ('He said "stop the trees." ' + SENTENCE) * 20
    chunks = split_text(text, 500)
    assert " ".join(chunks).split() == text.split()
    assert all(chunk.endswith(('trees."', "year.")) for chunk in chunks)


def test_only_a_word_longer_than_the_limit_is_cut_with_a_marker() -> None:
    chunks = split_text("short " + "x" * 250 + " end", 100)
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert chunks[1].endswith(ELLIPSIS)
    assert "".join(chunks).replace(ELLIPSIS, "").replace(" ", "") == "short" + "x" * 250 + "end"


words = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
sentences = st.lists(words, min_size=1, max_size=30).map(lambda ws: " ".join(ws) + ".")
lines = st.lists(sentences, min_size=1, max_size=8).map(" ".join)
texts = st.lists(lines, min_size=1, max_size=12).map("\n".join)


@settings(max_examples=60, deadline=None, database=None)
@given(text=texts, limit=st.integers(min_value=20, max_value=400))
def test_no_chunk_is_too_long_and_no_word_is_lost_or_cut(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_truncate_cuts_at_a_word_with_a_marker() -> None:
    assert truncate("one two three", 20) == "one two three"
    assert truncate("one two three four", 12) == "one two…"
    assert len(truncate("x" * 300, 256)) == 256


def test_fields_are_laid_out_over_pages_inside_the_limits() -> None:
    fields = [(f"Argument {i}", SENTENCE * 12) for i in range(30)]
    pages = paginate_fields("A position", fields, description="Stance. " * 50)
    assert len(pages) > 1
    for page in pages:
        assert len(page) <= EMBED_TOTAL and len(page.fields) <= EMBED_FIELDS
        assert all(len(f.value or "") <= FIELD_VALUE for f in page.fields)
    footers = [page.footer.text for page in pages]
    assert footers == [f"Page {i} of {len(pages)}" for i in range(1, len(pages) + 1)]
    names = [re.sub(r" \(cont\.\)$", "", f.name or "") for p in pages for f in p.fields]
    assert list(dict.fromkeys(names)) == [name for name, _ in fields]

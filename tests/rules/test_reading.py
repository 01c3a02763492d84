"""Reading rules (bot/rules/reading.py): finding and suggesting terms, sections and positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Pack, load_pack
from bot.errors import NotFound
from bot.rules.reading import (
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
)
from tests.packs import glossary_term, write_pack

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
    assert len(terms) == len(shipped.glossary) == 25


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

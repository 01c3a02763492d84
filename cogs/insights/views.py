"""Embeds and files of ``/insights``: every figure a chart shows is written out as text too.

A reply that may be public (``public: true``) never names a member: the questions and
paragraphs reports hold no names at all, and the debates report leaves out who argued which
side and each judge's scores unless it is private. Members are shown as ``<@id>``, which
Discord renders as names and never pings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import discord

from bot.adapter.ui import (
    EMBED_DESCRIPTION,
    FIELD_NAME,
    Page,
    add_long_field,
    embed,
    mention_safe,
    truncate,
)
from bot.content import Pack
from bot.rules.insights import (
    FLAGS,
    MIN_ANSWERS,
    MIN_RANKED,
    QUESTIONS_HEADER,
    TOO_FEW,
    Mastery,
    QuestionStats,
    Spread,
    Tally,
    csv_table,
    flag_counts,
    p_text,
    percent,
    question_line,
    signed,
)
from bot.services.insights import DebatesReport, MemberReport, ParagraphsReport, QuestionsReport

QUESTIONS_PER_PAGE = 6
PROMPT_SHOWN = 150
LEECHES_SHOWN = 10
PRIVATE_ONLY = (
    "Who argued which side and each judge's scores are shown only in private replies "
    "(run the command without `public`)."
)


#: Characters of one list (members, judges, paragraphs) an embed may hold: with the rest of the
#: reply it stays inside the 6,000 an embed may carry whatever the names' lengths.
LIST_BUDGET = 2400
JUDGES_BUDGET = 900


def capped(lines: Sequence[str], budget: int, rest: str) -> list[str]:
    """``lines`` while they fit in ``budget`` characters, then one line saying how many more
    (``rest`` is formatted with the count)."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 > budget:
            return [*kept, rest.format(count=len(lines) - index)]
        kept.append(line)
        used += len(line) + 1
    return kept


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def tally_text(tally: Tally) -> str:
    """ "62% (31 of 50)", "no answers"."""
    if not tally.answers:
        return "no answers"
    return f"{percent(tally.share)} ({tally.right:,} of {tally.answers:,})"


def mastery_text(mastery: Mastery) -> str:
    if not mastery.cards:
        return "no cards"
    return f"{percent(mastery.share)} ({mastery.mastered:,} of {mastery.cards:,} cards)"


def pack_name(pack: Pack) -> str:
    return truncate(mention_safe(pack.article.title), 80)


def png_file(data: bytes, name: str) -> discord.File:
    return discord.File(io.BytesIO(data), filename=name)


# --- /insights questions -----------------------------------------------------------------------


def picks_line(row: QuestionStats) -> str:
    """ "A 5 (42%) ✓ · B 6 (50%) ⚠ · C 1 (8%) · D 0 (0%)", in the pack's order and labels."""
    parts = []
    for index, count in enumerate(row.picks):
        label = row.labels[index] if index < len(row.labels) else str(index + 1)
        mark = " ✓" if index in row.key else (" ⚠" if index in row.rivals else "")
        parts.append(f"**{label}** {count:,} ({percent(row.pick_share(index))}){mark}")
    return " · ".join(parts)


def question_field(number: int, row: QuestionStats) -> tuple[str, str]:
    where = f" ({row.paragraph})" if row.paragraph else ""
    name = truncate(f"{number}. {row.question_id}{where} — {row.verdict}", FIELD_NAME)
    prompt = (
        f"“{truncate(mention_safe(row.prompt), PROMPT_SHOWN)}”"
        if row.prompt
        else "(no longer in the pack)"
    )
    lines = [
        prompt,
        f"Answered {row.answers:,} · right {tally_text(Tally(row.answers, row.right))} · "
        f"discrimination {signed(row.discrimination)}",
        f"Picked: {picks_line(row)}",
    ]
    return name, "\n".join(lines)


def questions_summary(report: QuestionsReport) -> str:
    groups = report.groups
    if groups is None:
        index = (
            f"Discrimination needs at least {MIN_RANKED} members who answered "
            f"({report.members} did): it is undefined here."
        )
    else:
        index = (
            f"Discrimination: share right among the top {groups.size} of {groups.ranked} "
            f"members by accuracy minus the bottom {groups.size}."
        )
    counts = flag_counts(report.rows)
    flags = " · ".join(f"{flag} {counts[flag]}" for flag in (*FLAGS, TOO_FEW))
    return "\n".join(
        [
            f"**{report.window.label}** · {plural(report.answers, 'answer')} from "
            f"{plural(report.members, 'member')} · {plural(len(report.rows), 'question')} asked",
            index,
            f"Flags (worst first): {flags}. A question needs {MIN_ANSWERS} answers to be judged.",
            "✓ the key · ⚠ a distractor picked more than the key.",
        ]
    )


def page_count(report: QuestionsReport) -> int:
    return max(1, -(-len(report.rows) // QUESTIONS_PER_PAGE))


def questions_page(report: QuestionsReport, index: int) -> Page:
    pages = page_count(report)
    index = max(0, min(index, pages - 1))
    title = f"Questions — {pack_name(report.pack)}"
    card = embed(title, truncate(questions_summary(report), EMBED_DESCRIPTION))
    start = index * QUESTIONS_PER_PAGE
    for number, row in enumerate(report.rows[start : start + QUESTIONS_PER_PAGE], start + 1):
        name, value = question_field(number, row)
        add_long_field(card, name, value)
    card.set_footer(
        text=f"Page {index + 1} of {pages} · every row is in the attached CSV · "
        f"pack {report.pack.id}"
    )
    return Page([card], index, pages)


def questions_csv(report: QuestionsReport) -> discord.File:
    data = csv_table(QUESTIONS_HEADER, [question_line(row) for row in report.rows])
    name = f"insights-questions-{report.pack.id}-{report.window.period}.csv"
    return discord.File(io.BytesIO(data), filename=name)


# --- /insights paragraphs ----------------------------------------------------------------------


def paragraphs_embed(report: ParagraphsReport, image: str | None) -> discord.Embed:
    total, mastery = report.total, report.mastery
    description = "\n".join(
        [
            f"**{report.window.label}** · {plural(total.answers, 'answer')} from "
            f"{plural(report.members, 'member')}: {percent(total.share)} right.",
            f"FSRS cards reviewed in the period: {mastery_text(mastery)} mastered "
            "(last answer right, and FSRS gives at least 90 % that it is still known).",
        ]
    )
    card = embed(f"Paragraphs — {pack_name(report.pack)}", description)
    lines = []
    for row in report.rows:
        section = report.pack.section(row.paragraph)
        title = f" {truncate(mention_safe(section.title), 40)}" if section else ""
        lines.append(
            f"**{row.paragraph}**{title} — right {tally_text(row.tally)} · "
            f"mastered {mastery_text(row.mastery)} · {plural(row.questions, 'question')}"
        )
    lines = capped(lines, LIST_BUDGET, "… and {count} more paragraphs (all in the chart).")
    add_long_field(card, "Per paragraph (the chart's figures)", "\n".join(lines) or "—")
    if image:
        card.set_image(url=f"attachment://{image}")
    return card


# --- /insights member --------------------------------------------------------------------------


def member_embed(report: MemberReport, name: str, image: str | None) -> discord.Embed:
    description = "\n".join(
        [
            f"<@{report.user_id}> on **{pack_name(report.pack)}**, {report.window.label}.",
            f"Right: {tally_text(report.member)} · the group: {tally_text(report.group)}.",
            f"FSRS cards reviewed in the period: {mastery_text(report.mastery)} mastered.",
        ]
    )
    card = embed(f"Member insights — {name}", description)
    lines = []
    for row in report.paragraphs:
        gap = row.gap
        ahead = "" if gap is None else f" · {gap * 100:+.0f} pts"
        lines.append(
            f"**{row.paragraph}** — {tally_text(row.member)} · group {tally_text(row.group)}{ahead}"
        )
    lines = capped(lines, LIST_BUDGET, "… and {count} more paragraphs (all in the chart).")
    add_long_field(card, "Per paragraph, against the group (the chart's figures)",
                   "\n".join(lines) or "—")  # fmt: skip
    weak = [
        f"`{q.question_id}`{f' ({q.paragraph})' if q.paragraph else ''}: right "
        f"{tally_text(q.tally)}"
        + (f" — “{truncate(mention_safe(q.prompt), 90)}”" if q.prompt else "")
        for q in report.weakest
    ]
    add_long_field(card, "Weakest questions in the period", "\n".join(weak) or "None missed.")
    leeches = [
        f"`{found.question_id}` ({found.paragraph}): missed {found.misses} of {found.seen}"
        for found in report.leeches[:LEECHES_SHOWN]
    ]
    if len(report.leeches) > LEECHES_SHOWN:
        leeches.append(f"… and {len(report.leeches) - LEECHES_SHOWN} more.")
    add_long_field(
        card,
        "Leeches (missed 8 times or more, all time)",
        "\n".join(leeches) or "None.",
    )
    if image:
        card.set_image(url=f"attachment://{image}")
    card.set_footer(text="Private to you: this reply names the member.")
    return card


# --- /insights debates -------------------------------------------------------------------------


def spread_text(found: Spread | None) -> str:
    if found is None:
        return "no scores"
    return (
        f"{plural(found.count, 'score')}: mean {found.mean:.1f}, median {found.median:g}, "
        f"SD {found.sd:.1f}, from {found.low} to {found.high}"
    )


def test_text(report: DebatesReport) -> str:
    balance = report.balance
    if balance.test is None:
        return balance.sentence
    test = balance.test
    text = (
        f"Chi-square test of wins across positions: χ² = {test.statistic:.2f}, "
        f"{plural(test.df, 'degree')} of freedom, {p_text(test.p_value)}: **{balance.sentence}**"
    )
    if balance.rough:
        text += (
            " (Few debates: with under 5 expected wins per position the test is only a rough "
            "guide.)"
        )
    return text


def debates_embed(report: DebatesReport, *, public: bool, image: str | None) -> discord.Embed:
    balance = report.balance
    held = f"{plural(balance.held, 'debate')} closed, {balance.decided} decided"
    if report.cancelled:
        held += f", {report.cancelled} cancelled"
    card = embed(
        "Debate balance",
        truncate(f"**{report.window.label}** · {held}.\n{test_text(report)}", EMBED_DESCRIPTION),
    )
    wins = [
        f"**{mention_safe(row.name)}**: {plural(row.wins, 'win')} in "
        f"{plural(row.debates, 'debate')} (chance alone: {row.expected:.1f})"
        for row in balance.positions
    ]
    add_long_field(card, "Wins per position (the chart's figures)", "\n".join(wins) or "—")
    scores = [f"All speeches — {spread_text(report.scores)}"]
    if report.scores:
        histogram = " · ".join(
            f"{score}: {count}" for score, count in enumerate(report.scores.histogram, 1)
        )
        scores.append(f"Scores given (1–10): {histogram}")
    order = [*positions_of(report), *sorted(set(report.by_position) - set(positions_of(report)))]
    for position in order:
        if position in report.by_position:
            found = report.by_position[position]
            scores.append(f"{mention_safe(report.name(position))} — {spread_text(found)}")
    add_long_field(card, "Judges' speech scores", "\n".join(scores))
    if public:
        add_long_field(card, "Members", PRIVATE_ONLY)
    else:
        add_long_field(card, "Each judge", "\n".join(judge_lines(report)) or "No scores.")
        add_long_field(card, "Who argued which side", "\n".join(argued_lines(report)) or "Nobody.")
    if image:
        card.set_image(url=f"attachment://{image}")
    return card


def judge_lines(report: DebatesReport) -> list[str]:
    judges = sorted(report.judges.items(), key=lambda j: (-j[1].count, j[0]))
    lines = [f"<@{judge}> — {spread_text(found)}" for judge, found in judges]
    return capped(lines, JUDGES_BUDGET, "… and {count} more judges.")


def positions_of(report: DebatesReport) -> list[str]:
    return [row.position for row in report.balance.positions]


def argued_lines(report: DebatesReport) -> list[str]:
    positions = positions_of(report)
    members = sorted(report.argued.items(), key=lambda m: (-sum(m[1].values()), m[0]))
    lines = []
    for user_id, counts in members:
        parts = " · ".join(f"{mention_safe(report.name(p))} {counts.get(p, 0)}" for p in positions)
        lines.append(f"<@{user_id}>: {parts}")
    return capped(lines, LIST_BUDGET, "… and {count} more in the attached CSV.")


def debaters_csv(report: DebatesReport) -> discord.File:
    positions = positions_of(report)
    header: Sequence[str] = ("user_id", *(report.name(p) for p in positions), "debates")
    rows = [
        (user_id, *(counts.get(p, 0) for p in positions), sum(counts.values()))
        for user_id, counts in sorted(report.argued.items())
    ]
    data = csv_table(header, rows)
    return discord.File(io.BytesIO(data), filename=f"insights-debaters-{report.window.period}.csv")

"""Embeds of the score commands: leaderboard pages, profiles, history, seasons.

Members are shown as ``<@id>`` inside embeds, which Discord renders as names and never pings;
names a member chose go through ``mention_safe`` and markdown escaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.adapter.ui import ELLIPSIS, MESSAGE_LIMIT, add_long_field, embed, mention_safe, truncate
from bot.clock import discord_timestamp
from bot.content import Pack
from bot.rules.scores import describe_period, season_label
from bot.rules.srs import LEECH_MISSES
from bot.store.debates import DebateMemberStats
from bot.store.quiz import QuizMemberStats
from bot.store.scores import Breakdown, LeaderboardPage, LedgerRow, Season, Standing

BOARD_NAMES = {"overall": "Overall", "quiz": "Quiz", "debate": "Debate"}
NO_DATA = "No data yet."
#: Characters of a ledger reason shown per ``/scores history`` line.
REASON_SHOWN = 100


def points_text(points: int) -> str:
    return f"{points:,} point" + ("" if abs(points) == 1 else "s")


def display_name(user: discord.abc.User) -> str:
    return discord.utils.escape_markdown(mention_safe(user.display_name))


def period_title(key: str, season: Season | None) -> str:
    return describe_period(key, season.name if season else None)


def leaderboard_title(page: LeaderboardPage, season: Season | None) -> str:
    """``Leaderboard — Overall · Season 1``."""
    return f"Leaderboard — {BOARD_NAMES[page.board]} · {period_title(page.period, season)}"


def leaderboard_embed(page: LeaderboardPage, season: Season | None) -> discord.Embed:
    """One public page: ten ranked members and where the page is (nobody's own rank)."""
    if page.entries:
        lines = [
            f"**{entry.rank}.** <@{entry.user_id}> — {points_text(entry.points)}"
            for entry in page.entries
        ]
        description = "\n".join(lines)
    else:
        description = (
            "Nobody has points on this board yet: answer quiz questions or take part in a "
            "debate to get on it."
        )
    card = embed(leaderboard_title(page, season), description)
    members = f"{page.members:,} member" + ("" if page.members == 1 else "s")
    card.set_footer(
        text=f"Page {page.page + 1} of {page.pages} · {members} · equal points share a rank"
    )
    return card


def own_rank_text(page: LeaderboardPage, mine: Standing | None, season: Season | None) -> str:
    """The caller's own standing on the board, sent to them privately."""
    if mine is None:
        standing = "You have no points on this board yet."
    else:
        standing = f"#{mine.rank} of {page.members:,}, with {points_text(mine.points)}."
    title = leaderboard_title(page, season).removeprefix("Leaderboard — ")
    return truncate(f"**Your rank** · {mention_safe(title)}\n{standing}", MESSAGE_LIMIT)


def breakdown_text(points: Breakdown, standing: Standing | None, members: int) -> str:
    parts = [
        f"**{points_text(points.overall)}**",
        f"quiz {points.quiz:,}",
        f"debate {points.debate:,}",
        f"adjustments {points.adjustment:+,}" if points.adjustment else "adjustments 0",
    ]
    rank = f"Rank #{standing.rank} of {members:,}" if standing else "Not ranked yet"
    return " · ".join(parts) + "\n" + rank


def ratio(correct: int, answered: int) -> str:
    if answered == 0:
        return "—"
    return f"{correct}/{answered} ({round(100 * correct / answered)}%)"


def paragraph_refs(pack: Pack | None, by_paragraph: Mapping[str, tuple[int, int]]) -> list[str]:
    """The paragraphs to show: the pack's refs that have questions, then any others answered."""
    asked = {q.paragraph for q in pack.questions} if pack else set()
    refs = [ref for ref in (pack.paragraph_refs if pack else ()) if ref in asked]
    return refs + sorted(ref for ref in by_paragraph if ref not in refs)


#: Leeches listed on a profile; more are counted.
LEECHES_SHOWN = 5


def leech_line(pack: Pack | None, question_id: str, paragraph: str, misses: int) -> str:
    question = pack.question(question_id) if pack else None
    prompt = truncate(question.prompt, 80) if question else question_id
    return f"{paragraph}: {prompt} (missed {misses}×)"


def quiz_fields(stats: QuizMemberStats, pack: Pack | None) -> list[tuple[str, str]]:
    """The quiz part of a profile: accuracy, streaks, mastered questions (FSRS: last answered
    right and still recalled with 90 % chance), accuracy by paragraph, leeches."""
    summary = "\n".join(
        [
            f"Accuracy: {ratio(stats.correct, stats.answered)}",
            f"Streak: current {stats.current_streak} · best {stats.best_streak}",
            f"Questions mastered (recall chance 90%+ now): {stats.mastered}",
        ]
    )
    by_paragraph = stats.by_paragraph
    per_paragraph = " · ".join(
        f"{ref} {ratio(by_paragraph[ref][1], by_paragraph[ref][0]) if ref in by_paragraph else '—'}"
        for ref in paragraph_refs(pack, by_paragraph)
    )
    fields = [("Quiz", summary), ("Quiz accuracy by paragraph", per_paragraph or NO_DATA)]
    if stats.leeches:
        lines = [leech_line(pack, *leech) for leech in stats.leeches[:LEECHES_SHOWN]]
        if len(stats.leeches) > LEECHES_SHOWN:
            lines.append(f"…and {len(stats.leeches) - LEECHES_SHOWN} more.")
        lines.append("Reread their paragraphs with `/summary section:…`.")
        name = f"Leeches (missed {LEECH_MISSES}+ times): {len(stats.leeches)}"
        fields.append((name, "\n".join(lines)))
    return fields


def debate_fields(stats: DebateMemberStats, pack: Pack | None) -> list[tuple[str, str]]:
    """The debate part of a profile: debates argued per position, wins, average speech score."""
    positions = list(pack.positions) if pack else []
    positions += sorted(p for p in stats.argued if p not in positions)

    def name(position_id: str) -> str:
        position = pack.position(position_id) if pack else None
        return position.name if position else position_id

    argued = " · ".join(f"{name(p)} {stats.argued.get(p, 0)}" for p in positions) or "none"
    if stats.average_speech_score is None:
        average = "no scored speeches yet"
    else:
        count = stats.speeches_scored
        average = f"{stats.average_speech_score:.1f} ({count} speech{'es' if count != 1 else ''})"
    text = "\n".join(
        [f"Argued: {argued}", f"Wins: {stats.wins}", f"Average speech score: {average}"]
    )
    return [("Debates", text)]


def profile_embed(
    user: discord.abc.User,
    season: Season,
    this_season: tuple[Breakdown, Standing | None, int],
    all_time: tuple[Breakdown, Standing | None, int],
    extra_fields: Sequence[tuple[str, str]],
) -> discord.Embed:
    card = embed(f"Profile — {display_name(user)}", f"<@{user.id}>")
    label = season_label(season.number, season.name)
    add_long_field(card, f"This season ({label})", breakdown_text(*this_season))
    add_long_field(card, "All time", breakdown_text(*all_time))
    for name, text in extra_fields:
        add_long_field(card, name, text)
    card.set_footer(text="Ranks are on the overall board.")
    return card


def short_reason(reason: str, limit: int = REASON_SHOWN) -> str:
    """A ledger reason as ``/scores history`` shows it: markdown escaped, then cut to ``limit``.

    Escaping first keeps the cut honest: escaping can double a reason full of ``*`` or ``_``,
    and 20 such rows must still fit in one embed description.
    """
    shown = truncate(discord.utils.escape_markdown(mention_safe(reason)), limit)
    if not shown.endswith(ELLIPSIS):
        return shown
    # A cut between a backslash and the character it escaped would escape the ellipsis.
    kept = shown.removesuffix(ELLIPSIS)
    trailing = len(kept) - len(kept.rstrip("\\"))
    return (kept[:-1] if trailing % 2 else kept) + ELLIPSIS


def history_line(row: LedgerRow) -> str:
    by = f" · by <@{row.created_by}>" if row.created_by else ""
    reason = short_reason(row.reason)
    return (
        f"`{row.points:+d}` {row.category} — {reason} · season {row.season} · "
        f"{discord_timestamp(row.created_at, 'd')}{by}"
    )


def history_embed(user: discord.abc.User, rows: Sequence[LedgerRow], limit: int) -> discord.Embed:
    title = f"Score history — {display_name(user)}"
    if not rows:
        return embed(title, f"<@{user.id}> has no ledger rows yet.")
    lines = [history_line(row) for row in rows]
    card = embed(title, "\n".join(lines))
    shown = f"the last {limit}" if len(rows) == limit else f"all {len(rows)}"
    card.set_footer(text=f"Showing {shown} ledger rows, newest first.")
    return card


def season_prompt(current: Season, name: str) -> str:
    number = current.number + 1
    return truncate(
        f"Start **season {number}: {mention_safe(name)}**? "
        f"{mention_safe(period_title(f's:{current.number}', current))} ends; its leaderboard "
        "stays readable with "
        f"`/leaderboard period:season season:{current.number}`. Week, month and all-time "
        "boards carry on. Nothing is deleted.",
        MESSAGE_LIMIT,
    )

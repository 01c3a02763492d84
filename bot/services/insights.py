"""The insights service: reports for facilitators (``/insights``) and their charts.

Each report reads sums from the store (:mod:`bot.store.insights`), computes its statistics with
:mod:`bot.rules.insights`, and returns a plain dataclass the cog renders. The sums happen in
SQL, so a report handles a few hundred rows however many answers there are. Mastery needs
FSRS's retrievability of every card: the store counts the clear cases with the horizon
:func:`bot.rules.insights.mastery_horizon` finds, and only cards within a fraction of a day of
the line are judged one by one. Charts are drawn by :mod:`bot.charts` off the event loop (see
:meth:`InsightsService.draw`). Nothing here writes to the database.

A report's period is the leaderboard's (:data:`bot.rules.scores.PERIODS`); ``season`` is the
guild's current season (the first season covers everything before the second).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.charts import ChartWorker, Series
from bot.clock import Clock
from bot.content import Pack
from bot.rules.insights import (
    MASTERY_MARGIN,
    Balance,
    ChoiceTally,
    Groups,
    Mastery,
    MemberParagraph,
    ParagraphStats,
    QuestionStats,
    Spread,
    Tally,
    Window,
    by_paragraph,
    combine,
    leeches,
    mastery_by_paragraph,
    mastery_horizon,
    member_paragraphs,
    p_text,
    paragraph_stats,
    question_stats,
    spread,
    upper_lower_groups,
    weakest,
    win_balance,
    window,
    worst_first,
)
from bot.rules.srs import Progress
from bot.services.packs import Packs
from bot.store import Store


@dataclass(frozen=True, slots=True)
class QuestionsReport:
    """``/insights questions``: one row per question asked, worst first."""

    pack: Pack
    window: Window
    rows: tuple[QuestionStats, ...]
    #: members who answered, and the upper/lower groups (None: too few members to rank)
    members: int
    groups: Groups | None

    @property
    def answers(self) -> int:
        return sum(row.answers for row in self.rows)


@dataclass(frozen=True, slots=True)
class ParagraphsReport:
    """``/insights paragraphs``: the group's share right and FSRS mastery per paragraph."""

    pack: Pack
    window: Window
    rows: tuple[ParagraphStats, ...]
    members: int

    @property
    def total(self) -> Tally:
        return combine(row.tally for row in self.rows)

    @property
    def mastery(self) -> Mastery:
        return Mastery(
            sum(r.mastery.cards for r in self.rows), sum(r.mastery.mastered for r in self.rows)
        )


@dataclass(frozen=True, slots=True)
class WeakQuestion:
    question_id: str
    paragraph: str | None
    prompt: str | None
    tally: Tally


@dataclass(frozen=True, slots=True)
class MemberReport:
    """``/insights member``: one member's accuracy per paragraph beside the group's, their
    leeches (all time: an FSRS card keeps every answer) and weakest questions in the period."""

    pack: Pack
    window: Window
    user_id: int
    paragraphs: tuple[MemberParagraph, ...]
    member: Tally
    group: Tally
    weakest: tuple[WeakQuestion, ...]
    leeches: tuple[Progress, ...]
    mastery: Mastery


@dataclass(frozen=True, slots=True)
class DebatesReport:
    """``/insights debates``: wins per position and their test, who argued what, judges'
    scores."""

    window: Window
    balance: Balance
    cancelled: int
    names: Mapping[str, str]
    #: member → position → debates argued
    argued: Mapping[int, Mapping[str, int]]
    scores: Spread | None
    #: the spread of each judge's scores, and of the scores each position's speeches got
    judges: Mapping[int, Spread] = field(default_factory=dict)
    by_position: Mapping[str, Spread] = field(default_factory=dict)

    def name(self, position: str) -> str:
        return self.names.get(position, position)


def _per_question(choices: Sequence[ChoiceTally]) -> dict[str, Tally]:
    out: dict[str, Tally] = {}
    for c in choices:
        out[c.question_id] = out.get(c.question_id, Tally()) + Tally(c.answers, c.right)
    return out


class InsightsService:
    """Reports for moderators; the bot holds one as ``bot.insights``."""

    def __init__(
        self, store: Store, packs: Packs, clock: Clock, charts: ChartWorker | None = None
    ) -> None:
        self.store = store
        self.packs = packs
        self.clock = clock
        self.charts = charts or ChartWorker()

    async def close(self) -> None:
        """Stop the chart worker (a later chart starts another)."""
        await self.charts.close()

    async def window(self, guild_id: int, period: str) -> Window:
        """``period`` at the current time, with the guild's current season (read, never
        created: a guild without points is in its first season)."""
        seasons = await self.store.scores.seasons(guild_id)
        now = self.clock.now()
        if not seasons:
            return window(period, now)
        current = seasons[-1]
        return window(
            period,
            now,
            season=current.number,
            season_started_at=current.started_at,
            season_name=current.name,
        )

    # --- questions ----------------------------------------------------------------------------

    async def questions(self, guild_id: int, pack_id: str | None, period: str) -> QuestionsReport:
        pack = await self.packs.for_guild(guild_id, pack_id)
        when = await self.window(guild_id, period)
        store = self.store.insights
        choices = await store.choice_tallies(guild_id, pack.id, when.since)
        members = await store.member_tallies(guild_id, pack.id, when.since)
        groups = upper_lower_groups(members)
        upper: dict[str, Tally] = {}
        lower: dict[str, Tally] = {}
        if groups is not None:
            upper = await store.question_tallies(
                guild_id, pack.id, when.since, sorted(groups.upper)
            )
            lower = await store.question_tallies(
                guild_id, pack.id, when.since, sorted(groups.lower)
            )
        by_question: dict[str, list[ChoiceTally]] = defaultdict(list)
        for tally in choices:
            by_question[tally.question_id].append(tally)
        order = {q.id: index for index, q in enumerate(pack.questions)}
        unknown = sorted(set(by_question) - set(order))
        order.update({q: len(pack.questions) + i for i, q in enumerate(unknown)})
        rows = [
            question_stats(
                question_id,
                pack.question(question_id),
                tallies,
                upper=upper.get(question_id, Tally()) if groups else None,
                lower=lower.get(question_id, Tally()) if groups else None,
                order=order[question_id],
            )
            for question_id, tallies in by_question.items()
        ]
        return QuestionsReport(pack, when, tuple(worst_first(rows)), len(members), groups)

    # --- paragraphs ---------------------------------------------------------------------------

    async def _mastery(
        self, guild_id: int, pack_id: str, since: float, user_id: int | None = None
    ) -> dict[str, Mastery]:
        """Per paragraph: FSRS cards reviewed since ``since`` and those mastered now. The
        store counts the clear cases; the few cards near the line are judged by
        :func:`bot.rules.srs.mastered` itself."""
        now = self.clock.now()
        found = await self.store.insights.mastery(
            guild_id, pack_id, since, now=now, horizon=mastery_horizon(),
            margin=MASTERY_MARGIN, user_id=user_id,
        )  # fmt: skip
        close = mastery_by_paragraph(found.unsure, now)
        return {
            paragraph: Mastery(cards, sure + close.get(paragraph, Mastery()).mastered)
            for paragraph, (cards, sure) in found.paragraphs.items()
        }

    async def paragraphs(self, guild_id: int, pack_id: str | None, period: str) -> ParagraphsReport:
        pack = await self.packs.for_guild(guild_id, pack_id)
        when = await self.window(guild_id, period)
        choices = await self.store.insights.choice_tallies(guild_id, pack.id, when.since)
        members = await self.store.insights.member_tallies(guild_id, pack.id, when.since)
        paragraph_of = {q.id: q.paragraph for q in pack.questions}
        tallies = by_paragraph(_per_question(choices), paragraph_of)
        mastery = await self._mastery(guild_id, pack.id, when.since)
        per_paragraph: dict[str, int] = defaultdict(int)
        for question in pack.questions:
            per_paragraph[question.paragraph] += 1
        rows = paragraph_stats(pack.paragraph_refs, per_paragraph, tallies, mastery)
        return ParagraphsReport(pack, when, tuple(rows), len(members))

    # --- one member ---------------------------------------------------------------------------

    async def member(
        self, guild_id: int, user_id: int, pack_id: str | None, period: str
    ) -> MemberReport:
        pack = await self.packs.for_guild(guild_id, pack_id)
        when = await self.window(guild_id, period)
        store = self.store.insights
        group_questions = _per_question(await store.choice_tallies(guild_id, pack.id, when.since))
        own = await store.question_tallies(guild_id, pack.id, when.since, [user_id])
        paragraph_of = {q.id: q.paragraph for q in pack.questions}
        rows = member_paragraphs(
            pack.paragraph_refs,
            by_paragraph(own, paragraph_of),
            by_paragraph(group_questions, paragraph_of),
        )
        worst = []
        for question_id, tally in weakest(own):
            question = pack.question(question_id)
            worst.append(
                WeakQuestion(
                    question_id,
                    question.paragraph if question else None,
                    question.prompt if question else None,
                    tally,
                )
            )
        cards = await self.store.quiz.progress(guild_id, user_id, pack.id)
        mastery = await self._mastery(guild_id, pack.id, when.since, user_id)
        return MemberReport(
            pack=pack,
            window=when,
            user_id=user_id,
            paragraphs=tuple(rows),
            member=combine(own.values()),
            group=combine(group_questions.values()),
            weakest=tuple(worst),
            leeches=tuple(leeches(cards.values())),
            mastery=Mastery(
                sum(m.cards for m in mastery.values()), sum(m.mastered for m in mastery.values())
            ),
        )

    # --- debates ------------------------------------------------------------------------------

    async def debates(self, guild_id: int, period: str) -> DebatesReport:
        when = await self.window(guild_id, period)
        store = self.store.insights
        record = await store.debates(guild_id, when.since)
        argued: dict[int, dict[str, int]] = defaultdict(dict)
        for row in await store.argued(guild_id, when.since):
            argued[row.user_id][row.position] = row.debates
        overall: dict[int, int] = defaultdict(int)
        judges: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        positions: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for count in await store.score_counts(guild_id, when.since):
            overall[count.points] += count.count
            judges[count.judge_id][count.points] += count.count
            positions[count.position][count.points] += count.count
        return DebatesReport(
            window=when,
            balance=win_balance(record.outcomes, record.names),
            cancelled=record.cancelled,
            names=record.names,
            argued=dict(argued),
            scores=spread(overall),
            judges=_spreads(judges),
            by_position=_spreads(positions),
        )

    # --- charts -------------------------------------------------------------------------------

    async def draw(self, chart: str, /, **data: Any) -> bytes:
        """Draw a chart of :data:`bot.charts.CHARTS` in the chart worker's process: matplotlib
        holds the GIL while it renders, so even a thread would stall the event loop."""
        return await self.charts.draw(chart, **data)

    async def paragraphs_chart(self, report: ParagraphsReport) -> bytes:
        return await self.draw(
            "bar",
            title=f"Right answers and mastery per paragraph — {report.pack.article.title}, "
            f"{report.window.label}",
            categories=[row.paragraph for row in report.rows],
            series=[
                Series("Right answers", [row.tally.share for row in report.rows]),
                Series("Cards mastered (FSRS)", [row.mastery.share for row in report.rows]),
            ],
            x_label="Paragraph",
            y_label="Share of answers / of cards",
        )

    async def member_chart(self, report: MemberReport, name: str) -> bytes:
        """The member's chart names them: it is only ever shown to the moderator who asked."""
        return await self.draw(
            "bar",
            title=f"{name}: right answers per paragraph against the group — {report.window.label}",
            categories=[row.paragraph for row in report.paragraphs],
            series=[
                Series(name, [row.member.share for row in report.paragraphs]),
                Series("Group", [row.group.share for row in report.paragraphs]),
            ],
            x_label="Paragraph",
            y_label="Share of answers right",
        )

    async def debates_chart(self, report: DebatesReport) -> bytes:
        """Positions and scores only: no member is named, so the chart may be public."""
        balance = report.balance
        test = f" · {p_text(balance.test.p_value)}" if balance.test else ""
        histogram = report.scores.histogram if report.scores else (0,) * 10
        return await self.draw(
            "debate",
            title=f"Debate balance — {report.window.label}: {balance.decided} decided{test}",
            positions=[row.name for row in balance.positions],
            wins=[row.wins for row in balance.positions],
            expected=[row.expected for row in balance.positions],
            scores=list(histogram),
        )


def _spreads(counts: Mapping[Any, Mapping[int, int]]) -> dict[Any, Spread]:
    out = {}
    for key, per_score in counts.items():
        found = spread(per_score)
        if found is not None:
            out[key] = found
    return out

"""The insights service on a real store (SQLite, and PostgreSQL with ``TEST_DATABASE_URL``):
the period a report covers, the figures it hands the cog, what its charts are given (names only
in the member's chart), and the child process that draws them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from bot.charts import ChartError, ChartWorker, Series, png_size
from bot.clock import FakeClock
from bot.content import Library
from bot.rules.srs import DAY
from bot.services.insights import InsightsService
from bot.services.packs import Packs
from bot.store import Store
from bot.store.quiz import NewAnswer

GUILD = 1
PACK = "wedging-strategy"


class RecordingCharts:
    """Stands in for the chart worker: keeps what each chart was given."""

    def __init__(self) -> None:
        self.drawn: list[tuple[str, dict[str, Any]]] = []

    async def draw(self, chart: str, **args: Any) -> bytes:
        self.drawn.append((chart, args))
        return b"png"

    async def close(self) -> None:
        pass


@pytest.fixture
def charts() -> RecordingCharts:
    return RecordingCharts()


@pytest.fixture
def service(store: Store, packs: Packs, clock: FakeClock, charts: RecordingCharts) -> Any:
    return InsightsService(store, packs, clock, charts)  # type: ignore[arg-type]


async def ask(
    store: Store, question_id: str, answers: Sequence[tuple[int, int]], at: float
) -> None:
    """A live round of ``question_id`` at ``at``, answered as (user, pack choice)."""
    quiz = await store.quiz.create_quiz(
        guild_id=GUILD, channel_id=int(at) % 1000, pack_id=PACK, started_by=1, source="live",
        title=None, question_ids=[question_id], seconds=30, section=None, difficulty=None, now=at,
    )  # fmt: skip
    rnd = await store.quiz.open_live_round(quiz, 0, at)
    await store.quiz.record_answers(
        [NewAnswer(rnd.id, user, choice, choice == 0, at + 1) for user, choice in answers]
    )
    await store.quiz.finish_quiz(quiz.id, "finished", at + 40)


def keyed(library: Library, count: int) -> list[Any]:
    """The first ``count`` multiple-choice questions of the shipped pack whose key is A."""
    pack = library.get(PACK)
    assert pack is not None
    found = [q for q in pack.questions if q.kind == "choice" and q.answer == 0][:count]
    assert len(found) == count
    return found


async def test_the_season_is_the_current_one_and_the_first_covers_everything(
    service: Any, store: Store, clock: FakeClock
) -> None:
    first = await service.window(GUILD, "season")
    assert first.since == 0.0 and first.label == "Season 1"
    assert await store.scores.seasons(GUILD) == []  # reading a report creates no season
    await store.scores.current_season(GUILD, clock.now() - 10 * DAY)
    await store.scores.start_season(GUILD, "Spring", clock.now() - DAY, started_by=None, after=1)
    second = await service.window(GUILD, "season")
    assert second.since == clock.now() - DAY and second.label == "Season 2 (Spring)"
    assert (await service.window(GUILD, "all-time")).since == 0.0


async def test_questions_report_rows_groups_and_period(
    service: Any, store: Store, library: Library, clock: FakeClock
) -> None:
    one, two = keyed(library, 2)
    now = clock.now()
    users = list(range(100, 110))  # ten members: groups of 3
    # question one: the first five right (A), the rest pick B; question two: everyone right
    await ask(store, one.id, [(u, 0 if i < 5 else 1) for i, u in enumerate(users)], now - 60)
    await ask(store, two.id, [(u, 0) for u in users], now - 30)
    await ask(store, one.id, [(u, 2) for u in users], now - 40 * DAY)  # last month: outside
    report = await service.questions(GUILD, None, "month")
    assert report.pack.id == PACK and report.members == 10
    assert report.groups is not None and report.groups.size == 3
    assert report.groups.upper == {100, 101, 102}
    rows = {row.question_id: row for row in report.rows}
    assert rows[one.id].picks[:3] == (5, 5, 0) and rows[one.id].answers == 10
    assert rows[one.id].discrimination == pytest.approx(1.0)
    assert rows[two.id].flags == ("too easy", "weak distractor")
    assert report.answers == 20
    everything = await service.questions(GUILD, PACK, "all-time")
    assert {r.question_id: r.answers for r in everything.rows}[one.id] == 20


async def test_charts_name_a_member_only_in_the_members_chart(
    service: Any, store: Store, library: Library, clock: FakeClock, charts: RecordingCharts
) -> None:
    (one,) = keyed(library, 1)
    await ask(store, one.id, [(555, 0), (556, 1)], clock.now() - 60)
    paragraphs = await service.paragraphs(GUILD, None, "season")
    assert await service.paragraphs_chart(paragraphs) == b"png"
    mine = await service.member(GUILD, 556, None, "season")
    await service.member_chart(mine, "Bob")
    debates = await service.debates(GUILD, "season")
    await service.debates_chart(debates)
    (bar, para), (_, member), (debate, argued) = charts.drawn
    assert (bar, debate) == ("bar", "debate")
    assert [s.name for s in para["series"]] == ["Right answers", "Cards mastered (FSRS)"]
    pack = library.get(PACK)
    assert pack is not None and para["categories"] == list(pack.paragraph_refs)
    right = dict(zip(para["categories"], para["series"][0].values, strict=True))
    assert right[one.paragraph] == 0.5  # every other paragraph: no answers, drawn as n/a
    assert [v for p, v in right.items() if p != one.paragraph] == [None] * 7
    assert [s.name for s in member["series"]] == ["Bob", "Group"]
    assert member["series"][0].values == [0.0] and member["series"][1].values == [0.5]
    for args in (para, argued):
        assert "555" not in repr(args) and "556" not in repr(args) and "Bob" not in repr(args)


# --- the child process that draws --------------------------------------------------------------


async def test_the_chart_worker_draws_in_a_child_process_and_survives_failures() -> None:
    worker = ChartWorker(timeout=60)
    try:
        png = await worker.draw(
            "bar", title="Test", categories=["P1", "P2"],
            series=[Series("Right", [0.5, None])], x_label="Paragraph", y_label="Share",
        )  # fmt: skip
        size = png_size(png)
        assert size is not None and size[0] >= 600
        process = worker._process
        assert process is not None and process.pid is not None
        with pytest.raises(ChartError, match="TypeError"):
            await worker.draw("bar", title="No series")
        assert worker._process is process  # a chart that fails leaves the worker running
        process.kill()
        await process.wait()
        again = await worker.draw(
            "debate", title="Balance", positions=["A", "B"], wins=[1, 0], expected=[0.5, 0.5],
            scores=[0] * 9 + [1],
        )  # fmt: skip
        assert png_size(again) is not None and worker._process is not process
        with pytest.raises(ValueError, match="unknown chart"):
            await worker.draw("pie")
    finally:
        await worker.close()
    assert worker._process is None


async def test_a_cancelled_chart_never_answers_the_next_one() -> None:
    worker = ChartWorker(timeout=60)
    args = {"title": "T", "categories": ["P1"], "series": [Series("S", [0.2])],
            "x_label": "x", "y_label": "y"}  # fmt: skip
    try:
        await worker.draw("bar", **args)  # started, matplotlib imported
        task = asyncio.create_task(worker.draw("debate", title="D", positions=["A"], wins=[1],
                                               expected=[1.0], scores=[1] * 10))  # fmt: skip
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        png = await worker.draw("bar", **args)
        assert png_size(png) is not None
    finally:
        await worker.close()


def test_the_bot_never_imports_matplotlib_itself() -> None:
    """Loading the bot and the insights cog leaves matplotlib out: only the chart worker's
    process imports it, when it draws."""
    import subprocess
    import sys

    code = (
        "import sys, bot.adapter.client, cogs.insights, bot.charts, bot.services.insights; "
        "sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603

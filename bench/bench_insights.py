"""Insights speed: each /insights report and chart on 100,000 answers by 500 members.

Builds one guild through the store's own methods (what the quiz and debate services call):
500 members, 400 live rounds over eight weeks on the shipped pack's questions, each answered
by 250 members (100,000 answers; a member's chance of being right follows their ability and
the question's difficulty, wrong answers favour some distractors over others), every member's
FSRS card replayed from their answers (:func:`bot.rules.srs.reviewed`), and 150 closed
three-member debates with two judges scoring every speech. A second season starts four weeks
before the end, so ``season`` and ``all-time`` read different spans.

Then, through the real code path (``InsightsService``, as the cog calls it), it times each
report (median and max over ``--runs`` runs, per period) and each chart, while a ticker task
measures how late the event loop lets it wake (a sleep of 5 ms; lateness = blocking). The
first chart of the run is timed apart: it imports matplotlib. The machine's load average is
printed before and after, since the development VM's two cores are shared.

Exits 1 when a report's median passes 300 ms, a chart's median passes 1 s, or the event loop
is blocked for more than 50 ms at any point.

    .venv/bin/python bench/bench_insights.py                 # SQLite, about a minute
    .venv/bin/python bench/bench_insights.py --postgres postgresql://postgres@127.0.0.1:5433/postgres
    .venv/bin/python bench/bench_insights.py --data /tmp/insights.sqlite3   # keep and reuse it
    .venv/bin/python bench/bench_insights.py --charts docs   # also write the README's charts

With ``--postgres`` it runs on SQLite and then on a PostgreSQL database it creates for the run
(``roundtable_bench_insights_<pid>``) and drops afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FakeClock
from bot.content import load_library
from bot.rules.debate import PlannedTurn
from bot.rules.srs import Progress, reviewed
from bot.services.insights import InsightsService
from bot.services.packs import Packs
from bot.store import Store
from bot.store.quiz import NewAnswer

REPO = Path(__file__).resolve().parent.parent
GUILD = 1
NOW = 1_780_000_000.0  # 2026-05-28 UTC
SPAN = 56 * 86_400.0
FIRST_USER = 10**17
PACK = "wedging-strategy"
REPORT_LIMIT_MS = 300.0
CHART_LIMIT_MS = 1000.0
BLOCK_LIMIT_MS = 50.0
TICK = 0.005
#: Seconds the ticker runs alone before and after, to show how late the machine itself wakes it.
IDLE_SECONDS = 3.0


# --- building the data -------------------------------------------------------------------------


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


async def build(store: Store, library: Any, *, members: int, rounds: int, per_round: int,
                debates: int, seed: int) -> int:  # fmt: skip
    """Fill the guild through the store; returns the answers stored."""
    rng = random.Random(seed)
    pack = library.get(PACK)
    questions = list(pack.questions)
    users = [FIRST_USER + i for i in range(members)]
    ability = {u: rng.gauss(0.6, 1.0) for u in users}
    difficulty = {q.id: rng.gauss(0.0, 1.0) for q in questions}
    # Wrong answers pick among the distractors with uneven weights: some rarely chosen.
    weights = {
        q.id: [0.0 if i == q.answer else rng.choice([0.02, 0.3, 1.0, 2.0])
               for i in range(len(q.choices))]
        for q in questions
    }  # fmt: skip
    await store.scores.current_season(GUILD, NOW - SPAN)  # season 1 starts with the data
    cards: dict[tuple[int, str], Progress] = {}
    stored = 0
    start = NOW - SPAN
    for index in range(rounds):
        at = start + (index + 0.5) * SPAN / rounds
        question = questions[index % len(questions)]
        quiz = await store.quiz.create_quiz(
            guild_id=GUILD, channel_id=10 + index % 5, pack_id=PACK, started_by=users[0],
            source="live", title=None, question_ids=[question.id], seconds=30, section=None,
            difficulty=None, now=at,
        )  # fmt: skip
        order = list(range(len(question.choices)))
        rng.shuffle(order)
        rnd = await store.quiz.open_live_round(quiz, 0, at, order=order)
        clicks = []
        for offset, user in enumerate(rng.sample(users, per_round)):
            right = rng.random() < logistic(ability[user] - difficulty[question.id])
            choice = question.answer
            if not right:
                choice = rng.choices(range(len(question.choices)), weights[question.id])[0]
            answered = at + 1 + offset * 20 / per_round
            clicks.append(NewAnswer(rnd.id, user, choice, right, answered))
            key = (user, question.id)
            cards[key] = reviewed(cards.get(key), question, right, answered)
        await store.quiz.record_answers(clicks)
        await store.quiz.close_round(rnd.id, at + 30)
        await store.quiz.finish_quiz(quiz.id, "finished", at + 40)
        stored += len(clicks)
    by_question: dict[str, dict[int, Progress]] = {}
    for (user, question_id), card in cards.items():
        by_question.setdefault(question_id, {})[user] = card
    for records in by_question.values():
        await store.quiz.save_progress(GUILD, PACK, records, NOW)
    await store.scores.start_season(GUILD, "Spring", NOW - SPAN / 2, started_by=None, after=1)
    await build_debates(store, pack, users, debates, rng)
    return stored


async def build_debates(store: Store, pack: Any, users: list[int], count: int,
                        rng: random.Random) -> None:  # fmt: skip
    motion = pack.motions[0]
    positions = [(p, pack.positions[p].name) for p in motion.positions]
    for index in range(count):
        at = NOW - SPAN + (index + 0.5) * SPAN / count
        debate = await store.debates.create(
            guild_id=GUILD, channel_id=99, pack_id=PACK, motion_id=motion.id,
            motion_text=motion.text, positions=positions, rounds=1, speech_seconds=60,
            vote_seconds=60, created_by=users[-1], creator_name="Judge", now=at - 600,
        )  # fmt: skip
        speakers = rng.sample(users, len(positions))
        seats = {user: pid for user, (pid, _) in zip(speakers, positions, strict=True)}
        for user in speakers:
            await store.debates.join(debate, user, f"member {user}", at - 590)
        await store.debates.set_positions(debate.id, seats)
        plan = [PlannedTurn(n, 1, pid, user) for n, (user, pid) in enumerate(seats.items(), 1)]
        await store.debates.replace_turns(debate.id, GUILD, plan)
        await store.debates.begin(debate, at - 580)
        debate = await store.debates.get(debate.id)
        totals = {}
        for turn in await store.debates.turns(debate.id):
            speech = await store.debates.add_speech(debate, turn, "A case.", 2, False, at - 500)
            # the first position is scored a little higher: a mild bias the test may catch
            bonus = 0.7 if turn.position == positions[0][0] else 0.0
            points = [min(10, max(1, round(rng.gauss(6 + bonus, 1.6)))) for _ in range(2)]
            for judge, value in zip((users[-1], users[-2]), points, strict=True):
                await store.debates.set_score(speech, GUILD, judge, value, at - 400)
            totals[turn.position] = sum(points)
        await store.debates.open_vote(debate, at - 300, deadline=at, paused_remaining=None)
        best = max(totals.values())
        await store.debates.save_results(
            debate.id,
            [(p, float(totals[p]), 0, 1, totals[p] == best) for p, _ in positions],
            [(u, float(totals[p]), totals[p] == best) for u, p in seats.items()],
        )
        await store.debates.close(await store.debates.get(debate.id), at)


# --- measuring ---------------------------------------------------------------------------------


class Ticker:
    """Sleeps ``TICK`` seconds over and over and records how late each wake-up was, and in
    which phase of the run (reports, the first chart, charts)."""

    def __init__(self) -> None:
        self.late: dict[str, list[float]] = {}
        self.phase = "reports"
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness = (time.perf_counter() - before - TICK) * 1000
            self.late.setdefault(self.phase, []).append(lateness)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await call()
    return (time.perf_counter() - start) * 1000, result


async def measure(service: InsightsService, runs: int) -> dict[str, Any]:
    """Time every report and chart (see the module docstring) with the ticker running."""
    member = FIRST_USER + 7
    reports: dict[str, Callable[[], Awaitable[Any]]] = {}
    for period in ("season", "all-time", "week"):
        reports[f"questions ({period})"] = lambda p=period: service.questions(GUILD, PACK, p)
        reports[f"paragraphs ({period})"] = lambda p=period: service.paragraphs(GUILD, PACK, p)
        reports[f"member ({period})"] = lambda p=period: service.member(GUILD, member, PACK, p)
        reports[f"debates ({period})"] = lambda p=period: service.debates(GUILD, p)
    ticker = Ticker()
    ticker.phase = "idle, before (the machine)"
    ticker.start()
    try:
        await asyncio.sleep(IDLE_SECONDS)
        ticker.phase = "reports"
        samples: dict[str, list[float]] = {name: [] for name in reports}
        results: dict[str, Any] = {}
        for run in range(runs + 1):
            for name, call in reports.items():
                elapsed, results[name] = await timed(call)
                if run:  # one warm-up run
                    samples[name].append(elapsed)
        paragraphs = results["paragraphs (season)"]
        mine = results["member (season)"]
        debates = results["debates (season)"]
        charts: dict[str, Callable[[], Awaitable[bytes]]] = {
            "paragraphs chart": lambda: service.paragraphs_chart(paragraphs),
            "member chart": lambda: service.member_chart(mine, "Member 7"),
            "debates chart": lambda: service.debates_chart(debates),
        }
        ticker.phase = "first chart"
        first_chart, png = await timed(charts["paragraphs chart"])
        ticker.phase = "charts"
        chart_samples: dict[str, list[float]] = {name: [] for name in charts}
        sizes: dict[str, int] = {"paragraphs chart": len(png)}
        pngs: dict[str, bytes] = {}
        for _ in range(runs):
            for name, draw in charts.items():
                elapsed, pngs[name] = await timed(draw)
                chart_samples[name].append(elapsed)
                sizes[name] = len(pngs[name])
        ticker.phase = "all 12 reports + 3 charts at once"
        for _ in range(max(1, runs // 3)):
            await asyncio.gather(*(call() for call in reports.values()),
                                 *(draw() for draw in charts.values()))  # fmt: skip
        ticker.phase = "idle, after (the machine)"
        await asyncio.sleep(IDLE_SECONDS)
    finally:
        await ticker.stop()
    return {
        "reports": samples,
        "charts": chart_samples,
        "first_chart": first_chart,
        "sizes": sizes,
        "late": ticker.late,
        "results": results,
        "pngs": pngs,
    }


def describe(results: dict[str, Any]) -> list[str]:
    q = results["questions (season)"]
    d = results["debates (season)"]
    flagged = sum(1 for row in q.rows if row.flags)
    test = d.balance.test
    return [
        f"questions (season): {len(q.rows)} questions, {q.answers:,} answers, {q.members} "
        f"members, groups of {q.groups.size if q.groups else 0}, {flagged} flagged",
        f"debates (season): {d.balance.held} closed; chi-square "
        + (f"{test.statistic:.2f}, p = {test.p_value:.3g}: {d.balance.sentence}" if test else "—"),
    ]


async def run(target: str, label: str, args: argparse.Namespace, library: Any) -> bool:
    store = await Store.open(target)
    try:
        answers = await store.db.fetchval("SELECT COUNT(*) FROM quiz_answers", (), 0)
        if not answers:
            started = time.perf_counter()
            answers = await build(
                store, library, members=args.members, rounds=args.rounds,
                per_round=args.per_round, debates=args.debates, seed=args.seed,
            )  # fmt: skip
            if store.dialect == "postgresql":
                # Fresh tables have no statistics: autovacuum would gather them within a
                # minute and change the plans mid-run. SQLite is left as the bot leaves it
                # (it never runs ANALYZE).
                await store.db.execute("ANALYZE")
            print(f"[{label}] built {answers:,} answers, FSRS cards and {args.debates} debates "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        cards = await store.db.fetchval("SELECT COUNT(*) FROM question_stats", (), 0)
        packs = Packs(library, store, REPO / "content")
        service = InsightsService(store, packs, FakeClock(start=NOW))
        try:
            found = await measure(service, args.runs)
        finally:
            await service.close()
    finally:
        await store.close()
    print(f"\n[{label}] {int(answers):,} answers, {int(cards):,} FSRS cards, {args.runs} runs "
          f"(after one warm-up); load average now {os.getloadavg()[0]:.2f}")  # fmt: skip
    ok = True
    print(f"{'report':26} {'median':>10} {'max':>10}")
    for name, values in found["reports"].items():
        median, worst = statistics.median(values), max(values)
        flag = "" if median <= REPORT_LIMIT_MS else "  over the limit"
        ok &= not flag
        print(f"{name:26} {median:7.1f} ms {worst:7.1f} ms{flag}")
    print(f"{'chart':26} {'median':>10} {'max':>10}   PNG")
    for name, values in found["charts"].items():
        median, worst = statistics.median(values), max(values)
        flag = "" if median <= CHART_LIMIT_MS else "  over the limit"
        ok &= not flag
        print(f"{name:26} {median:7.1f} ms {worst:7.1f} ms   {found['sizes'][name] / 1024:.0f} KiB"
              f"{flag}")  # fmt: skip
    print(f"first chart of the run (imports matplotlib): {found['first_chart']:.0f} ms")
    print(f"event loop: how late a {TICK * 1000:.0f} ms sleep woke (limit "
          f"{BLOCK_LIMIT_MS:.0f} ms)")  # fmt: skip
    for phase, values in found["late"].items():
        late = sorted(values)
        worst, p99 = late[-1], late[int(len(late) * 0.99)]
        if not phase.startswith("idle"):
            ok &= worst <= BLOCK_LIMIT_MS
        print(f"  {phase:34} {len(late):6,} ticks; median {statistics.median(late):5.2f} ms, "
              f"p99 {p99:5.2f} ms, max {worst:6.2f} ms")  # fmt: skip
    for line in describe(found["results"]):
        print(line)
    if args.charts:
        args.charts.mkdir(parents=True, exist_ok=True)
        for name, png in found["pngs"].items():
            path = args.charts / f"insights-{name.split()[0]}.png"
            path.write_bytes(png)
            print(f"wrote {path}")
    return ok


async def postgres_database(url: str, create: bool) -> str:
    import asyncpg

    name = f"roundtable_bench_insights_{os.getpid()}"
    admin = await asyncpg.connect(url)
    try:
        if create:
            await admin.execute(f'CREATE DATABASE "{name}"')
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await admin.close()
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--per-round", type=int, default=250)
    parser.add_argument("--debates", type=int, default=150)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--data", type=Path, help="an SQLite file to keep and reuse")
    parser.add_argument(
        "--postgres", help="also run on PostgreSQL (a database is made and dropped)"
    )
    parser.add_argument("--charts", type=Path, help="write the season's three charts here")
    args = parser.parse_args()
    library = load_library(REPO / "content")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")  # fmt: skip
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-insights-") as scratch:
        path = args.data or Path(scratch) / "insights.sqlite3"
        ok &= asyncio.run(run(str(path), "SQLite", args, library))
    if args.postgres:
        target = asyncio.run(postgres_database(args.postgres, create=True))
        try:
            ok &= asyncio.run(run(target, "PostgreSQL", args, library))
        finally:
            asyncio.run(postgres_database(args.postgres, create=False))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    limits = (f"every report's median under {REPORT_LIMIT_MS:.0f} ms, every chart's under "
              f"{CHART_LIMIT_MS:.0f} ms, the event loop never blocked over "
              f"{BLOCK_LIMIT_MS:.0f} ms")  # fmt: skip
    print(("held: " if ok else "NOT held: ") + limits)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

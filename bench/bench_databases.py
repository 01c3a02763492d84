"""Scheduled-quiz storm and click burst on SQLite and PostgreSQL (issue 15), side by side.

Three set-ups, one after the other, each on a fresh emulator (``tests/emulator``, in this
process, real time, Discord's rate limits on: a global 50 requests/s per bot token) that
recommends 2 shards and has guilds on both:

- ``sqlite-1``: one ``python -m bot`` process serving both shards on an SQLite file;
- ``postgres-1``: one process serving both shards on PostgreSQL;
- ``postgres-2``: two processes on the same PostgreSQL database, ``SHARD_COUNT=2`` and
  ``SHARD_IDS=0`` / ``1`` (as ``tests/e2e/test_shards.py`` runs them).

Each PostgreSQL set-up gets a database of its own on ``--postgres`` (created, then dropped).
The bots run through ``roundtable_child.py``, which counts every statement and round trip they
send to their database (see that file for exactly what is counted).

1. The storm: ``--guilds`` guilds (half on each shard) each have a schedule whose run falls
   due in the same second, planted in the database before the bots start (a one-question
   quiz of 300 s, so no round closes while the benchmark runs). When they fall due every
   process runs its shards' schedules and posts the questions. Measured: questions posted,
   posts per second from the first to the last (Discord allows 50 requests/s per bot, all
   processes together), the REST requests sent and the 429 answers, the first post after the
   due time, CPU per scheduled quiz of the bot processes and database statements per quiz.
2. The click burst: a live quiz in one guild on each shard, a 50-click warm-up, then
   ``--clicks`` members each click once, alternating between the two questions, paced at
   ``--rate`` clicks/s. Measured: p50/p99/max click → acknowledgement, CPU per click of the bot
   processes (``/proc/<pid>/stat``) and of the PostgreSQL server processes serving the database
   (same machine), database statements, round trips and commits per click, every acknowledged
   answer checked in the database at the moment the acknowledgement arrives (committed before
   it) and stored afterwards.

Peak RSS of each bot process (``VmHWM``) and the CPU the rest of the machine used during each
phase (in cores; the PostgreSQL server processes serving the database are counted as ours, not
as others) are printed too. Exit status 1 unless, in every set-up, every scheduled quiz is
posted once, no request is answered 429, every acknowledged answer is stored (and committed
before it was acknowledged), no click waits over 3 s and the emulator refuses no request.

Run by hand, never in the test suite (about 3–4 minutes with the defaults):

    .venv/bin/python bench/bench_databases.py [--guilds 1000] [--clicks 1000] [--rate 500]
        [--setups sqlite-1 postgres-1 postgres-2] [--postgres URL] [--lead 20] [--statements]

``--lead`` is how many seconds after planting the storm falls due: the bots must be ready by
then (the script says so when they were not). ``--statements`` also prints the statements per
scheduled quiz and per click by their text (it costs the bots a regular expression per
statement: use a separate run for it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import math
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.benchlib import (  # noqa: E402
    DEFAULT_PG,
    AckWatch,
    Backends,
    Check,
    Child,
    Click,
    Counters,
    Latencies,
    Reading,
    Usage,
    answered_round,
    click_at_rate,
    cpu_delta,
    load_average,
    pack_choice,
    reply_text,
    roundtable_child,
    scratch_database,
    wait_for,
)
from bot.adapter.ratelimit import is_exempt  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.rules.schedule import Rule  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.timers import TimerService  # noqa: E402
from tests.emulator import Emulator  # noqa: E402
from tests.emulator.state import Guild, Interaction  # noqa: E402

SETUPS = {
    "sqlite-1": ("SQLite, 1 process", "sqlite", 1),
    "postgres-1": ("PostgreSQL, 1 process", "postgresql", 1),
    "postgres-2": ("PostgreSQL, 2 processes", "postgresql", 2),
}
SHARDS = 2
GLOBAL_LIMIT = 50
DEADLINE = 3.0
READY_TIMEOUT = 90.0
CLICK_TIMEOUT = 60.0
SETTLE = 0.2
QUIZ_SECONDS = 120
STORM_SECONDS = 300
MESSAGE_CREATE = "/channels/{channel_id}/messages"


@dataclass
class Figures:
    """What one set-up measured."""

    setup: str
    processes: int
    ready_after: float = math.nan
    late_start: bool = False
    # the storm
    guilds: int = 0
    posted: int = 0
    duplicates: int = 0
    first_post: float = math.nan
    last_post: float = math.nan
    requests: int = 0
    rate_limited: int = 0
    storm_cpu: float = math.nan
    storm_server_cpu: float | None = None
    storm_counters: Counters | None = None
    storm_others: float = math.nan
    # the clicks
    clicks: int = 0
    latencies: Latencies | None = None
    sent_rate: float = math.nan
    click_cpu: float = math.nan
    server_cpu: float | None = None
    click_counters: Counters | None = None
    click_others: float = math.nan
    stored: int = 0
    locked: int = 0
    posts: int = 0
    peak_rss: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)

    @property
    def span(self) -> float:
        return self.last_post - self.first_post

    @property
    def posts_per_second(self) -> float:
        return (self.posts - 1) / self.span if self.span > 0 else math.nan


class PostWatch:
    """Times the successful posts (``POST /channels/{id}/messages``) in a set of channels, as
    the emulator accepts them: every post (a quiz's first message, then its question) for the
    rate, and the questions (the posts with buttons) per channel, to find one posted twice."""

    def __init__(self, emulator: Emulator, channel_ids: set[int]) -> None:
        self.times: list[float] = []
        self.per_channel: dict[int, int] = {}
        routes = emulator.rest.routes
        index = next(
            i for i, r in enumerate(routes) if r.method == "POST" and r.template == MESSAGE_CREATE
        )
        original = routes[index].handler

        async def handler(call: Any) -> Any:
            status, data = await original(call)
            channel_id = int(call.params["channel_id"])
            if channel_id in channel_ids and status == 200 and not call.notes.get("deduplicated"):
                self.times.append(time.time())
                if (call.body or {}).get("components"):
                    self.per_channel[channel_id] = self.per_channel.get(channel_id, 0) + 1
            return status, data

        routes[index] = dataclasses.replace(routes[index], handler=handler)


async def plant_storm(database: str | Path, guilds: Sequence[Guild], emulator: Emulator,
                      due: float) -> None:  # fmt: skip
    """One schedule per guild whose next run is ``due`` (wall clock), with its run timer, in
    one transaction (what ``/schedule add`` stores, at a chosen second)."""
    store = await Store.open(database)
    timers = TimerService(store, SystemClock())
    try:
        now = time.time()
        async with store.transaction():
            for guild in guilds:
                schedule = await store.schedules.add(
                    guild_id=guild.id,
                    channel_id=emulator.channel("quiz", guild=guild).id,
                    name=f"Storm in {guild.name}",
                    rule=Rule.parse("12:00", "UTC", None),
                    questions=1,
                    seconds=STORM_SECONDS,
                    section=None,
                    difficulty=None,
                    next_run_at=due,
                    created_by=None,
                    now=now,
                )
                await timers.schedule(
                    "schedule.run", due, {"schedule": schedule.id},
                    key=f"schedule:{schedule.id}", guild_id=guild.id,
                )  # fmt: skip
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def answer_check(database: str | Path) -> AsyncIterator[Check]:
    """A check for :class:`AckWatch`: an acknowledged "Locked in" answer is in the database."""
    query = (
        "SELECT a.choice, r.choice_order FROM quiz_answers a JOIN quiz_rounds r "
        "ON r.id = a.round_id WHERE a.round_id = {0} AND a.user_id = {1}"
    )
    if isinstance(database, str):
        import asyncpg

        pool = await asyncpg.create_pool(dsn=database, min_size=2, max_size=4)

        async def lookup(round_id: int, user_id: int) -> Any:
            return await pool.fetchrow(query.format("$1", "$2"), round_id, user_id)

    else:
        conn = sqlite3.connect(database, isolation_level=None)

        async def lookup(round_id: int, user_id: int) -> Any:
            return conn.execute(query.format("?", "?"), (round_id, user_id)).fetchone()

    async def check(interaction: Interaction) -> str | None:
        text = reply_text(interaction)
        if not text.startswith("Locked in"):
            return f"{interaction.user.username}: first click answered {text!r}"
        round_id, choice = answered_round(interaction)
        row = await lookup(round_id, interaction.user.id)
        if row is None:
            return f"{interaction.user.username}: acknowledged before the answer was committed"
        if row[0] != pack_choice(choice, row[1]):
            return f"{interaction.user.username}: stored choice {row[0]}, clicked {choice}"
        return None

    try:
        yield check
    finally:
        if isinstance(database, str):
            await pool.close()
        else:
            conn.close()


async def stored_answers(database: str | Path, round_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(round, user) of every answer stored in the rounds."""
    store = await Store.open(database)
    try:
        marks = ", ".join("?" * len(round_ids))
        rows = await store.db.fetchall(
            f"SELECT round_id, user_id FROM quiz_answers WHERE round_id IN ({marks})",  # noqa: S608
            list(round_ids),
        )
        return {(int(r["round_id"]), int(r["user_id"])) for r in rows}
    finally:
        await store.close()


async def counters_of(children: Sequence[Child]) -> Counters:
    total = Counters()
    for child in children:
        total = total + await child.counters()
    return total


async def run_setup(key: str, args: argparse.Namespace, folder: Path) -> Figures:
    """One set-up on its own database; an error is kept as a problem and the others still run."""
    title, dialect, processes = SETUPS[key]
    figures = Figures(title, processes, guilds=args.guilds)
    try:
        await _run_setup(dialect, processes, args, folder, figures)
    except Exception as error:  # a timeout or a bot that died: report it, go on
        figures.problems.append(f"the set-up stopped: {type(error).__name__}: {error}")
    return figures


async def _run_setup(
    dialect: str, processes: int, args: argparse.Namespace, folder: Path, figures: Figures
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if dialect == "postgresql":
            database: str | Path = await stack.enter_async_context(
                scratch_database(args.postgres, prefix="bench")
            )
        else:
            database = folder / "bot.sqlite3"
        await measure(database, processes, args, folder, figures)


async def measure(
    database: str | Path,
    processes: int,
    args: argparse.Namespace,
    folder: Path,
    figures: Figures,
) -> None:
    emulator = Emulator(clock=SystemClock(), openapi=not args.no_openapi)
    emulator.shard_count = SHARDS
    await emulator.start()
    children: list[Child] = []
    try:
        first = emulator.guild
        other = 1 - emulator.shard_of(first, SHARDS)
        second = await emulator.add_guild("Clicks on the other shard", shard=(other, SHARDS))
        storm = [
            await emulator.add_guild(f"Storm {n}", shard=(n % SHARDS, SHARDS))
            for n in range(args.guilds)
        ]
        # Watched from before the bots start: a bot that is ready late still posts them all.
        posts = PostWatch(emulator, {emulator.channel("quiz", guild=g).id for g in storm})
        calls_from, hits_from = len(emulator.calls), len(emulator.ratelimits.hits)
        due = time.time() + args.lead
        await plant_storm(database, storm, emulator, due)
        planted = time.time()
        shard_sets = [None] if processes == 1 else [str(i) for i in range(SHARDS)]
        for ids in shard_sets:
            name = "bot" if ids is None else f"shard{ids}"
            children.append(
                roundtable_child(
                    name,
                    emulator,
                    folder,
                    database=database,
                    shard_count=SHARDS,
                    shard_ids=ids,
                    statements=args.statements,
                    log_level=args.log_level,
                )
            )
        for child in children:
            await child.start()
        await wait_for(
            lambda: (
                all(emulator.gateway.serving(g.id) for g in (first, second, *storm))
                and emulator.commands.get(None)
            ),
            "every guild to be served and the commands synced",
            READY_TIMEOUT,
            children,
        )
        figures.ready_after = time.time() - planted
        if args.log_level != "WARNING":
            print(f"  ready after {figures.ready_after:.1f} s")
        figures.late_start = time.time() > due - 1.0
        pids = [c.pid for c in children]

        # --- the storm ---------------------------------------------------------------------
        await asyncio.sleep(max(0.0, due - 0.5 - time.time()))
        backends = Backends(database) if isinstance(database, str) else None
        server_before = await backends.read() if backends else {}
        counters_before = await counters_of(children)
        before = Reading.take(pids)
        expected = len(storm) / 40 + 60
        with contextlib.suppress(TimeoutError):
            await wait_for(lambda: len(posts.per_channel) >= len(storm), "the storm's posts",
                           max(expected, due - time.time() + expected), children)  # fmt: skip
        await asyncio.sleep(1.0)  # a late duplicate would show now
        after = Reading.take(pids)
        counted = await counters_of(children) - counters_before
        usage = Usage.between(before, after)
        figures.storm_others = usage.others_cores
        server = cpu_delta(server_before, await backends.read()) if backends else None
        if server is not None:
            figures.storm_others -= server / usage.wall
        if not figures.late_start:  # else the storm began before these readings: no per-quiz
            figures.storm_counters = counted
            figures.storm_cpu = sum(usage.children.values())
            figures.storm_server_cpu = server
        figures.posted = len(posts.per_channel)
        figures.posts = len(posts.times)
        figures.duplicates = sum(n - 1 for n in posts.per_channel.values())
        if posts.times:
            figures.first_post = min(posts.times) - due
            figures.last_post = max(posts.times) - due
        figures.requests = sum(1 for c in emulator.calls[calls_from:] if not is_exempt(c.path))
        figures.rate_limited = len(emulator.ratelimits.hits) - hits_from
        if figures.posted < len(storm):
            figures.problems.append(f"{len(storm) - figures.posted} scheduled quiz(zes) not posted")
        if figures.duplicates:
            figures.problems.append(f"{figures.duplicates} scheduled question(s) posted twice")
        if figures.rate_limited:
            figures.problems.append(f"{figures.rate_limited} request(s) answered 429 in the storm")

        # --- the click burst ---------------------------------------------------------------
        questions = []
        for guild in (first, second):
            channel = emulator.channel("quiz", guild=guild)
            emulator.mark_read(channel)
            starter = emulator.member("starter", guild=guild)
            started = await starter.slash("quiz start", channel=channel, seconds=QUIZ_SECONDS)
            await started.acknowledged(timeout=READY_TIMEOUT)
            questions.append(
                await emulator.next_message(
                    channel, predicate=lambda m: bool(m.buttons), timeout=READY_TIMEOUT
                )
            )
        plans = []
        for prefix, count in (("warm", args.warmup), ("member", args.clicks)):
            plan = []
            for index in range(count):
                guild = (first, second)[index % 2]
                question = questions[index % 2]
                member = emulator.member(f"{prefix}{index:04d}", guild=guild)
                labels = question.button_labels
                plan.append(Click(member, question, labels[(index // 2) % len(labels)]))
            plans.append(plan)
        warm, crowd = plans
        async with answer_check(database) as check:
            watch = AckWatch(emulator, check)
            warmed, _ = await click_at_rate(warm, args.rate)
            await watch.all_answered(warmed, CLICK_TIMEOUT)
            await asyncio.sleep(0.3)
            server_before = await backends.read() if backends else {}
            counters_before = await counters_of(children)
            before = Reading.take(pids)
            interactions, figures.sent_rate = await click_at_rate(crowd, args.rate)
            await watch.all_answered(interactions, CLICK_TIMEOUT)
            await asyncio.sleep(SETTLE)
            after = Reading.take(pids)
            figures.click_counters = await counters_of(children) - counters_before
            if backends is not None:
                figures.server_cpu = cpu_delta(server_before, await backends.read())
            figures.problems.extend(watch.problems[:5])
            if len(watch.problems) > 5:
                figures.problems.append(f"... {len(watch.problems) - 5} more answer problem(s)")
        usage = Usage.between(before, after)
        figures.click_cpu = sum(usage.children.values())
        figures.click_others = usage.others_cores - (figures.server_cpu or 0.0) / usage.wall
        figures.clicks = len(interactions)
        figures.latencies = Latencies.of(interactions)
        locked = [i for i in interactions if reply_text(i).startswith("Locked in")]
        figures.locked = len(locked)
        rounds = sorted({answered_round(i)[0] for i in interactions})
        stored = await stored_answers(database, rounds)
        figures.stored = sum(1 for i in locked if (answered_round(i)[0], i.user.id) in stored)
        figures.peak_rss = [c.peak_rss() for c in children]
        if figures.locked < figures.clicks:
            figures.problems.append(f"{figures.clicks - figures.locked} click(s) not locked in")
        if figures.stored < figures.locked:
            figures.problems.append(f"{figures.locked - figures.stored} acknowledged answer(s) "
                                    "not stored")  # fmt: skip
        late = figures.latencies.over(DEADLINE)
        if late:
            figures.problems.append(f"{late} click(s) answered after {DEADLINE:g} s or never")
        violations = emulator.take_violations()
        if violations:
            figures.problems.append(
                f"the emulator refused {len(violations)} request(s): {violations[0]}"
            )
    finally:
        for child in children:
            code = await child.stop()
            if code not in (0, None, -15):
                figures.problems.append(f"{child.name} exited with {code}")
            figures.logs[child.name] = child.log_tail(25)
        await emulator.close()


def report(results: list[Figures]) -> None:
    width = 26
    print()
    print(f"{'':38}" + "".join(f"{f.setup:>{width}}" for f in results))

    def row(label: str, cells: Sequence[str]) -> None:
        print(f"{label:38}" + "".join(f"{c:>{width}}" for c in cells))

    def per(value: float | None, count: int, scale: float = 1000.0, digits: int = 2) -> str:
        if value is None or count == 0 or math.isnan(value):
            return "—"
        return f"{value * scale / count:.{digits}f}"

    row("bot processes", [str(f.processes) for f in results])
    row("ready after planting (s)", [f"{f.ready_after:.1f}" for f in results])
    print("storm")
    row("  scheduled quizzes posted", [f"{f.posted}/{f.guilds}" for f in results])
    row("  posted twice", [str(f.duplicates) for f in results])
    row("  posts per second (Discord: 50)", [f"{f.posts_per_second:.1f}" for f in results])
    row("  first / last post after due (s)",
        [f"{f.first_post:.2f} / {f.last_post:.2f}" for f in results])  # fmt: skip
    row("  REST requests / 429 answers", [f"{f.requests} / {f.rate_limited}" for f in results])
    row("  bot CPU per quiz (ms)", [per(f.storm_cpu, f.posted) for f in results])
    row("  PostgreSQL CPU per quiz (ms)", [per(f.storm_server_cpu, f.posted) for f in results])
    row("  statements per quiz",
        [per(f.storm_counters.statements if f.storm_counters else None, f.posted, 1.0, 1)
         for f in results])  # fmt: skip
    row("  round trips per quiz",
        [per(f.storm_counters.trips if f.storm_counters else None, f.posted, 1.0, 1)
         for f in results])  # fmt: skip
    row("  others' CPU meanwhile (cores)", [f"{f.storm_others:.2f}" for f in results])
    print("click burst")
    row("  clicks (sent at /s)", [f"{f.clicks} ({f.sent_rate:.0f})" for f in results])
    row("  p50 / p99 click→ack (ms)",
        [f"{f.latencies.p50 * 1000:.1f} / {f.latencies.p99 * 1000:.1f}" if f.latencies else "—"
         for f in results])  # fmt: skip
    row("  max click→ack (ms)",
        [f"{f.latencies.max * 1000:.1f}" if f.latencies else "—" for f in results])  # fmt: skip
    row("  bot CPU per click (ms)", [per(f.click_cpu, f.clicks) for f in results])
    row("  PostgreSQL CPU per click (ms)", [per(f.server_cpu, f.clicks) for f in results])
    for label, name, digits in (
        ("  statements per click", "statements", 2),
        ("  round trips per click", "trips", 2),
        ("    of them prepares", "prepares", 3),
        ("    of them pool resets", "resets", 3),
        ("  commits per click", "commits", 3),
    ):
        row(label, [per(getattr(f.click_counters, name) if f.click_counters else None,
                        f.clicks, 1.0, digits) for f in results])  # fmt: skip
    row("  answers stored", [f"{f.stored}/{f.locked}" for f in results])
    row("  others' CPU meanwhile (cores)", [f"{f.click_others:.2f}" for f in results])
    row("peak RSS per process (MB)",
        [" + ".join(f"{r:.1f}" for r in f.peak_rss) or "—" for f in results])  # fmt: skip
    for f in results:
        if f.storm_counters is not None and f.storm_counters.sql:
            print(f"\n{f.setup}: statements per scheduled quiz, by text")
            for line in f.storm_counters.top(max(f.posted, 1), 20):
                print("  " + line)
        if f.click_counters is not None and f.click_counters.sql:
            print(f"{f.setup}: statements per click, by text")
            for line in f.click_counters.top(max(f.clicks, 1)):
                print("  " + line)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR)
    print(f"load average before: {load_average()}")
    began = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-databases-") as tmp:
        for key in args.setups:
            started = time.perf_counter()
            figures = await run_setup(key, args, Path(tmp) / key)
            results.append(figures)
            print(f"{figures.setup}: {time.perf_counter() - started:.0f} s; "
                  f"{len(figures.problems)} problem(s); load average {load_average()}")  # fmt: skip
            if figures.late_start:
                print(f"  note: the bots were ready {figures.ready_after:.1f} s after planting, "
                      f"later than --lead {args.lead:g} s allows (no CPU or statements per quiz "
                      "for this storm): raise --lead")  # fmt: skip
    report(results)
    print(f"\nload average after: {load_average()}; {time.perf_counter() - began:.0f} s in all")
    failed = False
    for figures in results:
        for problem in figures.problems:
            failed = True
            print(f"problem ({figures.setup}): {problem}")
        if figures.problems:
            for name, tail in figures.logs.items():
                if tail:
                    print(f"--- the end of {name}'s log ({figures.setup}):\n{tail}")
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000, help="guilds in the storm")
    parser.add_argument("--clicks", type=int, default=1000, help="measured clicks")
    parser.add_argument("--warmup", type=int, default=50, help="clicks before the burst")
    parser.add_argument("--rate", type=float, default=500.0, help="clicks per second")
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument("--postgres", default=DEFAULT_PG, help="a PostgreSQL server's URL")
    parser.add_argument("--lead", type=float, default=20.0, help="seconds to the storm")
    parser.add_argument("--no-openapi", action="store_true", help="skip OpenAPI body checks")
    parser.add_argument(
        "--statements", action="store_true", help="count the statements by their text"
    )
    parser.add_argument("--log-level", default="WARNING", help="the bots' LOG_LEVEL")
    sys.exit(asyncio.run(main(parser.parse_args())))

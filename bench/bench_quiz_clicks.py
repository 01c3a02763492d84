"""Quiz click cost (issue 14): Roundtable against a bare discord.py bot, one bot at a time.

Each measurement starts a fresh emulator (``tests/emulator``, in this process, real time) and
ONE bot as a child process: the bare bot (``bare_bot.py``: acknowledges a click at once, stores
nothing) or Roundtable (``python -m bot`` through ``roundtable_child.py``, SQLite, the shipped
content; a click's answer is committed before it is acknowledged). 50 members warm the bot up,
then ``--clicks`` other members each click an answer button once, paced at the rate (click i is
sent at i / rate seconds). For every rate of every round both bots are measured, one after the
other, the order alternating. Each measurement prints:

- p50, p99 and max click → acknowledgement (the emulator's time from sending the click to
  receiving the bot's first response);
- CPU milliseconds per click of the bot process (utime + stime from ``/proc/<pid>/stat`` over
  the burst, from the first click to 0.2 s after the last answer, divided by the clicks), its
  system share, its split between the event loop's thread and the others (aiosqlite's database
  thread...), and the context switches of all its threads per click;
- peak RSS of the bot process (``VmHWM`` of ``/proc/<pid>/status`` after the burst);
- for Roundtable, the database statements, trips and commits per click (counted in the child,
  see ``roundtable_child.py``) and that every answer is stored;
- the rate the clicks were actually sent at, and the CPU the rest of the machine used during the
  burst (in cores), so a loaded machine shows.

Every acknowledged answer is checked against the database at the moment the emulator receives
the acknowledgement (before the bot gets its HTTP answer): it must already be committed.

Targets (judged on the median over rounds of the per-round Roundtable/bare ratios; exit status
1 when one is missed): at 250 and 500 clicks/s, p99 ≤ 1.5×, CPU per click ≤ 1.2× and peak RSS
≤ 1.3× the bare bot's; at every rate, every acknowledged answer stored and committed before
its acknowledgement, no click over 3 s, no 429 and no request the emulator refuses.

Run by hand, never in the test suite (defaults: 3 rounds × 250, 500, 1,000 clicks/s × 2 bots,
1,000 clicks each; about 70 seconds on the 2-core VM):

    .venv/bin/python bench/bench_quiz_clicks.py [--rounds 3] [--rates 250 500 1000]
        [--clicks 1000] [--no-openapi] [--profile DIR] [--statements]
        [--prototype {one-trip,one-statement,inline}...] [--cprofile DIR]

``--profile DIR`` records each burst of each bot with py-spy (``.venv/bin/pip install
py-spy``; samples from the thread holding the GIL) into DIR and prints, per bot and rate, the
functions with the most samples per click; py-spy's sampling costs CPU itself, so take the
figures from a run without it. ``--cprofile DIR`` runs cProfile in each bot's event loop thread
during each burst and prints, per rate, each bot's time per click by package and the functions
whose own time differs most from the bare bot's (cProfile roughly doubles the time of what it
watches: it tells where, not how much).
``--statements`` prints Roundtable's statements per click by their text (it costs a regular
expression per statement in the bot, so it too is for a separate run). ``--prototype`` is an
experiment: Roundtable's answer batch is committed by a prototype from
``answer_prototypes.py`` (one trip to the database thread, one statement, or inline on the event
loop) instead of ``QuizStore.record_answers``: each runs as one more bot beside the two (same
rounds, the order rotating), to see a proposed change's effect end to end; the targets stay
Roundtable's own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.benchlib import (  # noqa: E402
    AckWatch,
    Check,
    Child,
    Click,
    Counters,
    Latencies,
    Profiler,
    Reading,
    Usage,
    answered_round,
    bare_child,
    click_at_rate,
    compare_cprofiles,
    load_average,
    median,
    pack_choice,
    reply_text,
    roundtable_child,
    summarise_profile,
    wait_for,
)
from bot.clock import SystemClock  # noqa: E402
from tests.emulator import Emulator, Member, Message  # noqa: E402
from tests.emulator.state import Interaction  # noqa: E402

DEADLINE = 3.0
TARGET_RATES = (250.0, 500.0)
MAX_P99_RATIO = 1.5
MAX_CPU_RATIO = 1.2
MAX_RSS_RATIO = 1.3
READY_TIMEOUT = 60.0
CLICK_TIMEOUT = 60.0
SETTLE = 0.2
QUESTION_SECONDS = 120
BOTS = ("bare", "roundtable")
NAMES = {"bare": "bare bot", "roundtable": "Roundtable"}


@dataclass
class Run:
    """One bot's measured burst at one rate in one round."""

    bot: str
    rate: float
    round: int
    clicks: int
    latencies: Latencies
    sent_rate: float
    usage: Usage
    bot_cpu: float
    bot_system: float
    switches: int
    threads: Counter[str]
    peak_rss: float
    rss_before: float
    locked: int
    stored: int | None
    counters: Counters | None
    problems: list[str] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        return self.bot_cpu * 1000 / self.clicks

    def line(self) -> str:
        lat = self.latencies
        text = (
            f"p50 {lat.p50 * 1000:6.1f} ms  p99 {lat.p99 * 1000:6.1f} ms  "
            f"max {lat.max * 1000:7.1f} ms  CPU {self.cpu_ms:5.2f} ms/click  "
            f"peak RSS {self.peak_rss:5.1f} MB"
        )
        if self.stored is not None:
            text += f"  stored {self.stored}/{self.clicks}"
        text += (
            f"\n      sent at {self.sent_rate:5.0f}/s, others used {self.usage.others_cores:.2f} "
            f"cores, emulator {self.usage.parent * 1000 / self.clicks:.2f} ms/click, "
            f"RSS before the burst {self.rss_before:.1f} MB"
            f"\n      bot: system CPU {self.bot_system * 1000 / self.clicks:.2f} ms/click, "
            f"{self.switches / self.clicks:.1f} context switches/click; CPU ms/click of threads: "
            + ", ".join(
                f"{name} {cpu * 1000 / self.clicks:.2f}"
                for name, cpu in self.threads.most_common()
                if cpu > 0
            )
        )
        if self.counters is not None:
            c, n = self.counters, self.clicks
            per_commit = n / c.commits if c.commits else math.inf
            text += (
                f"\n      database per click: {c.statements / n:.2f} statements, "
                f"{c.trips / n:.2f} trips, {c.commits / n:.3f} commits "
                f"({per_commit:.1f} clicks per commit)"
            )
        return text


def sqlite_commit_check(path: Path) -> tuple[Check, sqlite3.Connection]:
    """A check for :class:`AckWatch`: an acknowledged "Locked in" answer is in ``path``."""
    conn = sqlite3.connect(path, isolation_level=None)

    async def check(interaction: Interaction) -> str | None:
        text = reply_text(interaction)
        if not text.startswith("Locked in"):
            return f"{interaction.user.username}: first click answered {text!r}"
        round_id, choice = answered_round(interaction)
        row = conn.execute(
            "SELECT a.choice, r.choice_order FROM quiz_answers a JOIN quiz_rounds r "
            "ON r.id = a.round_id WHERE a.round_id = ? AND a.user_id = ?",
            (round_id, interaction.user.id),
        ).fetchone()
        if row is None:
            return f"{interaction.user.username}: acknowledged before the answer was committed"
        if row[0] != pack_choice(choice, row[1]):
            return f"{interaction.user.username}: stored choice {row[0]}, clicked {choice}"
        return None

    return check, conn


async def start_bot(
    bot: str,
    emulator: Emulator,
    folder: Path,
    args: argparse.Namespace,
    cprofile: Path | None = None,
) -> tuple[Child, Message, Path | None]:
    """Start one bot; return it, its live question and (Roundtable) its database file."""
    channel = emulator.channel("quiz")
    emulator.mark_read(channel)
    extra = {"BENCH_CPROFILE": str(cprofile)} if cprofile else {}
    if bot == "bare":
        child = bare_child("bare", emulator, folder, channel.id)
        child.env.update(extra)
        await child.start()
        await wait_for(emulator.gateway.is_connected, "the bare bot to connect", READY_TIMEOUT,
                       [child])  # fmt: skip
        question = await emulator.next_message(channel, timeout=READY_TIMEOUT)
        return child, question, None
    database = folder / "bot.sqlite3"
    child = roundtable_child(
        bot,
        emulator,
        folder,
        database=database,
        dev_guild_id=emulator.guild.id,
        statements=args.statements,
        prototype=bot.removeprefix("proto-") if bot.startswith("proto-") else None,
    )
    child.env.update(extra)
    await child.start()
    await wait_for(
        lambda: emulator.gateway.is_connected() and emulator.commands.get(emulator.guild.id),
        "Roundtable to connect and sync its commands",
        READY_TIMEOUT,
        [child],
    )
    starter = emulator.member("starter")
    started = await starter.slash("quiz start", channel=channel, seconds=QUESTION_SECONDS)
    await started.acknowledged(timeout=READY_TIMEOUT)
    question = await emulator.next_message(
        channel, predicate=lambda m: bool(m.buttons), timeout=READY_TIMEOUT
    )
    return child, question, database


def plan(members: Sequence[Member], question: Message) -> list[Click]:
    """Each member clicks one answer, the four answers in turn."""
    labels = question.button_labels
    return [Click(m, question, labels[i % len(labels)]) for i, m in enumerate(members)]


async def measure(
    bot: str, rate: float, round_number: int, args: argparse.Namespace, folder: Path
) -> Run:
    """One bot, one rate, on a fresh emulator."""
    emulator = Emulator(clock=SystemClock(), openapi=not args.no_openapi)
    await emulator.start()
    child: Child | None = None
    conn: sqlite3.Connection | None = None
    try:
        cprofile = None
        if args.cprofile:
            args.cprofile.mkdir(parents=True, exist_ok=True)
            cprofile = args.cprofile / f"{bot}-{rate:g}-r{round_number}.prof"
        child, question, database = await start_bot(bot, emulator, folder, args, cprofile)
        check = None
        if database is not None:
            check, conn = sqlite_commit_check(database)
        watch = AckWatch(emulator, check)
        warmup = [emulator.member(f"warm{i:03d}") for i in range(args.warmup)]
        crowd = [emulator.member(f"member{i:04d}") for i in range(args.clicks)]
        warm_interactions, _ = await click_at_rate(plan(warmup, question), rate)
        await watch.all_answered(warm_interactions, CLICK_TIMEOUT)
        await asyncio.sleep(0.3)
        counters_before = await child.counters() if bot != "bare" else None
        rss_before = child.rss()
        profiler = None
        if args.profile:
            output = args.profile / f"{bot}-{rate:g}-r{round_number}.txt"
            profiler = Profiler(child.pid, output)
            await profiler.start()
        if cprofile is not None:
            os.kill(child.pid, signal.SIGUSR2)
        before = Reading.take([child.pid])
        interactions, sent_rate = await click_at_rate(plan(crowd, question), rate)
        await watch.all_answered(interactions, CLICK_TIMEOUT)
        await asyncio.sleep(SETTLE)
        after = Reading.take([child.pid])
        if cprofile is not None:
            os.kill(child.pid, signal.SIGUSR2)
            await wait_for(cprofile.exists, "the cProfile stats", 30.0, [child])
        if profiler is not None:
            await profiler.stop()
        usage = Usage.between(before, after)
        counters = None
        if counters_before is not None:
            counters = await child.counters() - counters_before
        peak = child.peak_rss()
        problems = list(watch.problems)
        locked = sum(1 for i in interactions if reply_text(i).startswith("Locked in"))
        if locked < len(interactions):
            problems.append(f"{len(interactions) - locked} click(s) not answered 'Locked in'")
        stored = None
        if database is not None:
            round_id, _ = answered_round(interactions[0])
            with contextlib.closing(sqlite3.connect(database)) as db:
                users = {
                    user
                    for (user,) in db.execute(
                        "SELECT user_id FROM quiz_answers WHERE round_id = ?", (round_id,)
                    )
                }
            stored = sum(
                1
                for i in interactions
                if reply_text(i).startswith("Locked in") and i.user.id in users
            )
            if stored < locked:
                problems.append(f"{locked - stored} acknowledged answer(s) not stored")
        if emulator.ratelimits.hits:
            problems.append(f"{len(emulator.ratelimits.hits)} request(s) answered 429")
        violations = emulator.take_violations()
        if violations:
            problems.append(f"the emulator refused {len(violations)} request(s): {violations[0]}")
        latencies = Latencies.of(interactions)
        late = latencies.over(DEADLINE)
        if late:
            problems.append(f"{late} click(s) answered after {DEADLINE:g} s or never")
        return Run(
            bot=bot,
            rate=rate,
            round=round_number,
            clicks=len(interactions),
            latencies=latencies,
            sent_rate=sent_rate,
            usage=usage,
            bot_cpu=usage.children[child.pid],
            bot_system=usage.system[child.pid],
            switches=usage.switches[child.pid],
            threads=usage.threads[child.pid],
            peak_rss=peak,
            rss_before=rss_before,
            locked=locked,
            stored=stored,
            counters=counters,
            problems=problems,
        )
    finally:
        if conn is not None:
            conn.close()
        if child is not None:
            code = await child.stop()
            if code not in (0, None, -15):
                print(f"  ({child.name} exited with {code}:\n{child.log_tail()})")
        await emulator.close()


def ratios(runs: list[Run], rate: float, value: str, bot: str = "roundtable") -> list[float]:
    """Per-round ``bot`` / bare ratios of ``value`` at ``rate``."""
    out = []
    rounds = sorted({r.round for r in runs if r.rate == rate})
    for number in rounds:
        pair = {r.bot: r for r in runs if r.rate == rate and r.round == number}
        if bot in pair and "bare" in pair:
            out.append(_value(pair[bot], value) / _value(pair["bare"], value))
    return out


def _value(run: Run, name: str) -> float:
    return {
        "p50": run.latencies.p50,
        "p99": run.latencies.p99,
        "max": run.latencies.max,
        "cpu": run.cpu_ms,
        "sys": run.bot_system * 1000 / run.clicks,
        "switches": run.switches / run.clicks,
        "rss": run.peak_rss,
    }[name]


def report(runs: list[Run], rates: Sequence[float], bots: Sequence[str]) -> list[str]:
    """Print the side-by-side table per rate; return the targets missed (Roundtable's own:
    a prototype is an experiment, shown beside it)."""
    missed = []
    ours = [b for b in bots if b != "bare"]
    for rate in rates:
        at = [r for r in runs if r.rate == rate]
        if not at:
            continue
        rounds = len({r.round for r in at})
        print(f"\n{rate:g} clicks/s — median of {rounds} round(s); ratio = median of the "
              "per-round ratios to the bare bot")  # fmt: skip
        header = "".join(f"{NAMES[b]:>13}" for b in bots)
        header += "".join(f"{'ratio' if b == 'roundtable' else NAMES[b] + ' ratio':>16}"
                          for b in ours)  # fmt: skip
        print(f"  {'':22}{header}  target")
        targeted = rate in TARGET_RATES
        rows = [
            ("p50 click→ack", "p50", "ms", None),
            ("p99 click→ack", "p99", "ms", MAX_P99_RATIO),
            ("max click→ack", "max", "ms", None),
            ("CPU per click", "cpu", "ms", MAX_CPU_RATIO),
            ("  of it system CPU", "sys", "ms", None),
            ("context switches/click", "switches", "", None),
            ("peak RSS", "rss", "MB", MAX_RSS_RATIO),
        ]
        for label, key, unit, limit in rows:
            scale = 1000 if unit == "ms" and key not in ("cpu", "sys") else 1
            cells = "".join(
                f"{median(_value(r, key) for r in at if r.bot == b) * scale:10.2f} {unit:2}"
                for b in bots
            )
            found = {b: median(ratios(runs, rate, key, b)) for b in ours}
            cells += "".join(f"{found[b]:16.2f}" for b in ours)
            goal = f"≤ {limit:g}" if limit and targeted else ""
            flag = ""
            if limit and targeted and not found["roundtable"] <= limit:
                flag = "  MISSED"
                missed.append(f"{rate:g}/s {label}: ratio {found['roundtable']:.2f} > {limit:g}")
            print(f"  {label:22}{cells}  {goal}{flag}")
        for bot in ours:
            ours_runs = [r for r in at if r.bot == bot]
            counted = [r.counters for r in ours_runs if r.counters is not None]
            if counted and bot.startswith("proto-"):
                clicks = sum(r.clicks for r in ours_runs)
                total = sum(counted, Counters())
                print(f"  {NAMES[bot]}: {total.trips / clicks:.2f} trips to the database thread "
                      "per click (the prototype's statements run inside its trip, or inline, "
                      "uncounted)")  # fmt: skip
            elif counted:
                clicks = sum(r.clicks for r in ours_runs)
                total = sum(counted, Counters())
                print(f"  {NAMES[bot]}'s database per click: {total.statements / clicks:.2f} "
                      f"statements, {total.trips / clicks:.2f} trips, "
                      f"{total.commits / clicks:.3f} commits "
                      f"({clicks / max(total.commits, 1):.1f} clicks per commit)")  # fmt: skip
                if total.sql:
                    print("  statements per click, by text:")
                    for line in total.top(clicks):
                        print("    " + line)
            stored = [f"{r.stored}/{r.clicks}" for r in ours_runs]
            print(f"  {NAMES[bot]}: answers stored per round: {', '.join(stored)}")
        worst = max(r.latencies.max for r in at)
        print(f"  slowest click {worst * 1000:.1f} ms (limit {DEADLINE:g} s)")
        for run in at:
            missed.extend(
                f"{rate:g}/s round {run.round} {NAMES[run.bot]}: {p}" for p in run.problems
            )
    return missed


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR)
    print(f"load average before: {load_average()}")
    bots: tuple[str, ...] = BOTS
    for prototype in args.prototype or ():
        NAMES[f"proto-{prototype}"] = f"+{prototype}"
        bots = (*bots, f"proto-{prototype}")
        print(f"EXPERIMENT: another bot, Roundtable committing answers with the {prototype!r} "
              f"prototype (column {NAMES[f'proto-{prototype}']!r})")  # fmt: skip
    began = time.perf_counter()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="quiz-clicks-") as tmp:
        pair = 0
        for round_number in range(1, args.rounds + 1):
            for rate in args.rates:
                turn = pair % len(bots)
                order = bots[turn:] + bots[:turn]
                pair += 1
                for bot in order:
                    folder = Path(tmp) / f"r{round_number}-{rate:g}-{bot}"
                    run = await measure(bot, rate, round_number, args, folder)
                    runs.append(run)
                    print(f"round {round_number}, {rate:g} clicks/s, {NAMES[bot]}: {run.line()}")
                    for problem in run.problems:
                        print(f"      problem: {problem}")
    missed = report(runs, args.rates, bots)
    if args.cprofile:
        for rate in args.rates:
            for other in bots[1:]:
                pair = ("bare", other)
                clicks = {
                    b: sum(r.clicks for r in runs if r.bot == b and r.rate == rate) for b in pair
                }
                files = {b: sorted(args.cprofile.glob(f"{b}-{rate:g}-r*.prof")) for b in pair}
                if all(files.values()):
                    print(f"\ncProfile at {rate:g} clicks/s (µs per click the event loop spent"
                          " in each, waiting left out; the profiler about doubles it)")  # fmt: skip
                    for line in compare_cprofiles(files, clicks, NAMES):
                        print("  " + line)
    if args.profile:
        for bot in bots:
            for rate in args.rates:
                files = sorted(args.profile.glob(f"{bot}-{rate:g}-r*.txt"))
                clicks = sum(r.clicks for r in runs if r.bot == bot and r.rate == rate)
                if files:
                    print(f"\nprofile: {NAMES[bot]} at {rate:g} clicks/s ({len(files)} bursts)")
                    for line in summarise_profile(files, clicks):
                        print("  " + line)
    print(f"\nload average after: {load_average()}; {time.perf_counter() - began:.0f} s in all")
    for item in missed:
        print(f"missed: {item}")
    print("PASS" if not missed else "FAIL")
    return 0 if not missed else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rates", type=float, nargs="+", default=[250.0, 500.0, 1000.0])
    parser.add_argument("--clicks", type=int, default=1000, help="measured clicks per burst")
    parser.add_argument("--warmup", type=int, default=50, help="clicks before each burst")
    parser.add_argument(
        "--no-openapi", action="store_true", help="skip the emulator's OpenAPI body validation"
    )
    parser.add_argument("--profile", type=Path, help="record each burst with py-spy into DIR")
    parser.add_argument(
        "--cprofile", type=Path, help="profile each burst with cProfile in the bot, into DIR"
    )
    parser.add_argument(
        "--statements", action="store_true", help="count Roundtable's statements by their text"
    )
    parser.add_argument(
        "--prototype",
        nargs="+",
        choices=("one-trip", "one-statement", "inline"),
        help="an experiment: one more bot per prototype, Roundtable committing answers with it "
        "(bench/answer_prototypes.py) instead of its own code",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))

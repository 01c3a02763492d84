"""The answer batch's own database cost on SQLite, and two cheaper ways to commit it.

A diagnostic for issue 14 (Roundtable's CPU per click): it runs, through the real ``Store`` on
an SQLite file, the transaction the quiz's ``AnswerBatcher`` commits for each batch of clicks
(``QuizStore.record_answers``: ``BEGIN IMMEDIATE``, one ``SELECT``, one ``executemany``
``INSERT``, ``COMMIT``, each a trip to aiosqlite's database thread) beside two prototypes:

- ``one trip``: the same four statements and the same decisions, run by one function in
  aiosqlite's thread (one trip per batch; uses aiosqlite's private ``Connection._execute`` to
  hand the function over, as ``Database`` would through a small method of its own);
- ``one statement``: ``INSERT … SELECT … FROM (VALUES …) JOIN quiz_rounds … ON CONFLICT DO
  NOTHING RETURNING round_id, user_id``: the round-is-open check and the insert in one
  autocommit statement (one trip; the ``SELECT`` of earlier answers runs only for clicks that
  were not inserted). Portable SQL: ``CAST(? AS …)`` types the VALUES for PostgreSQL.

Batches of 1, 4 and 16 clicks (every click a member's first), the methods taking turns batch by
batch. It prints the process CPU (``time.process_time``: both threads) and wall time per batch
and per click, the trips per batch and the context switches per batch (all threads, from
``/proc/self/task/*/status``; reading them costs a little CPU, counted in every method alike).
Then the same with the event loop kept busy by another task (2 ms of work between yields, as a
bot handling a burst): each trip's answer waits for the loop, so a batch's wall time grows with
its trips. A third prototype, ``inline``, runs the same transaction synchronously on the event
loop's own thread (a second sqlite3 connection to the file): no trip at all, the floor of what
the SQL itself costs.

Every prototype's outcomes (locked / stands / closed and the stored choice) and stored rows are
checked against ``record_answers``' on the same clicks, including a second click and a click
after the deadline: exit status 1 if they differ. Run by hand (about 30 seconds):

    .venv/bin/python bench/bench_answer_store.py [--batches 600]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import answer_prototypes as prototypes  # noqa: E402
from bench.benchlib import context_switches  # noqa: E402
from bench.roundtable_child import COUNTS, count_sqlite  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.quiz import AnswerOutcome, NewAnswer, Quiz, Round  # noqa: E402

SIZES = (1, 4, 16)
Method = Callable[[Store, Sequence[NewAnswer]], Awaitable[list[AnswerOutcome]]]


async def current(store: Store, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    return await store.quiz.record_answers(clicks)


async def one_trip(store: Store, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    return await prototypes.one_trip(store.db, clicks)


async def one_statement(store: Store, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    return await prototypes.one_statement(store.db, clicks)


async def inline(store: Store, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    return await prototypes.inline(store.db, clicks)


METHODS: dict[str, Method] = {
    "current (4 trips)": current,
    "one trip": one_trip,
    "one statement": one_statement,
    "inline (no thread)": inline,
}


class Rounds:
    """Fresh open rounds and new members, so every click is a first answer."""

    ids = itertools.count(10**17)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.quiz: Quiz | None = None
        self.position = 0

    async def round(self) -> Round:
        if self.quiz is None or self.position >= len(self.quiz.question_ids):
            channel = next(self.ids)
            self.quiz = await self.store.quiz.create_quiz(
                guild_id=1, channel_id=channel, pack_id="p", started_by=None, source="live",
                title=None, question_ids=[f"q{i}" for i in range(50)], seconds=3600,
                section=None, difficulty=None, now=time.time(),
            )  # fmt: skip
            self.position = 0
        rnd = await self.store.quiz.open_live_round(self.quiz, self.position, time.time())
        self.position += 1
        return rnd

    def clicks(self, rnd: Round, count: int) -> list[NewAnswer]:
        out = []
        for index in range(count):
            user = next(self.ids)
            out.append(NewAnswer(rnd.id, user, index % 4, index % 4 == 1, time.time()))
        return out


async def spin(stop: asyncio.Event, slice_seconds: float) -> None:
    """Keep the event loop busy: ``slice_seconds`` of work between yields."""
    while not stop.is_set():
        until = time.perf_counter() + slice_seconds
        while time.perf_counter() < until:
            pass
        await asyncio.sleep(0)


async def measure(store: Store, batches: int, busy: bool) -> dict[tuple[str, int], list[float]]:
    """CPU and wall seconds per batch, per (method, size); the methods take turns. The rounds
    are made first, so only the batches run while the loop is kept busy."""
    rounds = Rounds(store)
    jobs = []
    for size in SIZES:
        for _ in range(max(20, batches // size)):
            for name in METHODS:
                jobs.append((name, size, rounds.clicks(await rounds.round(), size)))
    samples: dict[tuple[str, int], list[float]] = {}
    trips: dict[tuple[str, int], int] = {}
    stop = asyncio.Event()
    spinner = asyncio.create_task(spin(stop, 0.002)) if busy else None
    try:
        for name, size, clicks in jobs:
            before_trips, switches = COUNTS["trips"], context_switches(os.getpid())
            cpu, wall = time.process_time(), time.perf_counter()
            await METHODS[name](store, clicks)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            switches = context_switches(os.getpid()) - switches
            samples.setdefault((name, size), []).append(wall if busy else cpu)
            samples.setdefault((f"{name} wall", size), []).append(wall)
            samples.setdefault((f"{name} switches", size), []).append(float(switches))
            trips[(name, size)] = COUNTS["trips"] - before_trips
    finally:
        stop.set()
        if spinner is not None:
            await spinner
    for (name, size), value in trips.items():
        samples[(f"{name} trips", size)] = [float(value)]
    return samples


async def check_equivalence(store: Store) -> list[str]:
    """Each prototype decides and stores exactly as ``record_answers`` on tricky batches."""
    problems = []
    rounds = Rounds(store)
    for name, method in METHODS.items():
        if method is current:
            continue
        for case in ("first clicks", "a second click", "after the deadline", "mixed"):
            results = []
            for candidate in (current, method):
                rnd = await rounds.round()
                clicks = rounds.clicks(rnd, 6)
                if case == "a second click":
                    clicks.append(NewAnswer(rnd.id, clicks[1].user_id, 3, False, time.time()))
                    await candidate(store, clicks[:2])
                if case == "after the deadline":
                    late = (rnd.closes_at or 0) + 1
                    clicks = [NewAnswer(c.round_id, c.user_id, c.choice, c.correct, late)
                              for c in clicks]  # fmt: skip
                if case == "mixed":
                    clicks.insert(2, NewAnswer(rnd.id, clicks[0].user_id, 2, False, time.time()))
                    await store.quiz.close_round(rnd.id, time.time() + 10)
                    clicks += rounds.clicks(await rounds.round(), 3)
                outcomes = await candidate(store, clicks)
                rows = await store.db.fetchall(
                    "SELECT user_id, choice FROM quiz_answers WHERE round_id = ? ORDER BY user_id",
                    (rnd.id,),
                )
                base = min(c.user_id for c in clicks)
                results.append(
                    (
                        [(o.status, o.choice) for o in outcomes],
                        [(r["user_id"] - base, r["choice"]) for r in rows],
                    )
                )
            if results[0] != results[1]:
                problems.append(f"{name}, {case}: {results[1]} instead of {results[0]}")
    return problems


def report(title: str, samples: dict[tuple[str, int], list[float]], what: str) -> None:
    print(f"\n{title}")
    print(f"  {'method':22}{'clicks':>7}{'trips':>7}{what + ' µs/batch':>18}"
          f"{what + ' µs/click':>18}{'wall µs/batch':>16}{'switches':>10}")  # fmt: skip
    for size in SIZES:
        for name in METHODS:
            values = samples[(name, size)]
            wall = statistics.median(samples[(f"{name} wall", size)]) * 1e6
            trips = samples[(f"{name} trips", size)][0]
            per_batch = statistics.median(values) * 1e6
            switches = statistics.mean(samples[(f"{name} switches", size)])
            print(f"  {name:22}{size:7d}{trips:7.0f}{per_batch:18.0f}{per_batch / size:18.0f}"
                  f"{wall:16.0f}{switches:10.1f}")  # fmt: skip


async def main(args: argparse.Namespace) -> int:
    count_sqlite()
    with tempfile.TemporaryDirectory(prefix="answer-store-") as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        try:
            problems = await check_equivalence(store)
            await measure(store, 60, busy=False)  # warm-up: statement caches, pages
            idle = await measure(store, args.batches, busy=False)
            busy = await measure(store, args.batches // 6, busy=True)
        finally:
            for conn in prototypes._INLINE.values():
                conn.close()
            with contextlib.suppress(Exception):
                await store.close()
    report("event loop otherwise idle (medians; CPU of both threads)", idle, "CPU")
    report("event loop busy: another task works 2 ms between yields (medians)", busy, "wall")
    for problem in problems:
        print(f"problem: {problem}")
    print("PASS" if not problems else "FAIL")
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batches", type=int, default=600, help="single clicks per method")
    sys.exit(asyncio.run(main(parser.parse_args())))

"""Leaderboard speed: a page and a member's rank, against a small and a large ledger.

Builds two databases with the same 100,000 members in one guild, one with 200,000 ledger rows
and one with 2,000,000, written straight into the tables the way ``ScoreStore.add`` leaves them
(ledger rows, per-member totals, per-score member counts). Then it times, through the real
``Store`` (aiosqlite, as the bot calls it), the store calls ``/leaderboard`` makes: a page
(first, middle, last), a member's rank (top, median, bottom), a board's size, and one award
for comparison. Prints the median and 95th percentile of each and the large/small ratio.

The two databases take turns call by call, so load from other processes hits both alike.
Exits 1 when a page or rank call takes over 20 ms (median) or the large/small ratio passes 1.5.

Run by hand (two to three minutes, ~0.7 GB of free disk in the temp folder; ``--data DIR`` keeps
the databases and reuses them, so later runs take seconds):

    .venv/bin/python bench/bench_leaderboard.py [--members 100000] [--rows 200000 2000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.rules.scores import BUCKET_WIDTHS, boards_for, bucket_low, period_key, period_keys
from bot.store import Store

GUILD = 1
SEASON = 1
NOW = 1_780_000_000.0  # 2026-05-28 UTC: the ledger covers the eight weeks before it
SPAN = 56 * 86_400
FIRST_USER = 10**17
LIMIT_MS = 20.0
MAX_RATIO = 1.5


def ledger_rows(members: int, rows: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """Every member gets one row, the rest go to random members; oldest first."""
    users = list(range(FIRST_USER, FIRST_USER + members))
    chosen = users + [rng.choice(users) for _ in range(rows - members)]
    times = sorted(NOW - rng.random() * SPAN for _ in range(rows))
    out = []
    for user, at in zip(chosen, times, strict=True):
        roll = rng.random()
        if roll < 0.70:
            category, points, reason = "quiz", rng.randint(1, 20), "right answer"
        elif roll < 0.95:
            category, points, reason = "debate", rng.randint(1, 30), "speech score"
        else:
            category, points, reason = "adjustment", rng.choice([-10, -5, 5, 10, 25]), "moderator"
        out.append((GUILD, SEASON, user, category, points, reason, None, None, at))
    return out


def derived(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The score_totals and score_counts rows ``ScoreStore.add`` would leave, in key order."""
    by_board: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    targets_of: dict[tuple[str, int], list[dict[int, int]]] = {}
    for _, season, user, category, points, _, _, _, at in rows:
        day = int(at // 86_400)
        targets = targets_of.get((category, day))
        if targets is None:
            targets = targets_of[(category, day)] = [
                by_board[(board, key)]
                for board in boards_for(category)
                for key in period_keys(at, season)
            ]
        for sums in targets:
            sums[user] += points
    totals, counts = [], []
    for (board, key), sums in sorted(by_board.items()):
        totals.extend((GUILD, board, key, user, sums[user], NOW) for user in sorted(sums))
        for width in BUCKET_WIDTHS:
            buckets = Counter(bucket_low(points, width) for points in sums.values())
            counts.extend((GUILD, board, key, width, low, n) for low, n in sorted(buckets.items()))
    return totals, counts


def build(path: Path, members: int, rows: int, seed: int) -> None:
    """Write the data with plain sqlite3: one transaction, indexes dropped and rebuilt."""
    asyncio.run(_migrate(path))
    ledger = ledger_rows(members, rows, random.Random(seed))
    totals, counts = derived(ledger)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A throw-away file: no journal while loading (the store turns WAL back on when it opens).
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000"):
            conn.execute(f"PRAGMA {pragma}")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('score_events', 'score_totals', 'score_counts')"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.execute(
            "INSERT INTO seasons (guild_id, number, name, started_at) VALUES (?, ?, ?, ?)",
            (GUILD, SEASON, "Season 1", NOW - SPAN),
        )
        conn.executemany(
            "INSERT INTO score_events (guild_id, season, user_id, category, points, reason, "
            "reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger,
        )
        conn.executemany(
            "INSERT INTO score_totals (guild_id, board, period, user_id, points, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            totals,
        )
        conn.executemany(
            "INSERT INTO score_counts (guild_id, board, period, width, low, members) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            counts,
        )
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def _migrate(path: Path) -> None:
    store = await Store.open(path)
    await store.close()


Call = Callable[[], Awaitable[object]]


async def calls_for(store: Store) -> dict[str, Call]:
    """The store calls ``/leaderboard`` and ``/profile`` make, on the all-time overall board."""
    scores = store.scores
    board, key = "overall", "all"
    size = await scores.board_size(GUILD, board, key)
    last = (size - 1) // 10
    top = (await scores.leaderboard(GUILD, board, key, 0)).entries[0].user_id
    median = (await scores.leaderboard(GUILD, board, key, last // 2)).entries[0].user_id
    bottom = (await scores.leaderboard(GUILD, board, key, last)).entries[-1].user_id
    week = period_key("week", NOW - 86_400, SEASON)
    rng = random.Random(0)
    return {
        "page 1 (overall, all time)": lambda: scores.leaderboard(GUILD, board, key, 0),
        "middle page": lambda: scores.leaderboard(GUILD, board, key, last // 2),
        "last page": lambda: scores.leaderboard(GUILD, board, key, last),
        "page 1 (quiz, this week)": lambda: scores.leaderboard(GUILD, "quiz", week, 0),
        "rank of the top member": lambda: scores.standing(GUILD, board, key, top),
        "rank of the median member": lambda: scores.standing(GUILD, board, key, median),
        "rank of the bottom member": lambda: scores.standing(GUILD, board, key, bottom),
        "board size": lambda: scores.board_size(GUILD, board, key),
        # Awards go to existing members, so a reused database keeps its shape.
        "one award (add)": lambda: scores.add(
            GUILD, FIRST_USER + rng.randrange(size), "quiz", 7, "bench", NOW
        ),
    }


async def measure(paths: list[Path], runs: int) -> list[dict[str, list[float]]]:
    """Milliseconds per call and database, the databases taking turns so load hits both alike."""
    stores = [await Store.open(path) for path in paths]
    try:
        calls = [await calls_for(store) for store in stores]
        samples: list[dict[str, list[float]]] = [defaultdict(list) for _ in stores]
        for name in calls[0]:
            count = runs // 5 if name.startswith("one award") else runs
            for run in range(count + 2):
                for index, by_name in enumerate(calls):
                    start = time.perf_counter()
                    await by_name[name]()
                    if run >= 2:  # two warm-up calls
                        samples[index][name].append((time.perf_counter() - start) * 1000)
        return samples
    finally:
        for store in stores:
            await store.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rows", type=int, nargs=2, default=(200_000, 2_000_000))
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--data", type=Path, help="keep the databases in this folder and reuse them next time"
    )
    args = parser.parse_args()
    small_rows, large_rows = args.rows
    with tempfile.TemporaryDirectory(prefix="bench-leaderboard-") as scratch:
        folder = args.data or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for rows in (small_rows, large_rows):
            path = folder / f"ledger-{args.members}-{rows}-{args.seed}.sqlite3"
            if not path.exists():
                start = time.perf_counter()
                build(path, args.members, rows, args.seed)
                built = time.perf_counter() - start
                print(f"built {rows:,} ledger rows for {args.members:,} members in {built:.1f} s")
            paths.append(path)
        small, large = asyncio.run(measure(paths, args.runs))
    print(f"\n{args.members:,} members in one guild; {args.runs} runs per call (awards: fewer)")
    print(
        f"{'store call':27} {f'{small_rows:,} rows':>17} {f'{large_rows:,} rows':>17} "
        f"{'large p95':>10}  ratio"
    )
    failures = []
    for name, values in large.items():
        small_median, large_median = statistics.median(small[name]), statistics.median(values)
        ratio = large_median / small_median
        print(
            f"{name:27} {small_median:14.3f} ms {large_median:14.3f} ms "
            f"{percentile(values, 0.95):7.3f} ms  {ratio:5.2f}"
        )
        if not name.startswith("one award") and (large_median > LIMIT_MS or ratio > MAX_RATIO):
            failures.append(name)
    print("(medians; ratio = large median / small median)")
    if failures:
        print(f"over {LIMIT_MS} ms or ratio over {MAX_RATIO}: {', '.join(failures)}")
        return 1
    print(f"every page and rank call under {LIMIT_MS} ms with a ratio of at most {MAX_RATIO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

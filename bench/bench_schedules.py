"""Scheduled quizzes at scale: 1,000 guilds whose schedules all run in the same minute.

The real bot (``RoundtableBot``, with its REST pacer) runs against the loopback Discord
(``tests/emulator``) in this process, sharing a ``FakeClock`` with it, so "the minute" comes
when the benchmark moves the clock. The emulator gets 1,000 extra guilds (built like its default
one), each with a ``#quiz`` channel, and each guild gets one schedule for 12:05 UTC through
``bot.schedules.create`` (the ``ScheduleService`` call ``/schedule add`` makes). Then the clock
jumps to 12:05 and the benchmark waits, in real time, until every quiz's first question is
posted.

It prints the REST requests the bot sent from the minute to the last post, the 429 answers of
the emulator's rate limiter (global 50 per second, as on Discord), the minimum time Discord's
50 requests per second allows for those requests (the first 50 at once, then 50 more each
second: ``ceil(requests / 50) - 1`` seconds), the time the last post actually took, and their
ratio. It checks what the issue asks (exit status 1 otherwise): every quiz posted, zero 429s,
and the last post within 1.2 times that minimum.

Run by hand (about a minute):

    .venv/bin/python bench/bench_schedules.py [--guilds 1000] [--no-pacer] [--timeout 300]

``--no-pacer`` switches the bot's REST pacer off for comparison (discord.py alone, which only
reacts to 429 answers).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.adapter.ratelimit import is_exempt  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.rules.schedule import Rule  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.emulator import BotHarness, Emulator  # noqa: E402
from tests.packs import write_pack  # noqa: E402

GLOBAL_LIMIT = 50
MAX_RATIO = 1.2
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC).timestamp()
RUN_AT = datetime(2026, 1, 1, 12, 5, tzinfo=UTC).timestamp()
POST_TIMEOUT = 300.0
READY_TIMEOUT = 120.0
MESSAGE_CREATE = "/channels/{channel_id}/messages"


@dataclass(frozen=True)
class Figures:
    guilds: int
    posted: int
    requests: int
    rate_limited: int
    first_post: float
    last_post: float

    @property
    def minimum(self) -> float:
        """Seconds from the first to the last of ``requests`` at 50 per second."""
        return float(max(math.ceil(self.requests / GLOBAL_LIMIT) - 1, 0))

    @property
    def ratio(self) -> float:
        return self.last_post / self.minimum if self.minimum else math.inf


async def add_guilds(emulator: Emulator, count: int) -> list[tuple[int, int]]:
    """``count`` more guilds like the default one; their (guild id, #quiz channel id)."""
    targets = []
    for number in range(1, count + 1):
        guild = await emulator.add_guild(f"Bench server {number}")
        targets.append((guild.id, guild.channel_named("quiz").id))
    return targets


class PostWatch:
    """Counts the quizzes' questions the bot posted (its channel posts with buttons; each run
    also posts a first message before its question) and the non-exempt REST calls after a
    mark."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.start_index = len(emulator.calls)
        self.began = time.perf_counter()
        self.posted = 0
        self.first: float | None = None
        self.last: float | None = None
        self._seen = self.start_index

    def probe(self, wanted: int) -> bool:
        calls = self.emulator.calls
        now = time.perf_counter() - self.began
        for call in calls[self._seen :]:
            if (
                call.template == MESSAGE_CREATE
                and call.method == "POST"
                and call.status == 200
                and (call.body or {}).get("components")
            ):
                self.posted += 1
                self.first = now if self.first is None else self.first
                self.last = now
        self._seen = len(calls)
        return self.posted >= wanted

    def requests(self) -> int:
        calls = self.emulator.calls[self.start_index :]
        return sum(1 for call in calls if not is_exempt(call.path))


async def run(
    guild_count: int, pacer: bool, folder: Path, wait_for_posts: float
) -> tuple[Figures, list[str]]:
    clock = FakeClock(START)
    emulator = Emulator(clock=clock)
    await emulator.start()
    content = write_pack(folder / "content")
    settings = Settings(
        token=emulator.token,
        database_path=folder / "bot.sqlite3",
        content_dir=content.parent,
        dev_guild_id=emulator.guild.id,
        log_level="WARNING",
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )
    targets = await add_guilds(emulator, guild_count)
    harness = BotHarness(emulator, settings, clock)
    problems: list[str] = []
    try:
        began = time.perf_counter()
        bot = await harness.start(ready_within=READY_TIMEOUT)
        print(f"ready with {len(emulator.guilds)} guilds in {time.perf_counter() - began:.1f} s")
        if not pacer:
            bot.rest_pacer.acquire = _no_wait
        began = time.perf_counter()
        for guild_id, channel_id in targets:
            await bot.schedules.create(
                guild_id=guild_id, channel_id=channel_id, rule=Rule.parse("12:05", "UTC")
            )
        print(f"{guild_count} schedules for 12:05 UTC added in {time.perf_counter() - began:.1f} s")
        await asyncio.sleep(1.5)  # let the emulator's one-second rate-limit window pass
        hits_before = emulator.ratelimits.count
        watch = PostWatch(emulator)
        clock.set(RUN_AT)
        try:
            await emulator.wait_until(
                lambda: watch.probe(guild_count),
                what=f"{guild_count} scheduled quizzes to be posted",
                timeout=wait_for_posts,
            )
        except AssertionError as error:
            problems.append(str(error))
        figures = Figures(
            guilds=guild_count,
            posted=watch.posted,
            requests=watch.requests(),
            rate_limited=emulator.ratelimits.count - hits_before,
            first_post=watch.first or 0.0,
            last_post=watch.last or 0.0,
        )
        problems.extend(await check_database(bot, targets))
        violations = emulator.take_violations()
        if violations:
            problems.append(f"the emulator refused {len(violations)} request(s): {violations[0]}")
    finally:
        await harness.stop()
        harness.restore_discord()
        await emulator.close()
    return figures, problems


async def _no_wait() -> float:
    return 0.0


async def check_database(bot: Any, targets: list[tuple[int, int]]) -> list[str]:
    """Every guild has one scheduled quiz with its question posted, and tomorrow's run."""
    db = bot.store.db
    problems = []
    posted = await db.fetchval(
        "SELECT count(DISTINCT q.channel_id) FROM quizzes q JOIN quiz_rounds r ON r.quiz_id = q.id "
        "WHERE q.source = 'scheduled' AND r.message_id IS NOT NULL"
    )
    if posted != len(targets):
        problems.append(f"{posted} of {len(targets)} channels have a posted scheduled question")
    paused = await db.fetchval("SELECT count(*) FROM schedules WHERE paused_at IS NOT NULL")
    if paused:
        problems.append(f"{paused} schedules were paused")
    tomorrow = RUN_AT + 86_400
    planned = await db.fetchval(
        "SELECT count(*) FROM timers WHERE kind = 'schedule.run' AND due_at = ?", (tomorrow,)
    )
    if planned != len(targets):
        problems.append(f"{planned} of {len(targets)} schedules have tomorrow's run timer")
    return problems


def report(figures: Figures, pacer: bool) -> bool:
    print()
    print(f"REST pacer: {'on' if pacer else 'off (discord.py alone)'}")
    print(f"guilds with a schedule at 12:05 UTC:    {figures.guilds}")
    print(f"quizzes posted:                         {figures.posted}/{figures.guilds}")
    print(f"REST requests from the minute on:       {figures.requests}")
    print(f"429 answers from the rate limiter:      {figures.rate_limited}")
    print(
        f"minimum at {GLOBAL_LIMIT} requests/s:             {figures.minimum:.2f} s "
        f"(ceil({figures.requests} / {GLOBAL_LIMIT}) - 1)"
    )
    print(f"first post after:                       {figures.first_post:.2f} s")
    print(f"last post after:                        {figures.last_post:.2f} s")
    print(f"ratio last post / minimum:              {figures.ratio:.3f} (limit {MAX_RATIO})")
    return (
        figures.posted == figures.guilds
        and figures.rate_limited == 0
        and figures.ratio <= MAX_RATIO
    )


async def main(guilds: int, pacer: bool, wait_for_posts: float) -> int:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="schedule-bench-") as tmp:
        figures, problems = await run(guilds, pacer, Path(tmp), wait_for_posts)
    ok = report(figures, pacer)
    for problem in problems:
        print(f"problem: {problem}")
    ok = ok and not problems
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--no-pacer", action="store_true", help="switch the REST pacer off")
    parser.add_argument(
        "--timeout", type=float, default=POST_TIMEOUT, help="seconds to wait for the posts"
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.guilds, not args.no_pacer, args.timeout)))

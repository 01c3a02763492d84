"""Quiz click speed: 1,000 members answer one question within one second, through the emulator.

Two bots face the same loopback Discord (``tests/emulator``) in the same run, each in its own
process (as a bot runs in production), while the emulator runs in this one:

1. a bare discord.py bot whose answer button acknowledges at once and stores nothing;
2. Roundtable, whose button stores the answer in SQLite (one transaction) before it answers.

For each, 1,000 members click within one second (one click per millisecond, spread over the
four buttons) and the emulator records how long every click waited for its first response.
The benchmark prints the median, 99th percentile and slowest of both, and the ratio of the two
99th percentiles, and checks what the issue asks: every click acknowledged within Discord's
3 s, all 1,000 answers stored, Roundtable's 99th percentile at most twice the bare bot's
(exit status 1 otherwise).

Run by hand (about a minute); with ``--rounds N`` it alternates which bot goes first and
judges the median of the rounds' 99th percentiles:

    .venv/bin/python bench/bench_quiz_clicks.py [--members 1000] [--window 1.0] [--rounds 3]
        [--no-openapi]

The emulator runs as in the tests: Discord's rate limits on (each interaction callback its own
bucket, exempt from the global limit) and every request body checked against the OpenAPI
description, unless ``--no-openapi``. A 429 answered to any request fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord  # noqa: E402
import yarl  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from tests.emulator import Emulator, Member, Message  # noqa: E402
from tests.packs import write_pack  # noqa: E402

DEADLINE = 3.0
MAX_RATIO = 2.0
CLICK_TIMEOUT = 60.0
READY_TIMEOUT = 30.0
QUESTION_SECONDS = 120
WARMUP = 50
WARMUP_WINDOW = 0.5


@dataclass(frozen=True)
class Crowd:
    """The members who click: a few to warm each bot up, then the measured ones."""

    warmup: Sequence[Member]
    members: Sequence[Member]


# --- the bots (each runs in a child process: ``--serve bare|roundtable``) ----------------------


class BareAnswer(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:answer:(?P<choice>\d)"
):
    """Acknowledges a click the way Roundtable does, without storing anything."""

    def __init__(self, choice: int) -> None:
        super().__init__(discord.ui.Button(label="ABCD"[choice], custom_id=f"bare:answer:{choice}"))
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> BareAnswer:
        return cls(int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Locked in: {'ABCD'[self.choice]}.", ephemeral=True
        )


class BareBot(discord.Client):
    """Posts one question with four buttons in ``channel_id`` once ready."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.1,
            chunk_guilds_at_startup=False,
        )
        self.channel_id = channel_id

    async def setup_hook(self) -> None:
        self.add_dynamic_items(BareAnswer)

    async def on_ready(self) -> None:
        view = discord.ui.View(timeout=None)
        for choice in range(4):
            view.add_item(BareAnswer(choice))
        await self.get_partial_messageable(self.channel_id).send("Question 1?", view=view)


async def serve(kind: str, api: str, gateway: str, token: str, folder: Path, target: int) -> None:
    if kind == "bare":
        discord.http.Route.BASE = api
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
        bare = BareBot(target)
        async with bare:
            await bare.start(token)
        return
    from bot.adapter.client import RoundtableBot
    from bot.settings import Settings

    settings = Settings(
        token=token,
        database_path=folder / "bot.sqlite3",
        content_dir=folder / "content",
        dev_guild_id=target,
        log_level="WARNING",
        api_base=api,
        gateway_url=gateway,
    )
    bot = RoundtableBot(settings, guild_ready_timeout=0.1)
    async with bot:
        await bot.start(token)


# --- driving a bot from the emulator's side ----------------------------------------------------


def spawn(kind: str, emulator: Emulator, folder: Path, target: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own script with our own arguments
        [
            *(sys.executable, str(Path(__file__).resolve()), "--serve", kind),
            *("--api", emulator.api_base, "--gateway", emulator.gateway_url),
            *("--token", emulator.token, "--folder", str(folder), "--target", str(target)),
        ],
        cwd=REPO,
    )


async def stop(process: subprocess.Popen[bytes], emulator: Emulator) -> None:
    process.terminate()
    for _ in range(100):
        if process.poll() is not None:
            break
        await asyncio.sleep(0.05)
    else:
        process.kill()
    emulator.gateway.forget_sessions()
    await emulator.gateway.drop()


@dataclass(frozen=True)
class Burst:
    """One measured burst: each click's wait, and the CPU seconds the bot and the emulator used
    while it lasted (the bot's is None where ``/proc`` is not available)."""

    latencies: list[float]
    bot_cpu: float | None
    emulator_cpu: float


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux ``/proc``), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def measured_burst(
    emulator: Emulator,
    process: subprocess.Popen[bytes],
    members: Sequence[Member],
    message: Message,
    window: float,
) -> Burst:
    bot_before, emulator_before = cpu_seconds(process.pid), time.process_time()
    latencies = await click_all(emulator, members, message, window)
    bot_after = cpu_seconds(process.pid)
    bot_cpu = None if bot_before is None or bot_after is None else bot_after - bot_before
    return Burst(latencies, bot_cpu, time.process_time() - emulator_before)


async def measure_bare(emulator: Emulator, crowd: Crowd, window: float, folder: Path) -> Burst:
    channel = emulator.channel("quiz")
    emulator.mark_read(channel)
    process = spawn("bare", emulator, folder, channel.id)
    try:
        question = await emulator.next_message(channel, timeout=READY_TIMEOUT)
        await click_all(emulator, crowd.warmup, question, WARMUP_WINDOW)
        return await measured_burst(emulator, process, crowd.members, question, window)
    finally:
        await stop(process, emulator)


async def measure_roundtable(
    emulator: Emulator, crowd: Crowd, window: float, folder: Path
) -> tuple[Burst, int]:
    write_pack(folder / "content")
    channel = emulator.channel("quiz")
    emulator.mark_read(channel)
    emulator.commands.clear()
    process = spawn("roundtable", emulator, folder, emulator.guild.id)
    try:
        await emulator.wait_until(
            lambda: emulator.gateway.is_connected() and emulator.commands.get(emulator.guild.id),
            what="Roundtable to connect and sync its commands",
            timeout=READY_TIMEOUT,
        )
        start = await crowd.warmup[0].slash("quiz start", channel=channel, seconds=QUESTION_SECONDS)
        await start.acknowledged()
        question = await emulator.next_message(
            channel, predicate=lambda m: m.text.startswith("Question 1"), timeout=READY_TIMEOUT
        )
        await click_all(emulator, crowd.warmup, question, WARMUP_WINDOW)
        burst = await measured_burst(emulator, process, crowd.members, question, window)
        round_id = int(question.buttons[0]["custom_id"].split(":")[2])
        clicked = {m.id for m in crowd.members}
        with contextlib.closing(sqlite3.connect(folder / "bot.sqlite3")) as db:
            users = db.execute(
                "SELECT user_id FROM quiz_answers WHERE round_id = ?", (round_id,)
            ).fetchall()
        return burst, sum(1 for (user,) in users if user in clicked)
    finally:
        await stop(process, emulator)


async def click_all(
    emulator: Emulator, members: Sequence[Member], message: Message, window: float
) -> list[float]:
    """Every member clicks one of the buttons, evenly spread over ``window`` seconds.

    Returns each click's wait for its first response (infinite when Discord refused it).
    """
    loop = asyncio.get_running_loop()
    labels = message.button_labels
    start = loop.time()
    clicks = []
    for index, member in enumerate(members):
        delay = start + window * index / len(members) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        clicks.append(asyncio.create_task(member.click(message, labels[index % len(labels)])))
    interactions = [result.interaction for result in await asyncio.gather(*clicks)]
    await emulator.wait_until(
        lambda: all(i.acknowledged or i.rejected for i in interactions),
        what="an answer (or a refusal) to every click",
        timeout=CLICK_TIMEOUT,
    )
    return [
        float(i.responded_after) if i.responded_after is not None else math.inf
        for i in interactions
    ]


def p99(latencies: Sequence[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def describe(name: str, burst: Burst) -> str:
    ordered = sorted(burst.latencies)
    late = sum(1 for t in ordered if t > DEADLINE)
    cpu = "?" if burst.bot_cpu is None else f"{burst.bot_cpu:.2f}"
    return (
        f"{name:<34} median {statistics.median(ordered) * 1000:7.1f} ms   "
        f"p99 {p99(ordered) * 1000:7.1f} ms   max {ordered[-1] * 1000:7.1f} ms   "
        f"over 3 s: {late}   CPU s: bot {cpu}, emulator {burst.emulator_cpu:.2f}"
    )


async def main(members_count: int, window: float, rounds: int, openapi: bool) -> int:
    logging.basicConfig(level=logging.ERROR)
    # Rate limits stay on, as on Discord: each interaction's callback is its own bucket, exempt
    # from the global 50 per second, so clicks never wait for one another there.
    emulator = Emulator(clock=SystemClock(), openapi=openapi)
    await emulator.start()
    ok = True
    bare_p99: list[float] = []
    ours_p99: list[float] = []
    try:
        crowd = Crowd(
            warmup=[emulator.member(f"warmup{i:03d}") for i in range(WARMUP)],
            members=[emulator.member(f"member{i:04d}") for i in range(members_count)],
        )
        with tempfile.TemporaryDirectory(prefix="quiz-bench-") as tmp:
            for index in range(rounds):
                began = time.perf_counter()
                folder = Path(tmp) / f"round{index}"
                folder.mkdir()
                if index % 2:  # alternate which bot goes first
                    ours, stored = await measure_roundtable(emulator, crowd, window, folder)
                    bare = await measure_bare(emulator, crowd, window, folder)
                else:
                    bare = await measure_bare(emulator, crowd, window, folder)
                    ours, stored = await measure_roundtable(emulator, crowd, window, folder)
                bare_p99.append(p99(bare.latencies))
                ours_p99.append(p99(ours.latencies))
                print(f"round {index + 1}: {members_count} members click within {window:g} s")
                print("  " + describe("bare discord.py bot (no storage)", bare))
                print("  " + describe("Roundtable (answer stored first)", ours))
                print(
                    f"  p99 ratio {p99(ours.latencies) / p99(bare.latencies):.2f} (limit "
                    f"{MAX_RATIO:g}); answers stored {stored}/{members_count}; "
                    f"{time.perf_counter() - began:.1f} s"
                )
                ok = ok and stored == members_count and max(ours.latencies) <= DEADLINE
        if emulator.ratelimits.count:
            ok = False
            print(f"the emulator answered {emulator.ratelimits.count} request(s) with 429")
        violations = [v for v in emulator.take_violations() if v.code != 10062]
        if violations:
            ok = False
            print(f"the emulator refused {len(violations)} request(s), e.g. {violations[0]}")
    finally:
        await emulator.close()
    ratio = statistics.median(ours_p99) / statistics.median(bare_p99)
    ok = ok and ratio <= MAX_RATIO
    print(
        f"median over {rounds} round(s): p99 bare {statistics.median(bare_p99) * 1000:.1f} ms, "
        f"Roundtable {statistics.median(ours_p99) * 1000:.1f} ms, ratio {ratio:.2f}"
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--window", type=float, default=1.0, help="seconds the clicks span")
    parser.add_argument("--rounds", type=int, default=3, help="repeat both measurements")
    parser.add_argument(
        "--no-openapi", action="store_true", help="skip the emulator's OpenAPI body validation"
    )
    parser.add_argument("--serve", choices=("bare", "roundtable"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--gateway", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        logging.basicConfig(level=logging.ERROR)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                serve(args.serve, args.api, args.gateway, args.token, args.folder, args.target)
            )
        sys.exit(0)
    sys.exit(asyncio.run(main(args.members, args.window, args.rounds, not args.no_openapi)))

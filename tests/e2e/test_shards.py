"""Several bot processes on one PostgreSQL database, each serving its own gateway shards.

Real ``python -m bot`` processes (``SHARD_COUNT=2``, ``SHARD_IDS=0`` and ``1``) against the
emulator (two shards recommended, guilds on both) and a database of their own on the server
``TEST_DATABASE_URL`` names (created here, dropped after). They run on the real clock, so the
test moves through quizzes and debates with commands and buttons, not deadlines, and plants
timers a few seconds ahead where it needs some to fall due.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.rules.schedule import Rule
from bot.store import Store
from bot.timers import TimerService
from tests.conftest import TEST_DATABASE_URL
from tests.emulator import Emulator, Message
from tests.emulator.state import Guild

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="TEST_DATABASE_URL names no PostgreSQL server"
)

REPO = Path(__file__).resolve().parents[2]
OUR_VARIABLES = ("DISCORD_", "DEV_GUILD_ID", "DATABASE_", "CONTENT_DIR", "LOG_LEVEL", "SHARD_")
WAIT = 30.0
SCHEDULED_GUILDS = 25  # per shard: 50 schedules due in the same second


class SystemClock:
    """The real clock, for the store calls this test makes beside the bots."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def sleep_until(self, when: float) -> None:
        await asyncio.sleep(max(0.0, when - time.time()))


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    import asyncpg

    name = f"shards_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(TEST_DATABASE_URL)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class Process:
    """One ``python -m bot`` serving some shards; its log is kept for the failure message."""

    def __init__(self, emulator: Emulator, url: str, shard_ids: str, folder: Path) -> None:
        self.emulator = emulator
        self.url = url
        self.shard_ids = shard_ids
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None
        self.log = b""

    async def start(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
        env = {
            **inherited,
            "PYTHONPATH": str(REPO),
            "DISCORD_TOKEN": self.emulator.token,
            "DISCORD_API_BASE": self.emulator.api_base,
            "DISCORD_GATEWAY_URL": self.emulator.gateway_url,
            "DATABASE_URL": self.url,
            "SHARD_COUNT": "2",
            "SHARD_IDS": self.shard_ids,
            "LOG_LEVEL": "INFO",
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=self.folder,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip

    async def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(sig)
        out, _ = await asyncio.wait_for(self.process.communicate(), WAIT)
        self.log += out or b""
        self.process = None


async def serving(emulator: Emulator, guild: Guild) -> None:
    await emulator.wait_until(
        lambda: emulator.gateway.serving(guild.id),
        what=f"a bot session serving {guild.name}",
        timeout=WAIT,
    )


@pytest.fixture
async def processes(
    emulator: Emulator, database_url: str, tmp_path: Path
) -> AsyncIterator[dict[str, Process]]:
    running = {ids: Process(emulator, database_url, ids, tmp_path / f"shard-{ids}") for ids in "01"}
    try:
        yield running
    finally:
        for process in running.values():
            await process.kill(signal.SIGTERM)


def guilds_by_shard(emulator: Emulator) -> dict[int, Guild]:
    return {emulator.shard_of(emulator.guild, 2): emulator.guild}


async def quiz_round(emulator: Emulator, guild: Guild) -> dict[str, Any]:
    """Start a one-question quiz, two members answer (one right), a moderator stops it."""
    alice = emulator.member("alice", guild=guild)
    bob = emulator.member("bob", guild=guild)
    mod = emulator.member("mod", guild=guild)
    quiz = emulator.channel("quiz", guild=guild)
    started = await (
        await alice.slash("quiz start", questions=2, seconds=60, channel=quiz)
    ).ephemeral(timeout=WAIT)
    assert "Quiz started" in started.content, started.content
    question = await emulator.next_message(quiz, predicate=lambda m: bool(m.buttons), timeout=WAIT)
    locked = []
    for member in (alice, bob):
        label = question.button_labels[0 if member is alice else 1]
        locked.append((await (await member.click(question, label)).ephemeral(timeout=WAIT)).content)
    assert all(text.startswith("Locked in") for text in locked), locked
    stopped = await (await mod.slash("quiz stop", channel=quiz)).ephemeral(timeout=WAIT)
    assert "Quiz stopped" in stopped.content
    standings = await emulator.next_message(
        quiz, predicate=lambda m: "standings" in m.text, timeout=WAIT
    )
    return {"question": question, "standings": standings}


async def debate_round(emulator: Emulator, guild: Guild) -> Message:
    """A debate from lobby to results, driven by commands; returns the results message."""
    mod = emulator.member("mod", guild=guild)
    alice = emulator.member("alice", guild=guild)
    bob = emulator.member("bob", guild=guild)
    debate = emulator.channel("debate", guild=guild)
    emulator.ratelimits.relax()
    opened = await (
        await mod.slash(
            "debate start", motion="charm-is-a-tactic", rounds=1, prep_minutes=0, channel=debate
        )
    ).ephemeral(timeout=WAIT)
    assert "is open" in opened.content, opened.content
    lobby = await emulator.next_message(debate, timeout=WAIT)
    thread = emulator.threads(debate)[-1]
    for member in (alice, bob):
        await (await member.click(lobby, "Join")).acknowledged(timeout=WAIT)
    await (await mod.click(lobby, "Begin")).acknowledged(timeout=WAIT)
    turn = await emulator.next_message(
        thread, predicate=lambda m: "it is your turn" in m.content, timeout=WAIT
    )
    speaker = next(m for m in (alice, bob) if turn.content.startswith(m.mention))
    modal = await (await speaker.click(turn, "Speak")).modal(timeout=WAIT)
    posted = await (await speaker.submit(modal, speech="Charm is a tactic.")).ephemeral(
        timeout=WAIT
    )
    assert "is posted" in posted.content, posted.content
    await (await mod.slash("debate end", channel=thread)).ephemeral(timeout=WAIT)
    await (await mod.slash("debate end", channel=thread)).ephemeral(timeout=WAIT)
    return await emulator.next_message(
        thread, predicate=lambda m: bool(m.attachments), timeout=WAIT
    )


async def plant_schedules(
    store: Store, timers: TimerService, guilds: list[Guild], emulator: Emulator, at: float
) -> list[int]:
    """One schedule per guild whose next run is ``at`` (real time), with its run timer."""
    ids = []
    for guild in guilds:
        schedule = await store.schedules.add(
            guild_id=guild.id,
            channel_id=emulator.channel("quiz", guild=guild).id,
            name=f"Storm in {guild.name}",
            rule=Rule.parse("12:00", "UTC", None),
            questions=1,
            seconds=60,
            section=None,
            difficulty=None,
            next_run_at=at,
            created_by=None,
            now=time.time(),
        )
        await timers.schedule(
            "schedule.run", at, {"schedule": schedule.id}, key=f"schedule:{schedule.id}",
            guild_id=guild.id,
        )  # fmt: skip
        ids.append(schedule.id)
    return ids


def questions_in(emulator: Emulator, guild: Guild) -> list[Message]:
    return [m for m in emulator.messages_in(emulator.channel("quiz", guild=guild)) if m.buttons]


async def test_two_processes_share_the_shards_and_every_post_happens_once(
    emulator: Emulator, processes: dict[str, Process], database_url: str, tmp_path: Path
) -> None:
    emulator.shard_count = 2
    emulator.ratelimits.relax()
    first = emulator.guild
    other_shard = 1 - emulator.shard_of(first, 2)
    second = await emulator.add_guild("Second", shard=(other_shard, 2))
    by_shard = {emulator.shard_of(first, 2): first, other_shard: second}
    storm = {
        shard: [await emulator.add_guild(f"S{shard}-{n}", shard=(shard, 2)) for n in range(25)]
        for shard in (0, 1)
    }
    for process in processes.values():
        await process.start()
    for guild in (first, second):
        await serving(emulator, guild)
    await emulator.wait_until(lambda: emulator.command_puts, what="commands synced", timeout=WAIT)
    assert len(emulator.command_puts) == 1  # by the process serving shard 0 only
    assert all(len(emulator.gateway.serving(g.id)) == 1 for g in (first, second))

    # A quiz and a debate in each guild, each handled by the process serving its shard.
    for shard, guild in by_shard.items():
        played = await quiz_round(emulator, guild)
        assert len(questions_in(emulator, guild)) == 1
        (session,) = emulator.gateway.serving(guild.id)
        assert tuple(session.shard) == (shard, 2)
        results = await debate_round(emulator, guild)
        assert "Transcript" in results.text or results.attachments
        assert played["standings"].embed

    # 50 schedules, 25 per shard, due in the same second: each posts once.
    store = await Store.open(database_url)
    timers = TimerService(store, SystemClock())
    try:
        due = time.time() + 3
        await plant_schedules(store, timers, storm[0] + storm[1], emulator, due)
        await emulator.wait_until(
            lambda: all(questions_in(emulator, g) for g in storm[0] + storm[1]),
            what="every scheduled quiz to post",
            timeout=WAIT,
        )
        await asyncio.sleep(1)
        assert [len(questions_in(emulator, g)) for g in storm[0] + storm[1]] == [1] * 50
        assert not emulator.deduplicated or all(
            call.method == "POST" for call in emulator.deduplicated
        )

        # The shard-0 process is killed; its timers fall due while it is down; B leaves them.
        for guild in storm[0] + storm[1]:
            await emulator_stop_quiz(emulator, guild)
        due = time.time() + 3
        later = await plant_schedules(store, timers, storm[0][:10], emulator, due)
        await processes["0"].kill(signal.SIGKILL)
        await asyncio.sleep(max(0.0, due - time.time()) + 2)
        assert [len(questions_in(emulator, g)) for g in storm[0][:10]] == [1] * 10
        await processes["0"].start()
        await emulator.wait_until(
            lambda: all(len(questions_in(emulator, g)) == 2 for g in storm[0][:10]),
            what="the killed process's due runs after its restart",
            timeout=WAIT,
        )
        await asyncio.sleep(2)
        assert [len(questions_in(emulator, g)) for g in storm[0][:10]] == [2] * 10  # once each
        assert await store.db.fetchval(
            f"SELECT count(*) FROM timers WHERE key IN ({', '.join('?' * len(later))})",  # noqa: S608
            [f"schedule:{i}" for i in later],
        ) == len(later)  # each planned its next day, nothing more

        # The ledger and the boards agree, whichever process served the guild.
        for guild in (first, second):
            ledger = await store.db.fetchall(
                "SELECT user_id, SUM(points) AS total FROM score_events WHERE guild_id = ? "
                "GROUP BY user_id",
                (guild.id,),
            )
            board = await (
                await emulator.member("carol", guild=guild).slash("leaderboard")
            ).message(timeout=WAIT)
            for row in ledger:
                assert f"{row['total']} points" in board.text
        await processes["1"].kill(signal.SIGTERM)
        log = processes["1"].log.decode()
        assert "serving shards [1] of 2" in log  # every process says which shards it serves
        assert "commands are synced by the process serving shard 0" in log
    finally:
        await store.close()


async def emulator_stop_quiz(emulator: Emulator, guild: Guild) -> None:
    """A moderator stops the scheduled quiz in the guild's #quiz (so the channel is free)."""
    mod = emulator.member("mod", guild=guild)
    reply = await (await mod.slash("quiz stop", channel="quiz")).ephemeral(timeout=WAIT)
    assert "Quiz stopped" in reply.content or "No quiz" in reply.content, reply.content


async def test_after_a_re_shard_another_process_carries_on_a_quiz_and_a_debate(
    emulator: Emulator, database_url: str, tmp_path: Path
) -> None:
    emulator.shard_count = 2
    emulator.ratelimits.relax()
    first = emulator.guild
    guild = await emulator.add_guild("Moved", shard=(1 - emulator.shard_of(first, 2), 2))
    alice = emulator.member("alice", guild=guild)
    bob = emulator.member("bob", guild=guild)
    mod = emulator.member("mod", guild=guild)
    # One process serves both shards; a quiz and a debate start through it.
    alone = Process(emulator, database_url, "0-1", tmp_path / "alone")
    split = {ids: Process(emulator, database_url, ids, tmp_path / f"s{ids}") for ids in "01"}
    try:
        await alone.start()
        await serving(emulator, guild)
        quiz = emulator.channel("quiz", guild=guild)
        await (await alice.slash("quiz start", questions=1, seconds=120, channel=quiz)).ephemeral(
            timeout=WAIT
        )
        question = await emulator.next_message(
            quiz, predicate=lambda m: bool(m.buttons), timeout=WAIT
        )
        debate = emulator.channel("debate", guild=guild)
        await (
            await mod.slash(
                "debate start", motion="charm-is-a-tactic", rounds=1, prep_minutes=0, channel=debate
            )
        ).ephemeral(timeout=WAIT)
        lobby = await emulator.next_message(debate, timeout=WAIT)
        for member in (alice, bob):
            await (await member.click(lobby, "Join")).acknowledged(timeout=WAIT)
        # The re-shard: that process stops; two processes take a shard each.
        await alone.kill(signal.SIGTERM)
        await emulator.wait_until(
            lambda: not emulator.gateway.serving(guild.id), what="the old session to end"
        )
        for process in split.values():
            await process.start()
        await serving(emulator, guild)
        (session,) = emulator.gateway.serving(guild.id)
        assert tuple(session.shard) == (emulator.shard_of(guild, 2), 2)
        locked = await (await bob.click(question, question.button_labels[1])).ephemeral(
            timeout=WAIT
        )
        assert locked.content.startswith("Locked in"), locked.content
        await (await mod.click(lobby, "Begin")).acknowledged(timeout=WAIT)
        thread = emulator.threads(debate)[-1]
        turn = await emulator.next_message(
            thread, predicate=lambda m: "it is your turn" in m.content, timeout=WAIT
        )
        assert turn.button_labels == ["Speak"]
        stopped = await (await mod.slash("quiz stop", channel=quiz)).ephemeral(timeout=WAIT)
        assert "Quiz stopped after 1 of 1" in stopped.content
        await emulator.next_message(quiz, predicate=lambda m: "standings" in m.text, timeout=WAIT)
    finally:
        await alone.kill(signal.SIGTERM)
        for process in split.values():
            await process.kill(signal.SIGTERM)

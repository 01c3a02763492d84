"""The bot's plumbing: command-tree hashing and token redaction; ``python -m bot`` in a
subprocess against the emulator (a rejected token, signals, a newer database, no content, no
network); and, with the real bot, a cog that fails to load and the one error handler."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord import app_commands

import cogs
from bot.__main__ import EarlyStop, serve
from bot.adapter import client
from bot.adapter.client import RoundtableBot, command_tree_hash, invite_url, user_message
from bot.adapter.logs import RedactingFormatter, redact, setup_logging
from bot.clock import FakeClock
from bot.errors import UserError
from bot.settings import Settings
from bot.store import Store
from bot.store.db import load_migrations
from tests.emulator import BotHarness, Emulator, Member

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
async def offline_bot(tmp_path: Path) -> AsyncIterator[RoundtableBot]:
    """A bot with its store open that never connects (for the plumbing alone)."""
    settings = Settings(token=TOKEN, database_path=tmp_path / "bot.sqlite3", dev_guild_id=42)
    bot = RoundtableBot(settings)
    bot.store = await Store.open(settings.database_path)
    yield bot
    await bot.store.close()


async def test_an_unchanged_tree_is_not_synced_again(
    offline_bot: RoundtableBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = offline_bot
    synced: list[int | None] = []

    async def fake_sync(*, guild: discord.abc.Snowflake | None = None) -> list[object]:
        synced.append(guild.id if guild else None)
        return []

    monkeypatch.setattr(bot.tree, "sync", fake_sync)
    await bot.load_extension("cogs.meta")
    assert await bot.sync_commands() is True
    assert await bot.sync_commands() is False
    assert synced == [42]

    @app_commands.command(name="extra", description="A new command changes the tree.")
    async def extra(interaction: discord.Interaction) -> None: ...

    bot.tree.add_command(extra)
    assert await bot.sync_commands() is True
    assert synced == [42, 42]


def test_the_tree_hash_is_stable_and_sensitive() -> None:
    payload = [{"name": "help", "description": "x", "options": []}]
    assert command_tree_hash(payload) == command_tree_hash([dict(reversed(payload[0].items()))])
    assert command_tree_hash(payload) != command_tree_hash([{**payload[0], "description": "y"}])


def test_the_token_never_reaches_a_log_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(logging.Formatter("%(message)s"), (TOKEN,)))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("logging in with %s", TOKEN)
        try:
            raise RuntimeError(f"bad token {TOKEN}")
        except RuntimeError:
            logger.exception("failed")
        logger.warning("a token-shaped string: %s", "A" * 24 + ".BcDeFg." + "h" * 27)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert "A" * 24 not in output
    assert output.count("[redacted]") == 3


def test_setup_logging_installs_the_redacting_formatter() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers), root.level
    handler = setup_logging(logging.INFO, "plain-secret-value", stream)
    try:
        logging.getLogger("bot.test").info("token=%s", "plain-secret-value")
    finally:
        root.removeHandler(handler)
        root.handlers[:], root.level = before[0], before[1]
    assert "plain-secret-value" not in stream.getvalue()
    assert "token=[redacted]" in stream.getvalue()


def test_redact_leaves_ordinary_text() -> None:
    assert redact("quiz 12 closed at 10.30.45") == "quiz 12 closed at 10.30.45"


def test_user_errors_get_their_sentence_and_bugs_get_none() -> None:
    assert user_message(UserError("Pick a number from 1 to 20.")) == "Pick a number from 1 to 20."
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = UserError("wrapped sentence")
    assert user_message(wrapped) == "wrapped sentence"
    assert user_message(KeyError("bug")) is None


def test_invite_url_asks_for_both_scopes_and_the_permissions() -> None:
    url = invite_url(1234)
    assert "client_id=1234" in url
    assert "scope=bot+applications.commands" in url
    assert "permissions=" in url


# ================================================================================ python -m bot
# The real command line in a subprocess, against the emulator running in this test.

REPO = Path(__file__).resolve().parent.parent
OUR_VARIABLES = ("DISCORD_", "DEV_GUILD_ID", "DATABASE_PATH", "CONTENT_DIR", "LOG_LEVEL")


async def run_bot(
    emulator: Emulator,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    *,
    stop_with: signal.Signals | None = None,
    stop_early: bool = False,
    within: float = 30.0,
) -> tuple[int, str, str]:
    """Run ``python -m bot`` pointed at ``emulator``; return its exit status, its standard output
    (the log) and its standard error.

    With ``stop_with``, send that signal once the bot has connected and synced its commands, or,
    with ``stop_early``, as soon as the process catches stop signals (while it is still starting).
    """
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
    settings = {
        "PYTHONPATH": str(REPO),
        "DISCORD_TOKEN": emulator.token,
        "DISCORD_API_BASE": emulator.api_base,
        "DISCORD_GATEWAY_URL": emulator.gateway_url,
        "DEV_GUILD_ID": str(emulator.guild.id),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        env={**inherited, **settings, **(env or {})}, cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        if stop_with is not None and stop_early:
            async with asyncio.timeout(within):  # SIGINT has Python's own handler from the start
                while not catches(process.pid, signal.SIGTERM):  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
            process.send_signal(stop_with)
        elif stop_with is not None:
            await emulator.wait_until(
                lambda: emulator.gateway.is_connected() and emulator.command_puts,
                what="the bot to connect and sync its commands",
                timeout=within,
            )
            process.send_signal(stop_with)
        stdout, stderr = await asyncio.wait_for(process.communicate(), within)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def catches(pid: int, sig: signal.Signals) -> bool:
    """Whether process ``pid`` has installed a handler for ``sig`` (Linux's /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M)
    return caught is not None and bool(int(caught[1], 16) >> (sig - 1) & 1)


async def test_a_token_discord_rejects_exits_1_with_one_sentence(
    emulator: Emulator, tmp_path: Path
) -> None:
    with emulator.expect_violations() as refused:
        status, log, stderr = await run_bot(emulator, tmp_path, {"DISCORD_TOKEN": "not-the-token"})
    assert status == 1
    assert stderr == "Discord rejected the token in DISCORD_TOKEN: check it in .env.\n"
    assert "logging in using static token" in log and "Traceback" not in log
    assert [(v.path, v.status) for v in refused] == [("/users/@me", 401)]
    assert emulator.gateway.connection_count == 0


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_a_signal_closes_the_gateway_and_the_database_then_exits_0(
    emulator: Emulator, tmp_path: Path, stop_with: signal.Signals
) -> None:
    emulator.token = TOKEN  # shaped like a real one, and the bot logs at DEBUG
    status, log, stderr = await run_bot(
        emulator, tmp_path, {"LOG_LEVEL": "DEBUG"}, stop_with=stop_with
    )
    assert (status, stderr) == (0, ""), stderr
    assert "Traceback" not in log and "signal received; shutting down" in log
    assert emulator.gateway.close_codes[-1] is not None  # a close frame, not a dropped socket
    assert not (tmp_path / "bot.sqlite3-wal").exists()  # SQLite drops it on the last close
    assert TOKEN not in log and TOKEN.split(".")[0] not in log
    assert "PyNaCl" not in log  # no voice warnings for a bot without voice


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_a_signal_while_starting_exits_0_too(
    emulator: Emulator, tmp_path: Path, stop_with: signal.Signals
) -> None:
    status, log, stderr = await run_bot(emulator, tmp_path, stop_with=stop_with, stop_early=True)
    assert (status, stderr) == (0, ""), stderr
    assert "Traceback" not in log


async def test_a_signal_before_the_event_loop_stops_the_bot_before_it_connects(
    emulator: Emulator, bot_settings: Settings
) -> None:
    early = EarlyStop()
    early.received = signal.SIGTERM
    assert await serve(bot_settings, emulator.token, early) == 0
    assert emulator.calls == [] and emulator.gateway.connection_count == 0
    assert not bot_settings.database_path.exists()


async def test_a_database_from_a_newer_bot_is_refused_before_connecting(
    emulator: Emulator, tmp_path: Path
) -> None:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")
    status, log, stderr = await run_bot(emulator, tmp_path)
    assert status == 1
    assert stderr == (
        "The database is at schema version 999 but this version of the bot only knows up to "
        f"{max(m.version for m in load_migrations())}: update the bot or point DATABASE_PATH at "
        "another file.\n"
    )
    assert "Traceback" not in log
    assert emulator.calls == []


async def test_no_valid_content_pack_is_refused_with_the_report(
    emulator: Emulator, tmp_path: Path
) -> None:
    empty = tmp_path / "content"
    empty.mkdir()
    status, log, stderr = await run_bot(emulator, tmp_path, {"CONTENT_DIR": str(empty)})
    assert status == 1
    assert stderr.startswith("No valid content pack could be loaded:\n")
    assert f"{empty}: folder: packs: no pack found" in stderr
    assert "Traceback" not in log + stderr
    assert emulator.calls == []


async def test_an_unreachable_discord_is_one_sentence(tmp_path: Path) -> None:
    emulator = Emulator(clock=FakeClock())
    await emulator.start()
    api_base = emulator.api_base
    await emulator.close()  # nothing listens on that port any more
    status, log, stderr = await run_bot(emulator, tmp_path)
    assert status == 1
    assert stderr.startswith(f"Could not reach Discord at {api_base}")
    assert len(stderr.splitlines()) == 1 and "Traceback" not in log


# ============================================================================ start-up and errors
# The real bot against the emulator (the ``harness``/``bot`` fixtures of tests/conftest.py).


async def test_a_cog_that_fails_to_load_is_logged_and_the_rest_still_load(
    harness: BotHarness,
    alice: Member,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    extra = tmp_path / "extra_cogs"
    extra.mkdir()
    (extra / "aaa_broken.py").write_text(
        "async def setup(bot):\n    raise RuntimeError('this cog is broken')\n"
    )
    (extra / "aab_unparsable.py").write_text("def setup(bot:\n")
    monkeypatch.setattr(cogs, "__path__", [*cogs.__path__, str(extra)])
    monkeypatch.setattr(
        client, "EXTENSIONS", ("cogs.aaa_broken", "cogs.aab_unparsable", *client.EXTENSIONS)
    )
    loaded = set(harness.bot.extensions)
    with caplog.at_level(logging.ERROR, logger="bot.adapter.client"):
        bot = await harness.restart()
    assert set(bot.failed_cogs) == {"cogs.aaa_broken", "cogs.aab_unparsable"}
    assert "this cog is broken" in bot.failed_cogs["cogs.aaa_broken"]
    assert set(bot.extensions) == loaded
    logged = {r.getMessage() for r in caplog.records if r.exc_info}
    assert "cog cogs.aaa_broken failed to load; the others still run" in logged
    assert "cog cogs.aab_unparsable failed to load; the others still run" in logged
    assert "/summary" in (await (await alice.slash("help")).ephemeral()).text


def _logged_error_ids(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(record.args[0])  # type: ignore[index]
        for record in caplog.records
        if record.name == "bot.adapter.client"
        and record.msg.startswith("unexpected error")
        and record.exc_info
    ]


async def test_a_bug_in_a_command_gets_an_apology_whose_id_is_in_the_log(
    bot: RoundtableBot,
    admin: Member,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(guild_id: int) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(bot.store.guilds, "get", broken)
    with caplog.at_level(logging.ERROR, logger="bot.adapter.client"):
        reply = await (await admin.slash("settings show")).ephemeral()
    error_id = re.search(r"error id `([0-9a-f]{8})`", reply.content)
    assert error_id is not None, reply.content
    assert reply.content.startswith("Sorry, something went wrong on our side")
    assert _logged_error_ids(caplog) == [error_id[1]]
    record = next(r for r in caplog.records if r.exc_info)
    assert record.exc_info[0] is ZeroDivisionError  # type: ignore[index]
    assert "/settings show" in record.getMessage()


async def test_a_bug_in_a_button_gets_an_apology_whose_id_is_in_the_log(
    bot: RoundtableBot,
    alice: Member,
    bob: Member,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    card = await (await alice.slash("article")).message()

    def broken(pack: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(sys.modules["cogs.reading.render"], "short_embed", broken)
    with caplog.at_level(logging.ERROR, logger="bot.adapter.client"):
        reply = await (await bob.click(card, "Short summary")).ephemeral()
    error_id = re.search(r"error id `([0-9a-f]{8})`", reply.content)
    assert error_id is not None, reply.content
    assert _logged_error_ids(caplog) == [error_id[1]]
    assert "component 'read:short:" in next(r for r in caplog.records if r.exc_info).getMessage()


async def test_an_expired_interaction_is_a_warning_and_no_doomed_reply(
    bot: RoundtableBot,
    emulator: Emulator,
    admin: Member,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.interaction_deadline = 0.2  # Discord's 3 s, shortened to keep the test fast
    real_get = bot.store.guilds.get

    async def slow(guild_id: int) -> object:
        await asyncio.sleep(0.3)
        return await real_get(guild_id)

    monkeypatch.setattr(bot.store.guilds, "get", slow)
    with (
        emulator.expect_violations(10062),
        caplog.at_level(logging.WARNING, logger="bot.adapter.client"),
    ):
        await admin.slash("settings show")
        await emulator.wait_until(
            lambda: any("expired" in r.getMessage() for r in caplog.records),
            what="the expired-interaction warning",
        )
    assert _logged_error_ids(caplog) == []
    assert len(emulator.calls_to("POST /interactions/")) == 1
    assert emulator.calls_to("POST /webhooks/") == []

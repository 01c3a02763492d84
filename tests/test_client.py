"""The bot's plumbing that needs no Discord: command-tree hashing and token redaction."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.client import RoundtableBot, command_tree_hash, invite_url, user_message
from bot.errors import UserError
from bot.logs import RedactingFormatter, redact, setup_logging
from bot.settings import Settings
from bot.store import Store

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RoundtableBot]:
    settings = Settings(token=TOKEN, database_path=tmp_path / "bot.sqlite3", dev_guild_id=42)
    bot = RoundtableBot(settings)
    bot.store = await Store.open(settings.database_path)
    yield bot
    await bot.store.close()


async def test_an_unchanged_tree_is_not_synced_again(
    bot: RoundtableBot, monkeypatch: pytest.MonkeyPatch
) -> None:
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

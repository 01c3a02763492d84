"""The bot on PostgreSQL when the database goes away for a moment.

The real bot runs against the emulator on a database of its own (created on the server
``TEST_DATABASE_URL`` names, dropped after). An *outage* plays a server restart: every
connection to the database is cut and new ones are refused for a while, then allowed again.
Clicks and speeches that could not be stored get a sentence asking to try again (never a false
"Locked in"), the pool reconnects by itself, and nothing acknowledged is lost or doubled.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.emulator import Emulator, Member

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="TEST_DATABASE_URL names no PostgreSQL server"
)

TRY_AGAIN = "could not reach its database just now, so nothing was saved"


@pytest.fixture
def database_name() -> str:
    return f"faults_{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def database_url(database_name: str) -> AsyncIterator[str]:
    import asyncpg

    admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{database_name}"')
    finally:
        await admin.close()
    try:
        yield urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{database_name}"))
    finally:
        admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def bot_settings(emulator: Emulator, tmp_path: Path, content_dir: Path, database_url: str) -> Any:
    """The bot on PostgreSQL (overrides tests/conftest.py's SQLite settings)."""
    from bot.settings import Settings

    return Settings(
        token=emulator.token,
        database_path=tmp_path / "unused.sqlite3",
        database_url=database_url,
        content_dir=content_dir,
        dev_guild_id=emulator.guild.id,
        log_level="DEBUG",
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )


class Outage:
    """Cut every connection to one database and refuse new ones until ``end()``."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        admin = await asyncpg.connect(dsn=TEST_DATABASE_URL, timeout=10)
        try:
            for statement in statements:
                await admin.execute(statement)
        finally:
            await admin.close()

    async def begin(self) -> None:
        await self._admin(
            f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()",
        )

    async def end(self) -> None:
        await self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def outage(database_name: str) -> Outage:
    """The outage of the bot's database (which is dropped afterwards, outage or not)."""
    return Outage(database_name)


async def click_and_read(member: Member, question: Any, label: str) -> str:
    return (await (await member.click(question, label)).ephemeral()).content


async def test_a_click_burst_through_a_database_restart_loses_and_doubles_nothing(
    bot: Any, emulator: Emulator, alice: Member, outage: Outage
) -> None:
    emulator.ratelimits.relax()
    started = await (await alice.slash("quiz start", questions=1, seconds=120)).ephemeral()
    assert "Quiz started" in started.content
    question = await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
    members = [emulator.member(f"m{i}") for i in range(24)]
    labels = question.button_labels

    first = await asyncio.gather(
        *(click_and_read(m, question, labels[i % len(labels)]) for i, m in enumerate(members[:8]))
    )
    await outage.begin()
    during = await asyncio.gather(
        *(click_and_read(m, question, labels[i % len(labels)]) for i, m in enumerate(members[8:16]))
    )
    await outage.end()
    after = await asyncio.gather(
        *(click_and_read(m, question, labels[i % len(labels)]) for i, m in enumerate(members))
    )
    assert all(text.startswith("Locked in") for text in first), first
    assert all(TRY_AGAIN in text or text.startswith("Locked in") for text in during), during
    assert any(TRY_AGAIN in text for text in during), "the outage refused no click"

    locked = {
        m.id
        for m, text in zip(members, [*first, *during, *after[16:]], strict=False)
        if text.startswith("Locked in")
    }
    for member, text in zip(members, after, strict=True):
        # Every member who was told to click again, and every new one, is locked in now;
        # the others are told their first answer stands.
        assert text.startswith("Locked in") or "your answer" in text, text
        if text.startswith("Locked in"):
            locked.add(member.id)
    rows = await bot.store.db.fetchall(
        "SELECT user_id, count(*) AS n FROM quiz_answers GROUP BY user_id"
    )
    stored = {row["user_id"]: row["n"] for row in rows}
    assert set(stored) == {m.id for m in members}  # every member's answer is stored
    assert set(stored.values()) == {1}  # once each
    assert locked <= set(stored)  # no "Locked in" without a stored answer


async def test_a_speech_sent_during_a_database_restart_is_handed_back_and_posted_once_after(
    bot: Any, emulator: Emulator, mod: Member, alice: Member, bob: Member, outage: Outage
) -> None:
    emulator.ratelimits.relax()
    opened = await (
        await mod.slash("debate start", motion="charm-is-a-tactic", rounds=1, channel="debate")
    ).ephemeral()
    assert "is open" in opened.content
    lobby = await emulator.next_message("debate")
    thread = emulator.threads("debate")[-1]
    for member in (alice, bob):
        await (await member.click(lobby, "Join")).acknowledged()
    await (await mod.click(lobby, "Begin")).acknowledged()
    turn = await emulator.next_message(thread, predicate=lambda m: "it is your turn" in m.content)
    speaker = alice if turn.content.startswith(alice.mention) else bob
    text = "Charm and threats serve one aim: to pull Seoul away from Washington."
    modal = await (await speaker.click(turn, "Speak")).modal()
    await outage.begin()
    try:
        refused = await (await speaker.submit(modal, speech=text)).ephemeral()
        assert TRY_AGAIN in refused.content
        handed_back = await speaker.next_ephemeral(predicate=lambda m: text in m.content)
        assert handed_back.content == text
    finally:
        await outage.end()
    modal = await (await speaker.click(turn, "Speak")).modal()
    posted = await (await speaker.submit(modal, speech=text)).ephemeral()
    assert "is posted" in posted.content
    speech = await emulator.next_message(thread, predicate=lambda m: text in m.text)
    assert speech.embeds
    rows = await bot.store.db.fetchall("SELECT text FROM debate_speeches")
    assert [row["text"] for row in rows] == [text]
    assert sum(text in m.text for m in emulator.messages_in(thread)) == 1

"""Fixtures for end-to-end tests against the loopback Discord emulator (``tests/emulator``).

- ``clock``: a ``FakeClock`` shared by the emulator and the bot (tests move it with ``advance``).
- ``emulator``: a fresh emulator on 127.0.0.1 (port 0) per test. At teardown the test fails if
  a task is still running once the bot and the emulator have stopped, or if the bot broke a
  Discord rule, unless it took the violations (``emulator.take_violations()``,
  ``with emulator.expect_violations(...)``) or is marked ``@pytest.mark.allow_violations``.
- ``bot``: the real ``RoundtableBot``, ready, on a fresh SQLite file in ``tmp_path``;
  ``harness`` gives ``restart(abrupt=...)``. Override the ``content_dir`` fixture (or use
  ``@pytest.mark.content_dir(path)``) to serve other packs.
- ``alice``, ``bob``, ``carol`` (plain members), ``mod`` (Moderator role), ``admin`` (Admin role:
  Manage Server), ``owner`` (owns the server).
- ``database`` / ``store``: for store, timer and service tests, a fresh database on SQLite and,
  when ``TEST_DATABASE_URL`` names a PostgreSQL server, on PostgreSQL too (each test in its own
  schema, dropped afterwards). ``await database.open()`` opens another store on the same data
  (a restart).

See ``tests/README.md`` for a five-minute walkthrough.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from tests.emulator import BotHarness, Channel, Emulator, Member
from tests.emulator.harness import REPO_ROOT

# Property tests keep no example database and cache nothing in the repository: tests leave no
# files behind.
hypothesis_settings.register_profile("roundtable", database=None)
hypothesis_settings.load_profile("roundtable")
_hypothesis_home = tempfile.mkdtemp(prefix="roundtable-hypothesis-")
set_hypothesis_home_dir(_hypothesis_home)
atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)

CLOCK_START = 1_767_268_800.0  # 2026-01-01 12:00:00 UTC


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_violations: the emulator does not fail the test on rule violations"
    )
    config.addinivalue_line(
        "markers", "content_dir(path): the content folder the bot fixture loads"
    )


@pytest.fixture
def clock() -> Any:
    from bot.clock import FakeClock

    return FakeClock(start=CLOCK_START)


@pytest.fixture
async def emulator(clock: Any, request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    emulator = Emulator(clock=clock)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.close()
        leftovers = await _cancel_leftover_tasks()
    assert not leftovers, f"the test left tasks running: {leftovers}"
    if request.node.get_closest_marker("allow_violations") is None:
        emulator.assert_no_violations()


async def _cancel_leftover_tasks() -> list[str]:
    """Cancel the tasks still running once the bot and the emulator have stopped; name them."""
    await asyncio.sleep(0)
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=5)
    return [repr(task.get_coro()) for task in tasks]


@pytest.fixture
def content_dir(request: pytest.FixtureRequest) -> Path:
    """The content folder for the bot: the repository's packs, unless the test overrides this
    fixture, marks itself ``@pytest.mark.content_dir(path)`` or parametrizes it indirectly."""
    if hasattr(request, "param"):
        return Path(request.param)
    marker = request.node.get_closest_marker("content_dir")
    if marker is not None:
        return Path(marker.args[0])
    return REPO_ROOT / "content"


@pytest.fixture
def bot_settings(emulator: Emulator, tmp_path: Path, content_dir: Path) -> Any:
    from bot.settings import Settings

    return Settings(
        token=emulator.token,
        database_path=tmp_path / "bot.sqlite3",
        content_dir=content_dir,
        dev_guild_id=emulator.guild.id,
        log_level="DEBUG",
        api_base=emulator.api_base,
        gateway_url=emulator.gateway_url,
    )


@pytest.fixture
async def harness(emulator: Emulator, bot_settings: Any, clock: Any) -> AsyncIterator[BotHarness]:
    harness = BotHarness(emulator, bot_settings, clock)
    try:
        await harness.start()
        yield harness
    finally:
        await harness.stop()
        harness.restore_discord()


@pytest.fixture
def bot(harness: BotHarness) -> Any:
    """The running bot (after ``harness.restart()`` use ``harness.bot``)."""
    return harness.bot


@pytest.fixture(scope="session")
def shipped() -> Any:
    """The shipped pack, loaded once (tests read it, never change it)."""
    from bot.content import load_pack
    from tests.packs import SHIPPED

    return load_pack(SHIPPED)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo pack of ``tests/packs.py``, written and loaded once (tests read it, never
    change it)."""
    from bot.content import load_pack
    from tests.packs import write_pack

    return load_pack(write_pack(tmp_path_factory.mktemp("packs")))


@pytest.fixture
def general(emulator: Emulator) -> Channel:
    """The #general text channel, where interactions happen unless told otherwise."""
    return emulator.channel("general")


@pytest.fixture
def restart_bot(harness: BotHarness) -> Any:
    """``bot = await restart_bot(abrupt=False)``: a new bot on the same database."""
    return harness.restart


@pytest.fixture
def alice(emulator: Emulator) -> Member:
    return emulator.member("alice")


@pytest.fixture
def bob(emulator: Emulator) -> Member:
    return emulator.member("bob")


@pytest.fixture
def carol(emulator: Emulator) -> Member:
    return emulator.member("carol")


@pytest.fixture
def mod(emulator: Emulator) -> Member:
    return emulator.member("mod")


@pytest.fixture
def admin(emulator: Emulator) -> Member:
    return emulator.member("admin")


@pytest.fixture
def owner(emulator: Emulator) -> Member:
    return emulator.member("owner")


# --- databases for store, timer and service tests ----------------------------------------------

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
DIALECTS = ["sqlite", *(["postgresql"] if TEST_DATABASE_URL else [])]


class DatabaseUnderTest:
    """Where a test's data lives; ``open()`` gives a store on it (call it again to restart)."""

    def __init__(self, dialect: str, target: Any, schema: str | None = None) -> None:
        self.dialect = dialect
        self.target = target
        self.schema = schema

    async def open(self) -> Any:
        from bot.store import Store

        return await Store.open(self.target, schema=self.schema)

    async def drop(self) -> None:
        if self.schema is None:
            return
        import asyncpg

        conn = await asyncpg.connect(dsn=self.target, timeout=10)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            await conn.close()


@pytest.fixture(params=DIALECTS)
async def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseUnderTest]:
    if request.param == "sqlite":
        yield DatabaseUnderTest("sqlite", tmp_path / "bot.sqlite3")
        return
    target = DatabaseUnderTest("postgresql", TEST_DATABASE_URL, f"test_{uuid.uuid4().hex[:12]}")
    try:
        yield target
    finally:
        await target.drop()


@pytest.fixture
async def store(database: DatabaseUnderTest) -> AsyncIterator[Any]:
    opened = await database.open()
    try:
        yield opened
    finally:
        await opened.close()

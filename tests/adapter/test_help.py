"""cogs/meta.py without Discord: which section lists a command, and sections laid out over pages
inside an embed's limits however many commands a cog has (the end-to-end tests of /help are in
tests/e2e/test_help.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.adapter.ui import EMBED_FIELDS, EMBED_TOTAL, FIELD_VALUE, paginate_fields
from cogs.meta import ADMIN, MEMBER, MODERATOR, area_fields, audience_of, help_sections


async def noop(interaction: discord.Interaction) -> None:
    """A command body; never run here."""


def command(name: str, description: str = "Does a thing.", **kwargs: Any) -> Any:
    return app_commands.Command(name=name, description=description, callback=noop, **kwargs)


def test_a_command_s_section_comes_from_its_declaration_the_table_or_its_permissions() -> None:
    assert audience_of(command("article")) == MEMBER
    assert audience_of(command("upload", extras={"audience": ADMIN})) == ADMIN
    group = app_commands.Group(name="pack", description="Packs.", extras={"audience": MODERATOR})
    child = command("list")
    group.add_command(child)
    assert audience_of(child) == MODERATOR

    debate = app_commands.Group(name="debate", description="Debates.")
    judge = app_commands.Group(name="judge", description="Judges.", parent=debate)
    add, speak, start = command("add"), command("speak"), command("start")
    judge.add_command(add)
    debate.add_command(speak)
    debate.add_command(start)
    assert audience_of(add) == MODERATOR  # "debate judge" covers its subcommands
    assert audience_of(start) == MODERATOR
    assert audience_of(speak) == MEMBER

    locked = app_commands.Group(
        name="vault", description="Admin things.", default_permissions=discord.Permissions(32)
    )
    inner = command("open")
    locked.add_command(inner)
    assert audience_of(inner) == ADMIN  # Manage Server
    tidy = command("tidy")
    tidy.default_permissions = discord.Permissions(manage_messages=True)
    assert audience_of(tidy) == MODERATOR

    quiz = app_commands.Group(name="quiz", description="Quizzes.")
    begin = command("start")
    quiz.add_command(begin)
    assert audience_of(begin) == MEMBER
    assert audience_of(begin, moderators_start_quizzes=True) == MODERATOR


class Crowded(commands.Cog):
    """A cog with more commands than one embed can list."""

    help_area = "Crowded"
    help_notes = ("A note that belongs with everyone's commands. " * 10,)


@pytest.fixture
async def crowded_bot() -> AsyncIterator[commands.Bot]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    cog = Crowded()
    words = "word " * 18
    for index in range(70):
        extras = {"audience": MODERATOR} if index % 7 == 0 else {}
        cog.__cog_app_commands__.append(
            command(f"cmd{index:02d}", f"Command {index}: {words}"[:100], extras=extras)
        )
    await bot.add_cog(cog)
    yield bot
    await bot.close()


async def test_many_commands_are_paged_inside_the_limits_one_per_line(
    crowded_bot: commands.Bot,
) -> None:
    sections = help_sections(crowded_bot, (MEMBER, MODERATOR))
    assert list(sections) == [MEMBER, MODERATOR]
    for audience, areas in sections.items():
        pages = paginate_fields("Section", area_fields(areas), description="Who this is for.")
        assert len(pages) > 1 or audience == MODERATOR
        text = "\n".join(f.value or "" for page in pages for f in page.fields)
        for page in pages:
            assert len(page) <= EMBED_TOTAL and len(page.fields) <= EMBED_FIELDS
            assert all(len(f.value or "") <= FIELD_VALUE for f in page.fields)
        listed = re.findall(r"^`/(cmd\d\d)` — ", text, re.M)
        expected = [f"cmd{i:02d}" for i in range(70) if (i % 7 == 0) == (audience == MODERATOR)]
        assert listed == expected
        assert ("A note that belongs" in text) == (audience == MEMBER)
    assert help_sections(crowded_bot, (MEMBER,)).keys() == {MEMBER}

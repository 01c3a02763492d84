"""The emulator's own rules, checked with a bare discord.py bot, and the e2e tests of /help and
/settings with the real Roundtable bot.

The bare ``Probe`` bot isolates one emulator rule from Roundtable: its commands do exactly one
thing each (answer late, answer twice, defer and edit later, open a modal...).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import re
import shutil
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.store import GuildSettings
from tests.emulator import (
    BotHarness,
    Emulator,
    Member,
    MemberFile,
    P,
    copy_content,
    pointed_at,
)
from tests.emulator import limits as L
from tests.emulator.limits import FormErrors
from tests.emulator.ratelimit import Limit
from tests.emulator.state import Overwrite
from tests.packs import write_pack

# =============================================================================== a bare bot


class Probe(commands.Bot):
    """A minimal bot whose commands each exercise one emulator rule."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents(guilds=True, guild_messages=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.1,
        )
        self.guild_id = guild_id
        self.release = asyncio.Event()
        self.errors: list[BaseException] = []
        self.resumed = asyncio.Event()
        self.ready_count = 0
        self.seen_messages: list[discord.Message] = []
        self.tree.on_error = self._on_tree_error
        _add_probe_commands(self)

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    async def _on_tree_error(self, interaction: discord.Interaction, error: Exception) -> None:
        self.errors.append(getattr(error, "original", error))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a repeated IDENTIFY; the probe need not."""

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_ready(self) -> None:
        self.ready_count += 1

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)


class Choices(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="A", custom_id="probe:choice:A")
    async def a(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_message("you chose A", ephemeral=True)

    @discord.ui.button(label="B", custom_id="probe:choice:B")
    async def b(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="B was chosen", view=None)

    @discord.ui.select(
        custom_id="probe:fruit",
        placeholder="Pick fruit",
        max_values=2,
        options=[
            discord.SelectOption(label="Apple", value="apple"),
            discord.SelectOption(label="Pear", value="pear"),
        ],
    )
    async def fruit(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(",".join(select.values), ephemeral=True)


class Receipt(discord.ui.View):
    """A button the probe puts on its direct messages."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Ack", custom_id="probe:ack")
    async def ack(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        where = interaction.channel
        await interaction.response.send_message(
            f"ack from {interaction.user.name} guild={interaction.guild_id} "
            f"channel={type(where).__name__} member={isinstance(interaction.user, discord.Member)}"
        )


class Speech(discord.ui.Modal, title="Your speech"):
    speech: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Speech", custom_id="speech", style=discord.TextStyle.long, max_length=50
    )
    note: discord.ui.Label[Any] = discord.ui.Label(
        text="Note", component=discord.ui.TextInput(custom_id="note", required=False)
    )

    side: discord.ui.Label[Any] = discord.ui.Label(
        text="Side",
        component=discord.ui.Select(
            custom_id="side",
            required=False,
            options=[
                discord.SelectOption(label="For", value="for"),
                discord.SelectOption(label="Against", value="against"),
            ],
        ),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        note = self.note.component.value  # type: ignore[attr-defined]
        side = ",".join(self.side.component.values)  # type: ignore[attr-defined]
        await interaction.response.send_message(f"heard: {self.speech.value} / {note} / {side}")


def _add_probe_commands(bot: Probe) -> None:
    tree = bot.tree

    @tree.command(description="Answer pong.")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @tree.command(description="Say something.")
    @app_commands.describe(text="what", times="how often", loud="shout")
    async def echo(
        interaction: discord.Interaction,
        text: str,
        times: app_commands.Range[int, 1, 3] = 1,
        loud: bool = False,
    ) -> None:
        said = text.upper() if loud else text
        await interaction.response.send_message(" ".join([said] * times), ephemeral=True)

    @tree.command(description="Choose a size.")
    async def size(interaction: discord.Interaction, size: Literal["small", "large"]) -> None:
        await interaction.response.send_message(f"size {size}")

    @tree.command(description="Greet a member.")
    async def greet(
        interaction: discord.Interaction,
        member: discord.Member,
        role: discord.Role | None = None,
        where: discord.TextChannel | None = None,
    ) -> None:
        parts = [
            member.name,
            role.name if role else "-",
            where.name if where else "-",
            str(interaction.permissions.manage_guild),
        ]
        await interaction.response.send_message(" ".join(parts))

    @tree.command(description="Search terms.")
    async def search(interaction: discord.Interaction, term: str) -> None:
        await interaction.response.send_message(f"searched {term}")

    @search.autocomplete("term")
    async def search_term(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        words = ["decision", "declare", "debate", "moderate"]
        return [app_commands.Choice(name=w, value=w) for w in words if current in w]

    @tree.command(description="Show buttons.")
    async def buttons(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Choices())

    @tree.command(description="Open a modal.")
    async def speak(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Speech())

    @tree.command(description="Answer after the bot is released.")
    async def slow(interaction: discord.Interaction) -> None:
        await bot.release.wait()
        await interaction.response.send_message("finally")

    @tree.command(description="Answer twice (raw: discord.py itself refuses a second answer).")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        await interaction.followup.send("follow-up")
        route = discord.http.Route(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            interaction_id=interaction.id,
            token=interaction.token,
        )
        await bot.http.request(route, json={"type": 4, "data": {"content": "two"}})

    @tree.command(description="Defer, then edit once released.")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="thinking done")
        await bot.release.wait()
        await interaction.edit_original_response(content="much later")

    @tree.command(description="Mention someone, pinging only the member.")
    async def call(interaction: discord.Interaction, member: discord.Member) -> None:
        text = f"{member.mention}, your turn (@everyone is watching)"
        await interaction.response.send_message(
            text, allowed_mentions=discord.AllowedMentions(users=[member])
        )
        await interaction.followup.send(text, allowed_mentions=discord.AllowedMentions.all())

    @tree.command(description="Post in the channel too long a message.")
    async def shout(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    @tree.command(description="Reply with a file, then follow up privately with another.")
    async def upload(interaction: discord.Interaction) -> None:
        report = discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="report.csv")
        await interaction.response.send_message("here", file=report)
        note = discord.File(io.BytesIO(b"secret"), filename="note.txt")
        await interaction.followup.send("private", file=note, ephemeral=True)

    @tree.command(description="Walk through @original: fetch, edit, delete.")
    async def original(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        fetched = await interaction.original_response()
        await interaction.edit_original_response(content=f"edited {fetched.id}")
        await bot.release.wait()
        await interaction.delete_original_response()

    @tree.command(description="Show a link button beside a normal one.")
    async def links(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Docs", url="https://example.com/docs"))
        view.add_item(discord.ui.Button(label="Next", custom_id="probe:next"))
        await interaction.response.send_message("read on", view=view)

    @tree.command(description="Read a file a member passes.")
    async def inspect(
        interaction: discord.Interaction, file: discord.Attachment, note: str = "-"
    ) -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"{file.filename} {file.size} {len(data)} {file.content_type} {data[:5]!r} {note}"
        )

    group = app_commands.Group(name="team", description="Team things.")

    @group.command(name="join", description="Join a team.")
    async def join(interaction: discord.Interaction, team: str) -> None:
        await interaction.response.send_message(f"joined {team}", ephemeral=True)

    tree.add_command(group)
    bot.add_view(Choices())
    bot.add_view(Receipt())


@pytest.fixture
async def probe(emulator: Emulator) -> AsyncIterator[Probe]:
    with pointed_at(emulator):
        client = Probe(emulator.guild.id)
        task = asyncio.create_task(client.start(emulator.token))
        try:
            await emulator.wait_until(lambda: client.is_ready() or task.done(), what="the probe")
            assert client.is_ready(), task.exception()
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, 5)


@contextlib.asynccontextmanager
async def running(emulator: Emulator, client: discord.Client) -> AsyncIterator[discord.Client]:
    """Start a bare discord.py client against the emulator; yield it once ready; close it."""
    with pointed_at(emulator):
        task = asyncio.create_task(client.start(emulator.token))
        try:
            await emulator.wait_until(
                lambda: client.is_ready() or task.done(), what=f"{type(client).__name__} ready"
            )
            assert client.is_ready(), task.exception()
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, 5)


def general(emulator: Emulator) -> discord.TextChannel:
    return emulator.channel("general")


async def _send_raw(probe: Probe, route: str, **params: Any) -> Any:
    method, path = route.split(" ", 1)
    return await probe.http.request(
        discord.http.Route(method, path, **params.pop("ids", {})), **params
    )


# =============================================================================== limits (pure)


def _errors(check: Any, body: Any) -> list[str]:
    errors = FormErrors()
    check(body, errors)
    return [error.field for error in errors.errors]


def _row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def _button(label: str = "x", custom_id: str = "c") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds.0.fields"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "embeds.0.fields.0.name"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "embeds.0.fields.0.value"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "embeds.0.footer.text"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "embeds.0.author.name"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embeds"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds"),
        ({"components": [_row(_button(custom_id=f"c{i}")) for i in range(6)]}, "components"),
        (
            {"components": [_row(*[_button(custom_id=f"c{i}") for i in range(6)])]},
            "components.0.components",
        ),
        (
            {"components": [_row(_button(custom_id="same"), _button(custom_id="same"))]},
            "components.0.components.1.custom_id",
        ),
        (
            {"components": [_row(_button(custom_id="c" * 101))]},
            "components.0.components.0.custom_id",
        ),
        ({"components": [_row(_button(label="l" * 81))]}, "components.0.components.0.label"),
        (
            {
                "components": [
                    _row(
                        {
                            "type": 3,
                            "custom_id": "s",
                            "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                        }
                    )
                ]
            },
            "components.0.components.0.options",
        ),
        ({}, "content"),
    ],
)
def test_message_limits_name_the_field(body: dict[str, Any], field: str) -> None:
    assert field in _errors(L.check_message, body)


def test_a_message_at_the_limits_passes() -> None:
    embed = {
        "title": "t" * 256,
        "description": "d" * 1000,
        "fields": [{"name": "n" * 10, "value": "v" * 100}] * 25,
    }
    body = {
        "content": "x" * 2000,
        "embeds": [embed],
        "components": [_row(*[_button(custom_id=f"{r}:{i}") for i in range(5)]) for r in range(5)],
    }
    assert _errors(L.check_message, body) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {
                "title": "t" * 46,
                "custom_id": "m",
                "components": [_row({"type": 4, "custom_id": "a", "label": "A", "style": 1})],
            },
            "data.title",
        ),
        (
            {
                "title": "t",
                "custom_id": "m",
                "components": [
                    _row({"type": 4, "custom_id": f"a{i}", "label": "A", "style": 1})
                    for i in range(6)
                ],
            },
            "data.components",
        ),
        (
            {
                "title": "t",
                "custom_id": "m",
                "components": [_row({"type": 4, "custom_id": "a", "label": "A" * 46, "style": 1})],
            },
            "data.components.0.components.0.label",
        ),
        (
            {
                "title": "t",
                "custom_id": "m",
                "components": [
                    _row(
                        {
                            "type": 4,
                            "custom_id": "a",
                            "label": "A",
                            "style": 1,
                            "placeholder": "p" * 101,
                        }
                    )
                ],
            },
            "data.components.0.components.0.placeholder",
        ),
        (
            {
                "title": "t",
                "custom_id": "m",
                "components": [
                    {
                        "type": 18,
                        "label": "L",
                        "component": {"type": 4, "custom_id": "a", "style": 1, "max_length": 4001},
                    }
                ],
            },
            "data.components.0.component.max_length",
        ),
    ],
)
def test_modal_limits_name_the_field(data: dict[str, Any], field: str) -> None:
    assert field in _errors(L.check_modal, data)


def test_autocomplete_and_thread_limits() -> None:
    too_many = {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}
    assert "data.choices" in _errors(L.check_autocomplete, too_many)
    assert "data.choices.0.name" in _errors(
        L.check_autocomplete, {"choices": [{"name": "", "value": "v"}]}
    )
    assert _errors(L.check_thread_name, {"name": "n" * 101}) == ["name"]
    assert _errors(L.check_thread_name, {"name": ""}) == ["name"]


def _command(**overrides: Any) -> dict[str, Any]:
    return {"name": "quiz", "description": "Quiz things.", "type": 1, **overrides}


def _option(name: str = "n", kind: int = 3, **overrides: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "type": kind, **overrides}


@pytest.mark.parametrize(
    ("commands_", "field"),
    [
        ([_command(name="Quiz")], "0.name"),
        ([_command(name="has space")], "0.name"),
        ([_command(name="x" * 33)], "0.name"),
        ([_command(description="")], "0.description"),
        ([_command(description="d" * 101)], "0.description"),
        ([_command(options=[_option(f"o{i}") for i in range(26)])], "0.options"),
        ([_command(options=[_option("a"), _option("b", required=True)])], "0.options.1.required"),
        (
            [
                _command(
                    options=[
                        _option(choices=[{"name": str(i), "value": str(i)} for i in range(26)])
                    ]
                )
            ],
            "0.options.0.choices",
        ),
        (
            [_command(options=[_option(choices=[{"name": "n" * 101, "value": "v"}])])],
            "0.options.0.choices.0.name",
        ),
        (
            [_command(options=[_option(choices=[{"name": "n", "value": "v" * 101}])])],
            "0.options.0.choices.0.value",
        ),
        (
            [_command(options=[_option(autocomplete=True, choices=[{"name": "a", "value": "a"}])])],
            "0.options.0.autocomplete",
        ),
        (
            [_command(options=[_option("sub", 1, options=[_option("deeper", 1)])])],
            "0.options.0.options.0.type",
        ),
        ([_command(), _command()], "1.name"),
        ([_command(name=f"c{i}") for i in range(101)], "<body>"),
    ],
)
def test_command_definitions_are_checked(commands_: list[dict[str, Any]], field: str) -> None:
    assert field in _errors(L.check_commands, commands_)


def test_a_command_over_8000_characters_is_refused() -> None:
    options = [
        _option(
            f"o{i}",
            description="d" * 100,
            choices=[{"name": "n" * 100, "value": f"{j}" + "v" * 90} for j in range(25)],
        )
        for i in range(2)
    ]
    assert "0" in _errors(L.check_commands, [_command(options=options)])


# =============================================================================== REST rules


async def test_an_over_long_message_is_refused_with_50035_naming_the_field(
    emulator: Emulator, probe: Probe
) -> None:
    channel = probe.get_channel(emulator.channel("general").id)
    with emulator.expect_violations(50035) as found, pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)
    assert raised.value.status == 400 and raised.value.code == 50035
    assert "In content" in str(raised.value)
    assert "content" in found[0].detail
    assert emulator.messages_in("general") == []


async def test_the_openapi_schema_is_enforced(emulator: Emulator, probe: Probe) -> None:
    channel_id = emulator.channel("general").id
    with emulator.expect_violations(50035) as found, pytest.raises(discord.HTTPException) as raised:
        await _send_raw(
            probe,
            "POST /channels/{channel_id}/messages",
            ids={"channel_id": channel_id},
            json={"content": "hi", "tts": "yes"},
        )
    assert "tts" in str(raised.value)
    assert found[0].path == f"/channels/{channel_id}/messages"


async def test_an_unknown_route_is_a_violation_naming_it(emulator: Emulator, probe: Probe) -> None:
    with emulator.expect_violations() as found, pytest.raises(discord.NotFound):
        await _send_raw(
            probe, "POST /channels/{channel_id}/teleport", ids={"channel_id": 1}, json={}
        )
    assert "unknown route POST /channels/1/teleport" in found[0].detail


async def test_json_answers_have_exactly_the_json_content_type(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {emulator.token}"}
        async with session.get(f"{emulator.api_base}/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(emulator.bot_user.id)
        async with session.get(f"{emulator.api_base}/users/@me") as response:
            assert response.status == 401
    emulator.take_violations()


async def test_the_emulator_binds_only_the_loopback_address(emulator: Emulator) -> None:
    assert emulator.api_base.startswith("http://127.0.0.1:")
    assert emulator.gateway_url.startswith("ws://127.0.0.1:")
    sites = emulator._runner.sites  # type: ignore[union-attr]
    hosts = {s._server.sockets[0].getsockname()[0] for s in sites}  # type: ignore[attr-defined]
    assert hosts == {"127.0.0.1"}


# =============================================================================== interactions


async def test_slash_commands_reach_the_bot_and_replies_come_back(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    assert emulator.command_puts[0][0] == emulator.guild.id
    reply = await (await alice.slash("ping")).message()
    assert reply.content == "pong" and not reply.ephemeral
    assert reply.type == 20 and reply.interaction_user is alice.user
    echoed = await (await alice.slash("echo", text="hi", times=2, loud=True)).ephemeral()
    assert echoed.content == "HI HI"
    assert echoed in alice.seen() and echoed not in emulator.member("bob").seen()
    assert (await (await alice.slash("size", size="large")).message()).content == "size large"
    assert (await (await alice.slash("team join", team="red")).message()).content == "joined red"


async def test_options_are_checked_like_discords_client(probe: Probe, alice: Member) -> None:
    with pytest.raises(AssertionError, match="must be <= 3"):
        await alice.slash("echo", text="hi", times=4)
    with pytest.raises(AssertionError, match="takes an integer"):
        await alice.slash("echo", text="hi", times="2")
    with pytest.raises(AssertionError, match="needs option 'text'"):
        await alice.slash("echo")
    with pytest.raises(AssertionError, match="must be one of"):
        await alice.slash("size", size="medium")
    with pytest.raises(AssertionError, match="no option 'colour'"):
        await alice.slash("ping", colour="red")
    with pytest.raises(AssertionError, match="needs a subcommand"):
        await alice.slash("team")
    with pytest.raises(AssertionError, match="no slash command /nope"):
        await alice.slash("nope")


async def test_member_role_and_channel_options_are_resolved(
    emulator: Emulator, probe: Probe, alice: Member, bob: Member, admin: Member
) -> None:
    result = await admin.slash(
        "greet", member=bob, role=emulator.role("Moderator"), where=emulator.channel("quiz")
    )
    assert (await result.message()).content == "bob Moderator quiz True"
    resolved = result.interaction.data["resolved"]
    assert set(resolved) == {"users", "members", "roles", "channels"}
    plain = await (await alice.slash("greet", member="carol")).message()
    assert plain.content == "carol - - False"


async def test_buttons_selects_modals_and_autocomplete(
    emulator: Emulator, probe: Probe, alice: Member, bob: Member
) -> None:
    question = await (await alice.slash("buttons")).message()
    assert question.button_labels == ["A", "B"]
    await (await bob.click(question, "A")).ephemeral()
    assert (await bob.next_ephemeral()).content == "you chose A"
    picked = await (await alice.select(question, ["Apple", "pear"])).ephemeral()
    assert picked.content == "apple,pear"
    updated = await (await alice.click(question, "probe:choice:B")).message()
    assert updated is question and question.content == "B was chosen" and question.buttons == []
    modal = await (await bob.slash("speak")).modal()
    assert modal.title == "Your speech" and [i.custom_id for i in modal.inputs] == [
        "speech",
        "note",
    ]
    with pytest.raises(AssertionError, match="at most 50"):
        await bob.submit(modal, speech="s" * 51)
    heard = await (await bob.submit(modal, Speech="my case", note="n", side=["for"])).message()
    assert heard.content == "heard: my case / n / for"
    choices = await alice.autocomplete("search", term="dec")
    assert [c.name for c in choices] == ["decision", "declare"]


async def test_members_get_discords_permissions(
    emulator: Emulator, alice: Member, mod: Member, admin: Member, owner: Member
) -> None:
    assert owner.permissions() == P.ALL
    assert admin.can("manage_guild") and not admin.can("manage_messages")
    assert mod.can("manage_messages") and not mod.can("manage_guild")
    assert alice.can("send_messages", "general") and not alice.can("view_channel", "mod-log")
    assert mod.can("view_channel", "mod-log")
    quiz = emulator.channel("quiz")
    moderator = emulator.role("Moderator")
    quiz.overwrites[emulator.guild.id] = Overwrite(emulator.guild.id, 0, deny=P.SEND_MESSAGES)
    quiz.overwrites[moderator.id] = Overwrite(moderator.id, 0, allow=P.SEND_MESSAGES)
    assert not alice.can("send_messages", quiz) and mod.can("send_messages", quiz)
    quiz.overwrites[mod.id] = Overwrite(mod.id, 1, deny=P.SEND_MESSAGES)
    assert not mod.can("send_messages", quiz)
    await emulator.create_role("Boss", "administrator")
    await emulator.give_role(alice, "Boss")
    assert alice.permissions("mod-log") == P.ALL


async def test_a_first_response_after_three_seconds_is_unknown(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    assert emulator.interaction_deadline == 3.0  # Discord's; shortened below to keep tests fast
    emulator.interaction_deadline = 0.2
    with emulator.expect_violations(10062) as found:
        result = await alice.slash("slow")
        await asyncio.sleep(0.3)
        probe.release.set()
        with pytest.raises(AssertionError, match="refused \\(404/10062\\)"):
            await result.acknowledged()
    assert "after 0." in found[0].detail
    assert isinstance(probe.errors[0], discord.NotFound) and probe.errors[0].code == 10062


async def test_a_second_first_response_is_already_acknowledged(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    with emulator.expect_violations(40060):
        result = await alice.slash("twice")
        assert (await result.message()).content == "one"
        assert (await result.followup()).content == "follow-up"
        await emulator.wait_until(lambda: probe.errors, what="the bot's error")
    assert probe.errors[0].code == 40060, probe.errors  # type: ignore[attr-defined]


async def test_the_token_expires_after_fifteen_minutes_on_the_emulators_clock(
    emulator: Emulator, probe: Probe, alice: Member, clock: Any
) -> None:
    result = await alice.slash("later")
    reply = await result.ephemeral()
    assert reply.content == "thinking done" and not reply.loading
    clock.advance(15 * 60 + 1)
    with emulator.expect_violations(50027) as found:
        probe.release.set()
        await emulator.wait_until(lambda: probe.errors, what="the bot's error")
    assert probe.errors[0].code == 50027  # type: ignore[attr-defined]
    assert "after the interaction" in found[0].detail
    assert reply.content == "thinking done"


async def test_files_travel_as_multipart_attachments(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    result = await alice.slash("upload")
    reply = await result.message()
    assert reply.attachments[0].filename == "report.csv"
    assert reply.attachments[0].text == "a,b\n1,2\n"
    private = await result.followup()
    assert private.ephemeral and private.attachments[0].data == b"secret"
    assert await alice.next_ephemeral() is private
    async with aiohttp.ClientSession() as session, session.get(reply.attachments[0].url) as got:
        assert await got.read() == b"a,b\n1,2\n"


async def test_the_original_response_can_be_fetched_edited_and_deleted(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    result = await alice.slash("original")
    reply = await result.message()
    edited = await emulator.next_edit(reply, predicate=lambda m: m.content.startswith("edited"))
    assert edited.content == f"edited {reply.id}" and edited.history[0]["content"] == "first"
    probe.release.set()
    await emulator.wait_until(lambda: reply.deleted, what="the reply to be deleted")
    assert emulator.messages_in("general") == []


async def test_commands_run_in_threads_and_members_post_messages(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    thread = await emulator.create_thread("debate", "side talk", owner=alice)
    reply = await (await alice.slash("ping", channel=thread)).message()
    assert reply.channel_id == thread.id
    assert await emulator.next_message(thread) is reply
    await alice.send("general", "no content intent: the bot sees no text")
    await alice.send("general", f"{emulator.bot_user.mention} but a mention shows it")
    from_alice = lambda: [m for m in probe.seen_messages if m.author.id == alice.id]  # noqa: E731
    await emulator.wait_until(lambda: len(from_alice()) == 2, what="alice's MESSAGE_CREATEs")
    assert [m.content for m in from_alice()] == [
        "",
        f"{emulator.bot_user.mention} but a mention shows it",
    ]


async def test_pings_follow_allowed_mentions(
    emulator: Emulator, probe: Probe, alice: Member, bob: Member
) -> None:
    result = await alice.slash("call", member=bob)
    called = await result.message()
    assert called.pings == {bob.id}
    assert called.allowed_mentions == {"parse": [], "users": [bob.id]}
    everyone = {m.id for m in emulator.guild.members.values()} - {emulator.bot_user.id}
    loud = await result.followup()
    assert loud.pings == everyone
    assert set(loud.allowed_mentions["parse"]) == {"users", "roles", "everyone"}  # type: ignore[index]
    plain = await probe.get_channel(emulator.channel("general").id).send(bob.mention)
    assert emulator.messages[plain.id].allowed_mentions == {"parse": []}  # the bot's default
    assert emulator.messages[plain.id].pings == set()
    both = {"content": "x", "allowed_mentions": {"parse": ["users"], "users": [str(bob.id)]}}
    channel_id = emulator.channel("general").id
    with emulator.expect_violations(50035) as found, pytest.raises(discord.HTTPException):
        await _send_raw(
            probe, "POST /channels/{channel_id}/messages", ids={"channel_id": channel_id}, json=both
        )
    assert "allowed_mentions.users" in found[0].detail


async def test_a_restart_keeps_the_emulators_state(
    emulator: Emulator, restart_bot: Any, alice: Member, clock: Any
) -> None:
    old = emulator.bot
    await (await alice.slash("help")).ephemeral()
    new = await restart_bot(abrupt=True)
    assert new is emulator.bot and new is not old and old.is_closed() is False
    assert len(alice.ephemerals()) == 1
    assert emulator.gateway.identify_count == 2
    await (await alice.slash("help")).ephemeral()


async def test_a_second_server_has_its_own_members_channels_and_settings(
    emulator: Emulator, harness: BotHarness, bot_settings: Any
) -> None:
    harness.settings = dataclasses.replace(bot_settings, dev_guild_id=None)
    bot = await harness.restart()  # now syncing globally, so every server has the commands
    second = await emulator.add_guild("Second Server")
    await emulator.wait_until(lambda: bot.get_guild(second.id), what="the bot to see the guild")
    assert bot.get_guild(second.id).name == "Second Server"
    assert emulator.commands[None] and second.channel_named("general")
    there = emulator.member("admin", guild=second)
    here = emulator.member("admin")
    assert there.id != here.id and there.guild is second and there.can("manage_guild")
    reply = await (await there.slash("settings timezone", timezone="Asia/Seoul")).ephemeral()
    assert reply.channel_id == second.channel_named("general").id
    assert reply in there.seen() and reply not in here.seen()
    assert (await bot.store.guilds.get(second.id)).timezone == "Asia/Seoul"
    assert (await bot.store.guilds.get(emulator.guild.id)).timezone is None
    newcomer = emulator.member("dave", roles=("Moderator",), guild=second)
    assert newcomer.can("manage_messages", "general") and newcomer.guild is second


# =============================================================================== rate limits


async def test_a_429_is_retried_by_discord_py(emulator: Emulator, probe: Probe) -> None:
    emulator.ratelimits.force(1, retry_after=0.2, route="/messages")
    channel = probe.get_channel(emulator.channel("general").id)
    started = time.monotonic()
    message = await channel.send("after a 429")
    assert time.monotonic() - started >= 0.2
    assert emulator.ratelimits.count == 1
    assert [c.status for c in emulator.calls_to("POST /channels/")] == [429, 200]
    assert emulator.messages[message.id].content == "after a 429"


async def test_the_global_bucket_refuses_and_discord_py_copes(
    emulator: Emulator, probe: Probe
) -> None:
    emulator.ratelimits.global_limit = 5
    users = await asyncio.gather(*(probe.fetch_user(emulator.bot_user.id) for _ in range(8)))
    assert len(users) == 8
    assert {hit.scope for hit in emulator.ratelimits.hits} == {"global"}


async def test_channel_buckets_are_tracked_from_the_headers(
    emulator: Emulator, probe: Probe
) -> None:
    emulator.ratelimits.channel_messages = Limit(2, 0.3)
    channel = probe.get_channel(emulator.channel("general").id)
    started = time.monotonic()
    for index in range(4):
        await channel.send(f"message {index}")
    assert time.monotonic() - started >= 0.25  # discord.py waited for the bucket to reset
    assert emulator.ratelimits.count == 0
    assert len(emulator.messages_in("general")) == 4


async def test_interaction_callbacks_never_share_a_bucket(emulator: Emulator, bot: Any) -> None:
    members = [emulator.member(f"reader{index}") for index in range(80)]
    replies = await asyncio.gather(*(m.slash("help") for m in members))
    await asyncio.gather(*(r.ephemeral() for r in replies))
    assert emulator.ratelimits.count == 0


# =============================================================================== gateway


async def test_a_dropped_gateway_is_resumed_with_missed_events_replayed(
    emulator: Emulator, probe: Probe
) -> None:
    assert await emulator.drop_gateway() == 1
    channel = probe.get_channel(emulator.channel("general").id)
    await emulator.create_channel("while-away")
    async with asyncio.timeout(5):
        await probe.resumed.wait()
    assert emulator.gateway.resume_count == 1 and emulator.gateway.identify_count == 1
    assert emulator.gateway.connections[0].path == "/gateway/resume"
    assert discord.utils.get(probe.get_all_channels(), name="while-away") is not None
    await channel.send("still here")


async def test_an_unknown_session_is_invalidated_and_identifies_again(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    emulator.gateway.forget_sessions()
    await emulator.drop_gateway(code=4000)
    await emulator.wait_until(lambda: emulator.gateway.identify_count == 2, what="a new IDENTIFY")
    await emulator.wait_until(lambda: probe.ready_count == 2, what="READY after the IDENTIFY")
    assert emulator.gateway.invalid_sessions == 1
    assert (await (await alice.slash("ping")).message()).content == "pong"


async def test_message_events_follow_the_intents(emulator: Emulator, probe: Probe) -> None:
    channel = probe.get_channel(emulator.channel("general").id)
    sent = await channel.send("hello")
    await emulator.wait_until(lambda: probe.seen_messages, what="MESSAGE_CREATE")
    assert probe.seen_messages[0].id == sent.id
    assert await emulator.next_message("general") is emulator.messages[sent.id]


# =============================================================================== faults


async def test_server_errors_are_retried(emulator: Emulator, probe: Probe) -> None:
    emulator.fail_next(1, status=500, route="POST /channels/")
    message = await probe.get_channel(emulator.channel("general").id).send("retried")
    assert [c.status for c in emulator.calls_to("POST /channels/")] == [500, 200]
    assert emulator.messages[message.id].content == "retried"


async def test_missing_permissions_and_deleted_channels(emulator: Emulator, probe: Probe) -> None:
    general_channel = probe.get_channel(emulator.channel("general").id)
    fault = emulator.forbid("POST /channels/")
    with pytest.raises(discord.Forbidden) as raised:
        await general_channel.send("no")
    assert raised.value.code == 50013
    emulator.remove_fault(fault)
    await emulator.revoke("quiz", "send_messages")
    with pytest.raises(discord.Forbidden):
        await probe.get_channel(emulator.channel("quiz").id).send("no")
    await emulator.delete_channel("debate")
    with pytest.raises(discord.NotFound) as missing:
        await probe.http.send_message(
            emulator.channel_by_id(  # type: ignore[union-attr]
                next(c.id for c in emulator.guild.channels.values() if c.name == "debate")
            ).id,
            params=discord.http.handle_message_parameters(content="no"),
        )
    assert missing.value.code == 10003
    assert emulator.violations == []


async def test_threads_are_created_and_announced(emulator: Emulator, probe: Probe) -> None:
    channel = probe.get_channel(emulator.channel("debate").id)
    starter = await channel.send("motion")
    thread = await starter.create_thread(name="Debate: motion")
    created = await emulator.next_thread("debate")
    assert created.id == thread.id == starter.id and created.name == "Debate: motion"
    await thread.send("first speech")
    assert (await emulator.next_message(created)).content == "first speech"
    with emulator.expect_violations(50035), pytest.raises(discord.HTTPException):
        await channel.create_thread(name="n" * 101, type=discord.ChannelType.public_thread)


# =============================================================================== attachment options


async def test_a_member_passes_a_file_and_the_bot_reads_it(
    emulator: Emulator, probe: Probe, admin: Member
) -> None:
    data = b"PK\x03\x04" + bytes(range(256)) * 40
    upload = MemberFile("pack.zip", data)
    result = await admin.slash("inspect", file=upload, note="v2")
    reply = await result.message()
    assert (
        reply.content == f"pack.zip {len(data)} {len(data)} application/zip b'PK\\x03\\x04\\x00' v2"
    )
    assert upload.fetches == 1
    attachment = upload.attachment
    option = result.interaction.data["options"][0]
    assert option == {"name": "file", "type": 11, "value": str(attachment.id)}
    described = result.interaction.data["resolved"]["attachments"][str(attachment.id)]
    assert described["filename"] == "pack.zip" and described["size"] == len(data)
    assert described["content_type"] == "application/zip" and described["ephemeral"] is True
    channel_id = emulator.channel("general").id
    assert described["url"].endswith(f"/attachments/{channel_id}/{attachment.id}/pack.zip")
    async with aiohttp.ClientSession() as session, session.get(described["url"]) as got:
        assert got.status == 200 and got.headers["Content-Length"] == str(len(data))
        assert got.headers["Content-Type"] == "application/zip"
        assert await got.read() == data
    assert upload.fetches == 2
    # passed again, the file is uploaded again: a new id
    await (await admin.slash("inspect", file=upload)).message()
    assert len(upload.uploads) == 2 and upload.uploads[0].id != upload.uploads[1].id


async def test_attachment_options_take_files_only(probe: Probe, alice: Member) -> None:
    with pytest.raises(AssertionError, match="takes a file"):
        await alice.slash("inspect", file="pack.zip")
    with pytest.raises(AssertionError, match="takes a string"):
        await alice.slash("inspect", file=MemberFile("a.txt", b"a"), note=MemberFile("b", b"b"))
    with pytest.raises(AssertionError, match="needs option 'file'"):
        await alice.slash("inspect", note="no file")
    with pytest.raises(AssertionError, match="refuses files over"):
        await alice.slash("inspect", file=MemberFile("big.bin", bytes(10 * 1024 * 1024 + 1)))


# =============================================================================== direct messages


async def test_the_bot_opens_one_dm_per_member_and_posts_there(
    emulator: Emulator, probe: Probe, alice: Member, bob: Member
) -> None:
    user = await probe.fetch_user(alice.id)
    dm = await user.create_dm()
    again = await probe.http.start_private_message(alice.id)  # discord.py caches the channel
    assert again["id"] == str(dm.id) and again["type"] == 1
    assert again["recipients"][0]["id"] == str(alice.id)
    assert dm.recipient is not None and dm.recipient.id == alice.id
    assert alice.dm_channel is not None and alice.dm_channel.id == dm.id
    embed = discord.Embed(title="Your quiz", description="3 questions")
    sent = await user.send("hello", embed=embed, view=Receipt())
    message = await alice.next_dm()
    assert message.id == sent.id and message.guild_id is None and message.button_labels == ["Ack"]
    assert message.embed["title"] == "Your quiz" and message.payload().get("guild_id") is None
    assert alice.dms() == [message] and message in alice.seen()
    assert message not in bob.seen() and bob.dms() == [] and bob.dm_channel is None
    assert emulator.violations == []


async def test_a_member_clicks_a_button_in_a_dm(
    emulator: Emulator, probe: Probe, alice: Member, bob: Member
) -> None:
    await (await probe.fetch_user(alice.id)).send("check", view=Receipt())
    message = await emulator.next_dm(alice)
    with pytest.raises(AssertionError, match="another's DM"):
        await bob.click(message, "Ack")
    result = await alice.click(message, "Ack")
    reply = await result.message()
    assert reply.content == "ack from alice guild=None channel=DMChannel member=False"
    assert reply.channel_id == message.channel_id and reply in alice.seen()
    payload = result.interaction.payload
    assert "guild_id" not in payload and "member" not in payload
    assert payload["user"]["id"] == str(alice.id) and payload["context"] == 1
    assert payload["channel"]["type"] == 1 and payload["channel"]["id"] == str(message.channel_id)
    assert result.interaction.guild_id is None and probe.errors == []
    with pytest.raises(AssertionError, match="is a guild command: not offered in DMs"):
        await alice.slash("ping", in_channel=alice.dm_channel)


async def test_a_global_command_runs_in_a_dm(emulator: Emulator, alice: Member) -> None:
    client = discord.Client(intents=discord.Intents(guilds=True), guild_ready_timeout=0.1)
    tree = app_commands.CommandTree(client)

    @tree.command(description="Who is there?")
    async def whoami(interaction: discord.Interaction) -> None:
        where = "a DM" if interaction.guild_id is None else "a server"
        await interaction.response.send_message(f"{interaction.user.name} in {where}")

    async with running(emulator, client):
        await tree.sync()  # global
        dm = emulator.open_dm(alice)
        reply = await (await alice.slash("whoami", in_channel=dm)).message()
        assert reply.content == "alice in a DM" and reply.channel_id == dm.id
        assert (await (await alice.slash("whoami")).message()).content == "alice in a server"


async def test_closed_dms_refuse_the_bots_message_with_50007(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    dave = emulator.member("dave", dms_open=False)
    user = await probe.fetch_user(dave.id)
    with pytest.raises(discord.Forbidden) as refused:
        await user.send("hello?")
    assert refused.value.status == 403 and refused.value.code == 50007
    assert str(refused.value).endswith("Cannot send messages to this user")
    assert dave.dm_channel is not None and dave.dms() == []
    alice.close_dms()
    with pytest.raises(discord.Forbidden):
        await (await probe.fetch_user(alice.id)).send("hi")
    alice.open_dms()
    await (await probe.fetch_user(alice.id)).send("hi again")
    assert (await alice.next_dm()).content == "hi again"
    assert emulator.violations == []  # a bot must cope with closed DMs: no rule broken


async def test_a_member_writes_to_the_bot_in_a_dm(emulator: Emulator, alice: Member) -> None:
    intents = discord.Intents(guilds=True, dm_messages=True)
    client = discord.Client(intents=intents, guild_ready_timeout=0.1)
    got: list[discord.Message] = []
    client.event(_collect(got))
    async with running(emulator, client):
        written = await alice.send_dm("hi bot")
        await emulator.wait_until(lambda: got, what="the DM's MESSAGE_CREATE")
    assert got[0].id == written.id and got[0].content == "hi bot"  # no content intent needed
    assert isinstance(got[0].channel, discord.DMChannel) and got[0].guild is None
    assert written in alice.dms()


def _collect(into: list[discord.Message]) -> Any:
    async def on_message(message: discord.Message) -> None:
        into.append(message)

    return on_message


# =============================================================================== shards

SHARD_INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


class Tap(discord.ui.View):
    """A persistent button whose answer names the shard that got the click."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Tap", custom_id="shard:tap")
    async def tap(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        shard = interaction.guild.shard_id if interaction.guild is not None else "dm"
        await interaction.response.send_message(f"tapped on shard {shard}")


class _ShardProbe:
    """What the shard tests need of a bare client: a repeated IDENTIFY waits the emulator's
    ``identify_interval`` (discord.py's default hook waits Discord's 5 s), messages are kept."""

    def __init__(self, emulator: Emulator, **options: Any) -> None:
        super().__init__(intents=SHARD_INTENTS, guild_ready_timeout=0.1, **options)  # type: ignore[call-arg]
        self.emulator = emulator
        self.seen: list[discord.Message] = []

    async def setup_hook(self) -> None:
        self.add_view(Tap())  # type: ignore[attr-defined]

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            await asyncio.sleep(self.emulator.identify_interval + 0.05)

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)


class ShardClient(_ShardProbe, discord.Client):
    pass


class AutoShardClient(_ShardProbe, discord.AutoShardedClient):
    pass


def _on_shard(emulator: Emulator, shard_id: int, count: int = 2) -> set[int]:
    return {g.id for g in emulator.guilds.values() if emulator.shard_of(g, count) == shard_id}


async def test_gateway_bot_recommends_the_shards_and_the_session_start_limit(
    emulator: Emulator,
) -> None:
    emulator.shard_count, emulator.max_concurrency = 3, 2
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emulator.api_base}/gateway/bot", headers=headers) as response,
    ):
        answer = await response.json()
    assert answer["url"] == emulator.gateway_url and answer["shards"] == 3
    limit = answer["session_start_limit"]
    assert limit["max_concurrency"] == 2 and limit["total"] == 1000 and limit["remaining"] == 1000
    assert limit["reset_after"] > 0


async def test_an_auto_sharded_client_gets_each_guild_on_its_shard(
    emulator: Emulator, alice: Member
) -> None:
    emulator.shard_count = 2
    emulator.identify_interval = 0.2  # Discord's 5 s, shortened to keep the test fast
    zero = await emulator.add_guild("Zero", shard=(0, 2))
    one = await emulator.add_guild("One", shard=(1, 2))
    assert (emulator.shard_of(zero), emulator.shard_of(one)) == (0, 1)
    client = AutoShardClient(emulator)  # no shard_count: it asks GET /gateway/bot
    async with running(emulator, client):
        assert client.shard_count == 2 and sorted(client.shards) == [0, 1]
        assert (await client.fetch_session_start_limits()).max_concurrency == 1
        assert {g.id: g.shard_id for g in client.guilds} == {
            g.id: emulator.shard_of(g) for g in emulator.guilds.values()
        }
        sessions = {s.shard: s for s in emulator.gateway.sessions.values()}
        assert set(sessions) == {(0, 2), (1, 2)}
        ready = sessions[(1, 2)].events[0]
        assert ready["t"] == "READY" and ready["d"]["shard"] == [1, 2]
        assert {int(g["id"]) for g in ready["d"]["guilds"]} == _on_shard(emulator, 1)
        created = [e["d"]["id"] for e in sessions[(1, 2)].events if e["t"] == "GUILD_CREATE"]
        assert {int(i) for i in created} == _on_shard(emulator, 1)
        # a click in a guild reaches the session of its shard only
        post = await client.get_channel(one.channel_named("general").id).send("tap", view=Tap())
        there = emulator.member("alice", guild=one)
        result = await there.click(emulator.message(post.id), "Tap")
        assert (await result.message()).content == "tapped on shard 1"
        interaction_id = str(result.interaction.id)
        got = emulator.gateway.recipients("INTERACTION_CREATE", lambda d: d["id"] == interaction_id)
        assert [s.shard for s in got] == [(1, 2)]
        # a click in a DM goes to shard 0
        await (await client.fetch_user(alice.id)).send("tap", view=Tap())
        in_dm = await alice.click(await alice.next_dm(), "Tap")
        assert (await in_dm.message()).content == "tapped on shard dm"
        dm_id = str(in_dm.interaction.id)
        got = emulator.gateway.recipients("INTERACTION_CREATE", lambda d: d["id"] == dm_id)
        assert [s.shard for s in got] == [(0, 2)]
    assert emulator.gateway.identify_refusals == [] and emulator.calls_to("GET /gateway/bot")


async def test_a_client_with_some_shards_sees_only_their_guilds(
    emulator: Emulator, alice: Member
) -> None:
    emulator.identify_interval = 0.2
    client = AutoShardClient(emulator, shard_ids=[1], shard_count=2)
    async with running(emulator, client):
        assert {g.id for g in client.guilds} == _on_shard(emulator, 1)
        later_zero = await emulator.add_guild("Later zero", shard=(0, 2))
        later_one = await emulator.add_guild("Later one", shard=(1, 2))
        await emulator.wait_until(lambda: client.get_guild(later_one.id), what="GUILD_CREATE")
        assert client.get_guild(later_zero.id) is None
        for guild in (later_zero, later_one):
            await emulator.member("bob", guild=guild).send("general", f"hi {guild.name}")
        await emulator.wait_until(lambda: client.seen, what="a MESSAGE_CREATE")
        await alice.send_dm("a DM goes to shard 0, which nobody serves")
        await client.get_channel(later_one.channel_named("quiz").id).send("marker")
        await emulator.wait_until(lambda: len(client.seen) == 2, what="the marker")
    assert [m.guild.id for m in client.seen] == [later_one.id, later_one.id]  # type: ignore[union-attr]


async def test_two_processes_each_identify_one_shard(emulator: Emulator, alice: Member) -> None:
    emulator.max_concurrency = 2  # shards 0 and 1 are in different identify buckets
    one = await emulator.add_guild("One", shard=(1, 2))
    first = ShardClient(emulator, shard_id=0, shard_count=2)
    second = ShardClient(emulator, shard_id=1, shard_count=2)
    async with running(emulator, first), running(emulator, second):
        assert {g.id for g in first.guilds} == _on_shard(emulator, 0)
        assert {g.id for g in second.guilds} == _on_shard(emulator, 1) and one.id in _on_shard(
            emulator, 1
        )
        await emulator.member("bob", guild=one).send("general", "for shard 1")
        await alice.send_dm("for shard 0")
        await emulator.wait_until(lambda: first.seen and second.seen, what="both messages")
        thread = await emulator.create_thread(one.channel_named("debate"), "side talk")
        await emulator.wait_until(lambda: second.get_channel(thread.id), what="THREAD_CREATE")
        await second.get_channel(one.channel_named("general").id).send("marker")
        await emulator.wait_until(lambda: len(second.seen) == 2, what="the marker")
    assert [m.content for m in first.seen] == ["for shard 0"]
    assert [m.content for m in second.seen] == ["", "marker"]  # no content intent in a guild
    assert first.get_channel(thread.id) is None
    assert emulator.gateway.identify_refusals == []


async def test_an_identify_too_soon_is_refused_and_discord_py_identifies_later(
    emulator: Emulator,
) -> None:
    assert emulator.identify_interval == 5.0 and emulator.max_concurrency == 1
    emulator.identify_interval = 1.0  # roomy: the second client must start well within it
    first = ShardClient(emulator, shard_id=0, shard_count=2)
    second = ShardClient(emulator, shard_id=1, shard_count=2)  # same bucket: 1 % 1 == 0 % 1
    with emulator.expect_violations(9) as found:
        async with running(emulator, first), running(emulator, second):
            assert first.is_ready() and second.is_ready()
    assert len(emulator.gateway.identify_refusals) == 1 == len(found)
    refusal = emulator.gateway.identify_refusals[0]
    assert refusal.bucket == 0 and refusal.since_last < 1.0 and refusal.shard is not None
    assert "answered INVALID_SESSION" in found[0].detail and found[0].path == "IDENTIFY"
    assert emulator.gateway.identify_count == 2 and emulator.gateway.invalid_sessions == 1


async def test_an_invalid_shard_is_closed_with_4010(emulator: Emulator) -> None:
    client = ShardClient(emulator, shard_id=2, shard_count=2)
    with emulator.expect_violations(4010), pointed_at(emulator):
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.start(emulator.token), 5)
        await client.close()
    assert closed.value.code == 4010 and emulator.gateway.sessions == {}


# =============================================================================== nonces


async def test_a_repeated_nonce_is_answered_with_the_first_message(
    emulator: Emulator, probe: Probe, clock: Any
) -> None:
    general_channel = probe.get_channel(emulator.channel("general").id)
    first = await general_channel.send("question 1", nonce="quiz:42:1")
    again = await general_channel.send("question 1, retried", nonce="quiz:42:1")
    assert again.id == first.id and again.content == "question 1" and again.nonce == "quiz:42:1"
    assert [m.content for m in emulator.messages_in("general")] == ["question 1"]
    assert len(emulator.deduplicated) == 1
    assert emulator.deduplicated[0].path == f"/channels/{general_channel.id}/messages"
    assert emulator.deduplicated[0].body["enforce_nonce"] is True  # discord.py always asks
    marker = await general_channel.send("a later message")  # gateway events come in order
    seen = lambda: [m.id for m in probe.seen_messages]  # noqa: E731
    await emulator.wait_until(lambda: marker.id in seen(), what="the later MESSAGE_CREATE")
    assert seen() == [first.id, marker.id]  # no second MESSAGE_CREATE for the retried post
    # the same nonce in another channel, or after five minutes, is a new message
    elsewhere = await probe.get_channel(emulator.channel("quiz").id).send("q", nonce="quiz:42:1")
    assert elsewhere.id != first.id
    clock.advance(emulator.nonce_window + 1)
    later = await general_channel.send("question 1, much later", nonce="quiz:42:1")
    assert later.id != first.id and len(emulator.deduplicated) == 1


async def test_a_nonce_without_enforce_nonce_creates_a_message_each_time(
    emulator: Emulator, probe: Probe
) -> None:
    channel_id = emulator.channel("general").id
    body = {"content": "twice", "nonce": 7}
    for _ in range(2):
        await _send_raw(
            probe, "POST /channels/{channel_id}/messages", ids={"channel_id": channel_id}, json=body
        )
    assert len(emulator.messages_in("general")) == 2 and emulator.deduplicated == []
    enforced = {**body, "enforce_nonce": True}  # an integer nonce is de-duplicated too
    answer = await _send_raw(
        probe, "POST /channels/{channel_id}/messages", ids={"channel_id": channel_id}, json=enforced
    )
    assert answer["id"] == str(emulator.messages_in("general")[-1].id) and answer["nonce"] == 7
    assert len(emulator.messages_in("general")) == 2 and len(emulator.deduplicated) == 1


async def test_a_nonce_whose_message_was_deleted_is_not_found(
    emulator: Emulator, probe: Probe
) -> None:
    channel = probe.get_channel(emulator.channel("general").id)
    first = await channel.send("gone soon", nonce="n1")
    await first.delete()
    with pytest.raises(discord.NotFound) as missing:
        await channel.send("gone soon", nonce="n1")
    assert missing.value.code == 10008
    assert emulator.messages_in("general") == [] and emulator.violations == []


async def test_an_over_long_nonce_is_a_form_error_naming_it(
    emulator: Emulator, probe: Probe
) -> None:
    channel = probe.get_channel(emulator.channel("general").id)
    with emulator.expect_violations(50035) as found, pytest.raises(discord.HTTPException) as raised:
        await channel.send("hi", nonce="n" * 26)
    assert "In nonce" in str(raised.value)
    assert found[0].detail == "nonce: Must be 25 or fewer in length (26)."
    assert _errors(L.check_message, {"content": "x", "nonce": 1 << 63}) == ["nonce"]
    assert _errors(L.check_message, {"content": "x", "nonce": "n" * 25}) == []


# ========================================================================= link buttons, role pings


@pytest.mark.parametrize(
    ("button", "field"),
    [
        ({"type": 2, "style": 5, "label": "Docs"}, "components.0.components.0.url"),
        (
            {"type": 2, "style": 5, "label": "Docs", "url": "https://x.test", "custom_id": "c"},
            "components.0.components.0.custom_id",
        ),
        (
            {"type": 2, "style": 1, "label": "Go", "custom_id": "c", "url": "https://x.test"},
            "components.0.components.0.url",
        ),
    ],
)
def test_link_buttons_have_a_url_and_no_custom_id(button: dict[str, Any], field: str) -> None:
    assert field in _errors(L.check_message, {"components": [_row(button)]})


def test_a_link_button_needs_no_custom_id() -> None:
    link = {"type": 2, "style": 5, "label": "Docs", "url": "https://example.com/docs"}
    assert _errors(L.check_message, {"components": [_row(link, _button())]}) == []


async def test_a_link_button_is_posted_but_cannot_be_clicked(
    emulator: Emulator, probe: Probe, alice: Member
) -> None:
    message = await (await alice.slash("links")).message()
    assert message.button_labels == ["Docs", "Next"]
    assert message.find_component("Docs")["url"] == "https://example.com/docs"
    with pytest.raises(AssertionError, match=r"'Docs' .* is a link button"):
        await alice.click(message, "Docs")
    assert [i.type for i in emulator.interactions.values()] == [2]  # no click was delivered


async def test_a_role_mention_pings_the_role_only_when_discord_would(
    emulator: Emulator, probe: Probe, mod: Member
) -> None:
    channel = probe.get_channel(emulator.channel("general").id)
    moderator = emulator.role("Moderator")
    alert = await emulator.create_role("Alert", mentionable=True)
    await emulator.give_role(mod, alert)
    only = discord.AllowedMentions(roles=[discord.Object(alert.id)])
    sent = await channel.send(f"{alert.mention} wake up", allowed_mentions=only)
    assert emulator.messages[sent.id].pings == {mod.id}
    assert emulator.messages[sent.id].allowed_mentions == {"parse": [], "roles": [alert.id]}
    quiet = await channel.send(f"{alert.mention} wake up")  # the probe's default: parse []
    assert emulator.messages[quiet.id].allowed_mentions == {"parse": []}
    assert emulator.messages[quiet.id].pings == set()
    # Moderator is not mentionable: only an author with Mention Everyone pings it
    by_id = discord.AllowedMentions(roles=[discord.Object(moderator.id)])
    muted = await channel.send(f"{moderator.mention} look", allowed_mentions=by_id)
    assert emulator.messages[muted.id].pings == set()
    await emulator.set_permissions("general", emulator.bot_member, allow=("mention_everyone",))
    loud = await channel.send(f"{moderator.mention} look", allowed_mentions=by_id)
    assert emulator.messages[loud.id].pings == {mod.id}
    assert moderator.payload()["mentionable"] is False and alert.payload()["mentionable"]


# =============================================================================== Roundtable e2e


async def test_the_bot_boots_fast_and_syncs_to_the_dev_guild_only(
    emulator: Emulator, harness: BotHarness
) -> None:
    assert harness.start_durations[0] < 2.0
    assert [scope for scope, _ in emulator.command_puts] == [emulator.guild.id]
    names = {command["name"] for command in emulator.commands[emulator.guild.id]}
    assert {"help", "settings"} <= names
    assert emulator.commands[None] == []
    errors = FormErrors()
    L.check_commands(emulator.command_puts[0][1], errors)
    assert errors.errors == []
    assert emulator.violations == []


async def test_help_answers_a_member_privately(emulator: Emulator, bot: Any, alice: Member) -> None:
    reply = await (await alice.slash("help")).ephemeral()
    assert "/help" in reply.text
    assert reply in alice.seen() and reply not in emulator.member("bob").seen()
    assert emulator.messages_in("general") == []


def _command_paths(emulator: Emulator) -> list[str]:
    paths = []
    for command in emulator.commands[emulator.guild.id]:
        subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
        if not subs:
            paths.append(command["name"])
        for sub in subs:
            inner = [o for o in sub.get("options") or [] if o["type"] == 1]
            paths += [f"{command['name']} {sub['name']} {i['name']}" for i in inner] or [
                f"{command['name']} {sub['name']}"
            ]
    return paths


async def test_help_lists_every_synced_command(emulator: Emulator, bot: Any, admin: Member) -> None:
    # An admin sees every section (a member sees only what they may use: test_help.py).
    reply = await (await admin.slash("help")).ephemeral()
    pages = [reply.text]
    while "Next" in reply.button_labels and not reply.find_component("Next").get("disabled"):
        reply = await (await admin.click(reply, "Next")).message()
        pages.append(reply.text)
    text = "\n".join(pages)
    missing = [p for p in _command_paths(emulator) if f"/{p}" not in text]
    assert missing == []
    # one command per line, even in an area whose text needs several fields
    not_a_line = [p for p in _command_paths(emulator) if not re.search(rf"^`/{p}[ `]", text, re.M)]
    assert not_a_line == []


async def test_settings_show_and_change_as_an_admin(
    emulator: Emulator, bot: Any, admin: Member
) -> None:
    shown = await (await admin.slash("settings show")).ephemeral()
    assert "Moderator role" in shown.text and "not set" in shown.text
    moderator = emulator.role("Moderator")
    changed = await (await admin.slash("settings moderator-role", role=moderator)).ephemeral()
    assert moderator.mention in changed.text
    zones = await admin.autocomplete("settings timezone", timezone="Europe/Ber")
    assert "Europe/Berlin" in [c.value for c in zones]
    await (await admin.slash("settings timezone", timezone="Europe/Berlin")).ephemeral()
    await (await admin.slash("settings quiz-starters", starters="moderators")).ephemeral()
    await (
        await admin.slash("settings log-channel", channel=emulator.channel("mod-log"))
    ).ephemeral()
    stored = await bot.store.guilds.get(emulator.guild.id)
    assert stored.moderator_role_id == moderator.id and stored.timezone == "Europe/Berlin"
    assert stored.quiz_starters == "moderators"
    assert stored.log_channel_id == emulator.channel("mod-log").id


async def test_settings_refuse_a_member_without_manage_server(
    emulator: Emulator, bot: Any, alice: Member, mod: Member
) -> None:
    every_subcommand = {
        "settings show": {},
        "settings moderator-role": {"role": "Moderator"},
        "settings log-channel": {"channel": emulator.channel("mod-log")},
        "settings timezone": {"timezone": "Europe/Berlin"},
        "settings pack": {"pack": "wedging-strategy"},
        "settings quiz-starters": {"starters": "moderators"},
    }
    expected = "Only admins (Manage Server) can see or change the server's settings."
    for member in (alice, mod):  # the commands are delivered despite default_permissions
        for command, options in every_subcommand.items():
            refusal = await (await member.slash(command, **options)).ephemeral()
            assert refusal.content == expected, command
    assert await bot.store.guilds.get(emulator.guild.id) == GuildSettings(emulator.guild.id)
    assert emulator.messages_in("general") == []


async def test_settings_mistakes_get_a_short_private_sentence_and_change_nothing(
    emulator: Emulator, bot: Any, admin: Member
) -> None:
    long_name = "Europe/" + "Atlantis " * 500
    wrong_zone = await (await admin.slash("settings timezone", timezone=long_name)).ephemeral()
    assert wrong_zone.content.startswith("'Europe/Atlantis Atlantis")
    assert "is not a time zone I know" in wrong_zone.content and len(wrong_zone.content) < 250
    wrong_pack = await (await admin.slash("settings pack", pack="nope")).ephemeral()
    assert wrong_pack.content == (
        "There is no content pack called 'nope'. Known: wedging-strategy."
    )
    bot_role = await (await admin.slash("settings moderator-role", role="Roundtable")).ephemeral()
    assert "belongs to a bot or an integration" in bot_role.content
    everyone = await (await admin.slash("settings moderator-role", role="@everyone")).ephemeral()
    assert "@everyone cannot be the moderator role" in everyone.content
    assert await bot.store.guilds.get(emulator.guild.id) == GuildSettings(emulator.guild.id)


async def test_time_zones_are_understood_as_members_type_them(
    emulator: Emulator, bot: Any, admin: Member
) -> None:
    typed = {"seoul": "Asia/Seoul", "america/new york": "America/New_York", "UTC": "UTC"}
    for text, zone in typed.items():
        reply = await (await admin.slash("settings timezone", timezone=text)).ephemeral()
        assert reply.content.startswith(f"Time zone set to {zone}."), text
        assert (await bot.store.guilds.get(emulator.guild.id)).timezone == zone
    choices = await admin.autocomplete("settings timezone", timezone="new yo")
    assert [c.value for c in choices] == ["America/New_York"]
    assert len(await admin.autocomplete("settings timezone", timezone="")) == 25


async def test_a_log_channel_the_bot_cannot_post_in_is_set_with_a_warning(
    emulator: Emulator, bot: Any, admin: Member
) -> None:
    hidden = await emulator.create_channel("secret", private=True)
    await emulator.revoke(hidden, "send_messages")
    reply = await (await admin.slash("settings log-channel", channel=hidden)).ephemeral()
    assert reply.content == (
        f"Log channel set to {hidden.mention}. I cannot post there yet: give me View Channel "
        f"and Send Messages in {hidden.mention}."
    )
    assert (await bot.store.guilds.get(emulator.guild.id)).log_channel_id == hidden.id
    fine = await (await admin.slash("settings log-channel", channel="mod-log")).ephemeral()
    assert fine.content == f"Log channel set to {emulator.channel('mod-log').mention}."
    cleared = await (await admin.slash("settings log-channel")).ephemeral()
    assert cleared.content == "Log channel cleared."
    assert (await bot.store.guilds.get(emulator.guild.id)).log_channel_id is None
    assert reply.pings == fine.pings == set()


class TestASecondPackBesideTheShippedOnes:
    """Overriding ``content_dir`` (here for one class) serves a pack written in ``tmp_path``."""

    @pytest.fixture
    def content_dir(self, tmp_path: Path) -> Path:
        root = copy_content(tmp_path / "content")
        write_pack(root, "demo")
        return root

    async def test_both_packs_are_offered(
        self, emulator: Emulator, bot: Any, admin: Member
    ) -> None:
        choices = await admin.autocomplete("settings pack", pack="")
        assert {"wedging-strategy", "demo"} <= {choice.value for choice in choices}
        reply = await (await admin.slash("settings pack", pack="demo")).ephemeral()
        assert reply.content == "Default pack set to demo (Why Towns Plant Street Trees)."
        assert (await bot.store.guilds.get(emulator.guild.id)).default_pack == "demo"

    async def test_a_default_pack_that_is_gone_is_shown_as_such(
        self, emulator: Emulator, harness: BotHarness, content_dir: Path, admin: Member
    ) -> None:
        await (await admin.slash("settings pack", pack="demo")).ephemeral()
        shutil.rmtree(content_dir / "demo")
        await harness.restart()
        shown = await (await admin.slash("settings show")).ephemeral()
        assert "demo (not loaded: using wedging-strategy)" in shown.text


@pytest.mark.parametrize("abrupt", [False, True])
async def test_a_restart_keeps_settings_and_does_not_sync_again(
    emulator: Emulator, harness: BotHarness, admin: Member, abrupt: bool
) -> None:
    await (await admin.slash("settings timezone", timezone="Asia/Seoul")).ephemeral()
    bot = await harness.restart(abrupt=abrupt)
    assert len(emulator.command_puts) == 1 and bot.synced is False
    assert harness.start_durations[-1] < 2.0
    shown = await (await admin.slash("settings show")).ephemeral()
    assert "Asia/Seoul" in shown.text


async def test_an_abrupt_stop_leaves_no_task_or_thread_behind(
    emulator: Emulator, harness: BotHarness
) -> None:
    await harness.stop(abrupt=True)
    await asyncio.sleep(0)
    leftovers = [t for t in asyncio.all_tasks() if "discord" in repr(t.get_coro())]
    assert leftovers == []
    assert not [t for t in threading.enumerate() if t.name.startswith("keep-alive")]

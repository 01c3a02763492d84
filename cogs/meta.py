"""``/help``: "Start here", then the commands the member can use, from the live command tree.

The first page starts a newcomer off (``/article`` → ``/summary`` → ``/quiz practice``). Then
come only the sections the member may use — everyone's commands; moderators'; admins' — decided
on the server side from the member's permissions every time a page is shown. Each page is one
embed inside Discord's limits; Previous/Next turn the pages and one button per section jumps to
it.

A command's section comes from, in order: ``extras={"audience": "moderator"}`` (or ``"admin"``)
on the command or its group, the table :data:`AUDIENCE` below, then the command's
``default_permissions`` (Manage Server → admin, Manage Messages → moderator). Anything else is for
everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.buttons import INT, Field, PersistentButton
from bot.adapter.checks import is_admin, is_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import (
    Page,
    Pager,
    clamp_page,
    embed,
    page_view,
    paginate_fields,
    send_ephemeral,
    truncate,
)
from bot.text import FIELD_VALUE, FOOTER_TEXT, split_text

MEMBER: Final = "member"
MODERATOR: Final = "moderator"
ADMIN: Final = "admin"
AUDIENCES: Final = (MEMBER, MODERATOR, ADMIN)

#: Commands the bot's own checks keep to moderators or admins, by qualified name; a group's name
#: covers its subcommands. ``quiz start`` joins the moderators' section when the server lets only
#: moderators start live quizzes (``/settings quiz-starters``).
AUDIENCE: Final[Mapping[str, str]] = {
    "debate start": MODERATOR,
    "debate next": MODERATOR,
    "debate extend": MODERATOR,
    "debate pause": MODERATOR,
    "debate resume": MODERATOR,
    "debate remove": MODERATOR,
    "debate judge": MODERATOR,
    "debate end": MODERATOR,
    "debate swap": MODERATOR,
    "scores adjust": MODERATOR,
    "scores season-new": ADMIN,
    "scores export": ADMIN,
    "schedule": ADMIN,
    "settings": ADMIN,
}

#: The help area whose notes carry the points rule (the quiz cog's ``help_area``).
QUIZ_AREA = "Quiz"
HELP_INTRO = (
    "Roundtable turns an article into a discussion: read the summaries, test yourself with "
    "quizzes, argue it out in moderated debates, and climb the leaderboard."
)
START_HERE = (
    "**1. `/article`** — the article card: what it argues, its key takeaways, and where to "
    "read it.\n"
    "**2. `/summary`** — the short summary; `length: detailed` goes through the article part "
    "by part.\n"
    "**3. `/quiz practice`** — practise privately; the questions you miss come back first."
)
PRIVATE_NOTE = (
    "`/glossary`, `/positions` and `/timeline` answer only you; their **Share** button posts "
    "the card for everyone. Your own rank on `/leaderboard` comes to you privately too."
)


@dataclass(frozen=True, slots=True)
class Section:
    """One audience's commands: its title, a line saying who it is for, its short button name."""

    audience: str
    title: str
    intro: str
    button: str


SECTIONS: Final[Mapping[str, Section]] = {
    MEMBER: Section(MEMBER, "Commands for everyone", "Every member can use these.", "Everyone"),
    MODERATOR: Section(
        MODERATOR,
        "Moderator commands",
        "You see these because you are a moderator (Manage Messages, Manage Server or the "
        "server's moderator role).",
        "Moderators",
    ),
    ADMIN: Section(
        ADMIN,
        "Admin commands",
        "You see these because you are an admin (Manage Server).",
        "Admins",
    ),
}

AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def _lineage(command: AnyCommand) -> list[AnyCommand]:
    """``command`` and its groups, innermost first."""
    chain: list[AnyCommand] = []
    current: AnyCommand | None = command
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def audience_of(command: AnyCommand, *, moderators_start_quizzes: bool = False) -> str:
    """Which section lists ``command`` (see the module docstring)."""
    lineage = _lineage(command)
    for item in lineage:
        declared = item.extras.get("audience")
        if declared in AUDIENCES:
            return str(declared)
    if command.qualified_name == "quiz start" and moderators_start_quizzes:
        return MODERATOR
    for item in lineage:
        if item.qualified_name in AUDIENCE:
            return AUDIENCE[item.qualified_name]
    permissions = lineage[-1].default_permissions
    if permissions is not None and (permissions.manage_guild or permissions.administrator):
        return ADMIN
    if permissions is not None and permissions.manage_messages:
        return MODERATOR
    return MEMBER


def command_line(command: app_commands.Command[Any, ..., Any]) -> str:
    """```/path [option]` — description``: one runnable command on one line."""
    params = " ".join(
        f"{p.display_name}" if p.required else f"[{p.display_name}]" for p in command.parameters
    )
    path = f"/{command.qualified_name}" + (f" {params}" if params else "")
    return f"`{path}` — {command.description}"


def runnable(command: AnyCommand) -> list[app_commands.Command[Any, ..., Any]]:
    """Every runnable command under ``command`` (itself when it is not a group), a group's own
    commands before those of its subgroups."""
    if isinstance(command, app_commands.Group):
        found = []
        for child in sorted(command.commands, key=lambda c: isinstance(c, app_commands.Group)):
            found.extend(runnable(child))
        return found
    return [command]


def help_sections(
    bot: commands.Bot, audiences: tuple[str, ...], *, moderators_start_quizzes: bool = False
) -> dict[str, list[tuple[str, str]]]:
    """``{audience: [(area, text)]}`` for ``audiences``, areas in the cogs' declared order.

    An area's notes (``help_notes``) go with its first section, where its everyday commands are.
    """
    areas: list[tuple[int, str, dict[str, list[str]], tuple[str, ...]]] = []
    for cog in bot.cogs.values():
        group = cog.app_command if isinstance(cog, commands.GroupCog) else None
        lines: dict[str, list[str]] = {}
        tops = [group] if group is not None else cog.get_app_commands()
        for top in sorted(tops, key=lambda c: isinstance(c, app_commands.Group)):
            for command in runnable(top):
                audience = audience_of(command, moderators_start_quizzes=moderators_start_quizzes)
                lines.setdefault(audience, []).append(command_line(command))
        if lines:
            order = getattr(cog, "help_order", 50)
            area = getattr(cog, "help_area", cog.qualified_name)
            areas.append((order, area, lines, tuple(getattr(cog, "help_notes", ()))))
    sections: dict[str, list[tuple[str, str]]] = {audience: [] for audience in audiences}
    for _, area, lines, notes in sorted(areas, key=lambda a: a[0]):
        first = next(a for a in AUDIENCES if a in lines)
        for audience in audiences:
            if audience in lines:
                extra = notes if audience == first else ()
                sections[audience].append((area, "\n".join([*lines[audience], *extra])))
    return {audience: areas for audience, areas in sections.items() if areas}


def with_server_rule(
    sections: dict[str, list[tuple[str, str]]], points_mode: str
) -> dict[str, list[tuple[str, str]]]:
    """The sections with the server's own points rule added where the quiz notes are."""
    line = f"**This server's live quizzes use the {points_mode} points rule.**"
    for areas in sections.values():
        for index, (area, text) in enumerate(areas):
            if area == QUIZ_AREA and "Live quiz points" in text:
                areas[index] = (area, f"{text}\n{line}")
                return sections
    return sections


def area_fields(areas: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each area's text as fields of whole lines ("Quiz", "Quiz (cont.)"), each inside a
    field's limit, so an area longer than one embed still spreads over pages."""
    fields = []
    for area, text in areas:
        for index, chunk in enumerate(split_text(text, FIELD_VALUE)):
            fields.append((area if index == 0 else f"{area} (cont.)", chunk))
    return fields


async def audiences_of(interaction: discord.Interaction[RoundtableBot]) -> tuple[str, ...]:
    """The sections this member may see, from their permissions in this channel."""
    if interaction.guild_id is None:
        return (MEMBER,)
    if is_admin(interaction):
        return AUDIENCES
    if await is_moderator(interaction):
        return (MEMBER, MODERATOR)
    return (MEMBER,)


@dataclass(frozen=True, slots=True)
class HelpBook:
    """Every page one member's /help shows, and where each section starts."""

    pages: list[discord.Embed]
    starts: dict[str, int]


def start_page(sections: Mapping[str, int]) -> discord.Embed:
    """The first page: three commands to start with, and the sections that follow."""
    page = embed("Roundtable — start here", f"{HELP_INTRO}\n\n{START_HERE}")
    page.add_field(name="Only you see", value=PRIVATE_NOTE, inline=False)
    contents = [
        f"Page {start + 1} — {SECTIONS[audience].title}" for audience, start in sections.items()
    ]
    contents.append("Run `/help` again any time to come back here.")
    page.add_field(name="In this help", value="\n".join(contents), inline=False)
    return page


async def help_book(interaction: discord.Interaction[RoundtableBot]) -> HelpBook:
    """The member's /help: "Start here", then one or more pages per section they may use."""
    bot = interaction.client
    moderators_start = False
    points_mode = "classic"
    if interaction.guild_id is not None:
        settings = await bot.store.guilds.get(interaction.guild_id)
        moderators_start = settings.quiz_starters == "moderators"
        points_mode = settings.quiz_points
    sections = help_sections(
        bot, await audiences_of(interaction), moderators_start_quizzes=moderators_start
    )
    sections = with_server_rule(sections, points_mode)
    body: list[tuple[str, discord.Embed]] = []
    starts: dict[str, int] = {}
    for audience, areas in sections.items():
        section = SECTIONS[audience]
        starts[audience] = 1 + len(body)
        for page in paginate_fields(section.title, area_fields(areas), description=section.intro):
            body.append((section.title, page))
    pages = [start_page(starts)] + [page for _, page in body]
    names = ["Start here"] + [title for title, _ in body]
    for index, (page, name) in enumerate(zip(pages, names, strict=True), start=1):
        page.set_footer(text=truncate(f"Page {index} of {len(pages)} · {name}", FOOTER_TEXT))
    return HelpBook(pages, starts)


class HelpJump(
    PersistentButton, key="help:go", fields={"owner": INT, "page": Field(r"\d{1,3}", int)}
):
    """Go straight to a section of the member's /help."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        if interaction.user.id != self.values["owner"]:
            await send_ephemeral(interaction, "Run `/help` to get your own copy.")
            return
        page = await render_help(interaction, "", self.values["page"])
        view = page_view(PAGER, interaction.user.id, "", page)
        await interaction.response.edit_message(embeds=page.embeds, view=view)


PAGER: Final = "help"


async def render_help(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of the member's /help, with a button for each section to jump to."""
    book = await help_book(interaction)  # type: ignore[arg-type]
    index = clamp_page(index, len(book.pages))
    targets = {"Start here": 0, **{SECTIONS[a].button: start for a, start in book.starts.items()}}
    ends = [*list(targets.values())[1:], len(book.pages)]
    jumps: list[discord.ui.Item[Any]] = []
    for (label, start), end in zip(targets.items(), ends, strict=True):
        jump = HelpJump(
            label=label, disabled=start <= index < end, owner=interaction.user.id, page=start
        )
        jump.row = 1
        jumps.append(jump)
    return Page([book.pages[index]], index, len(book.pages), extra_items=jumps)


class Meta(commands.Cog):
    """Help and information about the bot itself."""

    help_area = "General"
    help_order = 0

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        bot.register_pager(Pager(PAGER, render_help, "help"))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HelpJump)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HelpJump)

    @app_commands.command(
        name="help", description="Start here: the commands you can use, a section per page."
    )
    async def help(self, interaction: discord.Interaction) -> None:
        page = await render_help(interaction, "", 0)
        view = page_view(PAGER, interaction.user.id, "", page)
        await interaction.response.send_message(
            embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=True
        )


async def setup(bot: RoundtableBot) -> None:
    await bot.add_cog(Meta(bot))

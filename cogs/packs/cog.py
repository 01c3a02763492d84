"""The ``/pack`` commands: upload, list, info, export, remove and template.

Thin: parse, check permission on the server side (upload, export and remove are for admins,
Manage Server), read the attachment (its size first, then at most that many bytes, with a
timeout), call ``bot.packs`` and render with :mod:`cogs.packs.views`. A server's packs are
scoped by the interaction's server: another server never sees them.
"""

from __future__ import annotations

import asyncio
import io

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete, pack_choices
from bot.adapter.checks import guild_id_of, require_admin
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import Page, Pager, clamp_page, page_view
from bot.content.archive import MAX_UPLOAD_BYTES, ArchiveRefused, check_pack_id, size_text
from bot.errors import UserError
from bot.services.packs import PackInvalid
from cogs.packs.views import (
    LIMITS_NOTE,
    TOML_URL,
    CancelRemove,
    ConfirmRemove,
    info_card,
    list_pages,
    problems_reply,
    remove_prompt,
    remove_view,
    upload_reply,
)

#: How long reading an attachment from Discord may take.
FETCH_TIMEOUT = 20.0
_CHUNK = 64 * 1024
PAGER = "packs"


def too_big(filename: str, size: int | None = None) -> ArchiveRefused:
    """The refusal of a file over the upload limit (``size`` None: more than it, so far)."""
    what = size_text(size) if size is not None else f"more than {size_text(MAX_UPLOAD_BYTES)}"
    return ArchiveRefused(
        f"{filename} is {what}: an upload may be at most {size_text(MAX_UPLOAD_BYTES)}."
    )


async def read_attachment(attachment: discord.Attachment, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The attachment's bytes: refused unread when Discord says it is over ``limit``, and never
    more than ``limit`` bytes read, within :data:`FETCH_TIMEOUT` seconds."""
    if attachment.size > limit:
        raise too_big(attachment.filename, attachment.size)
    received = bytearray()
    try:
        async with (
            asyncio.timeout(FETCH_TIMEOUT),
            aiohttp.ClientSession() as session,
            session.get(attachment.url) as response,
        ):
            if response.status != 200:
                raise UserError(
                    f"Discord did not hand over {attachment.filename} (HTTP {response.status}): "
                    "upload it again."
                )
            async for chunk in response.content.iter_chunked(_CHUNK):
                received += chunk
                if len(received) > limit:
                    raise too_big(attachment.filename)
    except TimeoutError:
        raise UserError(
            f"Reading {attachment.filename} from Discord took more than {FETCH_TIMEOUT:.0f} "
            "seconds: upload it again."
        ) from None
    except aiohttp.ClientError:
        raise UserError(
            f"{attachment.filename} could not be read from Discord: upload it again."
        ) from None
    return bytes(received)


async def send(
    interaction: discord.Interaction,
    content: str,
    embeds: list[discord.Embed],
    files: list[discord.File],
) -> None:
    """A follow-up to a deferred command, privately."""
    await interaction.followup.send(
        content, embeds=embeds, files=files or discord.utils.MISSING, ephemeral=True
    )


async def own_pack(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[str]]:
    """This server's own packs (not the built-in ones) matching what was typed."""
    return await pack_choices(interaction.client, interaction.guild_id, current, own_only=True)


@app_commands.guild_only()
class PacksCog(
    commands.GroupCog,
    name="Packs",
    group_name="pack",
    group_description="Content packs: the built-in ones and this server's own.",
):
    """Bring your own article: upload, check, list, export and remove content packs."""

    help_area = "Content packs"
    help_order = 80
    help_notes = (LIMITS_NOTE,)

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ConfirmRemove, CancelRemove)
        self.bot.register_pager(Pager(PAGER, self.render_page, "pack list"))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ConfirmRemove, CancelRemove)
        self.bot.pagers.pop(PAGER, None)

    # --- upload ---------------------------------------------------------------------------------

    @app_commands.command(
        name="upload", description="Upload a content pack for this server (admins)."
    )
    @app_commands.rename(pack_id="id")
    @app_commands.describe(
        file="A .zip of pack.toml (+ quiz.toml, debate.toml), or pack.toml alone",
        pack_id="The pack's id (default: the zip's folder name; needed for pack.toml alone)",
        replace="Store a new version of this server's pack with the same id",
    )
    @app_commands.autocomplete(pack_id=own_pack)
    async def upload(
        self,
        interaction: discord.Interaction[RoundtableBot],
        file: discord.Attachment,
        pack_id: str | None = None,
        replace: bool = False,
    ) -> None:
        require_admin(interaction, "upload content packs")
        guild_id = guild_id_of(interaction)
        if pack_id:
            check_pack_id(pack_id)  # a bad id is refused before the file is downloaded
        if file.size > MAX_UPLOAD_BYTES:
            raise too_big(file.filename, file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await read_attachment(file)
        try:
            result = await self.bot.packs.upload(
                guild_id,
                interaction.user.id,
                file.filename,
                data,
                pack_id=pack_id or None,
                replace=replace,
                now=self.bot.clock.now(),
            )
        except PackInvalid as invalid:
            await send(interaction, *problems_reply(invalid))
            return
        await send(interaction, *upload_reply(result))

    # --- list and info --------------------------------------------------------------------------

    @app_commands.command(name="list", description="The built-in packs and this server's own.")
    async def list_packs(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        page = await self.render_page(interaction, "", 0)
        view = page_view(PAGER, interaction.user.id, "", page)
        await interaction.response.send_message(
            embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=True
        )

    async def render_page(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        guild_id = guild_id_of(interaction)
        entries = await self.bot.packs.entries(guild_id)
        pages = list_pages(entries, await self.bot.packs.default_id(guild_id))
        index = clamp_page(index, len(pages))
        return Page([pages[index]], index, len(pages))

    @app_commands.command(name="info", description="One pack's card: counts and versions.")
    @app_commands.rename(pack_id="id")
    @app_commands.describe(pack_id="The pack's id")
    @app_commands.autocomplete(pack_id=pack_autocomplete)
    async def info(self, interaction: discord.Interaction[RoundtableBot], pack_id: str) -> None:
        guild_id = guild_id_of(interaction)
        info = await self.bot.packs.info(guild_id, pack_id.strip())
        card = info_card(info, await self.bot.packs.default_id(guild_id))
        await interaction.response.send_message(embed=card, ephemeral=True)

    # --- export, template -----------------------------------------------------------------------

    @app_commands.command(
        name="export", description="A pack as a .zip that /pack upload takes (admins)."
    )
    @app_commands.rename(pack_id="id")
    @app_commands.describe(pack_id="The pack's id (built-in packs too)")
    @app_commands.autocomplete(pack_id=pack_autocomplete)
    async def export(self, interaction: discord.Interaction[RoundtableBot], pack_id: str) -> None:
        require_admin(interaction, "export content packs")
        guild_id = guild_id_of(interaction)
        exported = await self.bot.packs.export(guild_id, pack_id.strip())
        if len(exported.data) > interaction.filesize_limit:
            raise UserError(
                f"The export is {size_text(len(exported.data))}, more than Discord accepts here."
            )
        entry = exported.entry
        kind = "built-in pack" if entry.builtin else f"pack (version {entry.version.version})"  # type: ignore[union-attr]
        note = (
            " To start a pack of your own from it, change what you like and upload it with a new "
            "`id`."
            if entry.builtin
            else " `/pack upload` takes this file as it is (with `replace: true` here)."
        )
        await interaction.response.send_message(
            f"The {kind} `{entry.id}`: its files in the folder `{entry.id}/`.{note}",
            file=discord.File(io.BytesIO(exported.data), filename=exported.filename),
            ephemeral=True,
        )

    @app_commands.command(
        name="template", description="A .zip with a commented skeleton of a pack."
    )
    async def template(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        data = await self.bot.packs.template()
        await interaction.response.send_message(
            "A commented skeleton of pack.toml, quiz.toml and debate.toml in the folder "
            "`my-pack/`, with README.md, the format field by field. Rename the folder to your "
            "pack's id, fill in the files, zip the folder and upload it with `/pack upload`. "
            f"The format: README.md in the zip; TOML itself: {TOML_URL}",
            file=discord.File(io.BytesIO(data), filename="pack-template.zip"),
            ephemeral=True,
        )

    # --- remove ---------------------------------------------------------------------------------

    @app_commands.command(name="remove", description="Remove one of this server's packs (admins).")
    @app_commands.rename(pack_id="id")
    @app_commands.describe(pack_id="The id of one of this server's packs")
    @app_commands.autocomplete(pack_id=own_pack)
    async def remove(self, interaction: discord.Interaction[RoundtableBot], pack_id: str) -> None:
        require_admin(interaction, "remove content packs")
        guild_id = guild_id_of(interaction)
        version = await self.bot.packs.removable(guild_id, pack_id.strip())
        await interaction.response.send_message(
            remove_prompt(version, await self.bot.packs.default_id(guild_id)),
            view=remove_view(interaction.user.id, version.pack_id),
            ephemeral=True,
        )

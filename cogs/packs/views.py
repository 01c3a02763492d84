"""What ``/pack`` shows: the upload report, the problems of a broken pack, the pack list and
card, and the Confirm/Cancel buttons of ``/pack remove`` (restart-proof: the custom id holds
the admin who asked and the pack id).

Long lists (problems, warnings) go in embeds while they fit in one message and in an attached
text file when they do not, so nothing is ever cut off.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.adapter.buttons import INT, SLUG, PersistentButton, view_of
from bot.adapter.checks import guild_id_of, require_admin
from bot.adapter.ui import (
    EMBED_DESCRIPTION,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_VALUE,
    embed,
    mention_safe,
    paginate_fields,
    truncate,
)
from bot.clock import discord_timestamp
from bot.content.archive import MAX_UNPACKED_BYTES, MAX_UPLOAD_BYTES, MAX_ZIP_FILES, size_text
from bot.content.problems import Problem
from bot.errors import NotAllowed
from bot.services.packs import (
    MAX_PACKS,
    MAX_QUESTIONS,
    PackCounts,
    PackEntry,
    PackInfo,
    PackInvalid,
    Uploaded,
)
from bot.store import PackVersion

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

TOML_URL = "https://toml.io/en/v1.0.0"
LIMITS_NOTE = (
    f"Uploads: a .zip of pack.toml, quiz.toml and debate.toml (top level or one folder; a README "
    f"is ignored) or pack.toml alone; at most {size_text(MAX_UPLOAD_BYTES)}, {MAX_ZIP_FILES} "
    f"files and {size_text(MAX_UNPACKED_BYTES)} unpacked, UTF-8 text, {MAX_QUESTIONS} questions; "
    f"{MAX_PACKS} packs per server. A server's packs are seen only in that server."
)
#: Room kept free in a message's 6,000 characters of embed text for titles and footers.
_SLACK = 300


# --- shared pieces ------------------------------------------------------------------------------


def when(epoch: float) -> str:
    return f"{discord_timestamp(epoch, 'f')} ({discord_timestamp(epoch, 'R')})"


def counts_fields(counts: PackCounts) -> list[tuple[str, str]]:
    """The pack's counts as (name, value) fields, as ``python -m bot check`` prints them."""
    by_paragraph = " · ".join(f"{ref} {n}" for ref, n in counts.by_paragraph) or "—"
    by_level = " · ".join(f"{level} {n}" for level, n in counts.by_difficulty)
    events = counts.events
    background = events - counts.article_events
    return [
        ("Sections", f"{len(counts.sections)}: {', '.join(counts.sections)}"),
        (
            "Questions",
            f"{counts.questions}" + (
                f"\nby paragraph: {by_paragraph}\nby difficulty: {by_level}"
                if counts.questions else ""
            ),
        ),
        ("Glossary terms", str(counts.terms)),
        ("Timeline events", f"{events} ({counts.article_events} from the article, "
                            f"{background} background)"),
        ("Positions", f"{len(counts.positions)}"
                      + (f": {', '.join(counts.positions)}" if counts.positions else "")),
        ("Motions", str(counts.motions)),
    ]  # fmt: skip


def add_fields(card: discord.Embed, fields: Sequence[tuple[str, str]], inline: bool) -> None:
    for name, value in fields:
        card.add_field(name=name, value=truncate(value, FIELD_VALUE), inline=inline)


def line_pages(title: str, lines: Sequence[str], budget: int) -> list[discord.Embed] | None:
    """``lines`` over as many embeds as needed (each description within Discord's limit), or
    None when they need more than ``budget`` characters or more than one message's embeds."""
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = truncate(line, EMBED_DESCRIPTION)
        if sum(len(x) + 1 for x in pages[-1]) + len(line) > EMBED_DESCRIPTION:
            pages.append([])
        pages[-1].append(line)
        size += len(line) + 1
    embeds = []
    for index, page in enumerate(pages, start=1):
        heading = title if len(pages) == 1 else f"{title} (page {index} of {len(pages)})"
        embeds.append(embed(heading, "\n".join(page)))
        size += len(heading)
    if size > budget or len(embeds) > EMBEDS_PER_MESSAGE - 1:
        return None
    return embeds


def text_file(name: str, lines: Sequence[str]) -> discord.File:
    return discord.File(io.BytesIO(("\n".join(lines) + "\n").encode("utf-8")), filename=name)


# --- /pack upload ---------------------------------------------------------------------------------


def problem_line(problem: Problem) -> str:
    """One problem for Discord: file, place, field and line; what is wrong; what to do."""
    where = f" (line {problem.line})" if problem.line and "line" not in problem.place else ""
    return (
        f"**{problem.file}** · {mention_safe(problem.where)} · `{problem.field}`{where}: "
        f"{mention_safe(problem.what)}\n→ {problem.fix}"
    )


def problems_reply(invalid: PackInvalid) -> tuple[str, list[discord.Embed], list[discord.File]]:
    """The answer to a broken upload: every problem in embeds, or all of them in problems.txt
    (with the first ones shown) when they do not fit in one message."""
    lines = [problem_line(p) for p in invalid.problems]
    pages = line_pages("Problems", lines, EMBED_TOTAL - _SLACK)
    if pages is not None:
        return str(invalid), pages, []
    shown: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in shown) + len(line) > EMBED_DESCRIPTION - 200:
            break
        shown.append(line)
    rest = len(lines) - len(shown)
    card = embed(f"Problems (the first {len(shown)} of {len(lines)})", "\n".join(shown))
    card.set_footer(text=f"All {len(lines)} problems are in problems.txt ({rest} more there).")
    return str(invalid), [card], [text_file("problems.txt", [str(p) for p in invalid.problems])]


def upload_reply(result: Uploaded) -> tuple[str, list[discord.Embed], list[discord.File]]:
    """The answer to a stored upload: what the pack holds, what a replacement changed, and
    every warning (in embeds while they fit, else in warnings.txt)."""
    pack, version = result.pack, result.version
    verb = "replaced" if result.replaced else "uploaded"
    content = (
        f"Pack `{pack.id}` {verb}: version {version.version} is in use in this server now. "
        f"Members pick it with `pack: {pack.id}`; `/settings pack` makes it the default."
    )
    card = embed(
        f"{pack.id} — {pack.article.title}",
        f"by {pack.article.author} · {pack.article.publication} · {pack.article.date.isoformat()}",
    )
    add_fields(card, counts_fields(result.counts), inline=True)
    notes = []
    if result.id_from == "folder":
        notes.append(f"The id `{pack.id}` is the zip's folder name.")
    elif result.id_from == "zip name":
        notes.append(f"The id `{pack.id}` is the zip's file name.")
    if result.ignored:
        notes.append(f"Ignored: {', '.join(result.ignored)}.")
    if result.replaced is not None:
        old = result.replaced
        notes.append(
            f"Replaces version {old.version}, uploaded by <@{old.uploaded_by}> "
            f"{discord_timestamp(old.uploaded_at, 'R')}."
        )
    if result.dropped:
        notes.append(
            f"Dropped question ids: {', '.join(result.dropped)} (statistics keep the old ids; "
            "nothing is lost)."
        )
    if result.changed:
        notes.append(
            f"Same id, different answer: {', '.join(result.changed)} (earlier answers keep the "
            "points they got)."
        )
    if notes:
        card.add_field(name="Notes", value=truncate("\n".join(notes), FIELD_VALUE), inline=False)
    warnings = [str(w) for w in result.warnings]
    files: list[discord.File] = []
    embeds = [card]
    if not warnings:
        card.set_footer(text="Warnings: none.")
        return content, embeds, files
    pages = line_pages(f"Warnings ({len(warnings)})", warnings, EMBED_TOTAL - len(card) - _SLACK)
    if pages is not None:
        embeds.extend(pages)
    else:
        files.append(text_file("warnings.txt", warnings))
        card.set_footer(text=f"Warnings: {len(warnings)}, all in warnings.txt.")
    return content, embeds, files


# --- /pack list and /pack info ------------------------------------------------------------------


def entry_field(entry: PackEntry, default_id: str) -> tuple[str, str]:
    star = "★ " if entry.id == default_id else ""
    name = f"{star}{entry.id} — {mention_safe(entry.title)}"
    counts = (
        f"by {mention_safe(entry.author)} · {entry.sections} section{'s' * (entry.sections != 1)} "
        f"· {entry.questions} question{'s' * (entry.questions != 1)}"
    )
    if entry.version is None:
        return truncate(name, 256), f"{counts}\nBuilt-in"
    v = entry.version
    return truncate(name, 256), (
        f"{counts}\nUploaded by <@{v.uploaded_by}> {discord_timestamp(v.uploaded_at, 'R')} "
        f"· version {v.version}"
    )


def list_pages(entries: Sequence[PackEntry], default_id: str) -> list[discord.Embed]:
    own = sum(1 for e in entries if not e.builtin)
    return paginate_fields(
        "Content packs",
        [entry_field(e, default_id) for e in entries],
        description=(
            f"Built-in packs and this server's own ({own} of {MAX_PACKS}). ★ marks the "
            "server's default. Details: /pack info."
        ),
    )


def version_line(v: PackVersion) -> str:
    state = " — **in use**" if v.active else ""
    line = f"v{v.version}{state}: uploaded by <@{v.uploaded_by}> {when(v.uploaded_at)}"
    if v.removed_at is not None:
        by = f" by <@{v.removed_by}>" if v.removed_by else ""
        line += f"; removed{by} {discord_timestamp(v.removed_at, 'R')}"
    return line


def info_card(info: PackInfo, default_id: str) -> discord.Embed:
    pack, entry = info.pack, info.entry
    a = pack.article
    card = embed(f"{pack.id} — {a.title}", truncate(pack.tldr, 1000))
    source = f"{a.publication} — {a.blog} · {a.date.isoformat()}"
    card.add_field(name="Author", value=truncate(a.author, FIELD_VALUE), inline=True)
    card.add_field(name="Source", value=truncate(source, FIELD_VALUE), inline=True)
    kind = "Built-in (ships with the bot)" if entry.builtin else "Uploaded to this server"
    if pack.id == default_id:
        kind += " · the server's default"
    card.add_field(name="Kind", value=kind, inline=True)
    add_fields(card, counts_fields(info.counts), inline=True)
    if info.history:
        lines = [version_line(v) for v in info.history[:10]]
        if len(info.history) > 10:
            lines.append(f"… and {len(info.history) - 10} older versions")
        card.add_field(name="Versions", value=truncate("\n".join(lines), FIELD_VALUE), inline=False)
    return card


# --- /pack remove's confirmation ----------------------------------------------------------------


def _only_the_asker(interaction: discord.Interaction, owner: int) -> None:
    if interaction.user.id != owner:
        raise NotAllowed("Only the admin who ran `/pack remove` can answer this.")


class ConfirmRemove(PersistentButton, key="pack:remove", fields={"owner": INT, "pack": SLUG}):
    """Remove the server's pack (refused if something started using it meanwhile)."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        _only_the_asker(interaction, self.values["owner"])
        require_admin(interaction, "remove content packs")
        bot = interaction.client
        pack_id = self.values["pack"]
        removed = await bot.packs.remove(
            guild_id_of(interaction), pack_id, interaction.user.id, bot.clock.now()
        )
        note = (
            f" The server's default is the built-in default again ({bot.library.default_id})."
            if removed.default_reset
            else ""
        )
        await interaction.response.edit_message(
            content=(
                f"Removed pack `{pack_id}` from this server.{note} Points and history earned "
                "with it stay; its versions are kept, so uploading it again brings it back."
            ),
            view=None,
        )


class CancelRemove(PersistentButton, key="pack:remove-cancel", fields={"owner": INT}):
    """Keep the pack."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        _only_the_asker(interaction, self.values["owner"])
        await interaction.response.edit_message(
            content="Nothing removed: the pack stays.", view=None
        )


def remove_view(owner: int, pack_id: str) -> discord.ui.View:
    return view_of(
        ConfirmRemove(label="Confirm", style=discord.ButtonStyle.danger, owner=owner, pack=pack_id),
        CancelRemove(label="Cancel", style=discord.ButtonStyle.secondary, owner=owner),
    )


def remove_prompt(version: PackVersion, default_id: str) -> str:
    default = (
        " It is the server's default: the built-in default takes its place."
        if version.pack_id == default_id
        else ""
    )
    return (
        f"Remove pack `{version.pack_id}` (“{mention_safe(truncate(version.title, 100))}”, "
        f"version {version.version}) from this server? Members can no longer pick it.{default} "
        "Points and history earned with it stay."
    )

"""Autocomplete and validation shared by several cogs: packs and IANA time zones."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import UserError
from bot.ui import AUTOCOMPLETE_RESULTS, CHOICE_NAME, ECHO, truncate

if TYPE_CHECKING:
    from bot.client import RoundtableBot


def match_names(names: Iterable[str], current: str, limit: int = AUTOCOMPLETE_RESULTS) -> list[str]:
    """Names starting with ``current`` first, then names containing it (both in given order)."""
    names = list(names)
    needle = current.strip().lower()
    if not needle:
        return names[:limit]
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower() and not n.lower().startswith(needle)]
    return (starts + contains)[:limit]


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in time_zones()}


def valid_time_zone(name: str) -> str:
    """The canonical spelling of an IANA zone name, or a UserError saying what is wrong."""
    zone = _zones_by_folded_name().get(name.strip().lower())
    if zone is None:
        raise UserError(
            f"{truncate(name, ECHO)!r} is not a time zone I know. Use an IANA name such as "
            "Europe/Berlin, America/New_York or Asia/Seoul (the option autocompletes)."
        )
    return zone


async def time_zone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=z, value=z) for z in match_names(time_zones(), current)]


def pack_choices(bot: RoundtableBot, current: str) -> list[app_commands.Choice[str]]:
    """Pack ids whose id or title matches what was typed, labelled with the title."""
    needle = current.strip().lower()
    choices = []
    for pack_id in bot.library.ids:
        pack = bot.library.get(pack_id)
        title = pack.article.title if pack else pack_id
        if needle in pack_id.lower() or needle in title.lower():
            label = truncate(f"{pack_id} — {title}", CHOICE_NAME)
            choices.append(app_commands.Choice(name=label, value=pack_id))
    return choices[:AUTOCOMPLETE_RESULTS]


async def pack_autocomplete(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[str]]:
    return pack_choices(interaction.client, current)

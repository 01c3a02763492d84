"""Autocomplete and validation shared by several cogs: packs and IANA time zones."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.adapter.ui import AUTOCOMPLETE_RESULTS, CHOICE_NAME, ECHO, truncate
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot


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
    """Every IANA zone name this machine knows (tzdata), sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def _fold_zone(name: str) -> str:
    """A zone name as members may type it: any case, spaces for underscores."""
    return "_".join(name.strip().split()).lower()


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    """Folded full names, and folded city names that belong to one zone only (``seoul``)."""
    cities: dict[str, list[str]] = {}
    for zone in time_zones():
        cities.setdefault(_fold_zone(zone.rsplit("/", 1)[-1]), []).append(zone)
    unique = {city: zones[0] for city, zones in cities.items() if len(zones) == 1}
    return unique | {_fold_zone(zone): zone for zone in time_zones()}


def valid_time_zone(name: str) -> str:
    """The canonical IANA name for ``name`` (``europe/berlin``, ``America/New York`` and a
    city alone such as ``Seoul`` are understood), or a UserError saying what is wrong."""
    zone = _zones_by_folded_name().get(_fold_zone(name))
    if zone is None:
        raise UserError(
            f"{truncate(name, ECHO)!r} is not a time zone I know. Use an IANA name such as "
            "Europe/Berlin, America/New_York or Asia/Seoul (the option autocompletes)."
        )
    return zone


async def time_zone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Zones starting with what was typed, then zones containing it (spaces match ``_``)."""
    typed = "_".join(current.split())
    return [app_commands.Choice(name=z, value=z) for z in match_names(time_zones(), typed)]


async def pack_choices(
    bot: RoundtableBot, guild_id: int | None, current: str, *, own_only: bool = False
) -> list[app_commands.Choice[str]]:
    """The packs the server may use (built-in, then its own; never another server's; only its
    own with ``own_only``) whose id or title matches what was typed, labelled with the title."""
    needle = current.strip().lower()
    choices = []
    for entry in await bot.packs.entries(guild_id):
        if own_only and entry.builtin:
            continue
        if needle in entry.id.lower() or needle in entry.title.lower():
            label = truncate(f"{entry.id} — {entry.title}", CHOICE_NAME)
            choices.append(app_commands.Choice(name=label, value=entry.id))
    return choices[:AUTOCOMPLETE_RESULTS]


async def pack_autocomplete(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[str]]:
    return await pack_choices(interaction.client, interaction.guild_id, current)

"""Which content pack a command or a stored round uses.

Packs come from the library of shipped packs. A command names a pack or takes the server's
default (``/settings pack``), else the library's default.
"""

from __future__ import annotations

from bot.content import Library, Pack
from bot.errors import NotFound, UserError
from bot.store import Store
from bot.text import ECHO, truncate


class Packs:
    """Resolves pack ids for a server; built once and handed to every service."""

    def __init__(self, library: Library, store: Store) -> None:
        self.library = library
        self.store = store

    def get(self, pack_id: str, guild_id: int | None = None) -> Pack | None:
        """The pack with this id as ``guild_id`` sees it, or None."""
        return self.library.get(pack_id)

    def ids(self, guild_id: int | None = None) -> tuple[str, ...]:
        """Every pack id ``guild_id`` may use, sorted."""
        return self.library.ids

    @property
    def default(self) -> Pack:
        return self.library.default

    async def for_guild(self, guild_id: int | None, requested: str | None = None) -> Pack:
        """The pack to use: the one asked for, else the guild's default, else the library's."""
        if requested:
            pack = self.get(requested, guild_id)
            if pack is None:
                known = ", ".join(self.ids(guild_id))
                asked = truncate(requested, ECHO)
                raise NotFound(f"There is no content pack called {asked!r}. Known: {known}.")
            return pack
        if guild_id is not None:
            default = (await self.store.guilds.get(guild_id)).default_pack
            if default and (pack := self.get(default, guild_id)) is not None:
                return pack
        pack = self.library.get(self.library.default_id)
        if pack is None:
            raise UserError("No content pack is loaded.")
        return pack

"""Per-guild settings: moderator role, log channel, time zone, default pack, quiz starters,
quiz points mode and the desired retention of spaced repetition."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.rules.quiz import POINTS_MODES
from bot.store.db import Database

QUIZ_STARTERS = ("everyone", "moderators")


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One guild's settings; a guild that never changed any gets these defaults."""

    guild_id: int
    moderator_role_id: int | None = None
    log_channel_id: int | None = None
    timezone: str | None = None
    default_pack: str | None = None
    quiz_starters: str = "everyone"
    #: FSRS's desired retention (None: the default, 0.9).
    retention: float | None = None
    quiz_points: str = "classic"


_COLUMNS = tuple(f.name for f in fields(GuildSettings) if f.name != "guild_id")


class GuildStore:
    """Reads and writes ``guild_settings``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings:
        """The guild's settings, with defaults when it never changed any."""
        row = await self.db.fetchone(
            f"SELECT guild_id, {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?",  # noqa: S608
            (guild_id,),
        )
        return GuildSettings(**dict(row)) if row else GuildSettings(guild_id=guild_id)

    async def update(self, guild_id: int, now: float, **changes: object) -> GuildSettings:
        """Set some columns (``None`` clears one) and return the new settings."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown guild settings: {sorted(unknown)}")
        if "quiz_starters" in changes and changes["quiz_starters"] not in QUIZ_STARTERS:
            raise ValueError(f"quiz_starters must be one of {QUIZ_STARTERS}")
        if "quiz_points" in changes and changes["quiz_points"] not in POINTS_MODES:
            raise ValueError(f"quiz_points must be one of {POINTS_MODES}")
        names = list(changes)
        columns = "".join(f", {name}" for name in names)
        assignments = "".join(f", {name} = excluded.{name}" for name in names)
        async with self.db.transaction():
            await self.db.execute(
                f"INSERT INTO guild_settings (guild_id, updated_at{columns}) "  # noqa: S608
                f"VALUES (?, ?{', ?' * len(names)}) "
                f"ON CONFLICT (guild_id) DO UPDATE SET updated_at = excluded.updated_at"
                f"{assignments}",
                (guild_id, now, *changes.values()),
            )
        return await self.get(guild_id)

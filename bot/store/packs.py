"""Packs servers upload: every version of each, the active one marked, and what uses a pack.

One row of ``guild_packs`` is one uploaded version: the pack's three files as text, with its
title, author and counts copied out for lists. At most one version per (guild, pack id) is
active; the others are history. Removing a pack clears the active mark; no row is ever deleted.
Writes join the caller's transaction, so the service checks and writes in one commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.content.model import DEBATE_FILE, PACK_FILE, QUIZ_FILE
from bot.store.db import Database

_FILE_COLUMNS = {PACK_FILE: "pack_toml", QUIZ_FILE: "quiz_toml", DEBATE_FILE: "debate_toml"}
_COLUMNS = (
    "id, guild_id, pack_id, version, active, title, author, sections, questions, uploaded_by, "
    "uploaded_at, removed_by, removed_at"
)
_SELECT = f"SELECT {_COLUMNS} FROM guild_packs"  # noqa: S608 - constant column list


@dataclass(frozen=True, slots=True)
class PackVersion:
    """One uploaded version of a server's pack (its files are read with ``PackStore.files``)."""

    id: int
    guild_id: int
    pack_id: str
    version: int
    active: bool
    title: str
    author: str
    sections: int
    questions: int
    uploaded_by: int
    uploaded_at: float
    removed_by: int | None = None
    removed_at: float | None = None


@dataclass(frozen=True, slots=True)
class PackUsers:
    """What still uses a pack: running quizzes (id, channel), open debates (id, channel) and
    schedules (id, name)."""

    quizzes: tuple[tuple[int, int], ...] = ()
    debates: tuple[tuple[int, int], ...] = ()
    schedules: tuple[tuple[int, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.quizzes or self.debates or self.schedules)


def _version(row: Any) -> PackVersion:
    values = dict(row)
    values["active"] = bool(values["active"])
    return PackVersion(**values)


class PackStore:
    """Reads and writes ``guild_packs``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def active_id(self, guild_id: int, pack_id: str) -> int | None:
        """The row id of the pack's active version in the guild (the hot path of lookups)."""
        value = await self.db.fetchval(
            "SELECT id FROM guild_packs WHERE guild_id = ? AND pack_id = ? AND active = 1",
            (guild_id, pack_id),
        )
        return None if value is None else int(value)

    async def active(self, guild_id: int, pack_id: str) -> PackVersion | None:
        """The pack's active version in the guild, or None."""
        row = await self.db.fetchone(
            f"{_SELECT} WHERE guild_id = ? AND pack_id = ? AND active = 1", (guild_id, pack_id)
        )
        return _version(row) if row else None

    async def in_guild(self, guild_id: int) -> list[PackVersion]:
        """The active version of every pack of the guild, by pack id."""
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE guild_id = ? AND active = 1 ORDER BY pack_id", (guild_id,)
        )
        return [_version(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        """How many packs the guild has (active ones)."""
        return int(
            await self.db.fetchval(
                "SELECT count(*) FROM guild_packs WHERE guild_id = ? AND active = 1",
                (guild_id,),
                default=0,
            )
        )

    async def history(self, guild_id: int, pack_id: str) -> list[PackVersion]:
        """Every version of the pack id in the guild, newest first (removed ones included)."""
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE guild_id = ? AND pack_id = ? ORDER BY version DESC",
            (guild_id, pack_id),
        )
        return [_version(r) for r in rows]

    async def files(self, version_id: int) -> dict[str, str]:
        """The files of one version, by name (only those it has)."""
        row = await self.db.fetchone(
            "SELECT pack_toml, quiz_toml, debate_toml FROM guild_packs WHERE id = ?",
            (version_id,),
        )
        if row is None:
            return {}
        return {
            name: row[column] for name, column in _FILE_COLUMNS.items() if row[column] is not None
        }

    async def add(
        self,
        *,
        guild_id: int,
        pack_id: str,
        files: Mapping[str, str],
        title: str,
        author: str,
        sections: int,
        questions: int,
        uploaded_by: int,
        now: float,
    ) -> PackVersion:
        """Store a new version and make it the active one (the previous active version stays
        as history). Raises :class:`~bot.store.db.IntegrityError` when another process stored
        a version at the same moment."""
        async with self.db.transaction():
            latest = await self.db.fetchval(
                "SELECT max(version) FROM guild_packs WHERE guild_id = ? AND pack_id = ?",
                (guild_id, pack_id),
                default=0,
            )
            await self.db.execute(
                "UPDATE guild_packs SET active = 0 WHERE guild_id = ? AND pack_id = ? "
                "AND active = 1",
                (guild_id, pack_id),
            )
            cursor = await self.db.execute(
                "INSERT INTO guild_packs (guild_id, pack_id, version, active, title, author, "
                "sections, questions, pack_toml, quiz_toml, debate_toml, uploaded_by, "
                "uploaded_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    guild_id, pack_id, int(latest) + 1, title, author, sections, questions,
                    files[PACK_FILE], files.get(QUIZ_FILE), files.get(DEBATE_FILE),
                    uploaded_by, now,
                ),
            )  # fmt: skip
            row = await cursor.fetchone()
            await cursor.close()
            if row is None:
                raise RuntimeError("INSERT ... RETURNING gave no row")
            stored = await self.db.fetchone(f"{_SELECT} WHERE id = ?", (int(row[0]),))
        if stored is None:
            raise RuntimeError("a pack version vanished right after it was stored")
        return _version(stored)

    async def remove(self, guild_id: int, pack_id: str, removed_by: int, now: float) -> bool:
        """Clear the pack's active mark (its versions stay); False when it had none."""
        result = await self.db.execute(
            "UPDATE guild_packs SET active = 0, removed_by = ?, removed_at = ? "
            "WHERE guild_id = ? AND pack_id = ? AND active = 1",
            (removed_by, now, guild_id, pack_id),
        )
        return result.rowcount > 0

    async def users(self, guild_id: int, pack_id: str) -> PackUsers:
        """The running quizzes, open debates and schedules of the guild that name the pack."""
        quizzes = await self.db.fetchall(
            "SELECT id, channel_id FROM quizzes WHERE guild_id = ? AND pack_id = ? "
            "AND status = 'running' ORDER BY id",
            (guild_id, pack_id),
        )
        debates = await self.db.fetchall(
            "SELECT id, channel_id FROM debates WHERE guild_id = ? AND pack_id = ? "
            "AND status IN ('lobby', 'running', 'voting') ORDER BY id",
            (guild_id, pack_id),
        )
        schedules = await self.db.fetchall(
            "SELECT id, name FROM schedules WHERE guild_id = ? AND pack_id = ? ORDER BY id",
            (guild_id, pack_id),
        )
        return PackUsers(
            tuple((int(r["id"]), int(r["channel_id"])) for r in quizzes),
            tuple((int(r["id"]), int(r["channel_id"])) for r in debates),
            tuple((int(r["id"]), str(r["name"])) for r in schedules),
        )

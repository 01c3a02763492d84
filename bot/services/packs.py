"""Which content packs a server may use, and the packs servers bring themselves.

A server sees the built-in packs (the library, loaded from ``content/``) and the packs it
uploaded with ``/pack upload``, never another server's. Uploaded packs live in the database
(:mod:`bot.store.packs`), every version kept and one marked active; the database is the
authority, so every lookup asks it which version is active (another process may have replaced
the pack) and parses a version only once, keeping it in a small cache keyed by the version's
row. A command names a pack or takes the server's default (``/settings pack``), else the
library's default.

An upload is checked exactly as ``python -m bot check`` checks a pack folder (the parser reports
every problem, the linter adds warnings), inside the limits of :mod:`bot.content.archive`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.content import (
    DIFFICULTIES,
    PACK_FILES,
    ContentError,
    Library,
    LintWarning,
    Pack,
    lint_pack,
    parse_pack,
)
from bot.content.archive import ArchiveRefused, read_upload, valid_pack_id, write_archive
from bot.content.problems import Problem, explain
from bot.content.skeleton import skeleton
from bot.errors import Conflict, NotFound, UserError
from bot.store import IntegrityError, PackUsers, PackVersion, Store
from bot.text import ECHO, truncate

log = logging.getLogger(__name__)

#: The most packs one server may upload (removed ones do not count).
MAX_PACKS: Final = 20
#: The most questions an uploaded pack may hold: the checks compare questions pairwise, and a
#: bank far beyond one article's needs (the shipped pack has 83) would keep them busy.
MAX_QUESTIONS: Final = 500
#: How many parsed uploaded versions are kept in memory.
CACHE_SIZE: Final = 64
#: The id ``/pack template`` gives its skeleton.
TEMPLATE_ID: Final = "my-pack"
#: The format's documentation, put in the template's zip when the content folder has it.
FORMAT_FILE: Final = "README.md"


@dataclass(frozen=True, slots=True)
class PackCounts:
    """What a pack holds, as ``python -m bot check`` counts it."""

    sections: tuple[str, ...]
    questions: int
    by_paragraph: tuple[tuple[str, int], ...]
    by_difficulty: tuple[tuple[str, int], ...]
    terms: int
    events: int
    article_events: int
    positions: tuple[str, ...]
    motions: int

    @classmethod
    def of(cls, pack: Pack) -> PackCounts:
        paragraphs = [q.paragraph for q in pack.questions]
        levels = [q.difficulty for q in pack.questions]
        return cls(
            sections=pack.paragraph_refs,
            questions=len(pack.questions),
            by_paragraph=tuple(
                (ref, paragraphs.count(ref)) for ref in pack.paragraph_refs if ref in paragraphs
            ),
            by_difficulty=tuple((level, levels.count(level)) for level in DIFFICULTIES),
            terms=len(pack.glossary),
            events=len(pack.timeline),
            article_events=sum(1 for e in pack.timeline if e.from_article),
            positions=tuple(pack.positions),
            motions=len(pack.motions),
        )


@dataclass(frozen=True, slots=True)
class PackEntry:
    """One pack a server may use: built-in (``version`` None) or uploaded."""

    id: str
    title: str
    author: str
    sections: int
    questions: int
    version: PackVersion | None = None

    @property
    def builtin(self) -> bool:
        return self.version is None


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A stored upload: the pack, its new version, counts, warnings, and for a replacement the
    version it replaced and the question ids it dropped or whose answer it changed."""

    pack: Pack
    version: PackVersion
    counts: PackCounts
    warnings: tuple[LintWarning, ...]
    replaced: PackVersion | None = None
    dropped: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    id_from: str = "id"


@dataclass(frozen=True, slots=True)
class PackInfo:
    """One pack's card: the entry, the pack, its counts and (uploaded) its versions."""

    entry: PackEntry
    pack: Pack
    counts: PackCounts
    history: tuple[PackVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class Exported:
    """A pack as a zip ``/pack upload`` accepts unchanged."""

    filename: str
    data: bytes
    entry: PackEntry


@dataclass(frozen=True, slots=True)
class Removed:
    """A removed pack: the version that was active, and whether the default fell back."""

    version: PackVersion
    default_reset: bool


class PackInvalid(UserError):
    """An upload that is not a valid pack; ``problems`` lists every problem, placed."""

    def __init__(self, pack_id: str, problems: list[Problem]) -> None:
        self.pack_id = pack_id
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(
            f"“{pack_id}” is not a valid pack: {count} problem{'s' * (count != 1)}, and nothing "
            "was stored. Fix them all and upload it again."
        )


def check_pack(pack_id: str, files: dict[str, str]) -> tuple[Pack, list[LintWarning]]:
    """Parse and lint a pack's files, as ``python -m bot check`` does (CPU-bound: callers run it
    in a thread). Raises :class:`PackInvalid` listing every problem, or
    :class:`ArchiveRefused` for a bank over :data:`MAX_QUESTIONS` (before linting it)."""
    try:
        pack = parse_pack(pack_id, files)
    except ContentError as error:
        raise PackInvalid(pack_id, explain(error.problems, files)) from None
    if len(pack.questions) > MAX_QUESTIONS:
        raise ArchiveRefused(
            f"quiz.toml holds {len(pack.questions)} questions: an uploaded pack may hold at most "
            f"{MAX_QUESTIONS}."
        )
    return pack, lint_pack(pack, files)


def _read_folder(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in PACK_FILES if (folder / name).is_file()}


class Packs:
    """Resolves pack ids for a server and manages its uploaded packs; built once and handed to
    every service."""

    def __init__(self, library: Library, store: Store, content_dir: Path | None = None) -> None:
        self.library = library
        self.store = store
        self.content_dir = content_dir
        self._cache: OrderedDict[int, Pack] = OrderedDict()
        # Checks run one at a time in a worker thread: a big bank keeps one core busy, not all.
        self._checking = asyncio.Lock()

    # --- lookups --------------------------------------------------------------------------------

    def builtin(self, pack_id: str) -> Pack | None:
        """The built-in pack with this id, or None."""
        return self.library.get(pack_id)

    async def get(self, pack_id: str, guild_id: int | None = None) -> Pack | None:
        """The pack with this id as ``guild_id`` sees it (built-in, or the active version of
        the guild's own), or None."""
        pack = self.library.get(pack_id)
        if pack is not None or guild_id is None or not valid_pack_id(pack_id):
            return pack
        version_id = await self.store.packs.active_id(guild_id, pack_id)
        if version_id is None:
            return None
        return await self._parsed(version_id, pack_id)

    async def _parsed(self, version_id: int, pack_id: str) -> Pack | None:
        cached = self._cache.get(version_id)
        if cached is not None:
            self._cache.move_to_end(version_id)
            return cached
        files = await self.store.packs.files(version_id)
        try:
            pack = await asyncio.to_thread(parse_pack, pack_id, files)
        except ContentError as error:
            log.warning("stored pack %s (version row %s) no longer parses: %s", pack_id,
                        version_id, error)  # fmt: skip
            return None
        self._remember(version_id, pack)
        return pack

    def _remember(self, version_id: int, pack: Pack) -> None:
        self._cache[version_id] = pack
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def ids(self, guild_id: int | None = None) -> tuple[str, ...]:
        """Every pack id ``guild_id`` may use: the built-in ones, then its own, each sorted."""
        own = await self.store.packs.in_guild(guild_id) if guild_id is not None else []
        return (*self.library.ids, *(v.pack_id for v in own if v.pack_id not in self.library.packs))

    @property
    def default(self) -> Pack:
        return self.library.default

    async def for_guild(self, guild_id: int | None, requested: str | None = None) -> Pack:
        """The pack to use: the one asked for, else the guild's default, else the library's."""
        if requested:
            pack = await self.get(requested, guild_id)
            if pack is None:
                known = ", ".join(await self.ids(guild_id))
                asked = truncate(requested, ECHO)
                raise NotFound(f"There is no content pack called {asked!r}. Known: {known}.")
            return pack
        if guild_id is not None:
            default = (await self.store.guilds.get(guild_id)).default_pack
            if default and (pack := await self.get(default, guild_id)) is not None:
                return pack
        pack = self.library.get(self.library.default_id)
        if pack is None:
            raise UserError("No content pack is loaded.")
        return pack

    async def default_id(self, guild_id: int) -> str:
        """The id of the pack the guild uses when a command names none."""
        return (await self.for_guild(guild_id)).id

    async def entries(self, guild_id: int | None) -> list[PackEntry]:
        """Every pack the guild may use: the built-in ones, then its own, each by id."""
        out = [_builtin_entry(self.library.packs[pack_id]) for pack_id in self.library.ids]
        if guild_id is not None:
            for v in await self.store.packs.in_guild(guild_id):
                if v.pack_id not in self.library.packs:
                    out.append(PackEntry(v.pack_id, v.title, v.author, v.sections, v.questions, v))
        return out

    async def entry(self, guild_id: int, pack_id: str) -> tuple[PackEntry, Pack]:
        """One pack the guild may use, or NotFound."""
        pack = self.library.get(pack_id)
        if pack is not None:
            return _builtin_entry(pack), pack
        version = await self._own(guild_id, pack_id)
        pack = await self._parsed(version.id, pack_id)
        if pack is None:
            raise UserError(
                f"The stored pack “{pack_id}” no longer passes this version of the bot's checks: "
                "export it, fix what `/pack upload` reports and upload it with `replace: true`."
            )
        return _entry_of(version), pack

    async def _active(self, guild_id: int, pack_id: str) -> PackVersion | None:
        """The active version of the guild's own pack ``pack_id`` (no query for an invalid id)."""
        return await self.store.packs.active(guild_id, pack_id) if valid_pack_id(pack_id) else None

    async def _own(self, guild_id: int, pack_id: str) -> PackVersion:
        """The active version of the guild's own pack ``pack_id``, or NotFound."""
        version = await self._active(guild_id, pack_id)
        if version is None:
            raise NotFound(
                f"There is no content pack called {truncate(pack_id, ECHO)!r} on this server: "
                "/pack list shows them."
            )
        return version

    async def info(self, guild_id: int, pack_id: str) -> PackInfo:
        """One pack's card and, for an uploaded one, its versions (newest first)."""
        entry, pack = await self.entry(guild_id, pack_id)
        history = () if entry.builtin else tuple(await self.store.packs.history(guild_id, pack_id))
        return PackInfo(entry, pack, PackCounts.of(pack), history)

    # --- uploading ----------------------------------------------------------------------------

    async def upload(
        self,
        guild_id: int,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        pack_id: str | None = None,
        replace: bool = False,
        now: float,
    ) -> Uploaded:
        """Check an uploaded file and, if it is a valid pack, store it as the guild's newest
        version of it, active at once.

        Raises :class:`ArchiveRefused` (a limit), :class:`Conflict` (the id is taken),
        :class:`PackInvalid` (every problem; nothing stored) or :class:`UserError`.
        """
        upload = read_upload(filename, data, pack_id)
        chosen = upload.pack_id
        await self._check_id(guild_id, chosen, replace=replace)
        files = dict(upload.files)
        async with self._checking:
            pack, warnings = await asyncio.to_thread(check_pack, chosen, files)
        async with self.store.transaction():
            previous = await self._check_id(guild_id, chosen, replace=replace)
            try:
                version = await self.store.packs.add(
                    guild_id=guild_id,
                    pack_id=chosen,
                    files=files,
                    title=pack.article.title,
                    author=pack.article.author,
                    sections=len(pack.sections),
                    questions=len(pack.questions),
                    uploaded_by=user_id,
                    now=now,
                )
            except IntegrityError:
                raise Conflict(
                    f"Another upload of “{chosen}” was stored at the same moment: look at "
                    "/pack info and upload again if needed."
                ) from None
        self._remember(version.id, pack)
        old = await self._parsed(previous.id, chosen) if previous is not None else None
        dropped, changed = _question_changes(old, pack)
        log.info("guild %s: pack %s version %s uploaded by %s", guild_id, chosen,
                 version.version, user_id)  # fmt: skip
        return Uploaded(
            pack, version, PackCounts.of(pack), tuple(warnings), previous, dropped, changed,
            upload.ignored, upload.id_from,
        )  # fmt: skip

    async def _check_id(self, guild_id: int, pack_id: str, *, replace: bool) -> PackVersion | None:
        """The version an upload of ``pack_id`` would replace (None: a new pack), or Conflict."""
        if pack_id in self.library.packs:
            raise Conflict(
                f"“{pack_id}” is the id of a built-in pack: give yours another id with the `id` "
                "option."
            )
        current = await self.store.packs.active(guild_id, pack_id)
        if current is not None and not replace:
            raise Conflict(
                f"This server already has a pack “{pack_id}” (version {current.version}, "
                f"“{truncate(current.title, 80)}”). Upload with `replace: true` to store a new "
                "version of it, or choose another id."
            )
        if current is None and await self.store.packs.count(guild_id) >= MAX_PACKS:
            raise Conflict(
                f"This server already has {MAX_PACKS} packs, the most allowed: remove one with "
                "/pack remove first."
            )
        return current

    # --- export, template, removal --------------------------------------------------------------

    async def export(self, guild_id: int, pack_id: str) -> Exported:
        """The pack as a zip of its files inside a folder named after it."""
        if pack_id in self.library.packs:
            if self.content_dir is None:
                raise UserError("The built-in packs' files are not available to export.")
            files: dict[str, str | bytes] = dict(
                await asyncio.to_thread(_read_folder, self.content_dir / pack_id)
            )
            entry, _ = await self.entry(guild_id, pack_id)
        else:
            version = await self._own(guild_id, pack_id)
            files = dict(await self.store.packs.files(version.id))
            entry = _entry_of(version)
        return Exported(f"{pack_id}.zip", write_archive(pack_id, files), entry)

    async def template(self) -> bytes:
        """A zip with a commented skeleton of the three files, and the format's README."""
        extra = {}
        if self.content_dir is not None:
            readme = self.content_dir / FORMAT_FILE
            text = await asyncio.to_thread(_read_text, readme)
            if text is not None:
                extra[FORMAT_FILE] = text
        return write_archive(TEMPLATE_ID, skeleton(TEMPLATE_ID), extra)

    async def removable(self, guild_id: int, pack_id: str) -> PackVersion:
        """The active version of the guild's pack, if it may be removed now; otherwise a
        sentence saying why not (built-in, unknown, or in use, naming what uses it)."""
        version = await self._active(guild_id, pack_id)
        if version is None and pack_id in self.library.packs:
            raise UserError(f"“{pack_id}” is a built-in pack: it cannot be removed.")
        if version is None:
            raise NotFound(
                f"This server has no pack called {truncate(pack_id, ECHO)!r}: /pack list shows "
                "them."
            )
        users = await self.store.packs.users(guild_id, pack_id)
        if users:
            raise Conflict(
                f"“{pack_id}” is in use by {describe_users(users)}. Let them finish (or stop "
                "them, and remove or change the schedules) before removing the pack."
            )
        return version

    async def remove(self, guild_id: int, pack_id: str, user_id: int, now: float) -> Removed:
        """Remove the guild's pack (its versions stay in the database, and so do points and
        statistics earned with it); the guild's default falls back to the built-in default."""
        async with self.store.transaction():
            version = await self.removable(guild_id, pack_id)
            await self.store.packs.remove(guild_id, pack_id, user_id, now)
            settings = await self.store.guilds.get(guild_id)
            reset = settings.default_pack == pack_id
            if reset:
                await self.store.guilds.update(guild_id, now, default_pack=None)
        self._cache.pop(version.id, None)
        log.info("guild %s: pack %s removed by %s", guild_id, pack_id, user_id)
        return Removed(version, reset)


def describe_users(users: PackUsers) -> str:
    """``the quiz in <#1>, debate #3 in <#2> and schedule #4 “Daily quiz”``."""
    parts = [f"the quiz in <#{channel}>" for _, channel in users.quizzes]
    parts += [f"debate #{debate_id} in <#{channel}>" for debate_id, channel in users.debates]
    parts += [f"schedule #{sid} “{truncate(name, 60)}”" for sid, name in users.schedules]
    if len(parts) > 6:
        parts = [*parts[:5], f"{len(parts) - 5} more"]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _builtin_entry(pack: Pack) -> PackEntry:
    return PackEntry(
        pack.id, pack.article.title, pack.article.author, len(pack.sections), len(pack.questions)
    )


def _entry_of(version: PackVersion) -> PackEntry:
    return PackEntry(
        version.pack_id, version.title, version.author, version.sections, version.questions,
        version,
    )  # fmt: skip


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _question_changes(old: Pack | None, new: Pack) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The question ids ``new`` drops from ``old``, and those it keeps with another answer."""
    if old is None:
        return (), ()
    dropped = tuple(q.id for q in old.questions if new.question(q.id) is None)
    changed = []
    for q in old.questions:
        kept = new.question(q.id)
        if kept is not None and (kept.answer_label, kept.answer_text) != (
            q.answer_label,
            q.answer_text,
        ):
            changed.append(q.id)
    return dropped, tuple(changed)

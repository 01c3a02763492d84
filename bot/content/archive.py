"""Packs as files members pass around: reading an upload, writing a pack back as a zip.

An upload is a ``.zip`` holding ``pack.toml`` and optionally ``quiz.toml`` and ``debate.toml``
(at its top level or inside one folder; a README is ignored), or a single ``pack.toml``.
:func:`read_upload` checks every limit before it reads a byte of a file's contents and refuses
with one sentence that names the limit and the file, path or number at fault
(:class:`ArchiveRefused`). The zip is read in memory: nothing is ever written to a path taken
from the archive. What it returns is text, ready for :func:`~bot.content.parse.parse_pack`.

:func:`write_archive` writes a pack's files into a zip that :func:`read_upload` accepts as it
is (the files inside one folder named after the pack), byte for byte.

Pure: no Discord, no SQL, no clock.
"""

from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bot.content.model import LIMITS, PACK_FILE, PACK_FILES, valid_pack_id
from bot.errors import UserError

KIB: Final = 1024
MIB: Final = 1024 * KIB
#: The most an uploaded attachment may weigh.
MAX_UPLOAD_BYTES: Final = 1 * MIB
#: The most files (folder entries aside) a zip may hold.
MAX_ZIP_FILES: Final = 10
#: The most a zip's files may hold once unpacked, together.
MAX_UNPACKED_BYTES: Final = 5 * MIB

_BOM: Final = "\ufeff"
# Files a zip may carry that are not part of the pack: a README, and what macOS adds.
_README_RE: Final = re.compile(r"readme(\.[a-z0-9]{1,8})?", re.IGNORECASE)
_MACOS_FOLDER: Final = "__MACOSX"
_MACOS_FILES: Final = (".DS_Store",)
_DRIVE_RE: Final = re.compile(r"^[A-Za-z]:")
#: The timestamp written for every file of an exported zip, so the same pack gives the same zip.
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)


class ArchiveRefused(UserError):
    """An upload broke a limit; the message names the limit and the file, path or number."""


@dataclass(frozen=True, slots=True)
class Upload:
    """What an upload holds: the pack id it will get, its files' text by name, and the names of
    the files that were ignored (a README)."""

    pack_id: str
    files: Mapping[str, str]
    ignored: tuple[str, ...] = ()
    #: Where the id came from: ``"id"`` (the command's option), ``"folder"`` or ``"zip name"``.
    id_from: str = "id"


def size_text(size: int) -> str:
    """``"1.3 MiB"``, ``"512 KiB"`` or ``"80 bytes"``."""
    if size >= MIB:
        return f"{size / MIB:.1f} MiB"
    if size >= KIB:
        return f"{size / KIB:.0f} KiB"
    return f"{size} byte{'s' * (size != 1)}"


def _id_sentence(pack_id: str, where: str) -> str:
    shown = pack_id if len(pack_id) <= 60 else pack_id[:59] + "…"
    return (
        f"{where} “{shown}” is not a valid pack id: use lowercase letters, digits and single "
        f"hyphens, at most {LIMITS['id']} characters (e.g. street-trees)."
    )


def check_pack_id(pack_id: str) -> str:
    """``pack_id`` (the ``id`` option) trimmed, or :class:`ArchiveRefused` saying what an id is."""
    pack_id = pack_id.strip()
    if not valid_pack_id(pack_id):
        raise ArchiveRefused(_id_sentence(pack_id, "The id"))
    return pack_id


# --------------------------------------------------------------------------------------------
# Reading an upload


def read_upload(filename: str, data: bytes, pack_id: str | None = None) -> Upload:
    """The pack files in an uploaded attachment called ``filename``.

    ``pack_id`` (the command's ``id`` option) names the pack; without it a zip's folder name is
    used (or, for files at the zip's top level, the zip's own name). Raises
    :class:`ArchiveRefused` on any broken limit; the pack itself is not checked here.
    """
    if pack_id is not None:
        pack_id = check_pack_id(pack_id)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ArchiveRefused(
            f"{filename} is {size_text(len(data))}: an upload may be at most "
            f"{size_text(MAX_UPLOAD_BYTES)}."
        )
    lower = filename.lower()
    if lower.endswith(".zip") or (
        not lower.endswith(".toml") and zipfile.is_zipfile(io.BytesIO(data))
    ):
        return _read_zip(filename, data, pack_id)
    if lower.endswith(".toml"):
        return _read_single(filename, data, pack_id)
    raise ArchiveRefused(
        f"{filename} is neither a .zip nor a .toml file: attach a .zip holding pack.toml (and "
        "optionally quiz.toml and debate.toml), or pack.toml alone."
    )


def _read_single(filename: str, data: bytes, pack_id: str | None) -> Upload:
    if filename in PACK_FILES and filename != PACK_FILE:
        raise ArchiveRefused(
            f"{filename} alone is not a pack: put it in a .zip together with pack.toml."
        )
    if pack_id is None:
        raise ArchiveRefused(
            f"{filename} is a single file, so give the pack an id with the `id` option "
            "(e.g. id: street-trees)."
        )
    return Upload(pack_id, {PACK_FILE: decode(filename, data)}, id_from="id")


def decode(name: str, data: bytes) -> str:
    """The UTF-8 text of file ``name`` (a byte-order mark dropped), or :class:`ArchiveRefused`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArchiveRefused(
            f"{name} is not UTF-8 text (byte {error.start + 1} cannot be read): save it as "
            "UTF-8 and upload it again."
        ) from None
    return text.removeprefix(_BOM)


@dataclass(frozen=True, slots=True)
class _Entry:
    info: zipfile.ZipInfo
    path: str
    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.parts[-1]


def _open_zip(filename: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ArchiveRefused(
            f"{filename} is not a zip archive that can be read: make a new .zip of the pack's "
            "folder and upload that."
        ) from None


def _safe_path(filename: str, info: zipfile.ZipInfo) -> str:
    """The entry's path with ``/`` separators; refused when it could leave its folder or is a
    link."""
    path = info.filename.replace("\\", "/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if (
        path.startswith("/")
        or _DRIVE_RE.match(path)
        or ".." in parts
        or "\x00" in path
        or posixpath.normpath(path).startswith("..")
    ):
        raise ArchiveRefused(
            f"{filename} holds the path {path!r}, which leaves its folder: a pack zip may only "
            "hold files inside it."
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveRefused(
            f"{filename} holds {path!r}, which is a link: a pack zip may only hold plain files."
        )
    if info.flag_bits & 0x1:
        raise ArchiveRefused(
            f"{filename} holds {path!r}, which is encrypted: zip the pack without a password."
        )
    return path


def _ignored(entry: _Entry) -> bool:
    return (
        entry.parts[0] == _MACOS_FOLDER
        or entry.name in _MACOS_FILES
        or bool(_README_RE.fullmatch(entry.name))
    )


def _read_zip(filename: str, data: bytes, pack_id: str | None) -> Upload:
    with _open_zip(filename, data) as archive:
        infos = archive.infolist()
        entries = []
        for info in infos:
            path = _safe_path(filename, info)
            if info.is_dir() or path.endswith("/"):
                continue
            parts = tuple(p for p in path.split("/") if p not in ("", "."))
            entries.append(_Entry(info, path, parts))
        if len(entries) > MAX_ZIP_FILES:
            raise ArchiveRefused(
                f"{filename} holds {len(entries)} files: a pack zip may hold at most "
                f"{MAX_ZIP_FILES} (pack.toml, quiz.toml, debate.toml and a README)."
            )
        unpacked = sum(entry.info.file_size for entry in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ArchiveRefused(
                f"{filename} unpacks to {size_text(unpacked)}: a pack zip may hold at most "
                f"{size_text(MAX_UNPACKED_BYTES)} once unpacked."
            )
        ignored = tuple(entry.path for entry in entries if _ignored(entry))
        kept = [entry for entry in entries if not _ignored(entry)]
        folder = _folder_of(filename, kept)
        for entry in kept:
            if entry.name not in PACK_FILES:
                raise ArchiveRefused(
                    f"{filename} holds {entry.path!r}: a pack zip holds only pack.toml, "
                    "quiz.toml and debate.toml (a README is ignored). Take the other files out."
                )
        names = [entry.name for entry in kept]
        for name in names:
            if names.count(name) > 1:
                raise ArchiveRefused(f"{filename} holds {name} twice: keep one.")
        files = {
            entry.name: decode(entry.path, _read_entry(filename, archive, entry)) for entry in kept
        }
    chosen, id_from = _choose_id(filename, folder, pack_id)
    return Upload(chosen, files, ignored, id_from)


def _folder_of(filename: str, entries: list[_Entry]) -> str | None:
    """The one folder the pack's files are in (None: the zip's top level)."""
    folders = set()
    for entry in entries:
        if len(entry.parts) > 2:
            raise ArchiveRefused(
                f"{filename} holds {entry.path!r}, more than one folder deep: put pack.toml, "
                "quiz.toml and debate.toml at the top of the zip or inside one folder."
            )
        folders.add(entry.parts[0] if len(entry.parts) == 2 else None)
    if len(folders) > 1:
        shown = ", ".join(sorted(f"{f}/" if f else "the top level" for f in folders))
        raise ArchiveRefused(
            f"{filename} has pack files in more than one place ({shown}): put them all at the "
            "top of the zip or inside one folder."
        )
    return folders.pop() if folders else None


def _read_entry(filename: str, archive: zipfile.ZipFile, entry: _Entry) -> bytes:
    """An entry's bytes, never more than the unpacked limit whatever its header claims."""
    try:
        with archive.open(entry.info) as handle:
            raw = handle.read(MAX_UNPACKED_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        raise ArchiveRefused(
            f"{filename}: {entry.path!r} cannot be unpacked (damaged, or compressed in a way "
            "zip tools rarely use): make a new .zip with an ordinary zip tool."
        ) from None
    if len(raw) > MAX_UNPACKED_BYTES:
        raise ArchiveRefused(
            f"{filename}: {entry.path!r} unpacks to more than {size_text(MAX_UNPACKED_BYTES)}, "
            "the most a pack zip may hold."
        )
    return raw


def _choose_id(filename: str, folder: str | None, pack_id: str | None) -> tuple[str, str]:
    if pack_id is not None:
        return pack_id, "id"
    if folder is not None:
        if not valid_pack_id(folder):
            raise ArchiveRefused(
                _id_sentence(folder, "The folder name")
                + " Rename the folder, or give an id with the `id` option."
            )
        return folder, "folder"
    stem = filename.rsplit("/", 1)[-1]
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    if valid_pack_id(stem):
        return stem, "zip name"
    raise ArchiveRefused(
        f"The files of {filename} are at the top of the zip, so there is no folder name to take "
        "the pack's id from: give one with the `id` option (e.g. id: street-trees)."
    )


# --------------------------------------------------------------------------------------------
# Writing a pack back


def write_archive(
    pack_id: str, files: Mapping[str, str | bytes], extra: Mapping[str, str] | None = None
) -> bytes:
    """A zip of the pack's files inside the folder ``pack_id/`` (the same bytes every time),
    which :func:`read_upload` accepts unchanged. ``extra`` files (a README) go in the folder too.
    """
    extra = extra or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in (*PACK_FILES, *extra):
            content = files.get(name) if name in PACK_FILES else extra[name]
            if content is None:
                continue
            raw = content.encode("utf-8") if isinstance(content, str) else content
            info = zipfile.ZipInfo(f"{pack_id}/{name}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, raw)
    return buffer.getvalue()

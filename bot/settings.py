"""Settings read from the environment (and ``.env``) into one frozen object.

python-dotenv loads ``.env`` first without overriding variables already set, so the real
environment always wins. Every bad value is reported with the variable's name and the value.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT_DIR = REPO_ROOT / "content"
DEFAULT_DATABASE_PATH = Path("data") / "bot.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class MissingToken(SettingsError):
    """``DISCORD_TOKEN`` is not set."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = field(default=None, repr=False)
    database_path: Path = DEFAULT_DATABASE_PATH
    content_dir: Path = DEFAULT_CONTENT_DIR
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    database_url: str | None = field(default=None, repr=False)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env"
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over the ``.env`` file."""
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        database_url = _database_url(values)
        shard_count, shard_ids = _shards(values, sqlite=database_url is None)
        return cls(
            token=_text(values, "DISCORD_TOKEN"),
            database_path=Path(_text(values, "DATABASE_PATH") or DEFAULT_DATABASE_PATH),
            content_dir=Path(_text(values, "CONTENT_DIR") or DEFAULT_CONTENT_DIR),
            dev_guild_id=_snowflake(values, "DEV_GUILD_ID"),
            log_level=_log_level(values),
            api_base=_url(values, "DISCORD_API_BASE", ("http://", "https://")),
            gateway_url=_url(values, "DISCORD_GATEWAY_URL", ("ws://", "wss://")),
            database_url=database_url,
            shard_count=shard_count,
            shard_ids=shard_ids,
        )

    def require_token(self) -> str:
        """The token, or :class:`MissingToken` with a sentence saying how to set it."""
        if not self.token:
            raise MissingToken(
                "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token "
                "there (or export DISCORD_TOKEN)."
            )
        return self.token

    @property
    def database(self) -> str | Path:
        """What the store opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    def describe(self) -> list[str]:
        """Human-readable lines for ``python -m bot check``; the token and the database
        password are never shown."""
        if self.database_url:
            database = f"DATABASE_URL: {redact_url(self.database_url)} (PostgreSQL)"
        else:
            database = f"DATABASE_PATH: {self.database_path} (SQLite; DATABASE_URL not set)"
        shards = (
            f"SHARD_IDS {', '.join(map(str, self.shard_ids))} of SHARD_COUNT {self.shard_count}"
            if self.shard_ids is not None
            else f"all of SHARD_COUNT {self.shard_count}"
            if self.shard_count
            else "not set (one process with every shard)"
        )
        return [
            f"DISCORD_TOKEN: {'set' if self.token else 'not set'}",
            database,
            f"Shards: {shards}",
            f"CONTENT_DIR: {self.content_dir}",
            f"DEV_GUILD_ID: {self.dev_guild_id or 'not set (commands sync globally)'}",
            f"LOG_LEVEL: {self.log_level}",
            f"DISCORD_API_BASE: {self.api_base or 'Discord'}",
            f"DISCORD_GATEWAY_URL: {self.gateway_url or 'Discord'}",
        ]

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _text(values: Mapping[str, str], name: str) -> str | None:
    value = values.get(name, "").strip()
    return value or None


def _snowflake(values: Mapping[str, str], name: str) -> int | None:
    raw = _text(values, name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise SettingsError(f"{name} must be a Discord id (digits only), not {raw!r}.")
    return int(raw)


def _log_level(values: Mapping[str, str]) -> str:
    raw = _text(values, "LOG_LEVEL") or "INFO"
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}.")
    return level


def _url(values: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = _text(values, name)
    if raw is None:
        return None
    if not raw.startswith(schemes):
        raise SettingsError(f"{name} must start with {' or '.join(schemes)}, not {raw!r}.")
    return raw.rstrip("/")


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "postgresql://…"
    if not password:
        return url
    return url.replace(f":{password}@", ":***@", 1)


def _database_url(values: Mapping[str, str]) -> str | None:
    """``DATABASE_URL``: ``postgresql://user:password@host:port/dbname``, or None."""
    raw = _text(values, "DATABASE_URL")
    if raw is None:
        return None
    shown = redact_url(raw)
    example = "postgresql://user:password@host:5432/dbname"
    if not raw.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"DATABASE_URL must start with postgresql://, like {example}, not "
                            f"{shown!r}.")  # fmt: skip
    try:
        parts = urlsplit(raw)
        valid_port = parts.port is None or parts.port > 0
    except ValueError:
        valid_port = False
    if not valid_port:
        raise SettingsError(
            f"DATABASE_URL {shown!r} is not a valid URL (a bad port?): use {example}."
        )
    if not parts.hostname or not parts.path.strip("/"):
        raise SettingsError(
            f"DATABASE_URL {shown!r} must name a host and a database, like {example}."
        )
    return raw


def _shard_number(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise SettingsError(f"{name} must hold whole numbers such as 0,1 or 0-3, not {raw!r}.")
    return int(raw)


def _shards(
    values: Mapping[str, str], *, sqlite: bool
) -> tuple[int | None, tuple[int, ...] | None]:
    """``SHARD_COUNT`` and ``SHARD_IDS`` (``0,1`` or ``0-3``), checked against each other."""
    raw_count = _text(values, "SHARD_COUNT")
    raw_ids = _text(values, "SHARD_IDS")
    count = None
    if raw_count is not None:
        if not raw_count.isdigit() or int(raw_count) < 1:
            raise SettingsError(f"SHARD_COUNT must be a whole number of at least 1, not "
                                f"{raw_count!r}.")  # fmt: skip
        count = int(raw_count)
    if raw_ids is None:
        return count, None
    if count is None:
        raise SettingsError(
            f"SHARD_IDS is {raw_ids!r} but SHARD_COUNT is not set: say how many shards there "
            "are in all (SHARD_COUNT), then which of them this process serves (SHARD_IDS)."
        )
    ids: set[int] = set()
    for part in raw_ids.split(","):
        low, dash, high = part.partition("-")
        first = _shard_number("SHARD_IDS", low)
        last = _shard_number("SHARD_IDS", high) if dash else first
        if last < first:
            raise SettingsError(f"SHARD_IDS has the range {part.strip()!r}, which runs backwards.")
        ids.update(range(first, last + 1))
    too_big = sorted(i for i in ids if i >= count)
    if too_big:
        raise SettingsError(
            f"SHARD_IDS names shard {too_big[0]}, but with SHARD_COUNT {count} the shards are "
            f"0 to {count - 1}."
        )
    chosen = tuple(sorted(ids))
    if sqlite and len(chosen) < count:
        raise SettingsError(
            f"SHARD_IDS {raw_ids} serves only some of the {count} shards, but the bot is on "
            "SQLite, a file only this process can use: the other shards would need another "
            "process on the same data. Set DATABASE_URL to a PostgreSQL database, or serve "
            "every shard here (leave SHARD_IDS unset)."
        )
    return count, chosen

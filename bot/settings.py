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

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env"
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over the ``.env`` file."""
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls(
            token=_text(values, "DISCORD_TOKEN"),
            database_path=Path(_text(values, "DATABASE_PATH") or DEFAULT_DATABASE_PATH),
            content_dir=Path(_text(values, "CONTENT_DIR") or DEFAULT_CONTENT_DIR),
            dev_guild_id=_snowflake(values, "DEV_GUILD_ID"),
            log_level=_log_level(values),
            api_base=_url(values, "DISCORD_API_BASE", ("http://", "https://")),
            gateway_url=_url(values, "DISCORD_GATEWAY_URL", ("ws://", "wss://")),
        )

    def require_token(self) -> str:
        """The token, or :class:`MissingToken` with a sentence saying how to set it."""
        if not self.token:
            raise MissingToken(
                "DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token "
                "there (or export DISCORD_TOKEN)."
            )
        return self.token

    def describe(self) -> list[str]:
        """Human-readable lines for ``python -m bot check``; the token is never shown."""
        return [
            f"DISCORD_TOKEN: {'set' if self.token else 'not set'}",
            f"DATABASE_PATH: {self.database_path}",
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

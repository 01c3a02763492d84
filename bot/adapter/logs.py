"""Logging set-up with the token scrubbed from every line, tracebacks included."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

import discord

# A Discord bot token: base64 user id, a dot, a timestamp part, a dot, an HMAC part.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}")
REDACTED = "[redacted]"
# An interaction token in a webhook URL (discord.py logs those URLs at DEBUG): the quiz keeps
# such tokens to edit members' replies, and they must never reach a log.
WEBHOOK_TOKEN = re.compile(r"(/webhooks/\d+/)[^/\s?]+")


class RedactingFormatter(logging.Formatter):
    """Formats like ``inner`` and then removes the token (and anything shaped like one)."""

    def __init__(self, inner: logging.Formatter, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with each secret and anything shaped like a bot token replaced."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = WEBHOOK_TOKEN.sub(rf"\g<1>{REDACTED}", text)
    return TOKEN_SHAPE.sub(REDACTED, text)


def setup_logging(
    level: int = logging.INFO, token: str | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Configure the root logger once, the discord.py way, with token redaction.

    Log lines go to standard output (``stream`` in tests); standard error is kept for the one
    sentence ``python -m bot`` prints when it cannot start.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    inner = logging.Formatter(
        "[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
    )
    discord.utils.setup_logging(
        handler=handler,
        formatter=RedactingFormatter(inner, (token,) if token else ()),
        level=level,
        root=True,
    )
    return handler

"""What a service needs from the outside world, without importing discord.

An output port posts and edits messages for a service. Every post returns :class:`Posted` or
raises :class:`PostFailed`, which says whether trying again later may help (``transient``),
whether the channel or message is gone (``gone``) or whether the bot may not post there
(``forbidden``). Posts carry a ``nonce`` derived from what they are (:func:`nonce`), sent with
``enforce_nonce``: Discord answers a second post with the same nonce (within a few minutes) with
the first message instead of a new one, so a service can post first and record after, and a
crash between the two neither posts twice nor loses the post.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FailureKind = Literal["transient", "gone", "forbidden"]

#: Discord's limit on a message nonce.
NONCE_LIMIT = 25


@dataclass(frozen=True, slots=True)
class Posted:
    """A message Discord took (or had already taken, for a repeated nonce)."""

    message_id: int


class PostFailed(Exception):
    """Discord did not take a post or an edit.

    ``kind`` is ``transient`` (rate limited, a server error or the network: try again later),
    ``gone`` (the channel, thread or message no longer exists) or ``forbidden`` (the bot is
    missing a permission there). ``reason`` is a short phrase fit for a member or a log line.
    """

    def __init__(
        self, kind: FailureKind, reason: str, *, status: int | None = None, code: int | None = None
    ) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind: FailureKind = kind
        self.reason = reason
        self.status = status
        self.code = code

    @property
    def transient(self) -> bool:
        return self.kind == "transient"


def nonce(*parts: object) -> str:
    """A message nonce naming what a post is, e.g. ``nonce("qq", round_id)`` → ``"qq:17"``.

    At most 25 characters (Discord's limit); the parts are short tags and ids.
    """
    value = ":".join(str(part) for part in parts)
    if not value or len(value) > NONCE_LIMIT:
        raise ValueError(f"a nonce must be 1-{NONCE_LIMIT} characters, not {value!r}")
    return value

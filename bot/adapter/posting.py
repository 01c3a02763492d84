"""Discord's answers to posts and edits, as the services' outcome types.

An output port wraps each send or edit in :func:`delivered`, which turns discord.py's errors into
:class:`~bot.services.ports.PostFailed`: rate limits, server errors and the network are
``transient``; a channel, thread or message that no longer exists is ``gone``; a missing
permission is ``forbidden``. Any other refusal (a malformed body) is a bug and is raised as is.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
import discord

from bot.services.ports import PostFailed

T = TypeVar("T")

GONE_REASON = "the channel no longer exists or I cannot see it"
FORBIDDEN_REASON = "I am missing a permission there"


def failure_of(error: BaseException) -> PostFailed | None:
    """The :class:`PostFailed` for a failed Discord call; None for an error that is a bug."""
    if isinstance(error, discord.Forbidden):
        return PostFailed("forbidden", FORBIDDEN_REASON, status=error.status, code=error.code)
    if isinstance(error, discord.NotFound):
        return PostFailed("gone", GONE_REASON, status=error.status, code=error.code)
    if isinstance(error, discord.HTTPException):
        if error.status == 429 or error.status >= 500:
            reason = "Discord was busy" if error.status == 429 else "Discord had an error"
            return PostFailed("transient", reason, status=error.status, code=error.code)
        return None
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError):
        return PostFailed("transient", f"Discord could not be reached ({type(error).__name__})")
    return None


async def delivered(call: Awaitable[T]) -> T:
    """Await a send or edit, raising :class:`PostFailed` for the failures a service handles."""
    try:
        return await call
    except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as error:
        failure = failure_of(error)
        if failure is None:
            raise
        raise failure from error

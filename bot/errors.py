"""Domain errors whose message is fit to show a member.

Pure rules and store methods raise :class:`UserError` (or a subclass) when the member asked for
something that cannot be done; the app-command error handler shows the message ephemerally and
logs nothing alarming. Anything else is a bug and gets an apology with an error id.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake a member can fix; ``str(error)`` is the sentence to show them."""


class NotAllowed(UserError):
    """The member lacks the role or permission an action needs."""


class NotFound(UserError):
    """Something the member named does not exist (a term, a schedule, a debate...)."""


class Conflict(UserError):
    """The action clashes with the current state (a quiz already running, a closed question)."""


class StoreUnavailable(UserError):
    """The database could not be reached; nothing of the action was saved.

    The default sentence is the one a member sees (a click, a command); at start-up the message
    names the setting instead (``DATABASE_URL`` or ``DATABASE_PATH``).
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "The bot could not reach its database just now, so nothing was saved: please "
            "try again (click again) in a moment."
        )

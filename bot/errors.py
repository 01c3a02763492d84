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

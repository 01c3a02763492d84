"""Roundtable: a Discord bot that turns an article into a discussion.

The package holds the application: settings, the content library, the pure rules of each
feature, the SQLite store, durable timers and the ``commands.Bot`` subclass. Discord adapters
live in the sibling ``cogs`` package.
"""

__version__ = "0.1.0"

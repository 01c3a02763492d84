"""Discord adapters, one module (or package) per area; each has an async ``setup(bot)``."""

"""The Discord-facing code every cog shares: the bot class, UI helpers, checks, autocomplete,
logging and REST pacing. Only this package and ``cogs/`` import discord.py."""

"""The bare discord.py bot the quiz-click benchmark compares Roundtable with.

A ``discord.Client`` with the same intents and options as Roundtable that, once ready, posts one
question with four answer buttons in ``--channel``; a click is acknowledged at once with the
same kind of private reply Roundtable sends ("Locked in: B."), and nothing is stored. It imports
nothing but discord.py, so its CPU and memory are discord.py's own.

    python bench/bare_bot.py --api URL --gateway URL --token TOKEN --channel ID
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import sys
from typing import Any

import cprofile_toggle  # bench/, beside this script
import discord
import yarl


class BareAnswer(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:answer:(?P<choice>\d)"
):
    """Acknowledges a click the way Roundtable does, without storing anything."""

    def __init__(self, choice: int) -> None:
        super().__init__(discord.ui.Button(label="ABCD"[choice], custom_id=f"bare:answer:{choice}"))
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> BareAnswer:
        return cls(int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Locked in: {'ABCD'[self.choice]}.", ephemeral=True
        )


class BareBot(discord.Client):
    """Posts one question with four buttons in ``channel_id`` once ready."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.1,
            chunk_guilds_at_startup=False,
        )
        self.channel_id = channel_id
        self.posted = False

    async def setup_hook(self) -> None:
        self.add_dynamic_items(BareAnswer)

    async def on_ready(self) -> None:
        if self.posted:
            return
        self.posted = True
        view = discord.ui.View(timeout=None)
        for choice in range(4):
            view.add_item(BareAnswer(choice))
        await self.get_partial_messageable(self.channel_id).send("Question 1?", view=view)


async def serve(api: str, gateway: str, token: str, channel_id: int) -> None:
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with BareBot(channel_id) as bot:
        runner = asyncio.create_task(bot.start(token))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        await bot.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--channel", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    cprofile_toggle.install()
    asyncio.run(serve(args.api, args.gateway, args.token, args.channel))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m bot`` runs the bot; ``python -m bot check`` validates without it
(and prints each pack's item-writing warnings; ``check --strict`` fails on them too);
``python -m bot new-pack ARTICLE.txt --id ID`` writes a pack skeleton from an article.

Exit status: 0 on success or a clean stop (SIGINT/SIGTERM), 1 when Discord rejects the token or
cannot be reached or the content or database cannot be used, 2 when a setting is missing or
malformed. discord.py is imported only once the stop signals are caught, so a signal that
arrives while the bot is still starting also ends it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from bot.settings import Settings, SettingsError

log = logging.getLogger("bot")

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class EarlyStop:
    """Remembers SIGINT/SIGTERM received before the event loop takes the signals over."""

    def __init__(self) -> None:
        self.received: int | None = None

    def install(self) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._remember)

    def _remember(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum


def build_parser() -> argparse.ArgumentParser:
    """``python -m bot [run|check [--strict]]``; ``--help`` lists both."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Roundtable: a Discord bot that turns an article into a discussion.",
        epilog="Settings come from the environment and .env (see .env.example).",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="{run,check,migrate-to-postgres,new-pack}"
    )
    commands.add_parser("run", help="connect to Discord and serve the bot (the default)")
    check_parser = commands.add_parser(
        "check",
        help="validate the settings and the content packs and report the database's schema "
        "version, without connecting to Discord (--strict: pack warnings fail too)",
        description=(
            "Validate the settings and every content pack without connecting to Discord. "
            "Errors make a pack unusable; warnings are item-writing flaws an author can act on "
            "(answer cues such as absolute words or unbalanced keys, near-duplicate choices, "
            "quotes; see content/README.md). Exit status 1 on any error."
        ),
    )
    check_parser.add_argument(
        "--strict",
        action="store_true",
        help="also exit with status 1 when any pack has a warning",
    )
    commands.add_parser(
        "migrate-to-postgres",
        help="copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database "
        "(DATABASE_URL), checking row counts and ledger sums before committing",
    )
    add_new_pack_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Read the settings, then run or check; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check":
        return check(settings, strict=args.strict)
    if args.command == "migrate-to-postgres":
        return migrate_to_postgres(settings)
    if args.command == "new-pack":
        return new_pack(args.article, args.pack_id, args.out or settings.content_dir)
    return run(settings)


def check_database(settings: Settings) -> bool:
    """Print which database is in use and its schema version; False when it cannot be used."""
    from bot.errors import StoreUnavailable
    from bot.store.db import probe_database

    try:
        probe = asyncio.run(probe_database(settings.database))
    except StoreUnavailable as error:
        print(f"Database: {error}")
        return False
    print(f"Database: {probe.description}")
    print(f"  schema version {probe.version} (this bot's latest: {probe.latest})")
    if probe.too_new:
        print("  the database was written by a newer version of the bot: update the bot")
        return False
    return True


def check(settings: Settings, *, strict: bool = False) -> int:
    """Print what the settings, the database and the content packs hold, then each pack's
    warnings; 1 if anything is wrong, or (``strict``) if any pack has a warning."""
    from bot.content import (
        PACK_FILES,
        ContentError,
        describe_cues,
        describe_pack,
        lint_pack,
        load_library,
    )

    print("Settings")
    for line in settings.describe():
        print(f"  {line}")
    if not check_database(settings):
        return EXIT_FAILURE
    try:
        library = load_library(settings.content_dir)
    except ContentError as error:
        print(f"Content in {settings.content_dir}: no valid pack")
        print(error)
        return EXIT_FAILURE
    warned = 0
    for pack_id in library.ids:
        pack = library.get(pack_id)
        if pack is not None:
            print(f"Pack {pack_id}: valid")
            print("\n".join(f"  {line}" for line in describe_pack(pack).splitlines()))
            print("\n".join(f"    {line}" for line in describe_cues(pack)))
            warnings = lint_pack(pack, _pack_files(settings.content_dir / pack_id, PACK_FILES))
            warned += len(warnings)
            print(f"  warnings: {len(warnings) or 'none'}")
            for warning in warnings:
                print(f"    {warning}")
    if library.problems:
        print("Problems")
        for problem in library.problems:
            print(f"  {problem}")
        return EXIT_FAILURE
    if strict and warned:
        print(f"Strict: {warned} warning{'s' * (warned != 1)}, so the check fails")
        return EXIT_FAILURE
    return EXIT_OK


def _pack_files(folder: Path, names: Sequence[str]) -> dict[str, str]:
    """The pack's files that can be read, for the line numbers of warnings."""
    files = {}
    for name in names:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            files[name] = (folder / name).read_text(encoding="utf-8")
    return files


def migrate_to_postgres(settings: Settings) -> int:
    """Copy the SQLite database into an empty PostgreSQL one (see bot/store/copy.py)."""
    from bot.errors import StoreUnavailable
    from bot.store import DatabaseTooNew
    from bot.store.copy import CopyRefused, copy_sqlite_to_postgres

    if not settings.database_url:
        print(
            "DATABASE_URL is not set: name the PostgreSQL database to copy into.", file=sys.stderr
        )
        return EXIT_CONFIG
    try:
        report = asyncio.run(copy_sqlite_to_postgres(settings.database_path, settings.database_url))
    except (CopyRefused, StoreUnavailable, DatabaseTooNew) as error:
        print(error, file=sys.stderr)
        return EXIT_FAILURE
    for line in report:
        print(line)
    return EXIT_OK


def add_new_pack_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``new-pack ARTICLE.txt --id ID [--out DIR]``."""
    parser = commands.add_parser(
        "new-pack",
        help="write a pack skeleton from a plain-text article (it fails `check` until a person "
        "fills it in)",
        description=(
            "Write DIR/ID/pack.toml, quiz.toml and debate.toml from a plain-text article: its "
            "paragraphs (separated by blank lines) as numbered sections, the standfirst when the "
            "first paragraph is short, the article's fields to fill in and one commented example "
            "per table. Nothing in it passes `python -m bot check` until a person writes it, so a "
            "skeleton is never served by mistake."
        ),
    )
    parser.add_argument("article", type=Path, metavar="ARTICLE.txt", help="the article as text")
    parser.add_argument("--id", required=True, dest="pack_id", help="the pack's id, e.g. trees")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to put the pack's folder (default: CONTENT_DIR)",
    )


def new_pack(article: Path, pack_id: str, out: Path) -> int:
    """Write a skeleton pack from ``article`` into ``out / pack_id``; never overwrites."""
    from bot.content.archive import valid_pack_id
    from bot.content.skeleton import outline, skeleton

    if not valid_pack_id(pack_id):
        print(
            f"--id {pack_id!r} is not a valid pack id: use lowercase letters, digits and single "
            "hyphens, at most 40 characters (e.g. street-trees).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        text = article.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"Cannot read {article} as UTF-8 text: {error}", file=sys.stderr)
        return EXIT_FAILURE
    shape = outline(text)
    if not shape.paragraphs:
        print(f"{article} holds no paragraphs (text separated by blank lines).", file=sys.stderr)
        return EXIT_FAILURE
    folder = out / pack_id
    if folder.exists():
        print(f"{folder} already exists: choose another --id or --out.", file=sys.stderr)
        return EXIT_FAILURE
    folder.mkdir(parents=True)
    for name, content in skeleton(pack_id, text, article.name).items():
        (folder / name).write_text(content, encoding="utf-8")
    refs = ", ".join(p.ref for p in shape.paragraphs)
    print(f"Wrote {folder}: pack.toml, quiz.toml and debate.toml")
    print(f"  sections: {len(shape.paragraphs)} ({refs})")
    if shape.headings:
        print(f"  headings left out: {len(shape.headings)}")
    print(f"  reading time: {shape.reading_minutes} min ({shape.words} words)")
    print("Fill in every empty field and write the questions and the debate, then run")
    print("`python -m bot check`. Until then the pack fails the check and is not served.")
    return EXIT_OK


def run(settings: Settings) -> int:
    """Set up logging (with the token redacted) and serve until stopped."""
    try:
        token = settings.require_token()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    early = EarlyStop()
    early.install()
    from bot.adapter.logs import setup_logging  # discord.py: the slow imports start here

    setup_logging(settings.log_level_number, token)
    try:
        return asyncio.run(serve(settings, token, early))
    except KeyboardInterrupt:
        return EXIT_OK


async def serve(settings: Settings, token: str, early: EarlyStop | None = None) -> int:
    """Run until Discord stops us or a signal arrives; close the gateway and the database."""
    import aiohttp
    import discord

    from bot.adapter.client import RoundtableBot, StartupError
    from bot.errors import StoreUnavailable
    from bot.store import DatabaseTooNew

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if early is not None and early.received is not None:
        log.info("signal received while starting; stopping before connecting")
        return EXIT_OK
    bot = RoundtableBot(settings)
    runner = asyncio.create_task(bot.start(token))
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()
            return EXIT_OK
        log.info("signal received; shutting down")
        return EXIT_OK
    except discord.LoginFailure:
        print("Discord rejected the token in DISCORD_TOKEN: check it in .env.", file=sys.stderr)
        return EXIT_FAILURE
    except discord.PrivilegedIntentsRequired:
        print("Discord refused the gateway intents the bot asked for.", file=sys.stderr)
        return EXIT_FAILURE
    except (StartupError, DatabaseTooNew, StoreUnavailable) as error:
        print(error, file=sys.stderr)
        return EXIT_FAILURE
    except discord.HTTPException as error:
        reason = error.text or "no reason given"
        print(f"Discord answered {error.status} while the bot started: {reason}", file=sys.stderr)
        return EXIT_FAILURE
    except (aiohttp.ClientError, OSError) as error:
        where = settings.api_base or "discord.com"
        print(f"Could not reach Discord at {where}: {error}. Check the network.", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        stopper.cancel()
        await bot.close()
        if not runner.done():
            runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await runner


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bot`` with its database calls counted: the Roundtable process the benchmarks run.

Started by the benchmarks (``benchlib.roundtable_child``) with the bot's usual environment
(DISCORD_TOKEN, DISCORD_API_BASE, DATABASE_URL or DATABASE_PATH, SHARD_COUNT/SHARD_IDS...). It
counts, at the driver, every call that goes to the database, then runs the bot's own command
line unchanged. On SIGUSR1 it writes the counts as JSON to the file ``BENCH_COUNTERS`` names
(with a sequence number, so the reader knows the answer is fresh).

What is counted, exactly:

- SQLite (aiosqlite): every call handed to aiosqlite's database thread is a *trip* (the event
  loop hands a function to the thread and waits for its result: execute, executemany,
  execute_fetchall, a cursor's fetch and close, commit); of those, the ones that run SQL are
  *statements* (``BEGIN IMMEDIATE``, each query or write, ``executemany`` once however many
  rows, ``COMMIT``).
- PostgreSQL (asyncpg): every request that waits for the server's answer is a *trip*: a
  statement with arguments (bind and execute; ``executemany`` is one pipelined trip), a plain
  query (``BEGIN``, ``COMMIT``, savepoints, the pool's reset query when a connection goes back
  to the pool), and a *prepare* (parse and describe) when the statement is not in the
  connection's prepared-statement cache. *Statements* are the trips less the prepares.
- ``commits``: transactions committed; ``resets``: pool reset queries (PostgreSQL).

SIGUSR2 turns cProfile on and off (``cprofile_toggle.py``). With ``BENCH_PROTOTYPE`` set
(``one-trip``, ``one-statement``, ``inline``), the answer batch's commit is replaced by that
prototype from ``answer_prototypes.py``: an experiment, by hand.

The counting itself costs a dictionary update per call. With ``BENCH_SQL=1`` each statement is
also counted by its text (placeholder lists folded), which costs a regular expression per
statement: the benchmarks' ``--statements`` option prints those counts.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

COUNTS: Counter[str] = Counter()
SQL: Counter[str] = Counter()
BY_TEXT = os.environ.get("BENCH_SQL") == "1"
_SEQ = [0]
_LISTS = re.compile(r"(\$\d+|\?)(\s*,\s*(\$\d+|\?))+")
_SPACE = re.compile(r"\s+")


def by_text(sql: str) -> None:
    SQL[_LISTS.sub("…", _SPACE.sub(" ", sql.strip()))[:160]] += 1


SQLITE_STATEMENTS = {
    "execute",
    "executemany",
    "executescript",
    "_execute_fetchall",
    "_execute_insert",
    "commit",
    "rollback",
}


def count_sqlite() -> None:
    import aiosqlite

    original = aiosqlite.Connection._execute

    async def _execute(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(fn, "__name__", "")
        COUNTS["trips"] += 1
        if name in SQLITE_STATEMENTS:
            COUNTS["statements"] += 1
            if name == "commit":
                COUNTS["commits"] += 1
            if BY_TEXT:
                by_text(args[0] if args and isinstance(args[0], str) else name.upper())
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]


def count_postgres() -> None:
    import asyncpg

    connection = asyncpg.connection.Connection
    execute, bound, many = connection.execute, connection._execute, connection._executemany

    def prepared(conn: Any, query: str, record_class: Any, ignore_custom_codec: bool) -> None:
        key = (query, record_class or conn._protocol.get_record_class(), ignore_custom_codec)
        if conn._stmt_cache.get(key) is None:
            COUNTS["prepares"] += 1
            COUNTS["trips"] += 1

    async def plain(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # a simple query: one trip (with arguments it goes through _execute)
            COUNTS["trips"] += 1
            COUNTS["statements"] += 1
            head = query.lstrip().upper()
            if head.startswith("COMMIT"):
                COUNTS["commits"] += 1
            elif head.startswith("SELECT PG_ADVISORY_UNLOCK_ALL") or "RESET ALL" in head:
                COUNTS["resets"] += 1
            if BY_TEXT:
                by_text(query)
        return await execute(self, query, *args, **kwargs)

    async def with_args(self: Any, query: str, args: Any, *rest: Any, **kwargs: Any) -> Any:
        prepared(self, query, kwargs.get("record_class"), kwargs.get("ignore_custom_codec", False))
        COUNTS["trips"] += 1
        COUNTS["statements"] += 1
        if BY_TEXT:
            by_text(query)
        return await bound(self, query, args, *rest, **kwargs)

    async def executemany(self: Any, query: str, args: Any, *rest: Any, **kwargs: Any) -> Any:
        prepared(self, query, kwargs.get("record_class"), False)
        COUNTS["trips"] += 1
        COUNTS["statements"] += 1
        if BY_TEXT:
            by_text(query)
        return await many(self, query, args, *rest, **kwargs)

    connection.execute = plain
    connection._execute = with_args
    connection._executemany = executemany


def write_counters(signum: int, frame: FrameType | None) -> None:
    target = os.environ.get("BENCH_COUNTERS")
    if not target:
        return
    _SEQ[0] += 1
    data = {"seq": _SEQ[0], **{k: COUNTS[k] for k in ("statements", "trips", "commits",
                                                       "prepares", "resets")}}  # fmt: skip
    if BY_TEXT:
        data["sql"] = dict(SQL)
    temporary = Path(f"{target}.tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(target)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    # Only the driver in use is imported: asyncpg alone would add megabytes to an SQLite bot.
    if os.environ.get("DATABASE_URL"):
        count_postgres()
    else:
        count_sqlite()
    signal.signal(signal.SIGUSR1, write_counters)
    import cprofile_toggle  # bench/, beside this script

    cprofile_toggle.install()
    prototype = os.environ.get("BENCH_PROTOTYPE")
    if prototype:  # an experiment: see bench/answer_prototypes.py
        from bench.answer_prototypes import install

        install(prototype)
    from bot.__main__ import main as bot_main

    return bot_main(["run"])


if __name__ == "__main__":
    sys.exit(main())

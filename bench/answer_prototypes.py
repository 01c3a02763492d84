"""Prototypes of a cheaper answer commit, for the benchmarks (not used by the bot).

``QuizStore.record_answers`` commits a batch of clicks in four trips to aiosqlite's database
thread (``BEGIN IMMEDIATE``, a ``SELECT``, an ``executemany`` ``INSERT``, ``COMMIT``). These do
the same work with the same decisions (:func:`judge` is its loop) in fewer trips:

- :func:`one_trip`: the same statements run by one function in aiosqlite's thread;
- :func:`one_statement`: ``INSERT … SELECT … FROM (VALUES …) JOIN quiz_rounds … ON CONFLICT DO
  NOTHING RETURNING``, one autocommit statement (portable: ``CAST(? AS …)`` types the VALUES
  for PostgreSQL); earlier answers are read only for clicks that were not inserted;
- :func:`inline`: the transaction run synchronously on the event loop's thread through a second
  sqlite3 connection (no trip at all: the floor of what the SQL costs).

Each takes the store's ``Database`` (SQLite) and the clicks, like ``record_answers``.
``bench_answer_store.py`` measures them against it and checks they decide alike;
``roundtable_child.py`` can put one in the bot's place (``BENCH_PROTOTYPE``) so the click
benchmark shows its effect end to end. The private aiosqlite and ``Database`` attributes used
here are what a real change would wrap in a small ``Database`` method.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.store.quiz import AnswerOutcome, NewAnswer

_SELECT = (
    "SELECT r.id, r.guild_id, r.closed_at, r.closes_at, a.user_id, a.choice "
    "FROM quiz_rounds r LEFT JOIN quiz_answers a ON a.round_id = r.id "
    "AND a.user_id IN ({users}) WHERE r.id IN ({rounds})"
)
_INSERT = (
    "INSERT INTO quiz_answers (round_id, guild_id, user_id, choice, correct, answered_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, user_id) DO NOTHING"
)
_VALUE = (
    "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER), "
    "CAST(? AS DOUBLE PRECISION))"
)
_ONE_STATEMENT = (
    "INSERT INTO quiz_answers (round_id, guild_id, user_id, choice, correct, answered_at) "
    "SELECT r.id, r.guild_id, v.column2, v.column3, v.column4, v.column5 "
    "FROM (VALUES {values}) AS v JOIN quiz_rounds r ON r.id = v.column1 "
    "WHERE r.closed_at IS NULL AND (r.closes_at IS NULL OR v.column5 < r.closes_at) "
    "ON CONFLICT (round_id, user_id) DO NOTHING RETURNING round_id, user_id"
)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def judge(
    clicks: Sequence[NewAnswer], rows: Sequence[Any]
) -> tuple[list[AnswerOutcome], list[tuple[Any, ...]]]:
    """``record_answers``' decisions, from the rounds and earlier answers it read."""
    rounds: dict[int, Any] = {}
    stored: dict[tuple[int, int], int] = {}
    for row in rows:
        rounds[row["id"]] = row
        if row["user_id"] is not None:
            stored[(row["id"], row["user_id"])] = row["choice"]
    outcomes, inserts = [], []
    for click in clicks:
        found = rounds.get(click.round_id)
        key = (click.round_id, click.user_id)
        closes_at = None if found is None else found["closes_at"]
        open_now = (
            found is not None
            and found["closed_at"] is None
            and (closes_at is None or click.answered_at < closes_at)
        )
        if not open_now:
            outcomes.append(AnswerOutcome("closed", stored.get(key)))
        elif key in stored:
            outcomes.append(AnswerOutcome("stands", stored[key]))
        else:
            stored[key] = click.choice
            inserts.append(
                (click.round_id, found["guild_id"], click.user_id, click.choice,
                 int(click.correct), click.answered_at)
            )  # fmt: skip
            outcomes.append(AnswerOutcome("locked", click.choice))
    return outcomes, inserts


def _params(clicks: Sequence[NewAnswer]) -> tuple[str, tuple[Any, ...]]:
    users = sorted({c.user_id for c in clicks})
    rounds = sorted({c.round_id for c in clicks})
    return _SELECT.format(users=_marks(len(users)), rounds=_marks(len(rounds))), (*users, *rounds)


async def one_trip(db: Any, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    sql, params = _params(clicks)

    def script(conn: sqlite3.Connection) -> list[AnswerOutcome]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcomes, inserts = judge(clicks, conn.execute(sql, params).fetchall())
            conn.executemany(_INSERT, inserts)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return outcomes

    async with db._lock:  # type: ignore[attr-defined]  # the store's write turn, as transaction()
        return await db.conn._execute(script, db.conn._conn)  # type: ignore[attr-defined]


async def one_statement(db: Any, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    params = [
        value
        for c in clicks
        for value in (c.round_id, c.user_id, c.choice, int(c.correct), c.answered_at)
    ]
    sql = _ONE_STATEMENT.format(values=", ".join([_VALUE] * len(clicks)))
    inserted = {(int(r[0]), int(r[1])) for r in await db.select(sql, params)}
    outcomes: list[AnswerOutcome | None] = []
    first_choice: dict[tuple[int, int], int] = {}
    unresolved = []
    for index, click in enumerate(clicks):
        key = (click.round_id, click.user_id)
        if key in first_choice:
            outcomes.append(AnswerOutcome("stands", first_choice[key]))
        elif key in inserted:
            first_choice[key] = click.choice
            outcomes.append(AnswerOutcome("locked", click.choice))
        else:
            outcomes.append(None)
            unresolved.append(index)
    if unresolved:  # a second click or a closed round: read what stands, as record_answers
        rest = [clicks[i] for i in unresolved]
        sql, params2 = _params(rest)
        judged, _ = judge(rest, await db.select(sql, params2))
        for index, outcome in zip(unresolved, judged, strict=True):
            outcomes[index] = (
                AnswerOutcome("stands", outcome.choice)
                if outcome.status == "locked"  # inserted meanwhile by an earlier batch
                else outcome
            )
    return [o for o in outcomes if o is not None]


_INLINE: dict[int, sqlite3.Connection] = {}


async def inline(db: Any, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
    conn = _INLINE.get(id(db))
    if conn is None:
        conn = sqlite3.connect(db.path, isolation_level=None)  # type: ignore[attr-defined]
        conn.row_factory = sqlite3.Row
        for pragma in ("foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=5000"):
            conn.execute(f"PRAGMA {pragma}")
        _INLINE[id(db)] = conn
    sql, params = _params(clicks)
    async with db._lock:  # type: ignore[attr-defined]
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcomes, inserts = judge(clicks, conn.execute(sql, params).fetchall())
            conn.executemany(_INSERT, inserts)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return outcomes


PROTOTYPES: dict[str, Callable[[Any, Sequence[NewAnswer]], Awaitable[list[AnswerOutcome]]]] = {
    "one-trip": one_trip,
    "one-statement": one_statement,
    "inline": inline,
}


def install(name: str) -> None:
    """Put prototype ``name`` in the place of ``QuizStore.record_answers`` (this process only;
    inside a caller's transaction, e.g. a practice answer, the original runs)."""
    from bot.store.quiz import QuizStore

    original = QuizStore.record_answers
    prototype = PROTOTYPES[name]

    async def record_answers(self: Any, clicks: Sequence[NewAnswer]) -> list[AnswerOutcome]:
        if not clicks:
            return []
        if self.db.in_transaction():
            return await original(self, clicks)
        return await prototype(self.db, clicks)

    QuizStore.record_answers = record_answers  # type: ignore[method-assign]

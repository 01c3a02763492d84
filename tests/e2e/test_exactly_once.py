"""Every post once: a crash between a post and its record neither doubles nor loses it.

The bot posts a question, a reveal or the standings with a nonce naming it, and records the
message id only afterwards. Here the record is held back (as if the process died right after
Discord took the post) and the bot is killed; after the restart it posts again with the same
nonce, the emulator answers with the message it already has (as Discord does), and members see
each message once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.emulator import BotHarness, Emulator, Member


def never_returns(*args: Any, **kwargs: Any) -> Any:
    """A stand-in for a store write that never completes (the process dies first)."""
    return asyncio.Event().wait()


def questions(emulator: Emulator) -> list[Any]:
    return [m for m in emulator.messages_in("general") if m.buttons]


async def test_a_question_posted_but_not_recorded_is_posted_once_after_a_crash(
    harness: BotHarness,
    emulator: Emulator,
    alice: Member,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = harness.bot
    # The quiz's first message, question 1, its reveal, question 2 and its repeat: five posts in
    # #general within a second, which would exhaust the channel's bucket and hold the repeat's
    # answer for seconds of real time (Discord's 5 per 5 s).
    emulator.ratelimits.relax()
    await (await alice.slash("quiz start", questions=2, seconds=20)).ephemeral()
    await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
    monkeypatch.setattr(bot.store.quiz, "set_round_message", never_returns)
    clock.advance(20)  # question 1 closes and is revealed
    await emulator.next_message("general", predicate=lambda m: "Answer to question 1" in m.text)
    clock.advance(5)  # question 2 is posted; its record never completes
    await emulator.wait_until(lambda: len(questions(emulator)) == 2, what="question 2")
    bot = await harness.restart(abrupt=True)
    await emulator.wait_until(
        lambda: emulator.deduplicated, what="the repeated post answered by its nonce"
    )
    await asyncio.wait_for(bot.timers.idle(), 5)
    assert len(questions(emulator)) == 2  # members saw question 2 once
    second = await bot.store.quiz.latest_round(1)
    assert second.message_id == questions(emulator)[-1].id  # and it is recorded now
    clock.advance(20)
    await emulator.next_message("general", predicate=lambda m: "Answer to question 2" in m.text)


async def test_a_reveal_posted_but_not_recorded_is_not_posted_twice_or_lost(
    harness: BotHarness,
    emulator: Emulator,
    alice: Member,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = harness.bot
    await (await alice.slash("quiz start", questions=1, seconds=20)).ephemeral()
    question = await emulator.next_message("general", predicate=lambda m: bool(m.buttons))
    await (await alice.click(question, question.button_labels[0])).ephemeral()
    monkeypatch.setattr(bot.store.quiz, "record_reveal", never_returns)
    clock.advance(20)
    await emulator.next_message("general", predicate=lambda m: "Answer to question 1" in m.text)
    bot = await harness.restart(abrupt=True)
    clock.advance(5)
    await emulator.next_message("general", predicate=lambda m: "standings" in m.text)
    await asyncio.wait_for(bot.timers.idle(), 5)
    reveals = [m for m in emulator.messages_in("general") if "Answer to question 1" in m.text]
    assert len(reveals) == 1 and emulator.deduplicated
    rnd = await bot.store.quiz.latest_round(1)
    assert rnd.reveal_message_id == reveals[0].id
    standings = [m for m in emulator.messages_in("general") if "standings" in m.text]
    assert len(standings) == 1

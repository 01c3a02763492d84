"""The quiz's messages at their longest stay inside Discord's limits (checked with the emulator's
own rules): the first message of a scheduled review quiz with a ping, a shuffled question, its
reveal, an edited "Locked in" reply, standings, practice feedback with a leech note, the practice
summary and ``/quiz due``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.content import Question
from bot.rules.quiz import Standing, as_shown
from bot.rules.srs import DueCount, reviewed
from bot.services.quiz import AnswerResult, DueReport, PracticeAnswer, PracticeSummary
from bot.store.quiz import Answer, Quiz, Round
from cogs.quiz import views
from tests.emulator.limits import FormErrors, check_message

T0 = 1_800_000_000.0


def longest(question: Question) -> Question:
    return replace(
        question,
        prompt="P" * 300,
        choices=tuple(f"{index}" + "c" * 149 for index in range(len(question.choices))),
        explanation="E" * 400,
        quote="q" * 200,
    )


def problems(**body: Any) -> str:
    errors = FormErrors()
    payload: dict[str, Any] = {}
    if "content" in body:
        payload["content"] = body["content"]
    if "embed" in body:
        payload["embeds"] = [body["embed"].to_dict()]
    if "view" in body:
        payload["components"] = body["view"].to_components()
    check_message(payload, errors)
    return errors.summary()


def a_quiz(**changes: Any) -> Quiz:
    values: dict[str, Any] = {
        "id": 7, "guild_id": 1, "channel_id": 2, "pack_id": "demo", "started_by": None,
        "source": "scheduled", "title": "N" * 80, "question_ids": ("q",) * 20, "seconds": 300,
        "section": None, "difficulty": None, "status": "running", "position": 19,
        "created_at": T0, "ended_at": None, "stopped_by": None, "standings_posted_at": None,
        "points_mode": "accuracy", "mode": "review", "review_picked": 3, "ping_role_id": 2**63 - 1,
    }  # fmt: skip
    values.update(changes)
    return Quiz(**values)


def a_round() -> Round:
    return Round(
        id=9, guild_id=1, quiz_id=7, position=19, pack_id="demo", question_id="q", channel_id=2,
        message_id=3, source="scheduled", user_id=None, section=None, difficulty=None,
        opened_at=T0, closes_at=T0 + 300, closed_at=None, revealed_at=None,
        choice_order=(3, 2, 1, 0),
    )  # fmt: skip


def test_every_quiz_message_fits_at_its_longest(demo: Any) -> None:
    question = as_shown(longest(demo.question("p1-who-objects")), (3, 2, 1, 0))
    quiz = a_quiz()
    assert problems(content=views.header_text(quiz)) == ""
    assert views.header_text(quiz).startswith(f"<@&{2**63 - 1}>\nReview quiz from the schedule")
    card = views.question_embed(question, demo, heading=views.quiz_heading(quiz, 19), closes_at=T0)
    assert problems(embed=card, view=views.answer_view(9, question)) == ""
    answers = [
        Answer(9, user, user % 4, user % 4 == question.answer, T0 + 1, 0) for user in range(500)
    ]
    assert problems(embed=views.reveal_embed(quiz, a_round(), question, demo, answers)) == ""
    result = AnswerResult(1, "D", "A", True, 19, 5, 4)
    assert (
        views.reply_result_text(result)
        == "✅ +19 = 10 + 5 speed + 4 streak — your answer D was right."
    )
    rows = [Standing(rank, 2**63 - rank, 999, 20) for rank in range(1, 11)]
    assert problems(embed=views.standings_embed(quiz, rows, 5000)) == ""
    record = reviewed(None, question, False, T0)
    feedback = PracticeAnswer(
        9, question, demo, 1, replace(record, seen=99, correct=1), now=T0, tally=(999, 500),
        leech=True,
    )  # fmt: skip
    assert problems(embed=views.practice_result_embed(feedback)) == ""
    summary = PracticeSummary(1, demo, 999, 998, T0 + 60, True, T0)
    assert problems(embed=views.practice_summary_embed(summary)) == ""
    counts = tuple(DueCount(f"P{n}" + "x" * 18, 99, 99, 99) for n in range(40))
    report = DueReport(demo, counts, T0 + 60, T0)
    assert problems(embed=views.due_embed(report)) == ""


def test_a_true_false_question_keeps_two_buttons(demo: Any) -> None:
    question = demo.question("p2-oaks-tended")
    view = views.answer_view(9, question, extra=[views.practice_done_button(9)])
    labels = [getattr(item, "item", item).label for item in view.children]
    assert labels == ["True", "False", "Done"]

"""What members see of quizzes: question, reveal, standings and practice embeds, and the buttons.

Buttons are ``DynamicItem``s whose ``custom_id`` carries the round (``quiz:answer:<round>:<n>``),
so they keep working after a restart: every decision is made from SQLite by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.ui import FIELD_VALUE, add_long_field, embed, guarded, truncate
from bot.clock import discord_timestamp
from bot.content import Pack, Question
from bot.errors import UserError
from bot.rules.quiz import Progress, Standing, fastest_right, option_counts

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot
    from bot.store.quiz import Answer, Quiz, Round
    from cogs.quiz.engine import QuizEngine

RIGHT = discord.Colour.green()
WRONG = discord.Colour.red()
PRACTICE_HINT = "Practise on your own with `/quiz practice`: the questions you missed come first."


def engine_of(interaction: discord.Interaction[RoundtableBot]) -> QuizEngine:
    """The quiz engine, or a UserError a member sees when the quiz cog is not loaded."""
    engine = getattr(interaction.client.get_cog("Quiz"), "engine", None)
    if engine is None:
        raise UserError("Quizzes are not available right now.")
    return engine


# --- text pieces -------------------------------------------------------------------------------


def section_label(pack: Pack | None, ref: str) -> str:
    section = pack.section(ref) if pack else None
    return f"{ref} — {section.title}" if section else ref


def choices_text(question: Question) -> str:
    if question.kind == "truefalse":
        return "**True** or **False**?"
    return "\n".join(
        f"**{label}.** {text}"
        for label, text in zip(question.labels, question.choices, strict=True)
    )


def answer_text(question: Question) -> str:
    """``**B** — the choice`` (just ``**True**`` for a true/false question)."""
    if question.kind == "truefalse":
        return f"**{question.answer_label}**"
    return f"**{question.answer_label}** — {question.answer_text}"


def quiz_heading(quiz: Quiz, position: int) -> str:
    heading = f"Question {position + 1} of {quiz.total}"
    return f"{quiz.title} — {heading}" if quiz.title else heading


def starter_text(quiz: Quiz) -> str:
    if quiz.started_by is not None:
        return f"<@{quiz.started_by}>"
    return f"the schedule “{quiz.title}”" if quiz.title else "a schedule"


# --- embeds ------------------------------------------------------------------------------------


def question_embed(
    question: Question,
    pack: Pack | None,
    *,
    heading: str,
    closes_at: float | None = None,
    closed: bool = False,
    footer: str | None = None,
) -> discord.Embed:
    card = embed(heading, question.prompt)
    add_long_field(card, "Choices", choices_text(question))
    card.add_field(name="Paragraph", value=section_label(pack, question.paragraph), inline=True)
    card.add_field(name="Difficulty", value=question.difficulty, inline=True)
    if closed:
        card.add_field(name="Closed", value="The answer is below.", inline=True)
    elif closes_at is not None:
        card.add_field(name="Closes", value=discord_timestamp(closes_at, "R"), inline=True)
    if footer:
        card.set_footer(text=truncate(footer, 2048))
    return card


def _paragraph_text(question: Question, pack: Pack | None) -> str:
    text = section_label(pack, question.paragraph)
    if question.quote:
        text += f"\n> “{question.quote}”"
    return text


def reveal_embed(
    quiz: Quiz,
    rnd: Round,
    question: Question,
    pack: Pack | None,
    answers: Sequence[Answer],
) -> discord.Embed:
    heading = f"Answer to question {(rnd.position or 0) + 1} of {quiz.total}"
    card = embed(heading, f"{answer_text(question)}\n\n{question.explanation}", colour=RIGHT)
    card.add_field(name="Paragraph", value=truncate(_paragraph_text(question, pack), FIELD_VALUE))
    counts = option_counts((a.choice for a in answers), len(question.choices))
    lines = [
        f"{'✅' if index == question.answer else '▫️'} **{label}**: {count}"
        for index, (label, count) in enumerate(zip(question.labels, counts, strict=True))
    ]
    card.add_field(name=f"Answers ({len(answers)})", value="\n".join(lines), inline=True)
    fastest = fastest_right(((a.user_id, a.correct, a.answered_at) for a in answers), rnd.opened_at)
    card.add_field(
        name="Fastest right answer",
        value=f"<@{fastest[0]}> in {fastest[1]:.1f} s" if fastest else "Nobody got it right.",
        inline=True,
    )
    if rnd.closes_at is not None and quiz.running and (rnd.position or 0) + 1 < quiz.total:
        card.set_footer(text="The next question follows in a few seconds.")
    return card


def standings_embed(quiz: Quiz, rows: Sequence[Standing], players: int) -> discord.Embed:
    title = "Quiz stopped — standings" if quiz.status == "stopped" else "Quiz over — standings"
    if quiz.title:
        title = f"{quiz.title}: {title}"
    if rows:
        lines = [f"**{r.rank}.** <@{r.user_id}> — {r.points} points" for r in rows]
        if players > len(rows):
            lines.append(f"…and {players - len(rows)} more.")
        body = "\n".join(lines)
    else:
        body = "Nobody answered this time."
    asked = quiz.position + 1
    note = f"{asked} of {quiz.total} questions asked."
    if quiz.status == "stopped" and quiz.stopped_by:
        note += f" Stopped by <@{quiz.stopped_by}>."
    card = embed(title, f"{body}\n\n{note}")
    card.add_field(name="Keep going", value=PRACTICE_HINT)
    return card


def practice_footer(record: Progress | None, now: float) -> str:
    if record is None:
        return "New question for you."
    if record.due_at <= now and record.box == 1:
        return "You missed this one before: here it is again."
    return f"Seen {record.seen} time(s), right {record.correct}; box {record.box} of 5."


def practice_question_embed(
    question: Question, pack: Pack, record: Progress | None, now: float
) -> discord.Embed:
    return question_embed(
        question,
        pack,
        heading=f"Practice — {pack.article.title}",
        footer=practice_footer(record, now),
    )


def practice_result_embed(
    question: Question, pack: Pack, choice: int, after: Progress | None
) -> discord.Embed:
    right = choice == question.answer
    verdict = "Right!" if right else f"Not quite: you chose **{question.labels[choice]}**."
    card = embed(
        "Practice — " + ("right" if right else "wrong"),
        f"{question.prompt}\n\n{verdict} The answer is {answer_text(question)}.\n\n"
        f"{question.explanation}",
        colour=RIGHT if right else WRONG,
    )
    card.add_field(name="Paragraph", value=truncate(_paragraph_text(question, pack), FIELD_VALUE))
    if after is not None:
        when = (
            "It will come back soon."
            if not right
            else f"Due again {discord_timestamp(after.due_at, 'R')}."
        )
        card.set_footer(text=f"Box {after.box} of 5.")
        card.add_field(name="Review", value=when, inline=True)
    return card


# --- buttons -----------------------------------------------------------------------------------


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:answer:(?P<round>\d{1,20}):(?P<choice>\d)",
):
    """One choice of one round; the engine decides everything from the database."""

    def __init__(
        self,
        round_id: int,
        choice: int,
        *,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                disabled=disabled,
                custom_id=f"quiz:answer:{round_id}:{choice}",
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]), label=item.label or "?")

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        await engine_of(interaction).click(interaction, self.round_id, self.choice)


class PracticeNextButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:practice-next:(?P<round>\d{1,20})",
):
    """``Next`` under a practice answer: the next question with the same filters."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next",
                style=discord.ButtonStyle.primary,
                custom_id=f"quiz:practice-next:{round_id}",
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PracticeNextButton:
        return cls(int(match["round"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        await engine_of(interaction).practice_next(interaction, self.round_id)


class PracticeStartButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"quiz:practice-start:(?P<pack>[a-z0-9-]{1,40})",
):
    """``Practice quiz`` on an article card: private practice on that pack, no filters."""

    def __init__(self, pack_id: str, *, label: str = "Practice quiz") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"quiz:practice-start:{pack_id}",
            )
        )
        self.pack_id = pack_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PracticeStartButton:
        return cls(match["pack"], label=item.label or "Practice quiz")

    @guarded
    async def callback(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        await engine_of(interaction).practice_start(interaction, pack_id=self.pack_id)


def answer_view(
    round_id: int,
    question: Question,
    *,
    revealed: bool = False,
    chosen: int | None = None,
    extra: Sequence[discord.ui.Item[Any]] = (),
) -> discord.ui.View:
    """One button per choice; once revealed all are disabled and the right one is green."""
    view = discord.ui.View(timeout=None)
    for index, label in enumerate(question.labels):
        style = discord.ButtonStyle.primary
        if revealed:
            style = discord.ButtonStyle.secondary
            if index == question.answer:
                style = discord.ButtonStyle.success
            elif index == chosen:
                style = discord.ButtonStyle.danger
        view.add_item(AnswerButton(round_id, index, label=label, style=style, disabled=revealed))
    for item in extra:
        view.add_item(item)
    return view

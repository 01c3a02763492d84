"""What members see of quizzes: question, reveal, standings and practice embeds, the buttons,
and the replies to a click.

Buttons are persistent (:class:`~bot.adapter.buttons.PersistentButton`): the ``custom_id``
carries the round (``quiz:answer:<round>:<n>``), so they keep working after a restart; every
decision is made by the quiz service (``bot.quiz``) from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.buttons import DIGIT, INT, SLUG, PersistentButton
from bot.adapter.ui import FIELD_VALUE, add_long_field, embed, send_ephemeral, truncate
from bot.clock import discord_timestamp
from bot.content import Pack, Question
from bot.rules.quiz import Progress, Standing, fastest_right, option_counts
from bot.services.quiz import LiveAnswer, PracticeAnswer, PracticeQuestion

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot
    from bot.store.quiz import Answer, Quiz, Round

RIGHT = discord.Colour.green()
WRONG = discord.Colour.red()
PRACTICE_HINT = "Practise on your own with `/quiz practice`: the questions you missed come first."


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


def practice_question_embed(practice: PracticeQuestion) -> discord.Embed:
    return question_embed(
        practice.question,
        practice.pack,
        heading=f"Practice — {practice.pack.article.title}",
        footer=practice_footer(practice.record, practice.now),
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


class AnswerButton(PersistentButton, key="quiz:answer", fields={"round": INT, "choice": DIGIT}):
    """One choice of one round; the quiz service decides everything from the database."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        round_id, choice = self.values["round"], self.values["choice"]
        result = await interaction.client.quiz.answer(
            interaction.guild_id, round_id, interaction.user.id, choice
        )
        if isinstance(result, PracticeAnswer):
            await show_practice_answer(interaction, result)
        else:
            await interaction.response.send_message(click_text(result), ephemeral=True)


class PracticeNextButton(PersistentButton, key="quiz:practice-next", fields={"round": INT}):
    """``Next`` under a practice answer: the next question with the same filters."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        practice = await interaction.client.quiz.practice_next(
            interaction.guild_id, interaction.user.id, self.values["round"]
        )
        await interaction.response.edit_message(
            embed=practice_question_embed(practice), view=practice_view(practice)
        )


class PracticeStartButton(PersistentButton, key="quiz:practice-start", fields={"pack": SLUG}):
    """``Practice quiz`` on an article card: private practice on that pack, no filters."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        practice = await interaction.client.quiz.practice_start(
            interaction.guild_id, interaction.user.id, pack_id=self.values["pack"]
        )
        await send_practice_question(interaction, practice)


def practice_next_button(round_id: int) -> PracticeNextButton:
    return PracticeNextButton(label="Next", style=discord.ButtonStyle.primary, round=round_id)


def practice_start_button(pack_id: str, label: str = "Practice quiz") -> PracticeStartButton:
    return PracticeStartButton(label=label, style=discord.ButtonStyle.secondary, pack=pack_id)


DYNAMIC_ITEMS = (AnswerButton, PracticeNextButton, PracticeStartButton)


# --- replies -----------------------------------------------------------------------------------


def click_text(result: LiveAnswer) -> str:
    """The private answer to a click on a live question."""
    if result.status == "locked":
        return f"Locked in: {result.label}. Results {discord_timestamp(result.closes_at, 'R')}"
    if result.status == "stands" and result.label is not None:
        return f"You already answered: your answer {result.label} stands."
    return "Too late: this question has closed."


def practice_view(practice: PracticeQuestion) -> discord.ui.View:
    return answer_view(practice.round_id, practice.question)


async def send_practice_question(
    interaction: discord.Interaction[RoundtableBot], practice: PracticeQuestion
) -> None:
    """Answer privately with a practice question."""
    await interaction.response.send_message(
        embed=practice_question_embed(practice), view=practice_view(practice), ephemeral=True
    )


async def show_practice_answer(
    interaction: discord.Interaction[RoundtableBot], result: PracticeAnswer
) -> None:
    """Turn the practice question into its feedback, or say an earlier answer stands."""
    if result.already is not None:
        await send_ephemeral(
            interaction, f"You already answered: your answer {result.already} stands."
        )
        return
    await interaction.response.edit_message(
        embed=practice_result_embed(result.question, result.pack, result.choice, result.after),
        view=answer_view(
            result.round_id,
            result.question,
            revealed=True,
            chosen=result.choice,
            extra=[practice_next_button(result.round_id)],
        ),
    )


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
        view.add_item(
            AnswerButton(label=label, style=style, disabled=revealed, round=round_id, choice=index)
        )
    for item in extra:
        view.add_item(item)
    return view

"""What members see of quizzes: the first message, question, reveal, standings, practice and
due embeds, the buttons, and the replies to a click.

Questions arrive as shown (the round's order of choices); buttons are persistent
(:class:`~bot.adapter.buttons.PersistentButton`): the ``custom_id`` carries the round and the
shown position (``quiz:answer:<round>:<n>``), so they keep working after a restart; every
decision is made by the quiz service (``bot.quiz``) from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.buttons import DIGIT, INT, SLUG, PersistentButton, view_of
from bot.adapter.ui import FIELD_VALUE, add_long_field, embed, send_ephemeral, truncate
from bot.clock import discord_timestamp
from bot.content import Pack, Question
from bot.rules.quiz import Standing, fastest_right, option_counts, points_line
from bot.rules.srs import LEECH_MISSES, Progress, describe_interval
from bot.services.quiz import (
    AnswerResult,
    DueReport,
    LiveAnswer,
    PracticeAnswer,
    PracticeQuestion,
    PracticeSummary,
    review_note,
    starter_text,
)

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot
    from bot.store.quiz import Answer, Quiz, Round

RIGHT = discord.Colour.green()
WRONG = discord.Colour.red()
PRACTICE_HINT = (
    "Practise on your own with `/quiz practice`: the questions you missed come first, then "
    "what is due (`/quiz due`)."
)


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


def header_text(quiz: Quiz) -> str:
    """The quiz's first, public message: who started it, its size, and its points rule."""
    size = f"{quiz.total} question{'s' * (quiz.total != 1)} × {quiz.seconds} s"
    kind = "Review quiz" if quiz.mode == "review" else "Quiz"
    if quiz.started_by is not None:
        opening = f"{kind} started by <@{quiz.started_by}>: {size}."
    else:
        opening = f"{kind} from {starter_text(quiz)}: {size}."
    lines = [opening, points_line(quiz.points_mode)]
    note = review_note(quiz)
    if note:
        lines.append(note)
    if quiz.ping_role_id is not None:
        lines.insert(0, f"<@&{quiz.ping_role_id}>")
    return "\n".join(lines)


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
    """The answer, its explanation and paragraph, and how the members answered (``answers``
    carry the shown positions, so the counts name the letters members saw)."""
    heading = f"Answer to question {(rnd.position or 0) + 1} of {quiz.total}"
    if question.kind == "truefalse":
        answer = f"The answer is **{question.answer_label}**."
    else:
        answer = answer_text(question)
    card = embed(heading, f"{answer}\n\n{question.explanation}", colour=RIGHT)
    card.add_field(name="Paragraph", value=truncate(_paragraph_text(question, pack), FIELD_VALUE))
    if not answers:
        card.add_field(name="Answers (0)", value="Nobody answered this question.", inline=True)
    else:
        counts = option_counts((a.choice for a in answers), len(question.choices))
        if question.kind == "truefalse":
            right = counts[question.answer]
            lines = [f"✅ right: {right}", f"▫️ wrong: {len(answers) - right}"]
        else:
            lines = [
                f"{'✅' if index == question.answer else '▫️'} **{label}**: {count}"
                for index, (label, count) in enumerate(zip(question.labels, counts, strict=True))
            ]
        card.add_field(name=f"Answers ({len(answers)})", value="\n".join(lines), inline=True)
        fastest = fastest_right(
            ((a.user_id, a.correct, a.answered_at) for a in answers), rnd.opened_at
        )
        card.add_field(
            name="Fastest right answer",
            value=f"<@{fastest[0]}> in {fastest[1]:.1f} s" if fastest else "Nobody got it right.",
            inline=True,
        )
    if rnd.closes_at is not None and quiz.running and (rnd.position or 0) + 1 < quiz.total:
        card.set_footer(text="The next question follows in a few seconds.")
    return card


def reply_result_text(result: AnswerResult) -> str:
    """A member's "Locked in" reply, edited at the reveal: right or wrong, and the points."""
    if not result.correct:
        return f"❌ +0 — you chose {result.chosen}; the answer was {result.right_label}."
    parts = [str(result.points - result.speed_bonus - result.streak_bonus)]
    if result.speed_bonus:
        parts.append(f"{result.speed_bonus} speed")
    if result.streak_bonus:
        parts.append(f"{result.streak_bonus} streak")
    sum_text = f" = {' + '.join(parts)}" if len(parts) > 1 else ""
    return f"✅ +{result.points}{sum_text} — your answer {result.chosen} was right."


def standings_embed(quiz: Quiz, rows: Sequence[Standing], players: int) -> discord.Embed:
    title = "Quiz stopped — standings" if quiz.status == "stopped" else "Quiz over — standings"
    if quiz.title:
        title = f"{quiz.title}: {title}"
    asked = quiz.position + 1
    if rows:
        lines = [
            f"**{r.rank}.** <@{r.user_id}> — {r.points} points · {r.right}/{asked} right"
            for r in rows
        ]
        if players > len(rows):
            lines.append(f"…and {players - len(rows)} more.")
        body = "\n".join(lines)
    else:
        body = "Nobody answered this time."
    note = f"{asked} of {quiz.total} questions asked."
    if quiz.status == "stopped" and quiz.stopped_by:
        note += f" Stopped by <@{quiz.stopped_by}>."
    card = embed(title, f"{body}\n\n{note}")
    card.add_field(name="Keep going", value=PRACTICE_HINT)
    return card


def practice_footer(record: Progress | None) -> str:
    if record is None:
        return "New question for you."
    if not record.last_right:
        return "You missed this one before: here it is again."
    return f"Seen {record.seen} time{'s' * (record.seen != 1)}, right {record.correct}."


def practice_question_embed(practice: PracticeQuestion) -> discord.Embed:
    return question_embed(
        practice.question,
        practice.pack,
        heading=f"Practice — {practice.pack.article.title}",
        footer=practice_footer(practice.record),
    )


def tally_text(answered: int, right: int) -> str:
    return f"{right} of {answered} right this session"


def practice_result_embed(result: PracticeAnswer) -> discord.Embed:
    question, choice, after = result.question, result.choice, result.after
    right = choice == question.answer
    verdict = "Right!" if right else f"Not quite: you chose **{question.labels[choice]}**."
    card = embed(
        "Practice — " + ("right" if right else "wrong"),
        f"{question.prompt}\n\n{verdict} The answer is {answer_text(question)}.\n\n"
        f"{question.explanation}",
        colour=RIGHT if right else WRONG,
    )
    card.add_field(
        name="Paragraph", value=truncate(_paragraph_text(question, result.pack), FIELD_VALUE)
    )
    if after is not None:
        interval = describe_interval(after.due_at - result.now)
        card.add_field(
            name="Review",
            value=f"Due again in {interval}.\nNext review: {discord_timestamp(after.due_at, 'R')}",
            inline=True,
        )
    answered, right_count = result.tally
    if answered:
        card.add_field(name="This session", value=tally_text(answered, right_count), inline=True)
    if result.leech:
        card.add_field(
            name="A tough one",
            value=(
                f"You have missed this question {after.misses if after else LEECH_MISSES} "
                f"times. Read its paragraph with `/summary section:{question.paragraph}`, then "
                "try it again."
            ),
            inline=False,
        )
    return card


def practice_summary_embed(summary: PracticeSummary) -> discord.Embed:
    """Done, or nothing left to practise for now: the session's tally and the next review."""
    title = "Practice — done" if summary.ended else "Practice — nothing due right now"
    lines = []
    if summary.answered:
        lines.append(f"{tally_text(summary.answered, summary.right).capitalize()}.")
    elif summary.ended:
        lines.append("No answers this session.")
    if summary.next_due is not None:
        when = discord_timestamp(max(summary.next_due, summary.now), "R")
        lines.append(f"Next review: {when}")
    if not summary.ended:
        lines.append("Everything you practised is scheduled; new questions are all answered.")
    lines.append("See what is due with `/quiz due`; start again with `/quiz practice`.")
    return embed(title, "\n".join(lines))


def due_embed(report: DueReport) -> discord.Embed:
    """``/quiz due``: due now and in the next 7 days, by paragraph."""
    now = sum(c.now for c in report.counts)
    week = sum(c.week for c in report.counts)
    new = sum(c.new for c in report.counts)
    lines = [f"**{now}** due now · **{week}** more in the next 7 days · {new} not tried yet"]
    if report.next_due is not None and now == 0:
        lines.append(f"Next review: {discord_timestamp(report.next_due, 'R')}")
    lines.append("")
    for count in report.counts:
        label = section_label(report.pack, count.paragraph)
        lines.append(f"**{label}**: {count.now} now · {count.week} this week · {count.new} new")
    lines.append("")
    lines.append("Practise them with `/quiz practice` (what is due comes first).")
    return embed(f"Due for review — {report.pack.article.title}", "\n".join(lines))


# --- buttons -----------------------------------------------------------------------------------


class AnswerButton(PersistentButton, key="quiz:answer", fields={"round": INT, "choice": DIGIT}):
    """One shown choice of one round; the quiz service decides everything from the database."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        round_id, choice = self.values["round"], self.values["choice"]
        result = await interaction.client.quiz.answer(
            interaction.guild_id,
            round_id,
            interaction.user.id,
            choice,
            reply_token=interaction.token,
        )
        if isinstance(result, PracticeAnswer):
            await show_practice_answer(interaction, result)
        else:
            await interaction.response.send_message(click_text(result), ephemeral=True)


class PracticeNextButton(PersistentButton, key="quiz:practice-next", fields={"round": INT}):
    """``Next`` under a practice answer: the next question of the same session."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        practice = await interaction.client.quiz.practice_next(
            interaction.guild_id, interaction.user.id, self.values["round"]
        )
        if isinstance(practice, PracticeSummary):
            await interaction.response.edit_message(
                embed=practice_summary_embed(practice), view=None
            )
            return
        await interaction.response.edit_message(
            embed=practice_question_embed(practice), view=practice_view(practice)
        )


class PracticeDoneButton(PersistentButton, key="quiz:practice-done", fields={"round": INT}):
    """``Done``: end the practice session and show its summary."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        summary = await interaction.client.quiz.practice_done(
            interaction.guild_id, interaction.user.id, self.values["round"]
        )
        await interaction.response.edit_message(embed=practice_summary_embed(summary), view=None)


class PracticeStartButton(PersistentButton, key="quiz:practice-start", fields={"pack": SLUG}):
    """``Practice quiz`` on an article card: private practice on that pack, no filters."""

    async def act(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        practice = await interaction.client.quiz.practice_start(
            interaction.guild_id, interaction.user.id, pack_id=self.values["pack"]
        )
        await send_practice_question(interaction, practice)


def practice_next_button(round_id: int) -> PracticeNextButton:
    return PracticeNextButton(label="Next", style=discord.ButtonStyle.primary, round=round_id)


def practice_done_button(round_id: int) -> PracticeDoneButton:
    return PracticeDoneButton(label="Done", style=discord.ButtonStyle.secondary, round=round_id)


def practice_start_button(pack_id: str, label: str = "Practice quiz") -> PracticeStartButton:
    return PracticeStartButton(label=label, style=discord.ButtonStyle.secondary, pack=pack_id)


DYNAMIC_ITEMS = (AnswerButton, PracticeNextButton, PracticeDoneButton, PracticeStartButton)


# --- replies -----------------------------------------------------------------------------------


def click_text(result: LiveAnswer) -> str:
    """The private answer to a click on a live question."""
    if result.status == "locked":
        return f"Locked in: {result.label}. Results {discord_timestamp(result.closes_at, 'R')}"
    if result.status == "stands" and result.label is not None:
        return f"You already answered: your answer {result.label} stands."
    return "Too late: this question has closed."


def practice_view(practice: PracticeQuestion) -> discord.ui.View:
    return answer_view(
        practice.round_id, practice.question, extra=[practice_done_button(practice.round_id)]
    )


async def send_practice_question(
    interaction: discord.Interaction[RoundtableBot], practice: PracticeQuestion | PracticeSummary
) -> None:
    """Answer privately with a practice question (or when the next one falls due)."""
    if isinstance(practice, PracticeSummary):
        await interaction.response.send_message(
            embed=practice_summary_embed(practice), ephemeral=True
        )
        return
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
        embed=practice_result_embed(result),
        view=answer_view(
            result.round_id,
            result.question,
            revealed=True,
            chosen=result.choice,
            extra=[practice_next_button(result.round_id), practice_done_button(result.round_id)],
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
    """One button per shown choice; once revealed all are disabled and the right one is green."""
    buttons = []
    for index, label in enumerate(question.labels):
        style = discord.ButtonStyle.primary
        if revealed:
            style = discord.ButtonStyle.secondary
            if index == question.answer:
                style = discord.ButtonStyle.success
            elif index == chosen:
                style = discord.ButtonStyle.danger
        buttons.append(
            AnswerButton(label=label, style=style, disabled=revealed, round=round_id, choice=index)
        )
    return view_of(*buttons, *extra)

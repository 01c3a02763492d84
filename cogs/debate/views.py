"""Debate buttons and modals that keep working after a restart, and what they answer.

Every button is a :class:`~bot.adapter.buttons.PersistentButton` whose ``custom_id`` carries
what it acts on (``debate:join:<id>``, ``debate:speak:<id>``, ``debate:score:<speech_id>``,
``debate:vote:<id>:<position>``, ``debate:skip:<id>:<turn>:<swaps>``...), so no state lives in
memory; Score works in a judge's direct messages too (the speech id says which debate, no guild
needed); a click reaches the debate
service as ``interaction.client.debates``. Modals are answered by custom id too
(``debate:speech:<id>:<turn>``, ``debate:scoring:<speech_id>``): the cog routes modal
submissions to :func:`speech_submitted` and :func:`score_submitted`, so a modal opened before
a restart can still be submitted after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.buttons import INT, SLUG, Field, PersistentButton, view_of
from bot.adapter.checks import require_moderator
from bot.adapter.ui import (
    MESSAGE_LIMIT,
    MODAL_TITLE,
    mention_safe,
    send_ephemeral,
    split_text,
    truncate,
)
from bot.errors import UserError
from bot.rules import debate as rules
from bot.store.debates import Debate
from cogs.debate import render

if TYPE_CHECKING:
    from bot.adapter.client import RoundtableBot

    Interaction = discord.Interaction[RoundtableBot]

SPEECH_MODAL = re.compile(r"debate:speech:(?P<id>\d{1,19}):(?P<turn>\d{1,4})")
SCORE_MODAL = re.compile(r"debate:scoring:(?P<speech>\d{1,19})")
SPEECH_INPUT = "speech"
SCORE_INPUT = "score"

ACTION_LABELS: Mapping[str, tuple[str, discord.ButtonStyle]] = {
    "join": ("Join", discord.ButtonStyle.success),
    "leave": ("Leave", discord.ButtonStyle.secondary),
    "begin": ("Begin", discord.ButtonStyle.primary),
    "cancel": ("Cancel", discord.ButtonStyle.danger),
    "brief": ("My brief", discord.ButtonStyle.primary),
    "speak": ("Speak", discord.ButtonStyle.primary),
}


class DebateButton(
    PersistentButton,
    key="debate",
    fields={"action": Field("|".join(ACTION_LABELS)), "id": INT},
):
    """Join, Leave, Begin, Cancel (lobby), My brief (positions) and Speak (turns)."""

    def __init__(self, action: str, debate_id: int, *, disabled: bool = False) -> None:
        label, style = ACTION_LABELS[action]
        super().__init__(label=label, style=style, disabled=disabled, action=action, id=debate_id)

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> DebateButton:
        return cls(values["action"], values["id"])

    async def act(self, interaction: Interaction) -> None:
        handlers = {
            "join": join,
            "leave": leave,
            "begin": begin,
            "cancel": cancel,
            "brief": brief,
            "speak": speak,
        }
        await handlers[self.values["action"]](interaction, self.values["id"])


class ScoreButton(PersistentButton, key="debate:score", fields={"speech": INT}):
    """Score, on each speech (and in a judge's reminder): judges open a modal to give it 1–10.
    It works without a guild: in a direct message the speech id says which debate."""

    def __init__(self, speech_id: int, emoji: str | None = None) -> None:
        super().__init__(
            label="Score", style=discord.ButtonStyle.secondary, emoji=emoji, speech=speech_id
        )

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> ScoreButton:
        return cls(values["speech"])

    async def act(self, interaction: Interaction) -> None:
        debates = interaction.client.debates
        speech_id = self.values["speech"]
        debate, speech = await debates.check_judge(speech_id, interaction.user.id)
        current = await debates.score_of(speech.id, interaction.user.id)
        speaker = await debates.name_of(debate.id, speech.user_id)
        title = f"Score {speaker}: {rules.round_label(speech.round)}"
        await open_modal(interaction, score_modal(speech.id, title, current))


class VoteButton(PersistentButton, key="debate:vote", fields={"id": INT, "position": SLUG}):
    """One button per position on the audience vote message."""

    def __init__(
        self, debate_id: int, position: str, label: str = "", *, disabled: bool = False
    ) -> None:
        super().__init__(
            label=label or position,
            style=discord.ButtonStyle.primary,
            disabled=disabled,
            id=debate_id,
            position=position,
        )

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> VoteButton:
        return cls(values["id"], values["position"], item.label or "")

    async def act(self, interaction: Interaction) -> None:
        debates = interaction.client.debates
        position = self.values["position"]
        debate, previous = await debates.vote(self.values["id"], interaction.user.id, position)
        names = await debates.position_names(debate.id)
        chosen = names.get(position, position)
        if previous is None:
            note = f"Your vote for **{chosen}** is recorded."
        elif previous == position:
            note = f"You had already voted for **{chosen}**; it still counts once."
        else:
            note = f"Your vote is now **{chosen}** (it was {names.get(previous, previous)})."
        await send_ephemeral(
            interaction,
            f"{note} You can change it until the vote closes {render.vote_closes(debate)}; the "
            "count is shown then.",
        )


#: What a moderator's confirmation acts on: the debate, the turn asked about, the swaps then.
CONFIRM_FIELDS = {"id": INT, "turn": Field(r"\d{1,4}", int), "swaps": Field(r"\d{1,6}", int)}


class SkipButton(PersistentButton, key="debate:skip", fields=CONFIRM_FIELDS):
    """End turn, on a moderator's confirmation: ends the turn it was asked about, once."""

    def __init__(self, debate_id: int, turn: int, swaps: int) -> None:
        super().__init__(
            label="End turn", style=discord.ButtonStyle.danger, id=debate_id, turn=turn,
            swaps=swaps,
        )  # fmt: skip

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> SkipButton:
        return cls(values["id"], values["turn"], values["swaps"])

    async def act(self, interaction: Interaction) -> None:
        await require_moderator(interaction, "end a debater's turn")
        debates = interaction.client.debates
        debate_id, number = self.values["id"], self.values["turn"]
        turn = await debates.skip_turn(debate_id, number, self.values["swaps"])
        speaker = await debates.name_of(debate_id, turn.user_id)
        await interaction.response.edit_message(
            content=(
                f"Turn {number} ended: {speaker}'s turn was skipped and the next one is announced "
                f"in the thread. A speech {speaker} was already writing still counts if it comes "
                f"within {rules.GRACE_SECONDS:.0f} seconds."
            ),
            view=None,
        )
        await publish(interaction, debate_id)


class KeepButton(PersistentButton, key="debate:keep", fields=CONFIRM_FIELDS):
    """Keep going: the moderator changed their mind; the turn runs on."""

    def __init__(self, debate_id: int, turn: int, swaps: int) -> None:
        super().__init__(
            label="Keep going", style=discord.ButtonStyle.secondary, id=debate_id, turn=turn,
            swaps=swaps,
        )  # fmt: skip

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> KeepButton:
        return cls(values["id"], values["turn"], values["swaps"])

    async def act(self, interaction: Interaction) -> None:
        await require_moderator(interaction, "end a debater's turn")
        debates = interaction.client.debates
        debate_id, number = self.values["id"], self.values["turn"]
        turn = await debates.check_skippable(debate_id, number, self.values["swaps"])
        speaker = await debates.name_of(debate_id, turn.user_id)
        await interaction.response.edit_message(
            content=f"Turn {number} carries on: {speaker} keeps the time that is left.",
            view=None,
        )


def skip_view(debate_id: int, turn: int, swaps: int) -> discord.ui.View:
    return view_of(SkipButton(debate_id, turn, swaps), KeepButton(debate_id, turn, swaps))


DYNAMIC_ITEMS = (DebateButton, ScoreButton, VoteButton, SkipButton, KeepButton)


def lobby_view(debate_id: int) -> discord.ui.View:
    return view_of(*(DebateButton(a, debate_id) for a in ("join", "leave", "begin", "cancel")))


def vote_view(
    debate_id: int, positions: Iterable[tuple[str, str]], *, disabled: bool = False
) -> discord.ui.View:
    return view_of(*(VoteButton(debate_id, p, name, disabled=disabled) for p, name in positions))


# --- what the lobby and turn buttons do ------------------------------------------------------


async def publish(interaction: Interaction, debate_id: int) -> None:
    """Post what the change made due; tell the member when the thread cannot take it."""
    problem = await interaction.client.debates.publish(debate_id)
    if problem is not None:
        await send_ephemeral(interaction, problem)


async def refresh_lobby(interaction: Interaction, debate_id: int) -> None:
    """Redraw the lobby the button was on, as the answer to the click."""
    lobby = await interaction.client.debates.lobby(debate_id)
    view = lobby_view(debate_id) if lobby.debate.status == rules.LOBBY else None
    await interaction.response.edit_message(embed=render.lobby_embed(lobby), view=view)


async def join(interaction: Interaction, debate_id: int) -> None:
    user = interaction.user
    await interaction.client.debates.join(debate_id, user.id, user.display_name, is_bot=user.bot)
    await refresh_lobby(interaction, debate_id)
    await interaction.followup.send(
        f"You joined debate #{debate_id}. Positions are drawn when a moderator presses Begin.",
        ephemeral=True,
    )


async def leave(interaction: Interaction, debate_id: int) -> None:
    await interaction.client.debates.leave(debate_id, interaction.user.id)
    await refresh_lobby(interaction, debate_id)
    await interaction.followup.send(f"You left debate #{debate_id}.", ephemeral=True)


async def begin(interaction: Interaction, debate_id: int) -> None:
    await require_moderator(interaction, "begin a debate")
    debate = await interaction.client.debates.begin(debate_id)
    await refresh_lobby(interaction, debate_id)
    await interaction.followup.send(
        f"Debate #{debate.id} has begun in <#{debate.thread_id}>.", ephemeral=True
    )
    await publish(interaction, debate.id)


async def cancel(interaction: Interaction, debate_id: int) -> None:
    await require_moderator(interaction, "cancel a debate")
    await interaction.client.debates.cancel_lobby(debate_id, interaction.user.id)
    await send_ephemeral(interaction, f"Debate #{debate_id} is cancelled.")
    await publish(interaction, debate_id)


async def brief(interaction: Interaction, debate_id: int) -> None:
    got = await interaction.client.debates.brief(debate_id, interaction.user.id)
    pages = render.brief_pages(got.pack, got.motion, got.position, got.opponents)
    await interaction.response.send_message(embed=pages[0], ephemeral=True)
    for page in pages[1:]:
        await interaction.followup.send(embed=page, ephemeral=True)


async def speak(interaction: Interaction, debate_id: int) -> None:
    await open_speech(interaction, await interaction.client.debates.debate(debate_id))


async def open_speech(interaction: Interaction, debate: Debate) -> None:
    """The speech modal, when it is the member's turn (the Speak button and ``/debate speak``)."""
    debates = interaction.client.debates
    turn = await debates.speaker_turn(debate, interaction.user.id)
    names = await debates.position_names(debate.id)
    title = f"{rules.round_label(turn.round)} speech: {names.get(turn.position, turn.position)}"
    await open_modal(interaction, speech_modal(debate.id, turn.number, title))


# --- modals ----------------------------------------------------------------------------------


def speech_modal(debate_id: int, turn: int, title: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=truncate(title, MODAL_TITLE), custom_id=f"debate:speech:{debate_id}:{turn}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Your speech",
            custom_id=SPEECH_INPUT,
            style=discord.TextStyle.paragraph,
            placeholder="Make your case. Up to 4,000 characters.",
            max_length=rules.SPEECH_MAX_CHARS,
            required=True,
        )
    )
    return modal


def score_modal(speech_id: int, title: str, current: int | None) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=truncate(title, MODAL_TITLE), custom_id=f"debate:scoring:{speech_id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label=f"Score ({rules.SCORE_MIN}–{rules.SCORE_MAX})",
            custom_id=SCORE_INPUT,
            style=discord.TextStyle.short,
            placeholder=f"A whole number from {rules.SCORE_MIN} to {rules.SCORE_MAX}",
            default=str(current) if current is not None else None,
            min_length=1,
            max_length=2,
            required=True,
        )
    )
    return modal


async def open_modal(interaction: discord.Interaction, modal: discord.ui.Modal) -> None:
    """Show ``modal``; its submission is routed by custom id (see the module docstring)."""
    await interaction.response.send_modal(modal)
    modal.stop()  # leave the submission to the cog's router, before and after restarts


def submitted_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """Text input values of a modal submission by custom id (rows or labels)."""
    values: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "custom_id" in node and isinstance(node.get("value"), str):
                values[node["custom_id"]] = node["value"]
            walk(node.get("components"))
            walk(node.get("component"))

    walk((data or {}).get("components"))
    return values


async def speech_submitted(interaction: Interaction, debate_id: int, turn: int) -> None:
    text = submitted_values(interaction.data).get(SPEECH_INPUT, "")
    try:
        speech = await interaction.client.debates.submit_speech(
            debate_id, turn, interaction.user.id, text
        )
    except UserError as error:
        await refuse_with_text(interaction, str(error), text)
        return
    late = (
        f" It came in after your turn ended but within the {rules.GRACE_SECONDS:.0f}-second "
        "grace, so it counts."
        if speech.late
        else ""
    )
    await send_ephemeral(
        interaction, f"Your speech ({speech.words} words) is posted in the thread.{late}"
    )
    await publish(interaction, debate_id)


async def refuse_with_text(interaction: Interaction, reason: str, text: str) -> None:
    """Refuse a speech and hand its text back privately, so nothing typed is lost."""
    chunks = split_text(mention_safe(text), MESSAGE_LIMIT)
    if not chunks:
        await send_ephemeral(interaction, reason)
        return
    await send_ephemeral(interaction, f"{reason} Here is your text, so nothing is lost:")
    for chunk in chunks:
        await interaction.followup.send(chunk, ephemeral=True)


async def score_submitted(interaction: Interaction, speech_id: int) -> None:
    debates = interaction.client.debates
    points = rules.parse_score(submitted_values(interaction.data).get(SCORE_INPUT, ""))
    speech, previous = await debates.score(speech_id, interaction.user.id, points)
    speaker = await debates.name_of(speech.debate_id, speech.user_id)
    changed = f" (it was {previous})" if previous is not None and previous != points else ""
    await send_ephemeral(
        interaction,
        f"You scored {speaker}'s {rules.round_label(speech.round).lower()} speech "
        f"{points}/10{changed}. You can change it until the debate closes.",
    )

"""Debate buttons and modals that keep working after a restart.

Every button is a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries what it acts on
(``debate:join:<id>``, ``debate:speak:<id>``, ``debate:score:<speech_id>``,
``debate:vote:<id>:<position>``...), so no state lives in memory. Modals are answered by custom
id too (``debate:speech:<id>:<turn>``, ``debate:scoring:<speech_id>``): the cog routes modal
submissions itself, so a modal opened before a restart can still be submitted after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.ui import BUTTON_LABEL, MODAL_TITLE, guarded, truncate
from bot.rules.debate import SCORE_MAX, SCORE_MIN, SPEECH_MAX_CHARS

if TYPE_CHECKING:
    from cogs.debate.cog import DebateCog

COG_NAME = "Debate"
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


def debate_cog(interaction: discord.Interaction) -> DebateCog:
    cog = interaction.client.get_cog(COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError("the debate cog is not loaded")
    return cog  # type: ignore[no-any-return]


class DebateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"debate:(?P<action>join|leave|begin|cancel|brief|speak):(?P<id>\d{1,19})",
):
    """Join, Leave, Begin, Cancel (lobby), My brief (positions) and Speak (turns)."""

    def __init__(self, action: str, debate_id: int, *, disabled: bool = False) -> None:
        label, style = ACTION_LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                disabled=disabled,
                custom_id=f"debate:{action}:{debate_id}",
            )
        )
        self.action = action
        self.debate_id = debate_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> DebateButton:
        return cls(match["action"], int(match["id"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await debate_cog(interaction).on_debate_button(interaction, self.action, self.debate_id)


class ScoreButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"debate:score:(?P<speech>\d{1,19})",
):
    """Score, on each speech: judges open a modal to give it 1–10."""

    def __init__(self, speech_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Score",
                style=discord.ButtonStyle.secondary,
                custom_id=f"debate:score:{speech_id}",
            )
        )
        self.speech_id = speech_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> ScoreButton:
        return cls(int(match["speech"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await debate_cog(interaction).on_score_button(interaction, self.speech_id)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"debate:vote:(?P<id>\d{1,19}):(?P<position>[a-z0-9-]{1,40})",
):
    """One button per position on the audience vote message."""

    def __init__(
        self, debate_id: int, position: str, label: str = "", *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label or position, BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"debate:vote:{debate_id}:{position}",
            )
        )
        self.debate_id = debate_id
        self.position = position

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["id"]), match["position"], item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await debate_cog(interaction).on_vote_button(interaction, self.debate_id, self.position)


DYNAMIC_ITEMS = (DebateButton, ScoreButton, VoteButton)


def buttons(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def lobby_view(debate_id: int) -> discord.ui.View:
    return buttons(*(DebateButton(a, debate_id) for a in ("join", "leave", "begin", "cancel")))


def vote_view(
    debate_id: int, positions: Iterable[tuple[str, str]], *, disabled: bool = False
) -> discord.ui.View:
    return buttons(*(VoteButton(debate_id, p, name, disabled=disabled) for p, name in positions))


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
            max_length=SPEECH_MAX_CHARS,
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
            label=f"Score ({SCORE_MIN}–{SCORE_MAX})",
            custom_id=SCORE_INPUT,
            style=discord.TextStyle.short,
            placeholder=f"A whole number from {SCORE_MIN} to {SCORE_MAX}",
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

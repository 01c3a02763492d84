"""One base for persistent buttons: the custom id template, its parsing, the guarded callback.

A persistent button keeps what it acts on in its ``custom_id`` (``quiz:answer:17:2``), so it
works after a restart without any state in memory. A subclass names its key and fields once::

    class AnswerButton(PersistentButton, key="quiz:answer", fields={"round": INT, "choice": DIGIT}):
        async def act(self, interaction: Interaction) -> None:
            ...  # self.values["round"], self.values["choice"]

and gets the template discord.py matches, the custom id built from the values, the values
parsed back from a click, and a callback whose errors reach the bot's one error handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from bot.text import BUTTON_LABEL, CUSTOM_ID, truncate


@dataclass(frozen=True, slots=True)
class Field:
    """One value in a custom id: the pattern it must match and how to read it back."""

    pattern: str
    convert: Callable[[str], Any] = str


INT = Field(r"\d{1,20}", int)
DIGIT = Field(r"\d", int)
SLUG = Field(r"[a-z0-9-]{1,40}", str)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Base of every persistent button (see the module docstring)."""

    key: ClassVar[str] = ""
    fields: ClassVar[Mapping[str, Field]] = {}

    def __init_subclass__(cls, *, key: str, fields: Mapping[str, Field], **kwargs: Any) -> None:
        template = re.escape(key) + "".join(
            f":(?P<{name}>{field.pattern})" for name, field in fields.items()
        )
        super().__init_subclass__(template=template, **kwargs)
        cls.key = key
        cls.fields = dict(fields)

    def __init__(
        self,
        *,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
        emoji: str | None = None,
        **values: Any,
    ) -> None:
        if set(values) != set(self.fields):
            raise TypeError(
                f"{type(self).__name__} needs {sorted(self.fields)}, got {sorted(values)}"
            )
        custom_id = ":".join([self.key, *(str(values[name]) for name in self.fields)])
        if len(custom_id) > CUSTOM_ID:
            raise ValueError(f"custom id {custom_id!r} is over {CUSTOM_ID} characters")
        super().__init__(
            discord.ui.Button(
                label=truncate(label, BUTTON_LABEL) if label else None,
                style=style,
                disabled=disabled,
                emoji=emoji,
                custom_id=custom_id,
            )
        )
        self.values: dict[str, Any] = values

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PersistentButton:
        values = {name: field.convert(match[name]) for name, field in cls.fields.items()}
        return cls._rebuild(item, **values)

    @classmethod
    def _rebuild(cls, item: discord.ui.Button[Any], **values: Any) -> PersistentButton:
        """The clicked button again, from its label and style; override when ``__init__``
        takes other arguments."""
        return cls(label=item.label or "", style=item.style, **values)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except Exception as error:
            await interaction.client.handle_interaction_error(interaction, error)  # type: ignore[attr-defined]

    async def act(self, interaction: discord.Interaction) -> None:
        """What a click does; raise :class:`~bot.errors.UserError` to answer with a sentence."""
        raise NotImplementedError


def view_of(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A persistent view (no timeout) holding ``items`` in order."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view

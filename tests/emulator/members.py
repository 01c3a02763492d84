"""The member API: what a test does as a person in the server.

>>> r = await alice.slash("quiz start", questions=3, seconds=10)
>>> question = await r.reply()                 # the bot's first response (a Message)
>>> answer = await alice.click(question, "B")  # by button label (or custom_id)
>>> note = await alice.next_ephemeral()        # the next ephemeral message sent to alice
>>> modal = await (await bob.slash("debate speak")).modal()
>>> await (await bob.submit(modal, speech="...")).reply()
>>> choices = await alice.autocomplete("glossary", term="dec")   # [Choice(name, value), ...]

Commands are resolved from the definitions the bot synced (guild and global); options are
type-checked against them (types, choices, ranges, lengths, required) like Discord's client
does, and user/role/channel options given as emulator objects land in ``data.resolved``.
The emulator delivers a command regardless of ``default_member_permissions`` so tests can
exercise the bot's own server-side checks.
"""

# The test API takes ``timeout=`` on purpose: every wait has one and names what it awaited.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.emulator import interactions
from tests.emulator.server import DEFAULT_TIMEOUT
from tests.emulator.state import (
    Attachment,
    Channel,
    Guild,
    GuildMember,
    Interaction,
    Message,
    P,
    Role,
    User,
    compute_permissions,
)

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SELECT_TYPES = (3, 5, 6, 7, 8)


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete result."""

    name: str
    value: Any


@dataclass(eq=False)
class MemberFile:
    """A file a member passes to an attachment option (type 11) of a slash command:
    ``await admin.slash("pack upload", file=MemberFile("pack.zip", data))``.

    Each command it is passed to uploads it anew (a new attachment id and url, as on Discord);
    ``uploads`` lists those attachments and ``fetches`` counts how often the bot downloaded
    them. ``content_type`` is guessed from the filename when not given.
    """

    filename: str
    data: bytes
    content_type: str | None = None
    uploads: list[Attachment] = field(default_factory=list, init=False, repr=False)

    @property
    def fetches(self) -> int:
        """How many times the bot fetched this file's url(s)."""
        return sum(upload.fetches for upload in self.uploads)

    @property
    def attachment(self) -> Attachment:
        """The latest upload (AssertionError when the file was not passed to a command yet)."""
        assert self.uploads, f"{self.filename!r} was not passed to a command yet"
        return self.uploads[-1]


@dataclass
class TextInput:
    custom_id: str
    label: str | None
    style: int
    required: bool
    min_length: int | None
    max_length: int | None
    value: str | None
    placeholder: str | None


@dataclass
class Modal:
    """A modal the bot opened (callback type 9), ready for :meth:`Member.submit`."""

    interaction: Interaction
    custom_id: str
    title: str
    components: list[dict[str, Any]]
    inputs: list[TextInput] = field(default_factory=list)
    selects: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_response(cls, interaction: Interaction, data: dict[str, Any]) -> Modal:
        modal = cls(interaction, data["custom_id"], data["title"], data.get("components") or [])
        for top in modal.components:
            label = top.get("label") if top.get("type") == 18 else None
            children = [top["component"]] if top.get("type") == 18 else top.get("components") or []
            for child in children:
                if child.get("type") in SELECT_TYPES:
                    modal.selects.append({**child, "label": label})
                if child.get("type") == 4:
                    modal.inputs.append(
                        TextInput(
                            child["custom_id"],
                            label or child.get("label"),
                            child.get("style", 1),
                            child.get("required", True),
                            child.get("min_length"),
                            child.get("max_length"),
                            child.get("value"),
                            child.get("placeholder"),
                        )
                    )
        return modal

    def select(self, key: str) -> dict[str, Any] | None:
        """A select in the modal by custom_id or label, or None."""
        wanted = _norm(key)
        for select in self.selects:
            if select["custom_id"] == key or _norm(select.get("label") or "") == wanted:
                return select
        return None

    def input(self, key: str) -> TextInput:
        """A text input by custom_id or label (case and ``_``/space/``-`` insensitive)."""
        wanted = _norm(key)
        for text_input in self.inputs:
            if text_input.custom_id == key or _norm(text_input.custom_id) == wanted:
                return text_input
        for text_input in self.inputs:
            if text_input.label and _norm(text_input.label) == wanted:
                return text_input
        raise AssertionError(
            f"modal {self.title!r} has no input {key!r}; inputs: "
            f"{[(t.custom_id, t.label) for t in self.inputs]}"
        )


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class InteractionResult:
    """An interaction a member started; await what the bot answered."""

    def __init__(self, emulator: Emulator, interaction: Interaction, member: Member) -> None:
        self.emulator = emulator
        self.interaction = interaction
        self.member = member

    def __repr__(self) -> str:
        return f"<InteractionResult {self.interaction.name!r} by {self.member.name}>"

    @property
    def response_type(self) -> int | None:
        return self.interaction.response_type

    @property
    def original(self) -> Message | None:
        message_id = self.interaction.original_message_id
        return self.emulator.messages.get(message_id) if message_id else None

    @property
    def followups(self) -> list[Message]:
        return [self.emulator.messages[i] for i in self.interaction.followup_ids]

    async def acknowledged(self, timeout: float | None = None) -> int:
        """Wait for the first response; return its callback type (4, 5, 6, 7, 8 or 9).

        The default wait is the interaction deadline (3 s) plus a margin: a bot that has not
        answered by then has failed the interaction on a real Discord too."""
        if timeout is None:
            timeout = self.emulator.interaction_deadline + 0.5

        def probe() -> int | None:
            if self.interaction.rejected and not self.interaction.acknowledged:
                status, code = self.interaction.rejected[-1]
                raise AssertionError(
                    f"the bot's response to {self.interaction.name!r} was refused ({status}/{code})"
                )
            return self.interaction.response_type

        return await self.emulator.wait_until(
            probe,
            what=f"the bot's response to {self.interaction.name!r} by {self.member.name}",
            timeout=timeout,
        )

    async def reply(self, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The first response: a Message (types 4, 5 once filled in, 6, 7), a :class:`Modal`
        (9) or a list of :class:`Choice` (8)."""
        kind = await self.acknowledged(min(timeout, self.emulator.interaction_deadline + 0.5))
        if kind == 9:
            return Modal.from_response(self.interaction, self.interaction.modal or {})
        if kind == 8:
            return [Choice(c["name"], c["value"]) for c in self.interaction.choices or []]
        message = self.original
        assert message is not None
        if kind == 5:
            await self.emulator.wait_until(
                lambda: not message.loading,
                what=f"the deferred reply to {self.interaction.name!r} to be filled in",
                timeout=timeout,
            )
        return message

    async def message(self, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """Like :meth:`reply`, asserting the answer is a message."""
        reply = await self.reply(timeout)
        assert isinstance(reply, Message), f"expected a message, the bot answered {reply!r}"
        return reply

    async def ephemeral(self, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The reply, asserting it is ephemeral (seen only by the member)."""
        reply = await self.message(timeout)
        assert reply.ephemeral, f"expected an ephemeral reply, got a public one: {reply.summary()}"
        return reply

    async def modal(self, timeout: float = DEFAULT_TIMEOUT) -> Modal:
        reply = await self.reply(timeout)
        assert isinstance(reply, Modal), f"expected a modal, the bot answered {reply!r}"
        return reply

    async def followup(self, index: int = 0, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The ``index``-th follow-up message (not counting one that filled a deferral)."""

        def probe() -> Message | None:
            ids = self.interaction.followup_ids
            return self.emulator.messages[ids[index]] if len(ids) > index else None

        return await self.emulator.wait_until(
            probe, what=f"follow-up #{index} to {self.interaction.name!r}", timeout=timeout
        )


class Member:
    """A person in the emulated server (``emulator.member("alice")``)."""

    def __init__(self, emulator: Emulator, guild_member: GuildMember) -> None:
        self.emulator = emulator
        self.guild_member = guild_member

    # ----------------------------------------------------------------- identity
    @property
    def id(self) -> int:
        return self.guild_member.id

    @property
    def user(self) -> User:
        return self.guild_member.user

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def guild(self) -> Guild:
        """The server this member belongs to (``emulator.guild`` unless made elsewhere)."""
        return self.emulator.guilds[self.guild_member.guild_id]

    @property
    def roles(self) -> list[Role]:
        guild = self.guild
        return [guild.roles[r] for r in self.guild_member.roles if r in guild.roles]

    def __repr__(self) -> str:
        return f"<Member {self.name} {self.id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Member) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def permissions(self, channel: Channel | str | None = None) -> int:
        if channel is None:
            return compute_permissions(self.guild, self.guild_member, None)
        return self.emulator.permissions(self.id, self._channel(channel))

    def can(self, permission: str, channel: Channel | str | None = None) -> bool:
        bit = P.by_name(permission)
        return bool(self.permissions(channel) & bit)

    # ----------------------------------------------------------------- slash commands
    async def slash(
        self,
        command: str,
        *,
        in_channel: Channel | str | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run ``/command [group] [subcommand]`` with options (``term="x"``; a dashed option
        name can be written with ``_`` or passed in ``options``).

        The command runs in #general, or in ``in_channel``; ``channel=`` also picks where it
        runs, unless the command has an option called ``channel`` (then it is that option).
        """
        given = {**(options or {}), **kwargs}
        leaf = self._leaf(command)
        target = self._location(leaf, given, in_channel)
        data = self._command_data(command, given, target, focused=None)
        return await self._deliver(interactions.APPLICATION_COMMAND, target, data)

    async def autocomplete(
        self,
        command: str,
        *,
        focused: str | None = None,
        in_channel: Channel | str | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[Choice]:
        """Type into an autocomplete option; return the bot's choices. The focused option is
        ``focused``, else the last given option that has autocomplete. ``channel=`` and
        ``timeout=`` work as in :meth:`slash` (unless the command has options so named)."""
        given = {**(options or {}), **kwargs}
        leaf = self._leaf(command)
        target = self._location(leaf, given, in_channel)
        timeout = (
            given.pop("timeout")
            if "timeout" in given and not _has(leaf, "timeout")
            else DEFAULT_TIMEOUT
        )
        data = self._command_data(command, given, target, focused=focused or "")
        result = await self._deliver(interactions.AUTOCOMPLETE, target, data)
        choices = await result.reply(timeout)
        assert isinstance(choices, list), f"expected autocomplete choices, got {choices!r}"
        return choices

    def _leaf(self, command: str) -> dict[str, Any]:
        words = command.strip().lstrip("/").split()
        leaf = self._find_command(words[0])
        for word in words[1:]:
            leaf = _child(leaf, word)
        return leaf

    def _location(
        self, leaf: dict[str, Any], given: dict[str, Any], in_channel: Channel | str | None
    ) -> Channel:
        if in_channel is None and "channel" in given and not _has(leaf, "channel"):
            in_channel = given.pop("channel")
        return self._channel(in_channel)

    def _command_data(
        self, command: str, given: dict[str, Any], channel: Channel, *, focused: str | None
    ) -> dict[str, Any]:
        words = command.strip().lstrip("/").split()
        definition = self._find_command(words[0], in_dm=channel.is_dm)
        data: dict[str, Any] = {"id": definition["id"], "name": definition["name"], "type": 1}
        if definition.get("guild_id"):
            data["guild_id"] = definition["guild_id"]
        resolved: dict[str, dict[str, Any]] = {}
        leaf, holder = definition, data
        for word in words[1:]:
            sub = _child(leaf, word)
            entry: dict[str, Any] = {"name": sub["name"], "type": sub["type"], "options": []}
            holder.setdefault("options", []).append(entry)
            leaf, holder = sub, entry
        nested = [o for o in leaf.get("options") or [] if o["type"] in (SUBCOMMAND, GROUP)]
        assert not nested, f"/{command} needs a subcommand: {[o['name'] for o in nested]}"
        holder["options"] = _build_options(
            self, leaf, given, channel, resolved, focused=focused, command=command
        )
        if resolved:
            data["resolved"] = resolved
        return data

    def _find_command(self, name: str, *, in_dm: bool = False) -> dict[str, Any]:
        """The synced definition of ``/name``: this member's guild's, else the global one.
        In the bot's DM only global commands offered there (context 1, BOT_DM) count."""
        emulator = self.emulator
        synced = emulator.commands.get(self.guild.id, []) + emulator.commands.get(None, [])
        for definition in synced:
            if definition["name"] == name and definition.get("type", 1) == 1:
                if in_dm:
                    definition = next(
                        (d for d in emulator.commands.get(None, []) if d["name"] == name),
                        definition,
                    )
                    _check_dm_command(definition)
                return definition
        known = sorted(d["name"] for d in synced)
        raise AssertionError(f"no slash command /{name} was synced; synced: {known}")

    # ----------------------------------------------------------------- components
    async def click(
        self,
        message: Message,
        label_or_id: str,
        *,
        values: list[Any] | None = None,
    ) -> InteractionResult:
        """Press a button (by label, custom_id or emoji) or choose ``values`` in a select
        (by custom_id or placeholder) on ``message``."""
        assert not message.deleted, f"message {message.id} was deleted"
        if message.ephemeral_for is not None:
            assert message.ephemeral_for == self.id, f"{self.name} cannot see {message.summary()}"
        channel = self.emulator.channel(message.channel_id)
        if channel.is_dm:
            assert self.can("view_channel", channel), f"{message.summary()} is in another's DM"
        component = message.find_component(label_or_id)
        assert not component.get("disabled"), f"{label_or_id!r} is disabled on {message.summary()}"
        if component["type"] == 2 and component.get("style") in (5, 6):
            raise AssertionError(
                f"{label_or_id!r} on {message.summary()} is a link button "
                f"({component.get('url') or 'a premium button'}): Discord opens it in the "
                "member's browser and sends the bot no interaction"
            )
        data: dict[str, Any] = {
            "custom_id": component["custom_id"],
            "component_type": component["type"],
        }
        if component["type"] == 2:
            assert values is None, f"{label_or_id!r} is a button: no values"
        else:
            data.update(self._select_values(component, values or [], channel))
        return await self._deliver(interactions.MESSAGE_COMPONENT, channel, data, message)

    async def select(
        self, message: Message, values: list[Any], custom_id: str | None = None
    ) -> InteractionResult:
        """Choose ``values`` in the (first, or ``custom_id``) select of ``message``."""
        if custom_id is None:
            assert message.selects, f"no select on {message.summary()}"
            custom_id = message.selects[0]["custom_id"]
        return await self.click(message, custom_id, values=values)

    def _select_values(
        self, select: dict[str, Any], values: list[Any], channel: Channel
    ) -> dict[str, Any]:
        low, high = select.get("min_values", 1), select.get("max_values", 1)
        assert low <= len(values) <= high, (
            f"select {select['custom_id']!r} takes {low}-{high} values, got {values!r}"
        )
        if select["type"] == 3:
            allowed = [o["value"] for o in select.get("options") or []]
            by_label = {o["label"]: o["value"] for o in select.get("options") or []}
            chosen = [by_label.get(v, v) for v in values]
            wrong = [v for v in chosen if v not in allowed]
            assert not wrong, f"{wrong} are not options of {select['custom_id']!r}: {allowed}"
            return {"values": chosen}
        resolved: dict[str, dict[str, Any]] = {}
        ids = [self._resolve(value, channel, resolved) for value in values]
        return {"values": ids, "resolved": resolved}

    # ----------------------------------------------------------------- modals
    async def submit(
        self, modal: Modal, values: dict[str, Any] | None = None, **fields: Any
    ) -> InteractionResult:
        """Fill a modal's text inputs (by custom_id or label; a select takes a list of values)
        and submit it."""
        given = {**(values or {}), **fields}
        filled: dict[str, Any] = {}
        for key, value in given.items():
            select = modal.select(key)
            if select is not None:
                assert isinstance(value, list), f"select {key!r} takes a list of values"
                filled[select["custom_id"]] = value
                continue
            text_input = modal.input(key)
            filled[text_input.custom_id] = value
        for text_input in modal.inputs:
            value = filled.get(text_input.custom_id, text_input.value or "")
            _check_text_input(modal, text_input, value)
            filled[text_input.custom_id] = value
        components = [_submitted(top, filled) for top in modal.components]
        data = {"custom_id": modal.custom_id, "components": components}
        parent = modal.interaction
        channel = self.emulator.channel(parent.channel_id)
        source = self.emulator.messages.get(parent.source_message_id or 0)
        return await self._deliver(interactions.MODAL_SUBMIT, channel, data, source)

    # ----------------------------------------------------------------- plain messages
    async def send(self, channel: Channel | str, content: str) -> Message:
        """Post a plain message (MESSAGE_CREATE reaches the bot only with the guild-messages
        intent, and its text only with the message-content intent or a mention of the bot).
        ``channel`` may be this member's DM channel (see :meth:`send_dm`)."""
        target = self._channel(channel)
        send = "send_messages_in_threads" if target.is_thread else "send_messages"
        assert self.can(send, target), f"{self.name} may not post in #{target.name}"
        emulator = self.emulator
        message = Message(
            emulator.ids.next(),
            target.id,
            target.guild_id,
            self.user,
            emulator.clock.now(),
            content=content,
        )
        message.pings = emulator.rest.pings(message, {})
        await emulator.rest.publish(message)
        return message

    # ----------------------------------------------------------------- what the member saw
    async def next_ephemeral(
        self,
        *,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The next ephemeral message to this member that the test has not been handed yet
        (deferred ones once filled in)."""
        cursor_key = -self.id

        def probe() -> Message | None:
            cursor = self.emulator._read_cursor.get(cursor_key, 0)
            for message in self.ephemerals():
                if (
                    message.id > cursor
                    and not message.loading
                    and (predicate is None or predicate(message))
                ):
                    self.emulator._read_cursor[cursor_key] = message.id
                    return message
            return None

        return await self.emulator.wait_until(
            probe, what=f"the next ephemeral message to {self.name}", timeout=timeout
        )

    def ephemerals(self) -> list[Message]:
        """Every ephemeral message sent to this member, oldest first."""
        return sorted(
            (
                m
                for m in self.emulator.messages.values()
                if m.ephemeral_for == self.id and not m.deleted
            ),
            key=lambda m: m.id,
        )

    def seen(self, channel: Channel | str | None = None) -> list[Message]:
        """Messages this member can see: public ones in channels they can view, their DM
        with the bot, and their ephemeral messages (in ``channel`` only, when given)."""
        target = self._channel(channel).id if channel is not None else None
        visible = []
        for message in sorted(self.emulator.messages.values(), key=lambda m: m.id):
            if message.deleted or (target is not None and message.channel_id != target):
                continue
            if message.ephemeral_for is not None:
                if message.ephemeral_for == self.id:
                    visible.append(message)
                continue
            where = self.emulator.channel_by_id(message.channel_id)
            if where is not None and self.can("view_channel", where):
                visible.append(message)
        return visible

    # ----------------------------------------------------------------- direct messages
    @property
    def dm_channel(self) -> Channel | None:
        """The bot's DM channel with this member, once opened (by the bot or :meth:`send_dm`)."""
        return self.emulator.dm_channel(self)

    @property
    def dms_open(self) -> bool:
        return self.user.dms_open

    def close_dms(self) -> None:
        """Turn off DMs from the bot: its posts to the DM get 403/50007 from now on."""
        self.user.dms_open = False

    def open_dms(self) -> None:
        self.user.dms_open = True

    def dms(self) -> list[Message]:
        """Every message in this member's DM with the bot, oldest first."""
        dm = self.dm_channel
        return self.emulator.messages_in(dm) if dm is not None else []

    async def next_dm(
        self,
        *,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The next message in this member's DM with the bot that the test has not been
        handed yet (see :meth:`Emulator.next_dm`)."""
        return await self.emulator.next_dm(self, predicate=predicate, timeout=timeout)

    async def send_dm(self, content: str) -> Message:
        """Write to the bot in a DM (the bot gets MESSAGE_CREATE with the direct-messages
        intent; the message-content intent does not apply to DMs)."""
        return await self.send(self.emulator.open_dm(self), content)

    # ----------------------------------------------------------------- internals
    def _channel(self, channel: Channel | str | None) -> Channel:
        return self.emulator.channel(channel or "general", guild=self.guild)

    async def _deliver(
        self, kind: int, channel: Channel, data: dict[str, Any], message: Message | None = None
    ) -> InteractionResult:
        await self.emulator.wait_until(
            lambda: self.emulator.gateway.serving(channel.guild_id),
            what="a bot session serving this guild's shard to deliver the interaction to",
            timeout=DEFAULT_TIMEOUT,
        )
        interaction = await interactions.deliver(
            self.emulator,
            kind=kind,
            member=self.guild_member,
            channel=channel,
            data=data,
            message=message,
        )
        return InteractionResult(self.emulator, interaction, self)

    def _resolve(self, value: Any, channel: Channel, resolved: dict[str, dict[str, Any]]) -> str:
        if isinstance(value, str):
            value = self._named(value)
        entry = value.guild_member if isinstance(value, Member) else value
        return interactions.resolved_entry(
            self.emulator, entry, self.guild_member, channel, resolved
        )

    def _named(self, name: str, kind: int | None = None) -> Any:
        """A channel, role or member by name (only the kind an option takes, when given)."""
        if kind in (None, CHANNEL):
            with contextlib.suppress(AssertionError):
                return self._channel(name)
        if kind in (None, ROLE, MENTIONABLE):
            with contextlib.suppress(AssertionError):
                return self.guild.role_named(name)
        if kind in (None, USER, MENTIONABLE):
            for guild_member in self.guild.members.values():
                if guild_member.user.username == name:
                    return guild_member
        raise AssertionError(f"no channel, role or member named {name!r}")


# --------------------------------------------------------------------------- option building


def _check_dm_command(definition: dict[str, Any]) -> None:
    """In the bot's DM only global commands usable there (context 1, BOT_DM) are offered."""
    name = definition["name"]
    assert not definition.get("guild_id"), f"/{name} is a guild command: not offered in DMs"
    contexts = definition.get("contexts")
    assert definition.get("dm_permission") is not False and (contexts is None or 1 in contexts), (
        f"/{name} is not offered in DMs (contexts {contexts})"
    )


def _has(leaf: dict[str, Any], name: str) -> bool:
    return any(o["name"] == name for o in leaf.get("options") or [])


def _child(parent: dict[str, Any], word: str) -> dict[str, Any]:
    for option in parent.get("options") or []:
        if option["name"] == word and option["type"] in (SUBCOMMAND, GROUP):
            return option
    names = [o["name"] for o in parent.get("options") or [] if o["type"] in (SUBCOMMAND, GROUP)]
    raise AssertionError(f"/{parent['name']} has no subcommand {word!r}; it has {names}")


def _build_options(
    member: Member,
    leaf: dict[str, Any],
    given: dict[str, Any],
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    *,
    focused: str | None,
    command: str,
) -> list[dict[str, Any]]:
    definitions = {o["name"]: o for o in leaf.get("options") or []}
    values: dict[str, Any] = {}
    for key, value in given.items():
        name = key if key in definitions else key.replace("_", "-")
        assert name in definitions, (
            f"/{command} has no option {key!r}; options: {sorted(definitions)}"
        )
        values[name] = value
    focus = _focused_option(definitions, values, focused, command)
    built = []
    for name, definition in definitions.items():
        if name not in values:
            assert focus is not None or not definition.get("required"), (
                f"/{command} needs option {name!r}"
            )
            continue
        value = values[name]
        entry: dict[str, Any] = {"name": name, "type": definition["type"]}
        if name == focus:
            entry["value"] = str(value)
            entry["focused"] = True
        else:
            entry["value"] = _option_value(member, definition, value, channel, resolved, command)
        built.append(entry)
    return built


def _focused_option(
    definitions: dict[str, dict[str, Any]],
    values: dict[str, Any],
    focused: str | None,
    command: str,
) -> str | None:
    if focused is None:
        return None
    if focused:
        name = focused if focused in definitions else focused.replace("_", "-")
        assert definitions.get(name, {}).get("autocomplete"), (
            f"option {focused!r} of /{command} has no autocomplete"
        )
        values.setdefault(name, "")
        return name
    candidates = [n for n in values if definitions[n].get("autocomplete")]
    assert candidates, f"/{command}: none of {sorted(values)} has autocomplete"
    return candidates[-1]


def _option_value(
    member: Member,
    definition: dict[str, Any],
    value: Any,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    command: str,
) -> Any:
    kind, name = definition["type"], definition["name"]
    where = f"option {name!r} of /{command}"
    if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        return _entity_value(member, definition, value, channel, resolved, where)
    if kind == ATTACHMENT:
        return _attachment_value(member, value, channel, resolved, where)
    checked = _scalar_value(kind, value, where)
    choices = definition.get("choices") or []
    if choices:
        allowed = [c["value"] for c in choices]
        by_name = {c["name"]: c["value"] for c in choices}
        checked = by_name.get(checked, checked) if checked not in allowed else checked
        assert checked in allowed, f"{where} must be one of {allowed}, not {value!r}"
    _check_range(definition, checked, where)
    return checked


def _scalar_value(kind: int, value: Any, where: str) -> Any:
    if kind == STRING:
        assert isinstance(value, str), f"{where} takes a string, not {value!r}"
    elif kind == INTEGER:
        assert isinstance(value, int) and not isinstance(value, bool), (
            f"{where} takes an integer, not {value!r}"
        )
    elif kind == NUMBER:
        assert isinstance(value, int | float) and not isinstance(value, bool), (
            f"{where} takes a number, not {value!r}"
        )
    elif kind == BOOLEAN:
        assert isinstance(value, bool), f"{where} takes True/False, not {value!r}"
    return value


def _check_range(definition: dict[str, Any], value: Any, where: str) -> None:
    low, high = definition.get("min_value"), definition.get("max_value")
    if low is not None:
        assert value >= low, f"{where} must be >= {low}, not {value!r}"
    if high is not None:
        assert value <= high, f"{where} must be <= {high}, not {value!r}"
    if isinstance(value, str):
        shortest, longest = definition.get("min_length"), definition.get("max_length")
        if shortest is not None:
            assert len(value) >= shortest, f"{where} needs at least {shortest} characters"
        if longest is not None:
            assert len(value) <= longest, f"{where} takes at most {longest} characters"


def _entity_value(
    member: Member,
    definition: dict[str, Any],
    value: Any,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    where: str,
) -> str:
    kind = definition["type"]
    if isinstance(value, str):
        value = member._named(value, kind)
    entity = value.guild_member if isinstance(value, Member) else value
    is_user = isinstance(entity, GuildMember | User)
    accepted = {
        USER: is_user,
        ROLE: isinstance(entity, Role),
        CHANNEL: isinstance(entity, Channel),
        MENTIONABLE: is_user or isinstance(entity, Role),
    }[kind]
    assert accepted, f"{where} cannot take {value!r}"
    if kind == CHANNEL and definition.get("channel_types"):
        assert entity.type in definition["channel_types"], (
            f"{where} takes channel types {definition['channel_types']}, not #{entity.name}"
        )
    return interactions.resolved_entry(
        member.emulator, entity, member.guild_member, channel, resolved
    )


def _attachment_value(
    member: Member,
    value: Any,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    where: str,
) -> str:
    """Upload a :class:`MemberFile` as Discord's client does; its id is the option's value and
    ``resolved.attachments`` describes it."""
    assert isinstance(value, MemberFile), (
        f"{where} takes a file (tests.emulator.MemberFile), not {value!r}"
    )
    limit = interactions.ATTACHMENT_SIZE_LIMIT
    assert len(value.data) <= limit, (
        f"{where}: {value.filename!r} has {len(value.data)} bytes; Discord's client refuses "
        f"files over {limit}"
    )
    attachment = member.emulator.add_attachment(
        channel.id, value.filename, value.data, content_type=value.content_type, ephemeral=True
    )
    value.uploads.append(attachment)
    resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
    return str(attachment.id)


def _check_text_input(modal: Modal, text_input: TextInput, value: str) -> None:
    where = f"input {text_input.custom_id!r} ({text_input.label}) of modal {modal.title!r}"
    if text_input.required:
        assert value, f"{where} is required"
    if value and text_input.min_length is not None:
        assert len(value) >= text_input.min_length, f"{where} needs {text_input.min_length}+ chars"
    longest = text_input.max_length or 4000
    assert len(value) <= longest, f"{where} takes at most {longest} characters"


def _submitted(top: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    def answer(child: dict[str, Any]) -> dict[str, Any]:
        entry = {"type": child["type"], "custom_id": child.get("custom_id")}
        if child.get("id") is not None:
            entry["id"] = child["id"]
        if child["type"] == 4:
            entry["value"] = filled.get(child["custom_id"], "")
        elif child["type"] in SELECT_TYPES:
            entry["values"] = [str(v) for v in filled.get(child["custom_id"], [])]
        return entry

    if top.get("type") == 18:
        return {"type": 18, "id": top.get("id", 0), "component": answer(top["component"])}
    if top.get("type") == 1:
        return {"type": 1, "components": [answer(c) for c in top.get("components") or []]}
    return {"type": top.get("type"), "id": top.get("id", 0)}

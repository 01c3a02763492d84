"""Discord's rules for request bodies: the documented limits, the OpenAPI schema, command checks.

Every check appends :class:`FieldError` entries to a :class:`FormErrors`; the server turns a
non-empty one into Discord's ``400`` answer (code ``50035``, "Invalid Form Body") whose
``errors`` object names the field, e.g. ``{"embeds": {"0": {"title": {"_errors": [...]}}}}``.

Where ``DISCORD.md`` and the OpenAPI description disagree, ``DISCORD.md`` wins (message content
is 2000 characters, not 4000): both are applied, so the stricter documented limit bites.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

Path_ = tuple[str | int, ...]

# DISCORD.md's table, in one place.
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
BUTTON_URL_MAX = 512
LINK_STYLE, PREMIUM_STYLE = 5, 6
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_INPUT_LABEL_MAX = 45
LABEL_DESCRIPTION_MAX = 100
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
COMMAND_CHARS_MAX = 8000
COMMANDS_MAX = {1: 100, 2: 15, 3: 15}
AUTOCOMPLETE_MAX = 25
THREAD_NAME_MAX = 100
NONCE_MAX = 25
INT64 = 1 << 63
ATTACHMENTS_MAX = 10
COMPONENTS_V2_FLAG = 1 << 15
COMPONENTS_V2_MAX = 40

SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
STRING_OPTION, INTEGER_OPTION, NUMBER_OPTION = 3, 4, 10


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule: where (a JSON path), Discord's error code and a sentence."""

    path: Path_
    code: str
    message: str

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.path) or "<body>"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass
class FormErrors:
    """The errors found in one request body."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, path: Path_, code: str, message: str) -> None:
        self.errors.append(FieldError(tuple(path), code, message))

    def extend(self, errors: Iterable[FieldError]) -> None:
        self.errors.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def to_discord(self) -> dict[str, Any]:
        """The nested ``errors`` object of a 50035 answer."""
        tree: dict[str, Any] = {}
        for error in self.errors:
            node = tree
            for part in error.path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
        return tree

    def summary(self) -> str:
        return "; ".join(str(error) for error in self.errors)


# --------------------------------------------------------------------------- small checks


def _max_length(errors: FormErrors, path: Path_, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors.add(
            path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length ({len(value)})."
        )


def _length_between(errors: FormErrors, path: Path_, value: Any, low: int, high: int) -> None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        size = len(value) if isinstance(value, str) else "missing"
        errors.add(
            path,
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between {low} and {high} in length ({size}).",
        )


def _max_items(errors: FormErrors, path: Path_, value: Any, limit: int) -> None:
    if isinstance(value, list) and len(value) > limit:
        errors.add(
            path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length ({len(value)})."
        )


# --------------------------------------------------------------------------- messages


def check_message(body: Mapping[str, Any], errors: FormErrors, *, partial: bool = False) -> None:
    """Content, embeds, components and attachments of a message create/edit body."""
    content = body.get("content")
    _max_length(errors, ("content",), content, CONTENT_MAX)
    embeds = body.get("embeds") or []
    _max_items(errors, ("embeds",), embeds, EMBEDS_MAX)
    if isinstance(embeds, list):
        _check_embeds(embeds, errors)
    _max_items(errors, ("attachments",), body.get("attachments"), ATTACHMENTS_MAX)
    _check_allowed_mentions(body.get("allowed_mentions"), errors)
    _check_nonce(body.get("nonce"), errors)
    components = body.get("components") or []
    flags = body.get("flags") or 0
    if isinstance(flags, int) and flags & COMPONENTS_V2_FLAG:
        _check_components_v2(components, errors)
    else:
        check_action_rows(components, errors)
    empty = not content and not embeds and not components and not body.get("attachments")
    if not partial and empty and not body.get("poll") and not body.get("sticker_ids"):
        errors.add(("content",), "BASE_TYPE_REQUIRED", "Cannot send an empty message.")


def _check_nonce(nonce: Any, errors: FormErrors) -> None:
    """A message nonce is a string of at most 25 characters or a 64-bit integer."""
    if nonce is None:
        return
    if isinstance(nonce, str):
        _max_length(errors, ("nonce",), nonce, NONCE_MAX)
    elif not isinstance(nonce, int) or isinstance(nonce, bool) or not -INT64 <= nonce < INT64:
        errors.add(
            ("nonce",),
            "BASE_TYPE_INVALID",
            f"A nonce is a string of {NONCE_MAX} or fewer characters or a 64-bit integer.",
        )


def _check_allowed_mentions(allowed: Any, errors: FormErrors) -> None:
    if not isinstance(allowed, dict):
        return
    parse = allowed.get("parse") or []
    for key in ("users", "roles"):
        if key in parse and allowed.get(key):
            errors.add(
                ("allowed_mentions", key),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids] are mutually exclusive.',
            )
        if len(allowed.get(key) or []) > 100:
            errors.add(("allowed_mentions", key), "BASE_TYPE_MAX_LENGTH", "At most 100 ids.")


def _check_embeds(embeds: list[Any], errors: FormErrors) -> None:
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        total += _check_embed(embed, ("embeds", index), errors)
    if total > EMBED_TOTAL_MAX:
        errors.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX} ({total}).",
        )


def _check_embed(embed: dict[str, Any], path: Path_, errors: FormErrors) -> int:
    """Check one embed; return its text size for the 6000 total."""
    title, description = embed.get("title"), embed.get("description")
    _max_length(errors, (*path, "title"), title, EMBED_TITLE_MAX)
    _max_length(errors, (*path, "description"), description, EMBED_DESCRIPTION_MAX)
    footer = (embed.get("footer") or {}).get("text")
    author = (embed.get("author") or {}).get("name")
    _max_length(errors, (*path, "footer", "text"), footer, EMBED_FOOTER_MAX)
    _max_length(errors, (*path, "author", "name"), author, EMBED_AUTHOR_MAX)
    fields = embed.get("fields") or []
    _max_items(errors, (*path, "fields"), fields, EMBED_FIELDS_MAX)
    size = sum(len(text) for text in (title, description, footer, author) if isinstance(text, str))
    for index, item in enumerate(fields):
        name, value = item.get("name"), item.get("value")
        _length_between(errors, (*path, "fields", index, "name"), name, 1, EMBED_FIELD_NAME_MAX)
        _length_between(errors, (*path, "fields", index, "value"), value, 1, EMBED_FIELD_VALUE_MAX)
        size += sum(len(text) for text in (name, value) if isinstance(text, str))
    return size


def check_action_rows(components: list[Any], errors: FormErrors) -> None:
    """Classic components: at most 5 rows of 5 buttons or 1 select; unique custom_ids."""
    _max_items(errors, ("components",), components, ACTION_ROWS_MAX)
    seen: set[str] = set()
    for row_index, row in enumerate(components):
        path: Path_ = ("components", row_index)
        if not isinstance(row, dict) or row.get("type") != 1:
            errors.add((*path, "type"), "COMPONENT_TYPE_INVALID", "Top-level must be rows.")
            continue
        children = row.get("components") or []
        if not children:
            errors.add((*path, "components"), "BASE_TYPE_REQUIRED", "A row cannot be empty.")
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if selects and len(children) > 1:
            errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "A select is alone in its row.",
            )
        _max_items(errors, (*path, "components"), children, BUTTONS_PER_ROW_MAX)
        for index, child in enumerate(children):
            _check_interactive(child, (*path, "components", index), errors, seen)


def _check_interactive(
    component: dict[str, Any], path: Path_, errors: FormErrors, seen: set[str]
) -> None:
    kind = component.get("type")
    custom_id = component.get("custom_id")
    style = component.get("style")
    if kind == 2 and style == LINK_STYLE:
        _check_link_button(component, path, errors)
    elif kind == 2 and component.get("url") is not None:
        errors.add((*path, "url"), "BUTTON_URL_NOT_ALLOWED", "Only a link button has a url.")
    if not (kind == 2 and style in (LINK_STYLE, PREMIUM_STYLE)):
        _length_between(errors, (*path, "custom_id"), custom_id, 1, CUSTOM_ID_MAX)
        if isinstance(custom_id, str):
            if custom_id in seen:
                errors.add(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    f"Component custom id {custom_id!r} is duplicated.",
                )
            seen.add(custom_id)
    if kind == 2:
        _max_length(errors, (*path, "label"), component.get("label"), BUTTON_LABEL_MAX)
        if style != PREMIUM_STYLE and not component.get("label") and not component.get("emoji"):
            errors.add((*path, "label"), "BASE_TYPE_REQUIRED", "A button needs a label or emoji.")
    elif kind in (3, 5, 6, 7, 8):
        _check_select(component, path, errors)


def _check_link_button(button: dict[str, Any], path: Path_, errors: FormErrors) -> None:
    """A link button (style 5) opens its ``url``: it has one, and no ``custom_id``."""
    url = button.get("url")
    if not isinstance(url, str) or not url:
        errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "A link button needs a url.")
    elif len(url) > BUTTON_URL_MAX:
        errors.add((*path, "url"), "BASE_TYPE_MAX_LENGTH", f"Must be {BUTTON_URL_MAX} or fewer.")
    if button.get("custom_id") is not None:
        errors.add(
            (*path, "custom_id"),
            "BUTTON_CUSTOM_ID_NOT_ALLOWED",
            "A link button cannot have a custom_id.",
        )


def _check_select(select: dict[str, Any], path: Path_, errors: FormErrors) -> None:
    _max_length(errors, (*path, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    if select.get("type") == 3:
        options = select.get("options") or []
        if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
            errors.add(
                (*path, "options"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {SELECT_OPTIONS_MAX} in length ({len(options)}).",
            )
        for index, option in enumerate(options):
            for key in ("label", "value"):
                _length_between(
                    errors,
                    (*path, "options", index, key),
                    option.get(key),
                    1,
                    SELECT_OPTION_TEXT_MAX,
                )
            _max_length(
                errors,
                (*path, "options", index, "description"),
                option.get("description"),
                SELECT_OPTION_TEXT_MAX,
            )
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if isinstance(low, int) and isinstance(high, int) and not 0 <= low <= high <= 25:
        errors.add((*path, "max_values"), "BASE_TYPE_BAD_LENGTH", "Need 0 <= min <= max <= 25.")


def _walk_components(components: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from _walk_components([component[key]])


def _check_components_v2(components: list[Any], errors: FormErrors) -> None:
    everything = list(_walk_components(components))
    if len(everything) > COMPONENTS_V2_MAX:
        errors.add(
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {COMPONENTS_V2_MAX} or fewer components in total ({len(everything)}).",
        )
    seen: set[str] = set()
    for component in everything:
        if component.get("type") in (2, 3, 5, 6, 7, 8):
            _check_interactive(component, ("components",), errors, seen)


# --------------------------------------------------------------------------- modals etc.


def check_modal(data: Mapping[str, Any], errors: FormErrors) -> None:
    """A modal (callback type 9): title, custom_id, 1-5 components, text inputs."""
    _length_between(errors, ("data", "title"), data.get("title"), 1, MODAL_TITLE_MAX)
    _length_between(errors, ("data", "custom_id"), data.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        errors.add(
            ("data", "components"),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {MODAL_COMPONENTS_MAX} in length ({len(components)}).",
        )
    seen: set[str] = set()
    for index, top in enumerate(components):
        path: Path_ = ("data", "components", index)
        if top.get("type") == 18:
            _length_between(errors, (*path, "label"), top.get("label"), 1, TEXT_INPUT_LABEL_MAX)
            _max_length(
                errors, (*path, "description"), top.get("description"), LABEL_DESCRIPTION_MAX
            )
            children = [(("component",), top.get("component") or {})]
        else:
            children = [
                (("components", i), child) for i, child in enumerate(top.get("components") or [])
            ]
        for suffix, child in children:
            _check_modal_child(
                child, (*path, *suffix), errors, seen, labelled=top.get("type") == 18
            )


def _check_modal_child(
    child: dict[str, Any], path: Path_, errors: FormErrors, seen: set[str], *, labelled: bool
) -> None:
    custom_id = child.get("custom_id")
    if child.get("type") in (10,):  # text display: no custom_id
        return
    _length_between(errors, (*path, "custom_id"), custom_id, 1, CUSTOM_ID_MAX)
    if isinstance(custom_id, str):
        if custom_id in seen:
            errors.add((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicated.")
        seen.add(custom_id)
    if child.get("type") != 4:
        if child.get("type") in (3, 5, 6, 7, 8):
            _check_select(child, path, errors)
        return
    if not labelled:
        _length_between(errors, (*path, "label"), child.get("label"), 1, TEXT_INPUT_LABEL_MAX)
    _max_length(errors, (*path, "value"), child.get("value"), TEXT_INPUT_VALUE_MAX)
    _max_length(
        errors, (*path, "placeholder"), child.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX
    )
    low, high = child.get("min_length"), child.get("max_length")
    if low is not None and not 0 <= low <= TEXT_INPUT_VALUE_MAX:
        errors.add((*path, "min_length"), "NUMBER_TYPE_MAX", "min_length must be 0-4000.")
    if high is not None and not 1 <= high <= TEXT_INPUT_VALUE_MAX:
        errors.add((*path, "max_length"), "NUMBER_TYPE_MAX", "max_length must be 1-4000.")


def check_autocomplete(data: Mapping[str, Any], errors: FormErrors) -> None:
    """Autocomplete results (callback type 8): at most 25 choices, names 1-100."""
    choices = data.get("choices") or []
    _max_items(errors, ("data", "choices"), choices, AUTOCOMPLETE_MAX)
    for index, choice in enumerate(choices):
        _check_choice(choice, ("data", "choices", index), errors)


def _check_choice(choice: Mapping[str, Any], path: Path_, errors: FormErrors) -> None:
    _length_between(errors, (*path, "name"), choice.get("name"), 1, CHOICE_NAME_MAX)
    _max_length(errors, (*path, "value"), choice.get("value"), CHOICE_STRING_VALUE_MAX)


def check_thread_name(body: Mapping[str, Any], errors: FormErrors) -> None:
    _length_between(errors, ("name",), body.get("name"), 1, THREAD_NAME_MAX)


# --------------------------------------------------------------------------- commands


def check_commands(commands: Any, errors: FormErrors) -> None:
    """A bulk overwrite of application commands (global or one guild)."""
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array of commands.")
        return
    counts: dict[int, int] = {}
    names: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = command.get("type") or 1
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, command.get("name"))
        if key in names:
            errors.add((index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", f"{key[1]!r} twice.")
        names.add(key)
        check_command(command, (index,), errors)
    for kind, limit in COMMANDS_MAX.items():
        if counts.get(kind, 0) > limit:
            errors.add(
                (),
                "APPLICATION_COMMANDS_TOO_MANY",
                f"At most {limit} commands of type {kind} ({counts[kind]}).",
            )


def check_command(command: Mapping[str, Any], path: Path_, errors: FormErrors) -> None:
    kind = command.get("type") or 1
    _check_name(command.get("name"), (*path, "name"), errors, lowercase=kind == 1)
    description = command.get("description")
    if kind == 1:
        _length_between(errors, (*path, "description"), description, 1, COMMAND_DESCRIPTION_MAX)
    elif description:
        errors.add((*path, "description"), "BASE_TYPE_BAD_LENGTH", "Context menus have none.")
    options = command.get("options") or []
    _check_options(options, (*path, "options"), errors, depth=0)
    size = _command_chars(command)
    if size > COMMAND_CHARS_MAX:
        errors.add(
            path,
            "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({size} > {COMMAND_CHARS_MAX}).",
        )


def _check_name(name: Any, path: Path_, errors: FormErrors, *, lowercase: bool) -> None:
    if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}.")
    elif lowercase and name != name.lower():
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"{name!r} must be lowercase.")


def _check_options(options: list[Any], path: Path_, errors: FormErrors, *, depth: int) -> None:
    if len(options) > OPTIONS_MAX:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {OPTIONS_MAX} or fewer in length.")
    kinds = {option.get("type") for option in options}
    nested = kinds & {SUBCOMMAND, SUBCOMMAND_GROUP}
    if nested and kinds - nested:
        errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands mix options.")
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        option_path = (*path, index)
        _check_option(option, option_path, errors, depth=depth)
        name = option.get("name")
        if name in names:
            errors.add(
                (*option_path, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                f"Option {name!r} twice.",
            )
        names.add(name)
        if option.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP):
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*option_path, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options.",
                )
        else:
            seen_optional = True


def _check_option(
    option: Mapping[str, Any], path: Path_, errors: FormErrors, *, depth: int
) -> None:
    kind = option.get("type")
    _check_name(option.get("name"), (*path, "name"), errors, lowercase=True)
    _length_between(
        errors, (*path, "description"), option.get("description"), 1, COMMAND_DESCRIPTION_MAX
    )
    if kind in (SUBCOMMAND, SUBCOMMAND_GROUP):
        if kind == SUBCOMMAND_GROUP and depth > 0:
            errors.add((*path, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deep.")
        children = option.get("options") or []
        wanted = (SUBCOMMAND,) if kind == SUBCOMMAND_GROUP else ()
        for index, child in enumerate(children):
            nested = child.get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP)
            if nested != (child.get("type") in wanted) or (wanted and not nested):
                errors.add(
                    (*path, "options", index, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "A group holds only subcommands; a subcommand holds no subcommands.",
                )
        _check_options(children, (*path, "options"), errors, depth=depth + 1)
        return
    choices = option.get("choices") or []
    _max_items(errors, (*path, "choices"), choices, CHOICES_MAX)
    if choices and option.get("autocomplete"):
        errors.add(
            (*path, "autocomplete"),
            "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
            "Autocomplete cannot be set with choices.",
        )
    for index, choice in enumerate(choices):
        _check_choice(choice, (*path, "choices", index), errors)
    for key in ("min_length", "max_length"):
        value = option.get(key)
        if value is not None and not 0 <= value <= 6000:
            errors.add((*path, key), "NUMBER_TYPE_MAX", f"{key} must be 0-6000.")


def _command_chars(command: Mapping[str, Any]) -> int:
    size = len(command.get("name") or "") + len(command.get("description") or "")
    for option in command.get("options") or []:
        size += _command_chars(option)
        for choice in option.get("choices") or []:
            size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return size


# --------------------------------------------------------------------------- OpenAPI


def _snowflake_aware_type(validator: Any, types: Any, instance: Any, schema: Any) -> Any:
    """Discord takes integers wherever it documents string snowflakes; so do we."""
    if schema.get("format") == "snowflake" and isinstance(instance, int) and instance >= 0:
        return
    yield from jsonschema._keywords.type(validator, types, instance, schema)


_Validator = jsonschema.validators.extend(Draft202012Validator, {"type": _snowflake_aware_type})

# Unions whose branch is chosen by the body's ``type`` give clearer errors per branch.
_CALLBACK_BRANCHES = {
    4: "CreateMessageInteractionCallbackRequest",
    5: "CreateMessageInteractionCallbackRequest",
    6: "UpdateMessageInteractionCallbackRequest",
    7: "UpdateMessageInteractionCallbackRequest",
    8: "ApplicationCommandAutocompleteCallbackRequest",
    9: "ModalInteractionCallbackRequest",
}


@dataclass(frozen=True, slots=True)
class Operation:
    """One route of the OpenAPI description."""

    template: str
    method: str
    pointer: str | None  # JSON pointer to the request body's JSON schema


class OpenAPISpec:
    """Discord's OpenAPI description: route lookup and request-body validation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = _discriminate_unions(document)
        self._routes = self._compile_routes(document.get("paths", {}))
        self._validators: dict[str, Any] = {}
        self._results: dict[tuple[str, str], list[FieldError]] = {}

    @classmethod
    def load(cls, path: Path | str) -> OpenAPISpec:
        return cls(json.loads(Path(path).read_text("utf-8")))

    @staticmethod
    def _compile_routes(paths: dict[str, Any]) -> list[tuple[re.Pattern[str], str, int]]:
        routes = []
        for template in paths:
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            literals = sum(1 for part in template.split("/") if part and "{" not in part)
            routes.append((re.compile(f"^{pattern}$"), template, literals))
        routes.sort(key=lambda route: -route[2])
        return routes

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, template, _ in self._routes:
            if not pattern.match(path):
                continue
            operation = self.document["paths"][template].get(method.lower())
            if operation is None:
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            pointer = None
            if "application/json" in content:
                pointer = _pointer(
                    "paths",
                    template,
                    method.lower(),
                    "requestBody",
                    "content",
                    "application/json",
                    "schema",
                )
            return Operation(template, method.upper(), pointer)
        return None

    def validate(self, operation: Operation, body: Any) -> list[FieldError]:
        """Errors of ``body`` against the route's request schema (empty when valid)."""
        if operation.pointer is None:
            return []
        pointer = operation.pointer
        if operation.template.endswith("/callback") and isinstance(body, dict):
            branch = _CALLBACK_BRANCHES.get(body.get("type"))  # type: ignore[arg-type]
            if branch is not None:
                pointer = _pointer("components", "schemas", branch)
        key = (pointer, json.dumps(body, sort_keys=True))
        if key not in self._results:  # the same command tree is synced in many tests
            if len(self._results) > 512:
                self._results.clear()
            error = best_match(self._validator(pointer).iter_errors(body))
            self._results[key] = [] if error is None else [_field_error(error)]
        return list(self._results[key])

    def _validator(self, pointer: str) -> Any:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {
                "$ref": "#" + pointer,
                "components": self.document.get("components", {}),
                "paths": self.document.get("paths", {}),
            }
            validator = _Validator(schema)
            self._validators[pointer] = validator
        return validator


def _discriminate_unions(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite unions told apart by a ``type`` constant (options, components) into if/then
    branches: validation gets much faster and errors come from the branch that was meant."""
    schemas = document.get("components", {}).get("schemas", {})

    def type_of(branch: Any) -> Any:
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        target = schemas.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/components/") else None
        enum = ((target or {}).get("properties") or {}).get("type", {}).get("enum")
        return enum[0] if isinstance(enum, list) and len(enum) == 1 else None

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: rewrite(value) for key, value in node.items()}
        for keyword in ("oneOf", "anyOf"):
            branches = node.get(keyword)
            if not isinstance(branches, list) or len(branches) < 2:
                continue
            kinds = [type_of(branch) for branch in branches]
            if None in kinds or len(set(kinds)) != len(kinds):
                continue
            del node[keyword]
            node["allOf"] = [
                *node.get("allOf", []),
                {"type": "object", "required": ["type"], "properties": {"type": {"enum": kinds}}},
                *(
                    {"if": {"properties": {"type": {"const": kind}}}, "then": branch}
                    for kind, branch in zip(kinds, branches, strict=True)
                ),
            ]
        return node

    return rewrite(document)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _field_error(error: ValidationError) -> FieldError:
    deepest = error
    while deepest.context:
        candidate = best_match(deepest.context)
        if candidate is None:
            break
        deepest = candidate
    message = deepest.message
    if len(message) > 300:
        message = message[:300] + "…"
    return FieldError(tuple(deepest.absolute_path), f"OPENAPI_{deepest.validator.upper()}", message)


@cache
def default_spec() -> OpenAPISpec | None:
    """The project's copy of Discord's OpenAPI description, when present."""
    override = os.environ.get("DISCORD_OPENAPI_PATH")
    candidates = [Path(override)] if override else []
    root = Path(__file__).resolve().parents[2]
    candidates += [
        root.parent / "shared" / "discord-api" / "openapi.json",
        root / "shared" / "discord-api" / "openapi.json",
        Path(__file__).resolve().parent / "spec" / "discord-openapi.json",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return OpenAPISpec.load(candidate)
    return None

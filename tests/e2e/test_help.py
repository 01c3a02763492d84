"""/help end to end (issue 20): "Start here" first, then only the sections the member may use —
everyone's, moderators', admins' — decided on the server side, each page one embed inside
Discord's limits, paged with Previous/Next and a button per section."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from tests.emulator import Emulator, Member, Message

MODERATOR_ONLY = ("/debate start", "/debate next", "/debate judge add", "/scores adjust")
MODERATOR_ONLY += ("/schedule add",)  # issue 20: schedules are for moderators
ADMIN_ONLY = ("/settings show", "/settings moderator-role", "/scores export")
ADMIN_ONLY += ("/scores season-new",)
EVERYONE = ("/article", "/summary", "/glossary term", "/quiz practice", "/debate speak")
EVERYONE += ("/leaderboard", "/profile", "/help")


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts against an embed's 6,000."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    size += len((embed.get("footer") or {}).get("text", ""))
    return size + len((embed.get("author") or {}).get("name", ""))


def next_enabled(page: Message) -> bool:
    return not page.find_component("Next").get("disabled")


@dataclass(frozen=True)
class Shown:
    """What one page of the private /help message showed."""

    embeds: list[dict[str, Any]]
    text: str
    button_labels: list[str]
    disabled: list[str]


async def help_pages(member: Member) -> list[Shown]:
    """Every page of the member's /help, following Next (one private message, edited)."""
    page = await (await member.slash("help")).ephemeral()
    assert page.ephemeral_for == member.id

    def shown() -> Shown:
        disabled = [b["label"] for b in page.buttons if b.get("disabled")]
        return Shown(copy.deepcopy(page.embeds), page.text, page.button_labels, disabled)

    pages = [shown()]
    while next_enabled(page):
        before = page.revision
        await (await member.click(page, "Next")).message()
        assert page.revision > before
        pages.append(shown())
    return pages


def checked(pages: list[Shown]) -> str:
    """All the pages' text, after checking each is one embed inside Discord's limits."""
    for number, page in enumerate(pages, start=1):
        assert len(page.embeds) == 1
        embed = page.embeds[0]
        assert embed_size(embed) <= 6000 and len(embed.get("fields", [])) <= 25
        assert len(embed.get("description", "")) <= 4096
        assert all(len(f["value"]) <= 1024 for f in embed.get("fields", []))
        assert embed["footer"]["text"].startswith(f"Page {number} of {len(pages)} · ")
    return "\n".join(page.text for page in pages)


@pytest.mark.usefixtures("bot")
async def test_a_member_starts_here_and_sees_only_everyones_commands(alice: Member) -> None:
    pages = await help_pages(alice)
    first = pages[0]
    assert first.embeds[0]["title"] == "Roundtable — start here"
    steps = first.embeds[0]["description"]
    assert steps.index("/article") < steps.index("/summary") < steps.index("/quiz practice")
    assert first.button_labels == ["Previous", "Next", "Start here", "Everyone"]
    assert first.disabled == ["Previous", "Start here"]
    assert pages[-1].disabled == ["Next", "Everyone"]
    text = checked(pages)
    assert "Commands for everyone" in text
    assert "Moderator commands" not in text and "Admin commands" not in text
    assert all(f"`{command}" in text for command in EVERYONE)
    assert not [c for c in MODERATOR_ONLY + ADMIN_ONLY if c in text]
    assert "a right answer earns 10" in text  # the points rules stay with everyone's commands


async def test_a_member_holding_only_the_moderator_role_sees_the_moderator_section(
    emulator: Emulator, bot: Any, admin: Member
) -> None:
    await emulator.create_role("Discussion lead")
    dave = emulator.member("dave", roles=("Discussion lead",))
    assert not dave.can("manage_messages") and not dave.can("manage_guild")
    assert "Moderator commands" not in checked(await help_pages(dave))

    role = emulator.role("Discussion lead")
    await (await admin.slash("settings moderator-role", role=role)).ephemeral()
    pages = await help_pages(dave)
    text = checked(pages)
    assert "Moderator commands" in text and "Admin commands" not in text
    assert all(f"`{command}" in text for command in MODERATOR_ONLY)
    assert not [c for c in ADMIN_ONLY if c in text]
    assert pages[0].button_labels == ["Previous", "Next", "Start here", "Everyone", "Moderators"]


async def test_an_admin_sees_every_section_in_order(bot: Any, admin: Member) -> None:
    pages = await help_pages(admin)
    text = checked(pages)
    first = text.index("Commands for everyone")
    assert first < text.index("Moderator commands") < text.index("Admin commands")
    assert all(f"`{c}" in text for c in EVERYONE + MODERATOR_ONLY + ADMIN_ONLY)
    assert pages[0].button_labels[-3:] == ["Everyone", "Moderators", "Admins"]
    assert "Schedules (moderators)" in text and "a time it repeats runs once" in text


@pytest.mark.usefixtures("bot")
async def test_section_buttons_jump_and_sections_follow_permissions(
    emulator: Emulator, admin: Member
) -> None:
    await emulator.create_role("Discussion lead")
    role = emulator.role("Discussion lead")
    dave = emulator.member("dave", roles=("Discussion lead",))
    await (await admin.slash("settings moderator-role", role=role)).ephemeral()

    page = await (await dave.slash("help")).ephemeral()
    await (await dave.click(page, "Moderators")).message()
    assert page.embed["title"] == "Moderator commands"
    assert page.find_component("Moderators").get("disabled") is True
    assert not next_enabled(page)
    await (await dave.click(page, "Start here")).message()
    assert page.embed["title"] == "Roundtable — start here"

    # The role stops counting: the next page shown leaves the moderators' section out.
    await (await admin.slash("settings moderator-role")).ephemeral()
    await (await dave.click(page, "Next")).message()
    assert page.embed["title"] == "Commands for everyone"
    assert page.embed["footer"]["text"] == "Page 2 of 2 · Commands for everyone"
    assert "Moderators" not in page.button_labels


async def test_quiz_start_moves_to_the_moderators_when_only_they_may_start(
    bot: Any, alice: Member, mod: Member, admin: Member
) -> None:
    assert "`/quiz start" in checked(await help_pages(alice))
    await (await admin.slash("settings quiz-starters", starters="moderators")).ephemeral()
    assert "`/quiz start" not in checked(await help_pages(alice))
    text = checked(await help_pages(mod))
    assert text.index("`/quiz start") > text.index("Moderator commands")


async def test_help_and_settings_state_the_servers_own_points_rule(
    bot: Any, admin: Member, alice: Member
) -> None:
    assert "use the classic points rule" in checked(await help_pages(alice))
    await (await admin.slash("settings quiz-points", mode="accuracy")).ephemeral()
    await (await admin.slash("settings retention", value=0.85)).ephemeral()
    assert "use the accuracy points rule" in checked(await help_pages(alice))
    shown = await (await admin.slash("settings show")).ephemeral()
    fields = {f["name"]: f["value"] for f in shown.embed["fields"]}
    assert fields["Quiz points"] == "accuracy"
    assert fields["Practice retention"] == "0.85"

"""``/debate``: moderated, timed debates on the pack's motions (see issue 9).

Thin adapter: each command checks who may act (server side), calls the debate service
(``bot.debates``, :mod:`bot.services.debate`) and answers; the service then posts what changed
in the debate's thread through this package's output (``output.py``). Buttons and modals, and
what they answer, are in ``views.py``; modal submissions are routed here by custom id.
"""

from __future__ import annotations

import io
import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import pack_autocomplete
from bot.adapter.checks import guild_id_of, require_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import (
    AUTOCOMPLETE_RESULTS,
    CHOICE_NAME,
    Page,
    Pager,
    clamp_page,
    mention_safe,
    page_view,
    send_ephemeral,
    truncate,
)
from bot.content import Motion, Pack
from bot.errors import UserError
from bot.rules import debate as rules
from bot.services.ports import PostFailed
from bot.store.debates import Debate
from cogs.debate import render
from cogs.debate.output import DiscordDebateOutput
from cogs.debate.views import (
    DYNAMIC_ITEMS,
    SCORE_MODAL,
    SPEECH_MODAL,
    open_speech,
    publish,
    score_submitted,
    skip_view,
    speech_submitted,
)

log = logging.getLogger(__name__)

COG_NAME = "Debate"

HISTORY_PAGE = 8
HELP_NOTES = (
    "Debate points: a speech scores the mean of its judges' scores (1–10); a turn without a "
    "speech counts 0; a speech no judge scored is left out of the averages. A speaker's points "
    "are their average × their turns (every speech scored: the sum). A position's total is its "
    "speakers' points ÷ team size + 10 × its share of the audience vote; the highest total wins "
    "(ties share).",
    "Ledger (category debate): each participant gets their speaker points (rounded), +5 for "
    "taking part, and +10 when their position wins.",
)


def find_motion(pack: Pack, value: str) -> Motion:
    """The pack's motion by id, by exact text, or by a unique part of its text."""
    if not pack.motions:
        raise UserError(f"The {pack.id} pack has no debate motions.")
    wanted = " ".join(value.split())
    motion = pack.motion(wanted)
    if motion is not None:
        return motion
    folded = wanted.casefold()
    exact = [m for m in pack.motions if m.text.casefold() == folded]
    partial = [m for m in pack.motions if folded and folded in m.text.casefold()]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    raise UserError(
        f"{truncate(value, 80)!r} is not a motion of the {pack.id} pack: pick one from the list "
        "(the option autocompletes)."
    )


def motion_choices(pack: Pack, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().casefold()
    starts = [m for m in pack.motions if m.text.casefold().startswith(needle)]
    contains = [
        m
        for m in pack.motions
        if m not in starts and (needle in m.text.casefold() or needle in m.id)
    ]
    return [
        app_commands.Choice(name=truncate(m.text, CHOICE_NAME), value=m.id)
        for m in (starts + contains)[:AUTOCOMPLETE_RESULTS]
    ]


@app_commands.guild_only()
class DebateCog(
    commands.GroupCog,
    name=COG_NAME,
    group_name="debate",
    group_description="Moderated debates on the article's motions.",
):
    """Debates: lobby, position draw, timed turns, judges' scores, audience vote, results."""

    help_area = "Debate"
    help_order = 30
    help_notes = HELP_NOTES

    judge = app_commands.Group(
        name="judge", description="Add or remove a judge of this channel's debate (moderators)."
    )

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.debates.output = DiscordDebateOutput(self.bot)
        self.bot.register_pager(Pager("debate-history", self.render_history, "debate history"))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.debates.detach()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        try:
            await self.bot.debates.catch_up()
        except Exception:
            log.exception("could not catch up on debates at start-up")

    # --- /debate start ----------------------------------------------------------------------

    @app_commands.command(name="start", description="Open a debate lobby on a motion (moderators).")
    @app_commands.describe(
        motion="The motion to debate (autocompletes from the pack).",
        rounds="Rounds: 1 opening, 2 adds rebuttal, 3 adds closing (default 3).",
        speech_minutes="Minutes per speech, 1–10 (default 3).",
        vote_minutes="Minutes the audience vote stays open, 1–10 (default 2).",
        pack="The content pack (default: the server's).",
        prep_minutes="Minutes to prepare between Begin and the first speech, 0–10 (default 2).",
    )
    @app_commands.autocomplete(pack=pack_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction[RoundtableBot],
        motion: str,
        rounds: app_commands.Range[int, 1, 3] = 3,
        speech_minutes: app_commands.Range[int, 1, 10] = 3,
        vote_minutes: app_commands.Range[int, 1, 10] = 2,
        pack: str | None = None,
        prep_minutes: app_commands.Range[int, 0, 10] = rules.DEFAULT_PREP_MINUTES,
    ) -> None:
        await require_moderator(interaction, "start a debate")
        guild_id = guild_id_of(interaction)
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise UserError(
                "Start a debate in a text channel (not in a thread): the bot opens a thread for "
                "it there."
            )
        chosen_pack = await self.bot.pack_for(guild_id, pack)
        chosen = find_motion(chosen_pack, motion)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            debate = await self.bot.debates.open(
                guild_id=guild_id,
                channel_id=channel.id,
                pack=chosen_pack,
                motion=chosen,
                rounds=rounds,
                speech_minutes=speech_minutes,
                vote_minutes=vote_minutes,
                prep_minutes=prep_minutes,
                user_id=interaction.user.id,
                user_name=interaction.user.display_name,
            )
        except PostFailed as error:
            # The debate is cancelled quietly; Discord's own refusal words the apology.
            raise error.__cause__ or error from None
        lobby = channel.get_partial_message(debate.lobby_message_id or 0)
        await interaction.followup.send(
            f"Debate #{debate.id} is open. Members join with the buttons on the lobby "
            f"({lobby.jump_url}); press Begin once at least {rules.MIN_PARTICIPANTS} have "
            f"joined. The debate runs in <#{debate.thread_id}>.",
            ephemeral=True,
        )

    @start.autocomplete("motion")
    async def motion_autocomplete(
        self, interaction: discord.Interaction[RoundtableBot], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            pack = await self.bot.pack_for(interaction.guild_id, interaction.namespace.pack)
        except UserError:
            pack = self.bot.library.default
        return motion_choices(pack, current)

    # --- modal submissions (routed by custom id, so they survive restarts) -------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        try:
            if match := SPEECH_MODAL.fullmatch(custom_id):
                await speech_submitted(interaction, int(match["id"]), int(match["turn"]))
            elif match := SCORE_MODAL.fullmatch(custom_id):
                await score_submitted(interaction, int(match["speech"]))
        except Exception as error:
            await self.bot.handle_interaction_error(interaction, error)

    # --- speaking ---------------------------------------------------------------------------

    @app_commands.command(name="speak", description="Give your speech when it is your turn.")
    async def speak(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        await open_speech(interaction, await self.bot.debates.in_channel(interaction.channel_id))

    # --- moderator controls -----------------------------------------------------------------

    async def _moderated(
        self, interaction: discord.Interaction[RoundtableBot], action: str
    ) -> Debate:
        await require_moderator(interaction, action)
        return await self.bot.debates.in_channel(interaction.channel_id)

    async def _announce(
        self, interaction: discord.Interaction[RoundtableBot], debate: Debate, text: str
    ) -> bool:
        """Post a moderator's note in the thread; tell them when the thread cannot take it."""
        problem = await self.bot.debates.note(debate, text, interaction.id)
        if problem is not None:
            await send_ephemeral(interaction, problem)
        return problem is None

    @app_commands.command(name="next", description="End the current turn now and start the next.")
    async def next(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        debate = await self._moderated(interaction, "move a debate to the next turn")
        step = await self.bot.debates.request_next(debate.id)
        if step.kind == "confirm" and step.turn is not None:
            await interaction.response.send_message(
                render.skip_question(step.turn, step.speaker, step.remaining, step.debate.deadline),
                view=skip_view(debate.id, step.turn.number, step.debate.swaps),
                ephemeral=True,
            )
            return
        if step.kind == "started":
            note = "The preparation is over: the first turn is announced in the thread."
        elif step.turn is not None:
            note = f"Turn {step.turn.number} ended. The next turn is announced in the thread."
        else:
            note = "Moved on. The next turn is announced in the thread."
        await send_ephemeral(interaction, note)
        await publish(interaction, debate.id)

    @app_commands.command(name="extend", description="Give the current turn or the vote more time.")
    @app_commands.describe(minutes="Minutes to add, 1–30.")
    async def extend(
        self,
        interaction: discord.Interaction[RoundtableBot],
        minutes: app_commands.Range[int, 1, 30],
    ) -> None:
        debate = await self._moderated(interaction, "extend a debate's time")
        debate = await self.bot.debates.extend(debate.id, minutes * 60.0)
        what = render.clock_name(debate)
        when = (
            f"now ends at {render.by_time(debate.deadline)}"
            if debate.deadline is not None
            else "gets the time when the debate resumes"
        )
        await send_ephemeral(interaction, f"Added {minutes} min: the {what} {when}.")
        await self._announce(
            interaction, debate, f"A moderator added {minutes} min: the {what} {when}."
        )

    @app_commands.command(name="pause", description="Pause the debate; deadlines stand still.")
    async def pause(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        debate = await self._moderated(interaction, "pause a debate")
        debate = await self.bot.debates.pause(debate.id)
        await send_ephemeral(interaction, "Paused. `/debate resume` restarts the clock.")
        await self._announce(
            interaction, debate, "The debate is paused by a moderator; the clock is stopped."
        )

    @app_commands.command(name="resume", description="Resume a paused debate.")
    async def resume(self, interaction: discord.Interaction[RoundtableBot]) -> None:
        debate = await self._moderated(interaction, "resume a debate")
        debate = await self.bot.debates.resume(debate.id)
        until = f"at {render.by_time(debate.deadline)}" if debate.deadline else "soon"
        what = render.clock_name(debate, current=True)
        await send_ephemeral(interaction, f"Resumed: the {what} ends {until}.")
        if await self._announce(
            interaction, debate, f"The debate resumes: the {what} ends {until}."
        ):
            await publish(interaction, debate.id)  # whatever waited while it was held

    @app_commands.command(name="remove", description="Take a member out of the debate.")
    @app_commands.describe(member="The participant to remove.")
    async def remove(
        self, interaction: discord.Interaction[RoundtableBot], member: discord.Member
    ) -> None:
        debate = await self._moderated(interaction, "remove a member from a debate")
        debate = await self.bot.debates.remove(debate.id, member.id, member.display_name)
        await send_ephemeral(interaction, f"{member.mention} is out of debate #{debate.id}.")
        if debate.status == rules.LOBBY:
            await self.bot.debates.update_lobby(debate.id)
        else:
            await self._announce(
                interaction, debate, f"{member.mention} was removed from the debate."
            )
            await publish(interaction, debate.id)

    @judge.command(name="add", description="Make a member a judge of this debate.")
    @app_commands.describe(member="The member who will score speeches (not a participant).")
    async def judge_add(
        self, interaction: discord.Interaction[RoundtableBot], member: discord.Member
    ) -> None:
        debate = await self._moderated(interaction, "add a judge")
        await self.bot.debates.add_judge(
            debate.id, member.id, member.display_name, is_bot=member.bot, by=interaction.user.id
        )
        await send_ephemeral(
            interaction, f"{member.mention} is now a judge of debate #{debate.id}."
        )
        await self.bot.debates.update_lobby(debate.id)

    @judge.command(name="remove", description="Remove a judge of this debate (their scores too).")
    @app_commands.describe(member="The judge to remove.")
    async def judge_remove(
        self, interaction: discord.Interaction[RoundtableBot], member: discord.Member
    ) -> None:
        debate = await self._moderated(interaction, "remove a judge")
        await self.bot.debates.remove_judge(debate.id, member.id, member.display_name)
        await send_ephemeral(
            interaction,
            f"{member.mention} no longer judges debate #{debate.id}; their scores were withdrawn.",
        )
        await self.bot.debates.update_lobby(debate.id)

    @app_commands.command(name="end", description="End the debate: to the vote, or cancel.")
    @app_commands.describe(reason="Why, shown in the thread and the transcript.")
    async def end(
        self,
        interaction: discord.Interaction[RoundtableBot],
        reason: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        debate = await self._moderated(interaction, "end a debate")
        result = await self.bot.debates.end(debate.id, reason, interaction.user.id)
        note = {
            "vote": "The speeches are over: the audience vote is open.",
            "closed": "The vote is closed and the results are posted.",
            "cancelled": "The debate is cancelled (no speech was given); no points are awarded.",
        }[result.outcome]
        await send_ephemeral(interaction, note)
        if result.outcome == "vote":
            why = f" Reason: {mention_safe(reason)}" if reason else ""
            await self._announce(
                interaction, result.debate, f"A moderator ended the speeches.{why}"
            )
        await publish(interaction, debate.id)

    @app_commands.command(name="swap", description="Swap two participants' positions.")
    @app_commands.describe(member="One participant.", other="The participant to swap with.")
    async def swap(
        self,
        interaction: discord.Interaction[RoundtableBot],
        member: discord.Member,
        other: discord.Member,
    ) -> None:
        debate = await self._moderated(interaction, "swap positions")
        if member.id == other.id:
            raise UserError("Pick two different participants.")
        debate = await self.bot.debates.swap(debate.id, member.id, other.id)
        now_argue = await self.bot.debates.argues(debate.id)
        then = "The preparation carries on." if debate.preparing else "The first turn starts again."
        await send_ephemeral(
            interaction,
            f"Swapped: {member.mention} now argues {now_argue.get(member.id)}, {other.mention} "
            f"argues {now_argue.get(other.id)}. {then}",
        )
        await self.bot.debates.redraw_positions(debate.id)
        await self._announce(
            interaction,
            debate,
            f"Positions swapped: {member.mention} and {other.mention} changed sides.",
        )
        await publish(interaction, debate.id)

    # --- reading back -----------------------------------------------------------------------

    @app_commands.command(name="history", description="Finished debates, or a member's debates.")
    @app_commands.describe(member="Show the debates this member took part in.")
    async def history(
        self, interaction: discord.Interaction[RoundtableBot], member: discord.Member | None = None
    ) -> None:
        arg = str(member.id) if member else ""
        page = await self.render_history(interaction, arg, 0)
        view = page_view("debate-history", interaction.user.id, arg, page)
        await interaction.response.send_message(
            embeds=page.embeds, view=view or discord.utils.MISSING, ephemeral=True
        )

    async def render_history(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        guild_id = guild_id_of(interaction)
        member_id = int(arg) if arg else None
        store = self.bot.store.debates
        entries, total = await store.history(
            guild_id, member_id, limit=HISTORY_PAGE, offset=max(index, 0) * HISTORY_PAGE
        )
        pages = max(1, math.ceil(total / HISTORY_PAGE))
        if index != clamp_page(index, pages):
            index = clamp_page(index, pages)
            entries, total = await store.history(
                guild_id, member_id, limit=HISTORY_PAGE, offset=index * HISTORY_PAGE
            )
        stats = None if member_id is None else await store.member_stats(guild_id, member_id)
        card = render.history_embed(
            entries, total, member_id, stats, await self._position_names(guild_id)
        )
        if pages > 1:
            card.set_footer(text=f"Page {index + 1} of {pages}")
        return Page([card], index, pages)

    async def _position_names(self, guild_id: int) -> dict[str, str]:
        """Position ids to the names members know them by (the server's pack first)."""
        try:
            packs = [await self.bot.pack_for(guild_id)]
        except UserError:
            packs = []
        packs += [p for p in map(self.bot.library.get, self.bot.library.ids) if p is not None]
        names: dict[str, str] = {}
        for pack in reversed(packs):  # the server's pack wins
            names.update({pid: position.name for pid, position in pack.positions.items()})
        return names

    @app_commands.command(name="transcript", description="Get a finished debate's transcript.")
    @app_commands.rename(debate_id="id")
    @app_commands.describe(debate_id="The debate's number (see /debate history).")
    async def transcript(
        self, interaction: discord.Interaction[RoundtableBot], debate_id: int
    ) -> None:
        debate, text = await self.bot.debates.transcript_for(guild_id_of(interaction), debate_id)
        name = render.transcript_name(debate)
        await interaction.response.send_message(
            f"Transcript of debate #{debate.id}: {truncate(debate.motion_text, 200)}",
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename=name),
            ephemeral=True,
        )

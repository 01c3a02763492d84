"""``/leaderboard``, ``/profile`` and ``/scores``: reading and managing the score ledger."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.autocomplete import match_names
from bot.adapter.checks import guild_id_of, require_admin, require_moderator
from bot.adapter.client import RoundtableBot
from bot.adapter.ui import CHOICE_NAME, Page, Pager, page_view, send_ephemeral, truncate
from bot.content import Pack
from bot.errors import UserError
from bot.rules.scores import (
    ADJUST_MAX,
    ADJUST_MIN,
    HISTORY_LIMIT,
    csv_bytes,
    describe_period,
    iso_time,
    leaderboard_arg,
    parse_leaderboard_arg,
    period_key,
    resolve_season,
    season_label,
    validate_adjustment,
    validate_season_name,
)
from bot.store.scores import LeaderboardPage, LedgerRow, Season
from cogs.scores.render import (
    debate_fields,
    history_embed,
    leaderboard_embed,
    own_rank_text,
    points_text,
    profile_embed,
    quiz_fields,
    season_prompt,
)
from cogs.scores.views import CancelSeason, ConfirmSeason, season_view

PAGER = "leaderboard"
LEDGER_HEADER = (
    *("id", "season", "created_at_utc", "user_id", "category", "points"),
    *("reason", "reference", "created_by"),
)
TOTALS_HEADER = ("rank", "user_id", "overall", "quiz", "debate", "adjustment")


def ledger_line(row: LedgerRow) -> tuple[object, ...]:
    """One ledger row as the cells of ``LEDGER_HEADER``."""
    return (
        *(row.id, row.season, iso_time(row.created_at), row.user_id, row.category, row.points),
        *(row.reason, row.reference, row.created_by),
    )


Board = Literal["overall", "quiz", "debate"]
Period = Literal["week", "month", "season", "all-time"]


async def season_autocomplete(
    interaction: discord.Interaction[RoundtableBot], current: str
) -> list[app_commands.Choice[str]]:
    """The guild's seasons, newest first, matched on number or name."""
    if interaction.guild_id is None:
        return []
    seasons = list(reversed(await interaction.client.store.scores.seasons(interaction.guild_id)))
    labels = {
        truncate(season_label(s.number, s.name), CHOICE_NAME - 10)
        + (" (current)" if index == 0 else ""): str(s.number)
        for index, s in enumerate(seasons)
    }
    return [
        app_commands.Choice(name=label, value=labels[label])
        for label in match_names(labels, current)
    ]


class Scores(commands.Cog):
    """The ledger, leaderboards, profiles, adjustments, seasons and the export."""

    help_area = "Scores"
    help_order = 40
    help_notes = (
        "How points are earned: live quiz answers (see Quiz) and debates (speeches, taking part "
        "and winning; see Debates) add points to the ledger; moderators can add or remove "
        "points with a reason. The overall board counts everything, the quiz and debate boards "
        "their own points. Boards run by week and month (UTC), by season and for all time.",
    )

    scores = app_commands.Group(
        name="scores",
        description="Score history, moderator adjustments, seasons and the export.",
        guild_only=True,
    )

    def __init__(self, bot: RoundtableBot) -> None:
        self.bot = bot
        bot.register_pager(Pager(PAGER, self.render_page, "leaderboard"))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ConfirmSeason, CancelSeason)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ConfirmSeason, CancelSeason)

    # --- helpers ------------------------------------------------------------------------------

    async def _season(self, guild_id: int, requested: str | None) -> Season:
        """The season asked for (number or name), or the current one."""
        store = self.bot.store.scores
        current = await store.current_season(guild_id, self.bot.clock.now())
        if requested is None or not str(requested).strip():
            return current
        seasons = await store.seasons(guild_id)
        number = resolve_season(str(requested), [(s.number, s.name) for s in seasons])
        return next(s for s in seasons if s.number == number)

    async def _pack(self, guild_id: int) -> Pack | None:
        """The guild's pack, for paragraph and position names (None when none is loaded)."""
        try:
            return await self.bot.pack_for(guild_id)
        except UserError:
            return None

    # --- /leaderboard -------------------------------------------------------------------------

    async def _board(
        self, interaction: discord.Interaction, arg: str, index: int
    ) -> tuple[LeaderboardPage, Season | None]:
        try:
            board, key = parse_leaderboard_arg(arg)
        except ValueError:
            raise UserError("These pages are no longer valid: run `/leaderboard` again.") from None
        guild_id = guild_id_of(interaction)
        store = self.bot.store.scores
        page = await store.leaderboard(guild_id, board, key, index)
        season = await store.season(guild_id, int(key[2:])) if key.startswith("s:") else None
        return page, season

    async def render_page(self, interaction: discord.Interaction, arg: str, index: int) -> Page:
        """A public leaderboard page (the caller's own rank goes to them privately)."""
        page, season = await self._board(interaction, arg, index)
        return Page([leaderboard_embed(page, season)], page.page, page.pages)

    @app_commands.command(name="leaderboard", description="The top members by points, 10 a page.")
    @app_commands.describe(
        board="overall (all points), quiz or debate",
        period="week and month are calendar periods in UTC; season is the current one",
        season="With period season: which season (number or name); the current one if empty",
    )
    @app_commands.autocomplete(season=season_autocomplete)
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        board: Board = "overall",
        period: Period = "season",
        season: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if season is not None and period != "season":
            raise UserError(
                f"The season option only goes with period: season (you chose {period})."
            )
        chosen = await self._season(guild_id, season)
        key = period_key(period, self.bot.clock.now(), chosen.number)
        arg = leaderboard_arg(board, key)
        shown, shown_season = await self._board(interaction, arg, 0)
        mine = await self.bot.store.scores.standing(guild_id, board, key, interaction.user.id)
        page = Page([leaderboard_embed(shown, shown_season)], shown.page, shown.pages)
        view = page_view(PAGER, interaction.user.id, arg, page)
        await interaction.response.send_message(
            embeds=page.embeds, view=view or discord.utils.MISSING
        )
        await interaction.followup.send(own_rank_text(shown, mine, shown_season), ephemeral=True)

    # --- /profile -----------------------------------------------------------------------------

    @app_commands.command(name="profile", description="Points, rank, quiz and debate record.")
    @app_commands.describe(member="Whose profile (yours if empty)")
    @app_commands.guild_only()
    async def profile(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        user = member or interaction.user
        store = self.bot.store
        season = await store.scores.current_season(guild_id, self.bot.clock.now())
        parts = []
        for key in (f"s:{season.number}", "all"):
            parts.append(
                (
                    await store.scores.breakdown(guild_id, user.id, key),
                    await store.scores.standing(guild_id, "overall", key, user.id),
                    await store.scores.board_size(guild_id, "overall", key),
                )
            )
        pack = await self._pack(guild_id)
        quiz = await store.quiz.member_stats(guild_id, user.id, now=self.bot.clock.now())
        debates = await store.debates.member_stats(guild_id, user.id)
        card = profile_embed(
            user,
            season,
            parts[0],
            parts[1],
            [*quiz_fields(quiz, pack), *debate_fields(debates, pack)],
        )
        await interaction.response.send_message(embed=card, ephemeral=True)

    # --- /scores ------------------------------------------------------------------------------

    @scores.command(name="history", description="The last 20 ledger rows, with their reasons.")
    @app_commands.describe(member="Whose history (yours if empty)")
    async def history(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        user = member or interaction.user
        rows = await self.bot.store.scores.history(guild_id_of(interaction), user.id, HISTORY_LIMIT)
        await interaction.response.send_message(
            embed=history_embed(user, rows, HISTORY_LIMIT), ephemeral=True
        )

    @scores.command(name="adjust", description="Add or remove points, with a reason (moderators).")
    @app_commands.describe(
        member="Whose points to change",
        points=f"From {ADJUST_MIN} to {ADJUST_MAX}, not 0; negative removes points",
        reason="Why: stored in the ledger with your name",
    )
    async def adjust(
        self,
        interaction: discord.Interaction[RoundtableBot],
        member: discord.User,
        points: app_commands.Range[int, ADJUST_MIN, ADJUST_MAX],
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        guild_id = guild_id_of(interaction)
        await require_moderator(interaction, "adjust scores")
        if member.bot:
            raise UserError("Bots do not take part, so they have no points to adjust.")
        cleaned = validate_adjustment(points, reason)
        row, total = await self.bot.store.scores.adjust(
            guild_id, member.id, points, cleaned, self.bot.clock.now(), by=interaction.user.id
        )
        season_total = points_text(total.points if total else 0)
        await send_ephemeral(
            interaction,
            f"Adjusted <@{member.id}> by {points:+d} points ({cleaned}). Their season "
            f"{row.season} total is now {season_total}. Ledger row #{row.id}.",
        )

    @scores.command(name="season-new", description="Start a new season (admins).")
    @app_commands.describe(name="The new season's name, e.g. Spring 2026")
    async def season_new(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 50]
    ) -> None:
        guild_id = guild_id_of(interaction)
        require_admin(interaction, "start a new season")
        store = self.bot.store.scores
        current = await store.current_season(guild_id, self.bot.clock.now())
        taken = [season.name for season in await store.seasons(guild_id)]
        cleaned = validate_season_name(name, taken)
        await interaction.response.send_message(
            season_prompt(current, cleaned),
            view=season_view(interaction.user.id, current.number, cleaned),
            ephemeral=True,
        )

    @scores.command(name="export", description="The ledger and totals of a season as CSV (admins).")
    @app_commands.describe(season="Which season (number or name); the current one if empty")
    @app_commands.autocomplete(season=season_autocomplete)
    async def export(self, interaction: discord.Interaction, season: str | None = None) -> None:
        guild_id = guild_id_of(interaction)
        require_admin(interaction, "export the scores")
        chosen = await self._season(guild_id, season)
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows, totals = await self.bot.store.scores.export(guild_id, chosen.number)
        ledger = csv_bytes(
            LEDGER_HEADER,
            [ledger_line(row) for row in rows],
        )
        summary = csv_bytes(
            TOTALS_HEADER,
            [(t.rank, t.user_id, t.overall, t.quiz, t.debate, t.adjustment) for t in totals],
        )
        limit = interaction.filesize_limit
        if len(ledger) + len(summary) > limit:
            raise UserError(
                f"Season {chosen.number}'s export is {(len(ledger) + len(summary)) / 1e6:.1f} MB, "
                f"more than the {limit / 1e6:.0f} MB Discord accepts here."
            )
        stem = f"scores-season-{chosen.number}"
        await interaction.followup.send(
            f"{describe_period(f's:{chosen.number}', chosen.name)}: {len(rows):,} ledger rows, "
            f"{len(totals):,} members. Text cells that start with = + - @ begin with an "
            "apostrophe so spreadsheets read them as text; points stay numbers.",
            files=[
                discord.File(io.BytesIO(ledger), filename=f"{stem}-ledger.csv"),
                discord.File(io.BytesIO(summary), filename=f"{stem}-totals.csv"),
            ],
            ephemeral=True,
        )

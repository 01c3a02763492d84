"""What debate messages look like: embeds and texts, inside Discord's limits.

Functions here take the store's dataclasses (and names) and return embeds or strings; they send
nothing. Mentions in embeds never ping; message contents that mention the speaker are sent
with ``allowed_mentions`` naming only that member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.adapter.ui import (
    EMBED_DESCRIPTION,
    FIELD_VALUE,
    MESSAGE_LIMIT,
    add_long_field,
    embed,
    mention_safe,
    paginate_fields,
    truncate,
)
from bot.clock import discord_timestamp
from bot.content import Motion, Pack, Position
from bot.rules import debate as rules
from bot.rules.debate import plural
from bot.services.ports import SpeechToScore
from bot.store.debates import (
    Debate,
    DebateLobby,
    DebateMemberStats,
    DebatePosition,
    HistoryEntry,
    Judge,
    Participant,
    Speech,
    Turn,
)

WINNER = "🏆"
#: A debate's thread is named after its motion, cut at a word to stay short in the channel list.
THREAD_NAME_MAX = 60
#: How a finished turn's announcement ends, by the turn's status.
TURN_ENDINGS = {
    rules.MISSED: "⏱ no speech",
    rules.SKIPPED: "⏭ skipped by a moderator",
    rules.REMOVED: "🚫 speaker removed from the debate",
}
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def thread_name(motion_text: str) -> str:
    """The motion, cut at a word to at most :data:`THREAD_NAME_MAX` characters."""
    return truncate(motion_text, THREAD_NAME_MAX)


def by_time(deadline: float) -> str:
    """``<t:…:t> (<t:…:R>)``: the clock time in each member's zone, and how soon it is."""
    return f"{discord_timestamp(deadline, 't')} ({discord_timestamp(deadline, 'R')})"


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def clock_name(debate: Debate, *, current: bool = False) -> str:
    """What the debate's clock is timing: the preparation, the (current) turn or the vote."""
    if debate.preparing:
        return "preparation"
    if debate.status == rules.RUNNING:
        return "current turn" if current else "turn"
    return "vote"


def format_line(debate: Debate) -> str:
    rounds = ", ".join(r.capitalize() for r in rules.round_names(debate.rounds))
    speech = round(debate.speech_seconds / 60)
    vote = round(debate.vote_seconds / 60)
    prep = round(debate.prep_seconds / 60)
    preparing = f"{prep} min to prepare · " if prep else ""
    return (
        f"{plural(debate.rounds, 'round')} ({rounds}) · {preparing}"
        f"{speech} min per speech · audience vote {vote} min"
    )


def member_list(members: Sequence[Participant | Judge], empty: str) -> str:
    if not members:
        return empty
    return truncate(", ".join(mention(m.user_id) for m in members), FIELD_VALUE)


# --- lobby -----------------------------------------------------------------------------------


def lobby_embed(lobby: DebateLobby) -> discord.Embed:
    debate, positions, participants, judges = (
        lobby.debate, lobby.positions, lobby.participants, lobby.judges,
    )  # fmt: skip
    state = {
        rules.LOBBY: "lobby",
        rules.RUNNING: "preparing" if debate.preparing else "under way",
        rules.VOTING: "audience vote",
        rules.CLOSED: "closed",
        rules.CANCELLED: "cancelled",
    }[debate.status]
    card = embed(f"Debate #{debate.id} — {state}", debate.motion_text)
    card.add_field(name="Positions", value="\n".join(p.name for p in positions), inline=False)
    card.add_field(name="Format", value=format_line(debate), inline=False)
    joined = [p for p in participants if not p.removed]
    card.add_field(
        name=f"Taking part ({len(joined)}/{rules.MAX_PARTICIPANTS})",
        value=member_list(joined, "Nobody yet."),
        inline=False,
    )
    card.add_field(name="Judges", value=member_list(judges, "None."), inline=False)
    if debate.status == rules.LOBBY:
        card.set_footer(
            text=f"Press Join to take part. A moderator presses Begin once at least "
            f"{rules.MIN_PARTICIPANTS} members have joined."
        )
    elif debate.status == rules.CLOSED:
        winners = [p.name for p in positions if p.won]
        card.set_footer(text="Winner: " + (" and ".join(winners) if winners else "none"))
    elif debate.status == rules.CANCELLED:
        card.set_footer(text=truncate(f"Cancelled. {debate.end_reason or ''}".strip(), 2048))
    if debate.thread_id and debate.status != rules.LOBBY:
        card.description = f"{debate.motion_text}\n\nFollow it in <#{debate.thread_id}>."
    return card


# --- positions and briefs --------------------------------------------------------------------


def positions_embed(
    debate: Debate,
    positions: Sequence[DebatePosition],
    participants: Sequence[Participant],
    motion: Motion | None,
) -> discord.Embed:
    card = embed(f"Debate #{debate.id}: who argues what", debate.motion_text)
    for position in positions:
        team = [p for p in participants if p.position == position.position and not p.removed]
        lines = [member_list(team, "Nobody.")]
        framing = motion.framing.get(position.position) if motion else None
        if framing:
            lines.append(f"*{framing}*")
        card.add_field(name=position.name, value=truncate("\n".join(lines), FIELD_VALUE))
    card.add_field(name="Format", value=format_line(debate), inline=False)
    card.set_footer(
        text="Participants: press My brief for your position's arguments, quotes and the "
        "attacks to expect. Each turn is announced here."
    )
    return card


def positions_content(
    debate: Debate, positions: Sequence[DebatePosition], participants: Sequence[Participant]
) -> str:
    """Every participant's position, pinging them (the message allows only them), and when the
    speeches start."""
    names = {p.position: p.name for p in positions}
    lines = [f"**Debate #{debate.id} has begun.** Your positions:"]
    lines += [
        f"{mention(p.user_id)} argues **{names.get(p.position or '', '?')}**"
        for p in participants
        if p.position and not p.removed
    ]
    if debate.preparing and debate.deadline is not None:
        lines.append(
            f"Prepare with **My brief** (only you see yours): the first turn opens at "
            f"{by_time(debate.deadline)}."
        )
    elif debate.preparing:
        lines.append(
            "Prepare with **My brief** (only you see yours): the debate is paused, and the "
            "first turn opens once a moderator resumes it and the preparation is over."
        )
    else:
        lines.append("**My brief** has your position's arguments; the first turn is below.")
    return truncate("\n".join(lines), MESSAGE_LIMIT)


def brief_pages(
    pack: Pack, motion: Motion | None, position: Position, opponents: Sequence[str]
) -> list[discord.Embed]:
    """A participant's brief: stance, framing, arguments, quotes, attacks with answers."""
    fields: list[tuple[str, str]] = []
    for index, argument in enumerate(position.arguments, start=1):
        refs = ", ".join(argument.paragraphs)
        fields.append((f"Argument {index} ({refs})", argument.text))
    if position.quotes:
        quotes = "\n".join(f"“{q.quote}” ({q.paragraph})" for q in position.quotes)
        fields.append(("Quotes from the article", quotes))
    for opponent in opponents:
        opposing = pack.position(opponent)
        name = opposing.name if opposing else opponent
        for attack in position.attacks_by(opponent):
            fields.append((f"Expect from {name}", f"{attack.attack}\n**Answer:** {attack.answer}"))
    description = position.stance
    framing = motion.framing.get(position.id) if motion else None
    if framing:
        description += f"\n\n**For this motion:** {framing}"
    return paginate_fields(
        f"Your brief: {position.name}", fields, description=truncate(description, 4000)
    )


# --- turns and speeches ----------------------------------------------------------------------


def announcement(
    number: int, total: int, round_index: int, position: str, user_id: int, deadline: float | None
) -> str:
    """The turn's announcement; ``deadline`` is None while the debate is paused."""
    head = (
        f"{mention(user_id)}, it is your turn: **{rules.round_label(round_index)}** speech for "
        f"**{position}** (turn {number} of {total})."
    )
    if deadline is None:
        return f"{head} The debate is paused: your time starts when a moderator resumes it."
    return (
        f"{head} Press Speak or use `/debate speak`; speak by {by_time(deadline)}. A speech can "
        f"be up to {rules.SPEECH_MAX_CHARS:,} characters."
    )


def turn_ended(turn: Turn, total: int, position: str, speech: Speech | None) -> str:
    """A finished turn's announcement: whose turn it was and how it ended."""
    head = (
        f"Turn {turn.number} of {total}: **{rules.round_label(turn.round)}** speech for "
        f"**{position}** by {mention(turn.user_id)}"
    )
    if speech is not None:
        late = " · late, within the grace" if speech.late else ""
        ending = f"✅ spoke · {plural(speech.words, 'word')}{late}"
    else:
        ending = TURN_ENDINGS.get(turn.status, "⏹ ended")
    return f"{head} — {ending}"


def speech_text(text: str) -> str:
    """A speech as its embed shows it: whole, with @everyone/@here defused when that fits.

    An embed never pings, so defusing is cosmetic; it adds a character per mention, and a
    4,000-character speech must never lose its end to it.
    """
    safe = mention_safe(text)
    return safe if len(safe) <= EMBED_DESCRIPTION else text


def speech_embed(debate: Debate, speech: Speech, position_name: str) -> discord.Embed:
    card = embed(
        f"{rules.round_label(speech.round)} speech — {position_name}", speech_text(speech.text)
    )
    card.add_field(name="Speaker", value=mention(speech.user_id))
    card.add_field(name="Position", value=position_name)
    card.add_field(
        name="Round",
        value=f"{rules.round_label(speech.round)} ({speech.round + 1} of {debate.rounds})",
    )
    card.add_field(name="Words", value=str(speech.words))
    late = " · submitted late, within the grace period" if speech.late else ""
    card.set_footer(
        text=f"Debate #{debate.id} · speech {speech.id} · turn {speech.turn_number}{late}"
    )
    return card


def no_speech_notice(status: str, round_index: int, position: str, user_id: int) -> str:
    why = {
        rules.MISSED: "time ran out",
        rules.REMOVED: "the speaker was removed from the debate",
    }.get(status, "the turn ended")
    return (
        f"No speech from {mention(user_id)} ({rules.round_label(round_index)}, {position}): {why}."
    )


def reminder(user_id: int, deadline: float) -> str:
    """One minute left: sent pinging only the speaker, like the turn's announcement."""
    return f"{mention(user_id)}, one minute left for your speech: speak by {by_time(deadline)}."


def skip_question(turn: Turn, speaker: str, remaining: float, deadline: float | None) -> str:
    """What a moderator is asked before ending a turn whose speaker still has time."""
    until = f", until {by_time(deadline)}" if deadline is not None else " (the debate is paused)"
    return (
        f"{speaker} still has {rules.describe_seconds(remaining)} left for turn {turn.number}"
        f"{until}. End the turn now? A speech {speaker} is already writing still counts if it "
        f"is sent within {rules.GRACE_SECONDS:.0f} seconds."
    )


# --- vote and results ------------------------------------------------------------------------


def vote_closes(debate: Debate) -> str:
    """``"at <t:…:t> (<t:…:R>)"``, or how a paused vote closes."""
    if debate.deadline is None:
        return "when resumed and its time runs out (the debate is paused)"
    return f"at {by_time(debate.deadline)}"


def vote_embed(
    debate: Debate, positions: Sequence[DebatePosition], counts: Mapping[str, int] | None
) -> discord.Embed:
    if counts is None:
        card = embed(
            f"Audience vote — debate #{debate.id}",
            f"{debate.motion_text}\n\nWhich position argued best? Press its button; you can "
            f"change your vote until the vote closes {vote_closes(debate)}. Participants and "
            "judges cannot vote. The count is shown when the vote closes.",
        )
        return card
    total = sum(counts.values())
    card = embed(
        f"Audience vote — debate #{debate.id} (closed)",
        f"{debate.motion_text}\n\n{plural(total, 'vote')} cast.",
    )
    for position in positions:
        votes = counts.get(position.position, 0)
        share = f" ({votes / total:.0%})" if total else ""
        card.add_field(name=position.name, value=f"{votes}{share}")
    return card


def _headline(winners: Sequence[str]) -> str:
    if not winners:
        return "No winner: nothing was scored and nobody voted."
    if len(winners) == 1:
        return f"Winner: **{winners[0]}** {WINNER}"
    return f"Tie — the win is shared by **{' and '.join(winners)}** {WINNER}"


def _speakers_part(standing: rules.PositionResult) -> str:
    size = len(standing.members)
    if standing.average is None:
        return f"speakers {standing.team_points:.2f} (no turn could be counted)"
    return (
        f"speakers {standing.team_points:.2f} ({standing.average:.2f} a turn × "
        f"{plural(standing.turns, 'turn')} ÷ {plural(size, 'speaker')})"
    )


def results_embed(
    debate: Debate,
    positions: Sequence[DebatePosition],
    result: rules.DebateResult,
) -> discord.Embed:
    names = {p.position: p.name for p in positions}
    winners = [names.get(w, w) for w in result.winners]
    card = embed(f"Results — debate #{debate.id}", f"{debate.motion_text}\n\n{_headline(winners)}")
    for standing in result.positions:
        name = names.get(standing.position, standing.position)
        speakers = " · ".join(
            f"{mention(m)} {rules.speaker_points_text(result, m)}" for m in standing.members
        )
        unscored = (
            f"\n{plural(standing.unscored, 'speech', 'speeches')} unscored, left out of the average"
            if standing.unscored
            else ""
        )
        value = (
            f"Total **{standing.total:.2f}** = {_speakers_part(standing)} + audience "
            f"{rules.VOTE_WEIGHT * standing.vote_share:.2f} ({standing.votes} of "
            f"{plural(result.votes_cast, 'vote')})\n{speakers or 'No speakers left.'}{unscored}"
        )
        crown = f" {WINNER}" if standing.won else ""
        add_long_field(card, f"{standing.rank}. {name}{crown}", value)
    if result.best_speakers:
        best = result.best_speakers
        points = result.speaker_points[best[0]]
        who = " and ".join(mention(m) for m in best)
        card.add_field(name="Best speaker", value=f"{who} ({points:.1f} points)", inline=False)
    else:
        card.add_field(name="Best speaker", value="None: no speech was scored.", inline=False)
    card.add_field(
        name="Points",
        value=(
            f"Each participant: speaker points (rounded) + {rules.PARTICIPATION_POINTS} for "
            f"taking part; +{rules.WIN_POINTS} each for the winning position. A speech no judge "
            "scored is left out of the averages; a turn without a speech counts 0."
        ),
        inline=False,
    )
    card.set_footer(text=f"Transcript attached · /debate transcript {debate.id}")
    return card


def results_summary(
    debate: Debate, positions: Sequence[DebatePosition], result: rules.DebateResult
) -> str:
    """The results in one line, for the lobby's channel (its mentions never ping)."""
    names = {p.position: p.name for p in positions}
    ranked = ", ".join(
        f"{names.get(p.position, p.position)} {p.total:.2f}" for p in result.positions
    )
    winners = [names.get(w, w) for w in result.winners]
    if not winners:
        outcome = "no winner"
    elif len(winners) == 1:
        outcome = f"**{winners[0]}** won {WINNER}"
    else:
        outcome = f"**{' and '.join(winners)}** share the win {WINNER}"
    best = " and ".join(mention(m) for m in result.best_speakers)
    best_part = f"; best speaker {best}" if best else ""
    motion = truncate(debate.motion_text, 120)
    where = f" — results and transcript in <#{debate.thread_id}>" if debate.thread_id else ""
    return truncate(
        f"Debate #{debate.id} (*{motion}*): {outcome} ({ranked}){best_part}{where}.",
        MESSAGE_LIMIT,
    )


def vote_notice(debate: Debate) -> str:
    """The lobby's channel hears the audience vote is open: where, and until when."""
    closes = f"it closes {vote_closes(debate)}"
    where = f"<#{debate.thread_id}>" if debate.thread_id else "the debate's thread"
    motion = truncate(debate.motion_text, 200)
    return (
        f"🗳️ The audience vote of debate #{debate.id} (*{motion}*) is open: vote in {where}; "
        f"{closes}. Anyone but the debaters and the judges can vote."
    )


def _speech_line(item: SpeechToScore, debate: Debate) -> str:
    speech = item.speech
    where = ""
    if speech.message_id and debate.thread_id:
        where = f" · [read it]({jump_url(debate.guild_id, debate.thread_id, speech.message_id)})"
    return truncate(
        f"{item.speaker} — {rules.round_label(speech.round)}, {item.position} · "
        f"{plural(speech.words, 'word')}{where}",
        300,
    )


def judge_dm(
    debate: Debate, speeches: Sequence[SpeechToScore], first: int, total: int
) -> tuple[str, discord.Embed]:
    """A judge's reminder: the content and an embed listing the speeches (each numbered with
    the keycap its Score button carries)."""
    motion = truncate(debate.motion_text, 200)
    where = f" in <#{debate.thread_id}>" if debate.thread_id else ""
    content = (
        f"The audience vote of debate #{debate.id}{where} is open, and you have not scored "
        f"{plural(total, 'speech', 'speeches')} yet. A speech no judge scores is left out of "
        "its speaker's average; you can score until the debate closes."
    )
    lines = [f"{KEYCAPS[i]} {_speech_line(item, debate)}" for i, item in enumerate(speeches)]
    last = first + len(speeches) - 1
    part = ""
    if total > len(speeches):
        part = f" ({first}–{last} of {total})" if last > first else f" ({first} of {total})"
    card = embed(
        truncate(f"Speeches to score{part} — debate #{debate.id}", 256),
        truncate(f"*{motion}*\n\n" + "\n".join(lines), EMBED_DESCRIPTION),
    )
    if debate.deadline is not None:
        card.add_field(name="The vote closes", value=by_time(debate.deadline))
    return content, card


def judge_nudge(debate: Debate, judge_id: int, speeches: Sequence[SpeechToScore]) -> str:
    """One line in the thread for a judge the bot cannot message directly."""
    which = ", ".join(
        f"{item.speaker}'s {rules.round_label(item.speech.round).lower()}" for item in speeches
    )
    return truncate(
        f"{mention(judge_id)}, I could not send you a direct message: you have not scored "
        f"{plural(len(speeches), 'speech', 'speeches')} yet ({which}). Press **Score** under "
        "each before the debate closes; a speech no judge scores is left out of the averages.",
        MESSAGE_LIMIT,
    )


def transcript_name(debate: Debate) -> str:
    return f"debate-{debate.id}-transcript.md"


def cancelled_text(debate: Debate) -> str:
    reason = f" Reason: {mention_safe(debate.end_reason)}" if debate.end_reason else ""
    return truncate(f"Debate #{debate.id} was cancelled; no points were awarded.{reason}", 2000)


# --- history ---------------------------------------------------------------------------------


def history_embed(
    entries: Sequence[HistoryEntry],
    total: int,
    member_id: int | None,
    stats: DebateMemberStats | None,
    position_names: Mapping[str, str],
) -> discord.Embed:
    """A page of ``/debate history``: the server's finished debates, or one member's record."""
    if member_id is None or stats is None:
        card = embed("Debates in this server", f"{plural(total, 'finished debate')}, newest first.")
    else:
        argued = ", ".join(
            f"{position_names.get(position, position)} {count}"
            for position, count in sorted(stats.argued.items())
        )
        average = "—" if stats.average_speech_score is None else f"{stats.average_speech_score:.2f}"
        card = embed(
            "Debate history",
            f"{mention(member_id)}: {plural(total, 'debate')} · argued {argued or 'none'} · "
            f"{plural(stats.wins, 'win')} · average speech score {average}",
        )
    for name, value in history_fields(entries, member_id):
        card.add_field(name=name, value=value, inline=False)
    if not entries:
        card.add_field(name="Nothing yet", value="No finished debate to show.", inline=False)
    return card


def history_fields(entries: Sequence[HistoryEntry], member_id: int | None) -> list[tuple[str, str]]:
    fields = []
    for entry in entries:
        debate = entry.debate
        when = discord_timestamp(debate.closed_at or debate.created_at, "d")
        name = truncate(f"#{debate.id} · {debate.motion_text}", 256)
        if debate.status == rules.CANCELLED:
            lines = [f"{when} · cancelled"]
        else:
            winners = " and ".join(entry.winners) or "none"
            lines = [f"{when} · winner: {winners}"]
        if member_id is not None:
            if entry.removed:
                lines.append("Removed during the debate.")
            elif entry.position_name:
                points = entry.speaker_points or 0.0
                outcome = "won" if entry.won else "did not win"
                lines.append(
                    f"Argued {entry.position_name} · {points:.1f} speaker points · {outcome}"
                )
        fields.append((name, "\n".join(lines)))
    return fields

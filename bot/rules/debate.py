"""Pure rules of moderated debates: positions, turn order, speech timing, scoring, transcripts.

No Discord, no SQL, no clock: callers pass the time (``now``), the random source and plain
values, and get plain values back or a :class:`~bot.errors.UserError` whose sentence can be
shown to a member as it is.

The rules, as the debate issue states them:

- **Positions**: each member gets the position they have argued least in this guild (ties
  broken at random); team sizes differ by at most one. With fewer members than positions some
  positions stay empty and take no part.
- **Turns**: rounds are opening, rebuttal and closing (the first ``rounds`` of them). In every
  round each participant speaks once; speakers cycle through the positions, and the position
  that opens moves one place along each round.
- **Preparation**: after Begin the participants prepare for ``prep_minutes`` (0–10) before the
  first turn opens.
- **Timing**: a speech is on time until the deadline; up to :data:`GRACE_SECONDS` later it is
  accepted as late (even after the turn was recorded as "no speech"); after that it is refused.
  A turn a moderator ended takes a speech already being written for :data:`GRACE_SECONDS` after
  it ended.
- **Scoring**: a speech scores the mean of its judges' scores; a turn without a speech (missed or
  skipped) scores 0; a speech no judge scored is *unscored* and left out of the averages. A
  speaker's points are the average of their counted turns × their turns (with every speech
  scored: the sum of their speech scores). A position's speaker part is the average of all its
  speakers' counted turns × its turns ÷ its team size (with every speech scored: the speakers'
  points ÷ team size); its total adds :data:`VOTE_WEIGHT` × its share of the audience vote. The
  highest total wins; ties share the win; when every total is 0 nobody wins.
- **Ledger**: each participant gets their speaker points (rounded half up), +5 for taking part
  and +10 when their position won.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from bot.errors import Conflict, NotAllowed, UserError

ROUND_NAMES: Final = ("opening", "rebuttal", "closing")
MIN_PARTICIPANTS: Final = 2
MAX_PARTICIPANTS: Final = 12
SPEECH_MAX_CHARS: Final = 4000
GRACE_SECONDS: Final = 30.0
REMINDER_SECONDS: Final = 60.0
PREP_MAX_MINUTES: Final = 10
DEFAULT_PREP_MINUTES: Final = 2
SCORE_MIN: Final = 1
SCORE_MAX: Final = 10
VOTE_WEIGHT: Final = 10.0
PARTICIPATION_POINTS: Final = 5
WIN_POINTS: Final = 10

#: Debate states: a lobby gathers members, running debates take turns, then the audience votes.
LOBBY, RUNNING, VOTING, CLOSED, CANCELLED = "lobby", "running", "voting", "closed", "cancelled"
ACTIVE_STATES: Final = (LOBBY, RUNNING, VOTING)

#: The one table of status changes a debate may make: the lobby begins (or is cancelled), the
#: speeches end in the audience vote (or are cancelled), the vote closes (or is cancelled).
#: Closed and cancelled are final. Pausing stops the clock without changing the status, and only
#: a debate in :data:`PAUSABLE` states can be paused or resumed.
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    LOBBY: frozenset({RUNNING, CANCELLED}),
    RUNNING: frozenset({VOTING, CANCELLED}),
    VOTING: frozenset({CLOSED, CANCELLED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}
PAUSABLE: Final = (RUNNING, VOTING)

#: Turn states. ``open`` is the turn being spoken; ``missed`` ran out of time with no speech;
#: ``skipped`` was ended by a moderator; ``removed`` belonged to a member who was removed.
PENDING, OPEN, SPOKEN, MISSED, SKIPPED, REMOVED = (
    "pending", "open", "spoken", "missed", "skipped", "removed",
)  # fmt: skip
ENDED_TURN_STATES: Final = (SPOKEN, MISSED, SKIPPED, REMOVED)

_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


# --------------------------------------------------------------------------------------------
# Format


def round_names(rounds: int) -> tuple[str, ...]:
    """The names of the first ``rounds`` rounds, e.g. ``("opening", "rebuttal")`` for 2."""
    if not 1 <= rounds <= len(ROUND_NAMES):
        raise UserError(f"A debate has 1 to {len(ROUND_NAMES)} rounds.")
    return ROUND_NAMES[:rounds]


def round_label(round_index: int) -> str:
    """``"Opening"``, ``"Rebuttal"`` or ``"Closing"``."""
    return ROUND_NAMES[round_index].capitalize()


def word_count(text: str) -> int:
    """Words in a speech (hyphenated and apostrophised words count once)."""
    return len(_WORD_RE.findall(text))


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 finished debate"``, ``"2 finished debates"``, ``"0 wins"``."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def describe_seconds(seconds: float) -> str:
    """A duration as members read it: ``"45 s"``, ``"2 min"``, ``"2 min 30 s"`` (whole seconds,
    rounded up, so time that is left never reads as none)."""
    whole = max(0, math.ceil(seconds - 1e-9))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def time_left(deadline: float | None, paused_remaining: float | None, now: float) -> float:
    """Seconds left on a turn (or preparation, or vote): what a pause kept, or until the
    deadline; never negative."""
    if paused_remaining is not None:
        return max(0.0, paused_remaining)
    if deadline is None:
        return 0.0
    return max(0.0, deadline - now)


# --------------------------------------------------------------------------------------------
# Lobby and roles


def check_join(
    *, status: str, joined: bool, is_judge: bool, participants: int, user_is_bot: bool = False
) -> None:
    """Raise a UserError unless a member may join the lobby now."""
    if status != LOBBY:
        raise Conflict("This debate has already begun; joining is closed.")
    if user_is_bot:
        raise NotAllowed("Bots cannot take part in debates.")
    if joined:
        raise Conflict("You have already joined this debate.")
    if is_judge:
        raise Conflict(
            "You are judging this debate, and a judge cannot argue in it. "
            "A moderator can take you off the judges with `/debate judge remove`."
        )
    if participants >= MAX_PARTICIPANTS:
        raise Conflict(f"This debate is full: at most {MAX_PARTICIPANTS} members can take part.")


def check_begin(status: str, participants: int) -> None:
    """Raise a UserError unless the lobby can begin."""
    check_transition(status, RUNNING)
    if participants < MIN_PARTICIPANTS:
        raise Conflict(
            f"At least {MIN_PARTICIPANTS} members must join before the debate can begin "
            f"({participants} joined so far)."
        )


def transition_refusal(current: str, target: str, name: str = "This debate") -> str | None:
    """Why a debate in ``current`` may not become ``target`` (None when :data:`TRANSITIONS`
    allows it); ``name`` is how the sentence names the debate."""
    if target in TRANSITIONS.get(current, frozenset()):
        return None
    if target == RUNNING:
        return f"{name} has already begun."
    if current not in ACTIVE_STATES:
        return f"{name} is already over."
    if target == VOTING:
        if current == LOBBY:
            return "The debate has not begun yet: press Begin in the lobby."
        return "The audience vote is already open."
    if target == CLOSED:
        return "The vote has not opened yet."
    return f"{name} cannot go from {current} to {target}."


def check_transition(current: str, target: str, name: str = "This debate") -> None:
    """Raise a Conflict unless :data:`TRANSITIONS` lets a debate go from ``current`` to
    ``target``."""
    refusal = transition_refusal(current, target, name)
    if refusal is not None:
        raise Conflict(refusal)


def check_pause(status: str, paused: bool) -> None:
    """Raise a Conflict unless the debate's clock can be stopped now."""
    if status not in PAUSABLE:
        raise Conflict("Only a debate that has begun can be paused.")
    if paused:
        raise Conflict("The debate is already paused; `/debate resume` restarts the clock.")


def check_resume(status: str, paused: bool) -> None:
    """Raise a Conflict unless the debate is paused (and so can be resumed)."""
    if status not in PAUSABLE or not paused:
        raise Conflict("The debate is not paused.")


def check_extend(status: str) -> None:
    """Raise a Conflict unless there is a turn or a vote whose time can be extended."""
    if status not in PAUSABLE:
        raise Conflict("Only a running turn or an open vote can be extended.")


def skip_refusal(
    *,
    number: int,
    turn_status: str | None,
    current_turn: int | None,
    debate_status: str,
    swaps_then: int,
    swaps_now: int,
) -> str | None:
    """Why a moderator's confirmation to end turn ``number`` (asked when the debate had been
    swapped ``swaps_then`` times) can no longer act; None while that turn is still running."""
    if swaps_then != swaps_now:
        return (
            "The positions were swapped since you asked, so the first turn started afresh: "
            "use `/debate next` again if you still want to move on."
        )
    if debate_status == RUNNING and current_turn == number and turn_status == OPEN:
        return None
    why = {
        SPOKEN: "its speech was given",
        MISSED: "its time ran out",
        SKIPPED: "it was already ended by a moderator",
        REMOVED: "its speaker was removed",
    }.get(turn_status or "", "the speeches are over")
    return f"Turn {number} has already ended ({why}), so there is nothing left to confirm."


def check_new_judge(*, status: str, is_participant: bool, is_bot: bool, name: str) -> None:
    """Raise a UserError unless this member may become a judge of the debate."""
    if status not in ACTIVE_STATES:
        raise Conflict("This debate is over; its judges can no longer change.")
    if is_bot:
        raise NotAllowed("A bot cannot judge a debate.")
    if is_participant:
        raise Conflict(f"{name} is arguing in this debate, and a participant cannot judge it.")


# --------------------------------------------------------------------------------------------
# Position assignment


def team_capacities(members: int, positions: int) -> tuple[int, int]:
    """The smallest and largest team size for ``members`` spread over ``positions``."""
    return members // positions, -(-members // positions)


def assign_positions(
    members: Sequence[int],
    positions: Sequence[str],
    argued: Mapping[int, Mapping[str, int]],
    rng: random.Random,
) -> dict[int, str]:
    """Give every member a position: least argued first, ties at random, balanced teams.

    ``argued[member][position]`` is how many debates the member has argued for that position in
    this guild (missing means 0). Among all assignments whose team sizes differ by at most one,
    the one with the fewest debates already argued in the given positions is chosen, so each
    member gets their least-argued position whenever the team sizes allow it; equally good
    assignments are chosen between at random.
    """
    if not positions:
        raise ValueError("a debate needs at least one position")
    if len(set(members)) != len(members):
        raise ValueError("a member can only be assigned once")
    low, high = team_capacities(len(members), len(positions))
    # Random tie-breaking: a per-(member, position) jitter too small to outweigh one debate.
    scale = (len(members) + 1) * 1000
    cost = {
        (m, p): argued.get(m, {}).get(p, 0) * scale + rng.randrange(1000)
        for m in members
        for p in positions
    }
    # Dynamic programming over members; the state is how many members each team holds so far.
    best: dict[tuple[int, ...], tuple[int, tuple[str, ...]]] = {(0,) * len(positions): (0, ())}
    for member in members:
        following: dict[tuple[int, ...], tuple[int, tuple[str, ...]]] = {}
        for counts, (total, chosen) in best.items():
            for index, position in enumerate(positions):
                if counts[index] >= high:
                    continue
                state = (*counts[:index], counts[index] + 1, *counts[index + 1 :])
                candidate = (total + cost[member, position], (*chosen, position))
                if state not in following or candidate[0] < following[state][0]:
                    following[state] = candidate
        best = following
    finals = [value for counts, value in best.items() if min(counts) >= low]
    _, chosen = min(finals, key=lambda value: value[0])
    return dict(zip(members, chosen, strict=True))


def active_positions(positions: Sequence[str], assignment: Mapping[int, str]) -> tuple[str, ...]:
    """The motion's positions that have at least one member, in the motion's order."""
    taken = set(assignment.values())
    return tuple(p for p in positions if p in taken)


def teams(
    positions: Sequence[str], assignment: Mapping[int, str], seat_order: Sequence[int]
) -> dict[str, tuple[int, ...]]:
    """Members of each active position, in seat (joining) order."""
    return {
        position: tuple(m for m in seat_order if assignment.get(m) == position)
        for position in active_positions(positions, assignment)
    }


def swap_positions(assignment: Mapping[int, str], first: int, second: int) -> dict[int, str]:
    """The assignment with the positions of two participants exchanged."""
    if first not in assignment or second not in assignment:
        raise UserError("Both members must be participants of this debate.")
    if assignment[first] == assignment[second]:
        raise Conflict("Those two members already argue the same position.")
    swapped = dict(assignment)
    swapped[first], swapped[second] = assignment[second], assignment[first]
    return swapped


# --------------------------------------------------------------------------------------------
# Turn order


@dataclass(frozen=True, slots=True)
class PlannedTurn:
    """One turn of the plan: ``number`` counts from 1 over the whole debate."""

    number: int
    round: int
    position: str
    user_id: int


def turn_order(
    team_members: Mapping[str, Sequence[int]], positions: Sequence[str], rounds: int
) -> tuple[PlannedTurn, ...]:
    """Every turn of the debate, in order.

    ``positions`` is the order of the active positions; in round ``r`` the position at index
    ``r`` (cyclically) opens and the others follow in order, one speaker of each in turn, until
    every member has spoken once in the round. Within a team, members speak in seat order.
    """
    round_names(rounds)
    order = [p for p in positions if team_members.get(p)]
    if not order:
        raise ValueError("no position has members")
    plan: list[PlannedTurn] = []
    for round_index in range(rounds):
        shift = round_index % len(order)
        rotation = order[shift:] + order[:shift]
        queues = {p: list(team_members[p]) for p in rotation}
        while any(queues.values()):
            for position in rotation:
                if queues[position]:
                    member = queues[position].pop(0)
                    plan.append(PlannedTurn(len(plan) + 1, round_index, position, member))
    return tuple(plan)


# --------------------------------------------------------------------------------------------
# Speeches


@dataclass(frozen=True, slots=True)
class SpeechTiming:
    """Whether a speech submitted now is accepted and whether it counts as late."""

    accepted: bool
    late: bool
    reason: str = ""


def speech_timing(
    *,
    now: float,
    turn_status: str,
    deadline: float | None,
    paused: bool,
    debate_status: str,
    started: bool = True,
    ended_at: float | None = None,
) -> SpeechTiming:
    """Decide a speech submitted at ``now`` for a turn in ``turn_status`` with ``deadline``.

    The open turn takes speeches until ``deadline + GRACE_SECONDS`` (late after the deadline). A
    turn recorded as "no speech" at its deadline still takes a late speech within the grace, and
    a turn a moderator ended (``ended_at``) takes, for the grace after that, a speech whose box
    was opened while it ran (a turn that never ``started`` has no such speech).
    """
    if debate_status in (CLOSED, CANCELLED):
        return SpeechTiming(False, False, "This debate is over.")
    if turn_status == SPOKEN:
        return SpeechTiming(False, False, "This turn's speech has already been given.")
    if turn_status == REMOVED:
        return SpeechTiming(False, False, "A moderator took you out of this debate.")
    if turn_status == PENDING:
        return SpeechTiming(False, False, "Your turn has not started yet.")
    if turn_status == SKIPPED:
        if not started or ended_at is None:
            return SpeechTiming(False, False, "The speeches ended before your turn came.")
        if now <= ended_at + GRACE_SECONDS:
            return SpeechTiming(True, True)
        return SpeechTiming(
            False,
            True,
            f"A moderator ended this turn more than {GRACE_SECONDS:.0f} seconds ago, so the "
            "speech was not accepted.",
        )
    if paused and turn_status == OPEN:
        return SpeechTiming(
            False, False, "The debate is paused; wait for a moderator to resume it."
        )
    if deadline is None:
        return SpeechTiming(False, False, "This turn has no deadline yet.")
    if now <= deadline and turn_status == OPEN:
        return SpeechTiming(True, False)
    if now <= deadline + GRACE_SECONDS:
        return SpeechTiming(True, True)
    return SpeechTiming(
        False,
        True,
        f"Time is up: the deadline passed more than {GRACE_SECONDS:.0f} seconds ago, "
        "so the speech was not accepted.",
    )


def check_speech_text(text: str) -> str:
    """The speech, stripped; a UserError when it is empty or too long."""
    text = text.strip()
    if not text:
        raise UserError("Your speech is empty.")
    if len(text) > SPEECH_MAX_CHARS:
        raise UserError(f"A speech can be at most {SPEECH_MAX_CHARS:,} characters.")
    return text


def parse_score(text: str) -> int:
    """A judge's score typed as text: a whole number from 1 to 10."""
    cleaned = text.strip().removesuffix("/10").strip()
    if not cleaned.isdigit() or not SCORE_MIN <= int(cleaned) <= SCORE_MAX:
        raise UserError(f"Give a whole number from {SCORE_MIN} to {SCORE_MAX}.")
    return int(cleaned)


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True, slots=True)
class ScoredTurn:
    """One turn a speaker took: a speech with every judge's score (1–10), or no speech."""

    user_id: int
    scores: tuple[int, ...] = ()
    spoke: bool = True

    @property
    def value(self) -> float | None:
        """The mean judge score; 0 for a turn without a speech; None when unscored."""
        if not self.spoke:
            return 0.0
        if not self.scores:
            return None
        return sum(self.scores) / len(self.scores)


@dataclass(frozen=True, slots=True)
class PositionResult:
    position: str
    members: tuple[int, ...]
    #: the speakers' part of the total: the position's average × its turns ÷ its team size
    team_points: float
    votes: int
    vote_share: float
    total: float
    rank: int
    won: bool
    #: the mean of the position's counted turns (None when none was scored or missed)
    average: float | None = None
    #: turns its speakers took, and how many of them were unscored speeches
    turns: int = 0
    unscored: int = 0


@dataclass(frozen=True, slots=True)
class DebateResult:
    """Positions ranked best first, every speaker's points and the best speaker(s)."""

    positions: tuple[PositionResult, ...]
    speaker_points: Mapping[int, float]
    best_speakers: tuple[int, ...]
    votes_cast: int
    #: each speaker's unscored speeches (speakers with none are left out)
    unscored: Mapping[int, int] = field(default_factory=dict)
    #: speakers whose every turn was an unscored speech: no average, so no speaker points
    unrated: frozenset[int] = frozenset()

    @property
    def winners(self) -> tuple[str, ...]:
        return tuple(p.position for p in self.positions if p.won)


def _close(value: float) -> float:
    return round(value, 9)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_debate(
    positions: Sequence[str],
    members: Mapping[int, str],
    turns: Sequence[ScoredTurn],
    votes: Mapping[int, str],
) -> DebateResult:
    """Score a finished debate (see the module docstring for the rules).

    ``turns`` are the turns that began (spoken or not); ``members`` maps each counted
    participant to their position, so turns of anyone else (a removed member) are ignored, as
    are votes for positions not in ``positions``.
    """
    counted: dict[int, list[float]] = {member: [] for member in members}
    taken = dict.fromkeys(members, 0)
    unscored = dict.fromkeys(members, 0)
    for turn in turns:
        if turn.user_id not in members:
            continue
        taken[turn.user_id] += 1
        if turn.value is None:
            unscored[turn.user_id] += 1
        else:
            counted[turn.user_id].append(turn.value)
    points = {m: (_mean(counted[m]) or 0.0) * taken[m] for m in members}
    ballots = [v for v in votes.values() if v in positions]
    unranked = []
    for position in positions:
        team = tuple(m for m in members if members[m] == position)
        average = _mean([value for m in team for value in counted[m]])
        team_turns = sum(taken[m] for m in team)
        team_points = average * team_turns / len(team) if average is not None and team else 0.0
        share = ballots.count(position) / len(ballots) if ballots else 0.0
        total = team_points + VOTE_WEIGHT * share
        unranked.append(
            (position, team, team_points, ballots.count(position), share, total, average,
             team_turns, sum(unscored[m] for m in team))
        )  # fmt: skip
    best_total = max((_close(u[5]) for u in unranked), default=0.0)
    ordered = sorted(unranked, key=lambda u: -_close(u[5]))
    results = []
    for position, team, team_points, count, share, total, average, team_turns, blank in ordered:
        rank = 1 + sum(1 for other in unranked if _close(other[5]) > _close(total))
        won = best_total > 0 and _close(total) == best_total
        results.append(
            PositionResult(
                position, team, team_points, count, share, total, rank, won, average,
                team_turns, blank,
            )
        )  # fmt: skip
    top = max((_close(p) for p in points.values()), default=0.0)
    best = tuple(m for m in members if top > 0 and _close(points[m]) == top)
    return DebateResult(
        tuple(results),
        points,
        best,
        len(ballots),
        {m: n for m, n in unscored.items() if n},
        frozenset(m for m in members if taken[m] and not counted[m]),
    )


def round_points(value: float) -> int:
    """Round half up (7.5 → 8), as the ledger holds whole points."""
    return math.floor(value + 0.5)


@dataclass(frozen=True, slots=True)
class Award:
    user_id: int
    points: int
    reason: str


def awards(debate_id: int, result: DebateResult, position_names: Mapping[str, str]) -> list[Award]:
    """The ledger rows for a closed debate: speaker points, +5 for taking part, +10 to winners.

    Rows worth 0 points (a speaker no judge scored) are left out.
    """
    rows: list[Award] = []
    for standing in result.positions:
        for member in standing.members:
            speaker = round_points(result.speaker_points.get(member, 0.0))
            if speaker:
                rows.append(Award(member, speaker, f"Debate #{debate_id}: speaker points"))
            rows.append(Award(member, PARTICIPATION_POINTS, f"Debate #{debate_id}: took part"))
            if standing.won:
                name = position_names.get(standing.position, standing.position)
                rows.append(Award(member, WIN_POINTS, f"Debate #{debate_id}: won as {name}"))
    return rows


# --------------------------------------------------------------------------------------------
# Transcript


@dataclass(frozen=True, slots=True)
class TranscriptTurn:
    """One turn as the transcript shows it; ``text`` is None when no speech was given."""

    number: int
    round: int
    speaker: str
    position: str
    status: str
    text: str | None = None
    words: int = 0
    late: bool = False
    scores: tuple[tuple[str, int], ...] = ()
    #: False for a turn the debate never reached (ended before it began)
    started: bool = True


@dataclass(frozen=True, slots=True)
class TranscriptInfo:
    debate_id: int
    motion: str
    pack_id: str
    rounds: int
    status: str
    position_names: Mapping[str, str]
    members: Mapping[str, tuple[str, ...]]
    began_at: float | None = None
    closed_at: float | None = None
    end_reason: str | None = None
    vote_counts: Mapping[str, int] = field(default_factory=dict)


_NO_SPEECH: Final = {
    MISSED: "No speech: time ran out.",
    SKIPPED: "No speech: skipped by a moderator.",
    REMOVED: "No speech: the speaker was removed from the debate.",
    PENDING: "Not reached: the debate ended first.",
    OPEN: "No speech.",
}


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def transcript_markdown(
    info: TranscriptInfo,
    turns: Sequence[TranscriptTurn],
    result: DebateResult | None,
    names: Mapping[int, str],
) -> str:
    """The debate as a Markdown document: motion, positions, every speech with its scores."""
    out = [
        f"# Debate #{info.debate_id}: {info.motion}",
        "",
        f"- Pack: {info.pack_id}",
        f"- Rounds: {', '.join(r.capitalize() for r in round_names(info.rounds))}",
        f"- Began: {_when(info.began_at)}",
        f"- Ended: {_when(info.closed_at)} ({info.status})",
    ]
    if info.end_reason:
        out.append(f"- Reason given: {info.end_reason}")
    out += ["", "## Positions", ""]
    for position, name in info.position_names.items():
        speakers = ", ".join(info.members.get(position, ())) or "nobody"
        out.append(f"- **{name}**: {speakers}")
    out += ["", "## Speeches"]
    for turn in turns:
        position = info.position_names.get(turn.position, turn.position)
        out += [
            "",
            f"### {turn.number}. {round_label(turn.round)}: {turn.speaker} ({position})",
            "",
        ]
        if turn.text is None:
            status = turn.status if turn.started else PENDING
            out.append(f"_{_NO_SPEECH.get(status, 'No speech.')}_")
            continue
        late = " · late, within the grace period" if turn.late else ""
        if turn.scores:
            listed = ", ".join(f"{judge} {points}" for judge, points in turn.scores)
            mean = sum(p for _, p in turn.scores) / len(turn.scores)
            scored = f"Scores: {listed} (mean {mean:.2f})"
        else:
            scored = "Unscored: no judge scored it, so it is left out of the averages"
        out += [f"_{turn.words} words · {scored}{late}_", "", _quoted(turn.text)]
    if info.vote_counts or result is not None:
        out += ["", "## Audience vote", ""]
        for position, name in info.position_names.items():
            out.append(f"- {name}: {info.vote_counts.get(position, 0)}")
    if result is not None:
        out += ["", "## Results", "", "| Rank | Position | Speakers ÷ team | Vote | Total |"]
        out.append("| --- | --- | --- | --- | --- |")
        for p in result.positions:
            name = info.position_names.get(p.position, p.position)
            won = " (winner)" if p.won else ""
            out.append(
                f"| {p.rank} | {name}{won} | {p.team_points:.2f} | "
                f"{p.vote_share:.0%} | {p.total:.2f} |"
            )
        out.append("")
        out.append("Speaker points: " + speaker_summary(result, names))
        best = ", ".join(names.get(m, str(m)) for m in result.best_speakers) or "none"
        out.append(f"Best speaker: {best}")
    return "\n".join(out) + "\n"


def speaker_summary(result: DebateResult, names: Mapping[int, str]) -> str:
    """``"Alice 15.5, Bob 9.0 (1 speech unscored), Carol unscored"``, best first."""
    ordered = sorted(result.speaker_points.items(), key=lambda item: (-item[1], item[0]))
    return (
        ", ".join(f"{names.get(m, str(m))} {speaker_points_text(result, m)}" for m, _ in ordered)
        or "none"
    )


def speaker_points_text(result: DebateResult, user_id: int) -> str:
    """A speaker's points as the results show them: ``"9.0"``, ``"9.0 (1 speech unscored)"``
    or ``"unscored"`` when no turn of theirs could be counted."""
    if user_id in result.unrated:
        return "unscored"
    points = f"{result.speaker_points.get(user_id, 0.0):.1f}"
    blank = result.unscored.get(user_id, 0)
    return f"{points} ({plural(blank, 'speech', 'speeches')} unscored)" if blank else points

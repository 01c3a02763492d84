"""The gateway websocket: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME, dispatch.

Plain JSON text frames (discord.py accepts them although it asks for zlib-stream). Every dispatch
gets the session's next sequence number and is kept, so a RESUME replays what the client missed
(events dispatched while it was disconnected included) before RESUMED. An unknown session gets
INVALID_SESSION (``d: false``), which sends discord.py back to a fresh IDENTIFY.
Events are filtered by the intents the client identified with, like Discord does.

Shards: an IDENTIFY with ``"shard": [id, count]`` makes a session serve only the guilds with
``(guild_id >> 22) % count == id`` (READY, GUILD_CREATE and every event of a guild); events
without a guild (DMs) go to shard 0. A session without ``shard`` serves everything. Sessions in
one identify bucket (``shard_id % max_concurrency``) may IDENTIFY once per ``identify_interval``
seconds (real time, 5 as on Discord); one that comes too soon gets INVALID_SESSION (``d:
false``), as Discord answers it, and is recorded in ``identify_refusals``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41250
IDENTIFY_INTERVAL = 5.0  # seconds between IDENTIFYs of one bucket, as on Discord
INVALID_SHARD = 4010
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11
REPLAY_KEEP = 5000

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15
EVENT_INTENTS = {
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_CREATE": INTENT_GUILDS,
    "GUILD_ROLE_UPDATE": INTENT_GUILDS,
    "GUILD_ROLE_DELETE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "CHANNEL_DELETE": INTENT_GUILDS,
    "THREAD_CREATE": INTENT_GUILDS,
    "THREAD_UPDATE": INTENT_GUILDS,
    "THREAD_DELETE": INTENT_GUILDS,
    "THREAD_MEMBER_UPDATE": INTENT_GUILDS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_MESSAGE_REACTIONS,
}
# The same events outside a guild (in a DM) need the direct-message intents instead.
DM_EVENT_INTENTS = {
    "MESSAGE_CREATE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_UPDATE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_DELETE": INTENT_DIRECT_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_DIRECT_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_DIRECT_MESSAGE_REACTIONS,
}


@dataclass(eq=False)
class Connection:
    """One websocket connection (a session may have several over its life)."""

    ws: web.WebSocketResponse
    request: web.Request
    path: str
    session: Session | None = None
    client_close_code: int | None = None  # from the client's close frame, if it sent one


@dataclass(frozen=True, slots=True)
class IdentifyRefusal:
    """An IDENTIFY answered with INVALID_SESSION because its bucket identified too recently."""

    shard: tuple[int, int] | None
    bucket: int
    since_last: float  # seconds since the bucket's last accepted IDENTIFY
    interval: float


@dataclass(eq=False)
class Session:
    """A gateway session: its sequence, intents, shard and the events sent (for RESUME)."""

    id: str
    intents: int
    shard: tuple[int, int] | None = None  # (shard_id, shard_count); None serves every guild
    sequence: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    identified_at_connection: int = 0
    resumes: int = 0
    closed: bool = False

    def serves(self, guild_id: int | None) -> bool:
        """Whether this session gets the events of ``guild_id`` (None: not in a guild)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_of(guild_id, count) == shard_id

    def wants(self, event: str, data: dict[str, Any]) -> bool:
        in_dm = event in DM_EVENT_INTENTS and not data.get("guild_id")
        needed = (DM_EVENT_INTENTS if in_dm else EVENT_INTENTS).get(event)
        return needed is None or bool(self.intents & needed)


#: Close codes with which a client ends its session for good.
CLEAN_CLOSE = (1000, 1001)


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """Discord's shard for a guild: ``(guild_id >> 22) % shard_count``; 0 outside a guild."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


def guild_of(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event belongs to (None for a DM or an event of no guild)."""
    raw = data.get("guild_id")
    if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        raw = data.get("id")
    return int(raw) if raw is not None else None


class Gateway:
    """Gateway sessions and websocket connections for one emulator."""

    def __init__(
        self,
        *,
        token: Callable[[], str],
        ready_payload: Callable[[Session, str], dict[str, Any]],
        guild_payloads: Callable[[], list[dict[str, Any]]],
        on_change: Callable[[], None],
        resume_url: Callable[[], str],
        bot_id: Callable[[], int],
        on_violation: Callable[[str, int, str], None] = lambda what, code, detail: None,
    ) -> None:
        self._token = token
        self._on_violation = on_violation
        self._ready_payload = ready_payload
        self._guild_payloads = guild_payloads
        self._on_change = on_change
        self._resume_url = resume_url
        self._bot_id = bot_id
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.connection_count = 0
        self.identify_count = 0
        self.resume_count = 0
        self.invalid_sessions = 0  # INVALID_SESSIONs sent (unknown RESUMEs, early IDENTIFYs)
        self.received: list[dict[str, Any]] = []
        self.max_concurrency = 1
        self.identify_interval = IDENTIFY_INTERVAL
        self.identify_refusals: list[IdentifyRefusal] = []
        self._last_identify: dict[int, float] = {}  # bucket -> monotonic time
        # How each connection ended, oldest first: the code of the close frame the client sent
        # (discord.py's ``close()`` sends one), or None when it broke or the emulator closed it.
        self.close_codes: list[int | None] = []

    # ----------------------------------------------------------------- queries
    @property
    def connected_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.connection is not None and not s.closed]

    def is_connected(self) -> bool:
        return bool(self.connected_sessions)

    def serving(self, guild_id: int | None) -> list[Session]:
        """Live (not closed) sessions that get ``guild_id``'s events (None: DM events)."""
        return [s for s in self.sessions.values() if not s.closed and s.serves(guild_id)]

    def recipients(
        self, event: str, predicate: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[Session]:
        """Sessions that were sent ``event`` (whose data passes ``predicate``), oldest first."""
        return [
            session
            for session in self.sessions.values()
            if any(
                frame["t"] == event and (predicate is None or predicate(frame["d"]))
                for frame in session.events
            )
        ]

    # ----------------------------------------------------------------- websocket
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(ws, request, request.path)
        self.connections.append(connection)
        self.connection_count += 1
        try:
            await self._send(
                connection, {"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}
            )
            while True:
                message = await ws.receive()
                if message.type is WSMsgType.TEXT:
                    await self._receive(connection, json.loads(message.data))
                elif message.type is WSMsgType.CLOSE:
                    connection.client_close_code = message.data
                    break
                elif message.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
        finally:
            self._detach(connection)
        return ws

    def _detach(self, connection: Connection) -> None:
        self.close_codes.append(connection.client_close_code)
        with contextlib.suppress(ValueError):
            self.connections.remove(connection)
        if connection.session is not None and connection.session.connection is connection:
            connection.session.connection = None
            if connection.client_close_code in CLEAN_CLOSE:
                # A client that closes with 1000/1001 ends its session (Discord invalidates
                # it: no RESUME, no more events); a broken connection stays resumable.
                connection.session.closed = True
        self._on_change()

    async def _receive(self, connection: Connection, message: dict[str, Any]) -> None:
        self.received.append(message)
        op = message.get("op")
        if op == HEARTBEAT:
            await self._send(connection, {"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, message.get("d") or {})
        elif op == RESUME:
            await self._resume(connection, message.get("d") or {})

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self._token():
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        try:
            shard = _shard(data.get("shard"))
        except ValueError:
            self._on_violation("IDENTIFY", INVALID_SHARD, f"invalid shard {data.get('shard')!r}")
            await connection.ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        if not await self._may_identify(connection, shard):
            return
        self.identify_count += 1
        for older in self.sessions.values():
            if not older.closed and older.shard == shard:
                older.closed = True  # a new session of a shard takes over its events
        session = Session(
            id=secrets.token_hex(16), intents=int(data.get("intents") or 0), shard=shard
        )
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        await self._deliver(session, "READY", self._ready_payload(session, self._resume_url()))
        for guild in self._guild_payloads():
            if session.serves(int(guild["id"])):
                await self._deliver(session, "GUILD_CREATE", guild)
        self._on_change()

    async def _may_identify(self, connection: Connection, shard: tuple[int, int] | None) -> bool:
        """The identify rate limit: one IDENTIFY per bucket per ``identify_interval``."""
        bucket = (shard[0] if shard else 0) % max(1, self.max_concurrency)
        now = time.monotonic()
        last = self._last_identify.get(bucket)
        if last is not None and now - last < self.identify_interval:
            refusal = IdentifyRefusal(shard, bucket, now - last, self.identify_interval)
            self.identify_refusals.append(refusal)
            self.invalid_sessions += 1
            which = f"shard {shard[0]}/{shard[1]}" if shard else "an unsharded session"
            self._on_violation(
                "IDENTIFY",
                INVALID_SESSION,
                f"{which} identified {now - last:.2f}s after the last IDENTIFY of bucket {bucket} "
                f"(max_concurrency {self.max_concurrency}: one per {self.identify_interval:g}s); "
                "answered INVALID_SESSION",
            )
            await self._send(connection, {"op": INVALID_SESSION, "d": False})
            self._on_change()
            return False
        self._last_identify[bucket] = now
        return True

    def reset_identify_limit(self) -> None:
        """Forget when each bucket last identified (the next IDENTIFY of any shard is on time)."""
        self._last_identify.clear()

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.closed or data.get("token") != self._token():
            self.invalid_sessions += 1
            await self._send(connection, {"op": INVALID_SESSION, "d": False})
            return
        old = session.connection
        if old is not None and old is not connection:
            await old.ws.close(code=4000)
        session.connection = connection
        connection.session = session
        session.resumes += 1
        self.resume_count += 1
        last_seen = int(data.get("seq") or 0)
        for event in [e for e in session.events if e["s"] > last_seen]:
            await self._send(connection, event)
        await self._deliver(session, "RESUMED", {"_trace": ["emulator"]})
        self._on_change()

    # ----------------------------------------------------------------- dispatch
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send ``event`` to every live session that serves its guild's shard and asked for
        its intent (message content is blanked, like Discord, for a session without the
        message-content intent)."""
        guild_id = guild_of(event, data)
        for session in list(self.sessions.values()):
            if not session.closed and session.serves(guild_id) and session.wants(event, data):
                await self._deliver(session, event, self._visible(session, event, data))

    def _visible(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if (
            event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or session.intents & INTENT_MESSAGE_CONTENT
            or not data.get("guild_id")  # the content intent does not apply to DMs
        ):
            return data
        bot_id = str(self._bot_id())
        mentioned = any(str(user.get("id")) == bot_id for user in data.get("mentions") or [])
        if str((data.get("author") or {}).get("id")) == bot_id or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _deliver(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": session.sequence, "d": data}
        session.events.append(frame)
        if len(session.events) > REPLAY_KEEP:
            del session.events[: len(session.events) - REPLAY_KEEP]
        if session.connection is not None:
            await self._send(session.connection, frame)

    async def _send(self, connection: Connection, frame: dict[str, Any]) -> None:
        if connection.ws.closed:
            return
        try:
            await connection.ws.send_str(json.dumps(frame))
        except (ConnectionError, RuntimeError) as error:
            log.debug("gateway send failed (%s); the event stays for a RESUME", error)

    # ----------------------------------------------------------------- faults and teardown
    async def drop(self, *, code: int | None = None) -> int:
        """Break every connection: abort the TCP stream (``code=None``) or close with ``code``.

        Sessions stay resumable. Returns how many connections were dropped.
        """
        dropped = list(self.connections)
        for connection in dropped:
            if code is None:
                transport = connection.request.transport
                if transport is not None:
                    transport.abort()
            else:
                await connection.ws.close(code=code)
        return len(dropped)

    def forget_sessions(self) -> None:
        """Make every existing session unresumable (e.g. after the bot process "died").

        The identify buckets are reset too: this stands for the process going away, and a real
        restart takes longer than the identify interval."""
        for session in self.sessions.values():
            session.closed = True
        self.reset_identify_limit()

    async def close(self) -> None:
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.ws.close(code=1001), 1)


def _shard(raw: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard`` as (id, count), None when absent; ValueError when invalid."""
    if raw is None:
        return None
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in raw)
        and 0 <= raw[0] < raw[1]
    ):
        return raw[0], raw[1]
    raise ValueError(raw)

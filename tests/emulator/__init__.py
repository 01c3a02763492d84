"""A loopback Discord for end-to-end tests: REST under ``/api/v10`` and a gateway websocket.

Modules: ``server`` (the :class:`Emulator`), ``rest`` (routes), ``gateway``, ``state`` (guilds,
channels, messages, permissions), ``interactions`` (INTERACTION_CREATE payloads), ``limits``
(DISCORD.md limits, OpenAPI validation, command checks), ``ratelimit``, ``members`` (the member
API: ``slash``, ``click``, ``submit``, ``autocomplete``), ``harness`` (bot lifecycle) and
``world`` (the default server). ``tests/README.md`` shows how to write a test.
"""

from tests.emulator.harness import BotHarness, copy_content, pointed_at
from tests.emulator.members import Choice, InteractionResult, Member, MemberFile, Modal
from tests.emulator.server import CallRecord, Emulator, Violation
from tests.emulator.state import Channel, Message, P, Role

__all__ = [
    "BotHarness",
    "CallRecord",
    "Channel",
    "Choice",
    "Emulator",
    "InteractionResult",
    "Member",
    "MemberFile",
    "Message",
    "Modal",
    "P",
    "Role",
    "Violation",
    "copy_content",
    "pointed_at",
]

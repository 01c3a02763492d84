"""The default server every emulator starts with.

Guild "Roundtable Test Server", owned by ``owner``:

- roles: ``@everyone`` (Discord's default permissions for a new server), ``Moderator``
  (Manage Messages), ``Admin`` (Manage Guild) and the bot's managed role ``Roundtable``;
- members: ``owner`` (owns the guild), ``admin`` (Admin role), ``mod`` (Moderator role),
  ``alice``, ``bob``, ``carol`` (no roles) and the bot;
- text channels: ``#general`` (the default for interactions), ``#quiz``, ``#debate`` and
  ``#mod-log`` (hidden from @everyone, visible to Moderator, Admin and the bot).
"""

from __future__ import annotations

from tests.emulator.state import (
    BOT_ROLE_DEFAULT,
    EVERYONE_DEFAULT,
    TEXT,
    Channel,
    Guild,
    GuildMember,
    Overwrite,
    P,
    Role,
    Snowflakes,
    User,
)

DEFAULT_MEMBERS = ("owner", "admin", "mod", "alice", "bob", "carol")
DEFAULT_CHANNELS = ("general", "quiz", "debate", "mod-log")


DEFAULT_NAME = "Roundtable Test Server"


def build_guild(
    ids: Snowflakes,
    bot_user: User,
    users: dict[int, User],
    now: float,
    *,
    name: str = DEFAULT_NAME,
    guild_id: int | None = None,
) -> Guild:
    """A fresh guild laid out like the default one; new users are added to ``users``."""
    owner = _user(ids, "owner", users)
    guild = Guild(id=guild_id or ids.next(), name=name, owner_id=owner.id, created_at=now)
    everyone = Role(guild.id, guild.id, "@everyone", EVERYONE_DEFAULT, position=0)
    moderator = Role(ids.next(), guild.id, "Moderator", P.MANAGE_MESSAGES, position=1)
    admin = Role(ids.next(), guild.id, "Admin", P.MANAGE_GUILD, position=2)
    bot_role = Role(
        ids.next(),
        guild.id,
        "Roundtable",
        BOT_ROLE_DEFAULT,
        position=3,
        managed=True,
        bot_id=bot_user.id,
    )
    for role in (everyone, moderator, admin, bot_role):
        guild.roles[role.id] = role
    role_of = {"admin": [admin.id], "mod": [moderator.id]}
    for name in DEFAULT_MEMBERS:
        user = owner if name == "owner" else _user(ids, name, users)
        guild.members[user.id] = GuildMember(user, guild.id, list(role_of.get(name, [])), now)
    guild.members[bot_user.id] = GuildMember(bot_user, guild.id, [bot_role.id], now)
    for position, name in enumerate(DEFAULT_CHANNELS):
        channel = Channel(ids.next(), guild.id, name, TEXT, position=position, created_at=now)
        guild.channels[channel.id] = channel
    mod_log = guild.channel_named("mod-log")
    mod_log.overwrites[guild.id] = Overwrite(guild.id, 0, deny=P.VIEW_CHANNEL)
    for role in (moderator, admin, bot_role):
        mod_log.overwrites[role.id] = Overwrite(role.id, 0, allow=P.VIEW_CHANNEL)
    return guild


def _user(ids: Snowflakes, name: str, users: dict[int, User]) -> User:
    user = User(ids.next(), name)
    users[user.id] = user
    return user

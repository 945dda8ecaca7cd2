"""Who is looking at a group's history, and what of it they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from control.access import can_see_channel, group_access
from control.auth.tokens import Principal
from control.domain.permissions import Role
from control.errors import NotFound
from control.store import channels


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID
    role: Role
    group: asyncpg.Record
    # The group's channels this viewer may view, in order.
    channels: list[asyncpg.Record]

    @property
    def channel_ids(self) -> list[uuid.UUID]:
        return [row["id"] for row in self.channels]

    @property
    def sees_everything(self) -> bool:
        """Owners and moderators export the whole group; others what concerns them."""
        return self.role in (Role.OWNER, Role.MODERATOR)

    def narrow_to(self, channel_id: uuid.UUID | None) -> list[uuid.UUID]:
        """The channels a filter names: one the viewer may see, or all they may."""
        if channel_id is None:
            return self.channel_ids
        if channel_id not in self.channel_ids:
            raise NotFound("no such channel", code="channel_not_found")
        return [channel_id]


async def viewer_of(conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID) -> Viewer:
    """Members only: to anyone else the group's history does not exist."""
    access = await group_access(conn, principal, group_id)
    if access.role is None:
        raise NotFound("no such group", code="group_not_found")
    assert access.group is not None
    rows = await channels.list_channels(conn, group_id)
    return Viewer(principal.user_id, access.role, access.group, [r for r in rows if can_see_channel(access.role, r)])

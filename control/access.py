"""Who may see and do what in a group: the one place routes turn a caller into a role.

A private group, and any channel a caller may not view, is answered with 404 exactly like an id
that does not exist, so nobody learns that it does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from control.auth.tokens import Principal
from control.domain.permissions import (
    Permission,
    Role,
    channel_permissions,
    has_permission,
)
from control.errors import NotFound, PermissionDenied
from control.store import channels, groups


@dataclass(frozen=True)
class GroupAccess:
    group_id: uuid.UUID
    # None: a signed-in visitor of a public group, who may read its profile and nothing else.
    role: Role | None
    # The group's row, when the route looked it up (group routes do; channel routes need not).
    group: asyncpg.Record | None = None

    def require(self, permission: Permission) -> Role:
        if self.role is None:
            raise PermissionDenied("join the group first", code="not_a_member")
        if not has_permission(self.role, permission):
            raise PermissionDenied(f"your role ({self.role}) may not do that: needs {permission}")
        return self.role


def _group_not_found() -> NotFound:
    return NotFound("no such group", code="group_not_found")


async def group_access(
    conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID, *, lock: bool = False
) -> GroupAccess:
    if principal.guest_group_id is not None and principal.guest_group_id != group_id:
        raise _group_not_found()
    group = await groups.get_group(conn, group_id, lock=lock)
    if group is None:
        raise _group_not_found()
    role = await groups.member_role(conn, group_id, principal.user_id)
    if role is None and group["privacy"] != "public":
        raise _group_not_found()
    return GroupAccess(group_id, role, group)


async def channel_access(
    conn: asyncpg.Connection, principal: Principal, channel_id: uuid.UUID
) -> tuple[asyncpg.Record, GroupAccess]:
    """The channel and the caller's standing in its group, if the caller may see the channel."""
    # One query: this runs for every chat message, so it stays a single round trip.
    channel = await channels.get_channel_for(conn, channel_id, principal.user_id)
    if channel is None or (principal.guest_group_id not in (None, channel["group_id"])):
        raise NotFound("no such channel", code="channel_not_found")
    role = Role(channel["my_role"]) if channel["my_role"] else None
    if not can_see_channel(role, channel):
        raise NotFound("no such channel", code="channel_not_found")
    return channel, GroupAccess(channel["group_id"], role)


def can_see_channel(role: Role | None, channel: asyncpg.Record) -> bool:
    """Viewers of the channel, and those who manage channels (so nobody locks a channel away for good)."""
    if role is None:
        return False
    return has_permission(role, Permission.MANAGE_CHANNELS) or Permission.VIEW_CHANNEL in channel_permissions(
        role, channel["overrides"]
    )

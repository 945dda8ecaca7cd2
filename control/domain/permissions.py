"""Roles, permissions and the rules that combine them. Pure code: no I/O.

A member's permissions in a group come from their role (ROLE_PERMISSIONS). In a channel, a
per-role override may allow or deny any of the channel permissions; owners are never restricted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Mapping


class Role(StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"
    GUEST = "guest"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.OWNER: 3, Role.MODERATOR: 2, Role.MEMBER: 1, Role.GUEST: 0}


class Permission(StrEnum):
    # Channel permissions: a channel may override these per role.
    VIEW_CHANNEL = "view"
    SEND_MESSAGES = "send_messages"
    JOIN_CALL = "join_call"
    SPEAK = "speak"
    VIDEO = "video"
    SHARE_SCREEN = "share_screen"
    # Group permissions.
    VIEW_MEMBERS = "view_members"
    INVITE_MEMBERS = "invite_members"
    INVITE_GUESTS = "invite_guests"
    MANAGE_INVITES = "manage_invites"
    REMOVE_MEMBERS = "remove_members"
    ASSIGN_ROLES = "assign_roles"
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_GROUP = "manage_group"
    MANAGE_RECORDINGS = "manage_recordings"
    MODERATE_CALLS = "moderate_calls"
    DELETE_ANY_MESSAGE = "delete_any_message"
    TRANSFER_OWNERSHIP = "transfer_ownership"
    DELETE_GROUP = "delete_group"


CHANNEL_PERMISSIONS = frozenset(
    {
        Permission.VIEW_CHANNEL,
        Permission.SEND_MESSAGES,
        Permission.JOIN_CALL,
        Permission.SPEAK,
        Permission.VIDEO,
        Permission.SHARE_SCREEN,
    }
)

_GUEST = CHANNEL_PERMISSIONS | {Permission.VIEW_MEMBERS}
_MEMBER = _GUEST | {Permission.INVITE_MEMBERS}
_MODERATOR = _MEMBER | {
    Permission.INVITE_GUESTS,
    Permission.MANAGE_INVITES,
    Permission.REMOVE_MEMBERS,
    Permission.MANAGE_CHANNELS,
    Permission.MANAGE_RECORDINGS,
    Permission.MODERATE_CALLS,
    Permission.DELETE_ANY_MESSAGE,
}
_OWNER = _MODERATOR | {
    Permission.ASSIGN_ROLES,
    Permission.MANAGE_GROUP,
    Permission.TRANSFER_OWNERSHIP,
    Permission.DELETE_GROUP,
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.GUEST: frozenset(_GUEST),
    Role.MEMBER: frozenset(_MEMBER),
    Role.MODERATOR: frozenset(_MODERATOR),
    Role.OWNER: frozenset(_OWNER),
}

# Overrides as stored on a channel: {"member": {"send_messages": false, ...}, ...}
ChannelOverrides = Mapping[str, Mapping[str, bool]]


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def channel_permissions(role: Role, overrides: ChannelOverrides) -> frozenset[Permission]:
    """What `role` may do in a channel with these overrides."""
    granted = set(ROLE_PERMISSIONS[role] & CHANNEL_PERMISSIONS)
    if role is Role.OWNER:
        return frozenset(granted)
    for name, allowed in overrides.get(role.value, {}).items():
        permission = Permission(name)
        if allowed:
            granted.add(permission)
        else:
            granted.discard(permission)
    # Nothing in a channel can be done without seeing it.
    if Permission.VIEW_CHANNEL not in granted:
        granted.clear()
    return frozenset(granted)


def has_channel_permission(role: Role, overrides: ChannelOverrides, permission: Permission) -> bool:
    return permission in channel_permissions(role, overrides)


def may_invite_as(inviter: Role, invited: Role) -> bool:
    """Invites give the member or guest role; a guest invite needs INVITE_GUESTS."""
    if invited is Role.MEMBER:
        return has_permission(inviter, Permission.INVITE_MEMBERS)
    if invited is Role.GUEST:
        return has_permission(inviter, Permission.INVITE_GUESTS)
    return False


def may_remove(actor: Role, target: Role) -> bool:
    """Moderators remove members and guests; owners also remove moderators; nobody removes the owner."""
    return has_permission(actor, Permission.REMOVE_MEMBERS) and actor.rank > target.rank


def may_assign_role(actor: Role, target: Role, new_role: Role) -> bool:
    """Owners set any role but owner (ownership moves only by transfer) on anyone but themselves."""
    return (
        has_permission(actor, Permission.ASSIGN_ROLES)
        and target is not Role.OWNER
        and new_role is not Role.OWNER
    )

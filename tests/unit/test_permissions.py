"""The role and permission rules in control.domain.permissions."""

from __future__ import annotations

import pytest

from control.domain.permissions import (
    CHANNEL_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    channel_permissions,
    has_permission,
    may_assign_role,
    may_invite_as,
    may_remove,
)


def test_each_role_has_every_permission_of_the_roles_below_it() -> None:
    ordered = sorted(Role, key=lambda r: r.rank)
    for lower, higher in zip(ordered, ordered[1:]):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (Role.GUEST, Permission.SEND_MESSAGES, True),
        (Role.GUEST, Permission.INVITE_MEMBERS, False),
        (Role.MEMBER, Permission.INVITE_MEMBERS, True),
        (Role.MEMBER, Permission.INVITE_GUESTS, False),
        (Role.MEMBER, Permission.MANAGE_CHANNELS, False),
        (Role.MODERATOR, Permission.MANAGE_CHANNELS, True),
        (Role.MODERATOR, Permission.REMOVE_MEMBERS, True),
        (Role.MODERATOR, Permission.MANAGE_RECORDINGS, True),
        (Role.MODERATOR, Permission.ASSIGN_ROLES, False),
        (Role.MODERATOR, Permission.DELETE_GROUP, False),
        (Role.OWNER, Permission.DELETE_GROUP, True),
        (Role.OWNER, Permission.TRANSFER_OWNERSHIP, True),
    ],
)
def test_role_table(role: Role, permission: Permission, expected: bool) -> None:
    assert has_permission(role, permission) is expected


def test_channel_without_overrides_grants_the_roles_channel_permissions() -> None:
    assert channel_permissions(Role.MEMBER, {}) == CHANNEL_PERMISSIONS


def test_override_denies_one_permission_for_one_role_only() -> None:
    overrides = {"member": {"send_messages": False}}
    assert Permission.SEND_MESSAGES not in channel_permissions(Role.MEMBER, overrides)
    assert Permission.SPEAK in channel_permissions(Role.MEMBER, overrides)
    assert Permission.SEND_MESSAGES in channel_permissions(Role.MODERATOR, overrides)


def test_override_can_grant_back_what_another_override_did_not_touch() -> None:
    overrides = {"guest": {"share_screen": False, "video": True}}
    granted = channel_permissions(Role.GUEST, overrides)
    assert Permission.VIDEO in granted and Permission.SHARE_SCREEN not in granted


def test_denying_view_takes_away_everything_in_the_channel() -> None:
    assert channel_permissions(Role.MEMBER, {"member": {"view": False, "send_messages": True}}) == frozenset()


def test_owner_is_never_restricted_by_overrides() -> None:
    overrides = {"owner": {"view": False, "speak": False}}
    assert channel_permissions(Role.OWNER, overrides) == CHANNEL_PERMISSIONS


def test_members_invite_members_but_only_moderators_invite_guests() -> None:
    assert may_invite_as(Role.MEMBER, Role.MEMBER)
    assert not may_invite_as(Role.MEMBER, Role.GUEST)
    assert may_invite_as(Role.MODERATOR, Role.GUEST)
    assert not may_invite_as(Role.OWNER, Role.OWNER)
    assert not may_invite_as(Role.GUEST, Role.MEMBER)


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (Role.MODERATOR, Role.MEMBER, True),
        (Role.MODERATOR, Role.GUEST, True),
        (Role.MODERATOR, Role.MODERATOR, False),
        (Role.MODERATOR, Role.OWNER, False),
        (Role.OWNER, Role.MODERATOR, True),
        (Role.MEMBER, Role.GUEST, False),
    ],
)
def test_who_may_remove_whom(actor: Role, target: Role, expected: bool) -> None:
    assert may_remove(actor, target) is expected


def test_only_owners_assign_roles_and_never_the_owner_role() -> None:
    assert may_assign_role(Role.OWNER, Role.MEMBER, Role.MODERATOR)
    assert not may_assign_role(Role.OWNER, Role.MEMBER, Role.OWNER)
    assert not may_assign_role(Role.MODERATOR, Role.MEMBER, Role.MODERATOR)
    assert not may_assign_role(Role.OWNER, Role.OWNER, Role.MEMBER)

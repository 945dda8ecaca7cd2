"""Members: change a role, remove (or leave), and the bulk forms of invite, remove and set role.

Nobody joins a group without saying yes: "adding" someone sends them an invitation of their own
(an invite only they can accept), with a role the actor could also have put on an invite link.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from control.access import GroupAccess, group_access
from control.auth.tokens import Principal
from control.domain.permissions import (
    Permission,
    Role,
    may_assign_role,
    may_invite_as,
    may_remove,
)
from control.errors import (
    AlreadyExists,
    NotFound,
    PeerShareError,
    PermissionDenied,
    ValidationFailed,
)
from control.groups.announce import announce_left, announce_role_changed
from control.groups.invites import create_invite_row, tell_invited
from control.realtime.frames import group_frames
from control.rights import RightsChange, RightsChanged
from control.services import Services
from control.store import bans, events, groups, users
from control.views import group_out, member_out
from schemas.rest import (
    BulkResult,
    GroupOut,
    InviteRole,
    MemberOut,
    MembersBulk,
    MembersBulkOut,
)

_BULK_PERMISSIONS = {"add": Permission.INVITE_MEMBERS, "remove": Permission.REMOVE_MEMBERS,
                     "set_role": Permission.ASSIGN_ROLES}
# How long an invitation addressed to one person stays open.
INVITATION_TTL = timedelta(days=7)


def _member_not_found() -> NotFound:
    return NotFound("that user is not a member of this group", code="member_not_found")


async def target_role(conn: asyncpg.Connection, access: GroupAccess, user_id: uuid.UUID) -> Role:
    role = await groups.member_role(conn, access.group_id, user_id)
    if role is None:
        raise _member_not_found()
    return role


async def _set_role(conn: asyncpg.Connection, access: GroupAccess, actor: uuid.UUID, user_id: uuid.UUID,
                    new_role: Role) -> None:
    actor_role = access.require(Permission.ASSIGN_ROLES)
    target = await target_role(conn, access, user_id)
    if user_id == actor or not may_assign_role(actor_role, target, new_role):
        raise PermissionDenied(
            "owners change others' roles; ownership moves only by transfer", code="role_change_not_allowed"
        )
    if target is Role.GUEST or new_role is Role.GUEST:
        user = await users.get_user(conn, user_id)
        if user is not None and user["guest_group_id"] is not None:
            raise PermissionDenied("a guest account stays a guest", code="guest_account")
    await groups.set_member_role(conn, access.group_id, user_id, new_role)
    await events.record(conn, access.group_id, "role_changed", actor_id=actor, subject_id=user_id, detail=new_role.value)


async def check_removable(conn: asyncpg.Connection, access: GroupAccess, actor: uuid.UUID, user_id: uuid.UUID) -> None:
    """Anyone may leave (but the owner); removing someone else takes a higher rank."""
    target = await target_role(conn, access, user_id)
    if user_id == actor:
        if target is Role.OWNER:
            raise PermissionDenied("transfer ownership before leaving", code="owner_cannot_leave")
    else:
        actor_role = access.require(Permission.REMOVE_MEMBERS)
        if not may_remove(actor_role, target):
            raise PermissionDenied(f"a {actor_role} cannot remove a {target}")


async def _invite(conn: asyncpg.Connection, access: GroupAccess, actor: uuid.UUID, user_id: uuid.UUID,
                  role: Role) -> str:
    """An invitation for `user_id` alone; its code."""
    actor_role = access.require(Permission.INVITE_MEMBERS)
    if not may_invite_as(actor_role, role):
        raise PermissionDenied(f"your role ({actor_role}) may not invite {role}s", code="role_not_allowed")
    user = await users.get_user(conn, user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    if user["guest_group_id"] is not None:
        raise PermissionDenied("a guest account belongs to one group only", code="guest_account")
    if await groups.member_role(conn, access.group_id, user_id) is not None:
        raise AlreadyExists("already a member", code="already_member")
    if await bans.is_banned(conn, access.group_id, user_id):
        raise PermissionDenied("that user is banned from this group", code="banned")
    row = await create_invite_row(conn, access.group_id, InviteRole(role.value), actor,
                                  expires_in_s=int(INVITATION_TTL.total_seconds()), max_uses=1, invitee_id=user_id)
    return str(row["code"])


async def change_role(services: Services, principal: Principal, group_id: uuid.UUID, user_id: uuid.UUID,
                      role: Role) -> MemberOut:
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        await _set_role(conn, access, principal.user_id, user_id, role)
        member = await groups.get_member(conn, group_id, user_id)
    assert member is not None
    await role_changed(services, group_id, user_id)
    return member_out(member)


async def remove(services: Services, principal: Principal, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        if access.role is None:
            raise _member_not_found()
        await check_removable(conn, access, principal.user_id, user_id)
        await groups.remove_member(conn, group_id, user_id)
        await events.record(conn, group_id, "member_left" if user_id == principal.user_id else "member_removed",
                            actor_id=principal.user_id, subject_id=user_id)
    await removed(services, group_id, user_id, RightsChange.MEMBER_REMOVED)


async def bulk(services: Services, principal: Principal, group_id: uuid.UUID, body: MembersBulk) -> MembersBulkOut:
    if body.action == "set_role" and body.role is None:
        raise ValidationFailed("set_role needs a role", details=[{"loc": ["role"], "message": "required", "type": "missing"}])
    results = []
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        # The action needs its permission at all; each user is then checked as if one by one.
        access.require(_BULK_PERMISSIONS[body.action])
        for user_id in dict.fromkeys(body.user_ids):
            try:
                # A savepoint per user: one refusal leaves the others' changes in place.
                async with conn.transaction():
                    code = None
                    if body.action == "add":
                        code = await _invite(conn, access, principal.user_id, user_id,
                                             Role(body.role.value) if body.role else Role.MEMBER)
                    elif body.action == "remove":
                        await check_removable(conn, access, principal.user_id, user_id)
                        await groups.remove_member(conn, group_id, user_id)
                        await events.record(conn, group_id, "member_left" if user_id == principal.user_id
                                            else "member_removed", actor_id=principal.user_id, subject_id=user_id)
                    else:
                        assert body.role is not None
                        await _set_role(conn, access, principal.user_id, user_id, Role(body.role.value))
                results.append(BulkResult(user_id=user_id, ok=True, invite_code=code))
            except PeerShareError as exc:
                results.append(BulkResult(user_id=user_id, ok=False, error=exc.code))
    for result in (r for r in results if r.ok):
        if body.action == "add":
            assert result.invite_code is not None
            await tell_invited(services, group_id, result.user_id, principal.user_id, result.invite_code)
        elif body.action == "remove":
            await removed(services, group_id, result.user_id, RightsChange.MEMBER_REMOVED)
        else:
            await role_changed(services, group_id, result.user_id)
    return MembersBulkOut(results=results)


async def role_changed(services: Services, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await announce_role_changed(services.realtime, group_id, user_id)
    await services.rights.changed(RightsChanged(RightsChange.ROLE_CHANGED, user_id=user_id, group_id=group_id))


async def removed(services: Services, group_id: uuid.UUID, user_id: uuid.UUID, change: RightsChange) -> None:
    await announce_left(services.realtime, group_id, user_id)
    await services.rights.changed(RightsChanged(change, user_id=user_id, group_id=group_id))


async def transfer_ownership(services: Services, principal: Principal, group_id: uuid.UUID,
                             new_owner: uuid.UUID) -> GroupOut:
    """The owner hands the group to another member and becomes a moderator."""
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        access.require(Permission.TRANSFER_OWNERSHIP)
        new_owner_role = await target_role(conn, access, new_owner)
        if new_owner_role is Role.GUEST:
            raise PermissionDenied("a guest cannot own a group", code="guest_account")
        if new_owner != principal.user_id:
            await groups.set_member_role(conn, group_id, principal.user_id, Role.MODERATOR)
            await groups.set_member_role(conn, group_id, new_owner, Role.OWNER)
            await groups.set_owner(conn, group_id, new_owner)
            for user_id, role in ((principal.user_id, Role.MODERATOR), (new_owner, Role.OWNER)):
                await events.record(conn, group_id, "role_changed", actor_id=principal.user_id, subject_id=user_id,
                                    detail=role.value)
        group = await groups.get_group(conn, group_id)
        my_role = await groups.member_role(conn, group_id, principal.user_id)
    assert group is not None and my_role is not None
    if new_owner != principal.user_id:
        for user_id in (principal.user_id, new_owner):
            await role_changed(services, group_id, user_id)
    await services.realtime.hub.publish_to_group(group_id, group_frames(group))
    return group_out(group, my_role)

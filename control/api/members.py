"""Members: list with search and role filter, change role, remove (or leave), and bulk actions."""

from __future__ import annotations

import uuid

import asyncpg

from control.access import GroupAccess, group_access
from control.api.routing import ApiRouter, Context
from control.api.views import member_out
from control.domain.permissions import Permission, Role, may_assign_role, may_remove
from control.errors import (
    LimitReached,
    NotFound,
    PeerShareError,
    PermissionDenied,
    ValidationFailed,
)
from control.realtime.membership import (
    announce_joined,
    announce_left,
    announce_role_changed,
)
from control.store import groups, users
from schemas.rest import (
    BulkResult,
    MemberOut,
    MemberPage,
    MemberPatch,
    MembersBulk,
    MembersBulkOut,
    MembersQuery,
)

router = ApiRouter("members")

_BULK_PERMISSIONS = {"add": Permission.ADD_MEMBERS, "remove": Permission.REMOVE_MEMBERS,
                     "set_role": Permission.ASSIGN_ROLES}


def _member_not_found() -> NotFound:
    return NotFound("that user is not a member of this group", code="member_not_found")


async def _target_role(conn: asyncpg.Connection, access: GroupAccess, user_id: uuid.UUID) -> Role:
    role = await groups.member_role(conn, access.group_id, user_id)
    if role is None:
        raise _member_not_found()
    return role


async def _set_role(conn: asyncpg.Connection, access: GroupAccess, actor: uuid.UUID, user_id: uuid.UUID,
                    new_role: Role) -> None:
    actor_role = access.require(Permission.ASSIGN_ROLES)
    target = await _target_role(conn, access, user_id)
    if user_id == actor or not may_assign_role(actor_role, target, new_role):
        raise PermissionDenied(
            "owners change others' roles; ownership moves only by transfer", code="role_change_not_allowed"
        )
    if target is Role.GUEST or new_role is Role.GUEST:
        user = await users.get_user(conn, user_id)
        if user is not None and user["guest_group_id"] is not None:
            raise PermissionDenied("a guest account stays a guest", code="guest_account")
    await groups.set_member_role(conn, access.group_id, user_id, new_role)


async def _remove(conn: asyncpg.Connection, access: GroupAccess, actor: uuid.UUID, user_id: uuid.UUID) -> None:
    target = await _target_role(conn, access, user_id)
    if user_id == actor:
        if target is Role.OWNER:
            raise PermissionDenied("transfer ownership before leaving", code="owner_cannot_leave")
    else:
        actor_role = access.require(Permission.REMOVE_MEMBERS)
        if not may_remove(actor_role, target):
            raise PermissionDenied(f"a {actor_role} cannot remove a {target}")
    await groups.remove_member(conn, access.group_id, user_id)


async def _add(conn: asyncpg.Connection, access: GroupAccess, user_id: uuid.UUID, role: Role) -> None:
    access.require(Permission.ADD_MEMBERS)
    if role is Role.OWNER:
        raise PermissionDenied("ownership moves only by transfer", code="role_change_not_allowed")
    user = await users.get_user(conn, user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    if user["guest_group_id"] is not None and user["guest_group_id"] != access.group_id:
        raise PermissionDenied("a guest account belongs to one group only", code="guest_account")
    if await groups.member_role(conn, access.group_id, user_id) is not None:
        return
    assert access.group is not None
    if await groups.count_members(conn, access.group_id) >= access.group["member_limit"]:
        raise LimitReached("this group is full", code="group_full")
    await groups.add_member(conn, access.group_id, user_id, role)


@router.get("/api/groups/{group_id}/members", summary="Members, searchable by name and filterable by role",
            query=MembersQuery, response=MemberPage, errors=(PermissionDenied,))
async def list_members(ctx: Context, query: MembersQuery) -> MemberPage:
    async with ctx.services.db.connection() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
        access.require(Permission.VIEW_MEMBERS)
        rows, total = await groups.list_members(
            conn, access.group_id, search=query.q, role=query.role.value if query.role else None,
            limit=query.limit, offset=query.offset,
        )
    return MemberPage(members=[member_out(row) for row in rows], total=total)


@router.patch("/api/groups/{group_id}/members/{user_id}", summary="Change a member's role (owner only)",
              body=MemberPatch, response=MemberOut, errors=(PermissionDenied,))
async def change_role(ctx: Context, body: MemberPatch) -> MemberOut:
    user_id = ctx.path_id("user_id")
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        await _set_role(conn, access, ctx.principal.user_id, user_id, Role(body.role.value))
        member = await groups.get_member(conn, access.group_id, user_id)
    assert member is not None
    await announce_role_changed(ctx.services.realtime, access.group_id, user_id)
    return member_out(member)


@router.delete("/api/groups/{group_id}/members/{user_id}", summary="Remove a member, or leave the group yourself",
                errors=(PermissionDenied,))
async def remove_member(ctx: Context) -> None:
    user_id = ctx.path_id("user_id")
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        if access.role is None:
            raise _member_not_found()
        await _remove(conn, access, ctx.principal.user_id, user_id)
    await announce_left(ctx.services.realtime, access.group_id, user_id)


@router.post("/api/groups/{group_id}/members/bulk",
             summary="Add, remove or set the role of many members at once; each user gets its own result",
             body=MembersBulk, response=MembersBulkOut, errors=(PermissionDenied,))
async def bulk(ctx: Context, body: MembersBulk) -> MembersBulkOut:
    if body.action == "set_role" and body.role is None:
        raise ValidationFailed("set_role needs a role", details=[{"loc": ["role"], "message": "required", "type": "missing"}])
    results = []
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        # The action needs its permission at all; each user is then checked on its own (ranks).
        access.require(_BULK_PERMISSIONS[body.action])
        for user_id in dict.fromkeys(body.user_ids):
            try:
                # A savepoint per user: one refusal leaves the others' changes in place.
                async with conn.transaction():
                    if body.action == "add":
                        await _add(conn, access, user_id, Role(body.role.value) if body.role else Role.MEMBER)
                    elif body.action == "remove":
                        await _remove(conn, access, ctx.principal.user_id, user_id)
                    else:
                        assert body.role is not None
                        await _set_role(conn, access, ctx.principal.user_id, user_id, Role(body.role.value))
                results.append(BulkResult(user_id=user_id, ok=True))
            except PeerShareError as exc:
                results.append(BulkResult(user_id=user_id, ok=False, error=exc.code))
    announce = {"add": announce_joined, "remove": announce_left, "set_role": announce_role_changed}[body.action]
    for result in results:
        if result.ok:
            await announce(ctx.services.realtime, access.group_id, result.user_id)
    return MembersBulkOut(results=results)

"""Members: list with search and role filter, change role, remove (or leave), bulk actions, bans."""

from __future__ import annotations

from control.access import group_access
from control.api.routing import ApiRouter, Context
from control.domain.permissions import Permission, Role
from control.errors import Conflict, PermissionDenied
from control.groups import bans, members
from control.store import groups
from control.views import member_out
from schemas.rest import (
    BanCreate,
    BanOut,
    MemberOut,
    MemberPage,
    MemberPatch,
    MembersBulk,
    MembersBulkOut,
    MembersQuery,
)

router = ApiRouter("members")


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
              body=MemberPatch, response=MemberOut, errors=(PermissionDenied, Conflict))
async def change_role(ctx: Context, body: MemberPatch) -> MemberOut:
    return await members.change_role(ctx.services, ctx.principal, ctx.path_id("group_id"), ctx.path_id("user_id"),
                                     Role(body.role.value))


@router.delete("/api/groups/{group_id}/members/{user_id}", summary="Remove a member, or leave the group yourself",
                errors=(PermissionDenied,))
async def remove_member(ctx: Context) -> None:
    await members.remove(ctx.services, ctx.principal, ctx.path_id("group_id"), ctx.path_id("user_id"))


@router.post("/api/groups/{group_id}/members/bulk",
             summary="Invite, remove or set the role of many members at once; each user gets its own result"
                     " (\"add\" sends each person an invitation of their own to accept)",
             body=MembersBulk, response=MembersBulkOut, errors=(PermissionDenied,))
async def bulk(ctx: Context, body: MembersBulk) -> MembersBulkOut:
    return await members.bulk(ctx.services, ctx.principal, ctx.path_id("group_id"), body)


@router.get("/api/groups/{group_id}/bans", summary="Who is banned from the group, why and by whom",
            response=list[BanOut], errors=(PermissionDenied,))
async def list_bans(ctx: Context) -> list[BanOut]:
    return await bans.list_bans(ctx.services, ctx.principal, ctx.path_id("group_id"))


@router.post("/api/groups/{group_id}/bans", summary="Ban someone: removed at once, kept out of every invite",
             body=BanCreate, response=BanOut, status=201, errors=(PermissionDenied,))
async def ban(ctx: Context, body: BanCreate) -> BanOut:
    return await bans.ban(ctx.services, ctx.principal, ctx.path_id("group_id"), body.user_id, body.reason)


@router.delete("/api/groups/{group_id}/bans/{user_id}", summary="Lift a ban", errors=(PermissionDenied,))
async def lift_ban(ctx: Context) -> None:
    await bans.lift(ctx.services, ctx.principal, ctx.path_id("group_id"), ctx.path_id("user_id"))

"""Groups: create, read, update, delete, list mine, transfer ownership."""

from __future__ import annotations

from control.access import group_access
from control.api.invites import create_invite_row
from control.api.routing import ApiRouter, Context
from control.api.views import channel_out, group_out, invite_out
from control.domain.permissions import Permission, Role
from control.errors import NotFound, PermissionDenied
from control.realtime.frames import dump, group_frames, member_updated_frames
from control.realtime.hub import EVERYONE
from control.realtime.membership import announce_joined
from control.store import channels, groups
from schemas.rest import (
    GroupCreate,
    GroupCreated,
    GroupOut,
    GroupPatch,
    InviteRole,
    TransferOwnershipBody,
)
from schemas.signaling import GroupRemoved

router = ApiRouter("groups")

# Every new group starts with one channel of each kind, so it is usable at once.
_DEFAULT_CHANNELS = (("general", "text", "Talk about anything"), ("General", "voice", "Hop in for a call"))


@router.get("/api/groups", summary="The groups I belong to", response=list[GroupOut])
async def list_my_groups(ctx: Context) -> list[GroupOut]:
    async with ctx.services.db.connection() as conn:
        rows = await groups.list_groups_of(conn, ctx.principal.user_id)
    return [group_out(row, Role(row["my_role"])) for row in rows]


@router.post("/api/groups", summary="Create a group (with default channels and an invite link)",
             body=GroupCreate, response=GroupCreated, status=201, errors=(PermissionDenied,))
async def create_group(ctx: Context, body: GroupCreate) -> GroupCreated:
    if ctx.principal.is_guest:
        raise PermissionDenied("guests cannot create groups", code="guest_account")
    async with ctx.services.db.transaction() as conn:
        group_id = await groups.insert_group(
            conn,
            name=body.name,
            description=body.description,
            privacy=body.privacy.value,
            member_limit=body.member_limit,
            owner_id=ctx.principal.user_id,
        )
        for name, kind, topic in _DEFAULT_CHANNELS:
            await channels.insert_channel(conn, group_id, kind=kind, name=name, topic=topic, overrides={}, position=None)
        invite = await create_invite_row(
            conn, group_id, InviteRole.member, ctx.principal.user_id, expires_in_s=None, max_uses=None
        )
        group = await groups.get_group(conn, group_id)
        channel_rows = await channels.list_channels(conn, group_id)
    assert group is not None
    # The creator's open sessions (every tab) start following the new group at once.
    await announce_joined(ctx.services.realtime, group_id, ctx.principal.user_id)
    return GroupCreated(
        **group_out(group, Role.OWNER).model_dump(),
        invite=invite_out(invite, ctx.services.settings.public_url),
        channels=[channel_out(row, Role.OWNER) for row in channel_rows],
    )


@router.get("/api/groups/{group_id}", summary="A group's profile", response=GroupOut)
async def get_group(ctx: Context) -> GroupOut:
    async with ctx.services.db.connection() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
    assert access.group is not None
    return group_out(access.group, access.role)


@router.patch("/api/groups/{group_id}", summary="Update a group's settings", body=GroupPatch, response=GroupOut,
              errors=(PermissionDenied,))
async def update_group(ctx: Context, body: GroupPatch) -> GroupOut:
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        role = access.require(Permission.MANAGE_GROUP)
        changes = body.model_dump(exclude_none=True, mode="json")
        await groups.update_group(conn, access.group_id, changes)
        group = await groups.get_group(conn, access.group_id)
    assert group is not None
    await ctx.services.realtime.hub.publish_to_group(access.group_id, group_frames(group))
    return group_out(group, role)


@router.delete("/api/groups/{group_id}", summary="Delete a group (owner only)", errors=(PermissionDenied,))
async def delete_group(ctx: Context) -> None:
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        access.require(Permission.DELETE_GROUP)
        await groups.delete_group(conn, access.group_id)
    await ctx.services.realtime.hub.publish_to_group(
        access.group_id, {EVERYONE: dump(GroupRemoved(group_id=access.group_id))})


@router.post("/api/groups/{group_id}/transfer", summary="Hand the group to another member (owner only)",
             body=TransferOwnershipBody, response=GroupOut, errors=(PermissionDenied,))
async def transfer_ownership(ctx: Context, body: TransferOwnershipBody) -> GroupOut:
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"), lock=True)
        access.require(Permission.TRANSFER_OWNERSHIP)
        new_owner_role = await groups.member_role(conn, access.group_id, body.user_id)
        if new_owner_role is None:
            raise NotFound("that user is not a member of this group", code="member_not_found")
        if new_owner_role is Role.GUEST:
            raise PermissionDenied("a guest cannot own a group", code="guest_account")
        if body.user_id != ctx.principal.user_id:
            await groups.set_member_role(conn, access.group_id, ctx.principal.user_id, Role.MODERATOR)
            await groups.set_member_role(conn, access.group_id, body.user_id, Role.OWNER)
            await groups.set_owner(conn, access.group_id, body.user_id)
        group = await groups.get_group(conn, access.group_id)
        changed = [await groups.get_member(conn, access.group_id, u) for u in (ctx.principal.user_id, body.user_id)]
    assert group is not None and changed[0] is not None and changed[1] is not None
    hub = ctx.services.realtime.hub
    for member in changed:
        await hub.publish_to_group(access.group_id, member_updated_frames(access.group_id, member))
    await hub.publish_to_group(access.group_id, group_frames(group))
    return group_out(group, Role(changed[0]["role"]))

"""Groups: create, read, update, delete, list mine, transfer ownership."""

from __future__ import annotations

from control.access import group_access
from control.api.routing import ApiRouter, Context
from control.domain.permissions import Permission, Role
from control.errors import Conflict, PermissionDenied
from control.groups import deletion, members
from control.groups.announce import announce_joined
from control.groups.invites import create_invite_row
from control.realtime.frames import group_frames
from control.store import channels, groups
from control.views import channel_out, group_out, invite_out
from schemas.rest import (
    GroupCreate,
    GroupCreated,
    GroupOut,
    GroupPatch,
    InviteRole,
    TransferOwnershipBody,
)

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
        if changes.get("recording_retention_days") == 0:
            changes["recording_retention_days"] = None  # 0: keep for ever
        await groups.update_group(conn, access.group_id, changes)
        group = await groups.get_group(conn, access.group_id)
    assert group is not None
    await ctx.services.realtime.hub.publish_to_group(access.group_id, group_frames(group))
    return group_out(group, role)


@router.delete("/api/groups/{group_id}", summary="Delete a group (owner only)", errors=(PermissionDenied,))
async def delete_group(ctx: Context) -> None:
    await deletion.delete_group(ctx.services, ctx.principal, ctx.path_id("group_id"))


@router.post("/api/groups/{group_id}/transfer", summary="Hand the group to another member (owner only)",
             body=TransferOwnershipBody, response=GroupOut, errors=(PermissionDenied, Conflict))
async def transfer_ownership(ctx: Context, body: TransferOwnershipBody) -> GroupOut:
    return await members.transfer_ownership(ctx.services, ctx.principal, ctx.path_id("group_id"), body.user_id)

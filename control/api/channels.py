"""Channels: list, create, rename, retopic, reorder, set permission overrides, delete."""

from __future__ import annotations

from control.access import can_see_channel, channel_access, group_access
from control.api.routing import ApiRouter, Context
from control.domain.permissions import Permission
from control.groups import deletion
from control.realtime.frames import channel_frames
from control.rights import RightsChange, RightsChanged
from control.errors import PermissionDenied
from control.store import channels, events
from control.views import channel_out
from schemas.rest import ChannelCreate, ChannelOut, ChannelPatch

router = ApiRouter("channels")


@router.get("/api/groups/{group_id}/channels", summary="The channels I can see, in order", response=list[ChannelOut],
            errors=(PermissionDenied,))
async def list_channels(ctx: Context) -> list[ChannelOut]:
    async with ctx.services.db.connection() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
        role = access.require(Permission.VIEW_CHANNEL)
        rows = await channels.list_channels(conn, access.group_id)
    return [channel_out(row, role) for row in rows if can_see_channel(role, row)]


@router.post("/api/groups/{group_id}/channels", summary="Create a text or voice channel", body=ChannelCreate,
             response=ChannelOut, status=201, errors=(PermissionDenied,))
async def create_channel(ctx: Context, body: ChannelCreate) -> ChannelOut:
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
        role = access.require(Permission.MANAGE_CHANNELS)
        await channels.lock_group_channels(conn, access.group_id)
        channel_id = await channels.insert_channel(
            conn,
            access.group_id,
            kind=body.kind.value,
            name=body.name,
            topic=body.topic,
            overrides=body.model_dump(mode="json")["overrides"],
            position=body.position,
        )
        row = await channels.get_channel(conn, channel_id)
        await events.record(conn, access.group_id, "channel_created", actor_id=ctx.principal.user_id,
                            channel_id=channel_id, detail=body.kind.value)
    assert row is not None
    await ctx.services.realtime.hub.publish_to_group(access.group_id, channel_frames(row))
    return channel_out(row, role)


@router.patch("/api/channels/{channel_id}", summary="Rename, retopic, move or re-permission a channel",
              body=ChannelPatch, response=ChannelOut, errors=(PermissionDenied,))
async def update_channel(ctx: Context, body: ChannelPatch) -> ChannelOut:
    async with ctx.services.db.transaction() as conn:
        channel, access = await channel_access(conn, ctx.principal, ctx.path_id("channel_id"))
        role = access.require(Permission.MANAGE_CHANNELS)
        changes = body.model_dump(exclude_none=True, mode="json")
        position = changes.pop("position", None)
        await channels.update_channel(conn, channel["id"], changes)
        if position is not None:
            await channels.lock_group_channels(conn, access.group_id)
            await channels.move_channel(conn, access.group_id, channel["id"], position)
        # A move renumbers its neighbours too: every client gets each changed channel.
        changed = await channels.list_channels(conn, access.group_id)
        if position is None:
            changed = [r for r in changed if r["id"] == channel["id"]]
    for row in changed:
        await ctx.services.realtime.hub.publish_to_group(access.group_id, channel_frames(row))
    if "overrides" in changes:
        await ctx.services.rights.changed(RightsChanged(RightsChange.CHANNEL_CHANGED, group_id=access.group_id,
                                                        channel_id=channel["id"]))
    [row] = [r for r in changed if r["id"] == channel["id"]]
    return channel_out(row, role)


@router.delete("/api/channels/{channel_id}", summary="Delete a channel", errors=(PermissionDenied,))
async def delete_channel(ctx: Context) -> None:
    await deletion.delete_channel(ctx.services, ctx.principal, ctx.path_id("channel_id"))

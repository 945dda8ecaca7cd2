"""Pushes that follow a change of group membership, sent after the change is committed."""

from __future__ import annotations

import uuid

from control.access import can_see_channel
from control.domain.permissions import Role
from control.realtime.frames import (
    dump,
    member_joined_frames,
    member_left_frames,
    member_updated_frames,
)
from control.realtime.gateway import Realtime
from control.store import channels, groups
from control.views import channel_out, group_out
from schemas.signaling import ChannelChanged, ChannelRemoved, GroupJoined, GroupRemoved, GroupState


async def announce_joined(realtime: Realtime, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The group hears of the newcomer; the newcomer gets the group and its channels (with topics)."""
    async with realtime.db.connection() as conn:
        member = await groups.get_member(conn, group_id, user_id)
        group = await groups.get_group(conn, group_id)
        rows = await channels.list_channels(conn, group_id)
    if member is None or group is None:
        return  # gone again before we could tell anyone
    role = Role(member["role"])
    state = GroupState(group=group_out(group, role), channels=[channel_out(c, role) for c in rows if can_see_channel(role, c)])
    await realtime.hub.publish_to_user(user_id, dump(GroupJoined(group=state)))
    await realtime.hub.publish_to_group(group_id, member_joined_frames(group_id, member))


async def announce_role_changed(realtime: Realtime, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The group hears of the new role; the member gets each channel as the new role sees it
    (gone, where it may no longer look)."""
    async with realtime.db.connection() as conn:
        member = await groups.get_member(conn, group_id, user_id)
        rows = await channels.list_channels(conn, group_id)
    if member is None:
        return
    await realtime.hub.publish_to_group(group_id, member_updated_frames(group_id, member))
    role = Role(member["role"])
    for row in rows:
        frame = (ChannelChanged(channel=channel_out(row, role)) if can_see_channel(role, row)
                 else ChannelRemoved(group_id=group_id, channel_id=row["id"]))
        await realtime.hub.publish_to_user(user_id, dump(frame))


async def announce_left(realtime: Realtime, group_id: uuid.UUID, user_id: uuid.UUID, *,
                        account_deleted: bool = False) -> None:
    await realtime.hub.publish_to_group(group_id, member_left_frames(group_id, user_id, account_deleted=account_deleted))
    await realtime.hub.publish_to_user(user_id, dump(GroupRemoved(group_id=group_id)))

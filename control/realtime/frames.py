"""Builds the role-keyed frame sets the hub delivers (see control.realtime.hub)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from control.access import can_see_channel
from control.domain.permissions import Permission, Role, channel_permissions
from control.realtime.hub import EVERYONE
from control.views import channel_out, group_out, member_out
from schemas.rest import MessageOut
from schemas.signaling import (
    ChannelChanged,
    ChannelRemoved,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberUpdated,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
)

Frames = dict[str, dict[str, Any]]


def dump(frame: Any) -> dict[str, Any]:
    result: dict[str, Any] = frame.model_dump(mode="json")
    return result


def viewer_roles(overrides: Any) -> list[Role]:
    return [role for role in Role if Permission.VIEW_CHANNEL in channel_permissions(role, overrides)]


_MESSAGE_FRAMES = {"created": MessageCreated, "updated": MessageUpdated, "deleted": MessageDeleted}


def message_frames(kind: str, group_id: uuid.UUID, channel: asyncpg.Record, message: MessageOut) -> Frames:
    frame = dump(_MESSAGE_FRAMES[kind](group_id=group_id, message=message))
    return {role.value: frame for role in viewer_roles(channel["overrides"])}


def channel_frames(channel: asyncpg.Record) -> Frames:
    """The channel as each role sees it; roles that may no longer see it are told it is gone."""
    frames = {}
    for role in Role:
        if can_see_channel(role, channel):
            frames[role.value] = dump(ChannelChanged(channel=channel_out(channel, role)))
        else:
            frames[role.value] = dump(ChannelRemoved(group_id=channel["group_id"], channel_id=channel["id"]))
    return frames


def channel_removed_frames(group_id: uuid.UUID, channel_id: uuid.UUID) -> Frames:
    return {EVERYONE: dump(ChannelRemoved(group_id=group_id, channel_id=channel_id))}


def group_frames(group: asyncpg.Record) -> Frames:
    return {role.value: dump(GroupUpdated(group=group_out(group, role))) for role in Role}


def member_joined_frames(group_id: uuid.UUID, member: asyncpg.Record) -> Frames:
    return {EVERYONE: dump(MemberJoined(group_id=group_id, member=member_out(member)))}


def member_updated_frames(group_id: uuid.UUID, member: asyncpg.Record) -> Frames:
    return {EVERYONE: dump(MemberUpdated(group_id=group_id, member=member_out(member)))}


def member_left_frames(group_id: uuid.UUID, user_id: uuid.UUID, *, account_deleted: bool = False) -> Frames:
    return {EVERYONE: dump(MemberLeft(group_id=group_id, user_id=user_id, account_deleted=account_deleted))}

"""Deleting a group or a channel ends the calls in it: everyone in them is taken out in the
deleting transaction (the rows go with it), then told, and their media and TURN are cut."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from control.access import channel_access, group_access
from control.auth.tokens import Principal
from control.domain.permissions import Permission
from control.realtime.frames import channel_removed_frames, dump
from control.realtime.hub import EVERYONE
from control.rights import RightsChange, RightsChanged
from control.services import Services
from control.store import channels, events, groups, recordings
from schemas.signaling import CallRemovalReason, GroupRemoved


async def delete_group(services: Services, principal: Principal, group_id: uuid.UUID) -> None:
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        access.require(Permission.DELETE_GROUP)
        deleted = await delete_group_locked(services, conn, group_id)
    await after_group_deleted(services, deleted)


@dataclass(frozen=True)
class DeletedGroup:
    """A group deleted in a transaction, with what is left to do once it committed."""

    group_id: uuid.UUID
    evicted: list[tuple[asyncpg.Record, CallRemovalReason]]
    recording_files: list[str]


async def delete_group_locked(services: Services, conn: asyncpg.Connection, group_id: uuid.UUID) -> DeletedGroup:
    """Deletes a group whose row the caller locked, taking everyone out of its calls."""
    out = await services.calls.evict_locked(conn, group_id=group_id)
    recording_files = await recordings.storage_keys_of_group(conn, group_id)
    await groups.delete_group(conn, group_id)
    return DeletedGroup(group_id, out, recording_files)


async def after_group_deleted(services: Services, deleted: DeletedGroup) -> None:
    await services.archive.discard_files(deleted.recording_files)
    await services.realtime.hub.publish_to_group(deleted.group_id,
                                                 {EVERYONE: dump(GroupRemoved(group_id=deleted.group_id))})
    evicted = await services.calls.after_eviction(deleted.evicted)
    await services.rights.changed(RightsChanged(RightsChange.GROUP_DELETED, group_id=deleted.group_id,
                                                evicted=tuple(evicted)))


async def delete_channel(services: Services, principal: Principal, channel_id: uuid.UUID) -> None:
    async with services.db.transaction() as conn:
        channel, access = await channel_access(conn, principal, channel_id)
        access.require(Permission.MANAGE_CHANNELS)
        await channels.lock_group_channels(conn, access.group_id)
        out = await services.calls.evict_locked(conn, channel_id=channel_id)
        await events.record(conn, access.group_id, "channel_deleted", actor_id=principal.user_id,
                            channel_id=channel_id, detail=channel["kind"])
        await channels.delete_channel(conn, access.group_id, channel_id)
    await services.realtime.hub.publish_to_group(access.group_id, channel_removed_frames(access.group_id, channel_id))
    evicted = await services.calls.after_eviction(out)
    await services.rights.changed(RightsChanged(RightsChange.CHANNEL_DELETED, group_id=access.group_id,
                                                channel_id=channel_id, evicted=tuple(evicted)))

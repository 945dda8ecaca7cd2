"""Notifications people see: written once per recipient where something happens (a mention, a
call started, an invitation or its acceptance, a guest's time running out, a recording started or
filed), pushed live to the recipient's sockets, listed and marked read over REST.

Muting a group or a channel keeps its notifications (listed, flagged `muted`) but they arrive read
and are never pushed live. "Do not disturb" still pushes them (the bell counts them) with
`alert: false`, so no client raises a browser notification or plays a sound.

Rights are checked when a list is read, not when a row was written: someone removed from a group,
or from a channel's viewers, no longer sees what they were told about it.
"""

from __future__ import annotations

import uuid
from typing import Iterable

import asyncpg

from control.access import can_see_channel, channel_access, group_access
from control.auth.tokens import Principal
from control.domain.permissions import Role
from control.errors import InvalidInput, NotFound, PermissionDenied
from control.realtime.frames import dump
from control.realtime.gateway import Realtime
from control.store import channels, groups, invites
from control.store import notifications as store
from control.store.notifications import NewNotification, NotificationRow, Visible
from control.store.postgres import Database
from schemas.rest import (
    ChannelNotificationSettings,
    GroupNotificationSettings,
    NotificationKind,
    NotificationOut,
    NotificationPage,
    NotificationsQuery,
    NotificationsReadOut,
)
from schemas.signaling import Notification


def notification_out(row: NotificationRow) -> NotificationOut:
    return NotificationOut(
        id=row.id, kind=NotificationKind(row.kind), group_id=row.group_id, channel_id=row.channel_id,
        from_user_id=row.from_user_id, from_name=row.from_name, invite_code=row.invite_code,
        recording_id=row.recording_id, message_id=row.message_id, voice_channel_id=row.voice_channel_id, text=row.text,
        created_at=row.created_at,
        read=row.read_at is not None, muted=row.muted,
    )


async def _visible(conn: asyncpg.Connection, user_id: uuid.UUID) -> Visible:
    rows = await channels.channels_of_member(conn, user_id)
    return Visible(
        group_ids=await groups.group_ids_of(conn, user_id),
        channel_ids=[c["id"] for c in rows if can_see_channel(Role(c["my_role"]), c)],
        invite_codes=[i["code"] for i in await invites.pending_for(conn, user_id)],
    )


def _member(access_role: Role | None) -> None:
    if access_role is None:
        raise PermissionDenied("join the group first", code="not_a_member")


class Notifier:
    def __init__(self, db: Database, realtime: Realtime) -> None:
        self._db = db
        self._realtime = realtime

    async def notify(self, recipients: Iterable[uuid.UUID], note: NewNotification) -> int:
        """Stores `note` for each recipient and pushes it to those who did not mute it; returns
        how many were pushed."""
        user_ids = list(dict.fromkeys(recipients))
        if not user_ids:
            return 0
        async with self._db.connection() as conn:
            rows = await store.insert_for(conn, user_ids, note)
        live = [row for row in rows if not row.muted]
        statuses = await self._realtime.presence.get_many([row.user_id for row in live])
        quiet = {p.user_id for p in statuses if p.status == "dnd"}
        for row in live:
            frame = Notification(**notification_out(row).model_dump(), alert=row.user_id not in quiet)
            await self._realtime.hub.publish_to_user(row.user_id, dump(frame))
        return len(live)

    async def page(self, principal: Principal, query: NotificationsQuery) -> NotificationPage:
        async with self._db.connection() as conn:
            before = None
            if query.before is not None:
                before = await store.get(conn, principal.user_id, query.before)
                if before is None:
                    raise InvalidInput("`before` is not one of your notifications", code="invalid_cursor")
            visible = await _visible(conn, principal.user_id)
            rows = await store.page(conn, principal.user_id, visible, group_id=query.group_id, before=before,
                                    limit=query.limit + 1)
            unread = await store.unread_count(conn, principal.user_id, visible)
        shown = rows[:query.limit]
        return NotificationPage(notifications=[notification_out(r) for r in shown], unread_count=unread,
                                next_before=shown[-1].id if len(rows) > query.limit else None)

    async def mark_read(self, principal: Principal, notification_id: uuid.UUID | None,
                        group_id: uuid.UUID | None) -> NotificationsReadOut:
        """One notification (the caller's own), one group's, or all."""
        async with self._db.transaction() as conn:
            if notification_id is not None and await store.get(conn, principal.user_id, notification_id) is None:
                raise NotFound("no such notification", code="notification_not_found")
            marked = await store.mark_read(conn, principal.user_id, notification_id=notification_id,
                                           group_id=group_id)
            unread = await store.unread_count(conn, principal.user_id, await _visible(conn, principal.user_id))
        return NotificationsReadOut(marked=marked, unread_count=unread)

    async def group_settings(self, principal: Principal, group_id: uuid.UUID,
                             muted: bool | None = None) -> GroupNotificationSettings:
        """The caller's mutes in a group they are in; `muted` given: (un)mutes the group first."""
        async with self._db.transaction() as conn:
            _member((await group_access(conn, principal, group_id)).role)
            if muted is not None:
                await store.set_mute(conn, principal.user_id, group_id, None, muted)
            whole, muted_channels = await store.mutes_in_group(conn, principal.user_id, group_id)
        return GroupNotificationSettings(group_id=group_id, muted=whole, muted_channel_ids=muted_channels)

    async def channel_settings(self, principal: Principal, channel_id: uuid.UUID,
                               muted: bool | None = None) -> ChannelNotificationSettings:
        """Whether the caller muted a channel they see; `muted` given: (un)mutes it first."""
        async with self._db.transaction() as conn:
            channel, _ = await channel_access(conn, principal, channel_id)
            if muted is not None:
                await store.set_mute(conn, principal.user_id, channel["group_id"], channel_id, muted)
            _, muted_channels = await store.mutes_in_group(conn, principal.user_id, channel["group_id"])
        return ChannelNotificationSettings(channel_id=channel_id, muted=channel_id in muted_channels)

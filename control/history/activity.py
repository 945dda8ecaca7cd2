"""A group's activity feed: joins, departures, invites, channels, roles, calls and recordings."""

from __future__ import annotations

import uuid

import asyncpg

from control.auth.tokens import Principal
from control.domain.permissions import Permission, channel_permissions, has_permission
from control.history import cursors
from control.history.viewer import Viewer, viewer_of
from control.store import events
from control.store.postgres import Database
from schemas.rest import ActivityQuery, GroupActivityPage, GroupEventOut


def _visible(viewer: Viewer, row: asyncpg.Record) -> bool:
    """An event about a channel shows to those who may view that channel; about a deleted one
    (whose permissions are gone with it), to those who manage channels."""
    if row["channel_id"] is None:
        return True
    if row["channel_gone"]:
        return has_permission(viewer.role, Permission.MANAGE_CHANNELS)
    return has_permission(viewer.role, Permission.MANAGE_CHANNELS) or Permission.VIEW_CHANNEL in channel_permissions(
        viewer.role, row["channel_overrides"])


def _event_out(row: asyncpg.Record) -> GroupEventOut:
    return GroupEventOut(id=cursors.encode_event(row["id"]), kind=row["kind"], at=row["at"], actor_id=row["actor_id"],
                         actor_name=row["actor_name"], subject_id=row["subject_id"],
                         subject_name=row["subject_name"], channel_id=row["channel_id"],
                         channel_name=row["channel_name"], detail=row["detail"])


async def page(db: Database, principal: Principal, group_id: uuid.UUID, query: ActivityQuery) -> GroupActivityPage:
    before = cursors.decode_event(query.before) if query.before else None
    kind = query.kind.value if query.kind else None
    shown: list[asyncpg.Record] = []
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
        # Hidden events are skipped, so a page may take more than one read to fill.
        while len(shown) <= query.limit:
            rows = await events.page(conn, group_id, kind=kind, before=before, limit=2 * query.limit + 1)
            shown += [r for r in rows if _visible(viewer, r)]
            if len(rows) < 2 * query.limit + 1:
                break
            before = rows[-1]["id"]
    more = len(shown) > query.limit
    shown = shown[:query.limit]
    return GroupActivityPage(events=[_event_out(r) for r in shown],
                             next=cursors.encode_event(shown[-1]["id"]) if more else None)

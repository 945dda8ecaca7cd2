"""A group's activity feed: joins, departures, invites, channels, roles, calls and recordings."""

from __future__ import annotations

import uuid

import asyncpg

from control.auth.tokens import Principal
from control.domain.permissions import Permission, has_permission
from control.history import cursors
from control.history.viewer import Viewer, viewer_of
from control.store import events
from control.store.postgres import Database
from schemas.rest import ActivityQuery, GroupActivityPage, GroupEventOut


# Events only those who handle the matter may see: a ban's reason and who banned whom, who
# invited whom with which link.
_RESTRICTED = {"member_banned": Permission.REMOVE_MEMBERS, "invite_created": Permission.MANAGE_INVITES,
               "invite_used": Permission.MANAGE_INVITES}


def _hidden_kinds(viewer: Viewer) -> list[str]:
    return [kind for kind, needed in _RESTRICTED.items() if not has_permission(viewer.role, needed)]


def _channel_ids(viewer: Viewer) -> list[uuid.UUID] | None:
    """An event about a channel shows to those who may view that channel; about a deleted one
    (whose permissions are gone with it), to those who manage channels (None: they see all)."""
    return None if has_permission(viewer.role, Permission.MANAGE_CHANNELS) else viewer.channel_ids


def _event_out(row: asyncpg.Record) -> GroupEventOut:
    return GroupEventOut(id=cursors.encode_event(row["id"]), kind=row["kind"], at=row["at"], actor_id=row["actor_id"],
                         actor_name=row["actor_name"], subject_id=row["subject_id"],
                         subject_name=row["subject_name"], channel_id=row["channel_id"],
                         channel_name=row["channel_name"], detail=row["detail"])


async def page(db: Database, principal: Principal, group_id: uuid.UUID, query: ActivityQuery) -> GroupActivityPage:
    before = cursors.decode_event(query.before) if query.before else None
    kind = query.kind.value if query.kind else None
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
        # Filtered in SQL: one read fills a page, however much of the feed is hidden from this viewer.
        rows = await events.page(conn, group_id, kind=kind, before=before, limit=query.limit + 1,
                                 hidden_kinds=_hidden_kinds(viewer), channel_ids=_channel_ids(viewer))
    shown = rows[:query.limit]
    return GroupActivityPage(events=[_event_out(r) for r in shown],
                             next=cursors.encode_event(shown[-1]["id"]) if len(rows) > query.limit else None)

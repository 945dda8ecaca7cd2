"""A group's calls, newest first: who was in each, for how long, how (P2P or SFU, relayed or
not), how well, and what was recorded."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import asyncpg

from control.auth.tokens import Principal
from control.errors import InvalidInput
from control.history import cursors
from control.history.viewer import viewer_of
from control.store import history
from control.store.postgres import Database
from schemas.rest import CallHistoryPage, CallHistoryQuery, CallRecordOut


def call_record_out(row: asyncpg.Record) -> CallRecordOut:
    return CallRecordOut.model_validate(dict(row))


def utc(when: datetime | None) -> datetime | None:
    """A time given without a zone is taken as UTC (as every time in the API is)."""
    return when.replace(tzinfo=timezone.utc) if when is not None and when.tzinfo is None else when


def time_range(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    since, until = utc(since), utc(until)
    if since is not None and until is not None and since >= until:
        raise InvalidInput("`since` must be before `until`", code="invalid_range")
    return since, until


async def page(db: Database, principal: Principal, group_id: uuid.UUID, query: CallHistoryQuery) -> CallHistoryPage:
    since, until = time_range(query.since, query.until)
    before = cursors.decode_call(query.before) if query.before else None
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
        f = history.CallFilter(group_id, viewer.narrow_to(query.channel_id), since, until,
                               query.participant_id)
        rows = await history.calls_page(conn, f, before=before, limit=query.limit + 1)
    shown = rows[:query.limit]
    more = len(rows) > query.limit
    return CallHistoryPage(calls=[call_record_out(r) for r in shown],
                           next=cursors.encode_call(shown[-1]["started_at"], shown[-1]["id"]) if more else None)

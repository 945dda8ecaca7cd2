"""A group's activity feed (group_events), written where each thing happens, in its transaction."""

from __future__ import annotations

import uuid
import asyncpg

_COLUMNS = (
    "e.id, e.kind, e.at, e.actor_id, a.display_name AS actor_name, e.subject_id, s.display_name AS subject_name,"
    " e.channel_id, coalesce(ch.name, e.channel_name) AS channel_name, e.detail"
)


async def record(conn: asyncpg.Connection, group_id: uuid.UUID, kind: str, *, actor_id: uuid.UUID | None = None,
                 subject_id: uuid.UUID | None = None, channel_id: uuid.UUID | None = None,
                 detail: str = "") -> None:
    """The channel's name is kept with the event: it outlives a deleted channel."""
    await conn.execute(
        "INSERT INTO group_events (group_id, kind, actor_id, subject_id, channel_id, channel_name, detail)"
        " VALUES ($1, $2, $3, $4, $5, (SELECT name FROM channels WHERE id = $5), $6)",
        group_id, kind, actor_id, subject_id, channel_id, detail,
    )


async def page(conn: asyncpg.Connection, group_id: uuid.UUID, *, kind: str | None, before: int | None,
               limit: int, hidden_kinds: list[str], channel_ids: list[uuid.UUID] | None) -> list[asyncpg.Record]:
    """Newest first, by id (ids grow with time and break ties). Leaves out `hidden_kinds`, and, unless
    `channel_ids` is None (the viewer sees every channel), events about other channels or deleted ones."""
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM group_events e LEFT JOIN users a ON a.id = e.actor_id"
        " LEFT JOIN users s ON s.id = e.subject_id LEFT JOIN channels ch ON ch.id = e.channel_id"
        " WHERE e.group_id = $1 AND ($2::text IS NULL OR e.kind = $2) AND ($3::bigint IS NULL OR e.id < $3)"
        " AND e.kind <> ALL($5::text[])"
        " AND (e.channel_id IS NULL OR $6::uuid[] IS NULL OR (ch.id IS NOT NULL AND e.channel_id = ANY($6::uuid[])))"
        " ORDER BY e.id DESC LIMIT $4",
        group_id, kind, before, limit, hidden_kinds, channel_ids,
    )

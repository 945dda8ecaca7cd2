"""Attempts to join a call and how they ended (call_join_attempts)."""

from __future__ import annotations

import uuid

import asyncpg


async def record(conn: asyncpg.Connection, *, group_id: uuid.UUID, channel_id: uuid.UUID, call_id: uuid.UUID | None,
                 user_id: uuid.UUID, reason: str | None, detail: str = "") -> None:
    """reason None: the server let them in."""
    await conn.execute(
        "INSERT INTO call_join_attempts (group_id, channel_id, call_id, user_id, ok, reason, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        group_id, channel_id, call_id, user_id, reason is None, reason, detail,
    )


async def fail_recent_success(conn: asyncpg.Connection, *, user_id: uuid.UUID, channel_id: uuid.UUID,
                              call_id: uuid.UUID | None, within_s: int, reason: str, detail: str) -> bool:
    """A client whose media never connected after the server let it in: that join failed. Only a
    join of the last `within_s` seconds (of `call_id` when given, else of any call in the channel
    that the person did not go on to leave of their own accord) is one the report can be about.
    False when there is none to mark."""
    marked = await conn.fetchval(
        "UPDATE call_join_attempts SET ok = false, reason = $5, detail = $6 WHERE id = ("
        " SELECT a.id FROM call_join_attempts a WHERE a.user_id = $1 AND a.channel_id = $2"
        " AND a.ok AND a.at > now() - make_interval(secs => $4) AND CASE WHEN $3::uuid IS NULL"
        "  THEN NOT EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = a.call_id AND p.user_id = $1"
        "   AND p.left_reason = 'left') ELSE a.call_id = $3 END"
        " ORDER BY a.id DESC LIMIT 1"
        ") RETURNING id",
        user_id, channel_id, call_id, within_s, reason, detail,
    )
    return marked is not None


async def has_failed(conn: asyncpg.Connection, call_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM call_join_attempts WHERE call_id = $1 AND user_id = $2"
                                " AND NOT ok)", call_id, user_id)
    return bool(found)

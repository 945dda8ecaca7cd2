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


async def fail_latest_success(conn: asyncpg.Connection, call_id: uuid.UUID, user_id: uuid.UUID, reason: str,
                              detail: str) -> bool:
    """A client whose media never connected after the server let it in: that join failed.
    False when there is no such join to mark (the report then counts as an attempt of its own)."""
    marked = await conn.fetchval(
        "UPDATE call_join_attempts SET ok = false, reason = $3, detail = $4 WHERE id = ("
        " SELECT id FROM call_join_attempts WHERE call_id = $1 AND user_id = $2 AND ok ORDER BY id DESC LIMIT 1"
        ") RETURNING id",
        call_id, user_id, reason, detail,
    )
    return marked is not None

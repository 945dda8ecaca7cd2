"""Group bans in PostgreSQL: who may not come back, why, and who said so."""

from __future__ import annotations

import uuid

import asyncpg

_COLUMNS = "b.user_id, u.username, u.display_name, b.reason, b.banned_by, b.created_at"


async def ban(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID, by: uuid.UUID,
              reason: str) -> asyncpg.Record:
    """Bans the user (a second ban updates the reason); returns the ban."""
    await conn.execute(
        "INSERT INTO group_bans (group_id, user_id, banned_by, reason) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (group_id, user_id) DO UPDATE SET reason = EXCLUDED.reason, banned_by = EXCLUDED.banned_by",
        group_id, user_id, by, reason,
    )
    row = await get_ban(conn, group_id, user_id)
    assert row is not None
    return row


async def get_ban(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM group_bans b JOIN users u ON u.id = b.user_id WHERE b.group_id = $1 AND b.user_id = $2",
        group_id, user_id,
    )


async def is_banned(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM group_bans WHERE group_id = $1 AND user_id = $2)", group_id, user_id))


async def list_bans(conn: asyncpg.Connection, group_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM group_bans b JOIN users u ON u.id = b.user_id WHERE b.group_id = $1"
        " ORDER BY b.created_at DESC, b.user_id",
        group_id,
    )


async def lift(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(
        "DELETE FROM group_bans WHERE group_id = $1 AND user_id = $2 RETURNING true", group_id, user_id))

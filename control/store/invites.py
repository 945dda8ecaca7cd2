"""Invite links in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

_COLUMNS = "code, group_id, role, created_by, created_at, expires_at, max_uses, uses, revoked_at, invitee_id"


async def insert_invite(
    conn: asyncpg.Connection,
    *,
    code: str,
    group_id: uuid.UUID,
    role: str,
    created_by: uuid.UUID,
    expires_at: datetime | None,
    max_uses: int | None,
    invitee_id: uuid.UUID | None = None,
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        "INSERT INTO invites (code, group_id, role, created_by, expires_at, max_uses, invitee_id)"
        f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
        code, group_id, role, created_by, expires_at, max_uses, invitee_id,
    )
    return row


async def get_invite(conn: asyncpg.Connection, code: str, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM invites WHERE code = $1{suffix}", code)


async def list_invites(
    conn: asyncpg.Connection, group_id: uuid.UUID, created_by: uuid.UUID | None
) -> list[asyncpg.Record]:
    """The group's live and past invites, newest first; only one creator's when `created_by` is set."""
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM invites WHERE group_id = $1 AND ($2::uuid IS NULL OR created_by = $2)"
        " ORDER BY created_at DESC, code",
        group_id, created_by,
    )


async def count_use(conn: asyncpg.Connection, code: str) -> None:
    await conn.execute("UPDATE invites SET uses = uses + 1 WHERE code = $1", code)


async def revoke_invite(conn: asyncpg.Connection, code: str) -> None:
    await conn.execute("UPDATE invites SET revoked_at = now() WHERE code = $1 AND revoked_at IS NULL", code)


async def pending_for(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """Usable invitations addressed to the user, for groups they are not in, newest first."""
    return await conn.fetch(
        f"SELECT {', '.join('i.' + c for c in _COLUMNS.split(', '))}, g.name AS group_name FROM invites i"
        " JOIN groups g ON g.id = i.group_id WHERE i.invitee_id = $1 AND i.revoked_at IS NULL"
        " AND (i.expires_at IS NULL OR i.expires_at > now()) AND (i.max_uses IS NULL OR i.uses < i.max_uses)"
        " AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = i.group_id AND m.user_id = $1)"
        " AND NOT EXISTS (SELECT 1 FROM group_bans b WHERE b.group_id = i.group_id AND b.user_id = $1)"
        " ORDER BY i.created_at DESC, i.code",
        user_id,
    )

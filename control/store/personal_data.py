"""What PostgreSQL holds about one person, read for their export, and the account's removal."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import AsyncIterator

import asyncpg


async def profile(conn: asyncpg.Connection, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, username, display_name, email, email_verified, avatar_url, password_hash IS NOT NULL AS has_password,"
        " guest_group_id, created_at FROM users WHERE id = $1",
        user_id,
    )


async def identities(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT provider, subject, name, email, avatar_url, linked_at FROM oauth_identities WHERE user_id = $1"
        " ORDER BY provider, subject",
        user_id,
    )


async def sign_ins(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """One row per refresh-token family; the token hashes stay in the database."""
    return await conn.fetch(
        "SELECT family_id AS sign_in_id, min(created_at) AS started_at, max(created_at) AS last_refreshed_at,"
        " max(expires_at) AS expires_at, max(revoked_at) AS revoked_at FROM refresh_tokens WHERE user_id = $1"
        " GROUP BY family_id ORDER BY min(created_at), family_id",
        user_id,
    )


async def sign_in_age(conn: asyncpg.Connection, sign_in_id: uuid.UUID) -> timedelta | None:
    """How long ago the sign-in began (its first refresh token; later ones are refreshes)."""
    return await conn.fetchval(
        "SELECT now() - min(created_at) FROM refresh_tokens WHERE family_id = $1", sign_in_id)


async def memberships(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT m.group_id, g.name AS group_name, m.role, m.joined_at FROM group_members m"
        " JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY m.joined_at, m.group_id",
        user_id,
    )


async def call_participations(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT p.call_id, c.group_id, c.channel_id, p.joined_at, p.left_at, p.left_reason, p.audio, p.video,"
        " p.screen, p.media_path, p.rtt_ms FROM call_participants p JOIN calls c ON c.id = p.call_id"
        " WHERE p.user_id = $1 ORDER BY p.joined_at, p.id",
        user_id,
    )


async def invites_created(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT group_id, role, invitee_id, created_at, expires_at, max_uses, uses, revoked_at FROM invites"
        " WHERE created_by = $1 ORDER BY created_at, code",
        user_id,
    )


async def bans(conn: asyncpg.Connection, *, banned_by: uuid.UUID | None = None,
               user_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT group_id, user_id, banned_by, reason, created_at FROM group_bans"
        " WHERE ($1::uuid IS NULL OR banned_by = $1) AND ($2::uuid IS NULL OR user_id = $2)"
        " ORDER BY created_at, group_id, user_id",
        banned_by, user_id,
    )


async def recordings_started(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, group_id, channel_id, call_id, title, state, started_at, stopped_at, duration_s, size_bytes,"
        " quality, note FROM recordings WHERE started_by = $1 ORDER BY started_at, id",
        user_id,
    )


async def recording_consents(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT recording_id, display_name, consent, decided_at FROM recording_participants WHERE user_id = $1"
        " ORDER BY recording_id",
        user_id,
    )


async def notifications(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, kind, group_id, channel_id, voice_channel_id, from_user_id, message_id, recording_id, text, muted,"
        " created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at, id",
        user_id,
    )


async def notification_mutes(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT group_id, channel_id FROM notification_mutes WHERE user_id = $1 ORDER BY group_id, channel_id",
        user_id,
    )


async def messages(conn: asyncpg.Connection, user_id: uuid.UUID, batch: int) -> AsyncIterator[list[asyncpg.Record]]:
    """Every message the person wrote, oldest first, `batch` rows at a time from a server-side
    cursor (the caller holds a transaction): memory stays flat however many there are."""
    cursor = conn.cursor(
        "SELECT m.id, ch.group_id, m.channel_id, ch.name AS channel_name, m.body, m.mentions, m.created_at,"
        " m.edited_at, m.deleted_at FROM messages m JOIN channels ch ON ch.id = m.channel_id"
        " WHERE m.author_id = $1 ORDER BY m.created_at, m.id",
        user_id, prefetch=batch,
    )
    rows: list[asyncpg.Record] = []
    async for row in cursor:
        rows.append(row)
        if len(rows) == batch:
            yield rows
            rows = []
    if rows:
        yield rows


async def lock_groups_of(conn: asyncpg.Connection, user_id: uuid.UUID) -> None:
    """Locks every group the person is a member of, in id order: a transfer, a role change or a
    removal in any of them waits for the deletion, or the deletion for it."""
    await conn.execute("SELECT g.id FROM groups g JOIN group_members m ON m.group_id = g.id AND m.user_id = $1"
                       " ORDER BY g.id FOR UPDATE OF g", user_id)


async def owned_groups(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """The groups the person owns, locked (in id order, as every group lock is taken one at a time)."""
    return await conn.fetch(
        "SELECT id, name FROM groups WHERE owner_id = $1 ORDER BY id FOR UPDATE", user_id)


async def delete_user(conn: asyncpg.Connection, user_id: uuid.UUID) -> bool:
    """Removes the account; what references it follows control/account/references.py."""
    return bool(await conn.fetchval("DELETE FROM users WHERE id = $1 RETURNING true", user_id))

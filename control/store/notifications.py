"""Notifications and per-person mutes in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

_COLUMNS = ("id, user_id, kind, group_id, channel_id, voice_channel_id, from_user_id, message_id, recording_id,"
            " invite_code, text, muted, created_at, read_at")


@dataclass(frozen=True)
class NewNotification:
    kind: str
    group_id: uuid.UUID
    from_user_id: uuid.UUID | None
    channel_id: uuid.UUID | None = None
    voice_channel_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    recording_id: uuid.UUID | None = None
    invite_code: str | None = None
    text: str = ""


@dataclass(frozen=True)
class NotificationRow:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    group_id: uuid.UUID
    channel_id: uuid.UUID | None
    voice_channel_id: uuid.UUID | None
    from_user_id: uuid.UUID | None
    message_id: uuid.UUID | None
    recording_id: uuid.UUID | None
    invite_code: str | None
    text: str
    muted: bool
    created_at: datetime
    read_at: datetime | None
    # The sender's display name now (so a client need not know them).
    from_name: str | None


@dataclass(frozen=True)
class Visible:
    """What a reader may see now: notifications of these groups (in these channels, or of no
    channel), and invitations still pending for them."""

    group_ids: list[uuid.UUID]
    channel_ids: list[uuid.UUID]
    invite_codes: list[str]


# Each row with its sender's name (the notifications named `n`).
_WITH_NAME = ", u.display_name AS from_name"
_SENDER = " LEFT JOIN users u ON u.id = n.from_user_id"


def _row(record: asyncpg.Record) -> NotificationRow:
    return NotificationRow(**dict(record))


async def insert_for(conn: asyncpg.Connection, user_ids: list[uuid.UUID], note: NewNotification) -> list[NotificationRow]:
    """One row per recipient; a recipient who muted the group or the channel gets it muted and read.
    A recipient who has not yet read a call_started for the same call gets no second one."""
    rows = await conn.fetch(
        "WITH n AS (INSERT INTO notifications (user_id, kind, group_id, channel_id, voice_channel_id, from_user_id, message_id,"
        " recording_id, invite_code, text, muted, read_at)"
        " SELECT u, $2, $3, $4, $5, $6, $7, $8, $9, $10, m.muted, CASE WHEN m.muted THEN now() END"
        " FROM unnest($1::uuid[]) AS u CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM notification_mutes x"
        "  WHERE x.user_id = u AND x.group_id = $3 AND (x.channel_id IS NULL OR x.channel_id = $4)) AS muted) m"
        " WHERE $2 <> 'call_started' OR NOT EXISTS (SELECT 1 FROM notifications o WHERE o.user_id = u"
        "  AND o.kind = 'call_started' AND o.read_at IS NULL AND o.channel_id = $4"
        "  AND o.voice_channel_id IS NOT DISTINCT FROM $5)"
        f" RETURNING {_COLUMNS}) SELECT n.*{_WITH_NAME} FROM n{_SENDER}",
        user_ids, note.kind, note.group_id, note.channel_id, note.voice_channel_id, note.from_user_id,
        note.message_id, note.recording_id, note.invite_code, note.text,
    )
    return [_row(r) for r in rows]


# Rows the reader may see ($1 the reader, $2 groups, $3 channels, $4 pending invitation codes),
# from `notifications n LEFT JOIN messages m` (_FROM): a mention of a message since deleted is gone.
_VISIBLE = (
    "n.user_id = $1 AND (CASE WHEN n.kind = 'group_invite' THEN n.invite_code = ANY($4::text[])"
    " ELSE n.group_id = ANY($2::uuid[]) AND (n.channel_id IS NULL OR n.channel_id = ANY($3::uuid[]))"
    " AND (n.voice_channel_id IS NULL OR n.voice_channel_id = ANY($3::uuid[])) END) AND m.deleted_at IS NULL"
)
_FROM = f"notifications n LEFT JOIN messages m ON m.id = n.message_id{_SENDER}"
# A mention reads as its message does now (edited since, perhaps).
_LISTED = ", ".join("COALESCE(left(m.body, 200), n.text) AS text" if c == "text" else f"n.{c}"
                    for c in _COLUMNS.split(", "))


async def page(conn: asyncpg.Connection, user_id: uuid.UUID, visible: Visible, *, group_id: uuid.UUID | None,
               before: NotificationRow | None, limit: int) -> list[NotificationRow]:
    """Newest first, after `before` (a row of the previous page)."""
    rows = await conn.fetch(
        f"SELECT {_LISTED}{_WITH_NAME} FROM {_FROM} WHERE {_VISIBLE} AND ($5::uuid IS NULL OR n.group_id = $5)"
        " AND ($6::timestamptz IS NULL OR (n.created_at, n.id) < ($6, $7::uuid))"
        " ORDER BY n.created_at DESC, n.id DESC LIMIT $8",
        user_id, visible.group_ids, visible.channel_ids, visible.invite_codes, group_id,
        before.created_at if before else None, before.id if before else None, limit,
    )
    return [_row(r) for r in rows]


async def unread_count(conn: asyncpg.Connection, user_id: uuid.UUID, visible: Visible) -> int:
    count: int = await conn.fetchval(
        f"SELECT count(*) FROM {_FROM} WHERE {_VISIBLE} AND n.read_at IS NULL",
        user_id, visible.group_ids, visible.channel_ids, visible.invite_codes,
    )
    return count


async def get(conn: asyncpg.Connection, user_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationRow | None:
    columns = ", ".join(f"n.{c}" for c in _COLUMNS.split(", "))
    row = await conn.fetchrow(f"SELECT {columns}{_WITH_NAME} FROM notifications n{_SENDER}"
                              " WHERE n.id = $1 AND n.user_id = $2", notification_id, user_id)
    return _row(row) if row is not None else None


async def mark_read(conn: asyncpg.Connection, user_id: uuid.UUID, *, notification_id: uuid.UUID | None = None,
                    group_id: uuid.UUID | None = None) -> int:
    """Marks one, one group's, or all of the user's notifications read; returns how many changed."""
    status: str = await conn.execute(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL"
        " AND ($2::uuid IS NULL OR id = $2) AND ($3::uuid IS NULL OR group_id = $3)",
        user_id, notification_id, group_id,
    )
    return int(status.split()[-1])


async def set_mute(conn: asyncpg.Connection, user_id: uuid.UUID, group_id: uuid.UUID, channel_id: uuid.UUID | None,
                   muted: bool) -> None:
    if muted:
        await conn.execute("INSERT INTO notification_mutes (user_id, group_id, channel_id) VALUES ($1, $2, $3)"
                           " ON CONFLICT DO NOTHING", user_id, group_id, channel_id)
    else:
        await conn.execute("DELETE FROM notification_mutes WHERE user_id = $1 AND group_id = $2"
                           " AND channel_id IS NOT DISTINCT FROM $3", user_id, group_id, channel_id)


async def mutes_in_group(conn: asyncpg.Connection, user_id: uuid.UUID,
                         group_id: uuid.UUID) -> tuple[bool, list[uuid.UUID]]:
    """Whether the whole group is muted, and which of its channels are."""
    rows = await conn.fetch("SELECT channel_id FROM notification_mutes WHERE user_id = $1 AND group_id = $2"
                            " ORDER BY channel_id NULLS FIRST", user_id, group_id)
    return any(r["channel_id"] is None for r in rows), [r["channel_id"] for r in rows if r["channel_id"] is not None]

"""Channels of a group, kept in a dense 0..n-1 order."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

_COLUMNS = "id, group_id, kind, name, topic, position, overrides, last_seq"


async def list_channels(conn: asyncpg.Connection, group_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {_COLUMNS} FROM channels WHERE group_id = $1 ORDER BY position, id", group_id)


async def get_channel(conn: asyncpg.Connection, channel_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM channels WHERE id = $1", channel_id)


async def get_channels(conn: asyncpg.Connection, channel_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {_COLUMNS} FROM channels WHERE id = ANY($1::uuid[])", channel_ids)


async def get_channel_for(conn: asyncpg.Connection, channel_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    """The channel with the user's role in its group (`my_role`, null for non-members)."""
    return await conn.fetchrow(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS.split(', '))}, m.role AS my_role FROM channels c"
        " LEFT JOIN group_members m ON m.group_id = c.group_id AND m.user_id = $2 WHERE c.id = $1",
        channel_id, user_id,
    )


async def insert_channel(
    conn: asyncpg.Connection,
    group_id: uuid.UUID,
    *,
    kind: str,
    name: str,
    topic: str,
    overrides: dict[str, Any],
    position: int | None,
) -> uuid.UUID:
    count = await conn.fetchval("SELECT count(*) FROM channels WHERE group_id = $1", group_id)
    channel_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO channels (group_id, kind, name, topic, overrides, position) VALUES ($1, $2, $3, $4, $5, $6)"
        " RETURNING id",
        group_id, kind, name, topic, overrides, count,
    )
    if position is not None:
        await move_channel(conn, group_id, channel_id, position)
    return channel_id


async def move_channel(conn: asyncpg.Connection, group_id: uuid.UUID, channel_id: uuid.UUID, position: int) -> None:
    """Puts the channel at `position` (clamped to the end) and renumbers the rest densely."""
    ids = [r["id"] for r in await list_channels(conn, group_id) if r["id"] != channel_id]
    ids.insert(min(position, len(ids)), channel_id)
    await _renumber(conn, ids)


async def update_channel(conn: asyncpg.Connection, channel_id: uuid.UUID, changes: dict[str, Any]) -> None:
    if not changes:
        return
    # Column names come from the validated body model's field names, never from raw input.
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    await conn.execute(f"UPDATE channels SET {assignments} WHERE id = $1", channel_id, *changes.values())


async def delete_channel(conn: asyncpg.Connection, group_id: uuid.UUID, channel_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM channels WHERE id = $1", channel_id)
    await _renumber(conn, [r["id"] for r in await list_channels(conn, group_id)])


async def lock_group_channels(conn: asyncpg.Connection, group_id: uuid.UUID) -> None:
    """Serialises reorders within one group so positions stay dense."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1::text))", f"channels:{group_id}")


async def _renumber(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
    await conn.execute(
        # WITH ORDINALITY counts from 1; positions count from 0.
        "UPDATE channels c SET position = o.position - 1 FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, position)"
        " WHERE c.id = o.id",
        [*ids],
    )


async def channels_of_member(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every channel of every group the user is in, with the user's role there (`my_role`)."""
    return await conn.fetch(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS.split(', '))}, m.role AS my_role FROM channels c"
        " JOIN group_members m ON m.group_id = c.group_id AND m.user_id = $1",
        user_id,
    )

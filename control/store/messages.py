"""Text messages in PostgreSQL, ordered by a per-channel counter."""

from __future__ import annotations

import uuid

import asyncpg

_COLUMNS = (
    "id, channel_id, author_id, client_id, seq, version, body, mentions, created_at, edited_at, deleted_at"
)


async def _next_seq(conn: asyncpg.Connection, channel_id: uuid.UUID) -> int:
    # The row lock this takes orders concurrent writers of one channel.
    seq: int = await conn.fetchval("UPDATE channels SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
                                   channel_id)
    return seq


async def find_by_client_id(conn: asyncpg.Connection, author_id: uuid.UUID, client_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM messages WHERE author_id = $1 AND client_id = $2",
                               author_id, client_id)


async def insert_messages(conn: asyncpg.Connection, channel_id: uuid.UUID,
                          new: list[tuple[uuid.UUID, str, str, list[uuid.UUID]]]) -> list[asyncpg.Record]:
    """Inserts (author, client id, body, mentions) rows in their order with consecutive seqs; returns
    the rows inserted. A client id its author already used is skipped (a retry): its seq stays a
    gap, which readers see, look up and find nothing in, harmlessly.

    One statement, so the channel's row lock (which orders its writers) is held for as short a
    time as possible, and one commit covers the whole batch."""
    return await conn.fetch(
        "WITH seq AS (UPDATE channels SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq - $2 AS base)"
        " INSERT INTO messages (channel_id, author_id, client_id, seq, version, body, mentions)"
        " SELECT $1, r.author_id, r.client_id, seq.base + r.n, seq.base + r.n, r.body,"
        "  coalesce(string_to_array(nullif(r.mentions, ''), ',')::uuid[], '{}')"
        " FROM seq, unnest($3::uuid[], $4::text[], $5::text[], $6::text[])"
        "  WITH ORDINALITY AS r(author_id, client_id, body, mentions, n)"
        " ORDER BY r.n"
        f" ON CONFLICT (author_id, client_id) DO NOTHING RETURNING {_COLUMNS}",
        channel_id, len(new), [n[0] for n in new], [n[1] for n in new], [n[2] for n in new],
        [",".join(str(m) for m in n[3]) for n in new],
    )


async def get_message(conn: asyncpg.Connection, message_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM messages WHERE id = $1{suffix}", message_id)


async def edit_message(conn: asyncpg.Connection, message: asyncpg.Record, body: str,
                       mentions: list[uuid.UUID]) -> asyncpg.Record:
    version = await _next_seq(conn, message["channel_id"])
    row: asyncpg.Record = await conn.fetchrow(
        f"UPDATE messages SET body = $2, mentions = $3, version = $4, edited_at = now() WHERE id = $1"
        f" RETURNING {_COLUMNS}",
        message["id"], body, mentions, version,
    )
    return row


async def delete_message(conn: asyncpg.Connection, message: asyncpg.Record) -> asyncpg.Record:
    """Leaves a tombstone (no body) so readers resuming after a reconnect learn of the deletion."""
    version = await _next_seq(conn, message["channel_id"])
    row: asyncpg.Record = await conn.fetchrow(
        f"UPDATE messages SET body = '', mentions = '{{}}', version = $2, deleted_at = now() WHERE id = $1"
        f" RETURNING {_COLUMNS}",
        message["id"], version,
    )
    return row


async def history(conn: asyncpg.Connection, channel_id: uuid.UUID, *, before_seq: int | None,
                  limit: int) -> list[asyncpg.Record]:
    """Live messages before `before_seq` (or the newest), newest first."""
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM messages WHERE channel_id = $1 AND deleted_at IS NULL"
        " AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3",
        channel_id, before_seq, limit,
    )


async def changes_after(conn: asyncpg.Connection, channel_id: uuid.UUID, *, after_version: int,
                        limit: int) -> list[asyncpg.Record]:
    """Every message created, edited or deleted after `after_version`, in the order it happened."""
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM messages WHERE channel_id = $1 AND version > $2 ORDER BY version LIMIT $3",
        channel_id, after_version, limit,
    )

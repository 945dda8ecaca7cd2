"""Recordings of calls and their participants (with their consent) in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg

from control.store import events

State = Literal["recording", "finalizing", "ready", "failed"]
Consent = Literal["pending", "accepted", "declined"]


@dataclass(frozen=True)
class RecordingRow:
    id: uuid.UUID
    group_id: uuid.UUID
    channel_id: uuid.UUID | None
    call_id: uuid.UUID | None
    title: str
    state: State
    started_by: uuid.UUID | None
    stopped_by: uuid.UUID | None
    started_at: datetime
    stopped_at: datetime | None
    duration_s: float | None
    size_bytes: int | None
    storage_key: str | None
    node: str | None
    quality: dict[str, Any]
    note: str


@dataclass(frozen=True)
class ParticipantRow:
    recording_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    consent: Consent
    decided_at: datetime | None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's start and id (rows are ordered newest first)."""

    started_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Search:
    """What a list asks for. `channel_ids` are the channels the reader may see; `orphans`: also
    recordings whose channel was deleted."""

    group_id: uuid.UUID | None = None
    channel_ids: list[uuid.UUID] | None = None
    orphans: bool = True
    title: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    participant: uuid.UUID | None = None
    channel_id: uuid.UUID | None = None
    after: Cursor | None = None
    limit: int = 50


_COLUMNS = ("r.id, r.group_id, r.channel_id, r.call_id, r.title, r.state, r.started_by, r.stopped_by, r.started_at,"
            " r.stopped_at, r.duration_s, r.size_bytes, r.storage_key, r.node, r.quality, r.note")


def _row(record: asyncpg.Record) -> RecordingRow:
    return RecordingRow(**dict(record))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def create(conn: asyncpg.Connection, *, group_id: uuid.UUID, channel_id: uuid.UUID | None,
                 call_id: uuid.UUID | None, title: str, started_by: uuid.UUID | None, node: str,
                 quality: dict[str, Any]) -> RecordingRow:
    record = await conn.fetchrow(
        "INSERT INTO recordings AS r (group_id, channel_id, call_id, title, state, started_by, node, quality)"
        f" VALUES ($1, $2, $3, $4, 'recording', $5, $6, $7) RETURNING {_COLUMNS}",
        group_id, channel_id, call_id, title, started_by, node, quality,
    )
    await events.record(conn, group_id, "recording_started", actor_id=started_by, channel_id=channel_id, detail=title)
    return _row(record)


async def get(conn: asyncpg.Connection, recording_id: uuid.UUID, *, lock: bool = False) -> RecordingRow | None:
    suffix = " FOR UPDATE" if lock else ""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM recordings r WHERE r.id = $1{suffix}", recording_id)
    return _row(record) if record is not None else None


async def live_of_call(conn: asyncpg.Connection, call_id: uuid.UUID) -> RecordingRow | None:
    """The call's recording in progress, if any."""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM recordings r WHERE r.call_id = $1 AND r.state = 'recording'",
                                 call_id)
    return _row(record) if record is not None else None


async def live_in_groups(conn: asyncpg.Connection, group_ids: list[uuid.UUID]) -> list[RecordingRow]:
    """The recordings in progress in these groups' calls."""
    records = await conn.fetch(f"SELECT {_COLUMNS} FROM recordings r WHERE r.group_id = ANY($1::uuid[])"
                               " AND r.state = 'recording'", group_ids)
    return [_row(record) for record in records]


async def end_uncaptured(conn: asyncpg.Connection, call_id: uuid.UUID) -> None:
    """The call ended before any node captured its recording (no media ever reached the SFU)."""
    await conn.execute(
        "UPDATE recordings SET state = 'failed', stopped_at = now(), note = 'nothing_recorded'"
        " WHERE call_id = $1 AND state = 'recording' AND node = ''", call_id)


async def give_up_abandoned(conn: asyncpg.Connection, after_s: float) -> int:
    """Marks failed (`host_lost`) the recordings whose capturing node went away for good; how many."""
    rows = await conn.fetch(
        "UPDATE recordings r SET state = 'failed', stopped_at = coalesce(r.stopped_at, now()),"
        " note = CASE WHEN r.note = '' THEN 'host_lost' ELSE r.note END"
        " WHERE (r.state = 'finalizing' AND r.stopped_at < now() - make_interval(secs => $1))"
        " OR (r.state = 'recording' AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = r.call_id"
        "     AND (c.ended_at IS NULL OR c.ended_at > now() - make_interval(secs => $1)))"
        "     AND r.started_at < now() - make_interval(secs => $1))"
        " RETURNING r.id",
        after_s,
    )
    return len(rows)


async def claim_capture(conn: asyncpg.Connection, recording_id: uuid.UUID, node: str) -> bool:
    """Makes `node` the one capturing the recording, unless another node is; False then (or when
    it is no longer recording)."""
    return bool(await conn.fetchval(
        "UPDATE recordings SET node = $2 WHERE id = $1 AND state = 'recording' AND node IN ('', $2)"
        " RETURNING true", recording_id, node))


async def join_participant(conn: asyncpg.Connection, recording_id: uuid.UUID, user_id: uuid.UUID,
                           display_name: str) -> ParticipantRow:
    """Someone in the recorded call: asked ('pending') the first time; a rejoin keeps their answer."""
    await conn.execute(
        "INSERT INTO recording_participants (recording_id, user_id, display_name, consent)"
        " VALUES ($1, $2, $3, 'pending') ON CONFLICT (recording_id, user_id) DO NOTHING",
        recording_id, user_id, display_name,
    )
    record = await conn.fetchrow(
        "SELECT recording_id, user_id, display_name, consent, decided_at FROM recording_participants"
        " WHERE recording_id = $1 AND user_id = $2", recording_id, user_id)
    return ParticipantRow(**dict(record))


async def set_participant(conn: asyncpg.Connection, recording_id: uuid.UUID, user_id: uuid.UUID,
                          display_name: str, consent: Consent) -> ParticipantRow:
    """Adds someone to the recording, or records their answer; `decided_at` is when they answered."""
    record = await conn.fetchrow(
        "INSERT INTO recording_participants (recording_id, user_id, display_name, consent, decided_at)"
        " VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'pending' THEN NULL ELSE now() END)"
        " ON CONFLICT (recording_id, user_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
        " consent = EXCLUDED.consent, decided_at = EXCLUDED.decided_at"
        " RETURNING recording_id, user_id, display_name, consent, decided_at",
        recording_id, user_id, display_name, consent,
    )
    return ParticipantRow(**dict(record))


async def participants(conn: asyncpg.Connection, recording_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ParticipantRow]]:
    records = await conn.fetch(
        "SELECT recording_id, user_id, display_name, consent, decided_at FROM recording_participants"
        " WHERE recording_id = ANY($1::uuid[]) ORDER BY lower(display_name), user_id",
        recording_ids,
    )
    found: dict[uuid.UUID, list[ParticipantRow]] = {rid: [] for rid in recording_ids}
    for record in records:
        found[record["recording_id"]].append(ParticipantRow(**dict(record)))
    return found


async def mark_finalizing(conn: asyncpg.Connection, recording_id: uuid.UUID, *, stopped_by: uuid.UUID | None,
                          note: str = "") -> RecordingRow | None:
    """Capture ended; the file is being finished. None unless it was still recording."""
    record = await conn.fetchrow(
        "UPDATE recordings r SET state = 'finalizing', stopped_by = $2, stopped_at = now(),"
        " note = CASE WHEN $3 = '' THEN r.note ELSE $3 END"
        f" WHERE r.id = $1 AND r.state = 'recording' RETURNING {_COLUMNS}",
        recording_id, stopped_by, note,
    )
    return _row(record) if record is not None else None


async def finish(conn: asyncpg.Connection, recording_id: uuid.UUID, *, state: Literal["ready", "failed"],
                 stopped_by: uuid.UUID | None, stopped_at: datetime | None, duration_s: float | None,
                 size_bytes: int | None, storage_key: str | None, note: str = "") -> RecordingRow | None:
    """The recording's final state; a stop time or stopper already recorded is kept."""
    record = await conn.fetchrow(
        "UPDATE recordings r SET state = $2, stopped_by = coalesce(r.stopped_by, $3),"
        " stopped_at = coalesce(r.stopped_at, $4, now()), duration_s = $5, size_bytes = $6, storage_key = $7,"
        " note = CASE WHEN $8 = '' THEN r.note ELSE $8 END"
        f" WHERE r.id = $1 AND r.state IN ('recording', 'finalizing') RETURNING {_COLUMNS}",
        recording_id, state, stopped_by, stopped_at, duration_s, size_bytes, storage_key, note,
    )
    return _row(record) if record is not None else None


async def search(conn: asyncpg.Connection, query: Search) -> list[RecordingRow]:
    """Newest first; `query.limit` rows after the cursor."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM recordings r WHERE ($1::uuid IS NULL OR r.group_id = $1)"
        " AND ($2::uuid[] IS NULL OR r.channel_id = ANY($2::uuid[]) OR ($3 AND r.channel_id IS NULL))"
        " AND ($4::text IS NULL OR r.title ILIKE $4)"
        " AND ($5::timestamptz IS NULL OR r.started_at >= $5) AND ($6::timestamptz IS NULL OR r.started_at < $6)"
        " AND ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM recording_participants p"
        "      WHERE p.recording_id = r.id AND p.user_id = $7))"
        " AND ($8::uuid IS NULL OR r.channel_id = $8)"
        " AND ($9::timestamptz IS NULL OR (r.started_at, r.id) < ($9, $10::uuid))"
        " ORDER BY r.started_at DESC, r.id DESC LIMIT $11",
        query.group_id, query.channel_ids, query.orphans, _like(query.title) if query.title else None,
        query.started_from, query.started_to, query.participant, query.channel_id,
        query.after.started_at if query.after else None, query.after.id if query.after else None, query.limit,
    )
    return [_row(r) for r in records]


async def rename(conn: asyncpg.Connection, recording_id: uuid.UUID, title: str) -> RecordingRow | None:
    record = await conn.fetchrow(
        f"UPDATE recordings r SET title = $2 WHERE r.id = $1 RETURNING {_COLUMNS}", recording_id, title
    )
    return _row(record) if record is not None else None


async def storage_keys_of_group(conn: asyncpg.Connection, group_id: uuid.UUID) -> list[str]:
    """The stored files of a group's recordings (its rows go with the group; the files must be removed)."""
    return [r["storage_key"] for r in await conn.fetch(
        "SELECT storage_key FROM recordings WHERE group_id = $1 AND storage_key IS NOT NULL", group_id)]


async def delete(conn: asyncpg.Connection, recording_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("DELETE FROM recordings WHERE id = $1 RETURNING true", recording_id))


async def unfinished(conn: asyncpg.Connection, *, node: str | None = None,
                     live_nodes: list[str] | None = None) -> list[RecordingRow]:
    """Recordings left 'recording' or 'finalizing' by `node`, or by any node not in `live_nodes`
    (those nodes died or restarted with another id): each needs finalizing by someone."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM recordings r WHERE r.state IN ('recording', 'finalizing')"
        " AND (($1::text IS NOT NULL AND r.node = $1)"
        "      OR ($2::text[] IS NOT NULL AND (r.node IS NULL OR NOT r.node = ANY($2::text[]))))"
        " ORDER BY r.started_at",
        node, live_nodes,
    )
    return [_row(r) for r in records]


async def expired(conn: asyncpg.Connection, *, limit: int, group_id: uuid.UUID | None = None,
                  older_than_days: int | None = None) -> list[RecordingRow]:
    """Finished recordings past their group's retention (or, for operators, past `older_than_days`),
    oldest first. Age counts from the end of the recording."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM recordings r JOIN groups g ON g.id = r.group_id"
        " WHERE r.state IN ('ready', 'failed') AND ($1::uuid IS NULL OR r.group_id = $1)"
        " AND coalesce(r.stopped_at, r.started_at)"
        "     < now() - make_interval(days => coalesce($2::int, g.recording_retention_days))"
        " ORDER BY coalesce(r.stopped_at, r.started_at) LIMIT $3",
        group_id, older_than_days, limit,
    )
    return [_row(r) for r in records]


async def group_quality(conn: asyncpg.Connection, group_id: uuid.UUID) -> dict[str, Any] | None:
    """The quality new recordings of the group are made with."""
    quality: dict[str, Any] | None = await conn.fetchval(
        "SELECT recording_quality FROM groups WHERE id = $1", group_id
    )
    return quality

"""A group's data as one JSON document, or its calls as CSV, streamed: rows come from
server-side cursors in one read-only snapshot and leave in chunks, so memory stays flat
however large the group.

Owners and moderators export the whole group; members and guests the channels they may view,
themselves as a member, and only the calls they took part in."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, AsyncIterator

import asyncpg

from control.auth.tokens import Principal
from control.downloads import SNAPSHOT_LIMITS
from control.history.calls import call_record_out, time_range
from control.history.viewer import Viewer, viewer_of
from control.store import history
from control.store.postgres import Database
from schemas.rest import CallsCsvQuery

FORMAT = "peershare.group-export/1"
CSV_COLUMNS = ("call_id", "channel", "started_at", "ended_at", "duration_s", "participants", "p2p_seconds",
               "sfu_seconds", "relayed", "screen_shared", "join_failures", "rtt_avg_ms", "loss_avg_pct")
# Bytes gathered before a chunk goes out: few writes, bounded memory.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Download:
    filename: str
    chunks: AsyncIterator[str]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "group"


def _filename(viewer: Viewer, extension: str) -> str:
    return f"peershare-{_slug(viewer.group['name'])}-{datetime.now(timezone.utc):%Y-%m-%d}.{extension}"


def _filter(viewer: Viewer, **narrowing: Any) -> history.CallFilter:
    return history.CallFilter(viewer.group["id"], narrowing.pop("channel_ids", viewer.channel_ids),
                              member=None if viewer.sees_everything else viewer.user_id, **narrowing)


async def export_json(db: Database, principal: Principal, group_id: uuid.UUID, messages: bool) -> Download:
    """Refuses (404) before anything is sent; the document is written while it streams."""
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
    return Download(_filename(viewer, "json"), _json_document(db, viewer, messages))


async def export_csv(db: Database, principal: Principal, group_id: uuid.UUID, query: CallsCsvQuery) -> Download:
    since, until = time_range(query.since, query.until)
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
    f = _filter(viewer, channel_ids=viewer.narrow_to(query.channel_id), since=since, until=until,
                participant_id=query.participant_id)
    return Download(_filename(viewer, "csv"), _csv_rows(db, f))


def _group(viewer: Viewer) -> dict[str, Any]:
    g = viewer.group
    return {"id": str(g["id"]), "name": g["name"], "description": g["description"], "privacy": g["privacy"],
            "owner_id": str(g["owner_id"]), "created_at": g["created_at"].isoformat()}


def _channel(row: Any) -> dict[str, Any]:
    return {"id": str(row["id"]), "kind": row["kind"], "name": row["name"], "topic": row["topic"],
            "position": row["position"]}


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@asynccontextmanager
async def _snapshot(db: Database) -> AsyncIterator[asyncpg.Connection]:
    """One consistent, read-only view of the group for the whole download. No JIT: its compile
    time (~0.1 s a query) buys nothing for row-by-row index lookups."""
    async with db.connection() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await conn.execute("SET LOCAL jit = off")
        for limit in SNAPSHOT_LIMITS:
            await conn.execute(limit)
        yield conn


class _Buffer:
    """Pieces of text gathered until a chunk is worth sending."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> str | None:
        self._parts.append(text)
        self._size += len(text)
        return self.flush() if self._size >= CHUNK else None

    def flush(self) -> str:
        text = "".join(self._parts)
        self._parts, self._size = [], 0
        return text


async def _json_document(db: Database, viewer: Viewer, with_messages: bool) -> AsyncIterator[str]:
    f = _filter(viewer)
    out = _Buffer()
    head = {"format": FORMAT, "exported_at": datetime.now(timezone.utc).isoformat(), "group": _group(viewer),
            "channels": [_channel(c) for c in viewer.channels]}
    async with _snapshot(db) as conn:
        out.add(json.dumps(head)[:-1])
        sections: list[tuple[str, AsyncIterator[str]]] = [
            ("members", _members(conn, viewer)), ("calls", _calls(conn, f)),
            ("recordings", _recordings(conn, f)),
        ]
        if with_messages:
            sections.append(("messages", _messages(conn, viewer.channel_ids)))
        for name, items in sections:
            out.add(f', "{name}": [')
            first = True
            async for item in items:
                chunk = out.add(item if first else "," + item)
                first = False
                if chunk:
                    yield chunk
            out.add("]")
    out.add("}")
    yield out.flush()


async def _members(conn: asyncpg.Connection, viewer: Viewer) -> AsyncIterator[str]:
    async for m in history.members_cursor(conn, viewer.group["id"], None if viewer.sees_everything else viewer.user_id):
        yield json.dumps({"user_id": str(m["user_id"]), "username": m["username"], "display_name": m["display_name"],
                          "role": m["role"], "joined_at": m["joined_at"].isoformat()})


async def _calls(conn: asyncpg.Connection, f: history.CallFilter) -> AsyncIterator[str]:
    async for row in history.calls_cursor(conn, f):
        yield call_record_out(row).model_dump_json()


async def _recordings(conn: asyncpg.Connection, f: history.CallFilter) -> AsyncIterator[str]:
    for r in await history.recordings_of(conn, f):
        yield json.dumps({"id": str(r["id"]), "title": r["title"], "state": r["state"],
                          "channel_id": str(r["channel_id"]), "call_id": str(r["call_id"]) if r["call_id"] else None,
                          "started_at": r["started_at"].isoformat(), "duration_s": r["duration_s"],
                          "size_bytes": r["size_bytes"]})


async def _messages(conn: asyncpg.Connection, channel_ids: list[uuid.UUID]) -> AsyncIterator[str]:
    async for m in history.messages_cursor(conn, channel_ids):
        yield m["doc"]


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with one of these as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _people(participants: list[dict[str, Any]]) -> int:
    """A rejoin is one person; each participation of a deleted account (no user id) is one of its own."""
    known = {p["user_id"] for p in participants if p["user_id"] is not None}
    return len(known) + sum(1 for p in participants if p["user_id"] is None)


async def _csv_rows(db: Database, f: history.CallFilter) -> AsyncIterator[str]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    async with _snapshot(db) as conn:
        async for row in history.calls_cursor(conn, f):
            writer.writerow([
                row["id"], _cell(row["channel_name"]), _iso(row["started_at"]), _iso(row["ended_at"]) or "",
                round(row["duration_s"], 3), _people(row["participants"]),
                round(row["p2p_seconds"], 3), round(row["sfu_seconds"], 3), str(row["relayed"]).lower(),
                str(row["screen_shared"]).lower(), row["join_failures"],
                "" if row["rtt_avg_ms"] is None else round(row["rtt_avg_ms"], 1),
                "" if row["loss_avg_pct"] is None else round(row["loss_avg_pct"], 3),
            ])
            if text.tell() >= CHUNK:
                yield text.getvalue()
                text.seek(0)
                text.truncate()
    yield text.getvalue()

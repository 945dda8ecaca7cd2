"""Everything about one person as one JSON document (`GET /api/me/export`, shaped as
schemas/personal_data.py's `MeExport`). Written as it is read: the small sections first, then
the messages from a server-side cursor, a batch at a time, so a person with a great many
messages costs the server one batch of memory. One read-only snapshot covers the whole
document, so it is consistent however long the download takes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import AsyncIterator, Sequence

import asyncpg
from pydantic import BaseModel

from control.downloads import SNAPSHOT_LIMITS
from control.errors import NotFound
from control.store import personal_data
from control.store.postgres import Database
from schemas.personal_data import (
    FORMAT,
    ExportBan,
    ExportCallParticipation,
    ExportIdentity,
    ExportInvite,
    ExportMembership,
    ExportMessage,
    ExportNotification,
    ExportNotificationMute,
    ExportProfile,
    ExportRecording,
    ExportRecordingConsent,
    ExportSignIn,
)

MESSAGE_BATCH = 500


def _items(model: type[BaseModel], rows: Sequence[asyncpg.Record]) -> str:
    return "[" + ",".join(model.model_validate(dict(row)).model_dump_json() for row in rows) + "]"


async def _sections(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[tuple[str, str]]:
    """(key, JSON text) of every section but the messages, in MeExport's order."""
    profile = await personal_data.profile(conn, user_id)
    if profile is None:
        raise NotFound("the account no longer exists", code="account_not_found")
    return [
        ("format", json.dumps(FORMAT)),
        ("exported_at", json.dumps(datetime.now(timezone.utc).isoformat())),
        ("profile", ExportProfile.model_validate(dict(profile)).model_dump_json()),
        ("identities", _items(ExportIdentity, await personal_data.identities(conn, user_id))),
        ("sign_ins", _items(ExportSignIn, await personal_data.sign_ins(conn, user_id))),
        ("memberships", _items(ExportMembership, await personal_data.memberships(conn, user_id))),
        ("call_participations", _items(ExportCallParticipation, await personal_data.call_participations(conn, user_id))),
        ("invites_created", _items(ExportInvite, await personal_data.invites_created(conn, user_id))),
        ("bans_issued", _items(ExportBan, await personal_data.bans(conn, banned_by=user_id))),
        ("bans_received", _items(ExportBan, await personal_data.bans(conn, user_id=user_id))),
        ("recordings_started", _items(ExportRecording, await personal_data.recordings_started(conn, user_id))),
        ("recording_consents", _items(ExportRecordingConsent, await personal_data.recording_consents(conn, user_id))),
        ("notifications", _items(ExportNotification, await personal_data.notifications(conn, user_id))),
        ("notification_mutes", _items(ExportNotificationMute, await personal_data.notification_mutes(conn, user_id))),
    ]


async def account_exists(db: Database, user_id: uuid.UUID) -> None:
    """Checked before the response starts, so a missing account is a clean 404."""
    async with db.connection() as conn:
        if await personal_data.profile(conn, user_id) is None:
            raise NotFound("the account no longer exists", code="account_not_found")


async def export_document(db: Database, user_id: uuid.UUID) -> AsyncIterator[bytes]:
    async with db.connection() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        for limit in SNAPSHOT_LIMITS:
            await conn.execute(limit)
        head = await _sections(conn, user_id)
        yield ("{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in head) + ',"messages":[').encode()
        first = True
        async for rows in personal_data.messages(conn, user_id, MESSAGE_BATCH):
            text = ",".join(ExportMessage.model_validate(dict(row)).model_dump_json() for row in rows)
            yield (text if first else "," + text).encode()
            first = False
        yield b"]}"

"""The group's archive of recordings: who may see which, search, rename, delete, play links; and
the calls side's entry points to file a recording as it starts, is consented to and finishes.

Who sees a recording: members (not guests) who can see its channel; a recording whose channel was
deleted stays visible to those who manage recordings. Everyone else is answered 404, like an id
that does not exist. A play link is checked again at every use.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator

import asyncpg
import structlog

from control.access import can_see_channel, group_access
from control.auth.tokens import Principal
from control.domain.permissions import Permission, Role, has_permission
from control.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceUnavailable
from control.recording.byte_ranges import requested_range
from control.recording.links import MediaLinks
from control.recording.storage import RecordingStorage, recording_key
from control.settings import Settings
from control.store import channels, groups, recordings, users
from control.store.postgres import Database
from control.store.recordings import Consent, Cursor, ParticipantRow, RecordingRow, Search
from control.views import recording_out
from schemas.rest import RecordingLink, RecordingOut, RecordingPage, RecordingsQuery

log = structlog.get_logger(__name__)

# A presigned S3 URL outlives our last check of the caller's rights by at most this.
PRESIGNED_TTL_S = 30


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class Bytes:
    """The whole file (`part` None) or bytes part[0]..part[1] of it."""

    size: int
    part: tuple[int, int] | None
    chunks: AsyncIterator[bytes]


def _not_found() -> NotFound:
    return NotFound("no such recording", code="recording_not_found")


def _encode_cursor(row: RecordingRow) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.started_at.isoformat(), str(row.id)]).encode()).decode()


def _decode_cursor(text: str) -> Cursor:
    try:
        started_at, rid = json.loads(base64.urlsafe_b64decode(text.encode()))
        return Cursor(datetime.fromisoformat(started_at), uuid.UUID(rid))
    except (ValueError, TypeError):
        raise InvalidInput("this cursor was not given by a previous page", code="invalid_cursor") from None


async def _may_see(conn: asyncpg.Connection, role: Role | None, row: RecordingRow) -> bool:
    if role is None or role is Role.GUEST:
        return False
    if row.channel_id is None:
        return has_permission(role, Permission.MANAGE_RECORDINGS)
    channel = await channels.get_channel(conn, row.channel_id)
    return channel is not None and can_see_channel(role, channel)


class Archive:
    def __init__(self, db: Database, storage: RecordingStorage, settings: Settings) -> None:
        self.db = db
        self.storage = storage
        self._links = MediaLinks(settings.jwt_secret)
        self._link_ttl_s = settings.recording_link_ttl_s
        self._public_url = settings.public_url

    # --- the calls side ---------------------------------------------------------------------

    async def begin(self, *, group_id: uuid.UUID, channel_id: uuid.UUID | None, call_id: uuid.UUID | None,
                    title: str, started_by: uuid.UUID | None, node: str) -> RecordingRow:
        """A recording starts, with the group's quality as it is now."""
        async with self.db.transaction() as conn:
            quality = await recordings.group_quality(conn, group_id)
            if quality is None:
                raise NotFound("no such group", code="group_not_found")
            return await recordings.create(conn, group_id=group_id, channel_id=channel_id, call_id=call_id,
                                           title=title, started_by=started_by, node=node, quality=quality)

    async def set_consent(self, recording_id: uuid.UUID, user_id: uuid.UUID, display_name: str,
                          consent: Consent) -> ParticipantRow:
        """Someone joined the recorded call ('pending') or answered the consent prompt."""
        async with self.db.transaction() as conn:
            return await recordings.set_participant(conn, recording_id, user_id, display_name, consent)

    async def finalizing(self, recording_id: uuid.UUID, *, stopped_by: uuid.UUID | None,
                         note: str = "") -> RecordingRow | None:
        """Capture stopped; the MP4 is being finished. None unless it was recording."""
        async with self.db.transaction() as conn:
            return await recordings.mark_finalizing(conn, recording_id, stopped_by=stopped_by, note=note)

    async def finish(self, recording_id: uuid.UUID, source: Path, *, duration_s: float,
                     stopped_by: uuid.UUID | None = None, note: str = "") -> RecordingRow:
        """Stores the finished MP4 (a copy: `source` stays the caller's to remove) and marks the
        recording ready. When storing fails the recording is marked failed and the error raised."""
        async with self.db.connection() as conn:
            row = await recordings.get(conn, recording_id)
        if row is None:
            raise _not_found()
        key = recording_key(row.group_id, row.id)
        try:
            size = await self.storage.put(key, source)
        except Exception:
            log.exception("recording_store_failed", recording_id=str(recording_id))
            await self.fail(recording_id, stopped_by=stopped_by, note="storage_failed")
            raise
        async with self.db.transaction() as conn:
            done = await recordings.finish(conn, recording_id, state="ready", stopped_by=stopped_by, stopped_at=None,
                                           duration_s=duration_s, size_bytes=size, storage_key=key, note=note)
        if done is None:  # deleted (or finished by someone else) meanwhile: keep no stray object
            await self.storage.delete(key)
            raise Conflict("the recording was deleted or finished meanwhile", code="recording_not_open")
        return done

    async def fail(self, recording_id: uuid.UUID, *, stopped_by: uuid.UUID | None, note: str) -> RecordingRow | None:
        """Nothing playable could be kept."""
        async with self.db.transaction() as conn:
            return await recordings.finish(conn, recording_id, state="failed", stopped_by=stopped_by, stopped_at=None,
                                           duration_s=None, size_bytes=None, storage_key=None, note=note)

    async def unfinished(self, *, node: str | None = None, live_nodes: list[str] | None = None) -> list[RecordingRow]:
        async with self.db.connection() as conn:
            return await recordings.unfinished(conn, node=node, live_nodes=live_nodes)

    # --- REST --------------------------------------------------------------------------------

    async def search(self, principal: Principal, group_id: uuid.UUID, query: RecordingsQuery) -> RecordingPage:
        async with self.db.connection() as conn:
            access = await group_access(conn, principal, group_id)
            role = access.require(Permission.VIEW_CHANNEL)
            if role is Role.GUEST:
                raise PermissionDenied("guests cannot see the group's recordings", code="guest_account")
            visible = [c["id"] for c in await channels.list_channels(conn, group_id) if can_see_channel(role, c)]
            rows = await recordings.search(conn, Search(
                group_id=group_id, channel_ids=visible, orphans=has_permission(role, Permission.MANAGE_RECORDINGS),
                title=query.q, started_from=query.started_from, started_to=query.started_to,
                participant=query.participant, channel_id=query.channel_id,
                after=_decode_cursor(query.cursor) if query.cursor else None, limit=query.limit + 1,
            ))
            page = rows[:query.limit]
            people = await recordings.participants(conn, [r.id for r in page])
        return RecordingPage(recordings=[recording_out(r, people[r.id]) for r in page],
                             next_cursor=_encode_cursor(page[-1]) if len(rows) > query.limit else None)

    async def _visible(self, conn: asyncpg.Connection, user_id: uuid.UUID, guest_group_id: uuid.UUID | None,
                       recording_id: uuid.UUID, *, lock: bool = False) -> tuple[RecordingRow, Role] | None:
        row = await recordings.get(conn, recording_id, lock=lock)
        if row is None or guest_group_id is not None:
            return None
        role = await groups.member_role(conn, row.group_id, user_id)
        if role is None or not await _may_see(conn, role, row):
            return None
        return row, role

    async def get(self, principal: Principal, recording_id: uuid.UUID) -> RecordingOut:
        async with self.db.connection() as conn:
            found = await self._visible(conn, principal.user_id, principal.guest_group_id, recording_id)
            if found is None:
                raise _not_found()
            people = await recordings.participants(conn, [recording_id])
        return recording_out(found[0], people[recording_id])

    async def rename(self, principal: Principal, recording_id: uuid.UUID, title: str) -> RecordingOut:
        async with self.db.transaction() as conn:
            self._require_manager(await self._visible(conn, principal.user_id, principal.guest_group_id,
                                                      recording_id, lock=True))
            row = await recordings.rename(conn, recording_id, title)
            people = await recordings.participants(conn, [recording_id])
        assert row is not None
        return recording_out(row, people[recording_id])

    async def delete(self, principal: Principal, recording_id: uuid.UUID) -> None:
        async with self.db.transaction() as conn:
            row = self._require_manager(await self._visible(conn, principal.user_id, principal.guest_group_id,
                                                            recording_id, lock=True))
            if row.state in ("recording", "finalizing"):
                raise Conflict("stop the recording before deleting it", code="recording_in_progress")
            await self.remove(conn, row)

    @staticmethod
    def _require_manager(found: tuple[RecordingRow, Role] | None) -> RecordingRow:
        if found is None:
            raise _not_found()
        row, role = found
        if not has_permission(role, Permission.MANAGE_RECORDINGS):
            raise PermissionDenied(f"your role ({role}) may not do that: needs {Permission.MANAGE_RECORDINGS}")
        return row

    async def remove(self, conn: asyncpg.Connection, row: RecordingRow) -> None:
        """The object first, then the row: a failure leaves a row to retry, never a stray object."""
        if row.storage_key is not None:
            await self.storage.delete(row.storage_key)
        await recordings.delete(conn, row.id)
        log.info("recording_deleted", recording_id=str(row.id), group_id=str(row.group_id))

    async def discard_files(self, keys: list[str]) -> None:
        """Files whose rows are already gone (their group was deleted); a failure is logged, not raised."""
        for key in keys:
            try:
                await self.storage.delete(key)
            except Exception:
                log.exception("recording_file_not_deleted", storage_key=key)

    async def link(self, principal: Principal, recording_id: uuid.UUID) -> RecordingLink:
        async with self.db.connection() as conn:
            found = await self._visible(conn, principal.user_id, principal.guest_group_id, recording_id)
        if found is None:
            raise _not_found()
        if found[0].state != "ready":
            raise Conflict("the recording is not ready to play", code="recording_not_ready")
        assert principal.sign_in_id is not None  # the edge refuses tokens without a live sign-in
        token, grant = self._links.mint(recording_id, principal.user_id, principal.sign_in_id, self._link_ttl_s)
        return RecordingLink(url=f"{self._public_url}/api/recordings/{recording_id}/media?token={token}",
                             expires_at=datetime.fromtimestamp(grant.expires_at, timezone.utc))

    async def media(self, recording_id: uuid.UUID, token: str, range_header: str | None) -> Redirect | Bytes:
        """What a link gets, if its person may still see the recording now."""
        grant = self._links.verify(token, recording_id)
        async with self.db.connection() as conn:
            if await recordings.get(conn, recording_id) is None:
                raise _not_found()
            found = await self._visible(conn, grant.user_id, None, recording_id)
            signed_in = await users.sign_in_live(conn, grant.user_id, grant.sign_in_id)
        if found is None or not signed_in:
            raise PermissionDenied("this link no longer works for you", code="link_revoked")
        row = found[0]
        if row.state != "ready" or row.storage_key is None or row.size_bytes is None:
            raise Conflict("the recording is not ready to play", code="recording_not_ready")
        url = await self.storage.presigned_url(row.storage_key, PRESIGNED_TTL_S)
        if url is not None:
            return Redirect(url)
        if await self.storage.size(row.storage_key) is None:
            # A local folder not shared by every node (or a file removed by hand): say so, rather
            # than start a response that cannot be finished.
            log.error("recording_file_missing", recording_id=str(recording_id), key=row.storage_key)
            raise ServiceUnavailable("this node cannot reach the recording's file", code="recording_file_missing")
        part = requested_range(range_header, row.size_bytes)
        start, end = part if part is not None else (0, None)
        return Bytes(row.size_bytes, part, self.storage.read(row.storage_key, start, end))

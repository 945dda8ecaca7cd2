"""Recordings for tests: filed through the archive's own entry points (as the calls side files them),
from a small real MP4 that ffmpeg makes, into the storage a node's settings name."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from control.recording.archive import Archive
from control.recording.storage import RecordingStorage, open_storage
from control.settings import Settings
from control.store.postgres import Database

T = TypeVar("T")


def make_mp4(path: Path, seconds: int = 2) -> Path:
    """A playable MP4: H.264 test pattern and an AAC tone."""
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-f", "lavfi",
         "-i", "sine", "-t", str(seconds), "-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart", str(path)],
        check=True, timeout=60,
    )
    return path


def placeholder_file(folder: Path) -> Path:
    """For tests that ask who may do what, not what is played: any bytes serve as a recording."""
    path = folder / "placeholder-recording.mp4"
    if not path.exists():
        path.write_bytes(bytes(4096))
    return path


async def _with_archive(settings: Settings, action: Callable[[Archive], Awaitable[T]]) -> T:
    assert settings.database_url is not None
    db = await Database.connect(settings.database_url, schema=settings.database_schema, max_size=2)
    storage = await open_storage(settings)
    try:
        return await action(Archive(db, storage, settings))
    finally:
        await storage.close()
        await db.close()


def with_archive(settings: Settings, action: Callable[[Archive], Awaitable[T]]) -> T:
    return asyncio.run(_with_archive(settings, action))


@dataclass(frozen=True)
class Participant:
    user_id: str
    display_name: str
    consent: str = "accepted"


def file_recording(settings: Settings, *, group_id: str, channel_id: str | None, started_by: str, source: Path,
                   title: str = "Weekly call", participants: tuple[Participant, ...] = (),
                   ended_days_ago: float | None = None, started_at: datetime | None = None) -> str:
    """A finished recording of `source`; its times moved into the past when asked."""

    async def file(archive: Archive) -> str:
        row = await archive.begin(group_id=uuid.UUID(group_id), channel_id=uuid.UUID(channel_id) if channel_id else None,
                                  call_id=None, title=title, started_by=uuid.UUID(started_by), node="test-node")
        for person in participants:
            await archive.set_consent(row.id, uuid.UUID(person.user_id), person.display_name, "pending")
            await archive.set_consent(row.id, uuid.UUID(person.user_id), person.display_name,
                                      person.consent)  # type: ignore[arg-type]
        await archive.finalizing(row.id, stopped_by=uuid.UUID(started_by))
        await archive.finish(row.id, source, duration_s=2.0)
        start = started_at
        if ended_days_ago is not None:
            start = datetime.now(timezone.utc) - timedelta(days=ended_days_ago, seconds=2)
        if start is not None:
            async with archive.db.connection() as conn:
                await conn.execute("UPDATE recordings SET started_at = $2, stopped_at = $2::timestamptz + interval '2 seconds'"
                                   " WHERE id = $1", row.id, start)
        return str(row.id)

    return with_archive(settings, file)


def recording_row(settings: Settings, recording_id: str) -> dict[str, Any] | None:
    async def read(archive: Archive) -> dict[str, Any] | None:
        async with archive.db.connection() as conn:
            row = await conn.fetchrow("SELECT * FROM recordings WHERE id = $1", uuid.UUID(recording_id))
        return dict(row) if row is not None else None

    return with_archive(settings, read)


def stored_size(settings: Settings, key: str) -> int | None:
    async def size(archive: Archive) -> int | None:
        storage: RecordingStorage = archive.storage
        return await storage.size(key)

    return with_archive(settings, size)

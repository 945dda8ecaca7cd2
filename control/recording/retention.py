"""Retention: recordings older than their group's `recording_retention_days` are deleted (object,
then row) by a background sweep. Every node runs the loop; a PostgreSQL advisory lock held for
the sweep's transaction lets one node at a time do the work, the others skip that round."""

from __future__ import annotations

import asyncio

import structlog

from control.recording.archive import Archive
from control.store import recordings

log = structlog.get_logger(__name__)

RETENTION_LOCK_KEY = 0x5EE25_4EC0
_BATCH = 100
# A recording still 'finalizing' this long after its stop, or 'recording' this long after its call
# ended, lost its capturing node for good (never restarted): it is marked failed so it can be
# deleted and nobody sees its indicator.
ABANDONED_AFTER_S = 1800


class Retention:
    def __init__(self, archive: Archive, interval_s: float) -> None:
        self._archive = archive
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recording-retention")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a failed round (storage down) is retried next round
                log.exception("recording_retention_failed")
            await asyncio.sleep(self._interval_s)

    async def sweep(self) -> int | None:
        """Deletes what is past retention; returns how many, or None when another node is sweeping."""
        deleted = 0
        while True:
            async with self._archive.db.transaction() as conn:
                if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RETENTION_LOCK_KEY):
                    return None if deleted == 0 else deleted
                if deleted == 0:
                    abandoned = await recordings.give_up_abandoned(conn, ABANDONED_AFTER_S)
                    if abandoned:
                        log.warning("recordings_abandoned", count=abandoned)
                rows = await recordings.expired(conn, limit=_BATCH)
                for row in rows:
                    await self._archive.remove(conn, row)
            deleted += len(rows)
            if len(rows) < _BATCH:
                if deleted:
                    log.info("recordings_expired", deleted=deleted)
                return deleted

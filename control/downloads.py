"""Guards on the streamed downloads (group export, calls.csv, /api/me/export): each holds a pooled
database connection and an open snapshot for as long as the client reads, so a person gets a
rate-limited allowance and at most one download streaming at a time on a node."""

from __future__ import annotations

import uuid
from typing import AsyncIterator, Awaitable, Callable, TypeVar

from control.errors import Conflict
from control.ratelimit import RateLimiter
from control.settings import Settings

T = TypeVar("T")

# Inside a download's transaction: a stalled reader or a runaway query gives the connection back.
SNAPSHOT_LIMITS = ("SET LOCAL idle_in_transaction_session_timeout = '60s'", "SET LOCAL statement_timeout = '60s'")


class DownloadSlots:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._settings = settings
        self._busy: set[uuid.UUID] = set()

    async def stream(self, user_id: uuid.UUID, open_: Callable[[], Awaitable[AsyncIterator[T]]]) -> AsyncIterator[T]:
        """Refuses (429 rate_limited, 409 download_in_progress) before anything is sent; the slot is
        held until the chunks run out or the client goes away."""
        await self._limiter.hit(f"downloads:user:{user_id}", self._settings.download_rate,
                                self._settings.download_window_s)
        if user_id in self._busy:
            raise Conflict("another download of yours is still running", code="download_in_progress")
        self._busy.add(user_id)
        try:
            chunks = await open_()
        except BaseException:
            self._busy.discard(user_id)
            raise
        return self._held(user_id, chunks)

    async def _held(self, user_id: uuid.UUID, chunks: AsyncIterator[T]) -> AsyncIterator[T]:
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            self._busy.discard(user_id)

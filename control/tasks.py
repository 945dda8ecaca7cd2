"""Background tasks owned by one object: started with `spawn`, all ended by `cancel` or `close`
(docs/style.md: every background task belongs to an owner and ends with it). A task is held until it
finishes — an unreferenced asyncio task can be collected mid-run — and a failure is logged."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable

import structlog

log = structlog.get_logger(__name__)


class TaskSet:
    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background_task_failed", owner=self._owner, exc_info=task.exception())

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def close(self) -> None:
        """Cancels the tasks and waits until they have ended."""
        tasks = list(self._tasks)
        self.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

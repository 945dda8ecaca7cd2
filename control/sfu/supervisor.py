"""Keeps N workers running (one per core by default), places each new router on the least-loaded
one, and respawns a worker that dies. Routers of a dead worker emit "workerclose" to their owners,
who rebuild them on a live worker."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Any

import structlog

from control.sfu.errors import InvalidStateError
from control.sfu.events import Emitter
from control.sfu.router import Router
from control.sfu.worker import Worker, WorkerSettings

log = structlog.get_logger(__name__)


class Supervisor:
    def __init__(self, binary: Path, *, num_workers: int | None = None, settings: WorkerSettings | None = None) -> None:
        self.binary = binary
        self.num_workers = num_workers or os.cpu_count() or 1
        self.settings = settings or WorkerSettings()
        self.workers: list[Worker | None] = [None] * self.num_workers
        self.closed = False
        # "workerdied" (slot, description), "workerspawned" (slot, worker).
        self.events = Emitter()
        self._respawns: set[asyncio.Task[None]] = set()

    def _settings_for(self, slot: int) -> WorkerSettings:
        """Each worker gets its own share of the RTC port range."""
        low, high = self.settings.rtc_min_port, self.settings.rtc_max_port
        share = (high - low + 1) // self.num_workers
        return dataclasses.replace(self.settings, rtc_min_port=low + slot * share,
                                   rtc_max_port=low + (slot + 1) * share - 1)

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn(slot) for slot in range(self.num_workers)))

    async def _spawn(self, slot: int) -> None:
        worker = await Worker.spawn(self.binary, self._settings_for(slot))
        worker.events.on("died", lambda how: self._on_died(slot, worker, how))
        self.workers[slot] = worker
        self.events.emit("workerspawned", slot, worker)

    def _on_died(self, slot: int, worker: Worker, how: str) -> None:
        log.error("worker_lost", slot=slot, pid=worker.pid, how=how)
        if self.workers[slot] is worker:
            self.workers[slot] = None
        self.events.emit("workerdied", slot, how)
        if not self.closed:
            task = asyncio.create_task(self._respawn(slot), name=f"respawn-worker-{slot}")
            self._respawns.add(task)
            task.add_done_callback(self._respawns.discard)

    async def _respawn(self, slot: int) -> None:
        delay = 0.1
        while not self.closed:
            try:
                await self._spawn(slot)
                return
            except Exception:
                log.exception("worker_respawn_failed", slot=slot)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def least_loaded(self) -> Worker:
        live = [w for w in self.workers if w is not None and not w.closed]
        if not live:
            raise InvalidStateError("no live mediasoup worker")
        return min(live, key=lambda w: len(w.routers))

    async def create_router(self, media_codecs: list[dict[str, Any]],
                            app_data: dict[str, Any] | None = None) -> Router:
        return await self.least_loaded().create_router(media_codecs, app_data)

    async def wait_for_live_worker(self, timeout_s: float = 5.0) -> Worker:
        """After a crash: the next live worker, waiting for the respawn if there is none yet."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                return self.least_loaded()
            except InvalidStateError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def close(self) -> None:
        self.closed = True
        for task in list(self._respawns):
            task.cancel()
        await asyncio.gather(*self._respawns, return_exceptions=True)
        workers = [w for w in self.workers if w is not None]
        for worker in workers:
            worker.close()
        await asyncio.gather(*(w.wait_closed() for w in workers), return_exceptions=True)

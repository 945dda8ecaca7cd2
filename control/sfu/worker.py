"""One mediasoup-worker process and its channel, spawned and driven like mediasoup's Worker.js.

The worker talks over four inherited pipes: fd 3 (our requests), fd 4 (its answers and
notifications), fds 5 and 6 (the payload channel, for data channels and direct transports).
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from control.childproc import ChildProcess
from control.sfu import ortc
from control.sfu.channel import Channel
from control.sfu.errors import InvalidStateError
from control.sfu.events import Emitter
from control.sfu.payload_channel import PayloadChannel
from control.sfu.router import Router
from media_worker import MEDIASOUP_VERSION

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    log_level: str = "warn"
    log_tags: tuple[str, ...] = ()
    rtc_min_port: int = 40000
    rtc_max_port: int = 49999
    dtls_certificate_file: Path | None = None
    dtls_private_key_file: Path | None = None
    app_data: dict[str, Any] = field(default_factory=dict)

    def arguments(self) -> list[str]:
        args = [f"--logLevel={self.log_level}", *(f"--logTag={t}" for t in self.log_tags),
                f"--rtcMinPort={self.rtc_min_port}", f"--rtcMaxPort={self.rtc_max_port}"]
        if self.dtls_certificate_file and self.dtls_private_key_file:
            args += [f"--dtlsCertificateFile={self.dtls_certificate_file}",
                     f"--dtlsPrivateKeyFile={self.dtls_private_key_file}"]
        return args


class Worker:
    def __init__(self, process: ChildProcess, channel: Channel, settings: WorkerSettings) -> None:
        self.pid = process.pid
        self.settings = settings
        self.app_data = dict(settings.app_data)
        self.channel = channel
        self.closed = False
        self.died = False
        # "died" (with the exit description) and "close"; the observer also gets "newrouter".
        self.events = Emitter()
        self.observer = Emitter()
        self.routers: set[Router] = set()
        self._process = process
        self._exit_watch: asyncio.Task[None] | None = None

    @classmethod
    async def spawn(cls, binary: Path, settings: WorkerSettings | None = None, *,
                    start_timeout_s: float = 10.0) -> "Worker":
        settings = settings or WorkerSettings()
        requests_r, requests_w = os.pipe()  # we write fd 3
        answers_r, answers_w = os.pipe()  # it writes fd 4
        payload_in_r, payload_in_w = os.pipe()  # fd 5
        payload_out_r, payload_out_w = os.pipe()  # fd 6
        child_ends = [requests_r, answers_w, payload_in_r, payload_out_w]
        try:
            process = ChildProcess([str(binary), *settings.arguments()],
                                   env={**os.environ, "MEDIASOUP_VERSION": MEDIASOUP_VERSION},
                                   fds=dict(enumerate(child_ends, start=3)))
        finally:
            for fd in child_ends:
                os.close(fd)
        channel = Channel(process.pid)
        await channel.connect(requests_w, answers_r)
        channel.payload = PayloadChannel(process.pid)
        await channel.payload.connect(payload_in_w, payload_out_r)
        worker = cls(process, channel, settings)
        running: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_first_notification(event: str, _data: Any) -> None:
            if event == "running" and not running.done():
                running.set_result(None)

        channel.subscribe(str(process.pid), on_first_notification)
        worker._exit_watch = asyncio.create_task(worker._watch_exit(running), name=f"worker-{process.pid}")
        try:
            await asyncio.wait_for(asyncio.shield(running), start_timeout_s)
        except TimeoutError:
            worker.close()
            raise InvalidStateError("the worker did not start in time") from None
        channel.unsubscribe(str(process.pid))
        log.info("worker_running", pid=process.pid)
        return worker

    async def _watch_exit(self, running: asyncio.Future[None]) -> None:
        code = await self._process.wait()
        if self.closed:
            return
        description = f"signal {-code}" if code < 0 else f"exit code {code}"
        if not running.done():
            running.set_exception(InvalidStateError(f"the worker failed to start ({description})"))
            self._close_all()
            return
        log.error("worker_died", pid=self.pid, how=description)
        self.died = True
        self._close_all()
        self.events.emit("died", description)

    def _close_all(self) -> None:
        self.closed = True
        self.channel.close()
        for router in list(self.routers):
            router.worker_closed()
        self.routers.clear()
        self.observer.emit("close")

    def close(self) -> None:
        """Stops the worker; closing twice is harmless."""
        if self.closed:
            return
        self._close_all()
        if self._process.returncode is None:
            self._process.send_signal(signal.SIGTERM)
        self.events.emit("close")

    async def wait_closed(self, timeout_s: float = 5.0) -> None:
        try:
            await asyncio.wait_for(self._process.wait(), timeout_s)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        if self._exit_watch is not None:
            await asyncio.gather(self._exit_watch, return_exceptions=True)

    async def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.channel.request("worker.dump")
        return result

    async def get_resource_usage(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.channel.request("worker.getResourceUsage")
        return result

    async def update_settings(self, *, log_level: str | None = None, log_tags: list[str] | None = None) -> None:
        data: dict[str, Any] = {}
        if log_level is not None:
            data["logLevel"] = log_level
        if log_tags is not None:
            data["logTags"] = log_tags
        await self.channel.request("worker.updateSettings", None, data)

    async def create_router(self, media_codecs: list[dict[str, Any]] | None = None,
                            app_data: dict[str, Any] | None = None) -> Router:
        if self.closed:
            raise InvalidStateError("worker closed")
        rtp_capabilities = ortc.generate_router_rtp_capabilities(media_codecs or [])
        router_id = str(uuid.uuid4())
        await self.channel.request("worker.createRouter", None, {"routerId": router_id})
        router = Router(router_id, rtp_capabilities, self.channel, app_data or {})
        self.routers.add(router)
        router.observer.on("close", lambda: self.routers.discard(router))
        self.observer.emit("newrouter", router)
        return router

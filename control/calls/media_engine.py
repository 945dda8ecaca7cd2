"""The mediasoup workers behind SFU calls: started on first use (a node whose calls all stay
peer to peer never spawns one), a router per call, transports as the settings say."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import structlog

from control.errors import ServiceUnavailable
from control.settings import Settings
from control.sfu.router import Router, listen_ip
from control.sfu.supervisor import Supervisor
from control.sfu.webrtc_transport import WebRtcTransport
from control.sfu.worker import Worker, WorkerSettings
from media_worker import worker_binary

log = structlog.get_logger(__name__)

# What browsers send: Opus (with in-band FEC and DTX), VP8 and H.264 for cameras, VP9 for
# browsers that prefer it for screens.
MEDIA_CODECS: list[dict[str, Any]] = [
    {"kind": "audio", "mimeType": "audio/opus", "clockRate": 48000, "channels": 2},
    {"kind": "video", "mimeType": "video/VP8", "clockRate": 90000, "parameters": {"x-google-start-bitrate": 1000}},
    {"kind": "video", "mimeType": "video/VP9", "clockRate": 90000, "parameters": {"profile-id": 0}},
    {"kind": "video", "mimeType": "video/H264", "clockRate": 90000,
     "parameters": {"packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1}},
]


class MediaEngine:
    def __init__(self, settings: Settings, binary: Path | None = None) -> None:
        self._settings = settings
        self._binary = binary
        self._supervisor: Supervisor | None = None
        self._starting = asyncio.Lock()

    async def supervisor(self) -> Supervisor:
        async with self._starting:
            if self._supervisor is None:
                try:
                    binary = self._binary or worker_binary()
                except FileNotFoundError as exc:
                    log.error("media_worker_missing", error=str(exc))
                    raise ServiceUnavailable("calls of three or more are unavailable: no media worker",
                                             code="sfu_unavailable") from None
                settings = self._settings
                supervisor = Supervisor(binary, num_workers=settings.media_workers or None, settings=WorkerSettings(
                    rtc_min_port=settings.rtc_min_port, rtc_max_port=settings.rtc_max_port))
                await supervisor.start()
                self._supervisor = supervisor
            return self._supervisor

    async def create_router(self, app_data: dict[str, Any]) -> Router:
        supervisor = await self.supervisor()
        await supervisor.wait_for_live_worker()
        return await supervisor.create_router([dict(codec) for codec in MEDIA_CODECS], app_data)

    async def create_webrtc_transport(self, router: Router, direction: str, app_data: dict[str, Any]) -> WebRtcTransport:
        settings = self._settings
        transport = await router.create_webrtc_transport(
            listen_ips=[listen_ip(settings.media_listen_ip, settings.media_announced_ip)],
            enable_udp=True, enable_tcp=True, prefer_udp=True, initial_available_outgoing_bitrate=1_000_000,
            app_data=app_data,
        )
        if direction == "send":
            await transport.set_max_incoming_bitrate(settings.sfu_max_incoming_bitrate)
        return transport

    def workers(self) -> list[Worker]:
        """The live workers (none until the first SFU call)."""
        return list(self.workers_by_slot().values())

    def workers_by_slot(self) -> dict[int, Worker]:
        """The live workers by slot: a respawned worker keeps its slot (and its port range)."""
        if self._supervisor is None:
            return {}
        return {slot: w for slot, w in enumerate(self._supervisor.workers) if w is not None and not w.closed}

    async def close(self) -> None:
        if self._supervisor is not None:
            await self._supervisor.close()

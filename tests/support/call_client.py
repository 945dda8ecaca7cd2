"""A call participant that behaves as the web client does: peer to peer with one other person,
through the SFU (pymediasoup on aiortc) with more, switching make-before-break: the new path is
set up while the old one still plays, and the old one closes once the new one carries video."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from aiortc import MediaStreamTrack
from pymediasoup import AiortcHandler, Device
from pymediasoup.consumer import Consumer as ClientConsumer
from pymediasoup.producer import Producer as ClientProducer
from pymediasoup.rtp_parameters import RtpCapabilities, RtpParameters
from pymediasoup.transport import Transport as ClientTransport

from tests.support.webrtc import FrameCounter, MovingPattern, P2PPeer, Tone
from tests.support.ws import WsClient

SFU_PUSHES = ("sfu_consumer_added", "sfu_consumer_closed", "sfu_reset")
# How long the old path keeps going after the new one shows video (as the web client does).
HANDOVER_GRACE_S = 1.0


def plain(model: Any) -> dict[str, Any]:
    result: dict[str, Any] = model.model_dump(exclude_none=True)
    return result


class SfuPath:
    """This participant's SFU side: a device, a send and a recv transport over signaling."""

    def __init__(self, ws: WsClient, sources: dict[str, MediaStreamTrack]) -> None:
        self.ws = ws
        self.sources = sources
        self.device = Device(handlerFactory=AiortcHandler.createFactory(tracks=list(sources.values())))
        self.send: ClientTransport | None = None
        self.recv: ClientTransport | None = None
        self.producers: dict[str, ClientProducer] = {}
        self.consumers: dict[str, ClientConsumer] = {}

    async def start(self) -> None:
        capabilities = await self.ws.ok("sfu_capabilities")
        await self.device.load(RtpCapabilities(**capabilities["rtp_capabilities"]))
        self.send = await self._transport("send")
        for source, track in self.sources.items():
            await self.produce(source, track)
        self.recv = await self._transport("recv")
        await self.ws.ok("sfu_ready", rtp_capabilities=plain(self.device.rtpCapabilities))

    async def produce(self, source: str, track: MediaStreamTrack, **options: Any) -> ClientProducer:
        assert self.send is not None
        producer = await self.send.produce(track=track, stopTracks=False, appData={"source": source}, **options)
        self.producers[source] = producer
        return producer

    async def _transport(self, direction: str) -> ClientTransport:
        info = await self.ws.ok("sfu_create_transport", direction=direction)
        create = self.device.createSendTransport if direction == "send" else self.device.createRecvTransport
        transport = create(id=info["transport_id"], iceParameters=info["ice_parameters"],
                           iceCandidates=info["ice_candidates"], dtlsParameters=info["dtls_parameters"],
                           sctpParameters=None)
        ws = self.ws

        @transport.on("connect")
        async def on_connect(dtls_parameters: Any) -> None:
            await ws.ok("sfu_connect_transport", transport_id=transport.id, dtls_parameters=plain(dtls_parameters))

        if direction == "send":
            @transport.on("produce")
            async def on_produce(kind: str, rtp_parameters: Any, app_data: Any) -> str:
                reply = await ws.ok("sfu_produce", transport_id=transport.id, kind=kind, source=app_data["source"],
                                    rtp_parameters=plain(rtp_parameters))
                return str(reply["producer_id"])

        return transport

    async def consume(self, push: dict[str, Any]) -> ClientConsumer:
        assert self.recv is not None
        consumer = await self.recv.consume(id=push["consumer_id"], producerId=push["producer_id"], kind=push["kind"],
                                           rtpParameters=RtpParameters(**push["rtp_parameters"]))
        self.consumers[push["consumer_id"]] = consumer
        await self.ws.ok("sfu_resume_consumer", consumer_id=push["consumer_id"])
        return consumer

    async def close(self) -> None:
        for transport in (self.send, self.recv):
            if transport is not None:
                await transport.close()


class CallClient(P2PPeer):
    """Remote video is kept per participant and source ("<participant>:camera"), whichever path
    brings it, so a test can measure the gap a viewer would see at a switch."""

    def __init__(self, ws: WsClient, *, video: bool = True, audio: bool = True,
                 camera_size: tuple[int, int] = (320, 240), fps: int = 20, obeys: bool = True) -> None:
        """`obeys`: hangs up when taken out of the call and stops its mic when muted, as the web
        client does; a client that does not obey shows what the server enforces by itself."""
        super().__init__(ws, video=video, audio=audio)
        self.obeys = obeys
        self.camera_size, self.fps = camera_size, fps
        self.mode: str | None = None
        self.sfu: SfuPath | None = None
        self.views: dict[str, list[float]] = {}
        self.counters: dict[str, list[FrameCounter]] = {}
        self._handover: asyncio.Task[None] | None = None

    async def join(self, channel_id: str) -> dict[str, Any]:
        signals = self.ws.subscribe("call_mode", "p2p_signal", "call_muted", "call_removed", *SFU_PUSHES)
        self.joined = await self.ws.ok("join_call", channel_id=channel_id)
        self._task = asyncio.create_task(self._follow(signals))
        return self.joined

    @property
    def participant_id(self) -> str:
        return str(self.joined["participant_id"])

    def sources(self) -> dict[str, MediaStreamTrack]:
        tracks: dict[str, MediaStreamTrack] = {}
        if self._audio:
            tracks["mic"] = Tone()
        if self._video:
            tracks["camera"] = self._camera()
        return tracks

    async def _on_signal(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "call_mode" and frame["mode"] != self.mode:
            self.mode = frame["mode"]
            if self.mode == "sfu":
                pc, self.pc, self.peer_id = self.pc, None, None
                if pc is not None:
                    self._retire_when_new_path_plays(pc.close)
                self.sfu = SfuPath(self.ws, self.sources())
                await self.sfu.start()
            else:
                sfu, self.sfu = self.sfu, None
                if sfu is not None:
                    self._retire_when_new_path_plays(lambda: self._leave_sfu(sfu))
        elif kind == "sfu_consumer_added" and self.sfu is not None:
            consumer = await self.sfu.consume(frame)
            self._count(f"{frame['participant_id']}:{frame['source']}", consumer.track)
        elif kind == "call_muted" and self.obeys:
            await self._stop_mic()
        elif kind == "call_removed" and self.obeys:
            await self._hang_up()
        elif kind == "sfu_reset" and self.sfu is not None:
            await self.sfu.close()
            self.sfu = SfuPath(self.ws, self.sources())
            await self.sfu.start()
        if kind in ("call_mode", "p2p_signal") and self.mode == "p2p":
            await super()._on_signal(frame)

    async def _hang_up(self) -> None:
        """Out of the call: every path closes at once, as in the web client."""
        pc, self.pc, self.peer_id, self.mode = self.pc, None, None, None
        sfu, self.sfu = self.sfu, None
        if pc is not None:
            await pc.close()
        if sfu is not None:
            await sfu.close()

    async def _stop_mic(self) -> None:
        """A moderator muted us: the microphone stops on every path at once, as in the web client."""
        self._audio = False
        if self.pc is not None:
            for sender in self.pc.getSenders():
                if sender.track is not None and sender.track.kind == "audio":
                    sender.replaceTrack(None)
        mic = self.sfu.producers.get("mic") if self.sfu is not None else None
        if mic is not None:
            mic.pause()

    def _retire_when_new_path_plays(self, close: Callable[[], Awaitable[None]]) -> None:
        """Make before break: the old path keeps going until the new one shows video, and a moment
        longer, because the peer may see our new path a little after we see theirs."""
        started = time.monotonic()

        async def retire() -> None:
            await self._until_newest_video_since(started)
            await asyncio.sleep(HANDOVER_GRACE_S)
            await close()

        self._handover = asyncio.create_task(retire())

    async def _leave_sfu(self, sfu: SfuPath) -> None:
        await self.ws.request("sfu_leave")
        await sfu.close()

    async def _until_newest_video_since(self, since: float, timeout_s: float = 20) -> None:
        """Until the newest camera track (the new path's) has shown a frame, or the timeout."""
        def plays() -> bool:
            return any(counters[-1].count and counters[-1].arrivals[-1] > since
                       for key, counters in self.counters.items() if key.endswith(":camera"))
        while not plays() and time.monotonic() - since < timeout_s:
            await asyncio.sleep(0.02)

    def _camera(self) -> MediaStreamTrack:
        return MovingPattern(*self.camera_size, fps=self.fps)

    def _track_arrived(self, peer_id: str, track: MediaStreamTrack) -> None:
        self.received[track.kind] = self._count(f"{peer_id}:{'camera' if track.kind == 'video' else 'mic'}", track)

    def _count(self, key: str, track: MediaStreamTrack) -> FrameCounter:
        counter = FrameCounter(track, self.views.setdefault(key, []))
        self.counters.setdefault(key, []).append(counter)
        return counter

    def camera_of(self, other: "CallClient") -> list[float]:
        return self.views.setdefault(f"{other.participant_id}:camera", [])

    async def close(self) -> None:
        if self._handover is not None:
            self._handover.cancel()
        if self.sfu is not None:
            await self.sfu.close()
        for counters in self.counters.values():
            for counter in counters:
                await counter.stop()
        await super().close()

"""Python WebRTC test clients (aiortc): synthetic media sources, received-frame counters, and a
peer that runs a PeerShare P2P call over the gateway."""

from __future__ import annotations

import asyncio
import logging
import fractions
import math
import time
from typing import Any

import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

from tests.support.ws import WsClient

VIDEO_CLOCK = 90_000

log = logging.getLogger(__name__)


class MovingPattern(MediaStreamTrack):
    """A video source: a bar sweeping across a gradient, so every frame differs. With `noise`,
    a grain that encoders cannot squeeze, for a realistic bitrate."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240, fps: int = 20, *, noise: bool = False) -> None:
        super().__init__()
        self.width, self.height, self.fps, self.noise = width, height, fps, noise
        self._count = 0
        self._start: float | None = None
        base = np.linspace(0, 255, width, dtype=np.uint8)
        self._gradient = np.repeat(np.tile(base, (height, 1))[:, :, None], 3, axis=2)
        self._random = np.random.default_rng(7)

    def frame_at(self, index: int) -> VideoFrame:
        image = self._gradient.copy()
        if self.noise:
            image ^= self._random.integers(0, 48, image.shape, dtype=np.uint8)
        x = (index * 8) % self.width
        image[:, x:x + 16] = (255, 0, 0)
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = int(index * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._count / self.fps
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        self._count += 1
        return self.frame_at(self._count - 1)


class StillImage(MediaStreamTrack):
    """A video source that shows one picture (an RGB array), e.g. a solid colour a test can find."""

    kind = "video"

    def __init__(self, image: np.ndarray, fps: int = 15) -> None:
        super().__init__()
        self.image, self.fps = image, fps
        self._count = 0
        self._start: float | None = None

    @classmethod
    def solid(cls, rgb: tuple[int, int, int], width: int = 320, height: int = 240, fps: int = 15) -> StillImage:
        return cls(np.full((height, width, 3), rgb, np.uint8), fps)

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self._count / self.fps - time.monotonic()))
        frame = VideoFrame.from_ndarray(self.image, format="rgb24")
        frame.pts = int(self._count * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self._count += 1
        return frame


class Tone(MediaStreamTrack):
    """An audio source: a tone (440 Hz unless told) in 20 ms frames."""

    kind = "audio"

    def __init__(self, rate: int = 48_000, frequency: float = 440) -> None:
        super().__init__()
        self.rate = rate
        self.frequency = frequency
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        per_frame = self.rate // 50
        due = self._start + self._samples / self.rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t = (np.arange(per_frame) + self._samples) / self.rate
        pcm = (np.sin(2 * math.pi * self.frequency * t) * 8000).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, self.rate)
        self._samples += per_frame
        return frame


class FrameCounter:
    """Reads a received track and keeps what a test asserts on: count, size, arrival times."""

    def __init__(self, track: MediaStreamTrack, arrivals: list[float] | None = None) -> None:
        self.track = track
        self.count = 0
        self.size: tuple[int, int] | None = None
        # Shared when several tracks show one thing (the same camera over P2P, then the SFU).
        self.arrivals: list[float] = [] if arrivals is None else arrivals
        self._first = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                frame = await self.track.recv()
                self.count += 1
                self.arrivals.append(time.monotonic())
                if isinstance(frame, VideoFrame):
                    self.size = (frame.width, frame.height)
                self._first.set()
        except MediaStreamError:
            pass

    async def wait_first(self, timeout: float = 20) -> None:
        await asyncio.wait_for(self._first.wait(), timeout)

    async def wait_count(self, n: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.count < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"received {self.count} frames, wanted {n}")
            await asyncio.sleep(0.05)

    def longest_gap(self, since: float = 0.0) -> float:
        return longest_gap(self.arrivals, since)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def longest_gap(arrivals: list[float], since: float = 0.0, until: float | None = None) -> float:
    times = sorted(t for t in arrivals if t >= since and (until is None or t <= until))
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def rtc_configuration(ice_servers: list[dict[str, Any]], *, relay_only: bool = False) -> RTCConfiguration:
    servers = [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
               for s in ice_servers]
    policy = RTCIceTransportPolicy.RELAY if relay_only else RTCIceTransportPolicy.ALL
    return RTCConfiguration(iceServers=servers or None, iceTransportPolicy=policy)


class P2PPeer:
    """One side of a PeerShare P2P call: follows `call_mode`, offers when impolite, answers offers."""

    def __init__(self, ws: WsClient, *, relay_only: bool = False, video: bool = True, audio: bool = True) -> None:
        self.ws = ws
        self.relay_only = relay_only
        self.joined: dict[str, Any] = {}
        self.pc: RTCPeerConnection | None = None
        self.peer_id: str | None = None
        self.received: dict[str, FrameCounter] = {}
        self._video, self._audio = video, audio
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def join(self, channel_id: str) -> dict[str, Any]:
        signals = self.ws.subscribe("call_mode", "p2p_signal")
        self.joined = await self.ws.ok("join_call", channel_id=channel_id)
        self._task = asyncio.create_task(self._follow(signals))
        return self.joined

    def _new_pc(self, peer_id: str) -> RTCPeerConnection:
        pc = RTCPeerConnection(rtc_configuration(self.joined["ice_servers"], relay_only=self.relay_only))
        if self._video:
            pc.addTrack(self._camera())
        if self._audio:
            pc.addTrack(Tone())

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._track_arrived(peer_id, track)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState == "connected":
                self.connected.set()

        return pc

    async def _follow(self, signals: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            frame = await signals.get()
            try:
                await self._on_signal(frame)
            except Exception:  # a test client's failure shows in the test's log, and the client goes on
                log.exception("call client failed on %s", frame["type"])

    async def _on_signal(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "call_mode":
            peer = frame.get("peer_participant_id")
            if peer != self.peer_id:  # a new peer (or none): the old connection has no one at the other end
                old, self.pc, self.peer_id = self.pc, None, peer
                if old is not None:
                    await old.close()
            if peer and frame["polite"] is False and self.pc is None:
                self.pc = self._new_pc(peer)
                await self.pc.setLocalDescription(await self.pc.createOffer())
                await self._signal(peer, self.pc.localDescription)
        elif frame["type"] == "p2p_signal" and frame.get("description"):
            description = frame["description"]
            if description["type"] == "offer":
                self.pc = self.pc or self._new_pc(frame["from_participant_id"])
                await self.pc.setRemoteDescription(RTCSessionDescription(description["sdp"], "offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self._signal(frame["from_participant_id"], self.pc.localDescription)
            elif description["type"] == "answer" and self.pc is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(description["sdp"], "answer"))

    def _camera(self) -> MediaStreamTrack:
        return MovingPattern()

    def _track_arrived(self, peer_id: str, track: MediaStreamTrack) -> None:
        self.received[track.kind] = FrameCounter(track)

    async def _signal(self, to: str, description: RTCSessionDescription) -> None:
        await self.ws.ok("p2p_signal", to=to, description={"type": description.type, "sdp": description.sdp})

    async def selected_path(self) -> str:
        """direct or relay, from the selected candidate pair of the connection."""
        assert self.pc is not None
        for transceiver in self.pc.getTransceivers():
            ice = transceiver.sender.transport.transport
            pair = ice._connection._nominated.get(1)  # aioice keeps the nominated pair per component
            if pair is not None:
                return "relay" if pair.local_candidate.type == "relay" else "direct"
        raise AssertionError("no nominated candidate pair")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for counter in self.received.values():
            await counter.stop()
        if self.pc is not None:
            await self.pc.close()

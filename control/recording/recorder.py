"""The node's side of a recording: one compositor process, fed by a PlainTransport consumer
per recorded stream of the call's router; stop() leaves one finished MP4.

    recorder = Recorder(router, RecordingQuality("720p"), workdir)
    recorder.observer.on("failed", lambda reason: ...)  # the compositor or ffmpeg died
    await recorder.start()
    await recorder.add_stream(producer, "Ada", "camera")
    ...
    finished = await recorder.stop()  # FinishedRecording(path, duration)

If the node dies, the compositor dies with it (pdeathsig) and so does its ffmpeg; the
fragmented intermediate in the workdir keeps everything up to the last fragment, and
`finalize(intermediate, final)` turns it into a playable MP4 on the next start.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import structlog

import control
from control.childproc import ChildProcess
from control.recording import ffmpeg
from control.recording.quality import RecordingQuality
from control.recording.rtp_input import InputSpec
from control.sfu.consumer import Consumer
from control.sfu.events import Emitter
from control.sfu.plain_transport import PlainTransport
from control.sfu.producer import Producer
from control.sfu.router import Router, listen_ip
from control.tasks import TaskSet

log = structlog.get_logger(__name__)

StreamRole = Literal["camera", "screen", "mic"]
INTERMEDIATE = "recording.part.mp4"
FINAL = "recording.mp4"
_REPLY_TIMEOUT = 10.0
# What the compositor asks of the SFU: key frames on request; no congestion feedback (it sends
# none, so the SFU does not estimate bandwidth and serves the layer it is asked for).
_FEEDBACK = {"video": [{"type": "nack", "parameter": "pli"}, {"type": "ccm", "parameter": "fir"}], "audio": []}


class RecorderError(Exception):
    """The compositor did not answer, or answered with a failure."""


@dataclass(frozen=True)
class FinishedRecording:
    path: Path
    duration: float | None  # seconds, as ffprobe reads the final file


@dataclass
class _Stream:
    producer_id: str
    transport: PlainTransport
    consumer: Consumer
    scales: list[float]  # of each spatial layer's size over the lowest's
    # Height of the lowest layer's pictures (the first to arrive), and the layer asked for.
    base_height: int | None = None
    layer: int = 0


def _layer_scales(producer: Producer) -> list[float]:
    """How much larger each spatial layer is than the lowest: the encodings' scaleResolutionDownBy,
    or what browsers use without it (each layer twice the one below)."""
    encodings = producer.rtp_parameters["encodings"]
    downscales = [float(e.get("scaleResolutionDownBy") or 2 ** (len(encodings) - 1 - i))
                  for i, e in enumerate(encodings)]
    return [downscales[0] / d for d in downscales]


async def finalize(intermediate: Path, final: Path) -> float | None:
    """Remuxes a fragmented intermediate (of a stopped or a dead recording) into `final` with
    +faststart; its duration in seconds, or None when nothing playable was recorded."""
    if not intermediate.exists() or intermediate.stat().st_size == 0:
        return None
    if not await ffmpeg.remux(intermediate, final):
        return None
    return await ffmpeg.duration(final)


class Recorder:
    def __init__(self, router: Router, quality: RecordingQuality, workdir: Path, *,
                 listen_address: str = "127.0.0.1") -> None:
        self.router = router
        self.quality = quality
        self.workdir = workdir
        self.intermediate = workdir / INTERMEDIATE
        self.final = workdir / FINAL
        self.listen_address = listen_address
        self.failure: str | None = None
        # "failed" (reason): the compositor or its ffmpeg died; stop() still finalizes what was written.
        self.observer = Emitter()
        self.streams: dict[str, _Stream] = {}
        self.figures: dict[str, Any] = {}  # the compositor's counts at stop
        self._tile_heights: dict[str, int] = {}  # the compositor's latest layout
        self._process: ChildProcess | None = None
        self._commands: asyncio.WriteTransport | None = None
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_req = 0
        self._ready: asyncio.Future[None] | None = None
        self._tasks = TaskSet(f"recorder {workdir.name}")
        self._stopping = False

    @property
    def pid(self) -> int | None:
        """The compositor's process id (its ffmpeg is its only child)."""
        return self._process.pid if self._process is not None else None

    # --- the compositor process ---

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        command_r, command_w = os.pipe()
        event_r, event_w = os.pipe()
        stderr = os.open(self.workdir / "compositor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        # The child runs the same `control` package as this node (a checkout, not an installed copy).
        source_root = str(Path(control.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")]))}
        args = [sys.executable, "-m", "control.recording.compositor", "--output", str(self.intermediate),
                "--resolution", self.quality.resolution, "--fps", str(self.quality.fps),
                "--video-bitrate", str(self.quality.video_bitrate), "--host", self.listen_address]
        try:
            self._process = ChildProcess(args, env=env, fds={0: command_r, 1: event_w, 2: stderr})
        finally:
            for fd in (command_r, event_w, stderr):
                os.close(fd)
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(event_r, "rb", 0))
        self._commands, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(command_w, "wb", 0))
        self._ready = loop.create_future()
        self._tasks.spawn(self._read_events(reader))
        self._tasks.spawn(self._watch_exit())
        await asyncio.wait_for(asyncio.shield(self._ready), _REPLY_TIMEOUT)
        log.info("recording_started", workdir=str(self.workdir), pid=self._process.pid, **self.quality.to_json())

    async def _request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        if self.failure is not None or self._commands is None:
            raise RecorderError(self.failure or "not started")
        self._next_req += 1
        req = self._next_req
        reply = asyncio.get_running_loop().create_future()
        self._replies[req] = reply
        self._commands.write((json.dumps({"cmd": cmd, "req": req, **fields}) + "\n").encode())
        try:
            return await asyncio.wait_for(reply, _REPLY_TIMEOUT)
        finally:
            self._replies.pop(req, None)

    async def _read_events(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            event = json.loads(line)
            kind = event.pop("event")
            reply = self._replies.get(event.get("req", -1))
            if reply is not None and not reply.done():
                reply.set_result(event)
            elif kind == "ready" and self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
            elif kind == "tiles":
                self._tile_heights = {producer_id: h for producer_id, (_, h) in event["tiles"].items()}
                for producer_id in self._tile_heights:
                    self._fit_layer(producer_id)
            elif kind == "size":
                self._fit_layer(event["id"], frame_height=event["height"])
            elif kind == "failed":
                self._fail(event["reason"])

    async def _watch_exit(self) -> None:
        assert self._process is not None
        code = await self._process.wait()
        if not self._stopping or code != 0:
            self._fail(f"compositor exited with {code}")

    def _fail(self, reason: str) -> None:
        if self.failure is not None:
            return
        self.failure = reason
        log.error("recording_failed", workdir=str(self.workdir), reason=reason)
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(RecorderError(reason))
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(RecorderError(reason))
        self.observer.emit("failed", reason)

    # --- streams ---

    async def add_stream(self, producer: Producer, label: str, role: StreamRole, participant: str = "") -> None:
        """Records the producer from now on (once: adding it again changes nothing); a camera's
        simulcast is served in the layer that fits its tile. With `participant` (whose stream it
        is), someone recorded with a microphone and no camera gets a tile with `label`."""
        if producer.id in self.streams:
            return
        transport = await self.router.create_plain_transport(listen_ip=listen_ip(self.listen_address),
                                                             rtcp_mux=True, comedia=False)
        try:
            capabilities = {"codecs": [{**c, "rtcpFeedback": _FEEDBACK[c["kind"]]}
                                       for c in self.router.rtp_capabilities["codecs"]
                                       if not c["mimeType"].lower().endswith("/rtx")],
                            "headerExtensions": []}
            # Lowest layer first: its key frames are small and come quickly; _fit_layer moves up.
            consumer = await transport.consume(producer_id=producer.id, rtp_capabilities=capabilities, paused=True,
                                               enable_rtx=False, preferred_layers={"spatialLayer": 0})
            codec = consumer.rtp_parameters["codecs"][0]
            spec = InputSpec(id=producer.id, kind=producer.kind,  # type: ignore[arg-type]
                             mime_type=codec["mimeType"], payload_type=codec["payloadType"],
                             clock_rate=codec["clockRate"], ssrc=consumer.rtp_parameters["encodings"][0]["ssrc"],
                             role=role, label=label,
                             rtcp_address=(transport.tuple["localIp"], transport.tuple["localPort"]),
                             participant=participant)
            added = await self._request("add", input=asdict(spec))
            await transport.connect(ip=self.listen_address, port=added["port"])
            stream = _Stream(producer.id, transport, consumer, _layer_scales(producer))
            self.streams[producer.id] = stream
            consumer.observer.on("pause", lambda: self._tasks.spawn(self._request("pause", id=producer.id)))
            consumer.observer.on("resume", lambda: self._tasks.spawn(self._request("resume", id=producer.id)))
            consumer.events.on("producerclose", lambda: self._tasks.spawn(self.remove_stream(producer.id)))
            if consumer.producer_paused:
                await self._request("pause", id=producer.id)
            await consumer.resume()
            if consumer.kind == "video":
                await consumer.request_key_frame()
        except BaseException:
            transport.close()
            raise

    async def remove_stream(self, producer_id: str) -> None:
        stream = self.streams.pop(producer_id, None)
        if stream is None:
            return
        stream.transport.close()
        if self.failure is None and not self._stopping:
            await self._request("remove", id=producer_id)

    def _fit_layer(self, producer_id: str, *, frame_height: int | None = None) -> None:
        """Asks for the smallest simulcast layer whose pictures are (nearly) as tall as the tile.
        Layer sizes are known from the lowest layer's, which the consumer starts with."""
        stream = self.streams.get(producer_id)
        if stream is None or stream.consumer.type != "simulcast" or stream.consumer.closed:
            return
        stream.base_height = stream.base_height or frame_height
        tile_height = self._tile_heights.get(producer_id)
        if tile_height is None or stream.base_height is None:
            return
        scales = stream.scales
        layer = next((i for i, scale in enumerate(scales) if stream.base_height * scale >= tile_height * 0.8),
                     len(scales) - 1)
        if layer != stream.layer:
            stream.layer = layer
            self._tasks.spawn(stream.consumer.set_preferred_layers(layer))

    # --- the end ---

    async def stop(self) -> FinishedRecording:
        """Ends the recording (or collects a dead one) and finalizes it into `final`."""
        self._stopping = True
        for stream in self.streams.values():
            stream.transport.close()
        self.streams.clear()
        if self.failure is None and self._process is not None:
            try:
                self.figures = await self._request("stop")
            except (RecorderError, asyncio.TimeoutError) as exc:
                log.error("recording_stop_failed", workdir=str(self.workdir), error=repr(exc))
                self._process.kill()
        if self._process is not None:
            await self._process.wait()
        if self._commands is not None:
            self._commands.close()
        await self._tasks.close()
        duration = await finalize(self.intermediate, self.final)
        log.info("recording_finished", workdir=str(self.workdir), duration=duration, failure=self.failure)
        return FinishedRecording(self.final, duration)

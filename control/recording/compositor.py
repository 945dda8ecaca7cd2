"""The recorder's media process: `python -m control.recording.compositor --output PATH ...`.

One per recording, so decoding and compositing never hold up the node's event loop. It takes
JSON-line commands on stdin and answers in JSON lines on stdout:

    {"cmd": "add", "req": 1, "input": {InputSpec fields}}  → {"event": "added", "req": 1, "id": ..., "port": p}
    {"cmd": "remove", "req": 2, "id": ...}                  → {"event": "removed", "req": 2, "id": ...}
    {"cmd": "pause" | "resume", "req": 3, "id": ...}        → {"event": "paused" | "resumed", ...}
    {"cmd": "stop", "req": 4}                               → {"event": "stopped", "req": 4, ...figures}
and on its own: {"event": "ready"}, {"event": "tiles", "tiles": {id: [w, h]}} when the layout
changes, {"event": "size", "id": ..., "width": w, "height": h} when an input's first frame decodes
and when its size changes, {"event": "failed", "reason": ...} (then it exits 1).

On a fixed frame clock it draws the tiles into one canvas: one per video input, and one with
just the name for each participant heard but not seen (an audio input whose `participant` has
no camera among the inputs). It mixes the audio
inputs, and hands both, raw, to ffmpeg (encoder.py). The number of frames and samples written
follows the wall clock: when it falls behind it repeats the last picture, so the file's
duration is the recording's wall time and audio stays in step with video.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
from dataclasses import fields
from pathlib import Path
from typing import Any

import av
import numpy as np

from control.recording import labels
from control.recording.canvas import BACKGROUND, Canvas, Picture
from control.recording.encoder import Encoder, EncoderGone
from control.recording.layout import Rect, TileInput, fit, tiles
from control.recording.mixer import CHANNELS, RATE, AudioMixer
from control.recording.quality import RecordingQuality
from control.recording.rtp_input import InputSpec, RtpInput


class _Tile:
    """What is drawn in one tile, to redraw only what changed."""

    def __init__(self, rect: Rect) -> None:
        self.rect = rect
        self.drawn: object = None  # the frame (or "placeholder") last drawn


class Compositor:
    def __init__(self, quality: RecordingQuality, output: Path, host: str) -> None:
        self.quality = quality
        self.output = output
        self.host = host
        width, height = quality.size
        self.canvas = Canvas(width, height)
        self.mixer = AudioMixer()
        self.inputs: dict[str, RtpInput] = {}
        self.latest: dict[str, av.VideoFrame] = {}
        self.tiles: dict[str, _Tile] = {}
        self.layout_changed = True
        self.frames_written = 0
        self.frames_drawn = 0
        self.started = 0.0
        self.encoder = Encoder(quality, output)
        self._stopping = False

    # --- events out ---

    @staticmethod
    def emit(event: str, **data: Any) -> None:
        sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
        sys.stdout.flush()

    # --- inputs ---

    async def add(self, spec: InputSpec) -> int:
        loop = asyncio.get_running_loop()
        _, rtp_input = await loop.create_datagram_endpoint(lambda: RtpInput(spec, self._on_frame),
                                                           local_addr=(self.host, 0))
        self.inputs[spec.id] = rtp_input
        if spec.kind == "audio":
            self.mixer.add(spec.id)
        self.layout_changed = True
        return rtp_input.port

    def remove(self, input_id: str) -> None:
        rtp_input = self.inputs.pop(input_id, None)
        if rtp_input is None:
            return
        rtp_input.close()
        self.mixer.remove(input_id)
        self.latest.pop(input_id, None)
        self.layout_changed = True

    def set_paused(self, input_id: str, paused: bool) -> None:
        if input_id in self.inputs:
            self.inputs[input_id].paused = paused

    def _on_frame(self, source: RtpInput, frame: av.VideoFrame | av.AudioFrame) -> None:
        if isinstance(frame, av.AudioFrame):
            # s16 packed: one plane of interleaved samples (mono is spread to both sides).
            samples: np.ndarray = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
            if samples.shape[1] != CHANNELS:
                samples = np.repeat(samples[:, :1], CHANNELS, axis=1)
            self.mixer.push(source.spec.id, samples)
            return
        previous = self.latest.get(source.spec.id)
        if previous is None or (previous.width, previous.height) != (frame.width, frame.height):
            self.emit("size", id=source.spec.id, width=frame.width, height=frame.height)
        self.latest[source.spec.id] = frame

    # --- drawing ---

    def _tile_inputs(self) -> list[TileInput]:
        """Who gets a tile, in the order the inputs came."""
        seen = {i.spec.participant for i in self.inputs.values() if i.spec.role == "camera" and i.spec.participant}
        return [TileInput(input_id, "screen" if spec.role == "screen" else "camera")
                for input_id, spec in ((k, v.spec) for k, v in self.inputs.items())
                if spec.kind == "video" or (spec.participant and spec.participant not in seen)]

    def _relayout(self) -> None:
        rects = tiles(self.canvas.width, self.canvas.height, self._tile_inputs())
        self.canvas.fill(Rect(0, 0, self.canvas.width, self.canvas.height), BACKGROUND)
        self.tiles = {tile_id: _Tile(rect) for tile_id, rect in rects.items()}
        self.layout_changed = False
        self.emit("tiles", tiles={i: [r.w, r.h] for i, r in rects.items()})

    def draw(self) -> None:
        if self.layout_changed:
            self._relayout()
        for tile_id, tile in self.tiles.items():
            rect, spec = tile.rect, self.inputs[tile_id].spec
            frame = None if self.inputs[tile_id].paused else self.latest.get(tile_id)
            if frame is None:
                if tile.drawn != "placeholder":
                    self.canvas.paste(labels.placeholder(spec.label, rect.w, rect.h), rect.x, rect.y)
                    tile.drawn = "placeholder"
                continue
            if tile.drawn is frame:
                continue
            box = fit(frame.width, frame.height, rect)
            if not isinstance(tile.drawn, av.VideoFrame) or (tile.drawn.width, tile.drawn.height) != (
                    frame.width, frame.height):
                self.canvas.fill(rect, BACKGROUND)  # the letterbox bars of the new aspect
            scaled = frame.reformat(width=box.w, height=box.h, format="yuv420p", interpolation="BILINEAR")
            self.canvas.paste(Picture.of_frame(scaled), box.x, box.y)
            self._draw_label(spec.label, rect)
            tile.drawn = frame

    def _draw_label(self, text: str, rect: Rect) -> None:
        height = max(16, rect.h // 12) & ~1
        margin = max(2, height // 4) & ~1
        picture = labels.label(text, height, rect.w - 2 * margin)
        self.canvas.paste(picture, rect.x + margin, rect.y + rect.h - height - margin)

    # --- the frame clock ---

    async def run_clock(self) -> None:
        fps = self.quality.fps
        self.started = time.monotonic()
        while not self._stopping:
            due = int((time.monotonic() - self.started) * fps) + 1
            if due > self.frames_written:
                for rtp_input in self.inputs.values():
                    rtp_input.request_key_frame_if_needed()
                self.draw()
                self.frames_drawn += 1
                while self.frames_written < due:
                    self._write_frame()
            await asyncio.sleep(max(0.0, self.started + due / fps - time.monotonic()))

    def _write_frame(self) -> None:
        fps, index = self.quality.fps, self.frames_written
        samples = (index + 1) * RATE // fps - index * RATE // fps
        self.encoder.write(index, self.canvas.frame, self.mixer.pull(samples))
        self.frames_written += 1

    async def stop(self) -> dict[str, Any]:
        self._stopping = True
        for input_id in list(self.inputs):
            self.remove(input_id)
        closing = time.monotonic()
        code = await self.encoder.close()
        # drain_s: how far ffmpeg lagged behind (it encodes what it had queued before it exits).
        return {"ffmpeg_exit": code, "frames": self.frames_written, "frames_drawn": self.frames_drawn,
                "duration": round(self.frames_written / self.quality.fps, 3),
                "drain_s": round(time.monotonic() - closing, 3)}


async def _commands(compositor: Compositor) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    names = {f.name for f in fields(InputSpec)}
    while line := await reader.readline():
        command = json.loads(line)
        req, cmd = command.get("req"), command["cmd"]
        if cmd == "add":
            spec_data = {k: v for k, v in command["input"].items() if k in names}
            if spec_data.get("rtcp_address") is not None:
                spec_data["rtcp_address"] = tuple(spec_data["rtcp_address"])
            port = await compositor.add(InputSpec(**spec_data))
            compositor.emit("added", req=req, id=spec_data["id"], port=port)
        elif cmd == "remove":
            compositor.remove(command["id"])
            compositor.emit("removed", req=req, id=command["id"])
        elif cmd in ("pause", "resume"):
            compositor.set_paused(command["id"], cmd == "pause")
            compositor.emit(cmd + "d", req=req, id=command["id"])
        elif cmd == "stop":
            compositor.emit("stopped", req=req, **await compositor.stop())
            return
    # stdin closed without a stop: the node went away; end the file cleanly all the same.
    await compositor.stop()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m control.recording.compositor")
    parser.add_argument("--output", type=Path, required=True, help="the fragmented MP4 to write")
    parser.add_argument("--resolution", choices=["720p", "1080p"], default="720p")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--video-bitrate", type=int, default=2_500_000)
    parser.add_argument("--host", default="127.0.0.1", help="the address the RTP sockets listen on")
    args = parser.parse_args(argv)
    quality = RecordingQuality(resolution=args.resolution, fps=args.fps, video_bitrate=args.video_bitrate)
    compositor = Compositor(quality, args.output, args.host)
    compositor.emit("ready")
    commands = asyncio.ensure_future(_commands(compositor))
    clock = asyncio.ensure_future(compositor.run_clock())
    encoder_exit = asyncio.ensure_future(compositor.encoder.process.wait())
    await asyncio.wait({commands, encoder_exit, clock}, return_when=asyncio.FIRST_COMPLETED)
    if clock.done() and clock.exception() is None:
        # A stop began (the clock ends first): ffmpeg's exit is part of it, the commands end it.
        await asyncio.wait({commands})
    if commands.done() and commands.exception() is None:
        return 0
    failure = next((t.exception() for t in (commands, clock) if t.done() and t.exception() is not None), None)
    if encoder_exit.done() and (failure is None or isinstance(failure, EncoderGone)):
        compositor.emit("failed", reason=f"ffmpeg exited with {encoder_exit.result()}")
    else:
        traceback.print_exception(failure, file=sys.stderr)  # the workdir's compositor.log
        compositor.emit("failed", reason=repr(failure))
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

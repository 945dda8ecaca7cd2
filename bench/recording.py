"""Benchmark: the recording pipeline (compositor process + Debian's ffmpeg) with N participants.

Participants are replayed, pre-encoded media (a camera in VP8 simulcast 320×180/640×360/1280×720
at 30 fps, an Opus tone; or a 1920×1080 screen share), sent as plain RTP into a real worker's
router, so the senders cost next to nothing. Per scenario it prints:
  cpu_s_per_min     CPU-seconds of the compositor and its ffmpeg per recorded minute (from /proc)
  cores             the same as a share of one core (and split: compositor_cores, ffmpeg_cores)
  fresh_frames      share of output frames composited on time (the rest repeat the last picture
                    because the compositor fell behind its clock): 1.0 means it kept up
  realtime_factor   recorded duration / (wall time from start until ffmpeg wrote the last frame)
  stop_to_file_s    from stop() to the finalized MP4
and finalize_s for a 10-minute intermediate (the recording's fragments looped with -c copy).
With --one-core the compositor and ffmpeg run pinned to a single CPU.

    PYTHONPATH=. .venv/bin/python bench/recording.py [--seconds 30] [--one-core]
        [--scenarios cameras2,cameras4,cameras8,screen1080]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiortc.clock import current_ntp_time  # noqa: E402
from aiortc.codecs.opus import OpusEncoder  # noqa: E402
from aiortc.codecs.vpx import Vp8Encoder  # noqa: E402
from aiortc.rtp import RtcpSenderInfo, RtcpSrPacket, RtpPacket  # noqa: E402

from control.recording.quality import RecordingQuality  # noqa: E402
from control.recording.recorder import Recorder, finalize  # noqa: E402
from control.sfu.router import Router, listen_ip  # noqa: E402
from control.sfu.worker import Worker  # noqa: E402
from media_worker import worker_binary  # noqa: E402
from tests.media.rtp import opus_parameters  # noqa: E402
from tests.support.rtp_sender import RtpSender  # noqa: E402
from tests.support.webrtc import MovingPattern, Tone  # noqa: E402

MEDIA_CODECS = [
    {"kind": "audio", "mimeType": "audio/opus", "clockRate": 48000, "channels": 2},
    {"kind": "video", "mimeType": "video/VP8", "clockRate": 90000},
]
CAMERA_LAYERS = ((320, 180, 150_000), (640, 360, 500_000), (1280, 720, 1_500_000))
SCREEN_LAYERS = ((1920, 1080, 2_500_000),)
LOOP_SECONDS = 2


def emit(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


@dataclass
class Clip:
    """Encoded frames of each layer (a key frame first), replayed in a loop."""

    fps: int
    layers: list[list[list[bytes]]]  # layer → frame → packets' payloads


def encode_video(layers: tuple[tuple[int, int, int], ...], fps: int) -> Clip:
    encoded = []
    for width, height, bitrate in layers:
        source, encoder = MovingPattern(width, height, fps, noise=True), Vp8Encoder()
        encoder.target_bitrate = bitrate
        encoded.append([encoder.encode(source.frame_at(i), force_keyframe=i == 0)[0]
                        for i in range(fps * LOOP_SECONDS)])
    return Clip(fps, encoded)


async def encode_audio() -> list[bytes]:
    tone, encoder = Tone(frequency=random.choice([440, 550, 660])), OpusEncoder()
    return [encoder.encode(await tone.recv())[0][0] for _ in range(50 * LOOP_SECONDS)]


class Replay(RtpSender):
    """Sends a clip (one SSRC per layer) or Opus packets to a comedia PlainTransport."""

    def __init__(self, address: tuple[str, int], payload_type: int, clock: int, layers: list[list[list[bytes]]],
                 fps: float) -> None:
        super().__init__(address)
        self.payload_type, self.clock, self.layers, self.fps = payload_type, clock, layers, fps
        self.ssrcs = [random.randint(10_000_000, 90_000_000) + i for i in range(len(layers))]

    async def _run(self) -> None:
        sequence, index, start = [random.randint(0, 30000) for _ in self.layers], 0, time.monotonic()
        while True:
            await asyncio.sleep(max(0.0, start + index / self.fps - time.monotonic()))
            timestamp = int(index * self.clock / self.fps) & 0xFFFFFFFF
            for layer, frames in enumerate(self.layers):
                payloads = frames[index % len(frames)]
                for i, payload in enumerate(payloads):
                    packet = RtpPacket(payload_type=self.payload_type, sequence_number=sequence[layer],
                                       timestamp=timestamp, ssrc=self.ssrcs[layer], payload=payload,
                                       marker=int(i == len(payloads) - 1))
                    sequence[layer] = (sequence[layer] + 1) % 65536
                    self._send(packet.serialize())
                if index % max(1, int(self.fps)) == 0:
                    info = RtcpSenderInfo(ntp_timestamp=current_ntp_time(), rtp_timestamp=timestamp,
                                          packet_count=index, octet_count=index * 1000)
                    self._send(bytes(RtcpSrPacket(ssrc=self.ssrcs[layer], sender_info=info)))
            index += 1


async def publish(router: Router, replay_args: dict[str, Any], kind: str) -> tuple[Any, Replay]:
    ingest = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), comedia=True, rtcp_mux=True)
    replay = Replay((ingest.tuple["localIp"], ingest.tuple["localPort"]), **replay_args)
    if kind == "audio":
        parameters = opus_parameters(ssrc=replay.ssrcs[0])
        parameters.pop("mid"), parameters.pop("headerExtensions")
    else:
        parameters = {"codecs": [{"mimeType": "video/VP8", "payloadType": 96, "clockRate": 90000,
                                  "rtcpFeedback": [{"type": "nack", "parameter": "pli"}]}],
                      "encodings": [{"ssrc": s} for s in replay.ssrcs], "rtcp": {"cname": "bench"}}
    producer = await ingest.produce(kind=kind, rtp_parameters=parameters)
    await replay.start()
    return producer, replay


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def pin_to_one_core(pids: list[int]) -> None:
    cpu = min(os.sched_getaffinity(0))
    for pid in pids:  # every thread: x264's and PyAV's threads are the ones that matter
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(pid)], check=True, capture_output=True)


async def scenario(name: str, seconds: float, one_core: bool, workdir: Path) -> Path:
    cameras, screen = {"cameras2": (2, False), "cameras4": (4, False), "cameras8": (8, False),
                       "screen1080": (2, True)}[name]
    quality = RecordingQuality("1080p" if screen else "720p", fps=30, video_bitrate=2_500_000 if not screen
                               else 4_000_000)
    worker = await Worker.spawn(worker_binary())
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    camera_clip = encode_video(CAMERA_LAYERS, 30)
    replays: list[Replay] = []
    recorder = Recorder(router, quality, workdir / name)
    try:
        await recorder.start()
        assert recorder.pid is not None
        started = time.monotonic()
        for i in range(cameras):
            video, replay = await publish(router, {"payload_type": 96, "clock": 90_000, "layers": camera_clip.layers,
                                                   "fps": 30}, "video")
            replays.append(replay)
            audio, replay = await publish(router, {"payload_type": 111, "clock": 48_000,
                                                   "layers": [[[p] for p in await encode_audio()]], "fps": 50}, "audio")
            replays.append(replay)
            await recorder.add_stream(video, f"Person {i + 1}", "camera")
            await recorder.add_stream(audio, f"Person {i + 1}", "mic")
        if screen:
            clip = encode_video(SCREEN_LAYERS, 15)
            video, replay = await publish(router, {"payload_type": 96, "clock": 90_000, "layers": clip.layers,
                                                   "fps": 15}, "video")
            replays.append(replay)
            await recorder.add_stream(video, "Screen", "screen")
        ffmpeg_pid = int(Path(f"/proc/{recorder.pid}/task/{recorder.pid}/children").read_text().split()[0])
        pids = [recorder.pid, ffmpeg_pid]
        await asyncio.sleep(3)  # layers settle, decoders warm up
        if one_core:
            pin_to_one_core(pids)
        before, wall_before = [cpu_seconds([pid]) for pid in pids], time.monotonic()
        await asyncio.sleep(seconds)
        (compositor_cpu, ffmpeg_cpu), wall = ([cpu_seconds([pid]) - b for pid, b in zip(pids, before)],
                                              time.monotonic() - wall_before)
        cpu = compositor_cpu + ffmpeg_cpu
        stop_at = time.monotonic()
        finished = await recorder.stop()
        stop_to_file = time.monotonic() - stop_at
        figures = recorder.figures
        emit(bench="recording", scenario=name, resolution=quality.resolution, fps=quality.fps,
             participants=cameras, screen_share=screen, one_core=one_core, measured_s=round(wall, 1),
             cpu_s_per_min=round(cpu / wall * 60, 1), cores=round(cpu / wall, 2),
             compositor_cores=round(compositor_cpu / wall, 2), ffmpeg_cores=round(ffmpeg_cpu / wall, 2),
             fresh_frames=round(figures["frames_drawn"] / figures["frames"], 3),
             realtime_factor=round(figures["duration"] / (stop_at - started + figures["drain_s"]), 3),
             stop_to_file_s=round(stop_to_file, 2), duration_s=finished.duration,
             size_mb=round(finished.path.stat().st_size / 1e6, 1))
        return recorder.intermediate
    finally:
        for replay in replays:
            await replay.stop()
        worker.close()
        await worker.wait_closed()


async def finalize_ten_minutes(intermediate: Path, workdir: Path) -> None:
    """A 10-minute fragmented intermediate (the recorded fragments looped), then finalize() on it."""
    length = float(json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(intermediate)],
        capture_output=True, text=True, check=True).stdout)["format"]["duration"])
    loops = int(600 / length)
    long = workdir / "ten_minutes.part.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(intermediate), "-c", "copy",
                    "-t", "600", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", str(long)], check=True)
    started = time.monotonic()
    duration = await finalize(long, workdir / "ten_minutes.mp4")
    emit(bench="recording", scenario="finalize", duration_s=duration,
         size_mb=round(long.stat().st_size / 1e6, 1), finalize_s=round(time.monotonic() - started, 2))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--scenarios", default="cameras2,cameras4,cameras8,screen1080")
    parser.add_argument("--one-core", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-recording-"))
    try:
        intermediate = None
        for name in args.scenarios.split(","):
            intermediate = await scenario(name, args.seconds, args.one_core, workdir)
        if intermediate is not None:
            await finalize_ten_minutes(intermediate, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())

"""Recording a call: real senders (aiortc through the real worker) → PlainTransports → the
compositor process → Debian's ffmpeg → one MP4 that is read back and checked picture by
picture and tone by tone."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import numpy as np
import pytest

from control.recording.labels import PLACEHOLDER_BACKGROUND as PLACEHOLDER_GREY
from control.recording.layout import Rect, TileInput, fit, tiles
from control.recording.quality import RecordingQuality
from control.recording.recorder import Recorder, finalize
from control.sfu.producer import Producer
from control.sfu.router import Router
from tests.media.recording_checks import (
    audio,
    close_to,
    mean_colour,
    median_colour,
    pictures_at,
    probe,
    share_of_pixels_near,
    tone_level_ok,
    top_level_boxes,
)
from tests.support.sfu_client import DirectServer, SfuClient
from tests.support.webrtc import StillImage, Tone

QUALITY = RecordingQuality("720p", fps=15, video_bitrate=1_500_000)
CAMERA = (320, 240)
SCREEN = (960, 540)
# The screen share: yellow left half, cyan right half (an unmistakable pattern, not a camera colour).
YELLOW, CYAN = (255, 255, 0), (0, 255, 255)


@dataclass
class Sender:
    name: str
    colour: tuple[int, int, int]
    frequency: float
    client: SfuClient
    producers: dict[str, Producer] = field(default_factory=dict)  # "camera", "mic", "screen"


async def _sender(server: DirectServer, name: str, colour: tuple[int, int, int], frequency: float) -> Sender:
    camera, mic = StillImage.solid(colour, *CAMERA), Tone(frequency=frequency)
    client = SfuClient(server, [camera, mic])
    await client.load()
    sender = Sender(name, colour, frequency, client)
    for role, track in (("camera", camera), ("mic", mic)):
        produced = await client.produce(track)
        sender.producers[role] = server.router.producers[produced.id]
    return sender


@pytest.fixture
async def senders(router: Router) -> AsyncIterator[dict[str, Sender]]:
    server = DirectServer(router)
    made: dict[str, Sender] = {}
    try:
        for name, colour, frequency in (("Ada", (220, 30, 30), 440), ("Bo", (30, 200, 30), 660),
                                        ("Cy", (30, 30, 220), 990), ("Dee", (230, 40, 230), 1500)):
            made[name] = await _sender(server, name, colour, frequency)
        yield made
    finally:
        for sender in made.values():
            await sender.client.close()


def _layout(video: list[tuple[str, str]]) -> dict[str, Rect]:
    return tiles(*QUALITY.size, [TileInput(i, "screen" if r == "screen" else "camera") for i, r in video])


async def _until(deadline: float) -> None:
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))


async def test_a_three_party_call_with_a_screen_share_and_a_leave_records_to_one_checked_mp4(
        router: Router, senders: dict[str, Sender], tmp_path: Path) -> None:
    ada, bo, cy, dee = senders["Ada"], senders["Bo"], senders["Cy"], senders["Dee"]
    recorder = Recorder(router, QUALITY, tmp_path)
    failures: list[str] = []
    recorder.observer.on("failed", failures.append)
    await recorder.start()
    started = time.monotonic()
    # Dee declined: her producers exist in the router, and are never added.
    for sender in (ada, bo, cy):
        await recorder.add_stream(sender.producers["camera"], sender.name, "camera")
        await recorder.add_stream(sender.producers["mic"], sender.name, "mic")
    await _until(started + 6)
    screen = StillImage(np.concatenate([np.full((SCREEN[1], SCREEN[0] // 2, 3), YELLOW, np.uint8),
                                        np.full((SCREEN[1], SCREEN[0] // 2, 3), CYAN, np.uint8)], axis=1), fps=5)
    ada.client.tracks.append(screen)
    produced = await ada.client.produce(screen)
    ada.producers["screen"] = router.producers[produced.id]
    await recorder.add_stream(ada.producers["screen"], "Ada's screen", "screen")
    screen_at = time.monotonic() - started
    await _until(started + 12)
    for producer in cy.producers.values():  # Cy leaves: the call closes his producers ...
        producer.close()
    await cy.client.close()  # ... and the recorder drops them on its own
    left_at = time.monotonic() - started
    await _until(started + 16)
    await bo.producers["camera"].pause()  # Bo turns his camera off: his tile shows his name instead
    paused_at = time.monotonic() - started
    await _until(started + 19)
    stopped_at = time.monotonic() - started
    finished = await recorder.stop()

    assert failures == []
    assert finished.path.exists() and finished.duration is not None
    assert abs(finished.duration - stopped_at) <= 1.0, (finished.duration, stopped_at)
    info = probe(finished.path)
    assert sorted(s["codec_name"] for s in info["streams"]) == ["aac", "h264"]
    assert {(s["width"], s["height"]) for s in info["streams"] if s["codec_type"] == "video"} == {QUALITY.size}
    boxes = top_level_boxes(finished.path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart

    grid = _layout([(ada.producers["camera"].id, "camera"), (bo.producers["camera"].id, "camera"),
                    (cy.producers["camera"].id, "camera")])
    shared = _layout([(ada.producers["camera"].id, "camera"), (bo.producers["camera"].id, "camera"),
                      (cy.producers["camera"].id, "camera"), (ada.producers["screen"].id, "screen")])
    after_leave = _layout([(ada.producers["camera"].id, "camera"), (bo.producers["camera"].id, "camera"),
                           (ada.producers["screen"].id, "screen")])
    times = {"grid": 4.0, "shared": screen_at + 3.5, "after_leave": left_at + 3.0, "paused": paused_at + 2.0}
    pictures = pictures_at(finished.path, list(times.values()))
    assert len(pictures) == 4

    def camera_colour(picture: np.ndarray, layout: dict[str, Rect], sender: Sender) -> np.ndarray:
        return mean_colour(picture, fit(*CAMERA, layout[sender.producers["camera"].id]))

    picture = pictures[times["grid"]]
    for sender in (ada, bo, cy):
        colour = camera_colour(picture, grid, sender)
        assert close_to(colour, sender.colour), (sender.name, colour)

    picture = pictures[times["shared"]]
    screen_box = fit(*SCREEN, shared[ada.producers["screen"].id])
    left, right = (Rect(screen_box.x, screen_box.y, screen_box.w // 2, screen_box.h),
                   Rect(screen_box.x + screen_box.w // 2, screen_box.y, screen_box.w // 2, screen_box.h))
    assert close_to(mean_colour(picture, left), YELLOW) and close_to(mean_colour(picture, right), CYAN)
    for sender in (ada, bo, cy):
        colour = camera_colour(picture, shared, sender)
        assert close_to(colour, sender.colour), (sender.name, colour)

    picture = pictures[times["after_leave"]]
    for sender in (ada, bo):
        colour = camera_colour(picture, after_leave, sender)
        assert close_to(colour, sender.colour), (sender.name, colour)
    assert share_of_pixels_near(picture, cy.colour) < 0.001  # gone after the leave and the re-flow

    picture = pictures[times["paused"]]
    tile = after_leave[bo.producers["camera"].id]
    assert close_to(median_colour(picture, tile), PLACEHOLDER_GREY, 10)
    assert close_to(camera_colour(picture, after_leave, ada), ada.colour)

    for picture in pictures.values():
        assert share_of_pixels_near(picture, dee.colour) < 0.001  # declined: never in the file

    samples, rate = audio(finished.path)

    def window(start: float, end: float) -> np.ndarray:
        return samples[int(start * rate):int(end * rate)]

    everyone, after = window(2, 6), window(left_at + 2, stopped_at - 1)
    for part in (everyone, after):
        assert float(np.sqrt(np.mean(part ** 2))) > 0.01
    assert tone_level_ok(everyone, rate, present=[440, 660, 990], absent=[1500])
    assert tone_level_ok(after, rate, present=[440, 660], absent=[990, 1500])


async def _record_then_kill(router: Router, senders: dict[str, Sender], tmp_path: Path, victim: str) -> None:
    recorder = Recorder(router, QUALITY, tmp_path)
    failed = asyncio.Event()
    recorder.observer.on("failed", lambda reason: failed.set())
    await recorder.start()
    started = time.monotonic()
    for sender in (senders["Ada"], senders["Bo"]):
        await recorder.add_stream(sender.producers["camera"], sender.name, "camera")
        await recorder.add_stream(sender.producers["mic"], sender.name, "mic")
    await _until(started + 8)
    compositor = recorder.pid
    assert compositor is not None
    if victim == "ffmpeg":
        children = Path(f"/proc/{compositor}/task/{compositor}/children").read_text().split()
        assert len(children) == 1
        os.kill(int(children[0]), signal.SIGKILL)
    else:
        os.kill(compositor, signal.SIGKILL)
    await asyncio.wait_for(failed.wait(), 10)
    assert recorder.failure is not None

    final = tmp_path / "rescued.mp4"
    duration = await finalize(recorder.intermediate, final)
    assert duration is not None and 5.0 < duration <= 9.0, duration
    assert sorted(s["codec_name"] for s in probe(final)["streams"]) == ["aac", "h264"]
    assert pictures_at(final, [duration - 1.5])  # decodable to the end
    # stop() on a dead recording finalizes the same way (what the node does on its restart).
    finished = await recorder.stop()
    assert finished.duration is not None and abs(finished.duration - duration) < 0.5


async def test_kill_9_of_ffmpeg_mid_recording_leaves_a_playable_mp4_of_what_was_recorded(
        router: Router, senders: dict[str, Sender], tmp_path: Path) -> None:
    await _record_then_kill(router, senders, tmp_path, "ffmpeg")


async def test_kill_9_of_the_compositor_mid_recording_leaves_a_playable_mp4_of_what_was_recorded(
        router: Router, senders: dict[str, Sender], tmp_path: Path) -> None:
    await _record_then_kill(router, senders, tmp_path, "compositor")


async def _current_layer_becomes(recorder: Recorder, producer: Producer, layer: int, timeout: float = 15) -> int | None:
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        current = (recorder.streams[producer.id].consumer.current_layers or {}).get("spatialLayer")
        if current == layer:
            break
        await asyncio.sleep(0.1)
    return current


async def test_a_simulcast_camera_is_recorded_from_the_smallest_layer_that_fills_its_tile(
        router: Router, tmp_path: Path) -> None:
    from control.sfu.router import listen_ip
    from tests.support.rtp_sender import SimulcastSender  # layers of 160×120, 320×240, 640×480

    senders, producers = [], []
    for _ in range(2):
        ingest = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), comedia=True)
        sender = SimulcastSender((ingest.tuple["localIp"], ingest.tuple["localPort"]))
        producers.append(await ingest.produce(kind="video", rtp_parameters=sender.rtp_parameters()))
        senders.append(sender)
        await sender.start()
    camera, screen = producers
    recorder = Recorder(router, QUALITY, tmp_path)
    await recorder.start()
    try:
        await recorder.add_stream(camera, "Ada", "camera")
        assert await _current_layer_becomes(recorder, camera, 2) == 2  # alone: a 720-high tile
        await recorder.add_stream(screen, "Ada's screen", "screen")
        assert await _current_layer_becomes(recorder, screen, 2) == 2  # the 540-high large tile
        assert await _current_layer_becomes(recorder, camera, 1) == 1  # a 180-high strip tile: 240 fills it
    finally:
        await recorder.stop()
        for sender in senders:
            await sender.stop()


async def test_an_h264_camera_is_recorded_like_a_vp8_one(router: Router, tmp_path: Path) -> None:
    orange = (240, 140, 20)
    camera = StillImage.solid(orange, *CAMERA)
    client = SfuClient(DirectServer(router), [camera])
    recorder = Recorder(router, QUALITY, tmp_path)
    try:
        await client.load()
        h264 = next(c for c in client.device.rtpCapabilities.codecs if c.mimeType.lower() == "video/h264")
        producer = router.producers[(await client.produce(camera, codec=h264)).id]
        assert producer.rtp_parameters["codecs"][0]["mimeType"].lower() == "video/h264"
        await recorder.start()
        await recorder.add_stream(producer, "Ada", "camera")
        await asyncio.sleep(6)  # the recording's length: nothing to wait for
        finished = await recorder.stop()
    finally:
        await client.close()
    assert finished.duration is not None
    picture = pictures_at(finished.path, [finished.duration - 1.5])[finished.duration - 1.5]
    tile = _layout([(producer.id, "camera")])[producer.id]
    assert close_to(mean_colour(picture, fit(*CAMERA, tile)), orange)


_NODE = """
import asyncio, sys
from pathlib import Path
from control.recording.recorder import Recorder
from control.sfu.worker import Worker
from media_worker import worker_binary
from tests.media.conftest import MEDIA_CODECS
from tests.media.test_recording import QUALITY

async def main():
    worker = await Worker.spawn(worker_binary())
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    recorder = Recorder(router, QUALITY, Path(sys.argv[1]))
    await recorder.start()
    print("compositor", recorder.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_kill_9_of_the_node_takes_its_recorder_along_and_leaves_a_playable_mp4(tmp_path: Path) -> None:
    node = await asyncio.create_subprocess_exec(sys.executable, "-c", _NODE, str(tmp_path),
                                                stdout=asyncio.subprocess.PIPE, env=os.environ.copy())
    try:
        assert node.stdout is not None
        compositor = int(await asyncio.wait_for(_line_after(node.stdout, b"compositor "), 20))
        ffmpeg = int(Path(f"/proc/{compositor}/task/{compositor}/children").read_text().split()[0])
        await asyncio.sleep(6)  # what gets recorded (no inputs: a black picture and silence)
    finally:
        node.kill()
        await node.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in (compositor, ffmpeg)):
        assert time.monotonic() < deadline, "the compositor or its ffmpeg outlived the node"
        await asyncio.sleep(0.1)
    duration = await finalize(tmp_path / "recording.part.mp4", tmp_path / "rescued.mp4")
    assert duration is not None and duration > 4.0, duration


async def _line_after(stream: asyncio.StreamReader, prefix: bytes) -> bytes:
    while not (line := await stream.readline()).startswith(prefix):
        assert line, "the node ended before it said so"
    return line[len(prefix):]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"


async def test_someone_heard_but_not_seen_gets_a_tile_with_their_name(
        router: Router, senders: dict[str, Sender], tmp_path: Path) -> None:
    ada, bo = senders["Ada"], senders["Bo"]
    recorder = Recorder(router, QUALITY, tmp_path)
    await recorder.start()
    await recorder.add_stream(ada.producers["camera"], "Ada", "camera", participant="ada")
    await recorder.add_stream(ada.producers["mic"], "Ada", "mic", participant="ada")
    await recorder.add_stream(bo.producers["mic"], "Bo", "mic", participant="bo")  # camera off from the start
    await asyncio.sleep(5)  # the recording's length: nothing to wait for
    finished = await recorder.stop()
    assert finished.duration is not None
    at = finished.duration - 1.5
    picture = pictures_at(finished.path, [at])[at]
    layout = _layout([(ada.producers["camera"].id, "camera"), (bo.producers["mic"].id, "camera")])
    assert len(layout) == 2  # Ada once (camera and microphone), Bo once
    assert close_to(mean_colour(picture, fit(*CAMERA, layout[ada.producers["camera"].id])), ada.colour)
    bo_tile = layout[bo.producers["mic"].id]
    assert close_to(median_colour(picture, bo_tile), PLACEHOLDER_GREY, 10)
    assert share_of_pixels_near(picture[bo_tile.y:bo_tile.y + bo_tile.h, bo_tile.x:bo_tile.x + bo_tile.w],
                                (255, 255, 255), 40) > 0.001  # his name

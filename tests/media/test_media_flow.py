"""Real media through the real worker: Python WebRTC clients publish a moving pattern and a
tone; another client receives decoded frames of the right size at a plausible rate."""

from __future__ import annotations

import asyncio
import time

from control.sfu.router import Router
from tests.support.sfu_client import DirectServer, SfuClient
from tests.support.webrtc import FrameCounter, MovingPattern, Tone


async def test_a_consumer_receives_the_published_video_and_audio(router: Router) -> None:
    server = DirectServer(router)
    video, audio = MovingPattern(320, 240, fps=20), Tone()
    publisher = SfuClient(server, [video, audio])
    viewer = SfuClient(server, [])
    counters: list[FrameCounter] = []
    try:
        await publisher.load()
        await viewer.load()
        video_producer = await publisher.produce(video)
        audio_producer = await publisher.produce(audio)
        video_consumer = await viewer.consume(video_producer.id)
        audio_consumer = await viewer.consume(audio_producer.id)
        counters = [FrameCounter(video_consumer.track), FrameCounter(audio_consumer.track)]
        await counters[0].wait_first(timeout=20)
        started, before = time.monotonic(), counters[0].count
        await counters[0].wait_count(before + 30, timeout=20)
        fps = (counters[0].count - before) / (time.monotonic() - started)
        assert counters[0].size == (320, 240)
        assert 8 <= fps <= 30, fps
        await counters[1].wait_count(20, timeout=10)
    finally:
        for counter in counters:
            await counter.stop()
        await viewer.close()
        await publisher.close()


async def test_switching_a_simulcast_consumers_preferred_layer_changes_the_received_size(router: Router) -> None:
    from control.sfu.router import listen_ip
    from tests.support.rtp_sender import SimulcastSender

    ingest = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), comedia=True)
    sender = SimulcastSender((ingest.tuple["localIp"], ingest.tuple["localPort"]))
    producer = await ingest.produce(kind="video", rtp_parameters=sender.rtp_parameters())
    assert producer.type == "simulcast"
    server = DirectServer(router)
    viewer = SfuClient(server, [])
    counter: FrameCounter | None = None
    await sender.start()
    try:
        await viewer.load()
        client_consumer = await viewer.consume(producer.id)
        consumer = server.consumers[client_consumer.id]
        counter = FrameCounter(client_consumer.track)
        for layer in (0, 2, 1):
            await consumer.set_preferred_layers(layer)
            expected = {0: (160, 120), 1: (320, 240), 2: (640, 480)}[layer]
            assert await _size_reaches(counter, expected) == expected, (layer, consumer.current_layers,
                                                                         await producer.get_stats())
    finally:
        if counter is not None:
            await counter.stop()
        await viewer.close()
        await sender.stop()


async def _size_reaches(counter: FrameCounter, size: tuple[int, int], timeout: float = 15) -> tuple[int, int] | None:
    """Waits until received frames have `size` (returns it), or returns the last size seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and counter.size != size:
        await asyncio.sleep(0.05)
    return counter.size

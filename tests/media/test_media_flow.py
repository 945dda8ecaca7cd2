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


def _free_udp_pair() -> int:
    """An even port whose next port is free too (RTP and RTCP)."""
    import socket

    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1]) & ~1
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
                return port
        except OSError:
            continue


async def test_plain_transport_consumers_feed_ffmpeg_which_writes_video_and_audio(router: Router, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess

    from control.sfu.router import listen_ip
    from tests.media.rtp import device_capabilities

    server = DirectServer(router)
    video, audio = MovingPattern(320, 240, fps=20), Tone()
    publisher = SfuClient(server, [video, audio])
    await publisher.load()
    producers = [await publisher.produce(video), await publisher.produce(audio)]
    ports = {"video": _free_udp_pair(), "audio": _free_udp_pair()}
    consumers = {}
    media = []
    for producer in producers:
        plain = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), rtcp_mux=False)
        port = ports[producer.kind]
        await plain.connect(ip="127.0.0.1", port=port, rtcp_port=port + 1)
        consumer = await plain.consume(producer_id=producer.id, paused=True,
                                       rtp_capabilities=device_capabilities(router.rtp_capabilities))
        consumers[producer.kind] = consumer
        codec = consumer.rtp_parameters["codecs"][0]
        name = codec["mimeType"].split("/")[1]
        channels = f"/{codec['channels']}" if codec.get("channels") else ""
        media.append(f"m={producer.kind} {port} RTP/AVP {codec['payloadType']}\n"
                     f"a=rtpmap:{codec['payloadType']} {name}/{codec['clockRate']}{channels}\na=recvonly\n")
    sdp = tmp_path / "recording.sdp"
    sdp.write_text("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=PeerShare\nc=IN IP4 127.0.0.1\nt=0 0\n" + "".join(media))
    output = tmp_path / "recording.webm"
    ffmpeg = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp", "-i", str(sdp),
        "-t", "4", "-c", "copy", "-y", str(output), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.sleep(0.5)  # ffmpeg opens its ports while reading the SDP
        for consumer in consumers.values():
            await consumer.resume()
        for _ in range(8):
            await consumers["video"].request_key_frame()
            if ffmpeg.returncode is not None:
                break
            await asyncio.sleep(0.5)
        _, errors = await asyncio.wait_for(ffmpeg.communicate(), 30)
        assert ffmpeg.returncode == 0, errors.decode()
    finally:
        if ffmpeg.returncode is None:
            ffmpeg.kill()
        await publisher.close()
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(output)],
                           capture_output=True, text=True, check=True)
    streams = {s["codec_type"]: s for s in json.loads(probe.stdout)["streams"]}
    assert streams["video"]["codec_name"] == "vp8" and streams["video"]["width"] == 320
    assert streams["audio"]["codec_name"] == "opus"

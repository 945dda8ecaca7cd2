"""Routers, transports, producers, consumers and observers on the real worker: lifecycles,
closing pushed down the graph, and bad input turned into typed errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from control.sfu.errors import (
    ChannelRequestError,
    ChannelTypeError,
    InvalidStateError,
    UnsupportedError,
)
from control.sfu.router import Router, listen_ip
from control.sfu.worker import Worker
from tests.media.rtp import device_capabilities, opus_parameters, vp8_parameters

LOOPBACK = [listen_ip("127.0.0.1")]


async def test_router_capabilities_follow_its_media_codecs(router: Router) -> None:
    mime_types = [c["mimeType"] for c in router.rtp_capabilities["codecs"]]
    assert mime_types == ["audio/opus", "video/VP8", "video/rtx", "video/H264", "video/rtx"]
    assert (await router.dump())["id"] == router.id


async def test_an_unknown_codec_cannot_make_a_router(worker: Worker) -> None:
    with pytest.raises(UnsupportedError):
        await worker.create_router([{"kind": "video", "mimeType": "video/NOPE", "clockRate": 90000}])
    assert (await worker.dump())["routerIds"] == []


async def test_webrtc_transport_lifecycle(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK, enable_tcp=True)
    assert {c["protocol"] for c in transport.ice_candidates} == {"udp", "tcp"}
    assert transport.ice_state == "new" and transport.dtls_state == "new"
    dtls = {"role": "client", "fingerprints": [{"algorithm": "sha-256", "value": ":".join(["AB"] * 32)}]}
    await transport.connect(dtls)
    assert transport.dtls_parameters["role"] == "server"
    old_ufrag = transport.ice_parameters["usernameFragment"]
    assert (await transport.restart_ice())["usernameFragment"] != old_ufrag
    await transport.set_max_incoming_bitrate(1_500_000)
    stats = await transport.get_stats()
    assert stats[0]["type"] == "webrtc-transport"
    with pytest.raises(ChannelRequestError):
        await transport.connect(dtls)  # connecting twice is refused by the worker
    closed = []
    transport.observer.on("close", lambda: closed.append(1))
    transport.close()
    transport.close()
    assert closed == [1] and transport.id not in router.transports
    assert transport.id not in (await router.dump())["transportIds"]


async def test_producer_and_consumer_lifecycle_with_events(router: Router) -> None:
    send = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    recv = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await send.produce(kind="video", rtp_parameters=vp8_parameters())
    assert producer.type == "simple" and producer.id in router.producers
    caps = device_capabilities(router.rtp_capabilities)
    assert router.can_consume(producer.id, caps)
    consumer = await recv.consume(producer_id=producer.id, rtp_capabilities=caps, paused=True)
    assert consumer.paused and consumer.kind == "video" and consumer.rtp_parameters["mid"] == "0"
    assert [c["mimeType"] for c in consumer.rtp_parameters["codecs"]] == ["video/VP8", "video/rtx"]
    await consumer.resume()
    assert not consumer.paused
    paused = asyncio.Event()
    consumer.events.on("producerpause", paused.set)
    await producer.pause()
    await asyncio.wait_for(paused.wait(), 2)
    assert consumer.producer_paused
    await consumer.set_priority(2)
    assert consumer.priority == 2
    await consumer.request_key_frame()
    assert (await producer.dump())["id"] == producer.id
    assert isinstance(await consumer.get_stats(), list)
    # Closing the producer closes its consumer through the worker's notification, once.
    gone = asyncio.Event()
    closes = []
    consumer.events.on("producerclose", gone.set)
    consumer.observer.on("close", lambda: closes.append(1))
    producer.close()
    await asyncio.wait_for(gone.wait(), 2)
    assert closes == [1] and consumer.closed and consumer.id not in recv.consumers
    assert producer.id not in router.producers


async def test_closing_a_router_closes_its_transports_producers_and_consumers(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await transport.produce(kind="audio", rtp_parameters=opus_parameters())
    consumer = await transport.consume(producer_id=producer.id, rtp_capabilities=device_capabilities(router.rtp_capabilities))
    observer = await router.create_audio_level_observer()
    seen: list[str] = []
    for name, obj in (("transport", transport), ("producer", producer), ("consumer", consumer), ("observer", observer)):
        obj.observer.on("close", lambda name=name: seen.append(name))
    transport.events.on("routerclose", lambda: seen.append("transport:routerclose"))
    producer.events.on("transportclose", lambda: seen.append("producer:transportclose"))
    router.close()
    router.close()
    assert sorted(seen) == sorted(["transport", "producer", "consumer", "observer", "transport:routerclose",
                                   "producer:transportclose"])
    assert all(o.closed for o in (transport, producer, consumer, observer))
    with pytest.raises(InvalidStateError):
        await router.create_webrtc_transport(listen_ips=LOOPBACK)


async def test_malformed_rtp_parameters_raise_type_errors_and_the_worker_stays_up(router: Router, worker: Worker) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    bad: list[dict[str, Any]] = [
        {"codecs": "nope"},
        {"codecs": [{"mimeType": "video/VP8", "clockRate": 90000}]},  # no payloadType
        {"codecs": [{"mimeType": "VP8", "payloadType": 96, "clockRate": 90000}]},
        {**vp8_parameters(), "encodings": [{"ssrc": "not a number"}]},
    ]
    for parameters in bad:
        with pytest.raises(TypeError):
            await transport.produce(kind="video", rtp_parameters=parameters)
    with pytest.raises(TypeError):
        await transport.produce(kind="data", rtp_parameters=vp8_parameters())
    assert transport.producers == {}
    assert (await worker.dump())["pid"] == worker.pid


async def test_a_codec_the_router_lacks_is_unsupported(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    parameters = vp8_parameters()
    parameters["codecs"] = [{"mimeType": "video/VP9", "payloadType": 98, "clockRate": 90000}]
    with pytest.raises(UnsupportedError):
        await transport.produce(kind="video", rtp_parameters=parameters)


async def test_a_device_without_the_codec_cannot_consume(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await transport.produce(kind="video", rtp_parameters=vp8_parameters())
    only_h264 = device_capabilities(router.rtp_capabilities)
    only_h264["codecs"] = [c for c in only_h264["codecs"] if c["mimeType"] != "video/VP8"]
    assert not router.can_consume(producer.id, only_h264)
    with pytest.raises(UnsupportedError):
        await transport.consume(producer_id=producer.id, rtp_capabilities=only_h264)


async def test_consuming_a_closed_producer_raises(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await transport.produce(kind="audio", rtp_parameters=opus_parameters())
    producer.close()
    with pytest.raises(InvalidStateError):
        await transport.consume(producer_id=producer.id, rtp_capabilities=device_capabilities(router.rtp_capabilities))


async def test_the_worker_refuses_a_duplicate_ssrc_with_its_reason(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    await transport.produce(kind="audio", rtp_parameters=opus_parameters(ssrc=1234))
    with pytest.raises(ChannelRequestError) as refused:
        await transport.produce(kind="audio", rtp_parameters=opus_parameters(ssrc=1234, mid="OTHER"))
    assert not isinstance(refused.value, ChannelTypeError)
    assert "ssrc" in refused.value.reason.lower()


async def test_simulcast_producer_consumer_gets_layers(router: Router) -> None:
    send = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await send.produce(kind="video", rtp_parameters=vp8_parameters(simulcast=True))
    assert producer.type == "simulcast"
    consumer = await send.consume(producer_id=producer.id, rtp_capabilities=device_capabilities(router.rtp_capabilities))
    assert consumer.type == "simulcast"
    assert consumer.rtp_parameters["encodings"][0]["scalabilityMode"] == "L3T3"
    await consumer.set_preferred_layers(1, 2)
    assert consumer.preferred_layers == {"spatialLayer": 1, "temporalLayer": 2}


async def test_plain_transport_with_comedia_and_connect(router: Router) -> None:
    plain = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), comedia=True)
    assert plain.tuple["localIp"] == "127.0.0.1" and plain.tuple["localPort"] > 0
    other = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), rtcp_mux=False)
    await other.connect(ip="127.0.0.1", port=40000, rtcp_port=40001)
    assert other.tuple["remotePort"] == 40000


async def test_pipe_to_router_on_another_worker(binary, router: Router) -> None:  # type: ignore[no-untyped-def]
    other_worker = await Worker.spawn(binary)
    try:
        other = await other_worker.create_router([{"kind": "audio", "mimeType": "audio/opus", "clockRate": 48000,
                                                   "channels": 2}])
        transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
        producer = await transport.produce(kind="audio", rtp_parameters=opus_parameters())
        pipe_consumer, pipe_producer = await router.pipe_to_router(producer.id, other)
        assert pipe_producer.id == producer.id and pipe_producer.id in other.producers
        receiver = await other.create_webrtc_transport(listen_ips=LOOPBACK)
        consumer = await receiver.consume(producer_id=producer.id,
                                          rtp_capabilities=device_capabilities(other.rtp_capabilities))
        assert consumer.kind == "audio"
        # The pipe pair is reused for the next producer between the same routers.
        second = await transport.produce(kind="audio", rtp_parameters=opus_parameters(ssrc=33333333, mid="AUDIO2"))
        await router.pipe_to_router(second.id, other)
        assert len([t for t in router.transports.values() if t.__class__.__name__ == "PipeTransport"]) == 1
        gone = asyncio.Event()
        pipe_producer.observer.on("close", gone.set)
        producer.close()
        await asyncio.wait_for(gone.wait(), 2)
    finally:
        other_worker.close()
        await other_worker.wait_closed()


async def test_active_speaker_and_audio_level_observers_take_producers(router: Router) -> None:
    transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await transport.produce(kind="audio", rtp_parameters=opus_parameters())
    levels = await router.create_audio_level_observer(max_entries=2, threshold=-70, interval_ms=500)
    speaker = await router.create_active_speaker_observer()
    for observer in (levels, speaker):
        await observer.add_producer(producer.id)
        await observer.pause()
        await observer.resume()
        await observer.remove_producer(producer.id)
    speaker.close()
    assert speaker.id not in router.rtp_observers and levels.id in router.rtp_observers

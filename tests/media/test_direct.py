"""The payload channel, proven through DirectTransports on the real worker: data messages
through a DataProducer to its DataConsumers, RTP injected into a producer and read back from a
consumer, RTCP, and closing pushed down to the data endpoints."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from control.sfu.data_channel import PPID_BINARY, PPID_STRING, PPID_STRING_EMPTY
from control.sfu.errors import ChannelRequestError, InvalidStateError
from control.sfu.router import Router
from control.sfu.worker import Worker
from tests.media.rtp import device_capabilities, opus_parameters, vp8_parameters


def rtp_packet(*, ssrc: int, payload_type: int, seq: int, payload: bytes) -> bytes:
    return struct.pack("!BBHII", 0x80, payload_type, seq, seq * 960, ssrc) + payload


def queue_of(emitter: Any, event: str) -> asyncio.Queue[tuple[Any, ...]]:
    queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    emitter.on(event, lambda *args: queue.put_nowait(args))
    return queue


async def next_of(queue: asyncio.Queue[tuple[Any, ...]], timeout_s: float = 5.0) -> tuple[Any, ...]:
    return await asyncio.wait_for(queue.get(), timeout_s)


async def test_data_messages_reach_every_consumer_in_order_with_their_ppid(router: Router) -> None:
    sender = await router.create_direct_transport()
    receivers = [await router.create_direct_transport() for _ in range(2)]
    producer = await sender.produce_data(label="chat", protocol="peershare")
    consumers = [await r.consume_data(producer) for r in receivers]
    assert [c.label for c in consumers] == ["chat", "chat"]
    queues = [queue_of(c.events, "message") for c in consumers]

    large = bytes(range(256)) * 1000  # 256 KB fits the default max message size
    for message in ("hello", b"\x00\x01binary", "", large[:200_000]):
        producer.send(message)
    for queue in queues:
        received = [await next_of(queue) for _ in range(4)]
        assert received == [(b"hello", PPID_STRING), (b"\x00\x01binary", PPID_BINARY),
                            (b" ", PPID_STRING_EMPTY), (large[:200_000], PPID_BINARY)]
    stats = await producer.get_stats()
    assert stats[0]["messagesReceived"] == 4


async def test_closing_a_data_producer_closes_its_consumers_and_transports_close_theirs(router: Router) -> None:
    sender = await router.create_direct_transport()
    receiver = await router.create_direct_transport()
    producer = await sender.produce_data()
    consumer = await receiver.consume_data(producer)
    producer_gone = queue_of(consumer.events, "dataproducerclose")
    producer.close()
    producer.close()
    await next_of(producer_gone)
    assert consumer.closed and not receiver.data_consumers
    with pytest.raises(InvalidStateError):
        producer.send("too late")

    second = await sender.produce_data()
    transport_gone = queue_of(second.events, "transportclose")
    router.close()
    assert second.closed and transport_gone.qsize() == 1


async def test_consuming_an_unknown_data_producer_is_refused(router: Router, worker: Worker) -> None:
    sender = await router.create_direct_transport()
    producer = await sender.produce_data()
    producer.close()
    receiver = await router.create_direct_transport()
    with pytest.raises(ChannelRequestError):
        await receiver.consume_data(producer)
    assert (await worker.dump())["pid"] == worker.pid


async def test_rtp_injected_into_a_producer_comes_out_of_a_direct_consumer(router: Router) -> None:
    sender = await router.create_direct_transport()
    receiver = await router.create_direct_transport()
    producer = await sender.produce(kind="audio", rtp_parameters=opus_parameters(ssrc=1234))
    consumer = await receiver.consume(producer_id=producer.id,
                                      rtp_capabilities=device_capabilities(router.rtp_capabilities))
    packets = queue_of(consumer.events, "rtp")
    for seq in range(1, 6):
        producer.send(rtp_packet(ssrc=1234, payload_type=111, seq=seq, payload=b"opus-%d" % seq))
    consumer_ssrc = consumer.rtp_parameters["encodings"][0]["ssrc"]
    consumer_pt = consumer.rtp_parameters["codecs"][0]["payloadType"]
    for seq in range(1, 6):
        (packet,) = await next_of(packets)
        _, payload_type, _, _, ssrc = struct.unpack_from("!BBHII", packet)
        assert ssrc == consumer_ssrc and payload_type & 0x7F == consumer_pt
        assert packet.endswith(b"opus-%d" % seq)
    stats = await producer.get_stats()
    assert stats[0]["packetCount"] == 5


async def test_a_key_frame_request_reaches_the_direct_producer_as_rtcp_and_ours_is_taken(
        router: Router, worker: Worker) -> None:
    sender = await router.create_direct_transport()
    receiver = await router.create_direct_transport()
    producer = await sender.produce(kind="video", rtp_parameters=vp8_parameters(ssrc=4321))
    rtcp = queue_of(sender.events, "rtcp")
    for seq in range(1, 20):  # VP8 payload descriptor with the start bit, then a few bytes
        producer.send(rtp_packet(ssrc=4321, payload_type=96, seq=seq, payload=b"\x10" + b"x" * 40))
    consumer = await receiver.consume(producer_id=producer.id,
                                      rtp_capabilities=device_capabilities(router.rtp_capabilities))
    await consumer.request_key_frame()
    (packet,) = await next_of(rtcp)
    packet_type, media_ssrc = packet[1], struct.unpack_from("!I", packet, 8)[0]
    assert (packet[0] & 0x1F, packet_type, media_ssrc) == (1, 206, 4321)  # a PLI for our stream
    # A receiver report of our own (no report blocks) is accepted without harm.
    receiver.send_rtcp(struct.pack("!BBHI", 0x80, 201, 1, 99))
    assert (await worker.dump())["pid"] == worker.pid


async def test_sending_rtp_to_a_closed_producer_is_refused(router: Router) -> None:
    sender = await router.create_direct_transport()
    producer = await sender.produce(kind="audio", rtp_parameters=opus_parameters(ssrc=777))
    producer.close()
    with pytest.raises(InvalidStateError):
        producer.send(rtp_packet(ssrc=777, payload_type=111, seq=1, payload=b""))

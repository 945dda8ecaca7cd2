"""A simulcast VP8 sender in plain RTP: three encodings of one moving pattern (three sizes, three
SSRCs) from one UDP socket, the way a browser's simulcast reaches a PlainTransport. aiortc
cannot send simulcast itself, so this packetises with its VP8 encoder."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from aiortc.clock import current_ntp_time
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtp import RtcpSenderInfo, RtcpSrPacket, RtpPacket

from tests.support.webrtc import VIDEO_CLOCK, MovingPattern

LAYERS = ((160, 120, 80_000), (320, 240, 200_000), (640, 480, 450_000))
PAYLOAD_TYPE = 96


class RtpSender:
    """Sends what `_run` makes from one UDP socket to `address` (a comedia PlainTransport)."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self._transport: asyncio.DatagramTransport | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                                 remote_addr=self.address)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        raise NotImplementedError

    def _send(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.sendto(data)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._transport is not None:
            self._transport.close()


class SimulcastSender(RtpSender):
    def __init__(self, address: tuple[str, int], fps: int = 15, *, noise: bool = False) -> None:
        super().__init__(address)
        self.fps = fps
        self.ssrcs = [random.randint(10_000_000, 90_000_000) + i for i in range(len(LAYERS))]
        self._sources = [MovingPattern(w, h, fps, noise=noise) for w, h, _ in LAYERS]
        self._encoders = []
        for _, _, bitrate in LAYERS:
            encoder = Vp8Encoder()
            encoder.target_bitrate = bitrate
            self._encoders.append(encoder)
        self._sequence = [random.randint(0, 30000) for _ in LAYERS]
        self._sent = [(0, 0) for _ in LAYERS]  # packets and octets per layer, for sender reports

    def rtp_parameters(self) -> dict[str, Any]:
        return {
            "codecs": [{"mimeType": "video/VP8", "payloadType": PAYLOAD_TYPE, "clockRate": VIDEO_CLOCK,
                        "rtcpFeedback": [{"type": "nack"}, {"type": "nack", "parameter": "pli"}]}],
            "encodings": [{"ssrc": ssrc} for ssrc in self.ssrcs],
            "rtcp": {"cname": "simulcast-sender"},
        }

    async def _run(self) -> None:
        frame_index = 0
        start = time.monotonic()
        while True:
            await asyncio.sleep(max(0.0, start + frame_index / self.fps - time.monotonic()))
            # A key frame every second, so a receiver switching layers gets one soon.
            keyframe = frame_index % self.fps == 0
            for layer, (source, encoder, ssrc) in enumerate(zip(self._sources, self._encoders, self.ssrcs)):
                frame = source.frame_at(frame_index)
                payloads, timestamp = encoder.encode(frame, force_keyframe=keyframe)
                for i, payload in enumerate(payloads):
                    packet = RtpPacket(payload_type=PAYLOAD_TYPE, sequence_number=self._sequence[layer],
                                       timestamp=timestamp, ssrc=ssrc, payload=payload,
                                       marker=int(i == len(payloads) - 1))
                    self._sequence[layer] = (self._sequence[layer] + 1) % 65536
                    self._send(packet.serialize())
                    packets, octets = self._sent[layer]
                    self._sent[layer] = (packets + 1, octets + len(payload))
                # The SFU lines the layers up by their sender reports' clocks before it switches.
                if keyframe or frame_index % 5 == 0:
                    info = RtcpSenderInfo(ntp_timestamp=current_ntp_time(), rtp_timestamp=timestamp,
                                          packet_count=self._sent[layer][0], octet_count=self._sent[layer][1])
                    self._send(bytes(RtcpSrPacket(ssrc=ssrc, sender_info=info)))
            frame_index += 1

"""One input of a recording: RTP from a PlainTransport consumer on a UDP socket of its own,
reordered and depacketized (aiortc's jitter buffer and depayloaders) and decoded (PyAV)."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from dataclasses import dataclass
from typing import Callable, Literal, cast

import av
from aiortc.codecs import depayload, get_decoder
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket, RtpPacket, is_rtcp

log = logging.getLogger(__name__)

Kind = Literal["audio", "video"]
InputRole = Literal["camera", "screen", "mic"]
# Between key frame requests while a video has nothing decodable.
KEY_FRAME_RETRY = 1.0
_RECEIVE_BUFFER = 1 << 20


@dataclass(frozen=True)
class InputSpec:
    id: str
    kind: Kind
    mime_type: str  # "video/VP8", "video/H264", "audio/opus"
    payload_type: int
    clock_rate: int
    ssrc: int
    role: InputRole
    label: str
    # The PlainTransport's own address, where key frame requests (RTCP PLI) go.
    rtcp_address: tuple[str, int] | None = None
    # Whose stream this is, if known: someone heard but not seen gets a tile with their name.
    participant: str = ""


class RtpInput(asyncio.DatagramProtocol):
    """Calls `on_frame` with each decoded frame (on the event loop)."""

    def __init__(self, spec: InputSpec, on_frame: Callable[[RtpInput, av.VideoFrame | av.AudioFrame], None]) -> None:
        self.spec = spec
        self.packets = 0
        self.frames = 0
        self.paused = False
        self._on_frame = on_frame
        codec = RTCRtpCodecParameters(mimeType=spec.mime_type, clockRate=spec.clock_rate,
                                      payloadType=spec.payload_type, channels=2 if spec.kind == "audio" else None)
        self._codec = codec
        self._decoder = get_decoder(codec)
        # As aiortc's receiver sizes them: a few packets for audio, a whole key frame for video.
        self._jitter = (JitterBuffer(capacity=512, is_video=True) if spec.kind == "video"
                        else JitterBuffer(capacity=16, prefetch=4))
        self._transport: asyncio.DatagramTransport | None = None
        self._rtcp_address = spec.rtcp_address
        self._own_ssrc = random.randint(1, 2**32 - 1)
        self._want_key_frame = spec.kind == "video"
        self._last_pli = 0.0

    @property
    def port(self) -> int:
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)
        # Room for a key frame's burst of packets while the loop is busy drawing (up to the kernel's cap).
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if is_rtcp(data):
            return  # sender reports: the composite runs on its own clock
        try:
            packet = RtpPacket.parse(data)
        except ValueError:
            return
        if packet.payload_type != self.spec.payload_type:
            return
        self._rtcp_address = self._rtcp_address or addr
        self.packets += 1
        packet._data = depayload(self._codec, packet.payload)  # type: ignore[attr-defined]
        lost, encoded = self._jitter.add(packet)
        if lost:
            self._want_key_frame = True
        if encoded is None:
            return
        try:
            decoded = self._decoder.decode(encoded)
        except av.FFmpegError:
            self._want_key_frame = True  # a delta frame before any key frame, or a gap
            return
        for frame in decoded:
            self.frames += 1
            self._want_key_frame = False
            self._on_frame(self, frame)  # type: ignore[arg-type]

    def request_key_frame_if_needed(self) -> None:
        """Sends a PLI (the SFU passes it to the sender) while nothing decodes, at most every second."""
        now = time.monotonic()
        if (not self._want_key_frame or self._transport is None or self._rtcp_address is None
                or now - self._last_pli < KEY_FRAME_RETRY):
            return
        self._last_pli = now
        pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=self._own_ssrc, media_ssrc=self.spec.ssrc)
        self._transport.sendto(bytes(pli), self._rtcp_address)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

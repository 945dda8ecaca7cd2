"""A session's writer: frames that queued up leave as one array message, the welcome alone."""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace
from typing import Any

import msgpack
import pytest

from control.auth.tokens import Principal
from control.realtime.hub import EncodedFrame
from control.settings import Settings
from control.signaling.codec import Codec
from control.signaling.session import Session


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[str | bytes] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)


@pytest.mark.parametrize("binary", [False, True])
async def test_queued_frames_leave_together_in_order_after_a_lone_welcome(binary: bool) -> None:
    socket = RecordingSocket()
    codec = Codec("msgpack", "peershare.msgpack") if binary else Codec("json", None)
    services = SimpleNamespace(settings=Settings(), realtime=SimpleNamespace(hub=None))
    session = Session(socket, services, Principal(uuid.uuid4()), codec)  # type: ignore[arg-type]
    frames: list[dict[str, Any]] = [{"type": "welcome"}] + [{"type": "typing", "n": n} for n in range(3)]
    for frame in frames:
        session._enqueue(EncodedFrame(frame))
    writer = asyncio.create_task(session._write())
    await asyncio.sleep(0.05)
    session._enqueue(EncodedFrame({"type": "typing", "n": 3}))
    await asyncio.sleep(0.05)
    writer.cancel()
    decode = msgpack.unpackb if binary else json.loads
    assert [decode(m) for m in socket.sent] == [frames[0], frames[1:], {"type": "typing", "n": 3}]

"""The payload channel (fds 5 and 6): binary data beside the JSON channel (PayloadChannel.js).

Everything we send is two messages: a header, `n:{event}:{handlerId}:{data}` for a notification
or `r:{id}:{method}:{handlerId}:{data}` for a request, then the raw payload. The worker answers
requests as the JSON channel does, and notifies as JSON `{targetId, event, data}` followed by
one message holding the payload. Direct transports' RTP/RTCP and data producers/consumers'
messages travel here.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

import structlog

from control.sfu.channel import (
    FrameReader,
    PendingRequests,
    connect_pipes,
    frame,
    notify_listener,
)
from control.sfu.errors import InvalidStateError, WorkerDiedError

log = structlog.get_logger(__name__)

# (event, data, payload)
PayloadListener = Callable[[str, Any, bytes], None]


class PayloadChannel:
    def __init__(self, pid: int, *, request_timeout_s: float = 15.0) -> None:
        self.pid = pid
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._pending = PendingRequests(self._loop, request_timeout_s)
        self._listeners: dict[str, PayloadListener] = {}
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.BaseTransport | None = None
        # The JSON header of a notification whose payload is the next message.
        self._ongoing: tuple[str, str, Any] | None = None

    async def connect(self, write_fd: int, read_fd: int) -> None:
        """Takes ownership of the parent's ends of the two pipes."""
        self._writer, self._reader = await connect_pipes(self._loop, write_fd, read_fd,
                                                         FrameReader(self._on_message, self._on_lost, self.pid))

    def subscribe(self, target_id: str, listener: PayloadListener) -> None:
        self._listeners[target_id] = listener

    def unsubscribe(self, target_id: str) -> None:
        self._listeners.pop(target_id, None)

    def notify(self, event: str, handler_id: str, data: str | None, payload: bytes) -> None:
        header = frame(f"n:{event}:{handler_id}:{data if data is not None else 'undefined'}")
        self._write(header + frame(payload))

    async def request(self, method: str, handler_id: str, data: str | None, payload: bytes) -> Any:
        request_id, future = self._pending.add(method)
        try:
            header = frame(f"r:{request_id}:{method}:{handler_id}:{data if data is not None else 'undefined'}")
            self._write(header + frame(payload))
        except Exception:
            self._pending.discard(request_id)
            raise
        return await self._pending.wait(request_id, future)

    def _write(self, message: bytes) -> None:
        if self.closed or self._writer is None or self._writer.is_closing():
            raise InvalidStateError("payload channel closed")
        self._writer.write(message)

    def _on_message(self, message: bytes) -> None:
        if self._ongoing is not None:
            target_id, event, data = self._ongoing
            self._ongoing = None
            notify_listener(self._listeners.get(target_id), target_id, event, data, message)
            return
        try:
            parsed = json.loads(message)
        except ValueError:
            log.error("worker_sent_invalid_payload_header", pid=self.pid)
            return
        if parsed.get("id"):
            self._pending.settle(parsed)
        elif parsed.get("targetId") and parsed.get("event"):
            self._ongoing = (str(parsed["targetId"]), parsed["event"], parsed.get("data"))
        else:
            log.error("payload_message_unknown", message=str(parsed)[:200])

    def _on_lost(self) -> None:
        self._pending.fail_all(WorkerDiedError(f"the worker (pid {self.pid}) went away"))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._pending.fail_all(InvalidStateError("payload channel closed"))
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()

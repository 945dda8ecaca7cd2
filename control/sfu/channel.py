"""The worker channel: mediasoup's length-prefixed pipe protocol, spoken from asyncio.

Each message is a 4-byte native-endian length and then the payload. Requests go out as
`"{id}:{method}:{handlerId}:{json}"`; answers come back as JSON `{id, accepted, data}` or
`{id, error, reason}`; notifications as `{targetId, event, data}`; payloads starting with
D, W, E or X are the worker's log lines.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import sys
from typing import Any, Callable

import structlog

from control.sfu.errors import (
    ChannelRequestError,
    ChannelTypeError,
    InvalidStateError,
    RequestTimeout,
    WorkerDiedError,
)

log = structlog.get_logger(__name__)

_LENGTH = struct.Struct("<I" if sys.byteorder == "little" else ">I")
MESSAGE_MAX_LEN = 4_194_308
PAYLOAD_MAX_LEN = 4_194_304

Listener = Callable[[str, Any], None]


class _Reader(asyncio.Protocol):
    def __init__(self, channel: "Channel") -> None:
        self._channel = channel
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > PAYLOAD_MAX_LEN + 4:
            log.error("channel_buffer_overflow", pid=self._channel.pid)
            self._buffer.clear()
            return
        start = 0
        while len(self._buffer) - start >= 4:
            (length,) = _LENGTH.unpack_from(self._buffer, start)
            if len(self._buffer) - start < 4 + length:
                break
            payload = bytes(self._buffer[start + 4:start + 4 + length])
            start += 4 + length
            self._channel.on_payload(payload)
        del self._buffer[:start]

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._channel.on_lost()


class Channel:
    def __init__(self, pid: int, *, request_timeout_s: float = 15.0) -> None:
        self.pid = pid
        self.request_timeout_s = request_timeout_s
        self.closed = False
        self._next_id = 0
        self._pending: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._listeners: dict[str, Listener] = {}
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.BaseTransport | None = None
        self._on_lost: list[Callable[[], None]] = []
        self._loop = asyncio.get_running_loop()

    async def connect(self, write_fd: int, read_fd: int) -> None:
        """Takes ownership of the parent's ends of the two pipes."""
        self._writer, _ = await self._loop.connect_write_pipe(asyncio.Protocol, os.fdopen(write_fd, "wb", 0))
        self._reader, _ = await self._loop.connect_read_pipe(lambda: _Reader(self), os.fdopen(read_fd, "rb", 0))

    def on_lost(self) -> None:
        """The worker closed its end (it exited or crashed): nothing pending will be answered."""
        self._fail_pending(WorkerDiedError(f"the worker (pid {self.pid}) went away"))
        for callback in self._on_lost:
            callback()

    def add_lost_callback(self, callback: Callable[[], None]) -> None:
        self._on_lost.append(callback)

    def subscribe(self, target_id: str, listener: Listener) -> None:
        self._listeners[target_id] = listener

    def unsubscribe(self, target_id: str) -> None:
        self._listeners.pop(target_id, None)

    async def request(self, method: str, handler_id: str | None = None, data: dict[str, Any] | None = None) -> Any:
        request_id, future = self._send(method, handler_id, data)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.request_timeout_s)
        except TimeoutError:
            raise RequestTimeout(method, self.request_timeout_s) from None
        finally:
            self._pending.pop(request_id, None)

    def close_request(self, method: str, handler_id: str | None, data: dict[str, Any]) -> None:
        """Fire and forget, for closing requests: the local object is closed whatever the answer.
        Written at once, so a request made right after it reaches the worker after it."""
        if self.closed or self._writer is None or self._writer.is_closing():
            return
        request_id, future = self._send(method, handler_id, data)
        future.add_done_callback(lambda f: (self._pending.pop(request_id, None), f.cancelled() or f.exception()))

    def _send(self, method: str, handler_id: str | None, data: dict[str, Any] | None) -> tuple[int, asyncio.Future[Any]]:
        if self.closed or self._writer is None or self._writer.is_closing():
            raise InvalidStateError("channel closed")
        self._next_id = self._next_id + 1 if self._next_id < 4_294_967_295 else 1
        request_id = self._next_id
        body = f"{request_id}:{method}:{handler_id or 'undefined'}:{json.dumps(data) if data is not None else 'undefined'}"
        encoded = body.encode()
        if len(encoded) > MESSAGE_MAX_LEN:
            raise ValueError("channel request too big")
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending[request_id] = (method, future)
        self._writer.write(_LENGTH.pack(len(encoded)) + encoded)
        return request_id, future

    def on_payload(self, payload: bytes) -> None:
        first = payload[:1]
        if first == b"{":
            try:
                message = json.loads(payload)
            except ValueError:
                log.error("worker_sent_invalid_json", pid=self.pid)
                return
            self._on_message(message)
        elif first in (b"D", b"W", b"E", b"X"):
            text = payload[1:].decode(errors="replace")
            level = {b"D": "debug", b"W": "warning", b"E": "error", b"X": "info"}[first]
            getattr(log, level)("worker_log", pid=self.pid, line=text)
        else:
            log.warning("worker_sent_unexpected_data", pid=self.pid, data=payload[:200].decode(errors="replace"))

    def _on_message(self, message: dict[str, Any]) -> None:
        if "id" in message:
            pending = self._pending.get(message["id"])
            if pending is None:
                log.error("answer_matches_no_request", id=message["id"])
                return
            method, future = pending
            if future.done():
                return
            if message.get("accepted"):
                future.set_result(message.get("data"))
            elif message.get("error"):
                error_class = ChannelTypeError if message["error"] == "TypeError" else ChannelRequestError
                future.set_exception(error_class(method, str(message.get("reason", ""))))
            else:
                log.error("answer_neither_accepted_nor_rejected", method=method)
        elif "targetId" in message and "event" in message:
            # Scheduled, not called: an event must not overtake the answer of the request that
            # caused it, whose awaiting task resumes in this same loop iteration.
            self._loop.call_soon(self._notify, str(message["targetId"]), message["event"], message.get("data"))
        else:
            log.error("worker_message_unknown", message=str(message)[:200])

    def _notify(self, target_id: str, event: str, data: Any) -> None:
        listener = self._listeners.get(target_id)
        if listener is not None:
            try:
                listener(event, data)
            except Exception:  # a listener's bug must not break the channel
                log.exception("notification_listener_failed", target_id=target_id, event=event)

    def _fail_pending(self, error: Exception) -> None:
        for _, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._fail_pending(InvalidStateError("channel closed"))
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()

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
import time
from typing import TYPE_CHECKING, Any, Callable

import structlog

from control.sfu.errors import (
    ChannelRequestError,
    ChannelTypeError,
    InvalidStateError,
    RequestTimeout,
    WorkerDiedError,
)

if TYPE_CHECKING:
    from control.sfu.payload_channel import PayloadChannel

log = structlog.get_logger(__name__)

LENGTH = struct.Struct("<I" if sys.byteorder == "little" else ">I")
MESSAGE_MAX_LEN = 4_194_308
PAYLOAD_MAX_LEN = 4_194_304

Listener = Callable[[str, Any], None]


class FrameReader(asyncio.Protocol):
    """Splits the worker's byte stream into length-prefixed messages (both channels use it)."""

    def __init__(self, on_message: Callable[[bytes], None], on_lost: Callable[[], None], pid: int) -> None:
        self._on_message = on_message
        self._on_lost = on_lost
        self._pid = pid
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > PAYLOAD_MAX_LEN + 4:
            log.error("channel_buffer_overflow", pid=self._pid)
            self._buffer.clear()
            return
        start = 0
        while len(self._buffer) - start >= 4:
            (length,) = LENGTH.unpack_from(self._buffer, start)
            if len(self._buffer) - start < 4 + length:
                break
            message = bytes(self._buffer[start + 4:start + 4 + length])
            start += 4 + length
            self._on_message(message)
        del self._buffer[:start]

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_lost()


class RepeatedLines:
    """The worker may log one line per packet (a peer sending REMB, say): each distinct line is
    logged at most once per interval, with how many times it came meanwhile."""

    def __init__(self, interval_s: float = 10.0, remembered: int = 1000) -> None:
        self._interval_s = interval_s
        self._remembered = remembered
        self._seen: dict[str, tuple[float, int]] = {}

    def admit(self, line: str, now: float | None = None) -> int | None:
        """None: drop it; else log it, with this many repeats left unlogged before it."""
        now = time.monotonic() if now is None else now
        since, repeats = self._seen.get(line, (float("-inf"), 0))
        if now - since < self._interval_s:
            self._seen[line] = (since, repeats + 1)
            return None
        if len(self._seen) >= self._remembered:
            self._seen.clear()
        self._seen[line] = (now, 0)
        return repeats


class PendingRequests:
    """Requests awaiting the worker's answer, by id; ids wrap at 2^32 as mediasoup's do."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._loop = loop
        self._next_id = 0
        self._pending: dict[int, tuple[str, asyncio.Future[Any]]] = {}

    def add(self, method: str) -> tuple[int, asyncio.Future[Any]]:
        self._next_id = self._next_id + 1 if self._next_id < 4_294_967_295 else 1
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending[self._next_id] = (method, future)
        return self._next_id, future

    async def wait(self, request_id: int, future: asyncio.Future[Any]) -> Any:
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
        except TimeoutError:
            raise RequestTimeout(self._pending[request_id][0], self.timeout_s) from None
        finally:
            self._pending.pop(request_id, None)

    def discard(self, request_id: int) -> None:
        self._pending.pop(request_id, None)

    def forget_when_done(self, request_id: int, future: asyncio.Future[Any]) -> None:
        """For requests nobody awaits: drop the entry once answered, and swallow a failure."""
        def done(finished: asyncio.Future[Any]) -> None:
            self.discard(request_id)
            if not finished.cancelled():
                finished.exception()  # marks the failure as retrieved

        future.add_done_callback(done)

    def settle(self, message: dict[str, Any]) -> None:
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
            error_class: type[Exception] = ChannelTypeError if message["error"] == "TypeError" else ChannelRequestError
            future.set_exception(error_class(method, str(message.get("reason", ""))))
        else:
            log.error("answer_neither_accepted_nor_rejected", method=method)

    def fail_all(self, error: Exception) -> None:
        for _, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)


def frame(text: str | bytes) -> bytes:
    """One message as the worker reads it: its length, then its bytes."""
    encoded = text.encode() if isinstance(text, str) else text
    if len(encoded) > MESSAGE_MAX_LEN:
        raise ValueError("channel message too big")
    return LENGTH.pack(len(encoded)) + encoded


def request_data(data: dict[str, Any] | None) -> str:
    return json.dumps(data) if data is not None else "undefined"


class Channel:
    def __init__(self, pid: int, *, request_timeout_s: float = 15.0) -> None:
        self.pid = pid
        self.closed = False
        # The payload channel beside this one (fds 5 and 6), set by the worker: producers and
        # consumers of direct transports and data producers/consumers send binary data over it.
        self.payload: PayloadChannel | None = None
        self._loop = asyncio.get_running_loop()
        self._pending = PendingRequests(self._loop, request_timeout_s)
        self._listeners: dict[str, Listener] = {}
        self._writer: asyncio.WriteTransport | None = None
        self._reader: asyncio.BaseTransport | None = None
        self._on_lost: list[Callable[[], None]] = []
        self._repeats = RepeatedLines()

    def require_payload(self) -> "PayloadChannel":
        if self.payload is None:
            raise InvalidStateError("this worker has no payload channel")
        return self.payload

    @property
    def request_timeout_s(self) -> float:
        return self._pending.timeout_s

    @request_timeout_s.setter
    def request_timeout_s(self, value: float) -> None:
        self._pending.timeout_s = value

    async def connect(self, write_fd: int, read_fd: int) -> None:
        """Takes ownership of the parent's ends of the two pipes."""
        self._writer, self._reader = await connect_pipes(self._loop, write_fd, read_fd,
                                                         FrameReader(self.on_payload, self.on_lost, self.pid))

    def on_lost(self) -> None:
        """The worker closed its end (it exited or crashed): nothing pending will be answered."""
        self._pending.fail_all(WorkerDiedError(f"the worker (pid {self.pid}) went away"))
        for callback in self._on_lost:
            callback()

    def add_lost_callback(self, callback: Callable[[], None]) -> None:
        self._on_lost.append(callback)

    def subscribe(self, target_id: str, listener: Listener) -> None:
        self._listeners[target_id] = listener

    def unsubscribe(self, target_id: str) -> None:
        """Drops the object's listeners here and on the payload channel (it may have either)."""
        self._listeners.pop(target_id, None)
        if self.payload is not None:
            self.payload.unsubscribe(target_id)

    async def request(self, method: str, handler_id: str | None = None, data: dict[str, Any] | None = None) -> Any:
        return await self._pending.wait(*self._send(method, handler_id, data))

    def close_request(self, method: str, handler_id: str | None, data: dict[str, Any]) -> None:
        """Fire and forget, for closing requests: the local object is closed whatever the answer.
        Written at once, so a request made right after it reaches the worker after it."""
        if self.closed or self._writer is None or self._writer.is_closing():
            return
        self._pending.forget_when_done(*self._send(method, handler_id, data))

    def _send(self, method: str, handler_id: str | None, data: dict[str, Any] | None) -> tuple[int, asyncio.Future[Any]]:
        if self.closed or self._writer is None or self._writer.is_closing():
            raise InvalidStateError("channel closed")
        request_id, future = self._pending.add(method)
        try:
            message = frame(f"{request_id}:{method}:{handler_id or 'undefined'}:{request_data(data)}")
        except ValueError:
            self._pending.discard(request_id)
            raise
        self._writer.write(message)
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
            repeated = self._repeats.admit(text)
            if repeated is not None:
                level = {b"D": "debug", b"W": "warning", b"E": "error", b"X": "info"}[first]
                getattr(log, level)("worker_log", pid=self.pid, line=text, **({"repeated": repeated} if repeated else {}))
        else:
            log.warning("worker_sent_unexpected_data", pid=self.pid, data=payload[:200].decode(errors="replace"))

    def _on_message(self, message: dict[str, Any]) -> None:
        if "id" in message:
            self._pending.settle(message)
        elif "targetId" in message and "event" in message:
            # Scheduled, not called: an event must not overtake the answer of the request that
            # caused it, whose awaiting task resumes in this same loop iteration.
            self._loop.call_soon(self._notify, str(message["targetId"]), message["event"], message.get("data"))
        else:
            log.error("worker_message_unknown", message=str(message)[:200])

    def _notify(self, target_id: str, event: str, data: Any) -> None:
        notify_listener(self._listeners.get(target_id), target_id, event, data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._pending.fail_all(InvalidStateError("channel closed"))
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()
        if self.payload is not None:
            self.payload.close()


async def connect_pipes(loop: asyncio.AbstractEventLoop, write_fd: int, read_fd: int,
                        reader: FrameReader) -> tuple[asyncio.WriteTransport, asyncio.BaseTransport]:
    writer, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(write_fd, "wb", 0))
    read_transport, _ = await loop.connect_read_pipe(lambda: reader, os.fdopen(read_fd, "rb", 0))
    return writer, read_transport


def notify_listener(listener: Callable[..., None] | None, target_id: str, event: str, *args: Any) -> None:
    if listener is not None:
        try:
            listener(event, *args)
        except Exception:  # a listener's bug must not break the channel
            log.exception("notification_listener_failed", target_id=target_id, event=event)

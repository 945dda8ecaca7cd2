"""A WebSocket test client for the signaling protocol: request/ok matching and a push queue."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import msgpack
import websockets
from websockets.asyncio.client import ClientConnection


class WsClient:
    def __init__(self, conn: ClientConnection, *, binary: bool) -> None:
        self.conn = conn
        self.binary = binary
        self.welcome: dict[str, Any] = {}
        self.pushes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self._subscriptions: list[tuple[set[str], asyncio.Queue[dict[str, Any]]]] = []
        # Every push, in order: for checks that look without taking (several may look at once).
        self.history: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, base_url: str, token: str, *, msgpack_frames: bool = False,
                      origin: str | None = None) -> "WsClient":
        """Connects, says hello and waits for the welcome."""
        url = base_url.replace("http://", "ws://") + "/ws"
        conn = await websockets.connect(
            url, subprotocols=["peershare.msgpack"] if msgpack_frames else None,  # type: ignore[list-item]
            origin=origin, max_size=None,  # type: ignore[arg-type]
        )
        client = cls(conn, binary=msgpack_frames)
        await client.send_raw({"type": "hello", "token": token})
        client.welcome = await client.recv_raw(timeout=10)
        assert client.welcome["type"] == "welcome", client.welcome
        client._reader = asyncio.create_task(client._read())
        return client

    def subscribe(self, *types: str) -> asyncio.Queue[dict[str, Any]]:
        """A queue of its own that gets a copy of every push of these types."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscriptions.append((set(types), queue))
        return queue

    async def send_raw(self, frame: Any) -> None:
        await self.conn.send(msgpack.packb(frame) if self.binary else json.dumps(frame))

    async def recv_raw(self, timeout: float = 5) -> dict[str, Any]:
        """The next message, which must be a single frame (the hello handshake's welcome)."""
        data = await asyncio.wait_for(self.conn.recv(), timeout)
        decoded: dict[str, Any] = msgpack.unpackb(data) if isinstance(data, bytes) else json.loads(data)
        return decoded

    async def _read(self) -> None:
        try:
            async for data in self.conn:
                for frame in frames_of(data):
                    self._take(frame)
        except websockets.ConnectionClosed:
            pass

    def _take(self, frame: dict[str, Any]) -> None:
        future = self._pending.pop(frame.get("id") or "", None) if frame["type"] in ("ok", "error") else None
        if future is not None and not future.done():
            future.set_result(frame)
            return
        self.pushes.put_nowait(frame)
        self.history.append(frame)
        for types, queue in self._subscriptions:
            if frame["type"] in types:
                queue.put_nowait(frame)

    async def request(self, type_: str, timeout: float = 10, **fields: Any) -> dict[str, Any]:
        """Sends a request and returns its one `ok` or `error` reply."""
        request_id = f"r{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        await self.send_raw({"type": type_, "id": request_id, **fields})
        return await asyncio.wait_for(future, timeout)

    async def ok(self, type_: str, **fields: Any) -> dict[str, Any]:
        reply = await self.request(type_, **fields)
        assert reply["type"] == "ok", reply
        data: dict[str, Any] = reply.get("data") or {}
        return data

    async def next_push(self, type_: str | None = None, timeout: float = 5, **match: Any) -> dict[str, Any]:
        """The next push of that type (and fields), skipping others."""
        async def wait() -> dict[str, Any]:
            while True:
                frame = await self.pushes.get()
                if (type_ is None or frame["type"] == type_) and all(_get(frame, k) == v for k, v in match.items()):
                    return frame
        return await asyncio.wait_for(wait(), timeout)

    async def no_push(self, type_: str, within: float = 0.5, **match: Any) -> None:
        """Asserts no such push arrives within `within` seconds."""
        try:
            frame = await self.next_push(type_, timeout=within, **match)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected push: {frame}")

    async def seen(self, type_: str, *, since: int, timeout: float, **match: Any) -> dict[str, Any]:
        """A push of that type (and fields) among those since `since` (a length of `history`),
        waiting for it up to `timeout`; unlike next_push, it takes nothing from anyone."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.history[since:]:
                if frame["type"] == type_ and all(_get(frame, k) == v for k, v in match.items()):
                    return frame
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {type_} push like {match}")
            await asyncio.sleep(0.02)

    async def unseen(self, type_: str, *, since: int, within: float, **match: Any) -> None:
        """Asserts no such push arrives from `since` until `within` seconds from now."""
        try:
            frame = await self.seen(type_, since=since, timeout=within, **match)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected push: {frame}")

    async def closed_code(self, timeout: float) -> int | None:
        """The code the server closed this socket with, or None if it is still open after `timeout`."""
        try:
            await asyncio.wait_for(self.conn.wait_closed(), timeout)
        except TimeoutError:
            return None
        return self.conn.close_code

    async def close(self) -> None:
        await self.conn.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def _get(frame: dict[str, Any], dotted: str) -> Any:
    value: Any = frame
    for part in dotted.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def frames_of(data: str | bytes) -> list[dict[str, Any]]:
    """One server message: a frame, or several in an array."""
    decoded = msgpack.unpackb(data) if isinstance(data, bytes) else json.loads(data)
    return decoded if isinstance(decoded, list) else [decoded]

"""The bus that carries events between nodes: Redis pub/sub (msgpack) when REDIS_URL is set,
else an in-process bus with the same interface for a single node.

A node subscribes to the topics its connected clients need (`group:<id>`, `user:<id>`); each
event published on a topic reaches every node subscribed to it, this one included.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Protocol

import msgpack
import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

Event = dict[str, Any]
Deliver = Callable[[str, Event], None]

_PREFIX = "peershare:bus:"


class Bus(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...
    async def subscribe(self, topic: str) -> None: ...
    async def unsubscribe(self, topic: str) -> None: ...
    async def close(self) -> None: ...


class InProcessBus:
    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._topics: set[str] = set()

    async def publish(self, topic: str, event: Event) -> None:
        if topic in self._topics:
            # Round-trip through msgpack so single-node behaves exactly like multi-node.
            self._deliver(topic, msgpack.unpackb(msgpack.packb(event)))

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)

    async def close(self) -> None:
        self._topics.clear()


class RedisBus:
    def __init__(self, redis: Redis, deliver: Deliver) -> None:
        self._redis = redis
        self._deliver = deliver
        self._pubsub = redis.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # A placeholder subscription: redis-py's reader needs one before it can listen.
        await self._pubsub.subscribe(_PREFIX + "node")
        self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken connection: redis-py reconnects on the next call
                log.warning("bus_read_failed", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            if message is None or message["type"] != "message":
                continue
            topic = message["channel"].decode().removeprefix(_PREFIX)
            try:
                self._deliver(topic, msgpack.unpackb(message["data"]))
            except Exception:  # one bad event must not stop the node's delivery
                log.exception("bus_delivery_failed", topic=topic)

    async def publish(self, topic: str, event: Event) -> None:
        await self._redis.publish(_PREFIX + topic, msgpack.packb(event))

    async def subscribe(self, topic: str) -> None:
        await self._pubsub.subscribe(_PREFIX + topic)

    async def unsubscribe(self, topic: str) -> None:
        await self._pubsub.unsubscribe(_PREFIX + topic)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

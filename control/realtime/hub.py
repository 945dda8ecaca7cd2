"""The node's switchboard: which local sessions want which bus topics, and delivery of events
from the bus to them.

An event is a set of frames keyed by group role ("owner", "member", …) or "*" for everyone:
each session receives the frame for its role in the event's group, or nothing. So a message in a
channel hidden from guests is never sent to a guest, and a channel's `my_permissions` is right
for each reader.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any, Callable, Protocol

import msgpack
import structlog

from control.domain.permissions import Role
from control.store.bus import Bus, Event

log = structlog.get_logger(__name__)

EVERYONE = "*"


def group_topic(group_id: uuid.UUID) -> str:
    return f"group:{group_id}"


def user_topic(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def session_topic(session_id: str) -> str:
    """One connection: for pushes meant for it alone (a call's P2P signals, its mode)."""
    return f"session:{session_id}"


class Subscriber(Protocol):
    """What the hub needs of a session."""

    session_id: str
    user_id: uuid.UUID

    @property
    def sign_in_id(self) -> uuid.UUID | None: ...
    def role_in(self, group_id: uuid.UUID) -> Role | None: ...
    def deliver(self, frame: dict[str, Any], encoded: "EncodedFrame") -> None: ...
    def close(self, code: int, reason: str) -> None: ...


class EncodedFrame:
    """A frame serialised at most once per encoding, however many sessions receive it."""

    def __init__(self, frame: dict[str, Any], json_text: str | None = None) -> None:
        self.frame = frame
        self._json = json_text
        self._msgpack: bytes | None = None

    @property
    def json(self) -> str:
        if self._json is None:
            self._json = json.dumps(self.frame, separators=(",", ":"))
        return self._json

    @property
    def msgpack(self) -> bytes:
        if self._msgpack is None:
            self._msgpack = msgpack.packb(self.frame)
        return self._msgpack


class Hub:
    def __init__(self) -> None:
        self.bus: Bus | None = None
        self._sessions: dict[str, Subscriber] = {}
        self._by_topic: dict[str, set[str]] = {}
        self._handlers: dict[str, Callable[[Event], None]] = {}
        self._topic_refs: Counter[str] = Counter()

    def attach_bus(self, bus: Bus) -> None:
        self.bus = bus

    @property
    def local_sessions(self) -> list[Subscriber]:
        return list(self._sessions.values())

    async def publish(self, topic: str, frames: dict[str, dict[str, Any]], *, exclude_session: str | None = None) -> None:
        """Sends role-keyed frames to every session on `topic`, on every node."""
        assert self.bus is not None
        await self.bus.publish(topic, {"frames": frames, "exclude": exclude_session})

    async def publish_raw(self, topic: str, event: dict[str, Any]) -> None:
        """A node-to-node message (see `listen`), not frames for sessions."""
        assert self.bus is not None
        await self.bus.publish(topic, event)

    async def publish_to_group(self, group_id: uuid.UUID, frames: dict[str, dict[str, Any]],
                               *, exclude_session: str | None = None) -> None:
        await self.publish(group_topic(group_id), frames, exclude_session=exclude_session)

    async def publish_to_user(self, user_id: uuid.UUID, frame: dict[str, Any]) -> None:
        await self.publish(user_topic(user_id), {EVERYONE: frame})

    async def publish_to_session(self, session_id: str, frame: dict[str, Any]) -> None:
        await self.publish(session_topic(session_id), {EVERYONE: frame})

    async def add(self, session: Subscriber, topics: list[str]) -> None:
        self._sessions[session.session_id] = session
        for topic in topics:
            await self.follow(session, topic)

    async def remove(self, session: Subscriber) -> None:
        self._sessions.pop(session.session_id, None)
        for topic in [t for t, ids in self._by_topic.items() if session.session_id in ids]:
            await self.unfollow(session, topic)

    async def follow(self, session: Subscriber, topic: str) -> None:
        members = self._by_topic.setdefault(topic, set())
        if session.session_id in members:
            return
        members.add(session.session_id)
        self._topic_refs[topic] += 1
        if self._topic_refs[topic] == 1:
            assert self.bus is not None
            await self.bus.subscribe(topic)

    async def unfollow(self, session: Subscriber, topic: str) -> None:
        members = self._by_topic.get(topic)
        if not members or session.session_id not in members:
            return
        members.discard(session.session_id)
        self._topic_refs[topic] -= 1
        if self._topic_refs[topic] == 0:
            del self._topic_refs[topic]
            del self._by_topic[topic]
            assert self.bus is not None
            await self.bus.unsubscribe(topic)

    async def listen(self, topic: str, handler: Callable[[Event], None]) -> None:
        """Node-to-node messages: events on `topic` go to `handler`, not to sessions."""
        self._handlers[topic] = handler
        assert self.bus is not None
        await self.bus.subscribe(topic)

    async def stop_listening(self, topic: str) -> None:
        if self._handlers.pop(topic, None) is not None:
            assert self.bus is not None
            await self.bus.unsubscribe(topic)

    def deliver(self, topic: str, event: Event) -> None:
        """Called by the bus for every event on a topic this node follows."""
        handler = self._handlers.get(topic)
        if handler is not None:
            handler(event)
            return
        frames: dict[str, dict[str, Any]] = event["frames"]
        exclude = event.get("exclude")
        group_id = uuid.UUID(topic.removeprefix("group:")) if topic.startswith("group:") else None
        # Roles that share one frame share one encoding (the bus hands identical frames over as
        # equal dicts, so compare by content).
        by_content: dict[str, EncodedFrame] = {}
        encoded = {}
        for key, frame in frames.items():
            text = json.dumps(frame, separators=(",", ":"))
            encoded[key] = by_content.setdefault(text, EncodedFrame(frame, text))
        for session_id in list(self._by_topic.get(topic, ())):
            session = self._sessions.get(session_id)
            if session is None or session_id == exclude:
                continue
            key = EVERYONE
            if group_id is not None:
                # A group's events reach its members only: someone just removed may still follow
                # the topic for a moment, but gets nothing more of it.
                role = session.role_in(group_id)
                if role is None:
                    continue
                if EVERYONE not in frames:
                    key = role.value
            if key in encoded:
                session.deliver(frames[key], encoded[key])

"""Who is online: a user is online while any of their sessions (tabs, devices, nodes) is alive.

Sessions are leases: each node renews its sessions' leases every few seconds. A session whose
lease runs out (its node crashed, its network was cut) is reaped by whichever node notices first,
so nobody stays online, or in a voice channel, as a ghost. Kept in Redis when several nodes share
the work, else in memory.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Protocol, cast

from redis.asyncio import Redis


@dataclass(frozen=True)
class Presence:
    user_id: uuid.UUID
    status: str  # online | idle | dnd | invisible | offline
    status_text: str
    voice_channel_id: uuid.UUID | None

    def as_others_see_it(self) -> Presence:
        """Invisible people look offline to everyone else: no status text, no voice channel."""
        return Presence(self.user_id, "offline", "", None) if self.status == "invisible" else self


@dataclass(frozen=True)
class SessionRef:
    user_id: uuid.UUID
    session_id: str


class PresenceStore(Protocol):
    async def connect(self, ref: SessionRef, lease_s: float) -> bool:
        """Registers a live session; True when this made the user come online."""

    async def disconnect(self, ref: SessionRef) -> bool:
        """Forgets a session; True when this made the user go offline."""

    async def renew(self, refs: list[SessionRef], lease_s: float) -> None: ...

    async def reap_expired(self) -> list[tuple[SessionRef, bool]]:
        """Forgets sessions whose lease ran out; returns each with whether its user went offline by it."""

    async def set_status(self, user_id: uuid.UUID, status: str, status_text: str) -> None: ...

    async def set_voice_channel(self, user_id: uuid.UUID, channel_id: uuid.UUID | None) -> None: ...

    async def get_many(self, user_ids: list[uuid.UUID]) -> list[Presence]: ...


def _presence(user_id: uuid.UUID, online: bool, status: str | None, text: str | None, voice: str | None) -> Presence:
    if not online:
        return Presence(user_id, "offline", "", None)
    return Presence(user_id, status or "online", text or "", uuid.UUID(voice) if voice else None)


class MemoryPresence:
    def __init__(self) -> None:
        self._leases: dict[SessionRef, float] = {}
        self._sessions: dict[uuid.UUID, set[str]] = {}
        self._status: dict[uuid.UUID, tuple[str, str]] = {}
        self._voice: dict[uuid.UUID, uuid.UUID] = {}

    async def connect(self, ref: SessionRef, lease_s: float) -> bool:
        self._leases[ref] = time.monotonic() + lease_s
        sessions = self._sessions.setdefault(ref.user_id, set())
        sessions.add(ref.session_id)
        return len(sessions) == 1

    async def disconnect(self, ref: SessionRef) -> bool:
        self._leases.pop(ref, None)
        sessions = self._sessions.get(ref.user_id)
        if sessions is None or ref.session_id not in sessions:
            return False
        sessions.discard(ref.session_id)
        if sessions:
            return False
        del self._sessions[ref.user_id]
        self._status.pop(ref.user_id, None)
        self._voice.pop(ref.user_id, None)
        return True

    async def renew(self, refs: list[SessionRef], lease_s: float) -> None:
        deadline = time.monotonic() + lease_s
        for ref in refs:
            if ref in self._leases:
                self._leases[ref] = deadline

    async def reap_expired(self) -> list[tuple[SessionRef, bool]]:
        now = time.monotonic()
        return [(ref, await self.disconnect(ref)) for ref in [r for r, end in self._leases.items() if end < now]]

    async def set_status(self, user_id: uuid.UUID, status: str, status_text: str) -> None:
        self._status[user_id] = (status, status_text)

    async def set_voice_channel(self, user_id: uuid.UUID, channel_id: uuid.UUID | None) -> None:
        if channel_id is None:
            self._voice.pop(user_id, None)
        else:
            self._voice[user_id] = channel_id

    async def get_many(self, user_ids: list[uuid.UUID]) -> list[Presence]:
        result = []
        for user_id in user_ids:
            status, text = self._status.get(user_id, ("online", ""))
            voice = self._voice.get(user_id)
            result.append(_presence(user_id, user_id in self._sessions, status, text, str(voice) if voice else None))
        return result


# Redis layout: a sorted set of leases (member "user:session", score = deadline), a set of live
# sessions per user, and a hash of status fields per user.
_LEASES = "peershare:presence:leases"


def _sessions_key(user_id: uuid.UUID) -> str:
    return f"peershare:presence:sessions:{user_id}"


def _status_key(user_id: uuid.UUID) -> str:
    return f"peershare:presence:status:{user_id}"


def _member(ref: SessionRef) -> str:
    return f"{ref.user_id}:{ref.session_id}"


class RedisPresence:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def connect(self, ref: SessionRef, lease_s: float) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(_LEASES, {_member(ref): time.time() + lease_s})
            pipe.sadd(_sessions_key(ref.user_id), ref.session_id)
            pipe.scard(_sessions_key(ref.user_id))
            _, _, count = await pipe.execute()
        return int(count) == 1

    async def disconnect(self, ref: SessionRef) -> bool:
        await self._redis.zrem(_LEASES, _member(ref))
        return await self._finish_disconnect(ref)

    async def renew(self, refs: list[SessionRef], lease_s: float) -> None:
        if refs:
            # xx: renew only leases that still exist; a reaped session must not come back.
            await self._redis.zadd(_LEASES, {_member(r): time.time() + lease_s for r in refs}, xx=True)

    async def reap_expired(self) -> list[tuple[SessionRef, bool]]:
        reaped = []
        expired = cast(list[bytes], await self._redis.zrangebyscore(_LEASES, 0, time.time()))
        for raw in expired:
            user, _, session = raw.decode().partition(":")
            ref = SessionRef(uuid.UUID(user), session)
            # zrem answers 1 to exactly one node, so one node reaps each session.
            if await self._redis.zrem(_LEASES, raw):
                reaped.append((ref, await self._finish_disconnect(ref)))
        return reaped

    async def _finish_disconnect(self, ref: SessionRef) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(_sessions_key(ref.user_id), ref.session_id)
            pipe.scard(_sessions_key(ref.user_id))
            removed, count = await pipe.execute()
        if int(removed) and int(count) == 0:
            await self._redis.delete(_status_key(ref.user_id))
            return True
        return False

    async def set_status(self, user_id: uuid.UUID, status: str, status_text: str) -> None:
        await self._redis.hset(_status_key(user_id), mapping={"status": status, "text": status_text})

    async def set_voice_channel(self, user_id: uuid.UUID, channel_id: uuid.UUID | None) -> None:
        if channel_id is None:
            await self._redis.hdel(_status_key(user_id), "voice")
        else:
            await self._redis.hset(_status_key(user_id), "voice", str(channel_id))

    async def get_many(self, user_ids: list[uuid.UUID]) -> list[Presence]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.scard(_sessions_key(user_id))
                pipe.hgetall(_status_key(user_id))
            replies = await pipe.execute()
        result = []
        for user_id, count, fields in zip(user_ids, replies[::2], replies[1::2]):
            decoded = {k.decode(): v.decode() for k, v in fields.items()}
            result.append(_presence(user_id, int(count) > 0, decoded.get("status"), decoded.get("text"),
                                    decoded.get("voice")))
        return result

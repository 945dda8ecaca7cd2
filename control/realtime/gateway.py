"""The node's real-time side: the hub, the bus it listens to, presence, and the background work
that keeps presence honest (renewing this node's session leases, reaping expired ones)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Awaitable, Callable

import structlog
from redis.asyncio import Redis

from control.realtime.frames import dump
from control.realtime.hub import EVERYONE, Hub
from control.realtime.presence import (
    MemoryPresence,
    Presence,
    PresenceStore,
    RedisPresence,
    SessionRef,
)
from control.store import groups
from control.store.bus import Bus, InProcessBus, RedisBus
from control.store.postgres import Database
from schemas.signaling import PresenceOut, PresencePush, PresenceStatus

log = structlog.get_logger(__name__)


def presence_out(presence: Presence) -> PresenceOut:
    return PresenceOut(
        user_id=presence.user_id, status=PresenceStatus(presence.status), status_text=presence.status_text,
        voice_channel_id=presence.voice_channel_id,
    )


class Realtime:
    def __init__(self, db: Database, redis: Redis | None, *, lease_s: float) -> None:
        self.db = db
        self.hub = Hub()
        self.bus: Bus
        if redis is None:
            self.bus = InProcessBus(self.hub.deliver)
            self.presence: PresenceStore = MemoryPresence()
        else:
            self.bus = RedisBus(redis, self.hub.deliver)
            self.presence = RedisPresence(redis)
        self.hub.attach_bus(self.bus)
        self.lease_s = lease_s
        self._janitor: asyncio.Task[None] | None = None
        # Called with the sessions reaped after their node died (calls end their participations).
        self.on_sessions_lost: list[Callable[[list[str]], Awaitable[None]]] = []

    async def start(self) -> None:
        if isinstance(self.bus, RedisBus):
            await self.bus.start()
        self._janitor = asyncio.create_task(self._keep_presence(), name="presence-janitor")

    async def close(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            await asyncio.gather(self._janitor, return_exceptions=True)
        await self.bus.close()

    async def _keep_presence(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                refs = [SessionRef(s.user_id, s.session_id) for s in self.hub.local_sessions]
                await self.presence.renew(refs, self.lease_s)
                reaped = await self.presence.reap_expired()
                for ref, went_offline in reaped:
                    log.info("presence_reaped", user_id=str(ref.user_id), session_id=ref.session_id)
                    if went_offline:
                        await self.announce_presence(ref.user_id)
                if reaped:
                    for hook in self.on_sessions_lost:
                        await hook([ref.session_id for ref, _ in reaped])
            except Exception:  # Redis or the database away for a moment: try again next round
                log.warning("presence_upkeep_failed", exc_info=True)

    async def announce_presence(self, user_id: uuid.UUID) -> None:
        """Tells everyone sharing a group with `user_id` what their presence is now."""
        [presence] = await self.presence.get_many([user_id])
        frame = dump(PresencePush(presence=presence_out(presence)))
        async with self.db.connection() as conn:
            group_ids = await groups.group_ids_of(conn, user_id)
        for group_id in group_ids:
            await self.hub.publish_to_group(group_id, {EVERYONE: frame})


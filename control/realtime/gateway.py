"""The node's real-time side: the hub, the bus it listens to, presence, and the background work
that keeps presence honest (renewing this node's session leases, reaping expired ones)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Awaitable, Callable, cast

import asyncpg
import structlog
from redis.asyncio import Redis

from control.access import can_see_channel
from control.domain.permissions import Role
from control.realtime.frames import dump
from control.realtime.hub import Hub
from control.realtime.presence import (
    MemoryPresence,
    Presence,
    PresenceStore,
    RedisPresence,
    SessionRef,
)
from control.rights import RightsChange, RightsChanged
from control.store import channels, groups, users
from control.store.bus import Bus, InProcessBus, RedisBus
from control.store.postgres import Database
from schemas.signaling import ChosenStatus, CloseCode, PresenceOut, PresencePush, PresenceStatus

log = structlog.get_logger(__name__)


def presence_out(presence: Presence, group_id: uuid.UUID, voice: asyncpg.Record | None, viewer: Role | None) -> PresenceOut:
    """`presence` as a `viewer` in `group_id` sees it: the voice channel (`voice`, the channel's
    row) only when it is in that group and the viewer may see it."""
    shown = voice is not None and voice["group_id"] == group_id and can_see_channel(viewer, voice)
    return PresenceOut(
        group_id=group_id, user_id=presence.user_id, status=PresenceStatus(presence.status),
        status_text=presence.status_text, voice_channel_id=presence.voice_channel_id if shown else None,
    )


async def voice_channels_of(conn: asyncpg.Connection,
                            presences: list[Presence]) -> dict[uuid.UUID | None, asyncpg.Record]:
    """The rows of the voice channels these people are in, by id (look up None: nothing)."""
    ids = list({p.voice_channel_id for p in presences if p.voice_channel_id is not None})
    rows = await channels.get_channels(conn, ids) if ids else []
    return {row["id"]: row for row in rows}


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

    async def on_rights_changed(self, change: RightsChanged) -> None:
        """A revoked sign-in's sockets on this node are closed (the client signs out)."""
        if change.change is not RightsChange.SIGN_IN_REVOKED:
            return
        for session in self.hub.local_sessions:
            if session.user_id == change.user_id and session.sign_in_id == change.sign_in_id:
                session.close(CloseCode.ACCESS_REVOKED, "sign_in_revoked")

    async def set_status(self, user_id: uuid.UUID, status: str, status_text: str) -> None:
        """The status a person chose: kept for their next connections too, and announced."""
        async with self.db.connection() as conn:
            await users.set_presence(conn, user_id, status, status_text)
        await self.presence.set_status(user_id, status, status_text)
        await self.announce_presence(user_id)

    async def restore_status(self, user_id: uuid.UUID) -> tuple[ChosenStatus, str]:
        """Puts the status a person chose back into presence when they connect; returns it."""
        async with self.db.connection() as conn:
            status, text = await users.get_presence(conn, user_id)
        await self.presence.set_status(user_id, status, text)
        return cast(ChosenStatus, status), text  # the column's CHECK holds it to these values

    async def announce_presence(self, user_id: uuid.UUID) -> None:
        """Tells everyone sharing a group with `user_id` what their presence is now, each group
        what `user_id` does in it."""
        [presence] = await self.presence.get_many([user_id])
        presence = presence.as_others_see_it()
        async with self.db.connection() as conn:
            group_ids = await groups.group_ids_of(conn, user_id)
            voice = (await voice_channels_of(conn, [presence])).get(presence.voice_channel_id)
        for group_id in group_ids:
            frames = {role.value: dump(PresencePush(presence=presence_out(presence, group_id, voice, role)))
                      for role in Role}
            await self.hub.publish_to_group(group_id, frames)


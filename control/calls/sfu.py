"""SFU calls on this node: which room each call has, which participant each session is, and
the hooks the call service uses when people join, leave, resume or are muted.

A room is opened by the first SFU request of a call in SFU mode and closed when its last
participant leaves it. After a switch back to P2P the room stays until both remaining
participants have moved their media (`sfu_leave`), or until SFU_LINGER seconds have passed.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Awaitable

import structlog

from control.access import channel_access
from control.auth.tokens import Principal
from control.calls.media_engine import MediaEngine
from control.calls.sfu_room import Peer, Push, Room
from control.domain.permissions import channel_permissions
from control.errors import Conflict, NotFound
from control.store import calls
from control.store.postgres import Database

log = structlog.get_logger(__name__)


class SfuService:
    def __init__(self, db: Database, engine: MediaEngine, push: Push, *, linger_s: float = 30.0) -> None:
        self.engine = engine
        self._db = db
        self._push = push
        self._linger_s = linger_s
        self._rooms: dict[uuid.UUID, Room] = {}
        self._by_session: dict[str, tuple[Room, Peer]] = {}
        self._opening = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for room in self._rooms.values():
            room.close()
        self._rooms.clear()
        self._by_session.clear()
        await self.engine.close()

    def room_of_call(self, call_id: uuid.UUID) -> Room | None:
        return self._rooms.get(call_id)

    # --- who is asking ---

    async def peer(self, principal: Principal, session_id: str) -> tuple[Room, Peer]:
        """The caller's room and peer, opening the room on the call's first SFU request."""
        found = self._by_session.get(session_id)
        if found is not None and not found[0].closed:
            return found
        async with self._db.connection() as conn:
            me = await calls.live_participation_of(conn, principal.user_id)
            if me is None or me["session_id"] != session_id:
                raise NotFound("you are not in a call", code="not_in_call")
            call = await calls.get_call(conn, me["call_id"])
            channel, access = await channel_access(conn, principal, me["channel_id"])
        assert call is not None and access.role is not None
        if call["mode"] != "sfu" and call["id"] not in self._rooms:
            raise Conflict("this call is peer to peer", code="not_sfu_mode")
        room = await self._room(call["id"], call["channel_id"])
        peer = room.peers.get(me["id"])
        if peer is None:
            peer = Peer(participant_id=me["id"], session_id=session_id,
                        granted=frozenset(channel_permissions(access.role, channel["overrides"])),
                        muted_by_moderator=me["muted_by_moderator"])
            room.add_peer(peer)
        peer.session_id = session_id
        self._by_session[session_id] = (room, peer)
        return room, peer

    async def _room(self, call_id: uuid.UUID, channel_id: uuid.UUID) -> Room:
        async with self._opening:
            room = self._rooms.get(call_id)
            if room is None:
                room = Room(call_id, channel_id, self.engine, self._push)
                await self._open(room)
                self._rooms[call_id] = room
                log.info("sfu_room_opened", call_id=str(call_id))
            return room

    async def _open(self, room: Room) -> None:
        router = await self.engine.create_router({"call_id": str(room.call_id)})
        await room.open(router)
        router.events.on("workerclose", lambda: self._spawn(self._rebuild(room)))

    async def _rebuild(self, room: Room) -> None:
        """The room's worker died: a router on a live worker, then everyone sets up media again."""
        log.error("sfu_room_lost_its_worker", call_id=str(room.call_id))
        room.rebuild_needed()
        delay = 0.1
        while not room.closed:
            try:
                await self._open(room)
                break
            except Exception:
                log.exception("sfu_room_rebuild_failed", call_id=str(room.call_id))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if not room.closed:
            await room.reopened()

    # --- hooks for the call service ---

    def resumed(self, participant_id: uuid.UUID, session_id: str) -> None:
        """Same participant, new socket: media stays up, pushes go to the new session."""
        for room in self._rooms.values():
            peer = room.peers.get(participant_id)
            if peer is not None:
                self._by_session.pop(peer.session_id, None)
                peer.session_id = session_id
                self._by_session[session_id] = (room, peer)

    def participant_left(self, call_id: uuid.UUID, participant_id: uuid.UUID) -> None:
        room = self._rooms.get(call_id)
        if room is None:
            return
        peer = room.peers.get(participant_id)
        if peer is not None:
            self._by_session.pop(peer.session_id, None)
        room.remove_peer(participant_id)
        if not room.peers:
            self._close_room(room)

    def mode_changed(self, call_id: uuid.UUID, mode: str | None) -> None:
        room = self._rooms.get(call_id)
        if room is None:
            return
        if mode is None:
            self._close_room(room)
        elif mode == "p2p":
            self._spawn(self._close_if_still_p2p(room))

    async def _close_if_still_p2p(self, room: Room) -> None:
        await asyncio.sleep(self._linger_s)
        async with self._db.connection() as conn:
            call = await calls.get_call(conn, room.call_id)
        if call is None or call["ended_at"] is not None or call["mode"] == "p2p":
            self._close_room(room)

    async def leave(self, principal: Principal, session_id: str) -> None:
        room, peer = await self.peer(principal, session_id)
        self.participant_left(room.call_id, peer.participant_id)

    async def mute(self, call_id: uuid.UUID, participant_id: uuid.UUID) -> None:
        room = self._rooms.get(call_id)
        peer = room.peers.get(participant_id) if room is not None else None
        if room is not None and peer is not None:
            await room.mute(peer)

    def _close_room(self, room: Room) -> None:
        if self._rooms.get(room.call_id) is room:
            del self._rooms[room.call_id]
        for peer in room.peers.values():
            self._by_session.pop(peer.session_id, None)
        room.close()
        log.info("sfu_room_closed", call_id=str(room.call_id))

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

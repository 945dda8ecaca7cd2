"""SFU calls: which node hosts each call's room, which participant each session is, and the
hooks the call service uses when people join, leave, resume or their rights change.

One node hosts a call's room (the first to serve an SFU request of the call claims it in the
database and renews the claim while the room is open). A participant connected to another node
has its SFU requests sent to the host over the bus (each node listens on `sfu-node:<node>` for
requests and answers), and the host's pushes reach the participant's session on any node. Hooks
(someone left, resumed, had their rights changed) go to `sfu-call:<call>`, where the host listens.
When the host dies its claim goes stale, the next request's node takes the call over and tells
everyone to set their media up again.

A room is closed when its last participant leaves it. After a switch back to P2P it stays until
both remaining participants have moved their media (`sfu_leave`), or until `linger_s` passed.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from typing import Any, Awaitable, Callable, Protocol

import asyncpg
import structlog
from pydantic import BaseModel, TypeAdapter

from control.access import channel_access
from control.auth.tokens import Principal
from control.calls.media_engine import MediaEngine
from control.calls.participation import my_participation
from control.calls.sfu_room import Peer, Room
from control.domain.permissions import Permission, channel_permissions
from control.errors import Conflict, PeerShareError, ServiceUnavailable
from control.realtime.hub import Hub
from control.store import calls
from control.store.bus import Event
from control.store.postgres import Database
from control.tasks import TaskSet
from schemas.signaling import ClientFrame, SfuLeave, SfuProduce, SfuReset

log = structlog.get_logger(__name__)

_FRAME = TypeAdapter(ClientFrame)
REMOTE_TIMEOUT_S = 10.0


class RoomObserver(Protocol):
    async def room_opened(self, room: Room) -> None: ...
    def room_closing(self, room: Room) -> None: ...


class RemoteError(PeerShareError):
    """An error the hosting node answered with, passed on with its code."""


def call_topic(call_id: uuid.UUID) -> str:
    return f"sfu-call:{call_id}"


def node_topic(node: str) -> str:
    return f"sfu-node:{node}"


class SfuService:
    def __init__(self, db: Database, engine: MediaEngine, hub: Hub, *, linger_s: float = 30.0,
                 host_lease_s: float = 15.0) -> None:
        self.engine = engine
        self.node = secrets.token_hex(8)
        self._db = db
        self._hub = hub
        self._linger_s = linger_s
        self._host_lease_s = host_lease_s
        self._rooms: dict[uuid.UUID, Room] = {}
        self._by_session: dict[str, tuple[Room, Peer]] = {}
        self._opening = asyncio.Lock()
        self._replies: dict[str, asyncio.Future[Event]] = {}
        self._tasks = TaskSet("sfu")
        # Told when a room opens here and before it closes (the recording service follows rooms).
        self.room_observers: list[RoomObserver] = []
        # Hooks of other services, by kind, served where the call's room is (see `hook`).
        self.service_hooks: dict[str, Callable[[Event], Awaitable[None]]] = {}

    async def start(self) -> None:
        await self._hub.listen(node_topic(self.node), self._on_node_message)
        self._tasks.spawn(self._keep_claims())

    async def close(self) -> None:
        """A node shutting down hands its calls back: the participants set their media up again
        and the first request claims the call for its own node."""
        await self._tasks.close()
        for room in list(self._rooms.values()):
            room.close()
            try:
                async with self._db.connection() as conn:
                    await calls.release_media_node(conn, room.call_id, self.node)
                await self._tell_call(room.call_id, SfuReset(channel_id=room.channel_id))
            except Exception:  # shutting down anyway: the claim goes stale and is taken over
                log.warning("sfu_call_handover_failed", call_id=str(room.call_id), exc_info=True)
        self._rooms.clear()
        self._by_session.clear()
        await self.engine.close()

    def room_of_call(self, call_id: uuid.UUID) -> Room | None:
        return self._rooms.get(call_id)

    def rooms(self) -> list[Room]:
        return list(self._rooms.values())

    async def _push(self, session_id: str, frame: BaseModel) -> None:
        await self._hub.publish_to_session(session_id, frame.model_dump(mode="json"))

    # --- requests ---

    async def handle(self, principal: Principal, session_id: str, frame: BaseModel) -> dict[str, Any] | None:
        """Runs an SFU request here if this node hosts the caller's call, else on its host. The
        caller's standing is read from the database for every request, cached peer or not."""
        me, call = await self._participation(principal, session_id)
        found = self._by_session.get(session_id)
        if found is None or found[0].closed:
            host = await self._claim(call)
            if host != self.node:
                return await self._forward(host, principal, session_id, frame)
            found = await self._local_peer(principal, session_id, me, call)
        room, peer = found
        if isinstance(frame, SfuLeave):
            self._remove_peer(room, peer.participant_id)
            return None
        answer = await room.request(peer, frame)
        if isinstance(frame, SfuProduce) and frame.source == "screen":
            async with self._db.connection() as conn:
                await calls.mark_screen_shared(conn, peer.participant_id)
        return answer

    async def _participation(self, principal: Principal, session_id: str) -> tuple[asyncpg.Record, asyncpg.Record]:
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
            call = await calls.get_call(conn, me["call_id"])
        assert call is not None
        if call["mode"] != "sfu" and call["id"] not in self._rooms and call["media_node"] is None:
            raise Conflict("this call is peer to peer", code="not_sfu_mode")
        return me, call

    async def _claim(self, call: asyncpg.Record) -> str:
        """The node that hosts the call: this one, unless another live node does already."""
        if call["id"] in self._rooms:
            return self.node
        async with self._db.transaction() as conn:
            try:
                dead_host = await calls.claim_media_node(conn, call["id"], self.node, self._host_lease_s)
            except LookupError as taken:
                return str(taken.args[0])
        if dead_host is not None:
            log.warning("sfu_call_taken_over", call_id=str(call["id"]), from_node=dead_host)
            self._tasks.spawn(self._tell_call(call["id"], SfuReset(channel_id=call["channel_id"])))
        return self.node

    async def _tell_call(self, call_id: uuid.UUID, frame: BaseModel) -> None:
        async with self._db.connection() as conn:
            roster = await calls.live_participants(conn, call_id)
        for participant in roster:
            await self._push(participant["session_id"], frame)

    async def _local_peer(self, principal: Principal, session_id: str, me: asyncpg.Record,
                          call: asyncpg.Record) -> tuple[Room, Peer]:
        room = await self._room(call["id"], call["channel_id"])
        peer = room.peers.get(me["id"])
        if peer is None:
            async with self._db.connection() as conn:
                channel, access = await channel_access(conn, principal, me["channel_id"])
            assert access.role is not None
            peer = Peer(participant_id=me["id"], user_id=me["user_id"], session_id=session_id,
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
                await self._hub.listen(call_topic(call_id), lambda event: self._tasks.spawn(self._serve_hook(event)))
                log.info("sfu_room_opened", call_id=str(call_id))
                # Outside the lock, and never in the way of the request that opened the room.
                for observer in self.room_observers:
                    self._tasks.spawn(self._tell_opened(observer, room))
            return room

    async def _open(self, room: Room) -> None:
        router = await self.engine.create_router({"call_id": str(room.call_id)})
        await room.open(router)
        router.events.on("workerclose", lambda: self._tasks.spawn(self._rebuild(room)))

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

    @staticmethod
    async def _tell_opened(observer: RoomObserver, room: Room) -> None:
        try:
            await observer.room_opened(room)
        except Exception:
            log.exception("sfu_room_observer_failed", call_id=str(room.call_id))

    # --- between nodes ---

    async def _forward(self, host: str, principal: Principal, session_id: str,
                       frame: BaseModel) -> dict[str, Any] | None:
        request_id = secrets.token_hex(8)
        answer: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = answer
        try:
            await self._hub.publish_raw(node_topic(host), {
                "kind": "request", "id": request_id, "reply_to": node_topic(self.node),
                "user_id": str(principal.user_id),
                "guest_group_id": str(principal.guest_group_id) if principal.guest_group_id else None,
                "session_id": session_id, "frame": frame.model_dump(mode="json"),
            })
            reply = await asyncio.wait_for(answer, REMOTE_TIMEOUT_S)
        except TimeoutError:
            raise ServiceUnavailable("the node hosting this call's media did not answer; try again",
                                     code="sfu_host_unreachable") from None
        finally:
            self._replies.pop(request_id, None)
        if "error" in reply:
            raise RemoteError(reply["error"]["message"], code=reply["error"]["code"])
        data: dict[str, Any] | None = reply.get("data")
        return data

    def _on_node_message(self, event: Event) -> None:
        """Another node's request for a call hosted here, or the answer to one of ours."""
        if event.get("kind") == "request":
            self._tasks.spawn(self._serve_request(event))
            return
        answer = self._replies.get(event.get("id", ""))
        if answer is not None and not answer.done():
            answer.set_result(event)

    async def _serve_hook(self, event: Event) -> None:
        """A hook for a call whose room is here, sent by the node where it happened."""
        kind = event.get("kind")
        if kind == "left":
            self.participant_left_here(uuid.UUID(event["call_id"]), uuid.UUID(event["participant_id"]))
        elif kind == "mode":
            self.mode_changed_here(uuid.UUID(event["call_id"]), event["mode"])
        elif kind == "rights":
            await self.rights_changed_here(uuid.UUID(event["call_id"]), uuid.UUID(event["participant_id"]),
                                           frozenset(Permission(p) for p in event["granted"]), event["muted"])
        elif kind == "resumed":
            self.resumed_here(uuid.UUID(event["call_id"]), uuid.UUID(event["participant_id"]), event["session_id"])
        elif kind in self.service_hooks:
            await self.service_hooks[kind](event)

    async def _serve_request(self, event: Event) -> None:
        reply: Event = {"kind": "reply", "id": event["id"]}
        try:
            guest_group = event["guest_group_id"]
            principal = Principal(uuid.UUID(event["user_id"]), uuid.UUID(guest_group) if guest_group else None)
            reply["data"] = await self.handle(principal, event["session_id"], _FRAME.validate_python(event["frame"]))
        except PeerShareError as exc:
            reply["error"] = {"code": exc.code, "message": exc.message}
        except Exception:
            log.exception("sfu_remote_request_failed")
            reply["error"] = {"code": "internal_error", "message": "something went wrong on our side"}
        await self._hub.publish_raw(event["reply_to"], reply)

    async def _keep_claims(self) -> None:
        """Renews this node's claims, and takes over the calls of a dead host that have people
        connected here (their media went with the host; they set it up again here). Each round
        also adds the time since the last one to every sending or receiving peer's current grade."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self._host_lease_s / 3)
            now, elapsed = loop.time(), loop.time() - last
            last = now
            try:
                async with self._db.connection() as conn:
                    if self._rooms:
                        await calls.renew_media_node(conn, list(self._rooms), self.node)
                    for room in list(self._rooms.values()):
                        for peer in [p for p in room.peers.values() if p.producers or p.consumers]:
                            await calls.add_quality(conn, peer.participant_id, grade=peer.quality, seconds=elapsed)
                    sessions = [s.session_id for s in self._hub.local_sessions]
                    orphans = await calls.orphaned_sfu_calls(conn, sessions, self._host_lease_s) if sessions else []
                for call in orphans:
                    if await self._claim(call) == self.node:
                        await self._room(call["id"], call["channel_id"])
            except Exception:  # the database away for a moment: the next round tries again
                log.warning("sfu_claims_upkeep_failed", exc_info=True)

    # --- hooks for the call service: applied here when the room is here, else sent to its host ---

    async def hook(self, call_id: uuid.UUID, kind: str, **fields: Any) -> bool:
        """Sends a hook to the node hosting the call's room; True when that is this node (the
        caller applies the hook itself). Other services register their kinds in `service_hooks`."""
        if call_id in self._rooms:
            return True
        await self._hub.publish_raw(call_topic(call_id), {"kind": kind, "call_id": str(call_id), **fields})
        return False

    async def resumed(self, call_id: uuid.UUID, participant_id: uuid.UUID, session_id: str) -> None:
        """Same participant, new socket: media stays up, pushes go to the new session."""
        if await self.hook(call_id, "resumed", participant_id=str(participant_id), session_id=session_id):
            self.resumed_here(call_id, participant_id, session_id)

    def resumed_here(self, call_id: uuid.UUID, participant_id: uuid.UUID, session_id: str) -> None:
        room = self._rooms.get(call_id)
        peer = room.peers.get(participant_id) if room is not None else None
        if room is not None and peer is not None:
            self._by_session.pop(peer.session_id, None)
            peer.session_id = session_id
            self._by_session[session_id] = (room, peer)

    async def participant_left(self, call_id: uuid.UUID, participant_id: uuid.UUID) -> None:
        if await self.hook(call_id, "left", participant_id=str(participant_id)):
            self.participant_left_here(call_id, participant_id)

    def participant_left_here(self, call_id: uuid.UUID, participant_id: uuid.UUID) -> None:
        room = self._rooms.get(call_id)
        if room is not None:
            self._remove_peer(room, participant_id)

    async def mode_changed(self, call_id: uuid.UUID, mode: str | None) -> None:
        if await self.hook(call_id, "mode", mode=mode):
            self.mode_changed_here(call_id, mode)

    def mode_changed_here(self, call_id: uuid.UUID, mode: str | None) -> None:
        room = self._rooms.get(call_id)
        if room is None:
            return
        if mode is None:
            self._close_room(room)
        elif mode == "p2p":
            self._tasks.spawn(self._close_if_still_p2p(room))

    async def rights_changed(self, call_id: uuid.UUID, participant_id: uuid.UUID, granted: frozenset[Permission],
                             muted: bool) -> None:
        if await self.hook(call_id, "rights", participant_id=str(participant_id), granted=sorted(granted),
                            muted=muted):
            await self.rights_changed_here(call_id, participant_id, granted, muted)

    async def rights_changed_here(self, call_id: uuid.UUID, participant_id: uuid.UUID,
                                  granted: frozenset[Permission], muted: bool) -> None:
        room = self._rooms.get(call_id)
        peer = room.peers.get(participant_id) if room is not None else None
        if room is not None and peer is not None:
            await room.restrict(peer, granted, muted)

    # --- closing ---

    def _remove_peer(self, room: Room, participant_id: uuid.UUID) -> None:
        peer = room.peers.get(participant_id)
        if peer is not None:
            self._by_session.pop(peer.session_id, None)
        room.remove_peer(participant_id)
        if not room.peers:
            self._close_room(room)

    async def _close_if_still_p2p(self, room: Room) -> None:
        await asyncio.sleep(self._linger_s)
        async with self._db.connection() as conn:
            call = await calls.get_call(conn, room.call_id)
        if call is None or call["ended_at"] is not None or call["mode"] == "p2p":
            self._close_room(room)

    def _close_room(self, room: Room) -> None:
        if self._rooms.get(room.call_id) is not room:
            return
        del self._rooms[room.call_id]
        for peer in room.peers.values():
            self._by_session.pop(peer.session_id, None)
        for observer in self.room_observers:
            observer.room_closing(room)
        room.close()
        self._tasks.spawn(self._release(room.call_id))
        log.info("sfu_room_closed", call_id=str(room.call_id))

    async def _release(self, call_id: uuid.UUID) -> None:
        await self._hub.stop_listening(call_topic(call_id))
        async with self._db.connection() as conn:
            await calls.release_media_node(conn, call_id, self.node)

"""One authenticated WebSocket connection: reads requests, answers each exactly once, and
forwards the pushes the hub hands it. Everything the client receives goes through one outbox
and one writer, so frames never interleave and a slow client cannot stall the node."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from typing import Any

import msgpack
import pydantic
import structlog
from pydantic import TypeAdapter
from starlette.websockets import WebSocket, WebSocketDisconnect

from control.access import can_see_channel
from control.auth.sessions import ensure_live
from control.auth.tokens import Principal
from control.domain.permissions import Role
from control.errors import (
    PeerShareError,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from control.realtime.frames import dump
from control.realtime.gateway import presence_out, voice_channels_of
from control.realtime.hub import EncodedFrame, group_topic, session_topic, user_topic
from control.realtime.presence import SessionRef
from control.services import Services
from control.signaling import handlers
from control.signaling.codec import Codec
from control.signaling.limits import TokenBucket
from control.store import channels, groups, recordings, users
from control.views import channel_out, group_out, recording_info, user_out
from schemas.signaling import (
    ChannelRecording,
    ClientFrame,
    CloseCode,
    ErrorReply,
    GroupState,
    OkReply,
    Welcome,
)

log = structlog.get_logger(__name__)

_client_frame: TypeAdapter[Any] = TypeAdapter(ClientFrame)

# Frames queued for a client that stopped reading; past this it is disconnected.
OUTBOX_LIMIT = 2000
# Frames sent together in one message at most.
BATCH_LIMIT = 100
_MSGPACK = msgpack.Packer()


def parse_client_frame(raw: Any) -> Any:
    try:
        return _client_frame.validate_python(raw)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(e["type"] == "union_tag_invalid" for e in errors):
            raise ValidationFailed("unknown frame type", code="unknown_type") from None
        details = [{"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]} for e in errors]
        raise ValidationFailed("the frame does not match the protocol", code="invalid_frame", details=details) from None


class Session:
    def __init__(self, ws: WebSocket, services: Services, principal: Principal, codec: Codec) -> None:
        self.session_id = secrets.token_urlsafe(12)
        self.user_id = principal.user_id
        self.principal = principal
        self.services = services
        self._ws = ws
        self._codec = codec
        self._roles: dict[uuid.UUID, Role] = {}
        self._outbox: asyncio.Queue[EncodedFrame] = asyncio.Queue()
        # Pushes that arrive between subscribing and sending the welcome wait here: the welcome
        # is always the first frame, and nothing that happened after its snapshot is lost.
        self._before_welcome: list[EncodedFrame] | None = []
        self._bucket = TokenBucket(services.settings.ws_frame_rate, 2 * services.settings.ws_frame_rate)
        self._log = log.bind(session_id=self.session_id, user_id=str(self.user_id))
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._expiry: asyncio.Task[None] | None = None

    @property
    def sign_in_id(self) -> uuid.UUID | None:
        return self.principal.sign_in_id

    # --- what the hub calls ---

    def role_in(self, group_id: uuid.UUID) -> Role | None:
        return self._roles.get(group_id)

    def deliver(self, frame: dict[str, Any], encoded: EncodedFrame) -> None:
        self._track_roles(frame)
        if self._before_welcome is not None:
            self._before_welcome.append(encoded)
        else:
            self._enqueue(encoded)

    # --- lifecycle ---

    async def run(self) -> None:
        realtime = self.services.realtime
        # Registered before anything is read: a change of rights from here on reaches this session
        # (its reaction, or its pushes, which wait for the welcome); what came before, the reads
        # below see.
        await realtime.hub.add(self, [user_topic(self.user_id), session_topic(self.session_id)])
        ref = SessionRef(self.user_id, self.session_id)
        welcome = await self._welcome()
        refusal = await self._settle(welcome)
        if refusal is not None:
            await realtime.hub.remove(self)
            await self._close(*refusal)
            return
        assert welcome is not None
        self._writer = asyncio.create_task(self._write(), name=f"ws-writer-{self.session_id}")
        self._expire_at(self.principal.expires_at)
        try:
            came_online = await realtime.presence.connect(ref, realtime.lease_s)
            welcome.my_status, welcome.my_status_text = await realtime.restore_status(self.user_id)
            welcome.presence = await self._presence_of_my_groups()
            welcome.recordings = await self._recordings_i_can_see()
            self._enqueue(EncodedFrame(dump(welcome)))
            early, self._before_welcome = self._before_welcome or [], None
            for encoded in early:
                self._enqueue(encoded)
            if came_online:
                await realtime.announce_presence(self.user_id)
            self._log.info("session_started")
            await self._read()
        finally:
            tasks = [t for t in (self._writer, self._closer, self._expiry) if t is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await realtime.hub.remove(self)
            await self.services.calls.session_ended(self.session_id)
            if await realtime.presence.disconnect(ref):
                await realtime.announce_presence(self.user_id)
            self._log.info("session_ended")

    async def _welcome(self) -> Welcome | None:
        async with self.services.db.connection() as conn:
            user = await users.get_user(conn, self.user_id)
            if user is None:
                return None
            states = []
            for group in await groups.list_groups_of(conn, self.user_id):
                if self.principal.guest_group_id not in (None, group["id"]):
                    continue
                role = Role(group["my_role"])
                self._roles[group["id"]] = role
                rows = await channels.list_channels(conn, group["id"])
                states.append(GroupState(group=group_out(group, role),
                                         channels=[channel_out(c, role) for c in rows if can_see_channel(role, c)]))
        return Welcome(session_id=self.session_id, user=user_out(user), groups=states, presence=[],
                       heartbeat_s=int(self.services.settings.ws_ping_interval_s))

    async def _settle(self, welcome: Welcome | None) -> tuple[int, str] | None:
        """Follows the welcome's groups; why the session must end instead, if it must."""
        if welcome is None:
            return CloseCode.AUTH_FAILED, "the account no longer exists"
        for group_id in list(self._roles):
            await self.services.realtime.hub.follow(self, group_topic(group_id))
        # Removed between the snapshot and following the group's topic: not heard, so look again.
        await self._drop_lost_groups(welcome)
        try:
            await ensure_live(self.services.db, self.principal)
        except PeerShareError:  # revoked after the hello, before this session could hear of it
            return CloseCode.ACCESS_REVOKED, "sign_in_revoked"
        return None

    async def _drop_lost_groups(self, welcome: Welcome) -> None:
        async with self.services.db.connection() as conn:
            still = set(await groups.group_ids_of(conn, self.user_id))
        for group_id in [g for g in self._roles if g not in still]:
            self._roles.pop(group_id)
            await self.services.realtime.hub.unfollow(self, group_topic(group_id))
        welcome.groups = [state for state in welcome.groups if state.group.id in self._roles]

    async def _recordings_i_can_see(self) -> list[ChannelRecording]:
        """The recording indicators of the channels in my welcome."""
        async with self.services.db.connection() as conn:
            rows = await recordings.live_in_groups(conn, list(self._roles))
            seen = {row.channel_id: await channels.get_channel(conn, row.channel_id) for row in rows if row.channel_id}
        return [ChannelRecording(channel_id=row.channel_id, recording=recording_info(row)) for row in rows
                if row.channel_id and (channel := seen[row.channel_id]) is not None
                and can_see_channel(self._roles.get(row.group_id), channel)]

    async def _presence_of_my_groups(self) -> list[Any]:
        """Who is online in each of my groups, as I see them there."""
        async with self.services.db.connection() as conn:
            pairs = await groups.memberships_in(conn, list(self._roles))
            everyone = await self.services.realtime.presence.get_many(list({u for _, u in pairs}))
            online = {p.user_id: p for p in (q.as_others_see_it() for q in everyone) if p.status != "offline"}
            voices = await voice_channels_of(conn, list(online.values()))
        return [presence_out(online[u], g, voices.get(online[u].voice_channel_id), self._roles.get(g))
                for g, u in pairs if u in online]

    # --- the access token's life ---

    async def reauthenticate(self, token: str) -> int:
        """Takes a fresh access token of the same account (and sign-in) in place of the current
        one; returns its expiry."""
        principal = self.services.tokens.decode(token)
        if (principal.user_id, principal.guest_group_id) != (self.principal.user_id, self.principal.guest_group_id):
            raise PermissionDenied("that token is another account's", code="wrong_account")
        # The socket follows one sign-in's revocation (and its call participation is bound to it).
        if principal.sign_in_id != self.principal.sign_in_id:
            raise PermissionDenied("that token is another sign-in's; connect again with it", code="wrong_sign_in")
        await ensure_live(self.services.db, principal)
        self.principal = principal
        self._expire_at(principal.expires_at)
        return principal.expires_at

    def _expire_at(self, expires_at: int) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.create_task(self._expire(expires_at), name=f"ws-expiry-{self.session_id}")

    async def _expire(self, expires_at: int) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        self._log.info("session_token_expired")
        # 4003: the client gets a fresh token and connects again (it sends `authenticate` before
        # this happens, so it normally never does).
        self.close(CloseCode.AUTH_FAILED, "token_expired")

    def close(self, code: int, reason: str) -> None:
        """Ends the connection from the server's side (a revoked sign-in, an expired token)."""
        if self._closer is None:
            self._closer = asyncio.create_task(self._close(code, reason))

    # --- reading ---

    async def _read(self) -> None:
        while True:
            try:
                message = await self._ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text")
            await self._handle(data if data is not None else message.get("bytes", b""))

    async def _handle(self, data: str | bytes) -> None:
        request_id: str | None = None
        try:
            raw = self._codec.decode(data)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                request_id = raw["id"][:64]
            if not self._bucket.take():
                raise RateLimited("slow down: too many frames", retry_after_s=1)
            frame = parse_client_frame(raw)
            result = await handlers.dispatch(self, frame)
            self.send(OkReply(id=frame.id, data=result))
        except PeerShareError as exc:
            self.send(ErrorReply(id=request_id, code=exc.code, message=exc.message))
        except Exception:
            self._log.exception("frame_failed")
            self.send(ErrorReply(id=request_id, code="internal_error", message="something went wrong on our side"))

    # --- writing ---

    def send(self, frame: Any) -> None:
        self._enqueue(EncodedFrame(dump(frame)))

    def _enqueue(self, encoded: EncodedFrame) -> None:
        if self._outbox.qsize() < OUTBOX_LIMIT:
            self._outbox.put_nowait(encoded)
        elif self._closer is None:
            self._log.warning("session_too_slow", queued=self._outbox.qsize())
            if self._writer is not None:
                self._writer.cancel()
            self.close(CloseCode.TRY_AGAIN_LATER, "too slow to keep up")

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self._ws.close(code=code, reason=reason)
        except (RuntimeError, OSError):
            pass  # already closing

    async def _write(self) -> None:
        """Frames that queued up while the last message went out leave together, as one array:
        under load a socket send per frame is what the node spends most of its time on."""
        try:
            while True:
                batch = [await self._outbox.get()]
                # The welcome goes alone: it answers the hello and comes before everything else.
                while batch[0].frame["type"] != "welcome" and not self._outbox.empty() and len(batch) < BATCH_LIMIT:
                    batch.append(self._outbox.get_nowait())
                for encoded in batch:
                    await self._follow_membership(encoded.frame)
                if self._codec.binary:
                    await self._ws.send_bytes(batch[0].msgpack if len(batch) == 1 else
                                              _MSGPACK.pack_array_header(len(batch)) + b"".join(e.msgpack for e in batch))
                else:
                    await self._ws.send_text(batch[0].json if len(batch) == 1 else
                                             "[" + ",".join(e.json for e in batch) + "]")
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # the reader sees the disconnect and ends the session

    # --- membership changes pushed to this user ---

    def _track_roles(self, frame: dict[str, Any]) -> None:
        """Role changes take effect at once, so the very next event is filtered by the new role."""
        kind = frame["type"]
        if kind == "group_joined":
            group = frame["group"]["group"]
            self._roles[uuid.UUID(group["id"])] = Role(group["my_role"])
        elif kind == "member_updated" and frame["member"]["user_id"] == str(self.user_id):
            self._roles[uuid.UUID(frame["group_id"])] = Role(frame["member"]["role"])
        elif (kind == "member_left" and frame["user_id"] == str(self.user_id)) or kind == "group_removed":
            self._roles.pop(uuid.UUID(frame["group_id"]), None)

    async def _follow_membership(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        hub = self.services.realtime.hub
        if kind == "group_joined":
            await hub.follow(self, group_topic(uuid.UUID(frame["group"]["group"]["id"])))
        elif (kind == "member_left" and frame["user_id"] == str(self.user_id)) or kind == "group_removed":
            await hub.unfollow(self, group_topic(uuid.UUID(frame["group_id"])))



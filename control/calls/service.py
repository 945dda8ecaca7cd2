"""Calls in voice channels: who is in them, which mode they run in, and the P2P relay.

Call state lives in PostgreSQL (one live call per channel, one live participation per user), so
every node sees the same calls; each change runs in a transaction that locks the call row, then
pushes the new state. Two participants talk peer to peer (we only relay their offer/answer and
candidates); three or more go through the SFU.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any, Literal

import asyncpg
import structlog

from control.access import channel_access
from control.auth.tokens import Principal
from control.calls.ice import call_ice_servers
from control.calls.participation import my_participation
from control.calls.sdp import sending_tracks
from control.calls.sfu import SfuService
from control.domain.permissions import Permission, channel_permissions, has_permission
from control.errors import InvalidInput, NotFound, PermissionDenied
from control.realtime.frames import dump, viewer_roles
from control.realtime.gateway import Realtime
from control.settings import Settings
from control.store import calls, channels, users
from control.store.postgres import Database
from schemas.signaling import (
    CallJoined,
    CallMode,
    CallModeChanged,
    CallMuted,
    CallParticipant,
    CallQuality,
    CallRemovalReason,
    CallRemoved,
    CallState,
    CallWarning,
    IceCandidate,
    P2PSignalPush,
    SessionDescription,
)

log = structlog.get_logger(__name__)

P2P_MAX = 2
# Guests are warned this long before their time is up.
WARNING_BEFORE_S = 60


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def p2p_quality(rtt_ms: float, loss_pct: float) -> Literal["good", "fair", "poor"]:
    if rtt_ms < 150 and loss_pct < 2:
        return "good"
    return "fair" if rtt_ms < 400 and loss_pct < 8 else "poor"


def mode_for(count: int) -> CallMode:
    return CallMode.p2p if count <= P2P_MAX else CallMode.sfu


def participant_out(row: asyncpg.Record) -> CallParticipant:
    return CallParticipant(
        participant_id=row["id"], user_id=row["user_id"], joined_at=row["joined_at"], audio=row["audio"],
        video=row["video"], screen=row["screen"], muted_by_moderator=row["muted_by_moderator"],
    )


class CallService:
    def __init__(self, db: Database, realtime: Realtime, settings: Settings, sfu: SfuService) -> None:
        self._db = db
        self._sfu = sfu
        self._realtime = realtime
        self._settings = settings
        # Time limits of participants whose sessions live on this node.
        self._limits: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._janitor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._janitor = asyncio.create_task(self._remove_abandoned(), name="call-janitor")

    async def close(self) -> None:
        tasks = [*self._limits.values(), *([self._janitor] if self._janitor else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._limits.clear()

    # --- joining and leaving ---

    async def join(self, principal: Principal, session_id: str, channel_id: uuid.UUID,
                   resume_token: str | None) -> CallJoined:
        replaced: asyncpg.Record | None = None
        async with self._db.transaction() as conn:
            channel, access = await channel_access(conn, principal, channel_id)
            assert access.role is not None
            if channel["kind"] != "voice":
                raise InvalidInput("calls happen in voice channels", code="not_a_voice_channel")
            if Permission.JOIN_CALL not in channel_permissions(access.role, channel["overrides"]):
                raise PermissionDenied("you may not join calls in this channel")
            call = await calls.lock_live_call(conn, channel_id, channel["group_id"])
            resumed = None
            if resume_token is not None:
                resumed = await calls.find_by_resume_token(conn, call["id"], principal.user_id, _hash(resume_token))
                if resumed is None:
                    raise InvalidInput("that call can no longer be resumed; join again", code="resume_failed")
            if resumed is not None:
                assert resume_token is not None
                participant_id, token = resumed["id"], resume_token
                await calls.reattach(conn, participant_id, session_id)
                await self._sfu.resumed(call["id"], participant_id, session_id)
            else:
                replaced = await calls.live_participation_of(conn, principal.user_id)
                if replaced is not None:
                    await self._leave_locked(conn, replaced, "joined_elsewhere")
                    call = await calls.lock_live_call(conn, channel_id, channel["group_id"])
                token = secrets.token_urlsafe(32)
                participant_id = await calls.insert_participant(conn, call["id"], principal.user_id, session_id,
                                                                _hash(token))
            roster = await self._sync_mode(conn, call)
            user = await users.get_user(conn, principal.user_id)
        if replaced is not None:
            await self._tell_removed(replaced, "joined_elsewhere")
            await self._announce(replaced["call_id"])
        await self._announce(call["id"])
        await self._realtime.presence.set_voice_channel(principal.user_id, channel_id)
        await self._realtime.announce_presence(principal.user_id)
        limit = self._settings.guest_call_limit_s if principal.is_guest else None
        if limit is not None and user is not None:
            self._watch_limit(participant_id, session_id, channel_id, limit, resumed["joined_at"] if resumed else None)
        return CallJoined(
            call_id=call["id"], participant_id=participant_id, resume_token=token, mode=mode_for(len(roster)),
            participants=[participant_out(p) for p in roster],
            ice_servers=call_ice_servers(self._settings, principal.user_id, call["id"]), time_limit_s=limit,
        )

    async def leave(self, principal: Principal, reason: str = "left") -> None:
        async with self._db.transaction() as conn:
            participant = await my_participation(conn, principal.user_id)
            await self._leave_locked(conn, participant, reason)
        await self._after_leave(participant)

    async def _leave_locked(self, conn: asyncpg.Connection, participant: asyncpg.Record, reason: str) -> None:
        call = await calls.lock_call(conn, participant["call_id"])
        assert call is not None
        await calls.mark_left(conn, participant["id"], reason)
        await self._sync_mode(conn, call)

    async def _after_leave(self, participant: asyncpg.Record) -> None:
        limit = self._limits.pop(participant["id"], None)
        if limit is not None and limit is not asyncio.current_task():
            limit.cancel()
        await self._sfu.participant_left(participant["call_id"], participant["id"])
        await self._announce(participant["call_id"])
        async with self._db.connection() as conn:
            still_in = await calls.live_participation_of(conn, participant["user_id"])
        if still_in is None:
            await self._realtime.presence.set_voice_channel(participant["user_id"], None)
            await self._realtime.announce_presence(participant["user_id"])

    async def _sync_mode(self, conn: asyncpg.Connection, call: asyncpg.Record) -> list[asyncpg.Record]:
        """Ends an empty call, or sets the mode its head count calls for; returns the roster."""
        roster = await calls.live_participants(conn, call["id"])
        if not roster:
            await calls.end_call(conn, call)
        elif mode_for(len(roster)).value != call["mode"]:
            await calls.set_mode(conn, call, mode_for(len(roster)).value)
        return roster

    # --- what everyone is told ---

    async def _announce(self, call_id: uuid.UUID) -> None:
        """The roster to the group (for viewers of the channel), the mode to each participant."""
        async with self._db.connection() as conn:
            call = await calls.get_call(conn, call_id)
            roster = await calls.live_participants(conn, call_id)
            channel = await channels.get_channel(conn, call["channel_id"]) if call else None
        if call is None or channel is None:
            return
        mode = mode_for(len(roster)) if roster else None
        await self._sfu.mode_changed(call_id, mode.value if mode else None)
        state = dump(CallState(group_id=call["group_id"], channel_id=call["channel_id"], mode=mode,
                               participants=[participant_out(p) for p in roster]))
        await self._realtime.hub.publish_to_group(call["group_id"], {r.value: state for r in viewer_roles(channel["overrides"])})
        for index, participant in enumerate(roster):
            peer = roster[1 - index]["id"] if mode is CallMode.p2p and len(roster) == 2 else None
            frame = CallModeChanged(channel_id=call["channel_id"], mode=mode or CallMode.p2p,
                                    peer_participant_id=peer, polite=(index == 1) if peer else None)
            await self._push(participant["session_id"], frame)

    async def _push(self, session_id: str, frame: Any) -> None:
        await self._realtime.hub.publish_to_session(session_id, dump(frame))

    async def _tell_removed(self, participant: asyncpg.Record, reason: CallRemovalReason) -> None:
        async with self._db.connection() as conn:
            call = await calls.get_call(conn, participant["call_id"])
        if call is not None:
            await self._push(participant["session_id"], CallRemoved(channel_id=call["channel_id"], reason=reason))

    # --- peer to peer ---

    async def relay(self, principal: Principal, session_id: str, to: uuid.UUID,
                    description: SessionDescription | None, candidate: IceCandidate | None) -> None:
        if (description is None) == (candidate is None):
            raise InvalidInput("send exactly one of description and candidate", code="invalid_signal")
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
            roster = await calls.live_participants(conn, me["call_id"])
            if len(roster) != P2P_MAX or to not in {p["id"] for p in roster} or to == me["id"]:
                raise InvalidInput("that participant is not your peer in a two-person call", code="not_your_peer")
            if description is not None and description.sdp:
                await self._check_rights(conn, principal, me["channel_id"], description.sdp)
        target = next(p for p in roster if p["id"] == to)
        await self._push(target["session_id"], P2PSignalPush(from_participant_id=me["id"], description=description,
                                                             candidate=candidate))

    @staticmethod
    async def _check_rights(conn: asyncpg.Connection, principal: Principal, channel_id: uuid.UUID, sdp: str) -> None:
        channel, access = await channel_access(conn, principal, channel_id)
        assert access.role is not None
        granted = channel_permissions(access.role, channel["overrides"])
        sending = sending_tracks(sdp)
        if sending.audio and Permission.SPEAK not in granted:
            raise PermissionDenied("you may not speak in this channel", code="speak_not_allowed")
        if sending.video and Permission.VIDEO not in granted and Permission.SHARE_SCREEN not in granted:
            raise PermissionDenied("you may not send video in this channel", code="video_not_allowed")
        # A camera and a screen are two video senders; one alone may be either.
        if sending.video > 1 and not {Permission.VIDEO, Permission.SHARE_SCREEN} <= granted:
            raise PermissionDenied("you may not share your screen in this channel", code="share_screen_not_allowed")

    # --- moderation and reports ---

    async def kick(self, principal: Principal, user_id: uuid.UUID) -> None:
        target = await self._moderated_target(principal, user_id)
        async with self._db.transaction() as conn:
            await self._leave_locked(conn, target, "kicked")
        await self._tell_removed(target, "kicked")
        await self._after_leave(target)

    async def mute(self, principal: Principal, user_id: uuid.UUID) -> None:
        target = await self._moderated_target(principal, user_id)
        async with self._db.transaction() as conn:
            await calls.update_participant(conn, target["id"], muted_by_moderator=True, audio=False)
        await self._sfu.mute(target["call_id"], target["id"])
        await self._push(target["session_id"], CallMuted(channel_id=target["channel_id"], by_user_id=principal.user_id))
        await self._announce(target["call_id"])

    async def _moderated_target(self, principal: Principal, user_id: uuid.UUID) -> asyncpg.Record:
        async with self._db.connection() as conn:
            target = await calls.live_participation_of(conn, user_id)
            if target is None:
                raise NotFound("that user is not in a call", code="not_in_call")
            _, access = await channel_access(conn, principal, target["channel_id"])
        if access.role is None or not has_permission(access.role, Permission.MODERATE_CALLS):
            raise PermissionDenied("only moderators may do that")
        return target

    async def report_media_path(self, principal: Principal, path: str, rtt_ms: float | None) -> None:
        await self._update_mine(principal, media_path=path, rtt_ms=rtt_ms)

    async def report_quality(self, principal: Principal, session_id: str, rtt_ms: float, loss_pct: float) -> None:
        """P2P calls grade themselves from the clients' own stats (SFU calls from mediasoup's scores)."""
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
            roster = await calls.live_participants(conn, me["call_id"])
        quality = p2p_quality(rtt_ms, loss_pct)
        for participant in roster:
            await self._push(participant["session_id"], CallQuality(channel_id=me["channel_id"],
                                                                    participant_id=me["id"], quality=quality))

    async def set_media_state(self, principal: Principal, audio: bool, video: bool, screen: bool) -> None:
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id)
            channel, access = await channel_access(conn, principal, me["channel_id"])
        assert access.role is not None
        granted = channel_permissions(access.role, channel["overrides"])
        for wanted, permission in ((audio, Permission.SPEAK), (video, Permission.VIDEO), (screen, Permission.SHARE_SCREEN)):
            if wanted and permission not in granted:
                raise PermissionDenied(f"you may not {permission.value.replace('_', ' ')} here",
                                       code=f"{permission.value}_not_allowed")
        if audio and me["muted_by_moderator"]:
            raise PermissionDenied("a moderator muted you", code="muted_by_moderator")
        await self._update_mine(principal, audio=audio, video=video, screen=screen)
        await self._announce(me["call_id"])

    async def _update_mine(self, principal: Principal, **fields: object) -> None:
        async with self._db.transaction() as conn:
            me = await my_participation(conn, principal.user_id)
            await calls.update_participant(conn, me["id"], **fields)

    # --- sockets that go away ---

    async def session_ended(self, session_id: str) -> None:
        """The participant may resume from a new socket within the grace period; media keeps flowing."""
        async with self._db.transaction() as conn:
            await calls.mark_disconnected(conn, session_id)

    async def sessions_lost(self, session_ids: list[str]) -> None:
        """Their node died: they get the grace period too, counted from now."""
        for session_id in session_ids:
            await self.session_ended(session_id)

    async def _remove_abandoned(self) -> None:
        grace = self._settings.call_resume_grace_s
        while True:
            await asyncio.sleep(max(grace / 4, 0.2))
            try:
                async with self._db.connection() as conn:
                    abandoned = await calls.disconnected_before(conn, grace)
                for participant in abandoned:
                    async with self._db.transaction() as conn:
                        current = await calls.get_participant(conn, participant["id"])
                        if current is None or current["left_at"] is not None or current["disconnected_at"] is None:
                            continue
                        await self._leave_locked(conn, participant, "disconnected")
                    await self._after_leave(participant)
            except Exception:  # the database away for a moment: try again next round
                log.warning("call_janitor_failed", exc_info=True)

    # --- guests' time limit ---

    def _watch_limit(self, participant_id: uuid.UUID, session_id: str, channel_id: uuid.UUID, limit_s: int,
                     joined_at: Any) -> None:
        previous = self._limits.pop(participant_id, None)
        if previous is not None:
            previous.cancel()
        # A resumed participant keeps the clock that started when it first joined.
        elapsed = (datetime.now(timezone.utc) - joined_at).total_seconds() if joined_at is not None else 0.0
        self._limits[participant_id] = asyncio.create_task(
            self._enforce_limit(participant_id, session_id, channel_id, limit_s - elapsed),
            name=f"call-limit-{participant_id}",
        )

    async def _enforce_limit(self, participant_id: uuid.UUID, session_id: str, channel_id: uuid.UUID,
                             remaining_s: float) -> None:
        if remaining_s > WARNING_BEFORE_S:
            await asyncio.sleep(remaining_s - WARNING_BEFORE_S)
            await self._push(session_id, CallWarning(channel_id=channel_id, reason="time_limit",
                                                     remaining_s=WARNING_BEFORE_S))
            remaining_s = WARNING_BEFORE_S
        await asyncio.sleep(remaining_s)
        async with self._db.transaction() as conn:
            participant = await calls.get_participant(conn, participant_id)
            if participant is None or participant["left_at"] is not None:
                return
            await self._leave_locked(conn, participant, "time_limit")
        await self._push(participant["session_id"], CallRemoved(channel_id=channel_id, reason="time_limit"))
        await self._after_leave(participant)

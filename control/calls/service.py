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
from typing import Any, Literal

import asyncpg
import structlog

from control.access import channel_access
from control.auth.tokens import Principal
from control.calls.counters import CallCounters
from control.calls.ice import call_ice_servers
from control.calls.participation import granted_in_call, my_participation, restricted
from control.calls.sdp import sending_tracks
from control.calls.sfu import SfuService
from control.domain.permissions import (
    Permission,
    Role,
    channel_permissions,
    has_permission,
)
from control.errors import InvalidInput, InvalidToken, NotFound, PermissionDenied
from control.notifications import Notifier
from control.realtime.frames import dump, viewer_roles
from control.realtime.gateway import Realtime
from control.rights import Eviction, Rights, RightsChange, RightsChanged
from control.settings import Settings
from control.store import calls, channels, join_attempts, recordings, users
from control.store.notifications import NewNotification
from control.store.postgres import Database
from control.views import participant_out, recording_info
from schemas.signaling import (
    CallJoined,
    CallMode,
    CallModeChanged,
    CallMuted,
    CallPermissions,
    CallQuality,
    CallRemovalReason,
    CallRemoved,
    CallState,
    CallUnmuted,
    CallWarning,
    IceCandidate,
    P2PSignalPush,
    RecordingConsentRequest,
    RecordingInfo,
    SessionDescription,
    TurnCredentialsOut,
)

log = structlog.get_logger(__name__)

P2P_MAX = 2
# Guests are warned this long before their time is up.
WARNING_BEFORE_S = 60
# How recent a join a failure report may turn into a failed one: of the call it names, or, when it
# names none, of any call in the channel (the report then follows the join at once).
JOIN_REPORT_WINDOW_S = 120
UNNAMED_JOIN_REPORT_WINDOW_S = 30


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def p2p_quality(rtt_ms: float, loss_pct: float) -> Literal["good", "fair", "poor"]:
    if rtt_ms < 150 and loss_pct < 2:
        return "good"
    return "fair" if rtt_ms < 400 and loss_pct < 8 else "poor"


def mode_for(count: int, restricted: bool = False) -> CallMode:
    """Two talk peer to peer, unless one of them may not send everything (muted by a moderator,
    or a channel that withholds speaking, video or screen sharing): only the SFU can hold back
    media a client sends anyway."""
    return CallMode.p2p if count <= P2P_MAX and not restricted else CallMode.sfu


class CallService:
    def __init__(self, db: Database, realtime: Realtime, settings: Settings, sfu: SfuService,
                 rights: Rights, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier
        self._sfu = sfu
        self._rights = rights
        self._realtime = realtime
        self._settings = settings
        # Time limits of participants whose sessions live on this node.
        self._limits: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._janitor: asyncio.Task[None] | None = None
        self.counters = CallCounters()

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
        try:
            return await self._join(principal, session_id, channel_id, resume_token)
        except PermissionDenied as refused:
            await self._record_refusal(principal, channel_id, refused)
            raise

    async def _record_refusal(self, principal: Principal, channel_id: uuid.UUID, refused: PermissionDenied) -> None:
        """A join the server refused (no right to join, guest time used up) is a failed attempt."""
        async with self._db.transaction() as conn:
            channel = await channels.get_channel(conn, channel_id)
            if channel is None:
                return
            await join_attempts.record(conn, group_id=channel["group_id"], channel_id=channel_id, call_id=None,
                                       user_id=principal.user_id, reason="permission_denied", detail=refused.code)
        self.counters.join_failed("permission_denied")

    async def _join(self, principal: Principal, session_id: str, channel_id: uuid.UUID,
                    resume_token: str | None) -> CallJoined:
        replaced: asyncpg.Record | None = None
        limit = self._settings.guest_call_limit_s if principal.is_guest else None
        async with self._db.transaction() as conn:
            if not await calls.hold_standing(conn, channel_id, principal.user_id, principal.sign_in_id):
                raise InvalidToken("this sign-in was revoked; sign in again", code="session_revoked")
            channel = await self._joinable(conn, principal, channel_id)
            call = await calls.lock_live_call(conn, channel_id, channel["group_id"], principal.user_id)
            resumed = None
            if resume_token is not None:
                resumed = await calls.find_by_resume_token(conn, call["id"], principal.user_id, _hash(resume_token))
                if resumed is None:
                    raise InvalidInput("that call can no longer be resumed; join again", code="resume_failed")
            if resumed is not None:
                assert resume_token is not None
                participant_id, token = resumed["id"], resume_token
                await calls.reattach(conn, participant_id, session_id, principal.sign_in_id)
                await self._sfu.resumed(call["id"], participant_id, session_id)
            else:
                replaced = await calls.live_participation_of(conn, principal.user_id)
                if replaced is not None:
                    await self._leave_locked(conn, replaced, "joined_elsewhere")
                    call = await calls.lock_live_call(conn, channel_id, channel["group_id"], principal.user_id)
                token = secrets.token_urlsafe(32)
                participant_id = await calls.insert_participant(conn, call["id"], principal.user_id, session_id,
                                                                _hash(token), principal.sign_in_id)
            remaining = None
            if limit is not None:
                # Guests have a budget of call time in the group, across rejoins and nodes.
                remaining = limit - await calls.call_seconds_in_group(conn, principal.user_id, channel["group_id"])
                if remaining <= 0:
                    raise PermissionDenied("your call time in this group is used up", code="call_time_used")
            if resumed is None:  # a resume is the same attempt going on
                await join_attempts.record(conn, group_id=channel["group_id"], channel_id=channel_id,
                                           call_id=call["id"], user_id=principal.user_id, reason=None)
            roster, mode = await self._sync_mode(conn, call)
            recording, ask = await self._recording_for_joiner(conn, call["id"], principal.user_id)
        if resumed is None:
            self.counters.joined()
        if replaced is not None:
            await self._tell_removed(replaced, "joined_elsewhere")
            await self._announce(replaced["call_id"])
        await self._announce(call["id"])
        await self._realtime.presence.set_voice_channel(principal.user_id, channel_id)
        await self._realtime.announce_presence(principal.user_id)
        if remaining is not None:
            self._watch_limit(participant_id, principal.user_id, channel["group_id"], session_id, channel_id, remaining)
        if recording is not None and ask:
            await self._push(session_id, RecordingConsentRequest(channel_id=channel_id, recording=recording))
        servers, expires_at = call_ice_servers(self._settings, principal.user_id, call["id"])
        return CallJoined(
            call_id=call["id"], participant_id=participant_id, resume_token=token, mode=mode,
            participants=[participant_out(p) for p in roster], ice_servers=servers,
            time_limit_s=int(remaining) if remaining is not None else None, ice_servers_expire_at=expires_at,
            recording=recording,
        )

    @staticmethod
    async def _joinable(conn: asyncpg.Connection, principal: Principal, channel_id: uuid.UUID) -> asyncpg.Record:
        """The voice channel, if the caller may join its calls."""
        channel, access = await channel_access(conn, principal, channel_id)
        assert access.role is not None
        if channel["kind"] != "voice":
            raise InvalidInput("calls happen in voice channels", code="not_a_voice_channel")
        if Permission.JOIN_CALL not in channel_permissions(access.role, channel["overrides"]):
            raise PermissionDenied("you may not join calls in this channel")
        return channel

    @staticmethod
    async def _recording_for_joiner(conn: asyncpg.Connection, call_id: uuid.UUID,
                                    user_id: uuid.UUID) -> tuple[RecordingInfo | None, bool]:
        """The call's recording in progress, and whether the joiner has yet to say yes or no to it
        (someone rejoining keeps their answer)."""
        live = await recordings.live_of_call(conn, call_id)
        if live is None:
            return None, False
        joined = await recordings.join_participant(conn, live.id, user_id, await users.display_name(conn, user_id))
        return recording_info(live), joined.consent == "pending"

    async def resync(self, call_id: uuid.UUID) -> None:
        """Re-sets the call's mode after something outside the call changed what it needs (a
        recording started or stopped), and tells everyone."""
        async with self._db.transaction() as conn:
            call = await calls.lock_call(conn, call_id)
            if call is None or call["ended_at"] is not None:
                return
            await self._sync_mode(conn, call)
        await self._announce(call_id)

    async def turn_credentials(self, principal: Principal, session_id: str) -> TurnCredentialsOut:
        """Fresh TURN credentials, for a live participant of a call only, bound to that call."""
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
        servers, expires_at = call_ice_servers(self._settings, principal.user_id, me["call_id"])
        return TurnCredentialsOut(ice_servers=servers, ice_servers_expire_at=expires_at)

    async def leave(self, principal: Principal, reason: str = "left") -> None:
        async with self._db.transaction() as conn:
            participant = await my_participation(conn, principal.user_id, leaving=True)
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

    async def _sync_mode(self, conn: asyncpg.Connection,
                         call: asyncpg.Record) -> tuple[list[asyncpg.Record], CallMode]:
        """Ends an empty call, or sets the mode its participants call for; returns the roster
        and the mode."""
        roster = await calls.live_standing(conn, call_id=call["id"])
        # A recording is made by the SFU: a recorded pair goes through it too.
        recorded = await recordings.live_of_call(conn, call["id"]) is not None
        mode = mode_for(len(roster), recorded or any(restricted(p) for p in roster))
        if not roster:
            self.counters.call_ended(*await calls.end_call(conn, call))
            await recordings.end_uncaptured(conn, call["id"])
        elif mode.value != call["mode"]:
            await calls.set_mode(conn, call, mode.value)
        return roster, mode

    # --- what everyone is told ---

    async def _announce(self, call_id: uuid.UUID) -> None:
        """The roster to the group (for viewers of the channel), the mode to each participant."""
        async with self._db.connection() as conn:
            call = await calls.get_call(conn, call_id)
            roster = await calls.live_participants(conn, call_id)
            channel = await channels.get_channel(conn, call["channel_id"]) if call else None
        if call is None or channel is None:
            return
        mode = CallMode(call["mode"]) if roster else None
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
            call = await calls.get_call(conn, me["call_id"])
            roster = await calls.live_participants(conn, me["call_id"])
            if (call is None or call["mode"] != CallMode.p2p.value or len(roster) != P2P_MAX
                    or to not in {p["id"] for p in roster} or to == me["id"]):
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

    async def mute(self, principal: Principal, user_id: uuid.UUID, muted: bool = True) -> None:
        """A moderator's mute lasts for the call (a rejoin comes back muted); the call moves to
        the SFU, where the server holds the microphone whatever the client does."""
        target = await self._moderated_target(principal, user_id)
        async with self._db.transaction() as conn:
            await calls.set_muted(conn, target["call_id"], user_id, principal.user_id, muted)
        push = CallMuted if muted else CallUnmuted
        await self._push(target["session_id"], push(channel_id=target["channel_id"], by_user_id=principal.user_id))
        await self._rights.changed(RightsChanged(RightsChange.MUTED, user_id=user_id, group_id=target["group_id"],
                                                 channel_id=target["channel_id"]))

    async def _moderated_target(self, principal: Principal, user_id: uuid.UUID) -> asyncpg.Record:
        """The live participation a moderator acts on: only someone of a lower rank."""
        async with self._db.connection() as conn:
            found = await calls.live_standing(conn, user_id=user_id)
            if not found:
                raise NotFound("that user is not in a call", code="not_in_call")
            [target] = found
            _, access = await channel_access(conn, principal, target["channel_id"])
        if access.role is None or not has_permission(access.role, Permission.MODERATE_CALLS):
            raise PermissionDenied("only moderators may do that")
        if target["role"] is not None and Role(target["role"]).rank >= access.role.rank:
            raise PermissionDenied("you may only moderate people of a lower rank", code="rank_too_low")
        return target

    # --- rights that change during a call ---

    async def enforce_rights(self, change: RightsChanged) -> list[Eviction]:
        """Takes out of their call whoever may no longer be in it, re-derives what the others
        may send, and re-sets the mode (a restricted participant moves a P2P call to the SFU)."""
        if change.change in (RightsChange.CHANNEL_DELETED, RightsChange.GROUP_DELETED):
            return []  # deletions take people out in their own transaction
        revoked = change.change is RightsChange.SIGN_IN_REVOKED
        limit = self._settings.guest_call_limit_s
        async with self._db.transaction() as conn:
            standing = await calls.live_standing(conn, group_id=change.group_id, channel_id=change.channel_id,
                                                 user_id=change.user_id, sign_in_id=change.sign_in_id)
            out: list[tuple[asyncpg.Record, CallRemovalReason]] = []
            for row in standing:
                if revoked or Permission.JOIN_CALL not in granted_in_call(row):
                    out.append((row, "access_revoked"))
                elif row["guest"] and await calls.call_seconds_in_group(conn, row["user_id"], row["group_id"]) >= limit - 0.5:
                    out.append((row, "time_limit"))
            for row, reason in out:
                await self._leave_locked(conn, row, reason)
            gone = {row["id"] for row, _ in out}
            staying = [row for row in standing if row["id"] not in gone]
            for call_id in {row["call_id"] for row in staying}:
                call = await calls.lock_call(conn, call_id)
                assert call is not None
                await self._sync_mode(conn, call)
        for row in staying:
            await self._narrow(row)
        for call_id in {row["call_id"] for row in staying}:
            await self._announce(call_id)
        return await self.after_eviction(out)

    async def _narrow(self, row: asyncpg.Record) -> None:
        """Tells a participant what it may send now; the SFU closes what it may no longer send."""
        granted = granted_in_call(row)
        await self._sfu.rights_changed(row["call_id"], row["id"], granted, row["muted_by_moderator"])
        await self._push(row["session_id"], CallPermissions(
            channel_id=row["channel_id"], speak=Permission.SPEAK in granted and not row["muted_by_moderator"],
            video=Permission.VIDEO in granted, share_screen=Permission.SHARE_SCREEN in granted))

    async def evict_locked(self, conn: asyncpg.Connection, *, group_id: uuid.UUID | None = None,
                           channel_id: uuid.UUID | None = None,
                           user_id: uuid.UUID | None = None) -> list[tuple[asyncpg.Record, CallRemovalReason]]:
        """Everyone in the calls of a group or channel about to be deleted (or the account about
        to be), taken out in the deleting transaction; `after_eviction` tells them once it committed."""
        assert group_id or channel_id or user_id, "evicting from every call at once is never meant"
        standing = await calls.live_standing(conn, group_id=group_id, channel_id=channel_id, user_id=user_id)
        for row in standing:
            await self._leave_locked(conn, row, "access_revoked")
        return [(row, "access_revoked") for row in standing]

    async def after_eviction(self, out: list[tuple[asyncpg.Record, CallRemovalReason]]) -> list[Eviction]:
        for row, reason in out:
            await self._push(row["session_id"], CallRemoved(channel_id=row["channel_id"], reason=reason))
            await self._after_leave(row)
        return [Eviction(row["user_id"], row["call_id"]) for row, _ in out]

    async def report_media_path(self, principal: Principal, path: str, rtt_ms: float | None) -> None:
        async with self._db.transaction() as conn:
            me = await my_participation(conn, principal.user_id)
            await calls.add_media_path(conn, me["id"], path, rtt_ms)

    async def report_quality(self, principal: Principal, session_id: str, rtt_ms: float, loss_pct: float) -> None:
        """P2P calls grade themselves from the clients' own stats (SFU calls from mediasoup's
        scores); the participation's summary keeps the averages and the time in each grade."""
        quality = p2p_quality(rtt_ms, loss_pct)
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
            await calls.add_quality(conn, me["id"], grade=quality, rtt_ms=rtt_ms, loss_pct=loss_pct)
            roster = await calls.live_participants(conn, me["call_id"])
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
        async with self._db.transaction() as conn:
            await calls.update_participant(conn, me["id"], audio=audio, video=video, screen=screen)
            if screen:
                await calls.mark_screen_shared(conn, me["id"])
        await self._announce(me["call_id"])

    async def report_join_failure(self, principal: Principal, channel_id: uuid.UUID, call_id: uuid.UUID | None,
                                  reason: str, detail: str) -> None:
        """A client's own failure to get into a call, for a channel whose calls it may join. A join
        the server let it make just before (of that call, or in that channel) becomes the failed
        attempt; a call counts one failure per person, however often it is reported."""
        async with self._db.transaction() as conn:
            channel = await self._joinable(conn, principal, channel_id)
            if call_id is not None:
                call = await calls.get_call(conn, call_id)
                if call is None or call["channel_id"] != channel_id:
                    raise NotFound("no such call in this channel", code="call_not_found")
            marked = await join_attempts.fail_recent_success(
                conn, user_id=principal.user_id, channel_id=channel_id, call_id=call_id,
                within_s=JOIN_REPORT_WINDOW_S if call_id is not None else UNNAMED_JOIN_REPORT_WINDOW_S,
                reason=reason, detail=detail)
            repeated = call_id is not None and not marked and await join_attempts.has_failed(
                conn, call_id, principal.user_id)
            if repeated:
                return
            if not marked:
                await join_attempts.record(conn, group_id=channel["group_id"], channel_id=channel_id, call_id=call_id,
                                           user_id=principal.user_id, reason=reason, detail=detail)
        self.counters.join_failed(reason)

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

    def _watch_limit(self, participant_id: uuid.UUID, user_id: uuid.UUID, group_id: uuid.UUID, session_id: str,
                     channel_id: uuid.UUID, remaining_s: float) -> None:
        previous = self._limits.pop(participant_id, None)
        if previous is not None:
            previous.cancel()
        self._limits[participant_id] = asyncio.create_task(
            self._enforce_limit(user_id, group_id, session_id, channel_id, remaining_s),
            name=f"call-limit-{participant_id}",
        )

    async def _enforce_limit(self, user_id: uuid.UUID, group_id: uuid.UUID, session_id: str, channel_id: uuid.UUID,
                             remaining_s: float) -> None:
        if remaining_s > WARNING_BEFORE_S:
            await asyncio.sleep(remaining_s - WARNING_BEFORE_S)
            await self._push(session_id, CallWarning(channel_id=channel_id, reason="time_limit",
                                                     remaining_s=WARNING_BEFORE_S))
            try:
                await self._notifier.notify([user_id], NewNotification(
                    kind="guest_time_warning", group_id=group_id, from_user_id=None, channel_id=channel_id,
                    text=f"Your call time ends in {WARNING_BEFORE_S} s"))
            except Exception:  # the database away for a moment: the limit below must hold regardless
                log.warning("guest_warning_not_stored", user_id=str(user_id), exc_info=True)
            remaining_s = WARNING_BEFORE_S
        await asyncio.sleep(remaining_s)
        await self._rights.changed(RightsChanged(RightsChange.GUEST_LIMIT, user_id=user_id, group_id=group_id))

"""Recording calls: moderators start and stop, everyone in the call is asked to consent, and the
node hosting the call's SFU room captures the consenting participants' streams into one MP4.

The database is the source of truth (the recording's row, each participant's answer); the room's
host reconciles its capture with it. Requests may arrive at any node: they update the database
and send a `recording` hook to the host (control.calls.sfu), which adds or drops streams, or
stops and files the recording. A room that opens for a call being recorded starts its capture
itself — a P2P call moves to the SFU for the recording, so its room opens after the start.

If the host dies mid-recording, the recording ends there: the node that takes the call over tells
everyone it stopped (`host_lost`) and a moderator may start a new one; the dead node's part is
finalized from its disk when it starts again (`node_restarted`), as is whatever a crashed node
left behind.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import asyncpg
import structlog

from control.access import channel_access
from control.auth.tokens import Principal
from control.calls.participation import my_participation
from control.calls.service import CallService
from control.calls.sfu import SfuService
from control.calls.sfu_room import Peer, Room
from control.domain.permissions import Permission
from control.errors import Conflict, NotFound, PermissionDenied
from control.notifications import Notifier
from control.realtime.frames import dump, viewer_roles
from control.realtime.gateway import Realtime
from control.recording.archive import Archive
from control.recording.quality import RecordingQuality
from control.recording.recorder import Recorder, StreamRole, finalize
from control.settings import Settings
from control.sfu.producer import Producer
from control.store import calls, channels, recordings, users
from control.store.bus import Event
from control.store.notifications import NewNotification
from control.store.postgres import Database
from control.store.recordings import RecordingRow
from control.tasks import TaskSet
from control.views import recording_info, recording_out
from schemas.rest import RecordingOut
from schemas.signaling import CallRecordingState, RecordingConsentRequest, RecordingEndReason

log = structlog.get_logger(__name__)

HOOK = "recording"
# How often a capture checks its recording's row (stops and answers whose hook was lost).
RECONCILE_S = 2.0


@dataclass
class _Capture:
    """A recording being captured on this node, from one room."""

    recording: RecordingRow
    room: Room
    recorder: Recorder
    # Who said yes (their streams are recorded), with their names for the tiles.
    accepted: dict[uuid.UUID, str] = field(default_factory=dict)
    stopping: bool = False
    # One change at a time: a consent sync, a new producer, the stop (a decline racing an accept
    # must not leave a stream behind).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RecordingService:
    def __init__(self, db: Database, realtime: Realtime, sfu: SfuService, calls_service: CallService,
                 archive: Archive, settings: Settings, notifier: Notifier) -> None:
        self._db = db
        self._notifier = notifier
        self._realtime = realtime
        self._sfu = sfu
        self._calls = calls_service
        self._archive = archive
        # Per host: a data folder shared by several nodes holds each one's captures apart.
        self._workdirs = settings.data_dir / "recordings-work" / socket.gethostname()
        self._captures: dict[uuid.UUID, _Capture] = {}  # by call
        self._tasks = TaskSet("recording")
        sfu.room_observers.append(self)
        sfu.service_hooks[HOOK] = self._on_hook

    async def start(self) -> None:
        """Finalizes and files what recordings a crashed run of this node left on its disk."""
        if not self._workdirs.exists():
            return
        for workdir in sorted(p for p in self._workdirs.iterdir() if p.is_dir()):
            try:
                await self._recover(workdir)
            except Exception:  # one bad leftover must not keep the node from starting
                log.exception("recording_recovery_failed", workdir=str(workdir))

    async def close(self) -> None:
        for capture in list(self._captures.values()):
            await self._finish(capture, stopped_by=None, reason="host_lost")
        await self._tasks.close()

    # --- requests, on any node ------------------------------------------------------------------

    async def begin(self, principal: Principal, *, session_id: str | None = None,
                    channel_id: uuid.UUID | None = None) -> RecordingOut:
        """Starts recording the caller's call (signaling) or a channel's call (REST)."""
        call, channel = await self._moderated_call(principal, session_id, channel_id)
        async with self._db.connection() as conn:
            roster = await calls.live_standing(conn, call_id=call["id"])
            names = {r["user_id"]: await users.display_name(conn, r["user_id"]) for r in roster}
        title = f"{channel['name']} · {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
        try:
            # The host is set when a room starts capturing it (see _attach).
            row = await self._archive.begin(group_id=channel["group_id"], channel_id=channel["id"], call_id=call["id"],
                                            title=title, started_by=principal.user_id, node="")
        except asyncpg.UniqueViolationError:
            raise Conflict("this call is being recorded already", code="recording_in_progress") from None
        info = recording_info(row)
        for participant in roster:
            mine = participant["user_id"] == principal.user_id
            await self._archive.set_consent(row.id, participant["user_id"], names[participant["user_id"]],
                                            # Starting a recording is saying yes to it.
                                            "accepted" if mine else "pending")
            if not mine:
                await self._push(participant["session_id"], RecordingConsentRequest(channel_id=channel["id"],
                                                                                    recording=info))
        await self._tell_channel(channel, CallRecordingState(group_id=channel["group_id"], channel_id=channel["id"],
                                                             recording=info))
        others = [p["user_id"] for p in roster if p["user_id"] != principal.user_id]
        await self._notifier.notify(others, NewNotification(
            kind="recording_started", group_id=channel["group_id"], from_user_id=principal.user_id,
            channel_id=channel["id"], recording_id=row.id, text=title))
        await self._calls.resync(call["id"])  # a P2P call moves to the SFU for the recording
        await self._hook(call["id"], action="sync")
        return await self._out(row.id)

    async def end(self, principal: Principal, *, session_id: str | None = None,
                  channel_id: uuid.UUID | None = None) -> RecordingOut:
        call, channel = await self._moderated_call(principal, session_id, channel_id)
        async with self._db.connection() as conn:
            live = await recordings.live_of_call(conn, call["id"])
        if live is None:
            raise NotFound("this call is not being recorded", code="not_recording")
        await self._stop_everywhere(live, channel, stopped_by=principal.user_id)
        await self._calls.resync(call["id"])
        return await self._out(live.id)

    async def consent(self, principal: Principal, session_id: str, recording_id: uuid.UUID, accept: bool) -> None:
        async with self._db.connection() as conn:
            me = await my_participation(conn, principal.user_id, session_id)
            live = await recordings.live_of_call(conn, me["call_id"])
            name = await users.display_name(conn, principal.user_id)
        if live is None or live.id != recording_id:
            raise NotFound("that recording is not running in your call", code="recording_not_found")
        await self._archive.set_consent(recording_id, principal.user_id, name, "accepted" if accept else "declined")
        await self._hook(me["call_id"], action="sync")

    async def _moderated_call(self, principal: Principal, session_id: str | None,
                              channel_id: uuid.UUID | None) -> tuple[asyncpg.Record, asyncpg.Record]:
        """The live call (and its channel) a caller with MANAGE_RECORDINGS acts on."""
        async with self._db.connection() as conn:
            if session_id is not None:
                channel_id = (await my_participation(conn, principal.user_id, session_id))["channel_id"]
            assert channel_id is not None
            channel, access = await channel_access(conn, principal, channel_id)
            if access.role is None:
                raise PermissionDenied("join the group first", code="not_a_member")
            access.require(Permission.MANAGE_RECORDINGS)
            call = await calls.live_call_of_channel(conn, channel_id)
        if call is None:
            raise NotFound("there is no call in this channel", code="no_live_call")
        return call, channel

    async def _stop_everywhere(self, live: RecordingRow, channel: asyncpg.Record, *, stopped_by: uuid.UUID) -> None:
        """Marks the recording finalizing; its host files it (no host: nothing was captured)."""
        if await self._archive.finalizing(live.id, stopped_by=stopped_by) is None:
            raise Conflict("the recording has stopped already", code="not_recording")
        await self._tell_channel(channel, CallRecordingState(group_id=channel["group_id"], channel_id=channel["id"],
                                                             recording=None, reason="stopped"))
        if not live.node:  # no node ever captured it (no SFU media yet): nothing to file
            await self._archive.fail(live.id, stopped_by=stopped_by, note="nothing_recorded")
            return
        assert live.call_id is not None
        await self._hook(live.call_id, action="stop", stopped_by=str(stopped_by))

    # --- on the node hosting the room --------------------------------------------------------

    async def room_opened(self, room: Room) -> None:
        async with self._db.connection() as conn:
            live = await recordings.live_of_call(conn, room.call_id)
        if live is None:
            return
        if live.node and live.node != self._sfu.node:
            # Another node was capturing it and is gone: what it recorded is finalized when it restarts.
            await self._host_lost(live)
            return
        await self._attach(room, live)

    def room_closing(self, room: Room) -> None:
        capture = self._captures.get(room.call_id)
        if capture is not None:
            self._tasks.spawn(self._finish(capture, stopped_by=None, reason="call_ended"))

    async def _on_hook(self, event: Event) -> None:
        call_id = uuid.UUID(event["call_id"])
        if event["action"] == "sync":
            room = self._sfu.room_of_call(call_id)
            capture = self._captures.get(call_id)
            if capture is not None:
                await self._sync(capture)
            elif room is not None:
                await self.room_opened(room)
        elif event["action"] == "stop" and call_id in self._captures:
            stopped_by = event.get("stopped_by")
            await self._finish(self._captures[call_id], stopped_by=uuid.UUID(stopped_by) if stopped_by else None,
                               reason="stopped")

    async def _hook(self, call_id: uuid.UUID, **fields: Any) -> None:
        if await self._sfu.hook(call_id, HOOK, **fields):
            await self._on_hook({"call_id": str(call_id), **fields})

    async def _attach(self, room: Room, live: RecordingRow) -> None:
        if room.call_id in self._captures or room.router is None:
            return
        async with self._db.transaction() as conn:
            # Claimed by this node, unless another already captures it.
            if not await recordings.claim_capture(conn, live.id, self._sfu.node):
                return
        router = room.router
        recorder = Recorder(router, RecordingQuality.from_json(live.quality), self._workdirs / str(live.id))
        capture = _Capture(live, room, recorder)
        self._captures[room.call_id] = capture
        await recorder.start()
        recorder.observer.on("failed", lambda reason: self._tasks.spawn(
            self._finish(capture, stopped_by=None, reason="failed", note=str(reason))))
        # The worker under the room died: its streams are gone; what was recorded is kept.
        router.events.on("workerclose", lambda: self._tasks.spawn(
            self._finish(capture, stopped_by=None, reason="failed", note="worker_died")))
        room.producer_observers.append(lambda peer, source, producer: self._on_producer(capture, peer, source,
                                                                                       producer))
        log.info("recording_started", recording_id=str(live.id), call_id=str(room.call_id))
        await self._sync(capture)
        self._tasks.spawn(self._reconcile(capture))

    async def _reconcile(self, capture: _Capture) -> None:
        """Follows the database while capturing: a stop or an answer whose hook was lost (the
        bus delivers at most once) still takes effect within a few seconds."""
        while not capture.stopping:
            await asyncio.sleep(RECONCILE_S)
            try:
                async with self._db.connection() as conn:
                    row = await recordings.get(conn, capture.recording.id)
                if row is None or row.state != "recording":
                    await self._finish(capture, stopped_by=row.stopped_by if row else None, reason="stopped")
                else:
                    await self._sync(capture)
            except Exception:  # the database away for a moment: the next round tries again
                log.warning("recording_reconcile_failed", recording_id=str(capture.recording.id), exc_info=True)

    async def _sync(self, capture: _Capture) -> None:
        """Records exactly the streams of those who said yes."""
        async with capture.lock:
            if not capture.stopping:
                await self._sync_locked(capture)

    async def _sync_locked(self, capture: _Capture) -> None:
        async with self._db.connection() as conn:
            answers = (await recordings.participants(conn, [capture.recording.id])).get(capture.recording.id, [])
        capture.accepted = {p.user_id: p.display_name for p in answers if p.consent == "accepted"}
        wanted = {producer.id: (peer, source, producer) for peer in capture.room.peers.values()
                  if peer.user_id in capture.accepted for source, producer in peer.producers.items()}
        for producer_id in set(capture.recorder.streams) - set(wanted):
            await capture.recorder.remove_stream(producer_id)
        for producer_id, (peer, source, producer) in wanted.items():
            if producer_id not in capture.recorder.streams:
                await self._record(capture, peer, source, producer)

    async def _on_producer(self, capture: _Capture, peer: Peer, source: str, producer: Producer) -> None:
        async with capture.lock:
            if peer.user_id in capture.accepted and not capture.stopping and producer.id not in capture.recorder.streams:
                await self._record(capture, peer, source, producer)

    @staticmethod
    async def _record(capture: _Capture, peer: Peer, source: str, producer: Producer) -> None:
        role: StreamRole = source  # type: ignore[assignment]
        try:
            # By participant: someone recorded without a camera still gets a tile.
            await capture.recorder.add_stream(producer, capture.accepted[peer.user_id], role,
                                              participant=str(peer.participant_id))
        except Exception:  # a stream that cannot be tapped leaves the rest of the recording alone
            log.exception("recording_stream_failed", recording_id=str(capture.recording.id), producer_id=producer.id)

    async def _finish(self, capture: _Capture, *, stopped_by: uuid.UUID | None, reason: RecordingEndReason,
                      note: str = "") -> None:
        """Stops capturing, finalizes the MP4 and files it in the archive; tells the starter."""
        async with capture.lock:
            if capture.stopping:
                return
            capture.stopping = True
        if self._captures.get(capture.room.call_id) is capture:
            del self._captures[capture.room.call_id]
        recording = capture.recording
        try:
            if reason != "stopped":
                await self._archive.finalizing(recording.id, stopped_by=stopped_by, note=note or reason)
                await self._tell_channel_of(recording, reason)
        finally:  # whatever the database says, the compositor is stopped and what it wrote kept
            finished = await capture.recorder.stop()
        await self._file(recording, finished.path, finished.duration, stopped_by=stopped_by, note=note or
                         ("" if reason == "stopped" else reason))
        shutil.rmtree(capture.recorder.workdir, ignore_errors=True)
        if reason != "stopped" and recording.call_id is not None:
            await self._calls.resync(recording.call_id)  # a pair recorded till now may go P2P again

    async def _file(self, recording: RecordingRow, path: Path, duration: float | None, *,
                    stopped_by: uuid.UUID | None, note: str) -> None:
        kind: Literal["recording_ready", "recording_failed"] = "recording_failed"
        if duration is None:
            await self._archive.fail(recording.id, stopped_by=stopped_by, note=note or "nothing_recorded")
        else:
            try:
                await self._archive.finish(recording.id, path, duration_s=duration, stopped_by=stopped_by, note=note)
                kind = "recording_ready"
            except (NotFound, Conflict):
                return  # deleted meanwhile: nothing to tell
            except Exception:  # storage down: the archive marked it failed
                log.exception("recording_filing_failed", recording_id=str(recording.id))
        log.info(kind, recording_id=str(recording.id), duration=duration)
        if recording.started_by is not None:
            await self._notifier.notify([recording.started_by], NewNotification(
                kind=kind, group_id=recording.group_id, channel_id=recording.channel_id,
                from_user_id=stopped_by or recording.started_by, recording_id=recording.id, text=recording.title))

    async def _host_lost(self, live: RecordingRow) -> None:
        log.warning("recording_host_lost", recording_id=str(live.id), node=live.node)
        if await self._archive.finalizing(live.id, stopped_by=None, note="host_lost") is not None:
            await self._tell_channel_of(live, "host_lost")

    async def _recover(self, workdir: Path) -> None:
        """A recording this node was capturing when it died: file what reached its disk."""
        recording_id = uuid.UUID(workdir.name)
        async with self._db.connection() as conn:
            row = await recordings.get(conn, recording_id)
        if row is not None and row.state in ("recording", "finalizing"):
            if row.state == "recording":
                await self._archive.finalizing(row.id, stopped_by=None, note="node_restarted")
                await self._tell_channel_of(row, "host_lost")
            final = workdir / "recording.mp4"
            duration = await finalize(workdir / "recording.part.mp4", final)
            await self._file(row, final, duration, stopped_by=None, note="node_restarted")
            log.warning("recording_recovered", recording_id=str(row.id), duration=duration)
        shutil.rmtree(workdir, ignore_errors=True)

    # --- telling people ----------------------------------------------------------------------

    async def _tell_channel_of(self, recording: RecordingRow, reason: RecordingEndReason) -> None:
        if recording.channel_id is None:
            return
        async with self._db.connection() as conn:
            channel = await channels.get_channel(conn, recording.channel_id)
        if channel is not None:
            await self._tell_channel(channel, CallRecordingState(
                group_id=channel["group_id"], channel_id=channel["id"], recording=None, reason=reason))

    async def _tell_channel(self, channel: asyncpg.Record, frame: CallRecordingState) -> None:
        """The indicator, for everyone who can see the channel."""
        encoded = dump(frame)
        await self._realtime.hub.publish_to_group(channel["group_id"],
                                                  {role.value: encoded for role in viewer_roles(channel["overrides"])})

    async def _push(self, session_id: str, frame: Any) -> None:
        await self._realtime.hub.publish_to_session(session_id, dump(frame))

    async def _out(self, recording_id: uuid.UUID) -> RecordingOut:
        async with self._db.connection() as conn:
            row = await recordings.get(conn, recording_id)
            answers = await recordings.participants(conn, [recording_id])
        assert row is not None
        return recording_out(row, answers.get(recording_id, []))


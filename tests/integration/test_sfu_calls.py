"""Calls of three or more through the SFU, over the gateway, with real WebRTC clients
(pymediasoup on aiortc) and the real mediasoup worker: everyone receives everyone, P2P→SFU→P2P
make-before-break, screen sharing, permissions, moderation, a dead worker, a resumed socket."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import signal
import time
import uuid
from typing import AsyncIterator

import httpx

from tests.integration.test_calls import voice_channel
from tests.integration.test_metrics import sample
from tests.support.api import Api, GroupWithMembers, make_group_with_members
from tests.support.call_client import CallClient
from tests.support.server import RunningServer
from tests.support.webrtc import MovingPattern, longest_gap
from tests.support.ws import WsClient


async def wait_for_frames(arrivals: list[float], n: int, since: float = 0.0, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for t in arrivals if t > since) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sum(1 for t in arrivals if t > since)} frames, wanted {n}")
        await asyncio.sleep(0.05)


async def everyone_sees_everyone(clients: list[CallClient], since: float = 0.0, n: int = 10) -> None:
    try:
        await asyncio.gather(*(wait_for_frames(viewer.camera_of(other), n, since)
                               for viewer in clients for other in clients if other is not viewer))
    except TimeoutError:
        seen = {viewer.participant_id[:8]: {key[:8] + key[36:]: len(times) for key, times in viewer.views.items()}
                for viewer in clients}
        raise AssertionError(f"frames each viewer got, by sender: {seen}") from None


@dataclasses.dataclass
class Call:
    group: GroupWithMembers
    sockets: list[WsClient]
    clients: list[CallClient]

    @property
    def channel(self) -> str:
        return voice_channel(self.group)

    async def join_all(self) -> None:
        for client in self.clients:
            await client.join(self.channel)
        await everyone_sees_everyone(self.clients)


@contextlib.asynccontextmanager
async def three_people(url: str) -> AsyncIterator[Call]:
    """A group of three, each with a socket and a call client (not yet in the call)."""
    group = make_group_with_members(Api(url), n=2)
    sockets = [await WsClient.connect(url, u.tokens["access_token"]) for u in (group.owner, *group.members)]
    call = Call(group, sockets, [CallClient(ws) for ws in sockets])
    try:
        yield call
    finally:
        for client in call.clients:
            await client.close()
        for ws in call.sockets:
            await ws.close()


async def test_three_participants_each_receive_the_other_two_through_the_sfu(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        await call.join_all()
        for viewer in call.clients:
            assert viewer.mode == "sfu" and viewer.pc is None
            sizes = {c.size for key, counters in viewer.counters.items() if key.endswith(":camera") for c in counters[-1:]}
            assert sizes == {(320, 240)}
            for other in call.clients:
                if other is not viewer:  # everyone hears the others too
                    await wait_for_frames(viewer.views.setdefault(f"{other.participant_id}:mic", []), 10)
        room = server.app.state.services.sfu.room_of_call(uuid.UUID(call.clients[0].joined["call_id"]))
        assert room is not None and len(room.peers) == 3
        # Operators see the room, its peers and the workers' CPU on the metrics page.
        metrics = httpx.get(f"{server.url}/metrics").text
        assert sample(metrics, "peershare_sfu_peers") >= 3 and sample(metrics, "peershare_media_workers") >= 1
        assert re.search(r'^peershare_media_worker_cpu_seconds_total\{worker="\d+"\} [0-9.e+-]+$', metrics, re.MULTILINE)


async def test_p2p_to_sfu_and_back_keeps_video_playing(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        owner, alice, bob = call.clients
        await owner.join(call.channel)
        await alice.join(call.channel)
        await wait_for_frames(owner.camera_of(alice), 20)
        assert owner.mode == "p2p"
        switch = time.monotonic()
        await bob.join(call.channel)
        await everyone_sees_everyone(call.clients, since=switch)
        await wait_for_frames(owner.camera_of(alice), 20, since=switch)
        to_sfu_gap = longest_gap(owner.camera_of(alice), since=switch - 1)
        back = time.monotonic()
        await bob.ws.ok("leave_call")
        await wait_for_frames(owner.camera_of(alice), 40, since=back)
        await asyncio.sleep(1.0)
        assert owner.mode == "p2p" and owner.sfu is None
        to_p2p_gap = longest_gap(owner.camera_of(alice), since=back - 1)
        print(f"longest gap in alice's video at the owner: P2P→SFU {to_sfu_gap * 1000:.0f} ms, "
              f"SFU→P2P {to_p2p_gap * 1000:.0f} ms")
        # The goal (300 ms) is measured by bench/calls.py; here the video must not stall.
        assert to_sfu_gap < 1.5 and to_p2p_gap < 1.5


async def test_a_screen_share_is_a_third_track_started_and_stopped_alone(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        await call.join_all()
        sharer, viewer = call.clients[0], call.clients[1]
        assert sharer.sfu is not None and sharer.sfu.send is not None
        screen = await sharer.sfu.produce("screen", MovingPattern(640, 360, fps=15))
        screen_key = f"{sharer.participant_id}:screen"
        await wait_for_frames(viewer.views.setdefault(screen_key, []), 10)
        assert viewer.counters[screen_key][-1].size == (640, 360)
        second = await sharer.ws.request("sfu_produce", transport_id=sharer.sfu.send.id, kind="video",
                                         source="screen", rtp_parameters=screen.rtpParameters.model_dump())
        assert second["code"] == "source_busy"
        # Stopping the screen leaves the camera alone.
        closed = viewer.ws.subscribe("sfu_consumer_closed")
        await sharer.ws.ok("sfu_producer", producer_id=screen.id, action="close")
        await asyncio.wait_for(closed.get(), 5)
        await wait_for_frames(viewer.camera_of(sharer), 10, since=time.monotonic())


async def test_sfu_requests_check_mode_permissions_and_input(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        owner, alice, bob = call.sockets
        group = call.group
        no_screen = group.owner.api.post(f"/api/groups/{group.id}/channels", {
            "name": "lecture", "kind": "voice", "overrides": {"member": {"share_screen": False}}}).json()
        await owner.ok("join_call", channel_id=no_screen["id"])
        assert (await owner.request("sfu_capabilities"))["code"] == "not_sfu_mode"
        await alice.ok("join_call", channel_id=no_screen["id"])
        await bob.ok("join_call", channel_id=no_screen["id"])
        caps = await alice.ok("sfu_capabilities")
        assert {c["mimeType"] for c in caps["rtp_capabilities"]["codecs"]} >= {"audio/opus", "video/VP8", "video/H264"}
        assert (await alice.request("sfu_ready", rtp_capabilities={"codecs": []}))["code"] == "no_recv_transport"
        send = await alice.ok("sfu_create_transport", direction="send")
        assert send["ice_candidates"] and send["dtls_parameters"]["fingerprints"]
        refused = await alice.request("sfu_produce", transport_id=send["transport_id"], kind="video", source="screen",
                                      rtp_parameters={})
        assert refused["code"] == "share_screen_not_allowed"
        mismatch = await alice.request("sfu_produce", transport_id=send["transport_id"], kind="audio",
                                       source="camera", rtp_parameters={})
        assert mismatch["code"] == "kind_mismatch"
        garbage = await alice.request("sfu_produce", transport_id=send["transport_id"], kind="video", source="camera",
                                      rtp_parameters={"codecs": "nope"})
        assert garbage["code"] == "invalid_rtp_parameters"
        unknown = await alice.request("sfu_connect_transport", transport_id="nope", dtls_parameters={})
        assert unknown["code"] == "transport_not_found"
        # Someone else's transport is not mine either.
        theirs = await bob.request("sfu_restart_ice", transport_id=send["transport_id"])
        assert theirs["code"] == "transport_not_found"
        restarted = await alice.ok("sfu_restart_ice", transport_id=send["transport_id"])
        assert restarted["ice_parameters"]["usernameFragment"] != send["ice_parameters"]["usernameFragment"]
        bad_dtls = await alice.request("sfu_connect_transport", transport_id=send["transport_id"],
                                       dtls_parameters={"fingerprints": "x"})
        assert bad_dtls["code"] == "invalid_dtls_parameters"
        # The owner (a moderator) may share a screen in the same channel.
        owner_send = await owner.ok("sfu_create_transport", direction="send")
        allowed = await owner.request("sfu_produce", transport_id=owner_send["transport_id"], kind="video",
                                      source="screen", rtp_parameters={"codecs": "nope"})
        assert allowed["code"] == "invalid_rtp_parameters"
        assert (await alice.ok("ping")) == {}


async def test_a_moderator_mute_pauses_the_mic_producer(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        await call.join_all()
        owner, alice, bob = call.clients
        paused = bob.ws.subscribe("sfu_consumer_paused")
        await owner.ws.ok("call_mute", user_id=call.group.members[0].id)
        push = await asyncio.wait_for(paused.get(), 5)
        assert push["paused"] is True
        assert alice.sfu is not None
        resume = await alice.ws.request("sfu_producer", producer_id=alice.sfu.producers["mic"].id, action="resume")
        assert resume["code"] == "muted_by_moderator"


async def test_active_speaker_and_audio_levels_reach_the_call(server: RunningServer) -> None:
    async with three_people(server.url) as call:
        levels = call.sockets[2].subscribe("sfu_audio_levels")
        speaker = call.sockets[2].subscribe("sfu_active_speaker")
        await call.join_all()
        ids = {c.participant_id for c in call.clients}
        deadline = time.monotonic() + 20
        heard: set[str] = set()
        while heard != ids and time.monotonic() < deadline:
            frame = await asyncio.wait_for(levels.get(), 20)
            heard |= {entry["participant_id"] for entry in frame["levels"]}
            assert all(-127 <= entry["volume"] <= 0 for entry in frame["levels"])
        assert heard == ids
        assert (await asyncio.wait_for(speaker.get(), 20))["participant_id"] in ids


async def test_a_dead_worker_moves_the_call_to_a_new_router_and_media_comes_back(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(media_workers=1)
    async with three_people(node.url) as call:
        await call.join_all()
        [worker] = node.app.state.services.sfu.engine.workers()
        resets = call.sockets[0].subscribe("sfu_reset")
        killed = time.monotonic()
        os.kill(worker.pid, signal.SIGKILL)
        await asyncio.wait_for(resets.get(), 10)
        await everyone_sees_everyone(call.clients, since=killed + 0.5)
        [respawned] = node.app.state.services.sfu.engine.workers()
        assert respawned.pid != worker.pid
        last = max(viewer.camera_of(other)[-1] for viewer in call.clients for other in call.clients if other is not viewer)
        print(f"media back within {last - killed:.1f} s of the kill")


async def test_a_dropped_socket_resumes_without_tearing_media_down(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(call_resume_grace_s=10.0)
    async with three_people(node.url) as call:
        await call.join_all()
        owner, _, bob = call.clients
        await bob.ws.close()
        cut = time.monotonic()
        # Bob's media keeps flowing while his socket is gone.
        await wait_for_frames(owner.camera_of(bob), 20, since=cut)
        await wait_for_frames(bob.camera_of(owner), 20, since=cut)
        fresh = await WsClient.connect(node.url, call.group.members[1].tokens["access_token"])
        call.sockets.append(fresh)
        resumed = await fresh.ok("join_call", channel_id=call.channel, resume_token=bob.joined["resume_token"])
        assert resumed["participant_id"] == bob.participant_id
        # Pushes for bob's SFU side now reach the new socket.
        added = fresh.subscribe("sfu_consumer_added")
        assert owner.sfu is not None
        await owner.sfu.produce("screen", MovingPattern(320, 180, fps=10))
        push = await asyncio.wait_for(added.get(), 10)
        assert push["source"] == "screen" and push["participant_id"] == owner.participant_id
        assert (await fresh.ok("sfu_resume_consumer", consumer_id=push["consumer_id"])) == {}

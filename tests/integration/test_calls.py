"""Calls over the gateway with real WebRTC clients (aiortc): peer to peer for two, TURN,
roles, moderation and the call record."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, AsyncIterator

import asyncpg
import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.support.api import Api, GroupWithMembers, make_group_with_members
from tests.support.server import RunningServer
from tests.support.webrtc import P2PPeer
from tests.support.ws import WsClient


def voice_channel(group: GroupWithMembers) -> str:
    return str(next(c["id"] for c in group.body["channels"] if c["kind"] == "voice"))


@pytest.fixture
async def trio(api: Api, server: RunningServer) -> AsyncIterator[tuple[GroupWithMembers, list[WsClient]]]:
    group = make_group_with_members(api, n=2)
    clients = [await WsClient.connect(server.url, u.tokens["access_token"])
               for u in (group.owner, group.members[0], group.members[1])]
    yield group, clients
    for client in clients:
        await client.close()


async def _fetch(server: RunningServer, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"search_path": server.settings.database_schema})
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_two_participants_talk_peer_to_peer_and_frames_flow(trio, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, _) = trio
    first, second = P2PPeer(owner), P2PPeer(alice)
    try:
        joined = await first.join(voice_channel(group))
        assert joined["mode"] == "p2p" and len(joined["participants"]) == 1
        await second.join(voice_channel(group))
        mode = await owner.next_push("call_mode", peer_participant_id=second.joined["participant_id"])
        assert mode["mode"] == "p2p" and mode["polite"] is False
        assert (await alice.next_push("call_mode"))["polite"] is True
        for peer in (first, second):
            await asyncio.wait_for(peer.connected.wait(), 20)
        video = None
        for _ in range(200):
            video = second.received.get("video")
            if video is not None:
                break
            await asyncio.sleep(0.05)
        assert video is not None
        await video.wait_count(20)
        assert video.size == (320, 240)
        assert "audio" in first.received
        # No router: nothing of the call went through an SFU.
        [call] = await _fetch(server, "SELECT mode, ended_at FROM calls WHERE id = $1", joined["call_id"])
        assert call["mode"] == "p2p" and call["ended_at"] is None
        sfu = server.app.state.services.sfu
        assert sfu.room_of_call(uuid.UUID(joined["call_id"])) is None
    finally:
        await first.close()
        await second.close()


async def test_everyone_in_the_group_sees_who_is_in_which_call(trio) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    joined = await owner.ok("join_call", channel_id=voice_channel(group))
    state = await bob.next_push("call_state", channel_id=voice_channel(group))
    assert [p["user_id"] for p in state["participants"]] == [group.owner.id]
    presence = await bob.next_push("presence", presence__user_id=group.owner.id)
    assert presence["presence"]["voice_channel_id"] == voice_channel(group)
    await owner.ok("leave_call")
    ended = await bob.next_push("call_state", channel_id=voice_channel(group), participants=[])
    assert ended["mode"] is None and joined["participants"]


async def test_a_third_participant_switches_everyone_to_the_sfu_and_back(trio) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    channel = voice_channel(group)
    await owner.ok("join_call", channel_id=channel)
    await alice.ok("join_call", channel_id=channel)
    third = await bob.ok("join_call", channel_id=channel)
    assert third["mode"] == "sfu"
    for client in (owner, alice, bob):
        mode = await client.next_push("call_mode", mode="sfu")
        assert mode["peer_participant_id"] is None
    await bob.ok("leave_call")
    back = await owner.next_push("call_mode", mode="p2p")
    assert back["peer_participant_id"] is not None and back["polite"] is False


async def test_joining_needs_the_join_permission_and_a_voice_channel(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=1)
    locked = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "stage", "kind": "voice", "overrides": {"member": {"join_call": False}}}).json()
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    try:
        refused = await member.request("join_call", channel_id=locked["id"])
        assert refused["code"] == "permission_denied"
        text = await member.request("join_call", channel_id=group.text_channel_id)
        assert text["code"] == "not_a_voice_channel"
    finally:
        await member.close()


async def test_a_two_person_call_where_someone_may_not_send_video_runs_through_the_sfu(
        api: Api, server: RunningServer) -> None:
    """Only the SFU can hold back media a client sends anyway, so a restricted pair is not P2P."""
    group = make_group_with_members(api, n=1)
    audio_only = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "radio", "kind": "voice", "overrides": {"member": {"video": False, "share_screen": False}}}).json()
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    try:
        first = await owner.ok("join_call", channel_id=audio_only["id"])
        second = await member.ok("join_call", channel_id=audio_only["id"])
        assert (first["mode"], second["mode"]) == ("p2p", "sfu")
        sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
        refused = await member.request("p2p_signal", to=first["participant_id"], description={"type": "offer", "sdp": sdp})
        assert refused["code"] == "not_your_peer"
        refused = await member.request("set_media_state", audio=True, video=True, screen=False)
        assert refused["code"] == "video_not_allowed"
    finally:
        await owner.close()
        await member.close()


async def test_signals_reach_only_the_peer_and_only_in_a_two_person_call(trio) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    channel = voice_channel(group)
    first = await owner.ok("join_call", channel_id=channel)
    not_yet = await owner.request("p2p_signal", to=first["participant_id"],
                                  candidate={"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
    assert not_yet["code"] == "not_your_peer"
    second = await alice.ok("join_call", channel_id=channel)
    candidate = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid": "0",
                 "sdpMLineIndex": 0}
    await owner.ok("p2p_signal", to=second["participant_id"], candidate=candidate)
    relayed = await alice.next_push("p2p_signal")
    assert relayed["candidate"]["candidate"] == candidate["candidate"]
    assert relayed["from_participant_id"] == first["participant_id"]
    await bob.no_push("p2p_signal")
    outsider = await bob.request("p2p_signal", to=second["participant_id"], candidate=candidate)
    assert outsider["code"] == "not_in_call"
    both = await owner.request("p2p_signal", to=second["participant_id"], candidate=candidate,
                               description={"type": "offer", "sdp": "v=0"})
    assert both["code"] == "invalid_signal"


async def test_a_moderator_kicks_and_mutes_participants(trio) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    channel = voice_channel(group)
    for client in (owner, alice, bob):
        await client.ok("join_call", channel_id=channel)
    refused = await alice.request("call_kick", user_id=group.members[1].id)
    assert refused["code"] == "permission_denied"
    await owner.ok("call_mute", user_id=group.members[0].id)
    assert (await alice.next_push("call_muted"))["by_user_id"] == group.owner.id
    unmute = await alice.request("set_media_state", audio=True, video=False, screen=False)
    assert unmute["code"] == "muted_by_moderator"
    await owner.ok("call_kick", user_id=group.members[1].id)
    assert (await bob.next_push("call_removed"))["reason"] == "kicked"
    state = await owner.next_push("call_state", channel_id=channel)
    while len(state["participants"]) != 2:
        state = await owner.next_push("call_state", channel_id=channel)
    assert group.members[1].id not in {p["user_id"] for p in state["participants"]}


async def test_joining_another_call_leaves_the_first(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=0)
    second_voice = group.owner.api.post(f"/api/groups/{group.id}/channels", {"name": "room 2", "kind": "voice"}).json()
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    other_tab = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    try:
        await owner.ok("join_call", channel_id=voice_channel(group))
        await other_tab.ok("join_call", channel_id=second_voice["id"])
        removed = await owner.next_push("call_removed")
        assert removed["reason"] == "joined_elsewhere" and removed["channel_id"] == voice_channel(group)
    finally:
        await owner.close()
        await other_tab.close()


async def test_a_dropped_socket_resumes_the_same_participant(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(call_resume_grace_s=2.0)
    group = make_group_with_members(Api(node.url), n=1)
    owner = await WsClient.connect(node.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(node.url, group.members[0].tokens["access_token"])
    try:
        await owner.ok("join_call", channel_id=voice_channel(group))
        joined = await member.ok("join_call", channel_id=voice_channel(group))
        await member.close()
        member = await WsClient.connect(node.url, group.members[0].tokens["access_token"])
        resumed = await member.ok("join_call", channel_id=voice_channel(group), resume_token=joined["resume_token"])
        assert resumed["participant_id"] == joined["participant_id"]
        bad = await member.request("join_call", channel_id=voice_channel(group), resume_token="forged")
        assert bad["code"] == "resume_failed"
        # A socket that does not come back is removed once the grace period ends.
        await member.close()
        state = await owner.next_push("call_state", channel_id=voice_channel(group), timeout=10)
        while len(state["participants"]) != 1:
            state = await owner.next_push("call_state", channel_id=voice_channel(group), timeout=10)
    finally:
        await owner.close()
        await member.close()


async def test_guests_are_warned_and_removed_at_their_time_limit(server_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.support.api import join_as_guest

    node = server_factory(guest_call_limit_s=61)
    api = Api(node.url)
    group = make_group_with_members(api, n=0)
    guest = await WsClient.connect(node.url, join_as_guest(api, group.owner, group.id)["access_token"])
    try:
        joined = await guest.ok("join_call", channel_id=voice_channel(group))
        assert joined["time_limit_s"] == 61
        warning = await guest.next_push("call_warning", timeout=5)
        assert warning["remaining_s"] == 60
    finally:
        await guest.close()


async def test_the_call_record_keeps_times_modes_and_media_paths(trio, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    channel = voice_channel(group)
    joined = await owner.ok("join_call", channel_id=channel)
    await alice.ok("join_call", channel_id=channel)
    await owner.ok("report_media_path", path="relay", rtt_ms=12.5)
    await bob.ok("join_call", channel_id=channel)
    for client in (bob, alice, owner):
        await client.ok("leave_call")
    [call] = await _fetch(server, "SELECT * FROM calls WHERE id = $1", joined["call_id"])
    assert call["ended_at"] is not None
    assert call["p2p_seconds"] > 0 and call["sfu_seconds"] > 0
    people = await _fetch(server, "SELECT user_id::text, joined_at, left_at, media_path, rtt_ms FROM call_participants"
                                  " WHERE call_id = $1 ORDER BY joined_at", joined["call_id"])
    assert [p["user_id"] for p in people] == [group.owner.id, group.members[0].id, group.members[1].id]
    assert all(p["left_at"] is not None for p in people)
    assert (people[0]["media_path"], people[0]["rtt_ms"]) == ("relay", 12.5)


async def test_p2p_quality_reports_are_graded_and_told_to_both(trio) -> None:  # type: ignore[no-untyped-def]
    group, (owner, alice, bob) = trio
    channel = voice_channel(group)
    await owner.ok("join_call", channel_id=channel)
    joined = await alice.ok("join_call", channel_id=channel)
    await alice.ok("report_quality", rtt_ms=450.0, loss_pct=1.0)
    for client in (owner, alice):
        push = await client.next_push("call_quality")
        assert (push["participant_id"], push["quality"]) == (joined["participant_id"], "poor")
    await bob.no_push("call_quality")
    outsider = await bob.request("report_quality", rtt_ms=10.0, loss_pct=0.0)
    assert outsider["code"] == "not_in_call"
    nonsense = await alice.request("report_quality", rtt_ms=-1.0, loss_pct=0.0)
    assert nonsense["code"] == "invalid_frame"

"""Presence: online while any tab is open, status and text, and no ghosts after a cut network."""

from __future__ import annotations

import asyncio

from tests.support.api import Api, join_with_invite, make_group_with_members
from tests.support.server import RunningServer
from tests.support.ws import WsClient


async def test_a_user_is_online_while_any_tab_is_open(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=1)
    watcher = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    member = group.members[0]
    try:
        first_tab = await WsClient.connect(server.url, member.tokens["access_token"])
        push = await watcher.next_push("presence", presence__user_id=member.id)
        assert push["presence"]["status"] == "online"
        second_tab = await WsClient.connect(server.url, member.tokens["access_token"])
        await first_tab.close()
        await watcher.no_push("presence", presence__user_id=member.id)
        await second_tab.close()
        gone = await watcher.next_push("presence", presence__user_id=member.id)
        assert gone["presence"]["status"] == "offline"
    finally:
        await watcher.close()


async def test_status_and_status_text_reach_everyone_sharing_a_group(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=1)
    watcher = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    try:
        await member.ok("set_presence", status="dnd", status_text="in a meeting")
        push = await watcher.next_push("presence", presence__status="dnd")
        assert push["presence"]["status_text"] == "in a meeting"
        assert push["presence"]["user_id"] == group.members[0].id
        refused = await member.request("set_presence", status="offline")
        assert refused["code"] == "invalid_frame"
        late = await WsClient.connect(server.url, group.moderator.tokens["access_token"])
        seen = {p["user_id"]: p for p in late.welcome["presence"]}
        assert seen[group.members[0].id]["status"] == "dnd"
        await late.close()
    finally:
        await watcher.close()
        await member.close()


async def test_a_cut_connection_is_dropped_and_its_user_goes_offline(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(ws_ping_interval_s=0.5, ws_ping_timeout_s=0.5)
    api = Api(node.url)
    group = make_group_with_members(api, n=1)
    watcher = await WsClient.connect(node.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(node.url, group.members[0].tokens["access_token"])
    try:
        await watcher.next_push("presence", presence__user_id=group.members[0].id, presence__status="online")
        # The client's machine vanishes: it stops reading, so it never answers a ping again.
        member.conn.transport.pause_reading()
        started = asyncio.get_running_loop().time()
        await watcher.next_push("presence", presence__user_id=group.members[0].id, presence__status="offline",
                                timeout=30)
        assert asyncio.get_running_loop().time() - started < 30
    finally:
        await watcher.close()
        member.conn.transport.abort()


async def test_what_a_member_of_a_group_sees_of_someone_is_what_they_do_in_that_group(
        api: Api, server: RunningServer) -> None:
    """X calls in a staff-only voice channel of group G. A plain member of G (and of another group
    X is in) sees X online, in no voice channel, in both groups; a moderator of G sees the channel,
    in G only — at connect (welcome) and live (pushes)."""
    group = make_group_with_members(api, n=1)
    [member] = group.members
    staff = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "staff", "kind": "voice", "overrides": {"member": {"view": False}, "guest": {"view": False}}}).json()
    other = group.owner.api.post("/api/groups", {"name": "elsewhere"}).json()
    join_with_invite(member, group.owner, other["id"])
    join_with_invite(group.moderator, group.owner, other["id"])
    caller = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    sockets = {}
    try:
        await caller.ok("join_call", channel_id=staff["id"])
        for name, user in (("member", member), ("moderator", group.moderator)):
            sockets[name] = await WsClient.connect(server.url, user.tokens["access_token"])
            seen = {(p["group_id"], p["voice_channel_id"]) for p in sockets[name].welcome["presence"]
                    if p["user_id"] == group.owner.id}
            expected = {(group.id, None), (other["id"], None)}
            if name == "moderator":
                expected = {(group.id, staff["id"]), (other["id"], None)}
            assert seen == expected, name
        await caller.ok("set_presence", status="dnd", status_text="live")
        for name, socket in sockets.items():
            for group_id in (group.id, other["id"]):
                push = await socket.seen("presence", since=0, timeout=3, presence__group_id=group_id,
                                         presence__status_text="live")
                shows = push["presence"]["voice_channel_id"]
                assert shows == (staff["id"] if name == "moderator" and group_id == group.id else None), (name, group_id)
    finally:
        for socket in [caller, *sockets.values()]:
            await socket.close()

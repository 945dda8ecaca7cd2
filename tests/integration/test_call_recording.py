"""Recording calls end to end on real nodes: a moderator starts and stops, everyone is asked,
those who decline are left out, the indicator reaches the channel, the MP4 lands in the archive;
a P2P call moves to the SFU for it; a node killed mid-recording files what it had on restart."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import asyncpg
import httpx
import pytest

from control.settings import Settings
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.integration.test_calls import voice_channel
from tests.support.api import Api, GroupWithMembers, make_group_with_members
from control.recording.retention import Retention
from tests.support.call_client import CallClient
from tests.support.db import server_db
from tests.support.recordings import with_archive
from tests.support.nodes import NodeProcess
from tests.support.server import RunningServer
from tests.support.ws import WsClient


async def until(condition: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def ffprobe_streams(path: Path) -> tuple[set[str], float]:
    import json
    import subprocess

    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    probe = json.loads(out)
    return {s["codec_name"] for s in probe["streams"]}, float(probe["format"]["duration"])


async def download(api: Api, recording_id: str, dest: Path) -> Path:
    link = api.post(f"/api/recordings/{recording_id}/link").json()["url"]
    dest.write_bytes(httpx.get(link, follow_redirects=True, timeout=30).content)
    return dest


class Call:
    """Everyone of a group in its voice channel, connected to `url`, media flowing."""

    def __init__(self, group: GroupWithMembers, url: str) -> None:
        self.group, self.url = group, url
        self.people = [group.owner, *group.members]
        self.sockets: list[WsClient] = []
        self.clients: list[CallClient] = []

    async def join(self, first: int = 0, until: int | None = None) -> None:
        """People [first:until] of the group join."""
        for person in self.people[first:until]:
            ws = await WsClient.connect(self.url, person.tokens["access_token"])
            client = CallClient(ws)
            self.sockets.append(ws)
            self.clients.append(client)
            await client.join(voice_channel(self.group))

    async def close(self) -> None:
        # Bounded: an aiortc peer connection can hang closing when its far end went first.
        for client in self.clients:
            try:
                await asyncio.wait_for(client.close(), 10)
            except TimeoutError:
                print(f"a call client did not close in time: {client.participant_id}")
        for ws in self.sockets:
            await ws.close()


async def test_a_moderator_records_a_call_with_consent_and_it_lands_in_the_archive(
        server: RunningServer, tmp_path: Path) -> None:
    group = make_group_with_members(Api(server.url), n=2)
    call = Call(group, server.url)
    try:
        await call.join()
        owner, accepting, declining = call.sockets
        refused = await accepting.request("recording_start")
        assert refused["code"] == "permission_denied"
        started = await owner.ok("recording_start")
        recording_id = started["id"]
        assert (await owner.request("recording_start"))["code"] == "recording_in_progress"
        for ws in (accepting, declining):
            asked = await ws.next_push("recording_consent_request", timeout=5)
            assert asked["recording"]["recording_id"] == recording_id
            indicator = await ws.seen("recording_state", since=0, timeout=5, channel_id=voice_channel(group))
            assert indicator["recording"]["recording_id"] == recording_id
            # The others are notified (stored in their notification center); the starter is not.
            told = await ws.seen("notification", since=0, timeout=5, kind="recording_started")
            assert told["recording_id"] == recording_id and told["from_user_id"] == group.owner.id
        await owner.unseen("notification", since=0, within=0.2, kind="recording_started")
        await accepting.ok("recording_consent", recording_id=recording_id, accept=True)
        await declining.ok("recording_consent", recording_id=recording_id, accept=False)
        # The host taps exactly the consenting people's streams: the starter's and the accepting one's.
        call_id = uuid.UUID(call.clients[0].joined["call_id"])
        service = server.app.state.services.recording
        consenting = {call.clients[0].participant_id, call.clients[1].participant_id}

        async def tapped() -> bool:
            capture = service._captures.get(call_id)  # noqa: SLF001 (what the host records, per stream)
            if capture is None:
                return False
            room = capture.room
            owners = {str(peer.participant_id) for peer in room.peers.values()
                      for producer in peer.producers.values() if producer.id in capture.recorder.streams}
            return owners == consenting and len(capture.recorder.streams) == 4

        await until(tapped, timeout=20, what="the consenting people's four streams in the recording")
        began = time.monotonic()
        await asyncio.sleep(6)
        stopped = await owner.ok("recording_stop")
        recorded_s = time.monotonic() - began
        assert stopped["state"] in ("finalizing", "ready")
        ready = await owner.next_push("notification", timeout=20, kind="recording_ready")
        assert ready["recording_id"] == recording_id
        await owner.seen("recording_state", since=0, timeout=5, reason="stopped")
        meta = group.owner.api.get(f"/api/recordings/{recording_id}").json()
        assert meta["state"] == "ready" and meta["size_bytes"] > 10_000
        consents = {p["user_id"]: p["consent"] for p in meta["participants"]}
        assert consents == {group.owner.id: "accepted", group.members[0].id: "accepted",
                            group.members[1].id: "declined"}
        codecs, duration = ffprobe_streams(await download(group.members[0].api, recording_id, tmp_path / "r.mp4"))
        assert codecs == {"h264", "aac"}
        assert recorded_s - 1 <= duration <= recorded_s + 6  # from the first tapped frame to the stop
    finally:
        await call.close()


async def test_a_recorded_pair_moves_to_the_sfu_and_back_when_the_recording_stops(server: RunningServer) -> None:
    group = make_group_with_members(Api(server.url), n=1)
    call = Call(group, server.url)
    try:
        await call.join()
        owner = call.sockets[0]
        assert call.clients[1].joined["mode"] == "p2p"
        marks = [len(ws.history) for ws in call.sockets]
        await owner.ok("recording_start")
        for ws, mark in zip(call.sockets, marks):
            await ws.seen("call_mode", since=mark, timeout=5, mode="sfu")
        marks = [len(ws.history) for ws in call.sockets]
        await owner.ok("recording_stop")
        for ws, mark in zip(call.sockets, marks):
            await ws.seen("call_mode", since=mark, timeout=5, mode="p2p")
    finally:
        await call.close()


async def test_someone_joining_a_recorded_call_is_asked_and_a_rejoin_keeps_the_answer(server: RunningServer) -> None:
    group = make_group_with_members(Api(server.url), n=1)
    call = Call(group, server.url)
    try:
        await call.join(0, 1)
        owner = call.sockets[0]
        recording_id = (await owner.ok("recording_start"))["id"]
        # Connecting, the member sees the indicator at once (the welcome carries it).
        await call.join(1)  # the member joins now
        assert [(r["channel_id"], r["recording"]["recording_id"]) for r in call.sockets[-1].welcome["recordings"]] == [
            (voice_channel(group), recording_id)]
        member = call.sockets[-1]
        joined = call.clients[-1].joined
        assert joined["recording"]["recording_id"] == recording_id
        await member.next_push("recording_consent_request", timeout=5)
        await member.ok("recording_consent", recording_id=recording_id, accept=True)
        await member.ok("leave_call")
        again = await member.ok("join_call", channel_id=voice_channel(group))
        assert again["recording"]["recording_id"] == recording_id
        await member.no_push("recording_consent_request", within=1)
        await owner.ok("recording_stop")
    finally:
        await call.close()


@pytest.fixture
def node_process(base_settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {"DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": base_settings.database_schema,
           "JWT_SECRET": base_settings.jwt_secret, "AUTH_RATE_LIMIT": "100000", "LOG_LEVEL": "warning",
           "TURN_MODE": "off", "MEDIA_WORKERS": "1", "PEERSHARE_DATA": str(tmp_path / "data")}


async def test_a_node_killed_mid_recording_files_what_it_recorded_when_it_starts_again(
        node_process: dict[str, str], tmp_path: Path) -> None:
    node = NodeProcess(node_process).start()
    try:
        group = make_group_with_members(Api(node.url), n=2)
        call = Call(group, node.url)
        await call.join()
        owner = call.sockets[0]
        recording_id = (await owner.ok("recording_start"))["id"]
        for ws in call.sockets[1:]:
            await ws.ok("recording_consent", recording_id=recording_id, accept=True)
        await asyncio.sleep(8)
        node.kill()
        await call.close()
    finally:
        node.kill()
    again = NodeProcess(node_process).start()
    try:
        api = Api(again.url, group.owner.tokens["access_token"])

        async def filed() -> bool:
            return bool(api.get(f"/api/recordings/{recording_id}").json()["state"] == "ready")

        await until(filed, timeout=30, what="the dead node's recording to be filed")
        meta = api.get(f"/api/recordings/{recording_id}").json()
        assert meta["note"] == "node_restarted"
        codecs, duration = ffprobe_streams(await download(api, recording_id, tmp_path / "kept.mp4"))
        assert codecs == {"h264", "aac"} and duration >= 3
    finally:
        again.stop()


async def test_a_recording_that_never_captured_anything_fails_when_stopped_or_when_the_call_ends(
        server: RunningServer) -> None:
    """Nobody set up media (no SFU room): nothing to file, and the archive says so."""
    group = make_group_with_members(Api(server.url), n=0)
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    try:
        await owner.ok("join_call", channel_id=voice_channel(group))
        stopped_id = (await owner.ok("recording_start"))["id"]
        await owner.ok("recording_stop")
        ended_id = (await owner.ok("recording_start"))["id"]
        await owner.ok("leave_call")
        for recording_id in (stopped_id, ended_id):
            meta = group.owner.api.get(f"/api/recordings/{recording_id}").json()
            assert (meta["state"], meta["note"]) == ("failed", "nothing_recorded"), meta
    finally:
        await owner.close()


async def test_a_recording_whose_host_dies_ends_there_and_is_filed_when_that_node_starts_again(
        base_settings: Settings, tmp_path: Path) -> None:
    """Two nodes over Redis. The node hosting the call's room (and capturing the recording) is
    killed; the node that takes the call over ends the recording (host_lost) — its media went with
    the host — and a moderator may start another; the dead node files what it had on restart."""
    env = {"DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": base_settings.database_schema, "REDIS_URL": TEST_REDIS_URL,
           "JWT_SECRET": base_settings.jwt_secret, "AUTH_RATE_LIMIT": "100000", "LOG_LEVEL": "warning",
           "TURN_MODE": "off", "SFU_HOST_LEASE": "1.5", "MEDIA_WORKERS": "1"}
    data = [str(tmp_path / "a"), str(tmp_path / "b")]
    nodes = [NodeProcess({**env, "PEERSHARE_DATA": d}).start() for d in data]
    group = make_group_with_members(Api(nodes[0].url), n=2)
    people = (group.owner, group.members[0], group.members[1])
    sockets = [await WsClient.connect(node.url, person.tokens["access_token"])
               for node, person in zip((nodes[0], nodes[1], nodes[1]), people)]
    clients = [CallClient(ws) for ws in sockets]
    restarted = None
    try:
        for client in clients:
            await client.join(voice_channel(group))
        recording_id = (await sockets[0].ok("recording_start"))["id"]
        for ws in sockets[1:]:
            await ws.ok("recording_consent", recording_id=recording_id, accept=True)
        await asyncio.sleep(6)
        host = await call_host(base_settings, uuid.UUID(clients[0].joined["call_id"]))
        dead = [httpx.get(f"{n.url}/api/health").json()["node"] for n in nodes].index(host)
        survivor = sockets[1] if dead == 0 else sockets[0]
        since = len(survivor.history)
        nodes[dead].kill()
        ended = await survivor.seen("recording_state", since=since, timeout=20, reason="host_lost")
        assert ended["recording"] is None
        alive = nodes[1 - dead]
        api = Api(alive.url, group.owner.tokens["access_token"])
        assert api.get(f"/api/recordings/{recording_id}").json()["state"] == "finalizing"
        restarted = NodeProcess({**env, "PEERSHARE_DATA": data[dead]}).start()

        async def filed() -> bool:
            return bool(api.get(f"/api/recordings/{recording_id}").json()["state"] == "ready")

        await until(filed, timeout=30, what="the dead host's part to be filed")
        # Each node here has its own data folder, so its own recordings folder (README: every node
        # must name the same storage): the file is where the restarted node put it.
        elsewhere = api.post(f"/api/recordings/{recording_id}/link").json()["url"]
        assert httpx.get(elsewhere, timeout=10).json()["error"]["code"] == "recording_file_missing"
        on_host = Api(restarted.url, group.owner.tokens["access_token"])
        codecs, duration = ffprobe_streams(await download(on_host, recording_id, tmp_path / "part.mp4"))
        assert codecs == {"h264", "aac"} and duration >= 3
    finally:
        for client in clients:
            await client.close()
        for ws in sockets:
            await ws.close()
        for node in [*nodes, *([restarted] if restarted else [])]:
            node.stop()


async def call_host(settings: Settings, call_id: uuid.UUID) -> str:
    conn = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"search_path": settings.database_schema})
    try:
        return str(await conn.fetchval("SELECT media_node FROM calls WHERE id = $1", call_id))
    finally:
        await conn.close()


async def test_a_recording_whose_node_never_came_back_is_given_up_by_the_sweep(server: RunningServer) -> None:
    """Left 'finalizing' (its host died and stayed dead) or 'recording' after its call ended, long
    enough: the sweep marks it failed (host_lost), so it can be deleted and shows no indicator;
    a recording of a live call is left alone."""
    group = make_group_with_members(Api(server.url), n=0)
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    try:
        await owner.ok("join_call", channel_id=voice_channel(group))
        live = (await owner.ok("recording_start"))["id"]
        async with server_db(server) as conn:
            stale = await conn.fetch(
                "INSERT INTO recordings (group_id, title, state, node, quality, started_at, stopped_at)"
                " SELECT $1, t, s, 'gone', '{}', now() - interval '3 hours', CASE WHEN s = 'finalizing'"
                " THEN now() - interval '2 hours' END FROM (VALUES ('a', 'finalizing'), ('b', 'recording')) v(t, s)"
                " RETURNING id", uuid.UUID(group.id))
        # The sweep on an archive of its own (the node's belongs to the node's event loop).
        await asyncio.to_thread(with_archive, server.settings, lambda archive: Retention(archive, 3600).sweep())
        async with server_db(server) as conn:
            states = {r["id"]: (r["state"], r["note"]) for r in await conn.fetch(
                "SELECT id, state, note FROM recordings WHERE group_id = $1", uuid.UUID(group.id))}
        assert [states[r["id"]] for r in stale] == [("failed", "host_lost")] * 2
        assert states[uuid.UUID(live)][0] == "recording"
    finally:
        await owner.close()

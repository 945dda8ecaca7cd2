"""SFU calls whose participants are connected to two nodes (one Redis): one node hosts the room,
the other sends its participants' requests there, and everyone receives everyone; when the host
dies, a node with participants takes the call over and they set their media up again."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Iterator

import asyncpg
import httpx
import pytest

from control.settings import Settings
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.integration.test_calls import voice_channel
from tests.integration.test_sfu_calls import everyone_sees_everyone
from tests.support.api import Api, make_group_with_members
from tests.support.call_client import CallClient
from tests.support.nodes import NodeProcess
from tests.support.ws import WsClient


async def test_participants_on_two_nodes_share_one_room(server_factory) -> None:  # type: ignore[no-untyped-def]
    first, second = server_factory(redis_url=TEST_REDIS_URL), server_factory(redis_url=TEST_REDIS_URL)
    group = make_group_with_members(Api(first.url), n=2)
    # The owner and the moderator on the first node, a member on the second.
    sockets = [await WsClient.connect(node.url, person.tokens["access_token"])
               for node, person in zip((first, first, second), (group.owner, *group.members))]
    clients = [CallClient(ws) for ws in sockets]
    try:
        for client in clients:
            await client.join(voice_channel(group))
        await everyone_sees_everyone(clients)
        call_id = uuid.UUID(clients[0].joined["call_id"])
        [host] = [n for n in (first, second) if n.app.state.services.sfu.room_of_call(call_id)]
        room = host.app.state.services.sfu.room_of_call(call_id)
        assert len(room.peers) == 3
        # Hooks reach the host too: someone leaving from the other node leaves the room.
        leaver = clients[2] if host is first else clients[0]
        await leaver.ws.ok("leave_call")
        deadline = time.monotonic() + 5
        while len(room.peers) == 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert leaver.participant_id not in {str(p) for p in room.peers}
    finally:
        for client in clients:
            await client.close()
        for ws in sockets:
            await ws.close()


@pytest.fixture
def two_node_processes(base_settings: Settings) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    env = {"DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": base_settings.database_schema, "REDIS_URL": TEST_REDIS_URL,
           "JWT_SECRET": base_settings.jwt_secret, "AUTH_RATE_LIMIT": "100000", "LOG_LEVEL": "warning",
           "TURN_MODE": "off", "SFU_HOST_LEASE": "1.5", "MEDIA_WORKERS": "1"}
    nodes = (NodeProcess(env).start(), NodeProcess(env).start())
    yield nodes
    for node in nodes:
        node.stop()


async def test_when_the_host_dies_a_node_with_participants_takes_the_call_over(  # type: ignore[no-untyped-def]
        two_node_processes, base_settings: Settings) -> None:
    nodes = two_node_processes
    group = make_group_with_members(Api(nodes[0].url), n=2)
    people = (group.owner, group.members[0], group.members[1], group.moderator)
    sockets = [await WsClient.connect(node.url, person.tokens["access_token"])
               for node, person in zip((nodes[0], nodes[0], nodes[1], nodes[1]), people)]
    clients = [CallClient(ws) for ws in sockets]
    try:
        for client in clients:
            await client.join(voice_channel(group))
        await everyone_sees_everyone(clients)
        node_ids = [httpx.get(f"{n.url}/api/health").json()["node"] for n in nodes]
        conn = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"search_path": base_settings.database_schema})
        try:
            host_id = await conn.fetchval("SELECT media_node FROM calls WHERE id = $1",
                                          uuid.UUID(clients[0].joined["call_id"]))
        finally:
            await conn.close()
        dead = node_ids.index(host_id)
        survivors = clients[2:] if dead == 0 else clients[:2]
        resets = [c.ws.subscribe("sfu_reset") for c in survivors]
        nodes[dead].kill()
        killed = time.monotonic()
        for queue in resets:
            await asyncio.wait_for(queue.get(), 15)
        await everyone_sees_everyone(survivors, since=killed + 0.5)
        print(f"media back {time.monotonic() - killed:.1f} s after the host was killed")
    finally:
        for client in clients:
            await client.close()
        for ws in sockets:
            await ws.close()


"""TURN through Debian's coturn, run by the node itself: a relay-only call connects through it,
and credentials past their expiry are refused."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from aioice import turn as aioice_turn

from tests.support.api import Api, make_group_with_members
from tests.support.server import RunningServer
from tests.support.turn_client import managed_turn
from tests.support.webrtc import P2PPeer
from tests.support.ws import WsClient


@pytest.fixture
def turn_node(server_factory) -> RunningServer:  # type: ignore[no-untyped-def]
    return server_factory(**managed_turn(turn_allow_loopback=True))


async def test_join_hands_out_stun_and_time_limited_turn_credentials(turn_node: RunningServer) -> None:
    group = make_group_with_members(Api(turn_node.url), n=0)
    client = await WsClient.connect(turn_node.url, group.owner.tokens["access_token"])
    try:
        voice = next(c["id"] for c in group.body["channels"] if c["kind"] == "voice")
        joined = await client.ok("join_call", channel_id=voice)
        stun, turn = joined["ice_servers"]
        port = turn_node.settings.turn_port
        assert stun["urls"] == [f"stun:127.0.0.1:{port}"]
        assert f"turn:127.0.0.1:{port}?transport=udp" in turn["urls"]
        expiry, _, subject = turn["username"].partition(":")
        assert subject == f"{group.owner.id}.{joined['call_id']}"
        assert 1700 < int(expiry) - time.time() <= 1800
    finally:
        await client.close()


async def test_a_relay_only_call_connects_through_coturn(turn_node: RunningServer) -> None:
    group = make_group_with_members(Api(turn_node.url), n=1)
    voice = next(c["id"] for c in group.body["channels"] if c["kind"] == "voice")
    clients = [await WsClient.connect(turn_node.url, u.tokens["access_token"]) for u in (group.owner, group.members[0])]
    peers = [P2PPeer(c, relay_only=True) for c in clients]
    try:
        for peer in peers:
            await peer.join(voice)
        for peer in peers:
            await asyncio.wait_for(peer.connected.wait(), 30)
        for _ in range(200):
            if "video" in peers[1].received:
                break
            await asyncio.sleep(0.05)
        await peers[1].received["video"].wait_count(10)
        assert await peers[0].selected_path() == "relay"
    finally:
        for peer in peers:
            await peer.close()
        for client in clients:
            await client.close()


class _Sink(asyncio.DatagramProtocol):
    pass


async def test_turn_refuses_an_expired_credential_and_accepts_a_fresh_one(turn_node: RunningServer) -> None:
    from control.turn import turn_credentials

    server = ("127.0.0.1", turn_node.settings.turn_port)
    secret = turn_node.settings.turn_secret
    fresh = turn_credentials(secret, uuid.uuid4(), "check", ttl_s=600)
    transport, _ = await aioice_turn.create_turn_endpoint(_Sink, server, fresh.username, fresh.password)
    transport.close()
    expired = turn_credentials(secret, uuid.uuid4(), "check", ttl_s=600, now=time.time() - 3600)
    with pytest.raises(Exception) as refused:
        await asyncio.wait_for(
            aioice_turn.create_turn_endpoint(_Sink, server, expired.username, expired.password), 10)
    assert "401" in str(refused.value) or "Unauthorized" in str(refused.value)

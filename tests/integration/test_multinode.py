"""Two PeerShare processes sharing PostgreSQL and Redis behave as one, and survive one dying."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from control.settings import Settings
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.api import Api, make_group_with_members
from tests.support.nodes import NodeProcess
from tests.support.ws import WsClient

LEASE_S = 2.0


@pytest.fixture
def two_nodes(base_settings: Settings) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    env = {
        "DATABASE_URL": TEST_DATABASE_URL,
        "DATABASE_SCHEMA": base_settings.database_schema,
        "REDIS_URL": TEST_REDIS_URL,
        "JWT_SECRET": base_settings.jwt_secret,
        "PRESENCE_LEASE": str(LEASE_S),
        "AUTH_RATE_LIMIT": "100000",
        "LOG_LEVEL": "warning",
        # Both nodes run on one machine: they cannot both run a TURN server on its port.
        "TURN_MODE": "off",
    }
    nodes = (NodeProcess(env).start(), NodeProcess(env).start())
    yield nodes
    for node in nodes:
        node.stop()


def send(client: WsClient, channel_id: str, body: str):  # type: ignore[no-untyped-def]
    return client.ok("send_message", channel_id=channel_id, client_id=uuid.uuid4().hex, body=body)


async def test_a_message_sent_on_one_node_reaches_a_member_on_the_other(two_nodes) -> None:  # type: ignore[no-untyped-def]
    a, b = two_nodes
    group = make_group_with_members(Api(a.url), n=1)
    on_a = await WsClient.connect(a.url, group.owner.tokens["access_token"])
    on_b = await WsClient.connect(b.url, group.members[0].tokens["access_token"])
    try:
        sent = (await send(on_a, group.text_channel_id, "across nodes"))["message"]
        push = await on_b.next_push("message_created", message__id=sent["id"])
        assert push["message"]["body"] == "across nodes"
        # Presence is one view too: B's client sees A's user online, and A's sees B's.
        assert group.owner.id in {p["user_id"] for p in on_b.welcome["presence"]}
        await on_a.next_push("presence", presence__user_id=group.members[0].id, presence__status="online")
        # REST changes made through node B reach sessions on node A.
        Api(b.url).as_token(group.owner.tokens["access_token"]).patch(f"/api/groups/{group.id}", {"name": "renamed"})
        update = await on_a.next_push("group_updated")
        assert update["group"]["name"] == "renamed"
    finally:
        await on_a.close()
        await on_b.close()


async def test_killing_a_node_loses_no_message_and_leaves_no_ghost(two_nodes) -> None:  # type: ignore[no-untyped-def]
    a, b = two_nodes
    group = make_group_with_members(Api(a.url), n=2)
    writer_user, reader_user, idle_user = group.owner, group.members[0], group.members[1]
    channel = group.text_channel_id
    writer = await WsClient.connect(b.url, writer_user.tokens["access_token"])
    reader = await WsClient.connect(a.url, reader_user.tokens["access_token"])
    idle = await WsClient.connect(a.url, idle_user.tokens["access_token"])
    try:
        seen: dict[str, str] = {}
        first = (await send(writer, channel, "before the crash"))["message"]
        seen[first["id"]] = (await reader.next_push("message_created", message__id=first["id"]))["message"]["body"]
        last_version = first["version"]

        a.kill()
        sent_during_outage = [(await send(writer, channel, f"while down {i}"))["message"] for i in range(5)]

        # The reader's client reconnects to the surviving node and catches up from its cursor.
        reader = await WsClient.connect(b.url, reader_user.tokens["access_token"])
        page = Api(b.url).as_token(reader_user.tokens["access_token"]).get(
            f"/api/channels/{channel}/messages", params={"after": last_version}).json()
        for message in page["messages"]:
            seen[message["id"]] = message["body"]
        after = (await send(writer, channel, "after reconnecting"))["message"]
        seen[after["id"]] = (await reader.next_push("message_created", message__id=after["id"]))["message"]["body"]
        expected = [first, *sent_during_outage, after]
        assert seen == {m["id"]: m["body"] for m in expected}

        # The idle user's session died with node A: its lease runs out and B marks it offline.
        offline = await writer.next_push("presence", presence__user_id=idle_user.id, presence__status="offline",
                                         timeout=LEASE_S * 5)
        assert offline["presence"]["voice_channel_id"] is None
        # The reader reconnected, so reaping its old session does not take it offline.
        await writer.no_push("presence", presence__user_id=reader_user.id, presence__status="offline",
                             within=LEASE_S * 2)
        late = await WsClient.connect(b.url, group.moderator.tokens["access_token"])
        online = {p["user_id"] for p in late.welcome["presence"]}
        await late.close()
        assert reader_user.id in online and idle_user.id not in online
    finally:
        for client in (writer, reader, idle):
            client.conn.transport.abort()

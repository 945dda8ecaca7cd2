"""The operators' metrics page: Prometheus text that moves with what the node does."""

from __future__ import annotations

import re

import httpx

from tests.integration.test_calls import voice_channel
from tests.support.api import Api, make_group_with_members
from tests.support.server import RunningServer
from tests.support.ws import WsClient


def sample(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert match is not None, f"{name}{labels} missing"
    return float(match.group(1))


async def test_metrics_follow_sessions_messages_and_calls(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=1)
    before = httpx.get(f"{server.url}/metrics").text
    assert "# TYPE peershare_messages_sent_total counter" in before
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    try:
        await owner.ok("send_message", channel_id=group.text_channel_id, client_id="m1", body="hello")
        await owner.ok("join_call", channel_id=voice_channel(group))
        await member.ok("join_call", channel_id=voice_channel(group))
        after = httpx.get(f"{server.url}/metrics").text
        assert sample(after, "peershare_messages_sent_total") == sample(before, "peershare_messages_sent_total") + 1
        assert sample(after, "peershare_websocket_sessions") >= sample(before, "peershare_websocket_sessions") + 2
        assert sample(after, "peershare_call_participants_live", '{mode="p2p"}') >= 2
        assert sample(after, "process_cpu_seconds_total") > 0
    finally:
        await owner.close()
        await member.close()


def test_metrics_ask_for_the_token_when_one_is_set(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(metrics_token="scrape-me")
    assert httpx.get(f"{node.url}/metrics").status_code == 401
    assert httpx.get(f"{node.url}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.get(f"{node.url}/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert ok.status_code == 200 and "peershare_sfu_rooms 0" in ok.text

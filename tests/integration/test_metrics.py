"""The operators' metrics page: Prometheus text that moves with what the node does."""

from __future__ import annotations

import re

import httpx
import pytest

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
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = httpx.get(f"{node.url}/metrics", headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "metrics_token_required"
    for relayed in ({}, {"X-Forwarded-For": "203.0.113.1"}):  # with the token, from anywhere
        ok = httpx.get(f"{node.url}/metrics", headers={"Authorization": "Bearer scrape-me", **relayed})
        assert ok.status_code == 200 and "peershare_sfu_rooms 0" in ok.text


@pytest.mark.parametrize("forwarded_allow_ips", [(), ("127.0.0.1",)])
def test_without_a_token_metrics_refuse_requests_a_proxy_relays(server_factory,  # type: ignore[no-untyped-def]
                                                                forwarded_allow_ips: tuple[str, ...]) -> None:
    """A reverse proxy on this machine relays the Internet: its requests are not local ones."""
    node = server_factory(forwarded_allow_ips=forwarded_allow_ips)
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        refused = httpx.get(f"{node.url}/metrics", headers={header: "203.0.113.1"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "metrics_not_local"
    assert httpx.get(f"{node.url}/metrics").status_code == 200


async def test_media_workers_are_labelled_by_slot_never_by_pid(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(media_workers=2)
    group = make_group_with_members(Api(node.url), n=2)
    sockets = [await WsClient.connect(node.url, u.tokens["access_token"]) for u in (group.owner, *group.members)]
    try:
        for ws in sockets:
            await ws.ok("join_call", channel_id=voice_channel(group))
        await sockets[0].ok("sfu_capabilities")  # the SFU room opens, and the workers with it
        text = httpx.get(f"{node.url}/metrics").text
    finally:
        for ws in sockets:
            await ws.close()
    assert sample(text, "peershare_media_workers") == 2
    labels = set(re.findall(r"^peershare_media_worker_\w+\{(.*)\}", text, re.MULTILINE))
    assert labels == {'worker="0"', 'worker="1"'}
    for slot in ("0", "1"):
        assert sample(text, "peershare_media_worker_max_resident_memory_bytes", f'{{worker="{slot}"}}') > 0
    assert sum(sample(text, "peershare_media_worker_routers", f'{{worker="{s}"}}') for s in ("0", "1")) == 1

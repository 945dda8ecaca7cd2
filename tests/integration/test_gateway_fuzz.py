"""Throws 10,000+ random and mutated frames at a live node: every frame gets exactly one reply,
a valid client keeps being served, nothing refused is written, and memory stays bounded."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, Iterator

import msgpack
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from control.settings import Settings
from tests.conftest import TEST_DATABASE_URL
from tests.support.api import Api, GroupWithMembers, make_group_with_members
from tests.support.nodes import NodeProcess
from tests.support.ws import WsClient, frames_of

WARMUP_FRAMES = 1_000
FUZZ_FRAMES = 9_500  # with the warm-up: 10,500 frames

TYPES = ["hello", "ping", "send_message", "edit_message", "delete_message", "typing", "set_presence", "start_call",
         "join_call", "leave_call", "p2p_signal", "call_kick", "call_mute", "report_media_path", "set_media_state",
         "report_join_failure", "fly", "", "PING"]
FIELDS = ["id", "channel_id", "client_id", "body", "message_id", "status", "status_text", "to", "description",
          "candidate", "user_id", "path", "rtt_ms", "audio", "video", "screen", "token", "voice_channel_id",
          "resume_token", "call_id", "reason", "detail"]

scalars = (st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False)
           | st.text(max_size=60) | st.just("x" * 4001) | st.uuids().map(str))
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                           max_leaves=8)


@st.composite
def mutated_frame(draw: Any, channel_ids: list[str]) -> Any:
    frame: dict[str, Any] = {"type": draw(st.sampled_from(TYPES))}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        frame[name] = draw(json_values | st.sampled_from(channel_ids))
    if draw(st.booleans()):
        frame["id"] = f"f{draw(st.integers(0, 10**9))}"
    return frame


def frames(channel_ids: list[str]) -> st.SearchStrategy[Any]:
    """What goes on the wire: mutated frames as JSON, raw JSON values, and plain garbage."""
    return st.one_of(
        mutated_frame(channel_ids).map(lambda f: json.dumps(f)),
        mutated_frame(channel_ids).map(lambda f: msgpack.packb(f)),
        json_values.map(json.dumps),
        st.text(max_size=200),
        st.binary(max_size=200),
    )


@pytest.fixture(scope="module")
def node(base_settings: Settings) -> Iterator[NodeProcess]:
    running = NodeProcess({
        "DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": base_settings.database_schema,
        "JWT_SECRET": base_settings.jwt_secret, "TURN_MODE": "off", "LOG_LEVEL": "error",
        "AUTH_RATE_LIMIT": "100000", "WS_FRAME_RATE": "100000", "MESSAGE_RATE": "100000", "JOIN_RATE": "100000",
    }).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def group(node: NodeProcess) -> GroupWithMembers:
    return make_group_with_members(Api(node.url), n=1)


@pytest.fixture(scope="module")
def conn(node: NodeProcess, group: GroupWithMembers) -> Iterator[ClientConnection]:
    """One signed-in connection that every fuzz frame goes down."""
    with connect(node.url.replace("http://", "ws://") + "/ws", max_size=None) as connection:
        connection.send(json.dumps({"type": "hello", "token": group.members[0].tokens["access_token"]}))
        assert json.loads(connection.recv(timeout=10))["type"] == "welcome"
        yield connection


def reply_to(conn: ClientConnection, data: str | bytes) -> dict[str, Any]:
    """Sends one frame and returns its reply, skipping pushes (presence, typing, messages)."""
    conn.send(data)
    while True:
        for frame in frames_of(conn.recv(timeout=10)):
            if frame["type"] in ("ok", "error"):
                return frame


def rss_mb(node: NodeProcess) -> float:
    assert node.proc is not None
    return float(psutil.Process(node.proc.pid).memory_info().rss / 2**20)


_ACCEPTED_SENDS: set[str] = set()
_RSS: dict[str, float] = {}  # also counts the frames sent


def _check(conn: ClientConnection, data: str | bytes) -> None:
    _RSS["frames"] = _RSS.get("frames", 0) + 1
    reply = reply_to(conn, data)
    assert reply["type"] == "ok" or (isinstance(reply["code"], str) and reply["code"] != "internal_error"), reply
    message = (reply.get("data") or {}).get("message") if reply["type"] == "ok" else None
    if message:
        _ACCEPTED_SENDS.add(message["id"])


@settings(max_examples=WARMUP_FRAMES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          database=None)
@given(data=st.data())
def test_warm_up_frames_each_get_one_reply(conn: ClientConnection, group: GroupWithMembers, data: st.DataObject) -> None:
    _check(conn, data.draw(frames([group.text_channel_id, str(uuid.uuid4())])))


def test_memory_after_warm_up_is_noted(node: NodeProcess) -> None:
    _RSS["warm"] = rss_mb(node)
    assert _RSS["warm"] > 0


@settings(max_examples=FUZZ_FRAMES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          database=None)
@given(data=st.data())
def test_random_frames_each_get_exactly_one_reply(conn: ClientConnection, group: GroupWithMembers,
                                                  data: st.DataObject) -> None:
    _check(conn, data.draw(frames([group.text_channel_id, str(uuid.uuid4())])))


async def _valid_client_is_served(node: NodeProcess, group: GroupWithMembers) -> None:
    client = await WsClient.connect(node.url, group.owner.tokens["access_token"])
    try:
        assert (await client.request("ping"))["type"] == "ok"
        sent = await client.ok("send_message", channel_id=group.text_channel_id, client_id=uuid.uuid4().hex,
                               body="still here")
        assert sent["message"]["body"] == "still here"
    finally:
        await client.close()


def test_after_the_fuzz_the_node_serves_valid_clients_with_bounded_memory(node: NodeProcess,
                                                                          group: GroupWithMembers) -> None:
    assert node.proc is not None and node.proc.poll() is None
    assert _RSS["frames"] >= 10_000
    asyncio.run(_valid_client_is_served(node, group))
    growth = rss_mb(node) - _RSS["warm"]
    assert growth < 40, f"RSS grew {growth:.1f} MB over {FUZZ_FRAMES} frames"
    messages = Api(node.url).as_token(group.owner.tokens["access_token"]).get(
        f"/api/channels/{group.text_channel_id}/messages", params={"limit": 200}).json()["messages"]
    # Only sends the server accepted are stored (plus the valid client's own).
    assert {m["id"] for m in messages if m["body"] != "still here"} <= _ACCEPTED_SENDS

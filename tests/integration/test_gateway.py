"""The WebSocket gateway: hello, welcome, request/reply, encodings, origin, bad frames."""

from __future__ import annotations

import asyncio
import json
import uuid

import msgpack
import pytest
import websockets

from tests.support.api import Api, make_group_with_members, register_user
from tests.support.server import RunningServer
from tests.support.ws import WsClient


def ws_url(server: RunningServer) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


async def test_welcome_lists_my_groups_channels_and_who_is_online(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=1)
    owner = await WsClient.connect(server.url, group.owner.tokens["access_token"])
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    try:
        [state] = [g for g in member.welcome["groups"] if g["group"]["id"] == group.id]
        assert state["group"]["my_role"] == "member"
        assert {c["kind"] for c in state["channels"]} == {"text", "voice"}
        online = {p["user_id"]: p["status"] for p in member.welcome["presence"]}
        assert online[group.owner.id] == "online" and online[group.members[0].id] == "online"
        assert group.moderator.id not in online
        assert member.welcome["user"]["id"] == group.members[0].id
    finally:
        await owner.close()
        await member.close()


async def test_every_request_gets_exactly_one_reply_with_its_id(api: Api, server: RunningServer) -> None:
    user = register_user(api)
    client = await WsClient.connect(server.url, user.tokens["access_token"])
    try:
        replies = await asyncio.gather(*(client.request("ping") for _ in range(20)))
        assert all(r["type"] == "ok" for r in replies)
        assert len({r["id"] for r in replies}) == 20
        assert client.pushes.empty()
    finally:
        await client.close()


async def test_no_hello_within_the_timeout_closes_with_4001(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(hello_timeout_s=0.3)
    async with websockets.connect(ws_url(node)) as conn:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(conn.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001


@pytest.mark.parametrize(
    ("hello", "code", "close_code"),
    [
        ({"type": "hello", "token": "not-a-jwt"}, "invalid_token", 4003),
        ({"type": "ping", "id": "1"}, "hello_expected", 4002),
        ({"type": "hello"}, "invalid_frame", 4002),
    ],
)
async def test_bad_hello_gets_an_error_frame_and_a_close_code(
    server: RunningServer, hello: dict[str, str], code: str, close_code: int
) -> None:
    async with websockets.connect(ws_url(server)) as conn:
        await conn.send(json.dumps(hello))
        error = json.loads(await asyncio.wait_for(conn.recv(), 5))
        assert error["type"] == "error" and error["code"] == code
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(conn.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == close_code


async def test_guest_can_connect_and_sees_only_its_group(api: Api, server: RunningServer) -> None:
    from tests.support.api import join_as_guest

    group = make_group_with_members(api, n=0)
    tokens = join_as_guest(api, group.owner, group.id)
    guest = await WsClient.connect(server.url, tokens["access_token"])
    try:
        assert [g["group"]["id"] for g in guest.welcome["groups"]] == [group.id]
        assert guest.welcome["groups"][0]["group"]["my_role"] == "guest"
    finally:
        await guest.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        (json.dumps({"type": "fly_to_moon", "id": "x"}), "unknown_type"),
        (json.dumps({"type": "send_message", "id": "x", "channel_id": 5, "client_id": "c", "body": "hi"}), "invalid_frame"),
        (json.dumps({"type": "send_message", "id": "x"}), "invalid_frame"),
        (json.dumps([1, 2, 3]), "invalid_frame"),
        (json.dumps({"type": "hello", "id": "x", "token": "t"}), "invalid_frame"),
        ("[" * 30_000, "too_deep"),
        ("[" * 40 + "]" * 40, "too_deep"),
        (json.dumps({"type": "send_message", "id": "x", "channel_id": str(uuid.uuid4()), "client_id": "c",
                     "body": "a\u0000b"}), "invalid_frame"),
        (json.dumps({"type": "ping", "id": "x", "\u0000": 1}), "invalid_frame"),
        ('{"type": "ping", "id": "\\ud800"}', "invalid_frame"),
        ('{"type": "ping", "id": NaN}', "invalid_json"),
    ],
)
async def test_bad_frames_get_an_error_with_a_code_and_the_connection_stays_up(
    api: Api, server: RunningServer, raw: str, code: str
) -> None:
    user = register_user(api)
    client = await WsClient.connect(server.url, user.tokens["access_token"])
    try:
        await client.conn.send(raw)
        error = await client.next_push("error")
        assert error["code"] == code
        assert (await client.request("ping"))["type"] == "ok"
    finally:
        await client.close()


async def test_hello_again_after_signing_in_is_refused(api: Api, server: RunningServer) -> None:
    user = register_user(api)
    client = await WsClient.connect(server.url, user.tokens["access_token"])
    try:
        await client.send_raw({"type": "hello", "token": user.tokens["access_token"]})
        assert (await client.next_push("error"))["code"] == "already_authenticated"
    finally:
        await client.close()


async def test_frame_over_64_kib_closes_with_1009(api: Api, server: RunningServer) -> None:
    user = register_user(api)
    client = await WsClient.connect(server.url, user.tokens["access_token"])
    await client.conn.send("x" * (64 * 1024 + 1))
    await asyncio.wait_for(client.conn.wait_closed(), 5)
    assert client.conn.close_code == 1009


async def test_msgpack_subprotocol_carries_binary_frames(api: Api, server: RunningServer) -> None:
    user = register_user(api)
    client = await WsClient.connect(server.url, user.tokens["access_token"], msgpack_frames=True)
    try:
        assert client.conn.subprotocol == "peershare.msgpack"
        assert (await client.request("ping"))["type"] == "ok"
        await client.conn.send(b"\xc1")  # never valid msgpack
        assert (await client.next_push("error"))["code"] == "invalid_msgpack"
        await client.conn.send(b"\x91" * 30_000 + b"\xc0")  # an array in an array ... 30,000 deep
        assert (await client.next_push("error"))["code"] == "too_deep"
        for text in ("a\x00b", b"a\x00b"):  # str and bin both reach text fields
            await client.conn.send(msgpack.packb({"type": "send_message", "id": "x", "channel_id": str(uuid.uuid4()),
                                                  "client_id": "c", "body": text}))
            assert (await client.next_push("error"))["code"] == "invalid_frame"
        assert (await client.request("ping"))["type"] == "ok"
    finally:
        await client.close()


async def test_foreign_origin_is_refused_at_the_upgrade(server: RunningServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(ws_url(server), origin="https://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    async with websockets.connect(ws_url(server), origin=server.url) as conn:  # type: ignore[arg-type]
        await conn.send(json.dumps({"type": "hello", "token": "x"}))
        assert json.loads(await conn.recv())["code"] == "invalid_token"


async def test_frames_past_the_connection_rate_get_rate_limited(api: Api, server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(ws_frame_rate=5.0)
    user = register_user(Api(node.url))
    client = await WsClient.connect(node.url, user.tokens["access_token"])
    try:
        replies = await asyncio.gather(*(client.request("ping") for _ in range(30)))
        codes = [r.get("code") for r in replies if r["type"] == "error"]
        assert codes and set(codes) == {"rate_limited"}
        assert len(codes) >= 15
    finally:
        await client.close()


def test_msgpack_and_json_share_one_protocol() -> None:
    frame = {"type": "ping", "id": "1"}
    assert msgpack.unpackb(msgpack.packb(frame)) == json.loads(json.dumps(frame))

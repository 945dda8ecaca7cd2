"""The access-liveness matrix: every change of rights × every live surface, refused or cut within
a second of the change (or left alone, where the change does not touch that surface), on one
node and across two nodes over Redis.

A scene is a group with its owner, a victim (whose rights change) and a peer, all connected, in a
call of the victim's voice channel with media flowing: through the SFU (three people) or peer to
peer (two). The change is made on node A; the victim is connected to node B (the same node in the
one-node topology). Media is counted per path — frames of the victim's camera (or microphone)
arriving at the peer — never read from flags.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Awaitable, Callable, Iterator

import pytest

from control.rights import RightsChange
from schemas.signaling import ClientFrame
from tests.conftest import TEST_REDIS_URL
from tests.support.api import Api, join_as_guest, join_with_invite, register_user, unique_name
from tests.support.db import server_db
from tests.support.liveness import (
    SIGN_IN_CHANGES,
    Scene,
    frames_to_victim,
    make_change,
    make_scene,
    victim_frames,
)
from tests.support.server import RunningServer
from tests.support.turn_client import TurnError, managed_turn
from tests.support.ws import WsClient

# What "live" means here.
WITHIN_S = 1.0
GUEST_LIMIT_S = 10

# Each change made in the scenes, and the kind of change the server announces for it.
CHANGES: dict[str, RightsChange] = {
    "logout": RightsChange.SIGN_IN_REVOKED,
    "refresh_reuse": RightsChange.SIGN_IN_REVOKED,
    "password_change": RightsChange.SIGN_IN_REVOKED,
    "account_deleted": RightsChange.SIGN_IN_REVOKED,
    "removal": RightsChange.MEMBER_REMOVED,
    "ban": RightsChange.MEMBER_BANNED,
    "role_down": RightsChange.ROLE_CHANGED,
    "override_off": RightsChange.CHANNEL_CHANGED,
    "channel_deleted": RightsChange.CHANNEL_DELETED,
    "group_deleted": RightsChange.GROUP_DELETED,
    "guest_limit": RightsChange.GUEST_LIMIT,
    "mute": RightsChange.MUTED,
}

CUT, KEPT = "cut", "kept"
# The surfaces: REST, the socket's frames and pushes, presence, the P2P relay, SFU requests, the
# media itself (per path: P2P and SFU), and the victim's TURN allocation with its call's credentials.
# "notifications": the victim's stored notifications about the group (a mention in its text channel).
SURFACES = ("rest", "socket", "presence", "p2p_signal", "p2p_media", "sfu_request", "sfu_media", "turn",
            "notifications")
_SIGNED_OUT = dict.fromkeys(SURFACES, CUT)
_OUT_OF_GROUP = dict.fromkeys(SURFACES, CUT)
# The voice channel changes; the mention is in the text channel, which the victim still sees.
_OUT_OF_CHANNEL = {**dict.fromkeys(SURFACES, CUT), "notifications": KEPT}
MATRIX: dict[str, dict[str, str]] = {
    "logout": _SIGNED_OUT,
    "refresh_reuse": _SIGNED_OUT,
    "password_change": _SIGNED_OUT,
    "account_deleted": _SIGNED_OUT,
    "removal": _OUT_OF_GROUP,
    "ban": _OUT_OF_GROUP,
    "group_deleted": _OUT_OF_GROUP,
    "role_down": _OUT_OF_CHANNEL,
    "override_off": _OUT_OF_CHANNEL,
    "channel_deleted": _OUT_OF_CHANNEL,
    # Still a member, with a socket and a presence; out of the call.
    "guest_limit": {**dict.fromkeys(SURFACES, CUT), "rest": KEPT, "socket": KEPT, "presence": KEPT,
                    "notifications": KEPT},
    # Still in the call, but the microphone is held: a muted pair moves to the SFU.
    "mute": {**dict.fromkeys(SURFACES, CUT), "rest": KEPT, "socket": KEPT, "presence": KEPT, "turn": KEPT,
             "notifications": KEPT},
}

# Signaling requests, by which surface of the matrix covers them (see the call checks below), or
# why they need none: every request type must be in one of the two.
REQUESTS_BY_SURFACE = {
    "p2p_signal": {"p2p_signal"},
    "sfu_request": {"sfu_capabilities", "sfu_create_transport", "sfu_connect_transport", "sfu_produce", "sfu_ready",
                    "sfu_resume_consumer", "sfu_producer", "sfu_preferred_layers", "sfu_restart_ice", "sfu_leave"},
    # A revoked sign-in's socket is closed, so every request on it is cut; these act on a group
    # or call and are checked against the database on each request.
    "socket": {"send_message", "edit_message", "delete_message", "typing", "set_presence", "start_call",
               "join_call", "leave_call", "call_kick", "call_mute", "call_unmute", "turn_credentials",
               "report_media_path", "set_media_state", "report_quality", "recording_start", "recording_stop",
               "recording_consent", "report_join_failure"},
}
REQUESTS_WITHOUT_RIGHTS = {
    "hello": "only before the session starts",
    "ping": "touches nothing but the connection",
    "authenticate": "checks the new token's sign-in itself",
}


def test_every_change_of_rights_is_in_the_matrix() -> None:
    assert set(CHANGES.values()) == set(RightsChange)
    assert set(MATRIX) == set(CHANGES)
    assert all(set(row) == set(SURFACES) for row in MATRIX.values())


def test_every_signaling_request_is_a_surface_of_the_matrix() -> None:
    import typing

    request_types = {typing.get_args(m.model_fields["type"].annotation)[0]
                     for m in typing.get_args(typing.get_args(ClientFrame)[0])}
    covered = set().union(*REQUESTS_BY_SURFACE.values())
    assert covered | set(REQUESTS_WITHOUT_RIGHTS) == request_types
    assert not covered & set(REQUESTS_WITHOUT_RIGHTS)


# --- scenes -------------------------------------------------------------------------------------


# --- the surfaces -------------------------------------------------------------------------------


async def check_rest(scene: Scene, expected: str) -> None:
    if scene.change in SIGN_IN_CHANGES:
        response = scene.victim_api.get("/api/me")
        assert (response.status_code, response.json()["error"]["code"]) == (401, "session_revoked")
    elif scene.change in ("removal", "ban", "group_deleted"):
        assert scene.victim_api.get(f"/api/groups/{scene.group_id}").status_code == 404
    elif scene.change in ("role_down", "override_off", "channel_deleted"):
        joined = await scene.victim.request("join_call", channel_id=scene.voice_channel_id)
        assert joined.get("code") == "channel_not_found", joined
    else:
        assert expected == KEPT
        assert scene.victim_api.get(f"/api/groups/{scene.group_id}").status_code == 200


async def check_socket(scene: Scene, expected: str) -> None:
    victim = scene.victim
    if scene.change in SIGN_IN_CHANGES:
        assert await victim.closed_code(WITHIN_S) == 4004
        return
    if scene.change in ("role_down", "override_off", "channel_deleted"):
        await victim.seen("channel_removed", since=scene.mark, timeout=WITHIN_S, channel_id=scene.voice_channel_id)
        return
    if scene.change in ("removal", "ban", "group_deleted"):
        await victim.seen("group_removed", since=scene.mark, timeout=WITHIN_S, group_id=scene.group_id)
    if scene.change == "group_deleted":
        return
    body = f"after the change {time.monotonic()}"
    await scene.ws["owner"].ok("send_message", channel_id=scene.text_channel_id, client_id=unique_name("m"), body=body)
    if expected == CUT:
        await victim.unseen("message_created", since=scene.mark, within=WITHIN_S, message__body=body)
    else:
        await victim.seen("message_created", since=scene.mark, timeout=WITHIN_S, message__body=body)


async def check_presence(scene: Scene, expected: str) -> None:
    victim = scene.victim
    if scene.change in SIGN_IN_CHANGES:
        assert await victim.closed_code(WITHIN_S) == 4004  # no socket, no presence
        return
    text = f"busy {time.monotonic()}"
    await scene.ws["peer"].ok("set_presence", status="dnd", status_text=text)
    if scene.change in ("removal", "ban", "group_deleted"):
        await victim.unseen("presence", since=scene.mark, within=WITHIN_S, presence__user_id=scene.peer.id,
                            presence__status_text=text)
        return
    push = await victim.seen("presence", since=scene.mark, timeout=WITHIN_S, presence__group_id=scene.group_id,
                             presence__user_id=scene.peer.id, presence__status_text=text)
    in_call = push["presence"]["voice_channel_id"] == scene.voice_channel_id
    if scene.change in ("role_down", "override_off", "channel_deleted"):
        # The peer is in a call the victim may no longer see: the victim is not told where.
        assert not in_call
    else:
        assert expected == KEPT


async def check_call_request(scene: Scene, expected: str, request: str) -> None:
    """The victim's requests to the call it was in are refused (or, muted, its mic is held)."""
    victim = scene.victim
    if scene.change in SIGN_IN_CHANGES:
        assert await victim.closed_code(WITHIN_S) == 4004
        return
    deadline = time.monotonic() + WITHIN_S
    while True:
        if scene.change == "mute":
            reply = await _mute_probe(scene, request)
        elif request == "p2p_signal":
            peer_id = scene.calls["peer"].participant_id
            reply = await victim.request("p2p_signal", to=peer_id, description={"type": "offer", "sdp": "v=0\r\n"})
        else:
            reply = await victim.request("sfu_create_transport", direction="send")
        if reply["type"] == "error" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert reply["type"] == "error", reply
    assert time.monotonic() <= deadline + 0.5, "refused only after the deadline"


async def _mute_probe(scene: Scene, request: str) -> dict[str, Any]:
    victim = scene.victim
    if request == "p2p_signal":
        peer_id = scene.calls["peer"].participant_id
        return await victim.request("p2p_signal", to=peer_id, description={"type": "offer", "sdp": "v=0\r\n"})
    sfu = scene.calls["victim"].sfu
    assert sfu is not None and "mic" in sfu.producers
    reply = await victim.request("sfu_producer", producer_id=sfu.producers["mic"].id, action="resume")
    if reply["type"] == "error":
        assert reply["code"] == "muted_by_moderator", reply
    return reply


async def check_media(scene: Scene, expected: str) -> None:
    """The victim's media stops arriving at the peer, and the peer's at the victim (a muted
    victim still receives): what arrived by the deadline is all that ever arrives (counted over
    the next 1.5 s)."""
    source = "mic" if scene.change == "mute" else "camera"
    await asyncio.sleep(WITHIN_S)
    sent, received = victim_frames(scene, source), frames_to_victim(scene)
    await asyncio.sleep(1.5)
    assert victim_frames(scene, source) == sent, f"the victim's {source} still reaches the peer"
    if scene.change == "mute":
        assert frames_to_victim(scene) > received, "a muted victim still hears and sees the others"
    else:
        assert frames_to_victim(scene) == received, "the peer's camera still reaches the victim"


async def check_turn(scene: Scene, expected: str) -> None:
    """The relay the victim holds with its call's credentials is gone (coturn answers a refresh
    with 437 Allocation Mismatch), or still there."""
    assert scene.turn is not None
    deadline = time.monotonic() + WITHIN_S
    while True:
        try:
            await scene.turn.refresh()
        except TurnError as refused:
            assert expected == CUT and refused.code == 437, refused
            return
        if time.monotonic() > deadline:
            assert expected == KEPT, "the victim's TURN relay outlived the change"
            return
        await asyncio.sleep(0.1)


async def check_notifications(scene: Scene, expected: str) -> None:
    """The mention the victim got before the change is no longer listed (rights are re-checked
    when the list is read), or still is."""
    response = scene.victim_api.get("/api/notifications")
    if scene.change in SIGN_IN_CHANGES:
        assert (response.status_code, response.json()["error"]["code"]) == (401, "session_revoked")
        return
    about_group = [n for n in response.json()["notifications"] if n["group_id"] == scene.group_id]
    assert [n["kind"] for n in about_group] == ([] if expected == CUT else ["mention"])


# --- the matrix ---------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Scene, str], Awaitable[None]]] = {
    "rest": check_rest,
    "socket": check_socket,
    "presence": check_presence,
    "p2p_signal": lambda scene, expected: check_call_request(scene, expected, "p2p_signal"),
    "sfu_request": lambda scene, expected: check_call_request(scene, expected, "sfu"),
    "p2p_media": check_media,
    "sfu_media": check_media,
    "turn": check_turn,
    "notifications": check_notifications,
}
# Which call each surface is checked in: two people (P2P) or three (SFU).
PEOPLE = {"p2p_signal": 2, "p2p_media": 2, "sfu_request": 3, "sfu_media": 3}


@pytest.fixture(scope="module")
def nodes(server_factory_module: Callable[..., RunningServer]) -> dict[str, tuple[str, str]]:
    """One node alone, and two nodes sharing Redis, each with its coturn; guests get GUEST_LIMIT_S
    of call time."""
    alone = server_factory_module(guest_call_limit_s=GUEST_LIMIT_S, **managed_turn())
    first = server_factory_module(guest_call_limit_s=GUEST_LIMIT_S, redis_url=TEST_REDIS_URL, **managed_turn())
    second = server_factory_module(guest_call_limit_s=GUEST_LIMIT_S, redis_url=TEST_REDIS_URL, **managed_turn())
    return {"one_node": (alone.url, alone.url), "two_nodes": (first.url, second.url)}


def _cases() -> Iterator[Any]:
    """Every change in a P2P and an SFU call on one node; across two nodes, in an SFU call (the
    P2P relay is the same database check on any node)."""
    for topology in ("one_node", "two_nodes"):
        for change in CHANGES:
            for people in ((2, 3) if topology == "one_node" else (3,)):
                surfaces = [s for s in SURFACES if PEOPLE.get(s, people) == people]
                yield pytest.param(topology, change, people, surfaces, id=f"{topology}-{change}-{people}p")


@pytest.mark.parametrize(("topology", "change", "people", "surfaces"), list(_cases()))
async def test_a_change_of_rights_reaches_every_live_surface_within_a_second(
        nodes: dict[str, tuple[str, str]], topology: str, change: str, people: int, surfaces: list[str]) -> None:
    node_a, node_b = nodes[topology]
    scene = await make_scene(change, node_a, node_b, people=people)
    try:
        scene.mark = len(scene.victim.history)
        await make_change(scene, GUEST_LIMIT_S)
        if change == "guest_limit":
            assert time.monotonic() - scene.victim_joined_at <= GUEST_LIMIT_S + WITHIN_S
        # The surfaces are checked together: each has the same second from the change.
        await asyncio.gather(*(CHECKS[surface](scene, MATRIX[change][surface]) for surface in surfaces))
    finally:
        await scene.close()


async def test_the_socket_closes_when_its_token_expires_unless_it_reauthenticates(
        server_factory_module: Callable[..., RunningServer]) -> None:
    node = server_factory_module(access_token_ttl_s=3)
    user = register_user(Api(node.url))
    renewed = await WsClient.connect(node.url, user.tokens["access_token"])
    lapsing = await WsClient.connect(node.url, user.tokens["access_token"])
    try:
        await asyncio.sleep(1.5)
        fresh = Api(node.url).post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]}).json()
        assert (await renewed.ok("authenticate", token=fresh["access_token"]))["expires_at"] > time.time() + 2
        assert await lapsing.closed_code(3) == 4003
        assert lapsing.conn.close_reason == "token_expired"
        await renewed.ok("ping")
        other = register_user(Api(node.url))
        refused = await renewed.request("authenticate", token=other.tokens["access_token"])
        assert refused["code"] == "wrong_account"
        elsewhere = Api(node.url).post("/api/auth/login", {"login": user.username, "password": user.password}).json()
        refused = await renewed.request("authenticate", token=elsewhere["access_token"])
        assert refused["code"] == "wrong_sign_in"
        assert Api(node.url).post("/api/auth/logout", {"refresh_token": elsewhere["refresh_token"]}).status_code == 204
        revoked = await renewed.request("authenticate", token=elsewhere["access_token"])
        assert revoked["code"] in ("wrong_sign_in", "session_revoked")
    finally:
        await renewed.close()
        await lapsing.close()


async def test_a_guests_call_time_counts_across_rejoins(server_factory_module: Callable[..., RunningServer]) -> None:
    node = server_factory_module(guest_call_limit_s=4)
    owner = register_user(Api(node.url))
    group = owner.api.post("/api/groups", {"name": unique_name("g")}).json()
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    guest = await WsClient.connect(node.url, join_as_guest(Api(node.url), owner, group["id"])["access_token"])
    try:
        assert (await guest.ok("join_call", channel_id=voice))["time_limit_s"] == 4
        await asyncio.sleep(1.5)
        await guest.ok("leave_call")
        again = await guest.ok("join_call", channel_id=voice)
        assert 1 <= again["time_limit_s"] <= 3
        await guest.next_push("call_removed", timeout=4, reason="time_limit")
        refused = await guest.request("join_call", channel_id=voice)
        assert refused["code"] == "call_time_used"
    finally:
        await guest.close()


async def test_a_mute_outlives_a_rejoin_and_only_a_higher_rank_mutes(server: RunningServer) -> None:
    api = Api(server.url)
    owner, moderator, member = register_user(api), register_user(api), register_user(api)
    group = owner.api.post("/api/groups", {"name": unique_name("g")}).json()
    for user in (moderator, member):
        join_with_invite(user, owner, group["id"])
    owner.api.patch(f"/api/groups/{group['id']}/members/{moderator.id}", {"role": "moderator"})
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    sockets = {u.id: await WsClient.connect(server.url, u.tokens["access_token"]) for u in (owner, moderator, member)}
    try:
        for user in (owner, moderator, member):
            await sockets[user.id].ok("join_call", channel_id=voice)
        refused = await sockets[moderator.id].request("call_mute", user_id=owner.id)
        assert refused["code"] == "rank_too_low"
        assert (await sockets[moderator.id].request("call_kick", user_id=owner.id))["code"] == "rank_too_low"
        await sockets[moderator.id].ok("call_mute", user_id=member.id)
        await sockets[member.id].ok("leave_call")
        rejoined = await sockets[member.id].ok("join_call", channel_id=voice)
        me = next(p for p in rejoined["participants"] if p["user_id"] == member.id)
        assert me["muted_by_moderator"] is True and me["audio"] is False
        assert (await sockets[member.id].request("set_media_state", audio=True, video=False, screen=False)
                )["code"] == "muted_by_moderator"
        await sockets[owner.id].ok("call_unmute", user_id=member.id)
        await sockets[member.id].next_push("call_unmuted", by_user_id=owner.id)
        await sockets[member.id].ok("set_media_state", audio=True, video=False, screen=False)
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_a_join_racing_a_removal_never_leaves_a_non_member_in_the_call(server: RunningServer) -> None:
    """Either the join comes first and the removal takes the member out, or the removal comes
    first and the join is refused: never a participant who is not a member."""
    api = Api(server.url)
    owner = register_user(api)
    group = owner.api.post("/api/groups", {"name": unique_name("g")}).json()
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    for _ in range(15):
        member = register_user(api)
        join_with_invite(member, owner, group["id"])
        ws = await WsClient.connect(server.url, member.tokens["access_token"])
        try:
            removal = asyncio.to_thread(owner.api.delete, f"/api/groups/{group['id']}/members/{member.id}")
            await asyncio.gather(ws.request("join_call", channel_id=voice), removal)
            async with server_db(server) as conn:
                stranded = await conn.fetchval(
                    "SELECT count(*) FROM call_participants WHERE user_id = $1 AND left_at IS NULL", uuid.UUID(member.id))
            assert stranded == 0
        finally:
            await ws.close()

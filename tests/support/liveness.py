"""Scenes for the access-liveness matrix (tests/integration/test_access_liveness.py) and its
benchmark (bench/liveness.py): a group with its owner, a victim whose rights change and a peer,
all connected, in a call of the victim's voice channel with media flowing (two people: P2P;
three: SFU), the victim holding a TURN relay with its call's credentials; and each change of
rights, made as its actor would make it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from tests.support.api import Api, User, join_as_guest, join_with_invite, register_user, unique_name
from tests.support.call_client import CallClient
from tests.support.turn_client import TurnClient
from tests.support.ws import WsClient

SIGN_IN_CHANGES = ("logout", "refresh_reuse", "password_change", "account_deleted")


@dataclass
class Scene:
    change: str
    node_a: str
    node_b: str
    owner: User
    peer: User
    victim_api: Api  # the victim's REST client, as the victim's socket's sign-in
    victim_tokens: dict[str, Any]
    victim_password: str | None
    group_id: str
    text_channel_id: str
    voice_channel_id: str
    ws: dict[str, WsClient] = field(default_factory=dict)
    calls: dict[str, CallClient] = field(default_factory=dict)
    victim_joined_at: float = 0.0
    turn: TurnClient | None = None
    # How many pushes the victim and the peer had received when the change was made.
    mark: int = 0
    peer_mark: int = 0

    @property
    def victim(self) -> WsClient:
        return self.ws["victim"]

    async def close(self) -> None:
        if self.turn is not None:
            self.turn.close()
        for client in self.calls.values():
            await client.close()
        for ws in self.ws.values():
            await ws.close()


# The victim's and the peer's roles, and the voice channel's overrides, by change.
_ROLES = {"role_down": ("moderator", "moderator"), "override_off": ("member", "moderator")}
_STAFF_ONLY = {"member": {"view": False}, "guest": {"view": False}}


async def make_scene(change: str, node_a: str, node_b: str, *, people: int) -> Scene:
    api_a = Api(node_a)
    owner, peer = register_user(api_a), register_user(api_a)
    group = owner.api.post("/api/groups", {"name": unique_name("g")}).json()
    victim_role, peer_role = _ROLES.get(change, ("member", "member"))
    overrides = _STAFF_ONLY if change == "role_down" else {}
    voice = owner.api.post(f"/api/groups/{group['id']}/channels",
                           {"name": "call", "kind": "voice", "overrides": overrides}).json()
    join_with_invite(peer, owner, group["id"])
    if change == "guest_limit":
        tokens, password = join_as_guest(Api(node_b), owner, group["id"]), None
    else:
        victim = register_user(Api(node_b))
        join_with_invite(victim, owner, group["id"])
        tokens, password = victim.tokens, victim.password
    for user_id, role in ((tokens["user"]["id"], victim_role), (peer.id, peer_role)):
        if role != "member":
            owner.api.patch(f"/api/groups/{group['id']}/members/{user_id}", {"role": role})
    text = next(c["id"] for c in group["channels"] if c["kind"] == "text")
    scene = Scene(change, node_a, node_b, owner, peer, Api(node_b, tokens["access_token"]), tokens, password,
                  group["id"], text, voice["id"])
    scene.ws["owner"] = await WsClient.connect(node_a, owner.tokens["access_token"])
    scene.ws["peer"] = await WsClient.connect(node_a, peer.tokens["access_token"])
    scene.ws["victim"] = await WsClient.connect(node_b, tokens["access_token"])
    # A notification the victim holds before the change (the notifications surface).
    await scene.ws["owner"].ok("send_message", channel_id=text, client_id=unique_name("m"),
                               body=f"@{tokens['user']['username']} before the change")
    callers = ["peer", "victim"] + (["owner"] if people == 3 else [])
    for name in callers:
        # The victim ignores being taken out or muted (it keeps sending), so what stops its media
        # is the server (SFU) or the others' clients (P2P) — except a muted P2P victim, which is
        # stopped by its own client at once while the call moves to the SFU (the switch keeps
        # the old path until the new one plays).
        obeys = name != "victim" or (change == "mute" and people == 2)
        scene.calls[name] = CallClient(scene.ws[name], obeys=obeys)
        await scene.calls[name].join(voice["id"])
        if name == "victim":
            scene.victim_joined_at = time.monotonic()
            scene.turn = await _allocate(scene.calls[name].joined["ice_servers"])
    await until(lambda: victim_frames(scene) > 10, timeout=25, what="the victim's camera at the peer")
    return scene


async def _allocate(ice_servers: list[dict[str, Any]]) -> TurnClient:
    """A relay on the coturn of the victim's node, with the credentials its call gave."""
    [turn] = [s for s in ice_servers if s.get("username")]
    port = int(turn["urls"][0].split("?")[0].rsplit(":", 1)[1])
    client = await TurnClient.open(("127.0.0.1", port), turn["username"], turn["credential"])
    await client.allocate()
    return client


def victim_frames(scene: Scene, source: str = "camera") -> int:
    """Frames of the victim's `source` that reached the peer."""
    victim_id = scene.calls["victim"].participant_id
    return sum(c.count for c in scene.calls["peer"].counters.get(f"{victim_id}:{source}", []))


def frames_to_victim(scene: Scene) -> int:
    """Frames of the peer's camera that reached the victim."""
    peer_id = scene.calls["peer"].participant_id
    return sum(c.count for c in scene.calls["victim"].counters.get(f"{peer_id}:camera", []))


async def until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def make_change(scene: Scene, guest_limit_s: float) -> None:
    """Makes the scene's change of rights, as its actor would (REST or signaling)."""
    owner = scene.owner.api.as_token(scene.owner.tokens["access_token"])
    group, victim_id = scene.group_id, scene.victim_tokens["user"]["id"]
    match scene.change:
        case "logout":
            assert scene.victim_api.post("/api/auth/logout", {"refresh_token": scene.victim_tokens["refresh_token"]}
                                         ).status_code == 204
        case "refresh_reuse":
            spent = scene.victim_tokens["refresh_token"]
            assert scene.victim_api.post("/api/auth/refresh", {"refresh_token": spent}).status_code == 200
            assert scene.victim_api.post("/api/auth/refresh", {"refresh_token": spent}).status_code == 401
        case "password_change":
            # From another sign-in of the same account (another device).
            other = Api(scene.node_a).post("/api/auth/login", {"login": scene.victim_tokens["user"]["username"],
                                                                "password": scene.victim_password}).json()
            changed = Api(scene.node_a, other["access_token"]).post(
                "/api/auth/password", {"current_password": scene.victim_password, "new_password": "a brand new one"})
            assert changed.status_code == 200, changed.text
        case "account_deleted":
            # The victim deletes its own account, from node A.
            deleted = Api(scene.node_a, scene.victim_tokens["access_token"]).request(
                "DELETE", "/api/me", json={"password": scene.victim_password})
            assert deleted.status_code == 204, deleted.text
        case "removal":
            assert owner.delete(f"/api/groups/{group}/members/{victim_id}").status_code == 204
        case "ban":
            assert owner.post(f"/api/groups/{group}/bans", {"user_id": victim_id, "reason": "test"}).status_code == 201
        case "role_down":
            assert owner.patch(f"/api/groups/{group}/members/{victim_id}", {"role": "member"}).status_code == 200
        case "override_off":
            assert owner.patch(f"/api/channels/{scene.voice_channel_id}",
                               {"overrides": {"member": {"view": False}}}).status_code == 200
        case "channel_deleted":
            assert owner.delete(f"/api/channels/{scene.voice_channel_id}").status_code == 204
        case "group_deleted":
            assert owner.delete(f"/api/groups/{group}").status_code == 204
        case "guest_limit":
            # Nothing to do but wait: the limit is counted from the guest's join.
            await scene.victim.seen("call_removed", since=scene.mark, timeout=guest_limit_s + 5, reason="time_limit")
        case "mute":
            await scene.ws["owner"].ok("call_mute", user_id=victim_id)

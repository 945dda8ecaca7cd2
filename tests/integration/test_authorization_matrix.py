"""Every route × every kind of caller: owner, moderator, member, guest (of this group), a member of
another group, and an anonymous client. A private group is invisible to outsiders: 404, exactly
like an id that does not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse

import pytest

from control.app import ENDPOINTS
from tests.support.api import Api, User, join_as_guest, join_with_invite, register_user, unique_name
from tests.support.recordings import file_recording, placeholder_file
from tests.support.server import RunningServer

CALLERS = ("owner", "moderator", "member", "guest", "outsider", "anonymous")


@dataclass
class World:
    """A fresh private group with one caller of each kind, and things the routes act on."""

    group_id: str
    channel_id: str
    invite_code: str
    target_id: str
    banned_id: str
    apis: dict[str, Api]
    # A finished recording of the voice channel, and a play link to it made for the member.
    recording_id: str
    media_token: str
    voice_channel_id: str
    # One of the owner's notifications (the invitations the others accepted).
    notification_id: str


@pytest.fixture(scope="module")
def people(server) -> dict[str, User]:  # type: ignore[no-untyped-def]
    api = Api(server.url)
    outsider = register_user(api)
    outsider.api.post("/api/groups", {"name": "elsewhere"})
    return {"owner": register_user(api), "moderator": register_user(api), "member": register_user(api),
            "target": register_user(api), "banned": register_user(api), "outsider": outsider}


def make_world(api: Api, people: dict[str, User], server: RunningServer, privacy: str = "private") -> World:
    owner = people["owner"]
    group = owner.api.post("/api/groups", {"name": unique_name("g"), "privacy": privacy}).json()
    for role in ("moderator", "member", "target"):
        join_with_invite(people[role], owner, group["id"])
    owner.api.patch(f"/api/groups/{group['id']}/members/{people['moderator'].id}", {"role": "moderator"})
    guest_tokens = join_as_guest(api, owner, group["id"])
    apis = {name: people[name].api for name in ("owner", "moderator", "member", "outsider")}
    apis["guest"] = api.as_token(guest_tokens["access_token"])
    apis["anonymous"] = api.as_token(None)
    owner.api.post(f"/api/groups/{group['id']}/bans", {"user_id": people["banned"].id, "reason": "spam"})
    channel = next(c["id"] for c in group["channels"] if c["kind"] == "text")
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    recording = file_recording(server.settings, group_id=group["id"], channel_id=voice, started_by=owner.id,
                               source=placeholder_file(server.settings.data_dir))
    link = people["member"].api.post(f"/api/recordings/{recording}/link").json()["url"]
    notification = owner.api.get("/api/notifications", params={"group_id": group["id"]}).json()["notifications"][0]
    return World(group["id"], channel, group["invite"]["code"], people["target"].id, people["banned"].id, apis,
                 recording, parse_qs(urlparse(link).query)["token"][0], voice, notification["id"])


def both(**statuses: int) -> dict[str, int]:
    return statuses


MEMBERS_READ = both(owner=200, moderator=200, member=200, guest=200, outsider=404, anonymous=401)
OWNER_ONLY = both(owner=200, moderator=403, member=403, guest=403, outsider=404, anonymous=401)
MODERATORS = both(owner=200, moderator=200, member=403, guest=403, outsider=404, anonymous=401)
SIGNED_IN = both(owner=200, moderator=200, member=200, guest=200, outsider=200, anonymous=401)
EVERYONE = {c: 200 for c in CALLERS}
RECORDING_READ = both(owner=200, moderator=200, member=200, guest=404, outsider=404, anonymous=401)
RECORDING_MANAGE = both(owner=200, moderator=200, member=403, guest=404, outsider=404, anonymous=401)


def with_status(table: dict[str, int], ok: int) -> dict[str, int]:
    return {caller: ok if status == 200 else status for caller, status in table.items()}


# (method, path, body, expected status per caller); paths use the World's fields.
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/api/health", None, EVERYONE),
    ("GET", "/api/client-config", None, EVERYONE),
    ("GET", "/api/ice-servers", None, SIGNED_IN),
    ("POST", "/api/auth/register", lambda: {"username": unique_name(), "password": "long enough"}, {c: 201 for c in CALLERS}),
    ("POST", "/api/auth/login", {"login": "nobody-at-all", "password": "wrong pass"}, {c: 401 for c in CALLERS}),
    ("POST", "/api/auth/refresh", {"refresh_token": "bogus"}, {c: 401 for c in CALLERS}),
    ("POST", "/api/auth/logout", {"refresh_token": "bogus"}, {c: 204 for c in CALLERS}),
    ("GET", "/api/me", None, SIGNED_IN),
    # Nobody here knows the current password; guests have none.
    ("POST", "/api/auth/password", {"current_password": "not it at all", "new_password": "a new long one"},
     with_status(SIGNED_IN, 403)),
    ("GET", "/api/me/invites", None, SIGNED_IN),
    ("GET", "/api/me/export", None, SIGNED_IN),
    # Nobody here knows their password, so nobody's account goes; the guest has none and its
    # sign-in is fresh, so it may delete its guest account (it owns nothing).
    ("DELETE", "/api/me", {"password": "not it at all"}, with_status(SIGNED_IN, 403) | {"guest": 204}),
    ("GET", "/api/auth/oauth/{provider}/start", None, {c: 404 for c in CALLERS}),
    ("GET", "/api/auth/oauth/{provider}/callback", None, {c: 404 for c in CALLERS}),
    ("GET", "/api/groups", None, SIGNED_IN),
    ("POST", "/api/groups", {"name": "another"}, both(owner=201, moderator=201, member=201, guest=403, outsider=201,
                                                      anonymous=401)),
    ("GET", "/api/groups/{group_id}", None, MEMBERS_READ),
    ("PATCH", "/api/groups/{group_id}", {"description": "new"}, OWNER_ONLY),
    ("DELETE", "/api/groups/{group_id}", None, with_status(OWNER_ONLY, 204)),
    ("POST", "/api/groups/{group_id}/transfer", lambda w: {"user_id": w.target_id}, OWNER_ONLY),
    ("GET", "/api/groups/{group_id}/channels", None, MEMBERS_READ),
    ("POST", "/api/groups/{group_id}/channels", {"name": "new", "kind": "text"}, with_status(MODERATORS, 201)),
    ("PATCH", "/api/channels/{channel_id}", {"topic": "t"}, MODERATORS),
    ("DELETE", "/api/channels/{channel_id}", None, with_status(MODERATORS, 204)),
    ("POST", "/api/groups/{group_id}/invites", {"role": "member"},
     both(owner=201, moderator=201, member=201, guest=403, outsider=404, anonymous=401)),
    ("GET", "/api/groups/{group_id}/invites", None,
     both(owner=200, moderator=200, member=200, guest=403, outsider=404, anonymous=401)),
    ("GET", "/api/invites/{invite_code}", None, EVERYONE),
    # Members accepting again are already in (200, no use spent); the outsider joins; anonymous
    # callers must sign in for a member invite.
    ("POST", "/api/invites/{invite_code}/accept", None, SIGNED_IN),
    ("DELETE", "/api/invites/{invite_code}", None, with_status(MODERATORS, 204)),
    ("GET", "/api/groups/{group_id}/members", None, MEMBERS_READ),
    ("PATCH", "/api/groups/{group_id}/members/{target_id}", {"role": "moderator"}, OWNER_ONLY),
    ("DELETE", "/api/groups/{group_id}/members/{target_id}", None, with_status(MODERATORS, 204)),
    ("POST", "/api/groups/{group_id}/members/bulk", lambda w: {"action": "remove", "user_ids": [w.target_id]},
     MODERATORS),
    ("GET", "/api/groups/{group_id}/bans", None, MODERATORS),
    ("POST", "/api/groups/{group_id}/bans", lambda w: {"user_id": w.target_id, "reason": "spam"},
     with_status(MODERATORS, 201)),
    # The owner made that ban: a moderator may not lift it.
    ("DELETE", "/api/groups/{group_id}/bans/{banned_id}", None, with_status(OWNER_ONLY, 204)),
    ("GET", "/api/channels/{channel_id}/messages", None, MEMBERS_READ),
    # The archive is for members who see the recording's channel; guests never (a recording is
    # as invisible to them as to outsiders).
    ("GET", "/api/groups/{group_id}/recordings", None, MEMBERS_READ | {"guest": 403}),
    ("GET", "/api/recordings/{recording_id}", None, RECORDING_READ),
    ("PATCH", "/api/recordings/{recording_id}", {"title": "renamed"}, RECORDING_MANAGE),
    ("DELETE", "/api/recordings/{recording_id}", None, with_status(RECORDING_MANAGE, 204)),
    ("POST", "/api/recordings/{recording_id}/link", None, RECORDING_READ),
    # The link is the credential, whoever holds it; whose rights count is the person it was made
    # for (the member here), re-checked at every use (test_recordings_archive.py cuts them).
    ("GET", "/api/recordings/{recording_id}/media?token={media_token}", None, EVERYONE),
    # Recording a call takes MANAGE_RECORDINGS first; this world's voice channel has no call, so
    # those who may are told there is none (test_call_recording.py records real calls).
    ("POST", "/api/channels/{voice_channel_id}/call/recording", None,
     both(owner=404, moderator=404, member=403, guest=403, outsider=404, anonymous=401)),
    ("DELETE", "/api/channels/{voice_channel_id}/call/recording", None,
     both(owner=404, moderator=404, member=403, guest=403, outsider=404, anonymous=401)),
    # Group history is for members (guests too); the export narrows to what is theirs
    # (test_history.py checks what each sees).
    ("GET", "/api/groups/{group_id}/calls", None, MEMBERS_READ),
    ("GET", "/api/groups/{group_id}/activity", None, MEMBERS_READ),
    ("GET", "/api/groups/{group_id}/analytics", None, MEMBERS_READ),
    ("GET", "/api/groups/{group_id}/export", None, MEMBERS_READ),
    ("GET", "/api/groups/{group_id}/calls.csv", None, MEMBERS_READ),
    # Everyone has their own notifications; one of them is nobody else's to mark (404, as unknown).
    ("GET", "/api/notifications", None, SIGNED_IN),
    ("POST", "/api/notifications/read", None, SIGNED_IN),
    ("POST", "/api/notifications/{notification_id}/read", None,
     both(owner=200, moderator=404, member=404, guest=404, outsider=404, anonymous=401)),
    ("GET", "/api/groups/{group_id}/notification-settings", None, MEMBERS_READ),
    ("PUT", "/api/groups/{group_id}/notification-settings", {"muted": True}, MEMBERS_READ),
    ("GET", "/api/channels/{channel_id}/notification-settings", None, MEMBERS_READ),
    ("PUT", "/api/channels/{channel_id}/notification-settings", {"muted": True}, MEMBERS_READ),
]


def test_the_matrix_covers_every_route() -> None:
    covered = {(method, path.split("?")[0].replace("{invite_code}", "{code}").replace("{target_id}", "{user_id}")
               .replace("{banned_id}", "{user_id}").replace("{voice_channel_id}", "{channel_id}"))
               for method, path, _, _ in MATRIX}
    assert covered == {(e.method, e.path) for e in ENDPOINTS}


def _call(world: World, caller: str, method: str, path: str, body: Any) -> int:
    url = path.format(provider="google", **vars(world))
    if isinstance(body, Callable):  # type: ignore[arg-type]
        body = body(world) if body.__code__.co_argcount else body()
    return world.apis[caller].request(method, url, json=body).status_code


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_route_answers_each_caller_as_its_rights_say(api: Api, people: dict[str, User], server: RunningServer,
                                                    method: str, path: str, body: Any,
                                                    expected: dict[str, int]) -> None:
    got = {}
    for caller in CALLERS:
        # A fresh group for every caller: no caller's call changes what the next one sees.
        got[caller] = _call(make_world(api, people, server), caller, method, path, body)
    assert got == expected


def test_an_outsider_cannot_tell_a_private_group_from_a_missing_one(api: Api, people: dict[str, User],
                                                                    server: RunningServer) -> None:
    world = make_world(api, people, server)
    outsider = world.apis["outsider"]
    for path in ("/api/groups/{}", "/api/groups/{}/channels", "/api/groups/{}/members", "/api/groups/{}/invites"):
        real = outsider.get(path.format(world.group_id))
        missing = outsider.get(path.format(uuid.uuid4()))
        assert (real.status_code, real.json()) == (missing.status_code, missing.json()) == (
            404, {"error": {"code": "group_not_found", "message": "no such group"}})


def test_a_public_group_shows_its_profile_to_outsiders_and_nothing_more(api: Api, people: dict[str, User],
                                                                       server: RunningServer) -> None:
    world = make_world(api, people, server, privacy="public")
    outsider = world.apis["outsider"]
    profile = outsider.get(f"/api/groups/{world.group_id}")
    assert profile.status_code == 200 and profile.json()["my_role"] is None
    for method, path in (("GET", "/api/groups/{}/channels"), ("GET", "/api/groups/{}/members"),
                         ("POST", "/api/groups/{}/invites"), ("PATCH", "/api/groups/{}")):
        response = outsider.request(method, path.format(world.group_id), json={} if method != "GET" else None)
        assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_member", path
    assert outsider.get(f"/api/channels/{world.channel_id}/messages").status_code == 404


def test_a_guest_token_opens_only_its_own_group(api: Api, people: dict[str, User], server: RunningServer) -> None:
    world = make_world(api, people, server)
    other = make_world(api, people, server)
    guest = world.apis["guest"]
    assert guest.get(f"/api/groups/{world.group_id}").status_code == 200
    assert guest.get(f"/api/groups/{other.group_id}").status_code == 404
    assert [g["id"] for g in guest.get("/api/groups").json()] == [world.group_id]
    accept = guest.post(f"/api/invites/{other.invite_code}/accept")
    assert accept.status_code == 403 and accept.json()["error"]["code"] == "guest_account"

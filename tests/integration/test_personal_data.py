"""Personal data: a person downloads everything about them (`GET /api/me/export`) and deletes
their account (`DELETE /api/me`): every sign-in revoked at once, owned groups handed over or
deleted as asked, messages kept as a deleted user's, call records anonymised, and nothing the
others look at breaks."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest

from control.account.references import USER_REFERENCES, OnDelete
# The OAuth provider and a node that uses it, as the OAuth tests make them.
from tests.integration.test_oauth import identity, node, provider, sign_in, tokens_from  # noqa: F401
from tests.support.api import Api, User, join_as_guest, join_with_invite, register_user, unique_name
from tests.support.db import server_db
from tests.support.oauth_provider import OAuthProvider
from tests.support.recordings import Participant, file_recording, placeholder_file
from tests.support.server import RunningServer
from tests.support.ws import WsClient

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "generated" / "me_export.schema.json").read_text())
CLOSE_WITHIN_S = 5.0


def _delete_me(user_api: Api, body: Any) -> Any:
    return user_api.request("DELETE", "/api/me", json=body)


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def _say(ws: WsClient, channel_id: str, body: str) -> dict[str, Any]:
    data = await ws.ok("send_message", channel_id=channel_id, client_id=unique_name("c"), body=body)
    message: dict[str, Any] = data["message"]
    return message


def _channel(group: dict[str, Any], kind: str) -> str:
    return str(next(c["id"] for c in group["channels"] if c["kind"] == kind))


# --- downloads hold a connection: one at a time, rate limited ------------------------------------


async def test_a_second_download_while_one_streams_is_refused_and_the_slot_frees_when_it_ends(
        server: RunningServer) -> None:
    api = Api(server.url)
    me = register_user(api)
    mine = me.api.post("/api/groups", {"name": unique_name("big")}).json()
    text = uuid.UUID(_channel(mine, "text"))
    # Far more than the loopback socket buffers hold: the stream stalls while the client does not read.
    async with server_db(server) as conn:
        await conn.execute("UPDATE channels SET last_seq = last_seq + 60000 WHERE id = $1", text)
        await conn.execute(
            "INSERT INTO messages (channel_id, author_id, client_id, seq, version, body)"
            " SELECT $1, $2, 'bulk-' || n, n, n, repeat('x', 600) FROM generate_series(1, 60000) AS n",
            text, uuid.UUID(me.id))
    with me.api.http.stream("GET", "/api/me/export") as first:
        assert first.status_code == 200
        # Held: dropping the iterator would close the connection.
        reading = first.iter_bytes()
        assert next(reading).startswith(b"{")
        for path in ("/api/me/export", f"/api/groups/{mine['id']}/calls.csv", f"/api/groups/{mine['id']}/export"):
            refused = me.api.get(path)
            assert _error(refused) == (409, "download_in_progress"), (path, refused.text)
    deadline = asyncio.get_running_loop().time() + 15
    while (again := me.api.get(f"/api/groups/{mine['id']}/calls.csv")).status_code == 409:
        assert asyncio.get_running_loop().time() < deadline, "the slot was not freed when the client went away"
        await asyncio.sleep(0.2)
    assert again.status_code == 200 and again.text.startswith("call_id,")


def test_downloads_are_rate_limited_per_person(server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(download_rate=2, analytics_rate=2)
    api = Api(node.url)
    me, other = register_user(api), register_user(api)
    group = me.api.post("/api/groups", {"name": unique_name("g")}).json()
    for path in ("/api/me/export", f"/api/groups/{group['id']}/calls.csv"):
        assert me.api.get(path).status_code == 200
    limited = me.api.get(f"/api/groups/{group['id']}/export")
    assert _error(limited) == (429, "rate_limited") and int(limited.headers["Retry-After"]) > 0
    assert other.api.get("/api/me/export").status_code == 200, "the limit is per person"
    for _ in range(2):
        assert me.api.get(f"/api/groups/{group['id']}/analytics").status_code == 200
    assert _error(me.api.get(f"/api/groups/{group['id']}/analytics")) == (429, "rate_limited")


# --- the one list of references ------------------------------------------------------------------


_ACTIONS = {"c": OnDelete.CASCADE, "n": OnDelete.SET_NULL, "a": OnDelete.NO_ACTION, "r": OnDelete.NO_ACTION}


async def test_every_column_referencing_users_is_listed_with_what_deletion_does_to_it(server: RunningServer) -> None:
    async with server_db(server) as conn:
        rows = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confdeltype::text AS action"
            " FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
            " WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass")
    found = {(r["tbl"].rsplit(".", 1)[-1], r["col"]): _ACTIONS[r["action"]] for r in rows}
    assert found == USER_REFERENCES


# --- export --------------------------------------------------------------------------------------


async def test_the_export_holds_exactly_what_the_person_did_and_matches_its_schema(server: RunningServer) -> None:
    api = Api(server.url)
    me, friend, troll = register_user(api, email=f"{unique_name()}@example.org"), register_user(api), register_user(api)
    mine = me.api.post("/api/groups", {"name": unique_name("mine")}).json()
    theirs = friend.api.post("/api/groups", {"name": unique_name("theirs")}).json()
    trolls = troll.api.post("/api/groups", {"name": unique_name("trolls")}).json()
    join_with_invite(me, friend, theirs["id"])
    join_with_invite(troll, me, mine["id"])
    assert me.api.post(f"/api/groups/{mine['id']}/bans", {"user_id": troll.id, "reason": "spam"}).status_code == 201
    assert troll.api.post(f"/api/groups/{trolls['id']}/bans", {"user_id": me.id, "reason": "rude"}).status_code == 201
    # A second sign-in.
    assert api.post("/api/auth/login", {"login": me.username, "password": me.password}).status_code == 200
    ws = await WsClient.connect(server.url, me.tokens["access_token"])
    try:
        first = await _say(ws, _channel(mine, "text"), "first words")
        second = await _say(ws, _channel(mine, "text"), "typo")
        await ws.ok("edit_message", message_id=second["id"], body="fixed")
        gone = await _say(ws, _channel(mine, "text"), "regret")
        await ws.ok("delete_message", message_id=gone["id"])
        await ws.ok("join_call", channel_id=_channel(mine, "voice"))
        await ws.ok("leave_call")
    finally:
        await ws.close()
    recording = await asyncio.to_thread(
        file_recording, server.settings, group_id=mine["id"], channel_id=_channel(mine, "voice"), started_by=me.id,
        source=placeholder_file(server.settings.data_dir), participants=(Participant(me.id, "Me", "accepted"),))
    # Many more messages than one batch of the stream, written straight into the table.
    async with server_db(server) as conn:
        await conn.execute(
            "UPDATE channels SET last_seq = last_seq + 1200 WHERE id = $1", uuid.UUID(_channel(mine, "text")))
        await conn.execute(
            "INSERT INTO messages (channel_id, author_id, client_id, seq, version, body, created_at)"
            " SELECT $1, $2, 'bulk-' || n, 1000 + n, 1000 + n, 'bulk ' || n, now() + n * interval '1 ms'"
            " FROM generate_series(1, 1200) AS n",
            uuid.UUID(_channel(mine, "text")), uuid.UUID(me.id))

    muted = me.api.request("PUT", f"/api/channels/{_channel(mine, 'text')}/notification-settings", json={"muted": True})
    assert muted.status_code == 200, muted.text
    told = me.api.get("/api/notifications").json()["notifications"]
    assert told, "letting the troll in through my link should have told me"

    response = me.api.get("/api/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    jsonschema.validate(document, SCHEMA)

    assert document["profile"]["id"] == me.id and document["profile"]["username"] == me.username
    assert document["profile"]["has_password"] is True
    assert document["identities"] == []
    assert len(document["sign_ins"]) == 2 and all(s["revoked_at"] is None for s in document["sign_ins"])
    assert {(m["group_id"], m["role"]) for m in document["memberships"]} == {(mine["id"], "owner"),
                                                                              (theirs["id"], "member")}
    bodies = [m["body"] for m in document["messages"]]
    assert bodies[:3] == ["first words", "fixed", ""]
    assert bodies[3:] == [f"bulk {n}" for n in range(1, 1201)]
    assert document["messages"][0]["id"] == first["id"]
    assert document["messages"][1]["edited_at"] is not None and document["messages"][2]["deleted_at"] is not None
    assert [(p["group_id"], p["left_reason"]) for p in document["call_participations"]] == [(mine["id"], "left")]
    # The group's default link, and the one made to let the troll in.
    assert [i["group_id"] for i in document["invites_created"]] == [mine["id"], mine["id"]]
    assert [(b["group_id"], b["user_id"], b["reason"]) for b in document["bans_issued"]] == [(mine["id"], troll.id, "spam")]
    assert [(b["group_id"], b["banned_by"], b["reason"]) for b in document["bans_received"]] == [
        (trolls["id"], troll.id, "rude")]
    assert [r["id"] for r in document["recordings_started"]] == [recording]
    assert [(c["recording_id"], c["consent"]) for c in document["recording_consents"]] == [(recording, "accepted")]
    assert sorted((n["id"], n["kind"]) for n in document["notifications"]) == sorted((n["id"], n["kind"]) for n in told)
    assert document["notification_mutes"] == [{"group_id": mine["id"], "channel_id": _channel(mine, "text")}]
    # No credential of any kind: tokens, password hash, invite codes.
    text = response.text
    for secret in (me.tokens["refresh_token"], me.tokens["access_token"], "argon2", mine["invite"]["code"]):
        assert secret not in text


def test_the_export_needs_a_signed_in_caller(api: Api) -> None:
    assert _error(api.get("/api/me/export")) == (401, "unauthenticated")


# --- deletion ------------------------------------------------------------------------------------


async def test_deleting_an_account_ends_every_sign_in_and_hands_over_or_deletes_its_groups(
        server: RunningServer) -> None:
    api = Api(server.url)
    leaver = register_user(api, email=f"{unique_name()}@example.org")
    heir, other, banned = register_user(api), register_user(api), register_user(api)
    kept = leaver.api.post("/api/groups", {"name": unique_name("kept")}).json()
    doomed = leaver.api.post("/api/groups", {"name": unique_name("doomed")}).json()
    for user, group in ((heir, kept), (other, doomed), (banned, kept)):
        join_with_invite(user, leaver, group["id"])
    guest = join_as_guest(api, leaver, kept["id"])
    assert leaver.api.post(f"/api/groups/{kept['id']}/bans", {"user_id": banned.id, "reason": "x"}).status_code == 201
    recording = await asyncio.to_thread(
        file_recording, server.settings, group_id=kept["id"], channel_id=_channel(kept, "voice"), started_by=leaver.id,
        source=placeholder_file(server.settings.data_dir), participants=(Participant(leaver.id, "Leaver"),))

    # Every owned group must be named, with a valid choice; the password must be right.
    unresolved = _delete_me(leaver.api, {"password": leaver.password, "owned_groups": {kept["id"]: "delete"}})
    assert _error(unresolved) == (409, "owned_groups_unresolved")
    assert unresolved.json()["error"]["details"]["groups"] == [{"group_id": doomed["id"], "name": doomed["name"]}]
    choices = {kept["id"]: f"transfer:{heir.id}", doomed["id"]: "delete"}
    assert _error(_delete_me(leaver.api, {"password": "not my password", "owned_groups": choices})) == (
        403, "wrong_password")
    assert _error(_delete_me(leaver.api, {"owned_groups": choices})) == (403, "password_required")
    for target in (guest["user"]["id"], other.id, leaver.id):
        refused = _delete_me(leaver.api, {"password": leaver.password,
                                          "owned_groups": {**choices, kept["id"]: f"transfer:{target}"}})
        assert _error(refused) == (409, "transfer_target_invalid")
    stranger = str(uuid.uuid4())
    assert _error(_delete_me(leaver.api, {"password": leaver.password,
                                          "owned_groups": {**choices, stranger: "delete"}})) == (409, "not_owned_groups")
    assert _error(_delete_me(leaver.api, {"password": leaver.password,
                                          "owned_groups": {**choices, doomed["id"]: "keep"}})) == (422, "invalid_body")
    for not_a_user_id in ("transfer:" + "-" * 36, "transfer:" + "g" * 8 + heir.id[8:]):
        assert _error(_delete_me(leaver.api, {"password": leaver.password, "owned_groups": {
            **choices, kept["id"]: not_a_user_id}})) == (422, "invalid_body"), not_a_user_id
    assert _error(_delete_me(leaver.api, {"password": leaver.password, "owned_groups": choices,
                                          "extra": 1})) == (422, "invalid_body")
    # Nothing changed by the refusals.
    assert heir.api.get(f"/api/groups/{kept['id']}").json()["my_role"] == "member"

    # Signed in twice, talking and in a call.
    second_sign_in = api.post("/api/auth/login", {"login": leaver.username, "password": leaver.password}).json()
    sockets = {
        "leaver": await WsClient.connect(server.url, leaver.tokens["access_token"]),
        "leaver_elsewhere": await WsClient.connect(server.url, second_sign_in["access_token"]),
        "heir": await WsClient.connect(server.url, heir.tokens["access_token"]),
        "other": await WsClient.connect(server.url, other.tokens["access_token"]),
    }
    try:
        said = await _say(sockets["leaver"], _channel(kept, "text"), "remember me")
        voice = _channel(kept, "voice")
        await sockets["leaver"].ok("join_call", channel_id=voice)
        await sockets["heir"].ok("join_call", channel_id=voice)
        mark = len(sockets["heir"].history)

        # In a thread: the sockets keep answering their pings meanwhile.
        deleted = await asyncio.to_thread(_delete_me, leaver.api, {"password": leaver.password, "owned_groups": choices})
        assert deleted.status_code == 204, deleted.text

        # Every socket of every sign-in closes as revoked; the call goes on without the leaver.
        codes = await asyncio.gather(sockets["leaver"].closed_code(CLOSE_WITHIN_S),
                                     sockets["leaver_elsewhere"].closed_code(CLOSE_WITHIN_S))
        assert codes == [4004, 4004]
        state = await sockets["heir"].seen("call_state", since=mark, timeout=CLOSE_WITHIN_S, channel_id=voice)
        assert [p["user_id"] for p in state["participants"]] == [heir.id]
        await sockets["heir"].seen("member_left", since=mark, timeout=CLOSE_WITHIN_S, user_id=leaver.id,
                                   account_deleted=True)
        await sockets["other"].seen("group_removed", since=0, timeout=CLOSE_WITHIN_S, group_id=doomed["id"])
        for token in (leaver.tokens["access_token"], second_sign_in["access_token"]):
            assert _error(api.as_token(token).get("/api/me")) == (401, "session_revoked")
        assert _error(api.post("/api/auth/refresh", {"refresh_token": leaver.tokens["refresh_token"]})) == (
            401, "invalid_refresh_token")
        assert _error(api.post("/api/auth/login", {"login": leaver.username, "password": leaver.password})) == (
            401, "invalid_credentials")

        # The heir owns the group; the doomed one is gone for its other member.
        group = heir.api.get(f"/api/groups/{kept['id']}").json()
        assert (group["owner_id"], group["my_role"]) == (heir.id, "owner")
        assert other.api.get(f"/api/groups/{doomed['id']}").status_code == 404
        members = heir.api.get(f"/api/groups/{kept['id']}/members").json()
        assert leaver.id not in [m["user_id"] for m in members["members"]]
        # The message stays, authorless; the ban the leaver made still holds.
        history = heir.api.get(f"/api/channels/{_channel(kept, 'text')}/messages").json()["messages"]
        [kept_message] = [m for m in history if m["id"] == said["id"]]
        assert (kept_message["author_id"], kept_message["body"]) == (None, "remember me")
        # The recording the leaver made stays the group's, without them.
        filed = heir.api.get(f"/api/recordings/{recording}").json()
        assert (filed["started_by"], filed["stopped_by"], filed["participants"]) == (None, None, [])
        # A moderator (the heir, now owner) may still delete the kept message.
        await sockets["heir"].ok("delete_message", message_id=said["id"])
        bans = heir.api.get(f"/api/groups/{kept['id']}/bans").json()
        assert [(b["user_id"], b["banned_by"]) for b in bans] == [(banned.id, None)]
        async with server_db(server) as conn:
            participations = await conn.fetch(
                "SELECT p.user_id, p.left_reason FROM call_participants p JOIN calls c ON c.id = p.call_id"
                " WHERE c.channel_id = $1 ORDER BY p.joined_at", uuid.UUID(voice))
            leftovers = await conn.fetchval("SELECT count(*) FROM users WHERE id = $1", uuid.UUID(leaver.id))
        assert [(r["user_id"], r["left_reason"]) for r in participations] == [
            (None, "access_revoked"), (uuid.UUID(heir.id), None)]
        assert leftovers == 0

        # The same username and e-mail may be registered again: a new, unrelated account.
        again = api.post("/api/auth/register", {"username": leaver.username, "password": "another long one",
                                                "email": leaver.tokens["user"]["email"]})
        assert again.status_code == 201, again.text
        assert again.json()["user"]["id"] != leaver.id
        assert api.as_token(again.json()["access_token"]).get("/api/groups").json() == []
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_a_deletion_waits_for_a_transfer_to_it_and_then_asks_about_the_group(server: RunningServer) -> None:
    """Two connections: the test's holds the group as a transfer does; the deletion must wait for
    it (not delete the heir under the transfer's feet) and then find the heir owns the group."""
    api = Api(server.url)
    owner, heir = register_user(api), register_user(api)
    group = owner.api.post("/api/groups", {"name": unique_name("handover")}).json()
    join_with_invite(heir, owner, group["id"])
    group_id, heir_id = uuid.UUID(group["id"]), uuid.UUID(heir.id)
    async with server_db(server) as transfer, server_db(server) as watcher:
        async with transfer.transaction():
            await transfer.execute("SELECT id FROM groups WHERE id = $1 FOR UPDATE", group_id)
            deleting = asyncio.create_task(asyncio.to_thread(_delete_me, heir.api, {"password": heir.password}))
            holder = await transfer.fetchval("SELECT pg_backend_pid()")
            for _ in range(100):
                waiting = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", holder)
                if waiting or deleting.done():
                    break
                await asyncio.sleep(0.05)
            assert not deleting.done(), f"the deletion went ahead under a transfer: {deleting.result().text}"
            await transfer.execute("UPDATE group_members SET role = 'owner' WHERE group_id = $1 AND user_id = $2",
                                   group_id, heir_id)
            await transfer.execute("UPDATE groups SET owner_id = $2 WHERE id = $1", group_id, heir_id)
        refused = await deleting
    assert _error(refused) == (409, "owned_groups_unresolved")
    assert heir.api.get("/api/me").status_code == 200


async def test_an_account_without_a_password_is_deleted_only_from_a_recent_sign_in(server: RunningServer) -> None:
    api = Api(server.url)
    owner = register_user(api)
    group = owner.api.post("/api/groups", {"name": unique_name("g")}).json()
    stale, fresh = join_as_guest(api, owner, group["id"]), join_as_guest(api, owner, group["id"])
    async with server_db(server) as conn:
        await conn.execute("UPDATE refresh_tokens SET created_at = now() - interval '6 minutes' WHERE user_id = $1",
                           uuid.UUID(stale["user"]["id"]))
    refused = _delete_me(api.as_token(stale["access_token"]), {})
    assert _error(refused) == (403, "recent_sign_in_required")
    assert api.as_token(stale["access_token"]).get("/api/me").status_code == 200
    # A password sent by an account without one changes nothing: the sign-in decides.
    assert _delete_me(api.as_token(fresh["access_token"]), {"password": "whatever"}).status_code == 204
    assert _error(api.as_token(fresh["access_token"]).get("/api/me")) == (401, "session_revoked")
    members = owner.api.get(f"/api/groups/{group['id']}/members").json()["members"]
    assert fresh["user"]["id"] not in [m["user_id"] for m in members]
    assert stale["user"]["id"] in [m["user_id"] for m in members]


@pytest.mark.parametrize("body", [None, "[]", '{"password": 5}', '{"owned_groups": {"not-a-uuid": "delete"}}',
                                  '{"owned_groups": []}', '{"password": ""}'])
def test_a_malformed_deletion_request_is_refused_clearly(api: Api, body: str | None) -> None:
    user = register_user(api)
    response = user.api.request("DELETE", "/api/me", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] in ("invalid_json", "invalid_body")
    assert user.api.get("/api/me").status_code == 200


def test_an_account_that_owns_nothing_is_deleted_with_its_password_alone(api: Api) -> None:
    user: User = register_user(api)
    assert _delete_me(user.api, {"password": user.password}).status_code == 204
    assert _error(user.api.get("/api/me")) == (401, "session_revoked")


async def test_an_oauth_account_exports_its_identity_and_is_deleted_after_signing_in_again(
        node: RunningServer, provider: OAuthProvider) -> None:
    profile = identity()
    provider.sign_in_as(**profile)
    old = tokens_from(sign_in(node, "github"))
    api = Api(node.url)
    exported = api.as_token(old["access_token"]).get("/api/me/export").json()
    assert exported["profile"]["has_password"] is False
    assert [(i["provider"], i["subject"]) for i in exported["identities"]] == [("github", profile["id"])]
    account_id = exported["profile"]["id"]
    async with server_db(node) as conn:
        await conn.execute("UPDATE refresh_tokens SET created_at = now() - interval '10 minutes' WHERE user_id = $1",
                           uuid.UUID(account_id))
    assert _error(_delete_me(api.as_token(old["access_token"]), {})) == (403, "recent_sign_in_required")
    fresh = tokens_from(sign_in(node, "github"))
    assert _delete_me(api.as_token(fresh["access_token"]), {}).status_code == 204
    for tokens in (old, fresh):
        assert _error(api.as_token(tokens["access_token"]).get("/api/me")) == (401, "session_revoked")
    # The identity went with the account: the same GitHub login now makes a new account.
    again = tokens_from(sign_in(node, "github"))
    assert api.as_token(again["access_token"]).get("/api/me").json()["id"] != account_id


def test_guessing_the_password_through_deletion_is_rate_limited(
        server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(auth_rate_limit=3)
    user = register_user(Api(node.url))
    codes = [_error(_delete_me(user.api, {"password": f"guess {n}"})) for n in range(4)]
    assert codes == [(403, "wrong_password")] * 3 + [(429, "rate_limited")]
    assert user.api.get("/api/me").status_code == 200

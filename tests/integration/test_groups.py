"""Groups and their channels: create, settings, delete, list; channels, order and overrides."""

from __future__ import annotations

import time

from tests.support.api import Api, make_group_with_members, register_user


def test_creating_a_group_gives_an_id_default_channels_and_an_invite_link_at_once(api: Api) -> None:
    owner = register_user(api)
    started = time.monotonic()
    created = owner.api.post("/api/groups", {"name": "Study group", "description": "Maths on Tuesdays"})
    assert created.status_code == 201 and time.monotonic() - started < 5
    body = created.json()
    assert body["my_role"] == "owner" and body["member_count"] == 1 and body["privacy"] == "private"
    assert [(c["name"], c["kind"], c["position"]) for c in body["channels"]] == [("general", "text", 0),
                                                                                 ("General", "voice", 1)]
    invite = body["invite"]
    assert invite["url"].endswith(f"/invite/{invite['code']}") and len(invite["code"]) >= 22
    assert api.get(f"/api/invites/{invite['code']}").json()["group_name"] == "Study group"
    other = owner.api.post("/api/groups", {"name": "Study group"}).json()
    assert other["id"] != body["id"] and other["invite"]["code"] != invite["code"]


def test_the_owner_updates_settings(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    updated = group.owner.api.patch(f"/api/groups/{group.id}", {"name": "Renamed", "privacy": "public",
                                                                 "member_limit": 10, "description": "new"})
    assert updated.status_code == 200
    assert {k: updated.json()[k] for k in ("name", "privacy", "member_limit", "description")} == {
        "name": "Renamed", "privacy": "public", "member_limit": 10, "description": "new"}
    assert group.owner.api.get(f"/api/groups/{group.id}").json()["name"] == "Renamed"


def test_my_groups_lists_each_group_with_my_role(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    mine = {g["id"]: g["my_role"] for g in group.members[0].api.get("/api/groups").json()}
    assert mine == {group.id: "member"}
    assert {g["id"]: g["my_role"] for g in group.moderator.api.get("/api/groups").json()} == {group.id: "moderator"}


def test_deleting_a_group_removes_it_for_everyone(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    assert group.owner.api.delete(f"/api/groups/{group.id}").status_code == 204
    assert group.members[0].api.get(f"/api/groups/{group.id}").status_code == 404
    assert group.members[0].api.get("/api/groups").json() == []
    assert group.owner.api.get(f"/api/channels/{group.text_channel_id}/messages").status_code == 404


def test_the_member_limit_is_enforced_when_joining(api: Api) -> None:
    group = make_group_with_members(api, n=0)  # owner + moderator
    group.owner.api.patch(f"/api/groups/{group.id}", {"member_limit": 2})
    invite = group.owner.api.post(f"/api/groups/{group.id}/invites").json()
    latecomer = register_user(api)
    refused = latecomer.api.post(f"/api/invites/{invite['code']}/accept")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "group_full"
    assert group.owner.api.get(f"/api/groups/{group.id}").json()["member_count"] == 2


def test_ownership_transfer_makes_the_old_owner_a_moderator(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    heir = group.members[0]
    moved = group.owner.api.post(f"/api/groups/{group.id}/transfer", {"user_id": heir.id})
    assert moved.status_code == 200 and moved.json()["owner_id"] == heir.id and moved.json()["my_role"] == "moderator"
    roles = {m["user_id"]: m["role"] for m in heir.api.get(f"/api/groups/{group.id}/members").json()["members"]}
    assert roles[heir.id] == "owner" and roles[group.owner.id] == "moderator"
    assert heir.api.delete(f"/api/groups/{group.id}").status_code == 204


def positions(api: Api, group_id: str) -> list[tuple[str, int]]:
    return [(c["name"], c["position"]) for c in api.get(f"/api/groups/{group_id}/channels").json()]


def test_channels_are_created_renamed_reordered_and_deleted_with_dense_positions(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    mod = group.moderator.api
    a = mod.post(f"/api/groups/{group.id}/channels", {"name": "a", "kind": "text", "topic": "first"}).json()
    mod.post(f"/api/groups/{group.id}/channels", {"name": "b", "kind": "voice"})
    first = mod.post(f"/api/groups/{group.id}/channels", {"name": "top", "kind": "text", "position": 0}).json()
    assert first["position"] == 0
    assert positions(mod, group.id) == [("top", 0), ("general", 1), ("General", 2), ("a", 3), ("b", 4)]
    renamed = mod.patch(f"/api/channels/{a['id']}", {"name": "renamed", "topic": "second", "position": 0})
    assert renamed.status_code == 200 and renamed.json()["topic"] == "second"
    assert positions(mod, group.id) == [("renamed", 0), ("top", 1), ("general", 2), ("General", 3), ("b", 4)]
    mod.patch(f"/api/channels/{a['id']}", {"position": 99})
    assert positions(mod, group.id)[-1] == ("renamed", 4)
    assert mod.delete(f"/api/channels/{first['id']}").status_code == 204
    assert [p for _, p in positions(mod, group.id)] == [0, 1, 2, 3]


def test_channel_overrides_change_what_each_role_may_do(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    member = group.members[0].api
    news = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "news", "kind": "text", "overrides": {"member": {"send_messages": False}}}).json()
    hidden = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "mods", "kind": "text", "overrides": {"member": {"view": False}, "guest": {"view": False}}}).json()
    seen = {c["name"]: c["my_permissions"] for c in member.get(f"/api/groups/{group.id}/channels").json()}
    assert "mods" not in seen and "send_messages" not in seen["news"] and "view" in seen["news"]
    assert member.get(f"/api/channels/{hidden['id']}/messages").status_code == 404
    assert news["overrides"] == {"member": {"send_messages": False}}
    bad = group.owner.api.patch(f"/api/channels/{news['id']}", {"overrides": {"member": {"fly": True}}})
    assert bad.status_code == 422


async def test_the_creator_s_open_sessions_follow_a_new_group_at_once(api: Api, server) -> None:  # type: ignore[no-untyped-def]
    from tests.support.ws import WsClient

    owner = register_user(api)
    tab = await WsClient.connect(server.url, owner.tokens["access_token"])
    try:
        created = owner.api.post("/api/groups", {"name": "fresh"}).json()
        joined = await tab.next_push("group_joined")
        assert joined["group"]["group"]["id"] == created["id"]
        assert {c["name"] for c in joined["group"]["channels"]} == {"general", "General"}
        text = next(c["id"] for c in created["channels"] if c["kind"] == "text")
        other_tab = await WsClient.connect(server.url, owner.tokens["access_token"])
        try:
            await other_tab.ok("send_message", channel_id=text, client_id="m1", body="hello")
        finally:
            await other_tab.close()
        assert (await tab.next_push("message_created"))["message"]["body"] == "hello"
    finally:
        await tab.close()

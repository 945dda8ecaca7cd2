"""Invites (roles, expiry, uses, revoke, preview, guests) and members (search, roles, removal, bulk)."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.conftest import TEST_DATABASE_URL
from tests.support.api import Api, join_as_guest, make_group_with_members, register_user
from tests.support.server import RunningServer
from tests.support.ws import WsClient


def test_an_invite_with_max_uses_is_used_up(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    invite = group.owner.api.post(f"/api/groups/{group.id}/invites", {"max_uses": 1}).json()
    assert invite["max_uses"] == 1 and invite["uses"] == 0
    first, second = register_user(api), register_user(api)
    assert first.api.post(f"/api/invites/{invite['code']}/accept").status_code == 200
    again = first.api.post(f"/api/invites/{invite['code']}/accept")
    assert again.status_code == 200  # already in: no second use spent
    used_up = second.api.post(f"/api/invites/{invite['code']}/accept")
    assert used_up.status_code == 410 and used_up.json()["error"]["code"] == "invite_used_up"


def test_an_expired_invite_is_gone(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=0)
    invite = group.owner.api.post(f"/api/groups/{group.id}/invites", {"expires_in_s": 60}).json()
    assert invite["expires_at"] is not None

    async def expire() -> None:
        conn = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"search_path": server.settings.database_schema})
        await conn.execute("UPDATE invites SET expires_at = now() - interval '1 second' WHERE code = $1", invite["code"])
        await conn.close()

    asyncio.run(expire())
    late = register_user(api)
    refused = late.api.post(f"/api/invites/{invite['code']}/accept")
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "invite_expired"
    assert api.get(f"/api/invites/{invite['code']}").status_code == 410


def test_a_revoked_invite_is_gone_and_only_its_creator_or_a_moderator_revokes(api: Api) -> None:
    group = make_group_with_members(api, n=2)
    mine = group.members[0].api.post(f"/api/groups/{group.id}/invites").json()
    assert group.members[1].api.delete(f"/api/invites/{mine['code']}").status_code == 403
    assert group.members[0].api.delete(f"/api/invites/{mine['code']}").status_code == 204
    refused = register_user(api).api.post(f"/api/invites/{mine['code']}/accept")
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "invite_revoked"
    listed = {i["code"]: i["revoked"] for i in group.moderator.api.get(f"/api/groups/{group.id}/invites").json()}
    assert listed[mine["code"]] is True
    own = [i["code"] for i in group.members[1].api.get(f"/api/groups/{group.id}/invites").json()]
    assert mine["code"] not in own


def test_only_moderators_create_guest_invites(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    refused = group.members[0].api.post(f"/api/groups/{group.id}/invites", {"role": "guest"})
    assert refused.status_code == 403
    assert group.moderator.api.post(f"/api/groups/{group.id}/invites", {"role": "guest"}).status_code == 201


def test_the_preview_shows_the_group_and_the_channels_the_invited_role_will_see(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    group.owner.api.patch(f"/api/groups/{group.id}", {"description": "Remote devs"})
    group.owner.api.post(f"/api/groups/{group.id}/channels", {"name": "staff", "kind": "text",
                                                               "overrides": {"guest": {"view": False}}})
    guest_invite = group.owner.api.post(f"/api/groups/{group.id}/invites", {"role": "guest"}).json()
    preview = api.get(f"/api/invites/{guest_invite['code']}").json()
    assert preview["group_description"] == "Remote devs" and preview["role"] == "guest"
    assert [c["name"] for c in preview["channels"]] == ["general", "General"]
    member_invite = group.owner.api.post(f"/api/groups/{group.id}/invites").json()
    assert "staff" in [c["name"] for c in api.get(f"/api/invites/{member_invite['code']}").json()["channels"]]


def test_a_guest_gets_a_limited_token_and_a_display_name(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    invite = group.owner.api.post(f"/api/groups/{group.id}/invites", {"role": "guest"}).json()
    nameless = api.post(f"/api/invites/{invite['code']}/accept")
    assert nameless.status_code == 422
    tokens = join_as_guest(api, group.owner, group.id, name="Visiting Tutor")
    guest = api.as_token(tokens["access_token"])
    me = guest.get("/api/me").json()
    assert me["is_guest"] and me["guest_group_id"] == group.id and me["display_name"] == "Visiting Tutor"
    assert guest.post("/api/groups", {"name": "mine"}).status_code == 403
    refreshed = api.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json()
    assert api.as_token(refreshed["access_token"]).get(f"/api/groups/{group.id}").status_code == 200
    member_invite = group.owner.api.post(f"/api/groups/{group.id}/invites").json()
    assert api.post(f"/api/invites/{member_invite['code']}/accept").status_code == 401


def test_members_are_searched_by_name_filtered_by_role_and_paged(api: Api) -> None:
    group = make_group_with_members(api, n=3)
    owner = group.owner.api
    everyone = owner.get(f"/api/groups/{group.id}/members").json()
    assert everyone["total"] == 5 and everyone["members"][0]["role"] == "owner"
    target = group.members[1]
    found = owner.get(f"/api/groups/{group.id}/members", params={"q": target.username[2:8].upper()}).json()
    assert [m["user_id"] for m in found["members"]] == [target.id]
    mods = owner.get(f"/api/groups/{group.id}/members", params={"role": "moderator"}).json()
    assert [m["user_id"] for m in mods["members"]] == [group.moderator.id]
    page = owner.get(f"/api/groups/{group.id}/members", params={"limit": 2, "offset": 2}).json()
    assert len(page["members"]) == 2 and page["total"] == 5
    assert owner.get(f"/api/groups/{group.id}/members", params={"q": "%"}).json()["total"] == 0


def test_roles_change_and_removal_follow_rank(api: Api) -> None:
    group = make_group_with_members(api, n=2)
    a, b = group.members
    owner, mod = group.owner.api, group.moderator.api
    assert owner.patch(f"/api/groups/{group.id}/members/{a.id}", {"role": "moderator"}).json()["role"] == "moderator"
    assert owner.patch(f"/api/groups/{group.id}/members/{a.id}", {"role": "owner"}).status_code == 403
    assert mod.delete(f"/api/groups/{group.id}/members/{a.id}").status_code == 403  # a moderator now
    assert mod.delete(f"/api/groups/{group.id}/members/{b.id}").status_code == 204
    assert owner.delete(f"/api/groups/{group.id}/members/{group.owner.id}").json()["error"]["code"] == "owner_cannot_leave"
    assert a.api.delete(f"/api/groups/{group.id}/members/{a.id}").status_code == 204  # leaving
    left = {m["user_id"] for m in owner.get(f"/api/groups/{group.id}/members").json()["members"]}
    assert left == {group.owner.id, group.moderator.id}


def test_bulk_actions_report_each_user_and_keep_the_successes(api: Api) -> None:
    group = make_group_with_members(api, n=2)
    newcomers = [register_user(api) for _ in range(2)]
    owner = group.owner.api
    invited = owner.post(f"/api/groups/{group.id}/members/bulk",
                         {"action": "add", "user_ids": [u.id for u in newcomers] + [group.members[0].id,
                                                                                    "00000000-0000-0000-0000-000000000000"]})
    results = {r["user_id"]: (r["ok"], r["error"]) for r in invited.json()["results"]}
    assert results[newcomers[0].id] == (True, None)
    assert results["00000000-0000-0000-0000-000000000000"] == (False, "user_not_found")
    assert results[group.members[0].id] == (False, "already_member")
    # Invited is not joined: each newcomer says yes with the invitation addressed to them.
    members = {m["user_id"] for m in owner.get(f"/api/groups/{group.id}/members").json()["members"]}
    assert not members & {u.id for u in newcomers}
    for user in newcomers:
        [pending] = user.api.get("/api/me/invites").json()
        assert pending["group_id"] == group.id and pending["invited_by"] == group.owner.id
        assert user.api.post(f"/api/invites/{pending['code']}/accept").status_code == 200
    roles = owner.post(f"/api/groups/{group.id}/members/bulk",
                       {"action": "set_role", "role": "moderator", "user_ids": [group.members[0].id, group.owner.id]})
    assert [(r["ok"], r["error"]) for r in roles.json()["results"]] == [(True, None), (False, "role_change_not_allowed")]
    removed = group.moderator.api.post(f"/api/groups/{group.id}/members/bulk",
                                       {"action": "remove", "user_ids": [newcomers[0].id, group.members[0].id]})
    assert [r["ok"] for r in removed.json()["results"]] == [True, False]  # the second is a moderator now
    members = {m["user_id"] for m in owner.get(f"/api/groups/{group.id}/members").json()["members"]}
    assert newcomers[0].id not in members and newcomers[1].id in members and group.members[0].id in members
    missing_role = owner.post(f"/api/groups/{group.id}/members/bulk", {"action": "set_role", "user_ids": [group.owner.id]})
    assert missing_role.status_code == 422


def test_a_bulk_add_cannot_grant_a_role_the_actor_could_not_invite_with(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    stranger = register_user(api)
    as_moderator = group.moderator.api.post(f"/api/groups/{group.id}/members/bulk",
                                            {"action": "add", "user_ids": [stranger.id], "role": "moderator"})
    assert [(r["ok"], r["error"]) for r in as_moderator.json()["results"]] == [(False, "role_not_allowed")]
    assert stranger.api.get("/api/me/invites").json() == []
    assert stranger.api.get(f"/api/groups/{group.id}").status_code == 404


def test_an_invitation_is_for_its_invitee_alone_and_arrives_as_a_notification(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    invitee, someone_else = register_user(api), register_user(api)

    async def run() -> str:
        ws = await WsClient.connect(api.base_url, invitee.tokens["access_token"])
        try:
            group.owner.api.post(f"/api/groups/{group.id}/members/bulk", {"action": "add", "user_ids": [invitee.id]})
            push = await ws.next_push("notification", kind="group_invite")
            assert push["group_id"] == group.id and push["from_user_id"] == group.owner.id
            return str(push["invite_code"])
        finally:
            await ws.close()

    code = asyncio.run(run())
    assert someone_else.api.post(f"/api/invites/{code}/accept").status_code == 404
    assert invitee.api.post(f"/api/invites/{code}/accept").json()["role"] == "member"


def test_a_ban_removes_keeps_out_of_every_invite_and_can_be_lifted(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    [member] = group.members
    link = group.owner.api.post(f"/api/groups/{group.id}/invites", {"role": "member"}).json()["code"]
    refused = group.moderator.api.post(f"/api/groups/{group.id}/bans", {"user_id": group.owner.id, "reason": "coup"})
    assert refused.status_code == 403
    banned = group.moderator.api.post(f"/api/groups/{group.id}/bans", {"user_id": member.id, "reason": "spam"})
    assert banned.status_code == 201 and banned.json()["reason"] == "spam"
    assert member.api.get(f"/api/groups/{group.id}").status_code == 404
    assert member.api.post(f"/api/invites/{link}/accept").json()["error"]["code"] == "banned"
    again = group.owner.api.post(f"/api/groups/{group.id}/members/bulk", {"action": "add", "user_ids": [member.id]})
    assert again.json()["results"][0]["error"] == "banned"
    listed = group.owner.api.get(f"/api/groups/{group.id}/bans").json()
    assert [(b["user_id"], b["banned_by"], b["reason"]) for b in listed] == [(member.id, group.moderator.id, "spam")]
    assert group.owner.api.delete(f"/api/groups/{group.id}/bans/{member.id}").status_code == 204
    assert group.owner.api.get(f"/api/groups/{group.id}/bans").json() == []
    assert member.api.post(f"/api/invites/{link}/accept").status_code == 200

"""Notifications people see: stored per recipient, listed with an unread count, marked read (one,
a group's, all), muted per group and channel (kept, arrived read, never pushed live), silenced by
"do not disturb" (pushed with alert false), and hidden again as soon as their reader may no longer
see the group or channel they are about."""

from __future__ import annotations

import uuid
from typing import Any, AsyncIterator

import pytest

from tests.support.api import Api, GroupWithMembers, User, join_as_guest, make_group_with_members, register_user
from tests.support.server import RunningServer
from tests.support.ws import WsClient


class Scene:
    """A group whose author (alice) and reader (bob) are connected."""

    def __init__(self, group: GroupWithMembers, alice: WsClient, bob: WsClient) -> None:
        self.group = group
        self.alice, self.bob = alice, bob
        self.alice_user, self.bob_user = group.members
        self.channel_id = group.text_channel_id
        self.voice_id = next(c["id"] for c in group.body["channels"] if c["kind"] == "voice")

    async def mention_bob(self, body: str = "look") -> dict[str, Any]:
        sent = await self.alice.ok("send_message", channel_id=self.channel_id, client_id=uuid.uuid4().hex,
                                   body=f"@{self.bob_user.username} {body}")
        return dict(sent["message"])

    def bobs(self, **query: Any) -> dict[str, Any]:
        response = self.bob_user.api.get("/api/notifications", params=query)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
async def scene(api: Api, server: RunningServer) -> AsyncIterator[Scene]:
    group = make_group_with_members(api, n=2)
    alice = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    bob = await WsClient.connect(server.url, group.members[1].tokens["access_token"])
    yield Scene(group, alice, bob)
    await alice.close()
    await bob.close()


async def test_a_mention_is_stored_pushed_and_marked_read(scene: Scene) -> None:
    message = await scene.mention_bob()
    push = await scene.bob.next_push("notification", kind="mention")
    assert push["message_id"] == message["id"] and push["alert"] is True and push["read"] is False
    page = scene.bobs()
    assert page["unread_count"] == 1
    [stored] = page["notifications"]
    assert stored["id"] == push["id"] and stored["channel_id"] == scene.channel_id
    assert stored["from_user_id"] == scene.alice_user.id and stored["text"].endswith("look")
    alice_name = scene.alice_user.api.get("/api/me").json()["display_name"]
    assert push["from_name"] == stored["from_name"] == alice_name
    # Someone else cannot mark it (nor learn that it exists).
    other = scene.alice_user.api.post(f"/api/notifications/{stored['id']}/read")
    assert (other.status_code, other.json()["error"]["code"]) == (404, "notification_not_found")
    marked = scene.bob_user.api.post(f"/api/notifications/{stored['id']}/read").json()
    assert marked == {"marked": 1, "unread_count": 0}
    assert scene.bobs()["notifications"][0]["read"] is True


async def test_pages_go_back_in_time_and_refuse_a_foreign_cursor(scene: Scene) -> None:
    sent = [await scene.mention_bob(f"n{i}") for i in range(5)]
    first = scene.bobs(limit=2)
    second = scene.bobs(limit=2, before=first["next_before"])
    third = scene.bobs(limit=2, before=second["next_before"])
    listed = [n["message_id"] for p in (first, second, third) for n in p["notifications"]]
    assert listed == [m["id"] for m in reversed(sent)] and third["next_before"] is None
    refused = scene.bob_user.api.get("/api/notifications", params={"before": str(uuid.uuid4())})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_cursor")


async def test_mark_read_per_group_and_all(scene: Scene, api: Api) -> None:
    other = make_group_with_members(api, n=0)
    invite = other.owner.api.post(f"/api/groups/{other.id}/invites", {"role": "member"}).json()
    assert scene.bob_user.api.post(f"/api/invites/{invite['code']}/accept").status_code == 200
    await scene.mention_bob()
    other_channel = other.text_channel_id
    owner_ws = await WsClient.connect(api.base_url, other.owner.tokens["access_token"])
    try:
        await owner_ws.ok("send_message", channel_id=other_channel, client_id=uuid.uuid4().hex,
                          body=f"@{scene.bob_user.username} over here")
    finally:
        await owner_ws.close()
    assert scene.bobs()["unread_count"] == 2
    marked = scene.bob_user.api.post("/api/notifications/read", {"group_id": other.id}).json()
    assert marked == {"marked": 1, "unread_count": 1}
    assert {n["group_id"]: n["read"] for n in scene.bobs()["notifications"]} == {other.id: True, scene.group.id: False}
    assert scene.bob_user.api.post("/api/notifications/read").json() == {"marked": 1, "unread_count": 0}


async def test_a_muted_channel_or_group_keeps_its_notifications_read_and_silent(scene: Scene) -> None:
    bob = scene.bob_user.api
    muted = bob.request("PUT", f"/api/channels/{scene.channel_id}/notification-settings", json={"muted": True})
    assert muted.json() == {"channel_id": scene.channel_id, "muted": True}
    await scene.mention_bob("while the channel is muted")
    await scene.bob.no_push("notification", within=1.0)
    [stored] = scene.bobs()["notifications"]
    assert (stored["muted"], stored["read"]) == (True, True) and scene.bobs()["unread_count"] == 0
    settings = bob.get(f"/api/groups/{scene.group.id}/notification-settings").json()
    assert settings == {"group_id": scene.group.id, "muted": False, "muted_channel_ids": [scene.channel_id]}
    bob.request("PUT", f"/api/channels/{scene.channel_id}/notification-settings", json={"muted": False})
    group_muted = bob.request("PUT", f"/api/groups/{scene.group.id}/notification-settings", json={"muted": True})
    assert group_muted.json() == {"group_id": scene.group.id, "muted": True, "muted_channel_ids": []}
    await scene.mention_bob("while the group is muted")
    await scene.bob.no_push("notification", within=1.0)
    assert [n["muted"] for n in scene.bobs()["notifications"]] == [True, True]
    bob.request("PUT", f"/api/groups/{scene.group.id}/notification-settings", json={"muted": False})
    await scene.mention_bob("unmuted")
    await scene.bob.next_push("notification", kind="mention", muted=False)
    assert scene.bobs()["unread_count"] == 1
    bad = bob.request("PUT", f"/api/groups/{scene.group.id}/notification-settings", json={"muted": "yes"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_body")


async def test_do_not_disturb_pushes_without_an_alert_and_outlives_a_reconnect(scene: Scene, server: RunningServer
                                                                                ) -> None:
    await scene.bob.ok("set_presence", status="dnd", status_text="focus")
    await scene.mention_bob()
    push = await scene.bob.next_push("notification", kind="mention")
    assert push["alert"] is False
    assert scene.bobs()["unread_count"] == 1  # counted all the same
    again = await WsClient.connect(server.url, scene.bob_user.tokens["access_token"])
    try:
        assert (again.welcome["my_status"], again.welcome["my_status_text"]) == ("dnd", "focus")
    finally:
        await again.close()
    await scene.bob.ok("set_presence", status="online")
    await scene.mention_bob()
    assert (await scene.bob.next_push("notification", kind="mention"))["alert"] is True


async def test_invisible_looks_offline_to_others_and_still_gets_notifications(scene: Scene) -> None:
    await scene.bob.ok("set_presence", status="invisible", status_text="secret")
    push = await scene.alice.next_push("presence", presence__user_id=scene.bob_user.id, presence__status="offline")
    assert push["presence"]["status_text"] == ""
    await scene.mention_bob()
    assert (await scene.bob.next_push("notification", kind="mention"))["alert"] is True


async def test_a_hidden_channel_hides_its_notifications_until_it_is_shown_again(scene: Scene) -> None:
    await scene.mention_bob()
    assert scene.bobs()["unread_count"] == 1
    owner = scene.group.owner.api
    hidden = owner.patch(f"/api/channels/{scene.channel_id}", {"overrides": {"member": {"view": False}}})
    assert hidden.status_code == 200, hidden.text
    assert scene.bobs() == {"notifications": [], "unread_count": 0, "next_before": None}
    owner.patch(f"/api/channels/{scene.channel_id}", {"overrides": {}})
    assert scene.bobs()["unread_count"] == 1


async def test_a_mention_reads_as_its_message_does_now_and_goes_with_it(scene: Scene) -> None:
    message = await scene.mention_bob("first words")
    await scene.alice.ok("edit_message", message_id=message["id"], body=f"@{scene.bob_user.username} second words")
    [stored] = scene.bobs()["notifications"]
    assert stored["text"].endswith("second words")
    await scene.alice.ok("delete_message", message_id=message["id"])
    assert scene.bobs() == {"notifications": [], "unread_count": 0, "next_before": None}


async def test_a_removed_member_no_longer_sees_the_groups_notifications(scene: Scene) -> None:
    await scene.mention_bob()
    assert len(scene.bobs()["notifications"]) == 1
    owner = scene.group.owner.api
    assert owner.delete(f"/api/groups/{scene.group.id}/members/{scene.bob_user.id}").status_code == 204
    assert scene.bobs() == {"notifications": [], "unread_count": 0, "next_before": None}
    refused = scene.bob_user.api.get(f"/api/groups/{scene.group.id}/notification-settings")
    assert refused.status_code == 404


async def test_call_started_and_invite_accepted_are_stored_for_their_recipients(scene: Scene, api: Api) -> None:
    told = await scene.alice.ok("start_call", channel_id=scene.channel_id, voice_channel_id=scene.voice_id)
    assert told["notified"] == 3  # owner, moderator, bob
    [call] = scene.bobs()["notifications"]
    assert (call["kind"], call["voice_channel_id"], call["from_user_id"]) == (
        "call_started", scene.voice_id, scene.alice_user.id)
    newcomer: User = register_user(api)
    invite = scene.alice_user.api.post(f"/api/groups/{scene.group.id}/invites", {"role": "member"}).json()
    assert newcomer.api.post(f"/api/invites/{invite['code']}/accept").status_code == 200
    accepted = await scene.alice.next_push("notification", kind="invite_accepted")
    assert accepted["from_user_id"] == newcomer.id and accepted["group_id"] == scene.group.id
    listed = scene.alice_user.api.get("/api/notifications").json()["notifications"]
    assert [n["kind"] for n in listed] == ["invite_accepted"]


async def test_call_notices_reach_who_sees_the_call_once_and_are_rate_limited(scene: Scene, server: RunningServer
                                                                            ) -> None:
    owner_api = scene.group.owner.api
    voice = f"/api/channels/{scene.voice_id}"
    assert owner_api.patch(voice, {"overrides": {"member": {"view": False}}}).status_code == 200
    owner = await WsClient.connect(server.url, scene.group.owner.tokens["access_token"])
    moderator = await WsClient.connect(server.url, scene.group.moderator.tokens["access_token"])
    try:
        # Members do not see the voice channel: only the moderator is told.
        hidden = await owner.ok("start_call", channel_id=scene.channel_id, voice_channel_id=scene.voice_id)
        assert hidden["notified"] == 1 and scene.bobs()["notifications"] == []
        assert owner_api.patch(voice, {"overrides": {}}).status_code == 200

        assert (await scene.alice.ok("start_call", channel_id=scene.channel_id,
                                     voice_channel_id=scene.voice_id))["notified"] == 3
        again = await scene.alice.request("start_call", channel_id=scene.channel_id, voice_channel_id=scene.voice_id)
        assert (again["type"], again["code"]) == ("error", "rate_limited"), again
        # Someone else announcing the same call while bob has not read the first: still one for bob.
        await moderator.ok("start_call", channel_id=scene.channel_id, voice_channel_id=scene.voice_id)
        calls = [n for n in scene.bobs()["notifications"] if n["kind"] == "call_started"]
        assert len(calls) == 1 and calls[0]["from_user_id"] == scene.alice_user.id
    finally:
        await owner.close()
        await moderator.close()


async def test_a_guest_is_warned_before_the_call_time_runs_out(server_factory) -> None:  # type: ignore[no-untyped-def]
    # The warning comes 60 s before the end: a 62 s limit warns after about 2 s.
    node = server_factory(guest_call_limit_s=62)
    owner = register_user(Api(node.url))
    group = owner.api.post("/api/groups", {"name": "guests"}).json()
    voice = next(c["id"] for c in group["channels"] if c["kind"] == "voice")
    tokens = join_as_guest(Api(node.url), owner, group["id"])
    guest = await WsClient.connect(node.url, tokens["access_token"])
    try:
        await guest.ok("join_call", channel_id=voice)
        push = await guest.next_push("notification", timeout=8, kind="guest_time_warning")
        assert push["channel_id"] == voice and push["from_user_id"] is None
        listed = Api(node.url, tokens["access_token"]).get("/api/notifications").json()
        assert [n["kind"] for n in listed["notifications"]] == ["guest_time_warning"]
        assert listed["unread_count"] == 1
    finally:
        await guest.close()

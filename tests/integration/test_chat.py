"""Text channels over the gateway: live messages, retries, history and resume, edits, deletes,
typing, mentions, call notices and the welcome of new members."""

from __future__ import annotations

import asyncio
import uuid
from typing import AsyncIterator

import pytest

from tests.support.api import (
    Api,
    GroupWithMembers,
    join_as_guest,
    make_group_with_members,
    register_user,
)
from tests.support.server import RunningServer
from tests.support.ws import WsClient


class Room:
    """A group whose owner, moderator and two members are connected."""

    def __init__(self, group: GroupWithMembers, clients: list[WsClient]) -> None:
        self.group = group
        self.owner, self.moderator, self.alice, self.bob = clients
        self.channel_id = group.text_channel_id

    @property
    def clients(self) -> list[WsClient]:
        return [self.owner, self.moderator, self.alice, self.bob]


@pytest.fixture
async def room(api: Api, server: RunningServer) -> AsyncIterator[Room]:
    group = make_group_with_members(api, n=2)
    users = [group.owner, group.moderator, *group.members]
    clients = [await WsClient.connect(server.url, u.tokens["access_token"]) for u in users]
    yield Room(group, clients)
    for client in clients:
        await client.close()


def new_client_id() -> str:
    return uuid.uuid4().hex


async def test_a_message_reaches_every_member_live(room: Room) -> None:
    data = await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="hello all")
    sent = data["message"]
    assert sent["body"] == "hello all" and sent["seq"] >= 1
    for client in room.clients:
        push = await client.next_push("message_created", message__id=sent["id"])
        assert push["message"]["body"] == "hello all" and push["group_id"] == room.group.id


async def test_a_retried_send_with_the_same_client_id_is_stored_and_pushed_once(room: Room, api: Api) -> None:
    client_id = new_client_id()
    first = await room.alice.ok("send_message", channel_id=room.channel_id, client_id=client_id, body="once")
    again = await room.alice.ok("send_message", channel_id=room.channel_id, client_id=client_id, body="once")
    assert first["message"]["id"] == again["message"]["id"]
    await room.bob.next_push("message_created", message__id=first["message"]["id"])
    await room.bob.no_push("message_created", message__client_id=client_id)
    history = room.group.members[0].api.get(f"/api/channels/{room.channel_id}/messages").json()["messages"]
    assert [m["client_id"] for m in history].count(client_id) == 1


async def test_concurrent_retries_still_make_one_message(room: Room) -> None:
    client_id = new_client_id()
    replies = await asyncio.gather(*(room.alice.ok("send_message", channel_id=room.channel_id, client_id=client_id,
                                                   body="race") for _ in range(5)))
    assert len({r["message"]["id"] for r in replies}) == 1


async def test_history_pages_newest_first_with_a_before_cursor(room: Room) -> None:
    sent = [(await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(),
                                 body=f"m{i}"))["message"] for i in range(5)]
    api = room.group.members[0].api
    page = api.get(f"/api/channels/{room.channel_id}/messages", params={"limit": 3}).json()
    assert [m["body"] for m in page["messages"]] == ["m4", "m3", "m2"]
    older = api.get(f"/api/channels/{room.channel_id}/messages",
                    params={"limit": 3, "before": page["messages"][-1]["seq"]}).json()
    assert [m["body"] for m in older["messages"]] == ["m1", "m0"]
    assert page["last_version"] >= sent[-1]["version"]


async def test_resume_after_a_version_returns_new_edited_and_deleted_messages_in_order(room: Room) -> None:
    first = (await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="a"))["message"]
    cursor = first["version"]
    second = (await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="b"))["message"]
    await room.alice.ok("edit_message", message_id=first["id"], body="a, edited")
    await room.alice.ok("delete_message", message_id=second["id"])
    changes = room.group.members[1].api.get(f"/api/channels/{room.channel_id}/messages",
                                            params={"after": cursor}).json()["messages"]
    assert [(m["id"], m["body"], m["deleted"]) for m in changes] == [
        (first["id"], "a, edited", False),
        (second["id"], "", True),
    ]
    versions = [m["version"] for m in changes]
    assert versions == sorted(versions) and versions[0] > cursor


async def test_edit_and_delete_are_pushed_and_checked(room: Room) -> None:
    message = (await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="v1"))["message"]
    edited = await room.alice.ok("edit_message", message_id=message["id"], body="v2")
    assert edited["message"]["edited_at"] is not None
    await room.bob.next_push("message_updated", message__id=message["id"], message__body="v2")
    refused = await room.bob.request("edit_message", message_id=message["id"], body="hijack")
    assert refused["type"] == "error" and refused["code"] == "permission_denied"
    refused = await room.bob.request("delete_message", message_id=message["id"])
    assert refused["code"] == "permission_denied"
    await room.moderator.ok("delete_message", message_id=message["id"])
    await room.bob.next_push("message_deleted", message__id=message["id"])
    gone = await room.alice.request("edit_message", message_id=message["id"], body="too late")
    assert gone["code"] == "message_not_found"


async def test_messages_in_a_channel_hidden_from_guests_never_reach_guests(room: Room, api: Api,
                                                                            server: RunningServer) -> None:
    hidden = room.group.owner.api.post(f"/api/groups/{room.group.id}/channels", {
        "name": "staff", "kind": "text", "overrides": {"guest": {"view": False}}}).json()
    guest_tokens = join_as_guest(api, room.group.owner, room.group.id)
    guest = await WsClient.connect(server.url, guest_tokens["access_token"])
    try:
        await room.alice.ok("send_message", channel_id=hidden["id"], client_id=new_client_id(), body="secret")
        await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="public")
        await guest.next_push("message_created", message__body="public")
        await guest.no_push("message_created", message__body="secret")
        refused = await guest.request("send_message", channel_id=hidden["id"], client_id=new_client_id(), body="hi")
        assert refused["code"] == "channel_not_found"
    finally:
        await guest.close()


async def test_a_denied_send_permission_is_refused_and_writes_nothing(room: Room) -> None:
    muted = room.group.owner.api.post(f"/api/groups/{room.group.id}/channels", {
        "name": "announcements", "kind": "text", "overrides": {"member": {"send_messages": False}}}).json()
    refused = await room.alice.request("send_message", channel_id=muted["id"], client_id=new_client_id(), body="x")
    assert refused["code"] == "permission_denied"
    assert room.group.owner.api.get(f"/api/channels/{muted['id']}/messages").json()["messages"] == []
    voice = next(c["id"] for c in room.group.body["channels"] if c["kind"] == "voice")
    wrong_kind = await room.alice.request("send_message", channel_id=voice, client_id=new_client_id(), body="x")
    assert wrong_kind["code"] == "not_a_text_channel"


async def test_channels_of_other_groups_are_not_found(room: Room, api: Api) -> None:
    other = make_group_with_members(api, n=0)
    refused = await room.alice.request("send_message", channel_id=other.text_channel_id, client_id=new_client_id(),
                                       body="hi")
    assert refused["code"] == "channel_not_found"


async def test_typing_reaches_the_others_but_not_the_typist(room: Room) -> None:
    await room.alice.request("typing", channel_id=room.channel_id)
    push = await room.bob.next_push("typing")
    assert push["user_id"] == room.group.members[0].id and push["channel_id"] == room.channel_id
    await room.alice.no_push("typing")


async def test_a_mention_notifies_only_the_mentioned_member(room: Room) -> None:
    bob_name = room.group.members[1].username
    message = (await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(),
                                   body=f"hey @{bob_name}, look"))["message"]
    assert message["mentions"] == [room.group.members[1].id]
    note = await room.bob.next_push("notification")
    assert note["kind"] == "mention" and note["message_id"] == message["id"]
    assert note["from_user_id"] == room.group.members[0].id
    await room.owner.no_push("notification")


async def test_start_call_here_notifies_the_channels_other_members(room: Room) -> None:
    voice = next(c["id"] for c in room.group.body["channels"] if c["kind"] == "voice")
    data = await room.alice.ok("start_call", channel_id=room.channel_id, voice_channel_id=voice)
    assert data["notified"] == 3
    for client in (room.owner, room.moderator, room.bob):
        note = await client.next_push("notification", kind="call_started")
        assert note["voice_channel_id"] == voice
    await room.alice.no_push("notification")


async def test_a_newcomer_gets_the_channel_list_and_members_get_a_join_event(room: Room, api: Api,
                                                                          server: RunningServer) -> None:
    newcomer = register_user(api)
    client = await WsClient.connect(server.url, newcomer.tokens["access_token"])
    try:
        invite = room.group.owner.api.post(f"/api/groups/{room.group.id}/invites").json()
        assert newcomer.api.post(f"/api/invites/{invite['code']}/accept").status_code == 200
        joined = await client.next_push("group_joined")
        assert joined["group"]["group"]["id"] == room.group.id
        assert {c["name"]: c["topic"] for c in joined["group"]["channels"]}["general"] == "Talk about anything"
        event = await room.alice.next_push("member_joined")
        assert event["member"]["user_id"] == newcomer.id
        # From now on the newcomer receives the group's messages too.
        await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="welcome!")
        await client.next_push("message_created", message__body="welcome!")
    finally:
        await client.close()


async def test_a_removed_member_stops_receiving_the_groups_messages(room: Room) -> None:
    bob = room.group.members[1]
    assert room.group.owner.api.delete(f"/api/groups/{room.group.id}/members/{bob.id}").status_code == 204
    await room.bob.next_push("group_removed")
    await room.alice.next_push("member_left", user_id=bob.id)
    await room.alice.ok("send_message", channel_id=room.channel_id, client_id=new_client_id(), body="after")
    await room.owner.next_push("message_created", message__body="after")
    await room.bob.no_push("message_created", message__body="after")


async def test_channel_changes_are_pushed_with_each_roles_view(room: Room) -> None:
    channel = room.group.owner.api.post(f"/api/groups/{room.group.id}/channels",
                                        {"name": "plans", "kind": "text"}).json()
    await room.alice.next_push("channel_changed", channel__id=channel["id"])
    room.group.owner.api.patch(f"/api/channels/{channel['id']}", {"overrides": {"member": {"view": False}}})
    await room.alice.next_push("channel_removed", channel_id=channel["id"])
    changed = await room.moderator.next_push("channel_changed", channel__id=channel["id"], channel__overrides__member__view=False)
    assert "send_messages" in changed["channel"]["my_permissions"]


async def test_sending_faster_than_the_per_user_rate_is_refused(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(message_rate=3)
    api = Api(node.url)
    group = make_group_with_members(api, n=0)
    client = await WsClient.connect(node.url, group.owner.tokens["access_token"])
    try:
        replies = await asyncio.gather(*(client.request("send_message", channel_id=group.text_channel_id,
                                                        client_id=new_client_id(), body="spam") for _ in range(8)))
        codes = [r.get("code") for r in replies]
        assert codes.count("rate_limited") >= 4
        stored = group.owner.api.get(f"/api/channels/{group.text_channel_id}/messages").json()["messages"]
        assert len(stored) == 8 - codes.count("rate_limited")
    finally:
        await client.close()

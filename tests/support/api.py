"""A small HTTP client for tests, and builders that make users, groups and members."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import httpx


class Api:
    """httpx against one server; `as_user` returns a client carrying that user's access token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=30.0)

    def as_token(self, token: str | None) -> "Api":
        return Api(self.base_url, token)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.post(path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.patch(path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.delete(path, **kw)


@dataclass
class User:
    id: str
    username: str
    password: str
    tokens: dict[str, Any]
    api: Api


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{secrets.token_hex(5)}"


def register_user(api: Api, username: str | None = None, *, email: str | None = None,
                  password: str = "correct horse battery") -> User:
    username = username or unique_name()
    body: dict[str, Any] = {"username": username, "password": password}
    if email:
        body["email"] = email
    response = api.post("/api/auth/register", body)
    assert response.status_code == 201, response.text
    tokens = response.json()
    return User(tokens["user"]["id"], username, password, tokens, api.as_token(tokens["access_token"]))


@dataclass
class GroupWithMembers:
    id: str
    body: dict[str, Any]
    owner: User
    moderator: User
    members: list[User]

    @property
    def text_channel_id(self) -> str:
        return str(next(c["id"] for c in self.body["channels"] if c["kind"] == "text"))


def join_with_invite(user: User, owner: User, group_id: str, role: str = "member") -> None:
    invite = owner.api.post(f"/api/groups/{group_id}/invites", {"role": role})
    assert invite.status_code == 201, invite.text
    accepted = user.api.post(f"/api/invites/{invite.json()['code']}/accept")
    assert accepted.status_code == 200, accepted.text


def make_group_with_members(api: Api, n: int = 2, *, privacy: str = "private") -> GroupWithMembers:
    """A group with an owner, one moderator and `n` plain members."""
    owner = register_user(api)
    created = owner.api.post("/api/groups", {"name": unique_name("group"), "privacy": privacy})
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    moderator = register_user(api)
    join_with_invite(moderator, owner, group_id)
    changed = owner.api.patch(f"/api/groups/{group_id}/members/{moderator.id}", {"role": "moderator"})
    assert changed.status_code == 200, changed.text
    members = []
    for _ in range(n):
        member = register_user(api)
        join_with_invite(member, owner, group_id)
        members.append(member)
    return GroupWithMembers(group_id, created.json(), owner, moderator, members)


def join_as_guest(api: Api, owner: User, group_id: str, name: str = "Visitor") -> dict[str, Any]:
    invite = owner.api.post(f"/api/groups/{group_id}/invites", {"role": "guest"})
    assert invite.status_code == 201, invite.text
    accepted = api.post(f"/api/invites/{invite.json()['code']}/accept", {"display_name": name})
    assert accepted.status_code == 200, accepted.text
    tokens: dict[str, Any] = accepted.json()["tokens"]
    return tokens


def random_uuid() -> str:
    return str(uuid.uuid4())

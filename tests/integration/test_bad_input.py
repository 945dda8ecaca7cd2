"""Bad input at the HTTP edge: a 4xx with a stable code, and nothing written."""

from __future__ import annotations

import json
import uuid

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import Api, make_group_with_members, register_user, unique_name


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def test_wrong_types_and_missing_fields_are_422_with_details(api: Api) -> None:
    user = register_user(api)
    before = user.api.get("/api/groups").json()
    for body in ({"name": 5}, {}, {"name": "x", "privacy": "secret"}, {"name": "x", "member_limit": -1},
                 {"name": "x" * 101}, {"name": "   "}, [], "just a string", {"name": "ok", "unknown": 1}):
        response = user.api.post("/api/groups", body)
        assert response.status_code == 422, body
        assert error_code(response) == "invalid_body"
        assert response.json()["error"]["details"]
    assert user.api.get("/api/groups").json() == before


def test_invalid_json_is_400(api: Api) -> None:
    user = register_user(api)
    response = user.api.request("POST", "/api/groups", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and error_code(response) == "invalid_json"
    empty = user.api.request("POST", "/api/groups", content=b"")
    assert empty.status_code == 400 and error_code(empty) == "invalid_json"


def test_json_nested_too_deep_is_400_too_deep_on_any_route(api: Api) -> None:
    for body in (b"[" * 30_000, b"[" * 40 + b"]" * 40, b'{"login":' * 5_000):
        response = api.request("POST", "/api/auth/login", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400 and error_code(response) == "too_deep", body[:20]


def test_text_that_postgresql_cannot_store_is_422_and_nothing_is_written(api: Api) -> None:
    user = register_user(api)
    for raw in ('{"name": "a\\u0000b"}', '{"name": "ok", "description": "x\\u0000"}', '{"name": "\\ud800"}',
                '{"name": "ok", "\\u0000": 1}'):
        response = user.api.request("POST", "/api/groups", content=raw.encode(), headers={"content-type": "application/json"})
        assert response.status_code == 422 and error_code(response) == "invalid_body", raw
        assert response.json()["error"]["details"][0]["type"] in ("nul_character", "lone_surrogate")
    assert api.post("/api/auth/login", {"login": "a\x00", "password": "x"}).status_code == 422
    assert user.api.get("/api/groups").json() == []


def test_nul_in_a_query_is_422_and_in_a_path_404(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    members = group.owner.api.get(f"/api/groups/{group.id}/members", params={"q": "a\x00"})
    assert members.status_code == 422 and error_code(members) == "invalid_body"
    assert api.get("/api/invites/abc%00def").status_code == 404
    assert group.owner.api.delete("/api/invites/%00").status_code == 404


def test_numbers_are_not_coerced_from_booleans_strings_or_floats(api: Api) -> None:
    user = register_user(api)
    for limit in (True, "5", 5.0, 5.5):
        response = user.api.post("/api/groups", {"name": "strict", "member_limit": limit})
        assert response.status_code == 422 and error_code(response) == "invalid_body", limit
    created = user.api.post("/api/groups", {"name": "strict", "member_limit": 5, "privacy": "public"})
    assert created.status_code == 201 and created.json()["member_limit"] == 5
    members = f"/api/groups/{created.json()['id']}/members"
    for limit in ("true", "1.0", "1_0", " 5", "5e0", "0x5"):
        response = user.api.get(members, params={"limit": limit})
        assert response.status_code == 422 and error_code(response) == "invalid_body", limit
    assert user.api.get(members, params={"limit": "5", "role": "owner"}).json()["total"] == 1


def test_a_wrong_method_lists_every_method_the_path_answers(api: Api) -> None:
    group_members = f"/api/groups/{uuid.uuid4()}/members"
    for path, allow in ((f"{group_members}/bulk", {"POST", "PATCH", "DELETE"}),
                        (f"{group_members}/{uuid.uuid4()}", {"PATCH", "DELETE"}),
                        (f"/api/groups/{uuid.uuid4()}", {"GET", "HEAD", "PATCH", "DELETE"}),
                        ("/api/auth/login", {"POST"})):
        for method in ({"GET", "PUT", "POST", "OPTIONS"} - allow):
            response = api.request(method, path)
            assert response.status_code == 405 and error_code(response) == "method_not_allowed", (method, path)
            assert set(response.headers["allow"].split(", ")) == allow, (method, path)


def test_bodies_over_64_kib_are_refused_with_or_without_a_length(api: Api) -> None:
    user = register_user(api)
    big = json.dumps({"name": "x", "description": "y" * 70_000}).encode()
    declared = user.api.request("POST", "/api/groups", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and error_code(declared) == "payload_too_large"

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    streamed = user.api.request("POST", "/api/groups", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and error_code(streamed) == "payload_too_large"
    assert user.api.get("/api/groups").json() == []


def test_unknown_and_malformed_ids_are_404(api: Api) -> None:
    user = register_user(api)
    for path in (f"/api/groups/{uuid.uuid4()}", "/api/groups/not-a-uuid", f"/api/channels/{uuid.uuid4()}/messages",
                 "/api/channels/123/messages", "/api/invites/no-such-code"):
        response = user.api.get(path)
        assert response.status_code == 404, path
        assert error_code(response).endswith("not_found")


def test_missing_or_garbage_authorization_is_401_with_a_code(api: Api) -> None:
    assert error_code(api.get("/api/me")) == "unauthenticated"
    for header in ("Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Token abc"):
        response = api.get("/api/me", headers={"authorization": header})
        assert response.status_code == 401 and error_code(response) == "invalid_token", header


def test_unknown_paths_and_methods_answer_json_errors(api: Api) -> None:
    missing = api.get("/api/nothing-here")
    assert missing.status_code == 404 and error_code(missing) == "not_found"
    wrong = api.request("PUT", "/api/groups")
    assert wrong.status_code == 405 and error_code(wrong) == "method_not_allowed"


def test_refused_member_changes_write_nothing(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    member = group.members[0]
    before = group.owner.api.get(f"/api/groups/{group.id}/members").json()
    assert member.api.patch(f"/api/groups/{group.id}/members/{group.moderator.id}", {"role": "member"}).status_code == 403
    assert member.api.delete(f"/api/groups/{group.id}/members/{group.moderator.id}").status_code == 403
    bad_role = group.owner.api.patch(f"/api/groups/{group.id}/members/{member.id}", {"role": "emperor"})
    assert bad_role.status_code == 422
    assert group.owner.api.get(f"/api/groups/{group.id}/members").json() == before


def test_register_with_a_bad_email_or_short_password_creates_nobody(api: Api) -> None:
    name = unique_name()
    for body in ({"username": name, "password": "short"}, {"username": name, "password": "long enough", "email": "nope"},
                 {"username": "a b", "password": "long enough"}):
        response = api.post("/api/auth/register", body)
        assert response.status_code == 422 and error_code(response) == "invalid_body"
    assert api.post("/api/auth/login", {"login": name, "password": "long enough"}).status_code == 401


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)
group_like = st.fixed_dictionaries({}, optional={
    "name": json_values | st.text(max_size=120), "description": json_values,
    "privacy": json_values | st.sampled_from(["public", "private"]),
    "member_limit": json_values | st.integers(-5, 200_000),
})


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(body=json_values | group_like)
def test_random_bodies_never_cause_a_server_error(api: Api, body: object) -> None:
    user_api = api.as_token(_fuzz_token(api))
    for path in ("/api/groups", "/api/auth/register", "/api/auth/login"):
        response = user_api.post(path, body)
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str)


_TOKENS: dict[str, str] = {}


def _fuzz_token(api: Api) -> str:
    if api.base_url not in _TOKENS:
        _TOKENS[api.base_url] = register_user(api).tokens["access_token"]
    return _TOKENS[api.base_url]

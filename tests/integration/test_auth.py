"""Local accounts, tokens and their refresh/rotation rules, over real HTTP."""

from __future__ import annotations

import time
import uuid

import jwt

from tests.support.api import Api, register_user, unique_name


def test_register_returns_tokens_and_me_shows_the_account(api: Api) -> None:
    user = register_user(api, email=f"{unique_name()}@example.org")
    me = user.api.get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["is_guest"] is False
    assert user.tokens["expires_in"] == 3600


def test_access_token_expires_in_one_hour(api: Api) -> None:
    user = register_user(api)
    claims = jwt.decode(user.tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


def test_login_with_username_or_email_case_insensitively(api: Api) -> None:
    email = f"{unique_name()}@Example.org"
    user = register_user(api, email=email)
    by_name = api.post("/api/auth/login", {"login": user.username.upper(), "password": user.password})
    by_email = api.post("/api/auth/login", {"login": email.lower(), "password": user.password})
    assert by_name.status_code == 200 and by_email.status_code == 200
    assert by_name.json()["user"]["id"] == by_email.json()["user"]["id"] == user.id


def test_login_with_wrong_password_is_refused_with_a_code(api: Api) -> None:
    user = register_user(api)
    response = api.post("/api/auth/login", {"login": user.username, "password": "not the password"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    unknown = api.post("/api/auth/login", {"login": unique_name(), "password": "whatever123"})
    assert unknown.json()["error"]["code"] == "invalid_credentials"


def test_passwords_are_stored_as_argon2_hashes(api: Api, server) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    import asyncpg

    user = register_user(api)

    async def stored_hash() -> str:
        conn = await asyncpg.connect(server.settings.database_url,
                                     server_settings={"search_path": server.settings.database_schema})
        try:
            return str(await conn.fetchval("SELECT password_hash FROM users WHERE username = $1", user.username))
        finally:
            await conn.close()

    value = asyncio.run(stored_hash())
    assert value.startswith("$argon2id$") and user.password not in value


def test_duplicate_username_or_email_is_a_conflict(api: Api) -> None:
    email = f"{unique_name()}@example.org"
    user = register_user(api, email=email)
    same_name = api.post("/api/auth/register", {"username": user.username.upper(), "password": "long enough pw"})
    assert same_name.status_code == 409 and same_name.json()["error"]["code"] == "username_taken"
    same_email = api.post("/api/auth/register", {"username": unique_name(), "password": "long enough pw", "email": email})
    assert same_email.status_code == 409 and same_email.json()["error"]["code"] == "email_taken"


def test_refresh_rotates_the_refresh_token(api: Api) -> None:
    user = register_user(api)
    first = api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]})
    assert first.status_code == 200
    assert first.json()["refresh_token"] != user.tokens["refresh_token"]
    second = api.post("/api/auth/refresh", {"refresh_token": first.json()["refresh_token"]})
    assert second.status_code == 200
    assert api.as_token(second.json()["access_token"]).get("/api/me").status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(api: Api) -> None:
    user = register_user(api)
    rotated = api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]}).json()
    replay = api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]})
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "refresh_token_reused"
    # The legitimate newest token of that family is dead too.
    newest = api.post("/api/auth/refresh", {"refresh_token": rotated["refresh_token"]})
    assert newest.status_code == 401 and newest.json()["error"]["code"] == "invalid_refresh_token"


def test_reuse_revokes_only_that_sign_in_not_other_sessions(api: Api) -> None:
    user = register_user(api)
    other_session = api.post("/api/auth/login", {"login": user.username, "password": user.password}).json()
    api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]})
    api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]})
    still_fine = api.post("/api/auth/refresh", {"refresh_token": other_session["refresh_token"]})
    assert still_fine.status_code == 200


def test_logout_revokes_the_refresh_token_and_is_idempotent(api: Api) -> None:
    user = register_user(api)
    assert api.post("/api/auth/logout", {"refresh_token": user.tokens["refresh_token"]}).status_code == 204
    assert api.post("/api/auth/logout", {"refresh_token": user.tokens["refresh_token"]}).status_code == 204
    refused = api.post("/api/auth/refresh", {"refresh_token": user.tokens["refresh_token"]})
    assert refused.status_code == 401


def test_expired_access_token_is_refused_with_token_expired(api: Api, server) -> None:  # type: ignore[no-untyped-def]
    user = register_user(api)
    now = int(time.time())
    token = jwt.encode({"sub": user.id, "iat": now - 7200, "exp": now - 3600, "typ": "access",
                        "sid": str(uuid.uuid4())},
                       server.settings.jwt_secret, algorithm="HS256")
    response = api.as_token(token).get("/api/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"


def test_tampered_token_is_refused(api: Api) -> None:
    user = register_user(api)
    header, payload, signature = user.tokens["access_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = api.as_token(forged).get("/api/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_alg_none_token_is_refused(api: Api) -> None:
    user = register_user(api)
    unsigned = jwt.encode({"sub": user.id, "exp": int(time.time()) + 600, "typ": "access"}, key=None, algorithm="none")
    response = api.as_token(unsigned).get("/api/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_token_signed_with_another_secret_is_refused(api: Api) -> None:
    user = register_user(api)
    other = jwt.encode({"sub": user.id, "exp": int(time.time()) + 600, "typ": "access"}, "x" * 48, algorithm="HS256")
    assert api.as_token(other).get("/api/me").json()["error"]["code"] == "invalid_token"


def test_login_is_rate_limited_per_account(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(auth_rate_limit=3, auth_rate_window_s=60)
    api = Api(node.url)
    user = register_user(api)
    codes = [api.post("/api/auth/login", {"login": user.username, "password": "wrong password"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = api.post("/api/auth/login", {"login": user.username, "password": user.password})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


def test_register_is_rate_limited_per_ip(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(auth_rate_limit=3, auth_rate_window_s=60)
    api = Api(node.url)
    codes = [api.post("/api/auth/register", {"username": unique_name(), "password": "long enough pw"}).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]

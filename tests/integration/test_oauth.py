"""OAuth sign-in with Google, GitHub and Discord, over real HTTP against a local provider that
runs the authorization-code flow with state and PKCE."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.support.api import Api, register_user
from tests.support.oauth_provider import OAuthProvider
from tests.support.server import RunningServer

PROVIDERS = ("google", "github", "discord")


@pytest.fixture
def provider() -> Iterator[OAuthProvider]:
    running = OAuthProvider().start()
    yield running
    running.stop()


@pytest.fixture
def node(provider: OAuthProvider, server_factory: Callable[..., RunningServer]) -> RunningServer:
    def oauth_settings(url: str) -> dict[str, Any]:
        return {"oauth": {name: provider.register(name, f"{url}/api/auth/oauth/{name}/callback")
                          for name in PROVIDERS}}

    return server_factory(configure=oauth_settings)


def sign_in(node: RunningServer, name: str, redirect_to: str | None = None) -> httpx.Response:
    """What the browser does: follow each redirect by hand until PeerShare sends it back to itself."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        params = {"redirect_to": redirect_to} if redirect_to else {}
        start = browser.get(f"{node.url}/api/auth/oauth/{name}/start", params=params)
        assert start.status_code == 302, start.text
        at_provider = browser.get(start.headers["location"])
        if at_provider.status_code != 302:
            return at_provider
        return browser.get(at_provider.headers["location"])


def tokens_from(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    fragment = urlparse(response.headers["location"]).fragment
    return {k: v[0] for k, v in parse_qs(fragment).items()}


def me(node: RunningServer, tokens: dict[str, str]) -> dict[str, Any]:
    response = Api(node.url).as_token(tokens["access_token"]).get("/api/me")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def identity(**overrides: Any) -> dict[str, Any]:
    subject = str(uuid.uuid4().int % 10**12)
    values = {"id": subject, "login": f"octo{subject[:6]}", "name": "Octo Cat",
              "email": f"octo{subject}@example.org", "verified": True}
    values.update(overrides)
    return values


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_new_user_signs_in_and_the_profile_is_stored(node: RunningServer, provider: OAuthProvider, name: str) -> None:
    profile = identity()
    provider.sign_in_as(**profile)
    response = sign_in(node, name)
    assert urlparse(response.headers["location"]).path == "/"
    account = me(node, tokens_from(response))
    [linked] = account["identities"]
    assert (linked["provider"], linked["subject"], linked["name"]) == (name, profile["id"], "Octo Cat")
    assert linked["avatar_url"]
    assert account["email"] == profile["email"] and account["email_verified"] is True


def test_the_flow_uses_state_and_pkce_s256(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    tokens_from(sign_in(node, "github"))
    authorize = provider.state.authorize_requests[-1]
    token = provider.state.token_requests[-1]
    assert authorize["code_challenge_method"] == "S256" and len(authorize["state"]) >= 32
    challenge = base64.urlsafe_b64encode(hashlib.sha256(token["code_verifier"].encode()).digest()).rstrip(b"=")
    assert challenge.decode() == authorize["code_challenge"]
    assert token["redirect_uri"] == f"{node.url}/api/auth/oauth/github/callback"


def test_the_same_identity_signs_in_to_the_same_account(node: RunningServer, provider: OAuthProvider) -> None:
    profile = identity()
    provider.sign_in_as(**profile)
    first = me(node, tokens_from(sign_in(node, "discord")))
    provider.sign_in_as(**profile)
    second = me(node, tokens_from(sign_in(node, "discord")))
    assert first["id"] == second["id"]


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_verified_email_links_the_existing_local_account(node: RunningServer, provider: OAuthProvider,
                                                           name: str) -> None:
    email = f"local{uuid.uuid4().hex[:8]}@example.org"
    local = register_user(Api(node.url), email=email)
    provider.sign_in_as(**identity(email=email, verified=True))
    account = me(node, tokens_from(sign_in(node, name)))
    assert account["id"] == local.id and account["email_verified"] is True
    assert [i["provider"] for i in account["identities"]] == [name]
    # Whoever registered the address without proving it loses the password and the sessions.
    api = Api(node.url)
    assert api.post("/api/auth/login", {"login": local.username, "password": local.password}).status_code == 401
    assert api.post("/api/auth/refresh", {"refresh_token": local.tokens["refresh_token"]}).status_code == 401


@pytest.mark.parametrize("name", PROVIDERS)
def test_an_unverified_email_never_links_an_account(node: RunningServer, provider: OAuthProvider, name: str) -> None:
    email = f"victim{uuid.uuid4().hex[:8]}@example.org"
    victim = register_user(Api(node.url), email=email)
    provider.sign_in_as(**identity(email=email, verified=False))
    account = me(node, tokens_from(sign_in(node, name)))
    assert account["id"] != victim.id
    assert account["email"] != email  # the address belongs to someone else here


def test_a_taken_username_gets_a_free_one(node: RunningServer, provider: OAuthProvider) -> None:
    taken = register_user(Api(node.url))
    provider.sign_in_as(**identity(login=taken.username))
    account = me(node, tokens_from(sign_in(node, "github")))
    assert account["username"] != taken.username and account["username"].startswith(taken.username)


def test_a_refusal_at_the_provider_is_a_clear_error(node: RunningServer, provider: OAuthProvider) -> None:
    provider.state.refuse_next = True
    response = sign_in(node, "google")
    assert response.status_code == 400 and response.json()["error"]["code"] == "oauth_denied"


def test_an_unknown_or_replayed_state_is_refused(node: RunningServer, provider: OAuthProvider) -> None:
    unknown = httpx.get(f"{node.url}/api/auth/oauth/google/callback", params={"state": "forged", "code": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_oauth_state"
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as browser:
        start = browser.get(f"{node.url}/api/auth/oauth/google/start")
        callback = browser.get(start.headers["location"]).headers["location"]
        assert browser.get(callback).status_code == 302
        replay = browser.get(callback)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "invalid_oauth_state"


def test_a_state_from_another_provider_is_refused(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as browser:
        start = browser.get(f"{node.url}/api/auth/oauth/google/start")
        callback = urlparse(browser.get(start.headers["location"]).headers["location"])
        crossed = browser.get(f"{node.url}/api/auth/oauth/github/callback?{callback.query}")
    assert crossed.status_code == 400 and crossed.json()["error"]["code"] == "invalid_oauth_state"


def test_a_code_the_provider_refuses_is_a_clear_error(node: RunningServer, provider: OAuthProvider) -> None:
    with httpx.Client(follow_redirects=False) as browser:
        start = browser.get(f"{node.url}/api/auth/oauth/github/start")
        state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
        response = browser.get(f"{node.url}/api/auth/oauth/github/callback", params={"state": state, "code": "bogus"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "oauth_code_rejected"


def test_an_unconfigured_provider_is_not_found(api: Api) -> None:
    response = api.get("/api/auth/oauth/google/start")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "oauth_provider_not_configured"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\\\evil.example"])
def test_redirect_to_cannot_leave_the_site(node: RunningServer, provider: OAuthProvider, target: str) -> None:
    provider.sign_in_as(**identity())
    location = urlparse(sign_in(node, "google", redirect_to=target).headers["location"])
    assert f"{location.scheme}://{location.netloc}" == node.url and location.path == "/"


def test_redirect_to_a_page_of_the_site_is_kept(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    location = urlparse(sign_in(node, "github", redirect_to="/invite/abc").headers["location"])
    assert location.path == "/invite/abc" and "access_token=" in location.fragment


def callback_url(browser: httpx.Client, node: RunningServer, name: str, **params: str) -> str:
    """Starts a sign-in in `browser` and lets the provider approve it; the callback is not followed."""
    start = browser.get(f"{node.url}/api/auth/oauth/{name}/start", params=params)
    assert start.status_code == 302, start.text
    at_provider = browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return str(at_provider.headers["location"])


def test_the_start_gives_the_browser_an_httponly_lax_cookie_for_the_oauth_routes_only(
        node: RunningServer) -> None:
    start = httpx.get(f"{node.url}/api/auth/oauth/github/start")
    cookie = start.headers["set-cookie"].lower()
    assert cookie.startswith("peershare_oauth=")
    for attribute in ("httponly", "samesite=lax", "path=/api/auth/oauth/", "max-age=600"):
        assert attribute in cookie


def test_a_callback_in_another_browser_is_refused_and_signs_nobody_in(node: RunningServer,
                                                                      provider: OAuthProvider) -> None:
    """Login CSRF: the attacker starts a sign-in with their own account and makes the victim's
    browser open the callback."""
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as attacker, httpx.Client(follow_redirects=False) as victim:
        url = callback_url(attacker, node, "github")
        tokens_asked = len(provider.state.token_requests)
        refused = victim.get(url)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "oauth_other_browser"
        assert "location" not in refused.headers and "access_token" not in refused.text
        assert len(provider.state.token_requests) == tokens_asked  # the code was never even redeemed
        # The state is used up: the attacker's own browser cannot finish it now either.
        assert attacker.get(url).json()["error"]["code"] == "invalid_oauth_state"


def test_a_callback_with_another_sign_ins_cookie_is_refused(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as attacker, httpx.Client(follow_redirects=False) as victim:
        url = callback_url(attacker, node, "google")
        victim.get(f"{node.url}/api/auth/oauth/google/start")  # the victim has a sign-in of their own going
        assert victim.cookies.get("peershare_oauth")
        refused = victim.get(url)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "oauth_other_browser"


def test_the_cookie_is_cleared_when_the_sign_in_ends(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as browser:
        finished = browser.get(callback_url(browser, node, "discord"))
        assert finished.status_code == 302 and "access_token=" in finished.headers["location"]
        assert "max-age=0" in finished.headers["set-cookie"].lower()
        assert browser.cookies.get("peershare_oauth") is None
        browser.get(f"{node.url}/api/auth/oauth/discord/start")
        refused = browser.get(f"{node.url}/api/auth/oauth/discord/callback", params={"state": "forged", "code": "x"})
        assert refused.status_code == 400 and browser.cookies.get("peershare_oauth") is None


def test_the_web_clients_state_comes_back_beside_the_tokens(node: RunningServer, provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    with httpx.Client(follow_redirects=False) as browser:
        finished = browser.get(callback_url(browser, node, "github", client_state="c" * 43))
    handed = tokens_from(finished)
    assert handed["client_state"] == "c" * 43 and me(node, handed)["username"]
    provider.sign_in_as(**identity())
    assert "client_state" not in tokens_from(sign_in(node, "github"))


@pytest.mark.parametrize("client_state", ["short", "has spaces in it here", "x" * 129])
def test_a_malformed_client_state_is_refused_at_the_start(node: RunningServer, client_state: str) -> None:
    response = httpx.get(f"{node.url}/api/auth/oauth/github/start", params={"client_state": client_state})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_body"

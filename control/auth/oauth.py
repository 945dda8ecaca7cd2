"""OAuth 2.0 sign-in (authorization code + state + PKCE) with Google, GitHub and Discord.

Each provider's profile is normalised into one OAuthProfile; an account is found by its
(provider, subject) identity, else linked by verified e-mail, else created.

The state is bound to the browser that started the sign-in (BrowserNonce): otherwise anyone could
start a sign-in with their own account and make a victim's browser finish it (login CSRF), and
the victim would be working in the attacker's account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from control.errors import InvalidInput, ServiceUnavailable
from control.settings import OAuthProviderSettings


@dataclass(frozen=True)
class OAuthProfile:
    subject: str
    name: str | None
    username_hint: str
    email: str | None
    email_verified: bool
    avatar_url: str | None


@dataclass(frozen=True)
class PkcePair:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> "PkcePair":
        verifier = secrets.token_urlsafe(64)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


@dataclass(frozen=True)
class BrowserNonce:
    """A secret that only the starting browser holds (in a cookie); the server keeps its hash."""

    value: str

    @classmethod
    def new(cls) -> "BrowserNonce":
        return cls(secrets.token_urlsafe(32))

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.value.encode()).hexdigest()

    def matches(self, stored_hash: str) -> bool:
        return hmac.compare_digest(self.hash, stored_hash)


def authorize_url(provider: OAuthProviderSettings, *, redirect_uri: str, state: str, pkce: PkcePair) -> str:
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scope,
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    return f"{provider.authorize_url}?{urlencode(query)}"


async def fetch_profile(
    http: httpx.AsyncClient, provider: OAuthProviderSettings, *, code: str, redirect_uri: str, verifier: str
) -> OAuthProfile:
    """Trades the code for an access token and reads the user's profile with it."""
    try:
        token_response = await http.post(
            provider.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
                "code_verifier": verifier,
            },
            headers={"Accept": "application/json"},
        )
        if token_response.status_code >= 400 or "access_token" not in token_response.json():
            raise InvalidInput("the provider refused the sign-in code", code="oauth_code_rejected")
        bearer = {"Authorization": f"Bearer {token_response.json()['access_token']}", "Accept": "application/json"}
        user = await _get_json(http, provider.userinfo_url, bearer)
        emails = await _get_json(http, provider.emails_url, bearer) if provider.emails_url else []
    except (httpx.HTTPError, ValueError):
        raise ServiceUnavailable(f"could not reach {provider.name}'s sign-in service", code="oauth_unreachable") from None
    try:
        return _PROFILE_READERS[provider.name](user, emails)
    except (KeyError, TypeError, AttributeError):
        raise ServiceUnavailable(f"{provider.name} sent a profile we cannot read", code="oauth_bad_profile") from None


async def _get_json(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await http.get(url, headers=headers)
    response.raise_for_status()
    return response.json()


def _google_profile(user: dict[str, Any], _emails: Any) -> OAuthProfile:
    email = user.get("email")
    return OAuthProfile(
        subject=str(user["sub"]),
        name=user.get("name"),
        username_hint=(email or "user").split("@")[0],
        email=email,
        email_verified=bool(user.get("email_verified")),
        avatar_url=user.get("picture"),
    )


def _github_profile(user: dict[str, Any], emails: list[dict[str, Any]]) -> OAuthProfile:
    # /user shows only a public e-mail; /user/emails says which address is verified.
    primary = next((e for e in emails if e.get("primary") and e.get("verified")), None)
    verified_any = next((e for e in emails if e.get("verified")), None)
    chosen = primary or verified_any
    return OAuthProfile(
        subject=str(user["id"]),
        name=user.get("name") or user.get("login"),
        username_hint=str(user.get("login") or "user"),
        email=chosen["email"] if chosen else user.get("email"),
        email_verified=chosen is not None,
        avatar_url=user.get("avatar_url"),
    )


def _discord_profile(user: dict[str, Any], _emails: Any) -> OAuthProfile:
    avatar = user.get("avatar")
    return OAuthProfile(
        subject=str(user["id"]),
        name=user.get("global_name") or user.get("username"),
        username_hint=str(user.get("username") or "user"),
        email=user.get("email"),
        email_verified=bool(user.get("verified")),
        avatar_url=f"https://cdn.discordapp.com/avatars/{user['id']}/{avatar}.png" if avatar else None,
    )


_PROFILE_READERS = {"google": _google_profile, "github": _github_profile, "discord": _discord_profile}

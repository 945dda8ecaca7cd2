"""OAuth sign-in routes: /start redirects to the provider, /callback finishes the sign-in and
sends the browser back to the web client with the token pair in the URL fragment (which never
reaches a server log).

Two bindings stop a sign-in started elsewhere from landing in a victim's browser: /start gives
the browser a nonce cookie that /callback must see again, and the web client's own
`client_state` comes back in the fragment, so the app takes only tokens it asked for."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import asyncpg
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from control.api.routing import ApiRouter, Context, error_response
from control.auth import sessions
from control.auth.oauth import (
    BrowserNonce,
    OAuthProfile,
    PkcePair,
    authorize_url,
    fetch_profile,
)
from control.errors import InvalidInput, NotFound, PeerShareError, PermissionDenied, ServiceUnavailable
from control.settings import OAuthProviderSettings
from control.store import users

router = ApiRouter("auth")

_STATE_TTL = timedelta(minutes=10)
# Sent only to the OAuth routes; Lax, so the provider's top-level redirect back carries it.
_COOKIE, _COOKIE_PATH = "peershare_oauth", "/api/auth/oauth/"


class StartQuery(BaseModel):
    redirect_to: str | None = Field(default=None, max_length=500, description="a path of the web client")
    client_state: str | None = Field(default=None, min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                                     description="the web client's random value, returned in the fragment")


class CallbackQuery(BaseModel):
    state: str = Field(default="", max_length=200)
    code: str | None = Field(default=None, max_length=2000)
    error: str | None = Field(default=None, max_length=200)


def _provider(ctx: Context) -> OAuthProviderSettings:
    name = ctx.path("provider")
    provider = ctx.services.settings.oauth.get(name)
    if provider is None:
        raise NotFound(f"sign-in with {name!r} is not configured here", code="oauth_provider_not_configured")
    return provider


def _redirect_uri(ctx: Context, provider: OAuthProviderSettings) -> str:
    return f"{ctx.services.settings.public_url}/api/auth/oauth/{provider.name}/callback"


def _secure(ctx: Context) -> bool:
    return ctx.services.settings.public_url.startswith("https:")


def _safe_path(path: str | None) -> str:
    """Only paths on this site: anything else would make us an open redirector."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/api/auth/oauth/{provider}/start", summary="Begin signing in with an OAuth provider (302)",
            query=StartQuery, auth=False, status=302)
async def start(ctx: Context, query: StartQuery) -> RedirectResponse:
    provider = _provider(ctx)
    state, pkce, nonce = secrets.token_urlsafe(32), PkcePair.new(), BrowserNonce.new()
    async with ctx.services.db.transaction() as conn:
        await users.insert_oauth_state(
            conn, state=state, provider=provider.name, code_verifier=pkce.verifier,
            redirect_to=_safe_path(query.redirect_to), browser_hash=nonce.hash, client_state=query.client_state,
            expires_at=datetime.now(timezone.utc) + _STATE_TTL,
        )
    response = RedirectResponse(
        authorize_url(provider, redirect_uri=_redirect_uri(ctx, provider), state=state, pkce=pkce), status_code=302)
    response.set_cookie(_COOKIE, nonce.value, max_age=int(_STATE_TTL.total_seconds()), path=_COOKIE_PATH,
                        secure=_secure(ctx), httponly=True, samesite="lax")
    return response


@router.get("/api/auth/oauth/{provider}/callback",
            summary="Finish an OAuth sign-in in the browser that started it; redirects with "
                    "#access_token=…&refresh_token=…&client_state=…",
            query=CallbackQuery, auth=False, status=302,
            errors=(InvalidInput, PermissionDenied, ServiceUnavailable))
async def callback(ctx: Context, query: CallbackQuery) -> Response:
    try:
        response: Response = await _finish(ctx, query)
    except PeerShareError as exc:
        response = error_response(exc)
    # Used or refused, this sign-in is over: the browser forgets its nonce either way.
    response.delete_cookie(_COOKIE, path=_COOKIE_PATH, secure=_secure(ctx), httponly=True, samesite="lax")
    return response


async def _finish(ctx: Context, query: CallbackQuery) -> RedirectResponse:
    provider = _provider(ctx)
    async with ctx.services.db.transaction() as conn:
        flow = await users.take_oauth_state(conn, query.state)
    if flow is None or flow["provider"] != provider.name or not flow["fresh"]:
        raise InvalidInput("this sign-in link is unknown, used or expired; start again", code="invalid_oauth_state")
    cookie = ctx.request.cookies.get(_COOKIE)
    if cookie is None or not BrowserNonce(cookie).matches(flow["browser_hash"]):
        raise PermissionDenied("this sign-in was started in another browser; start again here",
                               code="oauth_other_browser")
    if query.error or not query.code:
        raise InvalidInput(f"{provider.name} did not sign you in ({query.error or 'no code'})", code="oauth_denied")
    profile = await fetch_profile(
        ctx.services.http, provider, code=query.code, redirect_uri=_redirect_uri(ctx, provider),
        verifier=flow["code_verifier"],
    )
    async with ctx.services.db.transaction() as conn:
        user, revoked = await _account_for(conn, provider.name, profile)
        tokens = await sessions.issue_token_pair(conn, ctx.services, user)
    await sessions.signed_out(ctx.services, user["id"], revoked)
    handed = {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
              "expires_in": tokens.expires_in}
    if flow["client_state"]:
        handed["client_state"] = flow["client_state"]
    fragment = urlencode(handed)
    return RedirectResponse(f"{ctx.services.settings.public_url}{flow['redirect_to']}#{fragment}", status_code=302)


async def _account_for(conn: asyncpg.Connection, provider: str,
                       profile: OAuthProfile) -> tuple[asyncpg.Record, list[uuid.UUID]]:
    """The identity's account; else the account with the same verified e-mail; else a new one.
    Also the sign-ins revoked on the way (an unverified account claimed by the address's owner)."""
    revoked: list[uuid.UUID] = []
    user = await users.find_identity_user(conn, provider, profile.subject)
    if user is None and profile.email and profile.email_verified:
        user = await users.find_by_email(conn, profile.email)
        if user is not None and not user["email_verified"]:
            # The provider proved who owns the address; whoever registered it here unproven
            # (perhaps to pre-hijack the account) loses the password and every session.
            revoked = await users.claim_unverified_account(conn, user["id"])
    if user is None:
        email = profile.email if profile.email and not await users.email_taken(conn, profile.email) else None
        user = await users.create_user(
            conn,
            username=await _free_username(conn, profile.username_hint),
            display_name=(profile.name or profile.username_hint)[:64],
            email=email,
            email_verified=bool(email and profile.email_verified),
            avatar_url=profile.avatar_url,
        )
    await users.upsert_identity(
        conn, provider=provider, subject=profile.subject, user_id=user["id"], name=profile.name,
        email=profile.email, avatar_url=profile.avatar_url,
    )
    return user, revoked


async def _free_username(conn: asyncpg.Connection, hint: str) -> str:
    base = "".join(c for c in hint if c.isalnum() or c in "_.-")[:24] or "user"
    base = base if len(base) >= 3 else f"{base}-user"
    candidate = base
    while await users.username_taken(conn, candidate):
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate

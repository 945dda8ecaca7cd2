"""OAuth sign-in routes: /start redirects to the provider, /callback finishes the sign-in and
sends the browser back to the web client with the token pair in the URL fragment (which never
reaches a server log)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import asyncpg
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse

from control.api.routing import ApiRouter, Context
from control.auth import sessions
from control.auth.oauth import OAuthProfile, PkcePair, authorize_url, fetch_profile
from control.errors import InvalidInput, NotFound, ServiceUnavailable
from control.settings import OAuthProviderSettings
from control.store import users

router = ApiRouter("auth")

_STATE_TTL = timedelta(minutes=10)


class StartQuery(BaseModel):
    redirect_to: str | None = Field(default=None, max_length=500, description="a path of the web client")


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


def _safe_path(path: str | None) -> str:
    """Only paths on this site: anything else would make us an open redirector."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/api/auth/oauth/{provider}/start", summary="Begin signing in with an OAuth provider (302)",
            query=StartQuery, auth=False, status=302)
async def start(ctx: Context, query: StartQuery) -> RedirectResponse:
    provider = _provider(ctx)
    state, pkce = secrets.token_urlsafe(32), PkcePair.new()
    async with ctx.services.db.transaction() as conn:
        await users.insert_oauth_state(
            conn, state=state, provider=provider.name, code_verifier=pkce.verifier,
            redirect_to=_safe_path(query.redirect_to), expires_at=datetime.now(timezone.utc) + _STATE_TTL,
        )
    return RedirectResponse(authorize_url(provider, redirect_uri=_redirect_uri(ctx, provider), state=state, pkce=pkce),
                            status_code=302)


@router.get("/api/auth/oauth/{provider}/callback",
            summary="Finish an OAuth sign-in; redirects with #access_token=…&refresh_token=…",
            query=CallbackQuery, auth=False, status=302, errors=(InvalidInput, ServiceUnavailable))
async def callback(ctx: Context, query: CallbackQuery) -> RedirectResponse:
    provider = _provider(ctx)
    async with ctx.services.db.transaction() as conn:
        flow = await users.take_oauth_state(conn, query.state)
    if flow is None or flow["provider"] != provider.name or not flow["fresh"]:
        raise InvalidInput("this sign-in link is unknown, used or expired; start again", code="invalid_oauth_state")
    if query.error or not query.code:
        raise InvalidInput(f"{provider.name} did not sign you in ({query.error or 'no code'})", code="oauth_denied")
    profile = await fetch_profile(
        ctx.services.http, provider, code=query.code, redirect_uri=_redirect_uri(ctx, provider),
        verifier=flow["code_verifier"],
    )
    async with ctx.services.db.transaction() as conn:
        user = await _account_for(conn, provider.name, profile)
        tokens = await sessions.issue_token_pair(conn, ctx.services, user)
    fragment = urlencode(
        {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "expires_in": tokens.expires_in}
    )
    return RedirectResponse(f"{ctx.services.settings.public_url}{flow['redirect_to']}#{fragment}", status_code=302)


async def _account_for(conn: asyncpg.Connection, provider: str, profile: OAuthProfile) -> asyncpg.Record:
    """The identity's account; else the account with the same verified e-mail; else a new one."""
    user = await users.find_identity_user(conn, provider, profile.subject)
    if user is None and profile.email and profile.email_verified:
        user = await users.find_by_email(conn, profile.email)
        if user is not None and not user["email_verified"]:
            # The provider proved who owns the address; whoever registered it here unproven
            # (perhaps to pre-hijack the account) loses the password and every session.
            await users.claim_unverified_account(conn, user["id"])
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
    return user


async def _free_username(conn: asyncpg.Connection, hint: str) -> str:
    base = "".join(c for c in hint if c.isalnum() or c in "_.-")[:24] or "user"
    base = base if len(base) >= 3 else f"{base}-user"
    candidate = base
    while await users.username_taken(conn, candidate):
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate

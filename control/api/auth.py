"""Local accounts: register, sign in, refresh, sign out, and who am I."""

from __future__ import annotations

from control.api.routing import ApiRouter, Context
from control.auth import sessions
from control.auth.passwords import hash_password, verify_password
from control.errors import AlreadyExists, InvalidCredentials, NotFound, PermissionDenied, RateLimited
from control.store import users
from control.views import user_out
from schemas.rest import (
    LoginBody,
    LogoutBody,
    MeOut,
    OAuthIdentityOut,
    PasswordChange,
    RefreshBody,
    RegisterBody,
    TokenPair,
)

router = ApiRouter("auth")


async def limit_attempts(ctx: Context, action: str, account: str) -> None:
    """Per client IP and per account, so neither one address nor a botnet can hammer an account."""
    settings = ctx.services.settings
    for key in (f"{action}:ip:{ctx.client_ip}", f"{action}:account:{account.lower()}"):
        await ctx.services.limiter.hit(key, settings.auth_rate_limit, settings.auth_rate_window_s)


@router.post("/api/auth/register", summary="Create a local account", body=RegisterBody, response=TokenPair,
             status=201, auth=False, errors=(AlreadyExists, RateLimited))
async def register(ctx: Context, body: RegisterBody) -> TokenPair:
    await limit_attempts(ctx, "register", body.username)
    password_hash = hash_password(body.password)
    async with ctx.services.db.transaction() as conn:
        user = await users.create_user(
            conn,
            username=body.username,
            display_name=body.display_name or body.username,
            email=body.email,
            password_hash=password_hash,
        )
        return await sessions.issue_token_pair(conn, ctx.services, user)


@router.post("/api/auth/login", summary="Sign in with username or e-mail and password", body=LoginBody,
             response=TokenPair, auth=False, errors=(RateLimited,))
async def login(ctx: Context, body: LoginBody) -> TokenPair:
    await limit_attempts(ctx, "login", body.login)
    async with ctx.services.db.transaction() as conn:
        user = await users.find_by_login(conn, body.login)
        if user is None or not verify_password(user["password_hash"], body.password):
            raise InvalidCredentials("wrong username, e-mail or password")
        return await sessions.issue_token_pair(conn, ctx.services, user)


@router.post("/api/auth/refresh", summary="Trade a refresh token for a new token pair", body=RefreshBody,
             response=TokenPair, auth=False)
async def refresh(ctx: Context, body: RefreshBody) -> TokenPair:
    return await sessions.rotate(ctx.services, body.refresh_token)


@router.post("/api/auth/logout", summary="Sign out: revoke the refresh token's session", body=LogoutBody,
             auth=False)
async def logout(ctx: Context, body: LogoutBody) -> None:
    await sessions.revoke(ctx.services, body.refresh_token)


@router.post("/api/auth/password",
             summary="Change my password: every other sign-in of the account is signed out; this one gets a new token pair",
             body=PasswordChange, response=TokenPair, errors=(PermissionDenied, RateLimited))
async def change_password(ctx: Context, body: PasswordChange) -> TokenPair:
    await limit_attempts(ctx, "password", str(ctx.principal.user_id))
    return await sessions.change_password(ctx.services, ctx.principal, body.current_password, body.new_password)


@router.get("/api/me", summary="The signed-in account", response=MeOut, errors=(NotFound,))
async def me(ctx: Context) -> MeOut:
    async with ctx.services.db.connection() as conn:
        user = await users.get_user(conn, ctx.principal.user_id)
        if user is None:
            raise NotFound("the account no longer exists", code="account_not_found")
        identities = await users.list_identities(conn, user["id"])
    return MeOut(
        **user_out(user).model_dump(),
        identities=[OAuthIdentityOut.model_validate(dict(i)) for i in identities],
        has_password=bool(user["password_hash"]),
    )

"""Sign-in sessions: an access token plus a rotating refresh token.

Refresh tokens are random, stored only as SHA-256 hashes, and belong to a family (one sign-in).
Each refresh spends the token and issues the next of its family; presenting a spent token again
means it was stolen or replayed, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg

from control.auth.passwords import hash_password, verify_password
from control.auth.tokens import Principal
from control.errors import (
    InvalidToken,
    PermissionDenied,
    TokenExpired,
)
from control.rights import RightsChange, RightsChanged
from control.services import Services
from control.store import users
from control.store.postgres import Database
from control.views import user_out
from schemas.rest import TokenPair


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue_token_pair(
    conn: asyncpg.Connection, services: Services, user: asyncpg.Record, family_id: uuid.UUID | None = None
) -> TokenPair:
    refresh_token = secrets.token_urlsafe(32)
    family_id = family_id or uuid.uuid4()
    await users.insert_refresh_token(
        conn,
        token_hash=_hash(refresh_token),
        family_id=family_id,
        user_id=user["id"],
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=services.settings.refresh_token_ttl_s),
    )
    principal = Principal(user_id=user["id"], guest_group_id=user["guest_group_id"], sign_in_id=family_id)
    return TokenPair(
        access_token=services.tokens.issue_access_token(principal),
        refresh_token=refresh_token,
        expires_in=services.tokens.access_ttl_s,
        user=user_out(user),
    )


async def rotate(services: Services, refresh_token: str) -> TokenPair:
    async with services.db.transaction() as conn:
        row = await users.lock_refresh_token(conn, _hash(refresh_token))
        if row is None or row["revoked_at"] is not None:
            raise InvalidToken("the refresh token is not valid; sign in again", code="invalid_refresh_token")
        if row["rotated_at"] is not None:
            await users.revoke_family(conn, row["family_id"])
            reused = row
        elif row["expires_at"] <= datetime.now(timezone.utc):
            raise TokenExpired("the refresh token has expired; sign in again")
        else:
            await users.mark_rotated(conn, row["id"])
            user = await users.get_user(conn, row["user_id"])
            if user is None:
                raise InvalidToken("the account no longer exists", code="invalid_refresh_token")
            return await issue_token_pair(conn, services, user, family_id=row["family_id"])
    # Reached only when a spent token came back: raised after the commit, so the family stays revoked.
    await signed_out(services, reused["user_id"], [reused["family_id"]])
    raise InvalidToken("that refresh token was already used; every session of it is revoked", code="refresh_token_reused")


async def revoke(services: Services, refresh_token: str) -> None:
    """Signs out the sign-in the token belongs to; an unknown token is no error (logout is idempotent)."""
    async with services.db.transaction() as conn:
        row = await users.lock_refresh_token(conn, _hash(refresh_token))
        if row is not None:
            await users.revoke_family(conn, row["family_id"])
    if row is not None:
        await signed_out(services, row["user_id"], [row["family_id"]])


async def change_password(services: Services, principal: Principal, current: str, new: str) -> TokenPair:
    """Sets a new password and signs out every other sign-in of the account; this one goes on
    with a fresh token pair (its earlier refresh tokens are spent)."""
    if principal.sign_in_id is None or principal.is_guest:
        raise PermissionDenied("this account has no password", code="no_password")
    new_hash = hash_password(new)
    async with services.db.transaction() as conn:
        user = await users.get_user(conn, principal.user_id)
        if user is None or not user["password_hash"] or not verify_password(user["password_hash"], current):
            # 403, not 401: the caller's token is fine, it is the password that is not.
            raise PermissionDenied("the current password is wrong", code="wrong_password")
        await users.set_password(conn, principal.user_id, new_hash)
        others = await users.revoke_families_except(conn, principal.user_id, principal.sign_in_id)
        await users.spend_family(conn, principal.sign_in_id)
        pair = await issue_token_pair(conn, services, user, family_id=principal.sign_in_id)
    await signed_out(services, principal.user_id, others)
    return pair


async def signed_out(services: Services, user_id: uuid.UUID, sign_in_ids: list[uuid.UUID]) -> None:
    for sign_in_id in sign_in_ids:
        await services.rights.changed(
            RightsChanged(RightsChange.SIGN_IN_REVOKED, user_id=user_id, sign_in_id=sign_in_id))


async def ensure_live(db: Database, principal: Principal) -> None:
    """An access token is only as good as its sign-in: refused once that is revoked."""
    async with db.connection() as conn:
        live = principal.sign_in_id is not None and await users.sign_in_live(conn, principal.user_id,
                                                                            principal.sign_in_id)
    if not live:
        raise InvalidToken("this sign-in was revoked; sign in again", code="session_revoked")

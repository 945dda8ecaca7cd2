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

from control.auth.tokens import Principal
from control.errors import InvalidToken, TokenExpired
from control.services import Services
from control.store import users
from schemas.rest import TokenPair, UserOut


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def user_out(row: asyncpg.Record) -> UserOut:
    return UserOut(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        email=row["email"],
        email_verified=row["email_verified"],
        avatar_url=row["avatar_url"],
        is_guest=row["guest_group_id"] is not None,
        guest_group_id=row["guest_group_id"],
    )


async def issue_token_pair(
    conn: asyncpg.Connection, services: Services, user: asyncpg.Record, family_id: uuid.UUID | None = None
) -> TokenPair:
    refresh_token = secrets.token_urlsafe(32)
    await users.insert_refresh_token(
        conn,
        token_hash=_hash(refresh_token),
        family_id=family_id or uuid.uuid4(),
        user_id=user["id"],
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=services.settings.refresh_token_ttl_s),
    )
    principal = Principal(user_id=user["id"], guest_group_id=user["guest_group_id"])
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
        elif row["expires_at"] <= datetime.now(timezone.utc):
            raise TokenExpired("the refresh token has expired; sign in again")
        else:
            await users.mark_rotated(conn, row["id"])
            user = await users.get_user(conn, row["user_id"])
            if user is None:
                raise InvalidToken("the account no longer exists", code="invalid_refresh_token")
            return await issue_token_pair(conn, services, user, family_id=row["family_id"])
    # Reached only when a spent token came back: raised after the commit, so the family stays revoked.
    raise InvalidToken("that refresh token was already used; every session of it is revoked", code="refresh_token_reused")


async def revoke(services: Services, refresh_token: str) -> None:
    """Signs out the sign-in the token belongs to; an unknown token is no error (logout is idempotent)."""
    async with services.db.transaction() as conn:
        row = await users.lock_refresh_token(conn, _hash(refresh_token))
        if row is not None:
            await users.revoke_family(conn, row["family_id"])

"""Users, OAuth identities and refresh tokens in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from control.errors import AlreadyExists

_USER_COLUMNS = "id, username, email, email_verified, display_name, avatar_url, guest_group_id, password_hash"


async def create_user(
    conn: asyncpg.Connection,
    *,
    username: str,
    display_name: str,
    email: str | None = None,
    email_verified: bool = False,
    password_hash: str | None = None,
    avatar_url: str | None = None,
    guest_group_id: uuid.UUID | None = None,
) -> asyncpg.Record:
    try:
        row: asyncpg.Record = await conn.fetchrow(
            f"INSERT INTO users (username, email, email_verified, display_name, password_hash, avatar_url,"
            f" guest_group_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_USER_COLUMNS}",
            username, email, email_verified, display_name, password_hash, avatar_url, guest_group_id,
        )
    except asyncpg.UniqueViolationError as exc:
        field = "e-mail" if "email" in (exc.constraint_name or "") else "username"
        raise AlreadyExists(f"that {field} is taken", code=f"{field.replace('-', '')}_taken") from None
    return row


async def get_user(conn: asyncpg.Connection, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)


async def display_name(conn: asyncpg.Connection, user_id: uuid.UUID) -> str:
    name = await conn.fetchval("SELECT display_name FROM users WHERE id = $1", user_id)
    return str(name) if name is not None else "someone"


async def find_by_login(conn: asyncpg.Connection, login: str) -> asyncpg.Record | None:
    """A local account by username or e-mail, case-insensitively."""
    return await conn.fetchrow(
        f"SELECT {_USER_COLUMNS} FROM users WHERE lower(username) = lower($1)"
        " OR (email IS NOT NULL AND lower(email) = lower($1)) ORDER BY lower(username) = lower($1) DESC LIMIT 1",
        login,
    )


async def find_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE lower(email) = lower($1)", email)


async def claim_unverified_account(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Marks the e-mail verified, drops the password and revokes every sign-in of the account
    (returned)."""
    await conn.execute("UPDATE users SET email_verified = true, password_hash = NULL WHERE id = $1", user_id)
    return await revoke_families_except(conn, user_id, None)


async def set_password(conn: asyncpg.Connection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


async def revoke_families_except(conn: asyncpg.Connection, user_id: uuid.UUID,
                                 keep: uuid.UUID | None) -> list[uuid.UUID]:
    """Revokes the user's live sign-ins but `keep`; returns the ones revoked."""
    rows = await conn.fetch(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"
        " AND family_id IS DISTINCT FROM $2 RETURNING family_id",
        user_id, keep,
    )
    return list(dict.fromkeys(r["family_id"] for r in rows))


async def spend_family(conn: asyncpg.Connection, family_id: uuid.UUID) -> None:
    """Marks a sign-in's unspent refresh tokens used, as if rotated."""
    await conn.execute(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE family_id = $1 AND rotated_at IS NULL", family_id)


async def sign_in_live(conn: asyncpg.Connection, user_id: uuid.UUID, family_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2"
        " AND revoked_at IS NULL)",
        family_id, user_id,
    ))


async def email_taken(conn: asyncpg.Connection, email: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))", email))


async def username_taken(conn: asyncpg.Connection, username: str) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))", username)
    )


async def list_identities(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT provider, subject, name, email, avatar_url FROM oauth_identities WHERE user_id = $1"
        " ORDER BY provider",
        user_id,
    )


async def find_identity_user(conn: asyncpg.Connection, provider: str, subject: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))} FROM oauth_identities i"
        " JOIN users u ON u.id = i.user_id WHERE i.provider = $1 AND i.subject = $2",
        provider, subject,
    )


async def upsert_identity(
    conn: asyncpg.Connection,
    *,
    provider: str,
    subject: str,
    user_id: uuid.UUID,
    name: str | None,
    email: str | None,
    avatar_url: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO oauth_identities (provider, subject, user_id, name, email, avatar_url)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider, subject) DO UPDATE"
        " SET name = EXCLUDED.name, email = EXCLUDED.email, avatar_url = EXCLUDED.avatar_url",
        provider, subject, user_id, name, email, avatar_url,
    )


async def insert_refresh_token(
    conn: asyncpg.Connection, *, token_hash: bytes, family_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash, family_id, user_id, expires_at,
    )


async def lock_refresh_token(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, family_id, user_id, expires_at, rotated_at, revoked_at FROM refresh_tokens"
        " WHERE token_hash = $1 FOR UPDATE",
        token_hash,
    )


async def mark_rotated(conn: asyncpg.Connection, token_id: uuid.UUID) -> None:
    await conn.execute("UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1", token_id)


async def revoke_family(conn: asyncpg.Connection, family_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", family_id
    )


async def insert_oauth_state(
    conn: asyncpg.Connection, *, state: str, provider: str, code_verifier: str, redirect_to: str | None,
    browser_hash: str, client_state: str | None, expires_at: datetime,
) -> None:
    # Old, never-finished sign-ins go as new ones start, so the table stays small.
    await conn.execute("DELETE FROM oauth_states WHERE expires_at < now()")
    await conn.execute(
        "INSERT INTO oauth_states (state, provider, code_verifier, redirect_to, browser_hash, client_state, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        state, provider, code_verifier, redirect_to, browser_hash, client_state, expires_at,
    )


async def take_oauth_state(conn: asyncpg.Connection, state: str) -> asyncpg.Record | None:
    """The sign-in in flight for `state`, used up: a state works once, and only before it expires."""
    return await conn.fetchrow(
        "DELETE FROM oauth_states WHERE state = $1 RETURNING provider, code_verifier, redirect_to, browser_hash,"
        " client_state, expires_at > now() AS fresh",
        state,
    )


async def set_presence(conn: asyncpg.Connection, user_id: uuid.UUID, status: str, text: str) -> None:
    await conn.execute("UPDATE users SET presence_status = $2, presence_text = $3 WHERE id = $1", user_id, status, text)


async def get_presence(conn: asyncpg.Connection, user_id: uuid.UUID) -> tuple[str, str]:
    """The status the user chose and its text (online and none when the account is gone)."""
    row = await conn.fetchrow("SELECT presence_status, presence_text FROM users WHERE id = $1", user_id)
    return (row["presence_status"], row["presence_text"]) if row is not None else ("online", "")

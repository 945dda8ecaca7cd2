"""JWT access tokens (HS256, short-lived) and the caller they name."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from control.errors import InvalidToken, TokenExpired

_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    # A guest's token is good for this one group only.
    guest_group_id: uuid.UUID | None = None
    # The sign-in (refresh-token family) the token was issued to: revoking it revokes the token.
    sign_in_id: uuid.UUID | None = None
    # Unix time the access token expires (a WebSocket is closed then unless re-authenticated).
    expires_at: int = 0

    @property
    def is_guest(self) -> bool:
        return self.guest_group_id is not None


class TokenService:
    def __init__(self, secret: str, access_ttl_s: int) -> None:
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self.access_ttl_s = access_ttl_s

    def issue_access_token(self, principal: Principal) -> str:
        now = int(time.time())
        claims: dict[str, object] = {
            "sub": str(principal.user_id),
            "iat": now,
            "exp": now + self.access_ttl_s,
            "typ": "access",
            "sid": str(principal.sign_in_id),
        }
        if principal.guest_group_id is not None:
            claims["guest_group"] = str(principal.guest_group_id)
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def decode(self, token: str) -> Principal:
        try:
            # Pinning the algorithm refuses "alg": "none" and algorithm-confusion tokens.
            claims = jwt.decode(
                token, self._secret, algorithms=[_ALGORITHM], options={"require": ["sub", "exp", "typ", "sid"]}
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired("the access token has expired; refresh it") from None
        except jwt.PyJWTError:
            raise InvalidToken("the access token is not valid") from None
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        try:
            guest_group = claims.get("guest_group")
            return Principal(
                user_id=uuid.UUID(str(claims["sub"])),
                guest_group_id=uuid.UUID(str(guest_group)) if guest_group else None,
                sign_in_id=uuid.UUID(str(claims["sid"])),
                expires_at=int(claims["exp"]),
            )
        except (ValueError, TypeError):
            raise InvalidToken("the access token is not valid") from None

    def principal_from_header(self, authorization: str | None) -> Principal | None:
        """None when no credentials are sent; an error when they are sent but bad."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("use 'Authorization: Bearer <access token>'")
        return self.decode(token.strip())

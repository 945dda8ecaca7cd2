"""TURN credentials with the TURN REST API scheme that coturn's use-auth-secret checks:
username = "<expiry unix time>:<user id>", password = base64(HMAC-SHA1(secret, username))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    password: str
    expires_at: int


def turn_credentials(secret: str, user_id: uuid.UUID, ttl_s: int, now: float | None = None) -> TurnCredentials:
    expires_at = int(now if now is not None else time.time()) + ttl_s
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode(), expires_at)

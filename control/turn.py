"""TURN credentials with the TURN REST API scheme that coturn's use-auth-secret checks:
username = "<expiry unix time>:<user id>.<scope>", password = base64(HMAC-SHA1(secret, username)).

The scope binds a credential to what it was given for: a call id for a call's participant, or
"check" for the network check page. coturn only checks the expiry and the HMAC, so the scope is
what lets the node find and cut a user's or a call's relays (`Coturn.cut`) when rights change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

CHECK_SCOPE = "check"


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    password: str
    expires_at: int


def turn_credentials(secret: str, user_id: uuid.UUID, scope: str, ttl_s: int,
                     now: float | None = None) -> TurnCredentials:
    expires_at = int(now if now is not None else time.time()) + ttl_s
    username = f"{expires_at}:{user_id}.{scope}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode(), expires_at)


def user_match(user_id: uuid.UUID) -> str:
    """What every TURN username of this user contains (for `Coturn.cut`)."""
    return f":{user_id}."


def participant_match(user_id: uuid.UUID, call_id: uuid.UUID) -> str:
    """What the TURN usernames of this user in this call contain (for `Coturn.cut`)."""
    return f":{user_id}.{call_id}"


def call_match(call_id: uuid.UUID) -> str:
    """What the TURN usernames of everyone in this call contain (for `Coturn.cut`)."""
    return f".{call_id}"

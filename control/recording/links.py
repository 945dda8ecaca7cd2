"""Signed media tokens: a link to a recording names the recording, the person it was made for, the
sign-in they asked with and when it expires, and is signed (HMAC-SHA256) with a key derived from the node's secret.

The token only proves that the link was made for that person; whether they may still see the
recording is asked again at every use (rights are live).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

from control.errors import Gone, PermissionDenied


@dataclass(frozen=True)
class MediaGrant:
    recording_id: uuid.UUID
    user_id: uuid.UUID
    sign_in_id: uuid.UUID
    expires_at: int  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class MediaLinks:
    def __init__(self, secret: str) -> None:
        # Its own key: a link's signature can never pass for an access token's, nor the reverse.
        self._key = hmac.new(secret.encode(), b"peershare recording links v1", hashlib.sha256).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def mint(self, recording_id: uuid.UUID, user_id: uuid.UUID, sign_in_id: uuid.UUID,
             ttl_s: int) -> tuple[str, MediaGrant]:
        grant = MediaGrant(recording_id, user_id, sign_in_id, int(time.time()) + ttl_s)
        payload = f"{grant.recording_id}.{grant.user_id}.{grant.sign_in_id}.{grant.expires_at}".encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}", grant

    def verify(self, token: str, recording_id: uuid.UUID) -> MediaGrant:
        """The grant of a genuine, unexpired token for this recording; refused otherwise."""
        try:
            payload_text, signature_text = token.split(".")
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except ValueError:
            raise PermissionDenied("this link is not valid", code="invalid_link") from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise PermissionDenied("this link is not valid", code="invalid_link")
        rid, uid, sid, expires = payload.decode().split(".")
        grant = MediaGrant(uuid.UUID(rid), uuid.UUID(uid), uuid.UUID(sid), int(expires))
        if grant.recording_id != recording_id:
            raise PermissionDenied("this link is for another recording", code="invalid_link")
        if grant.expires_at <= time.time():
            raise Gone("this link has expired: ask for a new one", code="link_expired")
        return grant

"""TURN REST API credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from control.turn import turn_credentials


def test_credentials_follow_the_turn_rest_scheme() -> None:
    user = uuid.uuid4()
    creds = turn_credentials("s3cret", user, ttl_s=3600, now=1_000_000)
    assert creds.username == f"1003600:{user}"
    expected = base64.b64encode(hmac.new(b"s3cret", creds.username.encode(), hashlib.sha1).digest()).decode()
    assert creds.password == expected
    assert creds.expires_at == 1_003_600


def test_another_secret_gives_another_password() -> None:
    user = uuid.uuid4()
    assert turn_credentials("a", user, 60, now=0).password != turn_credentials("b", user, 60, now=0).password

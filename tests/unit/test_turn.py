"""TURN REST API credentials, bound to a user and to what they are for."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid

from control.calls.ice import CHECK_TTL_S, call_ice_servers, check_ice_servers
from control.settings import Settings
from control.turn import call_match, participant_match, turn_credentials, user_match


def test_credentials_follow_the_turn_rest_scheme() -> None:
    user, call = uuid.uuid4(), uuid.uuid4()
    creds = turn_credentials("s3cret", user, str(call), ttl_s=1800, now=1_000_000)
    assert creds.username == f"1001800:{user}.{call}"
    expected = base64.b64encode(hmac.new(b"s3cret", creds.username.encode(), hashlib.sha1).digest()).decode()
    assert creds.password == expected
    assert creds.expires_at == 1_001_800


def test_another_secret_gives_another_password() -> None:
    user = uuid.uuid4()
    assert turn_credentials("a", user, "x", 60, now=0).password != turn_credentials("b", user, "x", 60, now=0).password


def test_matches_find_exactly_the_usernames_they_name() -> None:
    alice, bob, call, other_call = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    alice_in_call = turn_credentials("s", alice, str(call), 60).username
    alice_check = turn_credentials("s", alice, "check", 60).username
    bob_in_call = turn_credentials("s", bob, str(call), 60).username
    alice_elsewhere = turn_credentials("s", alice, str(other_call), 60).username
    usernames = [alice_in_call, alice_check, bob_in_call, alice_elsewhere]
    assert [u for u in usernames if user_match(alice) in u] == [alice_in_call, alice_check, alice_elsewhere]
    assert [u for u in usernames if call_match(call) in u] == [alice_in_call, bob_in_call]
    assert [u for u in usernames if participant_match(alice, call) in u] == [alice_in_call]


def managed() -> Settings:
    return Settings(turn_mode="managed", turn_secret="s", turn_host="turn.example", turn_port=3478, turn_ttl_s=1800)


def test_a_call_gets_credentials_for_that_call_for_the_turn_ttl() -> None:
    user, call = uuid.uuid4(), uuid.uuid4()
    (stun, turn), expires_at = call_ice_servers(managed(), user, call)
    assert expires_at is not None and 1798 <= expires_at.timestamp() - time.time() <= 1800
    assert stun.urls == ["stun:turn.example:3478"]
    assert turn.username is not None
    expiry, _, subject = turn.username.partition(":")
    assert subject == f"{user}.{call}"
    assert 1798 <= int(expiry) - time.time() <= 1800


def test_the_network_check_gets_credentials_of_five_minutes_at_most() -> None:
    user = uuid.uuid4()
    _, turn = check_ice_servers(managed(), user)
    assert turn.username is not None
    expiry, _, subject = turn.username.partition(":")
    assert subject == f"{user}.check"
    assert CHECK_TTL_S - 2 <= int(expiry) - time.time() <= CHECK_TTL_S <= 300

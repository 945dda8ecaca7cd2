"""What the web client asks first: the sign-in options, and ICE servers for its network check."""

from __future__ import annotations

import time

from tests.support.api import Api, register_user


def test_client_config_lists_no_provider_when_none_is_configured(api: Api) -> None:
    config = api.get("/api/client-config").json()
    assert config["oauth_providers"] == [] and config["version"]


def test_ice_servers_carry_five_minute_check_credentials_for_the_caller(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(turn_mode="external", turn_secret="s3cret", turn_urls=("turn:turn.example:3478",),
                          stun_urls=("stun:turn.example:3478",))
    user = register_user(Api(node.url))
    servers = user.api.get("/api/ice-servers").json()["ice_servers"]
    assert servers[0] == {"urls": ["stun:turn.example:3478"], "username": None, "credential": None}
    turn = servers[1]
    assert turn["urls"] == ["turn:turn.example:3478"] and turn["credential"]
    expires, _, subject = turn["username"].partition(":")
    assert subject == f"{user.id}.check" and 0 < int(expires) - time.time() <= 300
    assert Api(node.url).get("/api/ice-servers").status_code == 401


def test_ice_servers_are_rate_limited_per_user(server_factory) -> None:  # type: ignore[no-untyped-def]
    node = server_factory(turn_mode="external", turn_secret="s3cret", turn_urls=("turn:turn.example:3478",),
                          turn_check_rate=3)
    first, second = register_user(Api(node.url)), register_user(Api(node.url))
    assert [first.api.get("/api/ice-servers").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert first.api.get("/api/ice-servers").json()["error"]["code"] == "rate_limited"
    assert second.api.get("/api/ice-servers").status_code == 200

"""The per-IP sign-in limit against forged X-Forwarded-For: the header counts only when the
direct peer is a proxy named in FORWARDED_ALLOW_IPS, over real HTTP."""

from __future__ import annotations

from typing import Callable

from tests.support.api import Api, unique_name
from tests.support.server import RunningServer


def register_codes(node: RunningServer, forwarded_for: list[str]) -> list[int]:
    api = Api(node.url)
    return [api.post("/api/auth/register", {"username": unique_name(), "password": "long enough pw"},
                     headers={"X-Forwarded-For": hop}).status_code
            for hop in forwarded_for]


def test_rotating_x_forwarded_for_from_an_untrusted_peer_still_hits_the_limit(
        server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(auth_rate_limit=3, auth_rate_window_s=60)
    assert register_codes(node, [f"203.0.113.{n}" for n in range(4)]) == [201, 201, 201, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
        server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(auth_rate_limit=3, auth_rate_window_s=60, forwarded_allow_ips=("127.0.0.0/8",))
    assert register_codes(node, ["203.0.113.1"] * 4) == [201, 201, 201, 429]
    assert register_codes(node, ["203.0.113.2"]) == [201]


def test_addresses_a_client_prepends_before_the_proxy_hop_are_ignored(
        server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(auth_rate_limit=3, auth_rate_window_s=60, forwarded_allow_ips=("127.0.0.1",))
    forged = [f"198.51.100.{n}, 203.0.113.5" for n in range(4)]
    assert register_codes(node, forged) == [201, 201, 201, 429]

"""Which address is the client: the direct peer unless it is a trusted proxy."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from control.proxies import TrustedProxies, is_local_request


def connection(peer: str, *headers: tuple[str, str]) -> HTTPConnection:
    raw = [(name.encode(), value.encode()) for name, value in headers]
    return HTTPConnection({"type": "http", "client": (peer, 50000), "headers": raw})


def test_nothing_is_trusted_by_default() -> None:
    assert TrustedProxies(()).client_ip(connection("127.0.0.1", ("x-forwarded-for", "203.0.113.1"))) == "127.0.0.1"


def test_a_trusted_peer_gives_the_right_most_untrusted_hop() -> None:
    proxies = TrustedProxies(("10.0.0.0/8", "127.0.0.1"))
    request = connection("127.0.0.1", ("x-forwarded-for", "198.51.100.9, 203.0.113.1"), ("x-forwarded-for", "10.1.2.3"))
    assert proxies.client_ip(request) == "203.0.113.1"


def test_a_chain_of_trusted_hops_only_gives_the_left_most() -> None:
    proxies = TrustedProxies(("10.0.0.0/8",))
    assert proxies.client_ip(connection("10.0.0.1", ("x-forwarded-for", "10.0.0.7, 10.0.0.8"))) == "10.0.0.7"
    assert proxies.client_ip(connection("10.0.0.1")) == "10.0.0.1"


def test_an_untrusted_peer_is_the_client_whatever_it_says() -> None:
    proxies = TrustedProxies(("10.0.0.0/8",))
    assert proxies.client_ip(connection("203.0.113.1", ("x-forwarded-for", "10.0.0.7"))) == "203.0.113.1"


def test_ipv6_networks_are_understood() -> None:
    proxies = TrustedProxies(("fd00::/8",))
    assert proxies.client_ip(connection("fd00::1", ("x-forwarded-for", "2001:db8::5"))) == "2001:db8::5"


def test_local_means_loopback_and_relayed_by_nobody() -> None:
    assert is_local_request(connection("127.0.0.1"))
    assert is_local_request(connection("::1"))
    assert not is_local_request(connection("127.0.0.1", ("x-forwarded-for", "203.0.113.1")))
    assert not is_local_request(connection("127.0.0.1", ("forwarded", "for=203.0.113.1")))
    assert not is_local_request(connection("192.0.2.1"))

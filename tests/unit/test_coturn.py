"""The coturn config file for production and for tests."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from control.coturn import CoturnConfig, coturn_proc_user
from control.settings import Settings


def config(**overrides: object) -> CoturnConfig:
    defaults = Settings()
    values: dict[str, object] = {
        "secret": "s", "realm": "r", "listen_ip": "127.0.0.1", "port": 3478, "min_port": 49160, "max_port": 49200,
        "data_dir": Path("/tmp/turn"), "cli_port": 5766, "cli_password": "pw",
        "user_quota": defaults.turn_user_quota, "total_quota": defaults.turn_total_quota,
        "max_bitrate": defaults.turn_max_bitrate, "total_bitrate": defaults.turn_total_bitrate,
    }
    values.update(overrides)
    return CoturnConfig(**values)  # type: ignore[arg-type]


def denied_ranges(lines: list[str]) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]]:
    ranges = [line.removeprefix("denied-peer-ip=").split("-") for line in lines if line.startswith("denied-peer-ip=")]
    return [(ipaddress.ip_address(first), ipaddress.ip_address(last)) for first, last in ranges]


def is_denied(address: str, lines: list[str]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(first.version == ip.version and first <= ip <= last  # type: ignore[operator]
               for first, last in denied_ranges(lines))


@pytest.mark.parametrize("peer", [
    "0.0.0.0", "10.0.0.1", "100.64.0.1", "100.100.100.200", "127.0.0.1", "127.255.255.254", "169.254.169.254",
    "172.16.0.1", "172.31.255.255", "192.0.0.192", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
    "198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:0:a00:1", "64:ff9b::7f00:1",
    "64:ff9b:1::1", "100::1", "2001::1", "2001:2::1", "2001:db8::1", "2002:7f00:1::1", "3fff::1", "fc00::1",
    "fd00:ec2::254", "fe80::1", "fec0::1", "ff02::1", "ff0e::1",
])
def test_production_denies_every_special_purpose_peer(peer: str) -> None:
    # `::` is in no range (see the test below): coturn refuses it by itself, as test_turn_deny shows.
    assert is_denied(peer, config().lines())


@pytest.mark.parametrize("peer", ["8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700::1111",
                                  "2a00:1450::1", "2001:4860:4860::8888"])
def test_production_still_relays_to_public_peers(peer: str) -> None:
    assert not is_denied(peer, config().lines())


def test_every_ipv6_range_is_one_cidr_block_not_starting_at_the_unspecified_address() -> None:
    """coturn 4.6.1 compares IPv6 addresses byte by byte and reads a range from `::` as matching every
    IPv4 peer: only such ranges mean what they say."""
    for first, last in denied_ranges(config().lines()):
        if first.version == 6:
            assert first != ipaddress.IPv6Address("::")
            assert len(list(ipaddress.summarize_address_range(first, last))) == 1


def test_production_keeps_the_relay_safe_and_bounded() -> None:
    lines = config().lines()
    assert "allow-loopback-peers" not in lines
    for option in ("no-tcp-relay", "no-multicast-peers", "use-auth-secret", "static-auth-secret=s", "realm=r",
                   "user-quota=12", "total-quota=1200", "max-bps=375000", "bps-capacity=125000000",
                   "max-allocate-lifetime=600", "stale-nonce=600", "cli-ip=127.0.0.1", "cli-port=5766",
                   "cli-password=pw", "log-file=/tmp/turn/turnserver-3478.log"):
        assert option in lines


def test_coturn_drops_to_its_user_only_when_given_one() -> None:
    assert not any(line.startswith("proc-user") for line in config().lines())
    lines = config(proc_user="root").lines()
    assert "proc-user=root" in lines and "proc-group=root" in lines


def test_relays_from_every_relay_address_or_else_the_listening_one() -> None:
    assert [line for line in config().lines() if line.startswith("relay-ip")] == ["relay-ip=127.0.0.1"]
    lines = config(relay_ips=("127.0.0.1", "::1")).lines()
    assert [line for line in lines if line.startswith("relay-ip")] == ["relay-ip=127.0.0.1", "relay-ip=::1"]


def test_tests_allow_loopback_and_deny_nothing() -> None:
    lines = config(allow_loopback=True).lines()
    assert "allow-loopback-peers" in lines
    assert not denied_ranges(lines)


def test_tls_is_on_only_with_a_certificate() -> None:
    assert "no-tls" in config().lines()
    lines = config(tls_cert=Path("/c.pem"), tls_key=Path("/k.pem")).lines()
    assert "cert=/c.pem" in lines and "pkey=/k.pem" in lines and "no-tls" not in lines


def test_coturn_changes_user_only_when_the_node_is_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert coturn_proc_user("turnserver") is None
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert coturn_proc_user("root") == "root"
    with pytest.raises(RuntimeError, match="does not exist"):
        coturn_proc_user("no-such-user-here")

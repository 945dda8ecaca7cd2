"""The coturn command line for production and for tests."""

from __future__ import annotations

from pathlib import Path

from control.coturn import CoturnConfig


def config(**overrides: object) -> CoturnConfig:
    values: dict[str, object] = dict(secret="s", realm="r", listen_ip="127.0.0.1", port=3478, min_port=49160,
                                     max_port=49200, log_file=Path("/tmp/turn.log"))
    values.update(overrides)
    return CoturnConfig(**values)  # type: ignore[arg-type]


def test_production_refuses_private_loopback_and_link_local_peers() -> None:
    args = config().arguments()
    assert "--allow-loopback-peers" not in args
    for denied in ("127.0.0.0-127.255.255.255", "10.0.0.0-10.255.255.255", "172.16.0.0-172.31.255.255",
                   "192.168.0.0-192.168.255.255", "169.254.0.0-169.254.255.255", "::1"):
        assert f"--denied-peer-ip={denied}" in args
    assert "--use-auth-secret" in args and "--static-auth-secret=s" in args and "--realm=r" in args


def test_tests_allow_loopback_and_deny_nothing() -> None:
    args = config(allow_loopback=True).arguments()
    assert "--allow-loopback-peers" in args
    assert not any(a.startswith("--denied-peer-ip") for a in args)


def test_tls_is_on_only_with_a_certificate() -> None:
    assert "--no-tls" in config().arguments()
    args = config(tls_cert=Path("/c.pem"), tls_key=Path("/k.pem")).arguments()
    assert "--cert=/c.pem" in args and "--pkey=/k.pem" in args and "--no-tls" not in args

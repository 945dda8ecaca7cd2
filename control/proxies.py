"""Who is the client: the direct peer, unless that peer is a proxy the operator trusts
(FORWARDED_ALLOW_IPS), in which case the right-most X-Forwarded-For address that is not itself a
trusted proxy. Nothing is trusted by default, so a client cannot pick its own address by sending
the header; uvicorn runs with proxy_headers off so that this is the only rule."""

from __future__ import annotations

import ipaddress
from typing import Iterable

from starlette.requests import HTTPConnection

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers by which a proxy says whom it relays for.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        # strict=False: "10.0.0.1/8" means the network it lies in, as operators expect.
        self._networks: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client_ip(self, connection: HTTPConnection) -> str:
        """The address the request comes from, as far as trusted hops can tell."""
        peer = connection.client.host if connection.client else "unknown"
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in connection.headers.getlist("x-forwarded-for") for hop in value.split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self.trusts(hop):
                return hop
        # Every hop is a trusted proxy (or none was named): the left-most one is the best we know.
        return next((h for h in hops if h), peer)


def is_local_request(connection: HTTPConnection) -> bool:
    """From this machine and relayed by no proxy: a reverse proxy on loopback that forwards the
    Internet's requests must not make them look local."""
    if any(name in connection.headers for name in FORWARDING_HEADERS):
        return False
    try:
        ip = ipaddress.ip_address(connection.client.host if connection.client else "")
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return (mapped or ip).is_loopback

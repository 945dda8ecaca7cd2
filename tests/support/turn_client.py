"""A small TURN client over UDP (RFC 8656) speaking raw STUN with long-term credentials.

aioice's TURN client only allocates IPv4 UDP relays and hides failed permissions behind its
channel logic; the deny-list tests need to ask for an IPv6 relay (REQUESTED-ADDRESS-FAMILY), a
TCP relay, and to see every error code, so requests are built here. aioice.stun encodes the
XOR addresses, integrity and fingerprint and parses the answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
from dataclasses import dataclass
from typing import Any

from aioice import stun
from aioice.utils import random_transaction_id

UDP, TCP = 17, 6
IPV4, IPV6 = 1, 2

_USERNAME, _MESSAGE_INTEGRITY, _CHANNEL_NUMBER, _LIFETIME = 0x0006, 0x0008, 0x000C, 0x000D
_XOR_PEER_ADDRESS, _DATA, _REALM, _NONCE = 0x0012, 0x0013, 0x0014, 0x0015
_REQUESTED_ADDRESS_FAMILY, _REQUESTED_TRANSPORT, _FINGERPRINT = 0x0017, 0x0019, 0x8028


class TurnError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason.rstrip("\x00 ")  # coturn pads its reasons with NULs
        super().__init__(f"{code} {self.reason}")


# An attribute's value: bytes as they go on the wire, or a peer address to XOR-encode.
Attribute = tuple[int, "bytes | tuple[str, int]"]


@dataclass(frozen=True)
class _Request:
    method: stun.Method
    attributes: list[Attribute]


class TurnClient(asyncio.DatagramProtocol):
    def __init__(self, server: tuple[str, int], username: str, password: str) -> None:
        self.server = server
        self.username = username
        self.password = password
        self.realm = ""
        self.nonce = b""
        self.relayed: tuple[str, int] | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[bytes, asyncio.Future[stun.Message]] = {}

    @classmethod
    async def open(cls, server: tuple[str, int], username: str, password: str) -> TurnClient:
        loop = asyncio.get_running_loop()
        local = "::1" if ":" in server[0] else "127.0.0.1"
        _, client = await loop.create_datagram_endpoint(lambda: cls(server, username, password),
                                                        local_addr=(local, 0))
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram endpoint's transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data or data[0] & 0xC0:  # ChannelData and anything not STUN
            return
        message = stun.parse_message(data)
        waiter = self._pending.get(message.transaction_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def allocate(self, family: int = IPV4, transport: int = UDP, lifetime: int = 600) -> tuple[str, int]:
        answer = await self._request(_Request(stun.Method.ALLOCATE, [
            (_REQUESTED_TRANSPORT, bytes([transport, 0, 0, 0])),
            (_REQUESTED_ADDRESS_FAMILY, bytes([family, 0, 0, 0])),
            (_LIFETIME, struct.pack("!I", lifetime)),
        ]))
        self.relayed = answer.attributes["XOR-RELAYED-ADDRESS"]
        return self.relayed

    async def refresh(self, lifetime: int = 600) -> None:
        await self._request(_Request(stun.Method.REFRESH, [(_LIFETIME, struct.pack("!I", lifetime))]))

    async def create_permission(self, peer_ip: str) -> None:
        await self._request(_Request(stun.Method.CREATE_PERMISSION, [(_XOR_PEER_ADDRESS, (peer_ip, 9))]))

    async def channel_bind(self, number: int, peer: tuple[str, int]) -> None:
        await self._request(_Request(stun.Method.CHANNEL_BIND, [
            (_CHANNEL_NUMBER, struct.pack("!HH", number, 0)), (_XOR_PEER_ADDRESS, peer),
        ]))

    def send_indication(self, peer: tuple[str, int], data: bytes) -> None:
        """A Send indication: no answer, the server relays it if a permission exists (else drops it)."""
        self._send(_encode(stun.Method.SEND, stun.Class.INDICATION, [(_XOR_PEER_ADDRESS, peer),
                                                                     (_DATA, data)]))

    def send_channel_data(self, number: int, data: bytes) -> None:
        self._send(struct.pack("!HH", number, len(data)) + data + bytes(-len(data) % 4))

    def _send(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.sendto(data, self.server)

    async def _request(self, request: _Request) -> stun.Message:
        """Sends with the current realm and nonce; on 401 (first contact) or 438 (stale nonce)
        takes the server's and tries once more."""
        answer = await self._transact(request)
        if answer.error_code in (401, 438) and "NONCE" in answer.attributes:
            self.nonce = answer.attributes["NONCE"]
            self.realm = answer.attributes.get("REALM", self.realm)
            answer = await self._transact(request)
        if answer.message_class == stun.Class.ERROR:
            code, reason = answer.attributes["ERROR-CODE"]
            raise TurnError(code, reason)
        return answer

    async def _transact(self, request: _Request, tries: int = 4) -> stun.Message:
        transaction_id = random_transaction_id()
        attributes = list(request.attributes)
        if self.nonce:
            attributes += [(_USERNAME, self.username.encode()), (_REALM, self.realm.encode()), (_NONCE, self.nonce)]
        key = hashlib.md5(f"{self.username}:{self.realm}:{self.password}".encode()).digest() if self.nonce else None
        data = _encode(request.method, stun.Class.REQUEST, attributes, transaction_id, key)
        waiter: asyncio.Future[stun.Message] = asyncio.get_running_loop().create_future()
        self._pending[transaction_id] = waiter
        try:
            for _ in range(tries):  # UDP: retransmit until answered
                self._send(data)
                try:
                    return await asyncio.wait_for(asyncio.shield(waiter), 0.5)
                except TimeoutError:
                    continue
            raise TimeoutError(f"no answer to {request.method.name}")
        finally:
            del self._pending[transaction_id]


def _encode(method: stun.Method, cls: stun.Class, attributes: list[Attribute],
            transaction_id: bytes | None = None, key: bytes | None = None) -> bytes:
    transaction_id = transaction_id or random_transaction_id()
    body = b""
    for kind, value in attributes:
        raw = stun.pack_xor_address(value, transaction_id) if isinstance(value, tuple) else value
        body += struct.pack("!HH", kind, len(raw)) + raw + bytes(-len(raw) % 4)
    data = struct.pack("!HHI12s", method | cls, len(body), stun.COOKIE, transaction_id) + body
    if key is not None:
        data += struct.pack("!HH", _MESSAGE_INTEGRITY, 20) + stun.message_integrity(data, key)
        data = stun.set_body_length(data, len(data) - stun.HEADER_LENGTH)
    fingerprint = stun.message_fingerprint(data)
    data += struct.pack("!HHI", _FINGERPRINT, 4, fingerprint)
    return stun.set_body_length(data, len(data) - stun.HEADER_LENGTH)


def free_udp_tcp_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both)."""
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def managed_turn(**overrides: Any) -> dict[str, Any]:
    """Settings for a node that runs its own coturn on free ports of 127.0.0.1."""
    relay_base = 50000 + (free_udp_tcp_port() % 150) * 100
    return {"turn_mode": "managed", "turn_secret": "t" * 40, "turn_port": free_udp_tcp_port(),
            "turn_host": "127.0.0.1", "turn_listen_ip": "127.0.0.1", "turn_min_port": relay_base,
            "turn_max_port": relay_base + 99, **overrides}

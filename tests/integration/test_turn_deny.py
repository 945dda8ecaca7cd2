"""coturn as production runs it (not allow_loopback), probed with a real TURN client over UDP on an
IPv4 and an IPv6 relay: every special-purpose peer is refused and a canary on loopback receives
nothing; TCP relays and expired credentials are refused; the secret stays out of the command line;
coturn runs as its own user with private files; and `Coturn.cut` ends live relays within a second.
A positive control with the test configuration (loopback allowed) shows the same probes do deliver.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import socket
import stat
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from control.coturn import Coturn, coturn_config
from control.settings import Settings
from control.turn import participant_match, turn_credentials
from tests.support.turn_client import IPV4, IPV6, TCP, TurnClient, TurnError

SECRET = "turn-secret-" + "x" * 30

DENIED_IPV4 = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "100.100.100.200", "192.168.1.1",
               "172.16.0.1", "0.0.0.0", "192.0.0.192", "198.18.0.1", "224.0.0.1", "255.255.255.255"]
DENIED_IPV6 = ["::1", "::", "::ffff:127.0.0.1", "::127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
               "64:ff9b:1::7f00:1", "2002:7f00:1::1", "fec0::1", "fc00::1", "fd00:ec2::254", "fe80::1", "ff02::1",
               "2001::1", "2001:db8::1", "100::1"]


def _free_port(*hosts: str) -> int:
    """A port free for UDP and TCP on every host given."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        sockets: list[socket.socket] = []
        try:
            for host in hosts:
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind)
                    sockets.append(s)
                    s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()


@asynccontextmanager
async def running_coturn(data_dir: Path, *, allow_loopback: bool) -> AsyncIterator[Coturn]:
    relay_base = 52000 + (_free_port("127.0.0.1") % 80) * 100
    settings = Settings(data_dir=data_dir, turn_mode="managed", turn_secret=SECRET, turn_listen_ip="127.0.0.1",
                        turn_relay_ips=("127.0.0.1", "::1"), turn_port=_free_port("127.0.0.1"),
                        turn_min_port=relay_base, turn_max_port=relay_base + 99, turn_allow_loopback=allow_loopback)
    coturn = Coturn(coturn_config(settings))
    await coturn.start()
    try:
        yield coturn
    finally:
        await coturn.stop()


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Coturn]:
    async with running_coturn(tmp_path, allow_loopback=False) as coturn:
        yield coturn


@pytest.fixture
async def loopback_allowed(tmp_path: Path) -> AsyncIterator[Coturn]:
    async with running_coturn(tmp_path, allow_loopback=True) as coturn:
        yield coturn


class Canary(asyncio.DatagramProtocol):
    """A UDP listener on loopback that counts what arrives, up to a sentinel the test sends itself:
    datagrams on loopback arrive in order, so at the sentinel everything sent earlier is in."""

    SENTINEL = b"sentinel"

    def __init__(self) -> None:
        self.received = 0
        self.address: tuple[str, int] = ("", 0)
        self._sentinel = asyncio.Event()
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def listen(cls, host: str, port: int) -> Canary:
        _, canary = await asyncio.get_running_loop().create_datagram_endpoint(cls, local_addr=(host, port))
        canary.address = (host, port)
        return canary

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram endpoint's transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data == self.SENTINEL:
            self._sentinel.set()
        else:
            self.received += len(data)

    async def settle(self) -> int:
        """Bytes received from anyone but the test, once everything sent before now has arrived."""
        self._sentinel.clear()
        with socket.socket(socket.AF_INET6 if ":" in self.address[0] else socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(self.SENTINEL, self.address)
        await asyncio.wait_for(self._sentinel.wait(), 2)
        return self.received

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


@pytest.fixture
async def canaries() -> AsyncIterator[dict[int, Canary]]:
    """One canary per family, on the same port, so any peer address maps to a live listener."""
    port = _free_port("127.0.0.1", "::1")
    pair = {IPV4: await Canary.listen("127.0.0.1", port), IPV6: await Canary.listen("::1", port)}
    yield pair
    for canary in pair.values():
        canary.close()


def credentials(user: uuid.UUID | None = None, scope: str = "check", now: float | None = None) -> tuple[str, str]:
    creds = turn_credentials(SECRET, user or uuid.uuid4(), scope, ttl_s=600, now=now)
    return creds.username, creds.password


async def allocation(coturn: Coturn, family: int, user: uuid.UUID | None = None, scope: str = "check") -> TurnClient:
    client = await TurnClient.open(("127.0.0.1", coturn.config.port), *credentials(user, scope))
    await client.allocate(family=family)
    return client


async def probe(client: TurnClient, peer: str, port: int, channel: int) -> int | None:
    """Asks for a permission and a channel toward `peer`, and sends a Send indication and
    ChannelData toward it either way. The error code of the refusal, None when granted. Returns
    once coturn has handled the sends: it answers a client's messages in order."""
    refused: int | None = None
    try:
        await client.create_permission(peer)
        await client.channel_bind(channel, (peer, port))
    except TurnError as error:
        refused = error.code
    client.send_indication((peer, port), b"send indication " * 8)
    client.send_channel_data(channel, b"channel data " * 8)
    await client.refresh()
    return refused


async def test_production_relay_refuses_every_special_purpose_peer_and_the_canaries_get_nothing(
        production: Coturn, canaries: dict[int, Canary]) -> None:
    port = canaries[IPV4].address[1]
    relays = {IPV4: await allocation(production, IPV4), IPV6: await allocation(production, IPV6)}
    try:
        assert [(relay.relayed or ("", 0))[0] for relay in relays.values()] == ["127.0.0.1", "::1"]
        answers = {}
        for channel, peer in enumerate(DENIED_IPV4 + DENIED_IPV6, start=0x4000):
            answers[peer] = await probe(relays[IPV6 if ":" in peer else IPV4], peer, port, channel)
        assert answers == {peer: 403 for peer in DENIED_IPV4 + DENIED_IPV6}
        assert await canaries[IPV4].settle() == 0
        assert await canaries[IPV6].settle() == 0
        # Public peers are still granted (nothing is sent to them): the list does not deny everything.
        await relays[IPV4].create_permission("8.8.8.8")
        await relays[IPV6].create_permission("2606:4700:4700::1111")
    finally:
        for relay in relays.values():
            relay.close()


async def test_with_loopback_allowed_the_same_probes_reach_the_canaries(
        loopback_allowed: Coturn, canaries: dict[int, Canary]) -> None:
    port = canaries[IPV4].address[1]
    relays = {IPV4: await allocation(loopback_allowed, IPV4), IPV6: await allocation(loopback_allowed, IPV6)}
    try:
        assert await probe(relays[IPV4], "127.0.0.1", port, 0x4000) is None
        assert await probe(relays[IPV6], "::1", port, 0x4000) is None
        # Send indication and ChannelData: 16 * 8 + 13 * 8 bytes each.
        assert await canaries[IPV4].settle() == 232
        assert await canaries[IPV6].settle() == 232
    finally:
        for relay in relays.values():
            relay.close()


async def test_production_relay_refuses_tcp_relays_and_expired_credentials(production: Coturn) -> None:
    server = ("127.0.0.1", production.config.port)
    tcp = await TurnClient.open(server, *credentials())
    expired = await TurnClient.open(server, *credentials(now=time.time() - 3600))
    try:
        with pytest.raises(TurnError) as refused:
            await tcp.allocate(transport=TCP)
        assert refused.value.code == 442
        with pytest.raises(TurnError) as unauthorized:
            await expired.allocate()
        assert unauthorized.value.code == 401
    finally:
        tcp.close()
        expired.close()


async def test_coturn_keeps_its_secret_off_the_command_line_and_its_files_private(production: Coturn) -> None:
    assert production.pid is not None
    cmdline = Path(f"/proc/{production.pid}/cmdline").read_bytes()
    assert b"turnserver" in cmdline
    assert SECRET.encode() not in cmdline and production.config.cli_password.encode() not in cmdline
    config = production.config.config_file.stat()
    assert stat.S_IMODE(config.st_mode) == 0o600 and SECRET in production.config.config_file.read_text()
    log = production.config.log_file.stat()
    assert log.st_size > 0 and stat.S_IMODE(log.st_mode) & 0o007 == 0
    if os.geteuid() == 0:
        turnserver = pwd.getpwnam("turnserver").pw_uid
        assert config.st_uid == turnserver and log.st_uid == turnserver
        assert await _uid_of(production.pid, becomes=turnserver) == turnserver


async def _uid_of(pid: int, becomes: int) -> int:
    """coturn drops root once its listeners are up, just after it accepts connections."""
    deadline = time.monotonic() + 5
    while True:
        status = Path(f"/proc/{pid}/status").read_text()
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[2])  # effective
        if uid == becomes or time.monotonic() > deadline:
            return uid
        await asyncio.sleep(0.05)


async def test_cut_ends_a_participants_relays_within_a_second_and_spares_the_others(production: Coturn) -> None:
    alice, bob, call = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    alices = [await allocation(production, IPV4, alice, str(call)), await allocation(production, IPV6, alice, str(call))]
    elsewhere = await allocation(production, IPV4, alice, "check")
    bobs = await allocation(production, IPV4, bob, str(call))
    try:
        started = time.monotonic()
        assert await production.cut(participant_match(alice, call)) == 2
        for relay in alices:
            with pytest.raises(TurnError) as gone:
                await relay.refresh()
            assert gone.value.code == 437  # Allocation Mismatch: no such allocation any more
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, f"cut took {elapsed:.3f} s"
        await bobs.refresh()
        await elsewhere.refresh()
    finally:
        for relay in (*alices, elsewhere, bobs):
            relay.close()


async def test_a_revoked_credential_is_cut_again_within_a_second_and_a_later_one_is_spared(
        production: Coturn) -> None:
    alice, call = uuid.uuid4(), uuid.uuid4()
    server = ("127.0.0.1", production.config.port)
    revoked = credentials(alice, str(call))  # expires in 600 s
    first, again = await TurnClient.open(server, *revoked), await TurnClient.open(server, *revoked)
    given_back = await TurnClient.open(server, *credentials(alice, str(call), now=time.time() + 5))
    try:
        await first.allocate()
        assert await production.revoke(participant_match(alice, call), int(time.time()) + 600) == 1
        await given_back.allocate()
        await again.allocate()  # coturn cannot refuse a credential before its expiry
        started = time.monotonic()
        while time.monotonic() - started < 2:
            try:
                await again.refresh()
            except TurnError as error:
                assert error.code == 437
                break
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, f"re-allocation cut after {elapsed:.3f} s"
        await given_back.refresh()
    finally:
        for client in (first, again, given_back):
            client.close()


async def test_after_a_cut_nothing_more_is_relayed(loopback_allowed: Coturn, canaries: dict[int, Canary]) -> None:
    user, call = uuid.uuid4(), uuid.uuid4()
    relay = await allocation(loopback_allowed, IPV4, user, str(call))
    port = canaries[IPV4].address[1]
    try:
        assert await probe(relay, "127.0.0.1", port, 0x4000) is None
        before = await canaries[IPV4].settle()
        assert before > 0
        assert await loopback_allowed.cut(participant_match(user, call)) == 1
        relay.send_indication(("127.0.0.1", port), b"after the cut")
        relay.send_channel_data(0x4000, b"after the cut")
        with pytest.raises(TurnError):
            await relay.refresh()  # answered after the sends above: coturn has handled them
        assert await canaries[IPV4].settle() == before
    finally:
        relay.close()

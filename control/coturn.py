"""Runs Debian's coturn (`turnserver`, 4.6.1) beside the node, configured for TURN REST credentials.

Everything is in a config file the node writes with mode 0600 (the shared secret and the console
password must not show in /proc/<pid>/cmdline). coturn drops root for an unprivileged user, relays
UDP only (no RFC 6062 TCP relays to arbitrary hosts), has per-user and total quotas and bandwidth
caps, and refuses peers in every loopback, private, link-local, metadata, multicast, reserved and
IPv4-embedding range, so the relay cannot reach the operator's network. Tests allow loopback
explicitly.

REST credentials cannot be revoked, so `Coturn.cut` ends live relays through coturn's admin
console (telnet on 127.0.0.1): `psp <text>` lists the sessions whose username contains the text,
`cs <id>` cancels one. A revoked credential still allocates until it expires, so `Coturn.revoke`
keeps cutting what it allocates until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

from control.childproc import ChildProcess
from control.settings import Settings

log = structlog.get_logger(__name__)

# Peers coturn refuses (CreatePermission/ChannelBind answer 403 Forbidden IP); the file gives them
# as the `first-last` ranges denied-peer-ip takes (see denied_peer_ranges).
DENIED_PEER_NETWORKS = (
    "0.0.0.0/8",        # "this network"
    "10.0.0.0/8",       # private
    "100.64.0.0/10",    # carrier-grade NAT (and Alibaba's metadata 100.100.100.200)
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, cloud metadata 169.254.169.254
    "172.16.0.0/12",    # private
    "192.0.0.0/24",     # IETF protocol assignments (Oracle's metadata 192.0.0.192)
    "192.0.2.0/24",     # documentation
    "192.88.99.0/24",   # 6to4 relay anycast
    "192.168.0.0/16",   # private
    "198.18.0.0/15",    # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",   # documentation
    "224.0.0.0/3",      # multicast, reserved, broadcast
    # IPv6 outside global unicast 2000::/3: unspecified ::, loopback ::1, IPv4-compatible ::/96,
    # IPv4-mapped ::ffff:0:0/96 (coturn 4.6.1 relays those to the IPv4 address: upstream fixed it in
    # 4.9.0), NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, unique-local fc00::/7 (AWS
    # metadata fd00:ec2::254), link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
    "::/3",
    "4000::/2",
    "8000::/1",
    # Inside 2000::/3: IETF assignments (Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID),
    # documentation, and 6to4 (2002::/16 embeds an IPv4 address).
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "3fff::/20",
)

# A client refreshes its allocation well before this; a relay whose credential has expired can
# then live at most this long (a refresh is checked against the credential).
MAX_ALLOCATE_LIFETIME_S = 600
# A nonce older than this must be renewed, which re-checks the credential.
STALE_NONCE_S = 600
# How soon an allocation made again with a revoked credential is cut.
REVOKED_POLL_S = 0.5


def denied_peer_ranges() -> list[str]:
    """DENIED_PEER_NETWORKS as coturn 4.6.1 reads them correctly (both checked against it):
    - it compares IPv6 addresses byte by byte, not as numbers (`addr_less_eq`), so a range only
      means what it says when it is exactly one CIDR block;
    - a range starting at the unspecified address `::` counts as open below and, across families,
      takes in every IPv4 peer. So `::/3` is given from `::1` on, in CIDR blocks; coturn refuses
      the peers `::` and `0.0.0.0` by itself."""
    ranges = []
    for text in DENIED_PEER_NETWORKS:
        network = ipaddress.ip_network(text)
        blocks = [network]
        if network.version == 6 and network.network_address == ipaddress.IPv6Address("::"):
            blocks = list(ipaddress.summarize_address_range(ipaddress.IPv6Address("::1"), network.broadcast_address))
        ranges += [f"{block.network_address}-{block.broadcast_address}" for block in blocks]
    return ranges


@dataclass(frozen=True)
class CoturnConfig:
    secret: str
    realm: str
    listen_ip: str
    port: int
    min_port: int
    max_port: int
    data_dir: Path
    cli_port: int
    cli_password: str
    user_quota: int
    total_quota: int
    max_bitrate: int
    total_bitrate: int
    relay_ips: tuple[str, ...] = ()
    external_ip: str | None = None
    # None: stay the node's user (it is not root).
    proc_user: str | None = None
    allow_loopback: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_port: int = 5349

    # Named by port: nodes sharing a data folder (tests, several nodes on one host) keep theirs apart.
    @property
    def config_file(self) -> Path:
        return self.data_dir / f"turnserver-{self.port}.conf"

    @property
    def log_file(self) -> Path:
        return self.data_dir / f"turnserver-{self.port}.log"

    def lines(self) -> list[str]:
        """The config file, one option a line (turnserver's long option names without `--`)."""
        lines = [
            f"listening-ip={self.listen_ip}",
            *(f"relay-ip={ip}" for ip in self.relay_ips or (self.listen_ip,)),
            f"listening-port={self.port}",
            f"min-port={self.min_port}",
            f"max-port={self.max_port}",
            "use-auth-secret",
            f"static-auth-secret={self.secret}",
            f"realm={self.realm}",
            "fingerprint",
            "no-tcp-relay",
            "no-multicast-peers",
            "no-dtls",
            f"user-quota={self.user_quota}",
            f"total-quota={self.total_quota}",
            # coturn counts bytes per second.
            f"max-bps={self.max_bitrate // 8}",
            f"bps-capacity={self.total_bitrate // 8}",
            f"max-allocate-lifetime={MAX_ALLOCATE_LIFETIME_S}",
            f"stale-nonce={STALE_NONCE_S}",
            "cli-ip=127.0.0.1",
            f"cli-port={self.cli_port}",
            f"cli-password={self.cli_password}",
            f"log-file={self.log_file}",
            "simple-log",
            f"pidfile={self.data_dir / f'turnserver-{self.port}.pid'}",
        ]
        if self.proc_user is not None:
            group = grp.getgrgid(pwd.getpwnam(self.proc_user).pw_gid).gr_name
            lines += [f"proc-user={self.proc_user}", f"proc-group={group}"]
        if self.external_ip:
            lines.append(f"external-ip={self.external_ip}")
        if self.tls_cert and self.tls_key:
            lines += [f"cert={self.tls_cert}", f"pkey={self.tls_key}", f"tls-listening-port={self.tls_port}"]
        else:
            lines.append("no-tls")
        if self.allow_loopback:
            lines.append("allow-loopback-peers")
        else:
            lines += [f"denied-peer-ip={r}" for r in denied_peer_ranges()]
        return lines


def coturn_config(settings: Settings) -> CoturnConfig:
    return CoturnConfig(
        secret=settings.turn_secret, realm=settings.turn_realm, listen_ip=settings.turn_listen_ip,
        port=settings.turn_port, min_port=settings.turn_min_port, max_port=settings.turn_max_port,
        data_dir=settings.data_dir, cli_port=settings.turn_cli_port or _free_tcp_port(),
        cli_password=secrets.token_urlsafe(24), relay_ips=settings.turn_relay_ips,
        external_ip=settings.turn_external_ip, proc_user=coturn_proc_user(settings.turn_proc_user),
        user_quota=settings.turn_user_quota, total_quota=settings.turn_total_quota,
        max_bitrate=settings.turn_max_bitrate, total_bitrate=settings.turn_total_bitrate,
        allow_loopback=settings.turn_allow_loopback, tls_cert=settings.turn_tls_cert, tls_key=settings.turn_tls_key,
    )


def coturn_proc_user(name: str) -> str | None:
    """coturn changes user only when started by root; a relay must never run as root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"user {name!r} for coturn does not exist: create it or set TURN_PROC_USER") from None
    return name


class Coturn:
    def __init__(self, config: CoturnConfig) -> None:
        self.config = config
        self._process: ChildProcess | None = None
        # One console conversation at a time: answers are read by prompt.
        self._cli_lock = asyncio.Lock()
        # Revoked username matches and the expiry bound of the credentials they cover.
        self._revoked: dict[str, int] = {}
        self._watch: asyncio.Task[None] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("turnserver") is not None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self, timeout_s: float = 10.0) -> None:
        if _accepts(self.config.listen_ip, self.config.port):
            # Another TURN server (perhaps another node's) has the port: ours would never bind it.
            raise RuntimeError(f"port {self.config.port} is taken: set TURN_PORT, or TURN_MODE=external/off")
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        owner = pwd.getpwnam(self.config.proc_user) if self.config.proc_user else None
        _write_private(self.config.config_file, "".join(f"{line}\n" for line in self.config.lines()), owner, 0o600)
        # coturn would create its log 0644; made first, it appends to it as it is.
        _write_private(self.config.log_file, None, owner, 0o640)
        self._process = ChildProcess(["turnserver", "-c", str(self.config.config_file)])
        # Ready when its TCP listener accepts (it opens UDP and TCP together).
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            if self._process.returncode is not None:
                raise RuntimeError(f"turnserver exited with {self._process.returncode}; see {self.config.log_file}")
            if _accepts(self.config.listen_ip, self.config.port):
                log.info("coturn_started", port=self.config.port, pid=self._process.pid)
                self._watch = asyncio.create_task(self._keep_revoked())
                return
            await asyncio.sleep(0.05)
        await self.stop()
        raise TimeoutError("turnserver did not start listening in time")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), 5)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()

    async def cut(self, match: str, expiring_by: int | None = None) -> int:
        """Cancels every live allocation whose username contains `match` (see control.turn's
        `*_match` helpers) and, if given, whose credential expires at or before `expiring_by`;
        returns how many. The client gets no more relayed packets and its next request on the
        allocation is refused (437 Allocation Mismatch), at once."""
        return await self._cut({match: expiring_by})

    async def revoke(self, match: str, expiring_by: int) -> int:
        """`cut`, and cut again every REVOKED_POLL_S whatever comes back with a credential of
        `match` that expires by `expiring_by` (pass now + TURN_TTL to cover every credential given
        out so far), until then. Credentials given out later expire later: a user who gets their
        rights back is not cut."""
        self._revoked[match] = max(expiring_by, self._revoked.get(match, 0))
        return await self.cut(match, expiring_by)

    async def _keep_revoked(self) -> None:
        while True:
            await asyncio.sleep(REVOKED_POLL_S)
            now = time.time()
            self._revoked = {m: by for m, by in self._revoked.items() if by >= now}
            if not self._revoked:
                continue
            try:
                await self._cut(dict(self._revoked))
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
                log.warning("turn_revoke_failed", error=repr(error))

    async def _cut(self, targets: dict[str, int | None], timeout_s: float = 2.0) -> int:
        """One console conversation for every (match, expiring_by) in `targets`."""
        cut = 0
        async with self._cli_lock, asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection("127.0.0.1", self.config.cli_port)
            try:
                await reader.readuntil(b"Enter password: ")
                await _command(reader, writer, self.config.cli_password)
                for match, expiring_by in targets.items():
                    listing = await _command(reader, writer, f"psp {match}")
                    for session_id, username in _SESSION.findall(listing):
                        expiry = int(username.partition(":")[0])
                        if match in username and (expiring_by is None or expiry <= expiring_by):
                            await _command(reader, writer, f"cs {session_id}")
                            cut += 1
                writer.write(b"quit\r\n")
            finally:
                writer.close()
        if cut:
            log.info("turn_sessions_cut", matches=list(targets), count=cut)
        return cut


# A session in `ps`/`psp` output: "    1) id=001000000000000001, user <1795883474:u1.c1>:".
_SESSION = re.compile(r"\) id=(\d+), user <(\d+:[^>\r\n]*)>:")


async def _command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str) -> str:
    """Sends one console line and returns what came before the next prompt. The text never holds
    "> " otherwise: usernames are ours (digits, ':', '.', ids) and so is the realm."""
    writer.write(line.encode() + b"\r\n")
    return (await reader.readuntil(b"> ")).decode(errors="replace")


def _write_private(path: Path, text: str | None, owner: pwd.struct_passwd | None, mode: int) -> None:
    """With text: replaces `path` by a new file. Without: keeps it, for appending. Either way it has
    `mode` from the start and belongs to coturn's user."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
    if text is not None:
        path.unlink(missing_ok=True)
        flags |= os.O_EXCL
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)  # an older log may have been made wider
        if owner is not None:
            os.fchown(fd, owner.pw_uid, owner.pw_gid)
        if text is not None:
            os.write(fd, text.encode())
    finally:
        os.close(fd)


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False

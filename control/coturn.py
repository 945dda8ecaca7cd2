"""Runs Debian's coturn (`turnserver`) beside the node, configured for TURN REST credentials.

Production refuses relaying to private, loopback and link-local peers, so the relay cannot be
used to reach the operator's internal network; tests allow loopback explicitly.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import structlog

from control.childproc import ChildProcess
from control.settings import Settings

log = structlog.get_logger(__name__)

DENIED_PEER_RANGES = (
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.168.0.0-192.168.255.255",
    "::1",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
)


@dataclass(frozen=True)
class CoturnConfig:
    secret: str
    realm: str
    listen_ip: str
    port: int
    min_port: int
    max_port: int
    log_file: Path
    external_ip: str | None = None
    allow_loopback: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_port: int = 5349

    def arguments(self) -> list[str]:
        args = [
            "-n",  # no configuration file: everything is on this command line
            f"--listening-ip={self.listen_ip}",
            f"--relay-ip={self.listen_ip}",
            f"--listening-port={self.port}",
            f"--min-port={self.min_port}",
            f"--max-port={self.max_port}",
            "--use-auth-secret",
            f"--static-auth-secret={self.secret}",
            f"--realm={self.realm}",
            "--fingerprint",
            "--no-cli",
            "--no-multicast-peers",
            "--no-dtls",
            f"--log-file={self.log_file}",
            "--simple-log",
        ]
        if self.external_ip:
            args.append(f"--external-ip={self.external_ip}")
        if self.tls_cert and self.tls_key:
            args += [f"--cert={self.tls_cert}", f"--pkey={self.tls_key}", f"--tls-listening-port={self.tls_port}"]
        else:
            args.append("--no-tls")
        if self.allow_loopback:
            args.append("--allow-loopback-peers")
        else:
            args += [f"--denied-peer-ip={r}" for r in DENIED_PEER_RANGES]
        return args


def coturn_config(settings: Settings) -> CoturnConfig:
    return CoturnConfig(
        secret=settings.turn_secret, realm=settings.turn_realm, listen_ip=settings.turn_listen_ip,
        port=settings.turn_port, min_port=settings.turn_min_port, max_port=settings.turn_max_port,
        log_file=settings.data_dir / "turnserver.log", external_ip=settings.turn_external_ip,
        allow_loopback=settings.turn_allow_loopback, tls_cert=settings.turn_tls_cert, tls_key=settings.turn_tls_key,
    )


class Coturn:
    def __init__(self, config: CoturnConfig) -> None:
        self.config = config
        self._process: ChildProcess | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("turnserver") is not None

    async def start(self, timeout_s: float = 10.0) -> None:
        if _accepts(self.config.listen_ip, self.config.port):
            # Another TURN server (perhaps another node's) has the port: ours would never bind it.
            raise RuntimeError(f"port {self.config.port} is taken: set TURN_PORT, or TURN_MODE=external/off")
        self.config.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._process = ChildProcess(["turnserver", *self.config.arguments()])
        # Ready when its TCP listener accepts (it opens UDP and TCP together).
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            if self._process.returncode is not None:
                raise RuntimeError(f"turnserver exited with {self._process.returncode}; see {self.config.log_file}")
            if _accepts(self.config.listen_ip, self.config.port):
                log.info("coturn_started", port=self.config.port, pid=self._process.pid)
                return
            await asyncio.sleep(0.05)
        await self.stop()
        raise TimeoutError("turnserver did not start listening in time")

    async def stop(self) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), 5)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False

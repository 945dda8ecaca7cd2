"""The PostgreSQL and Redis the tests use: the ones named by TEST_DATABASE_URL / TEST_REDIS_URL,
else this machine's own when they answer on their usual ports, else servers started here for the
test session (the embedded pgserver PostgreSQL, Debian's redis-server on a free port) and stopped
when it ends — so the suite runs on a laptop or a fresh VM that has neither."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from tests.support.nodes import free_port

LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def database_url() -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    if asyncio.run(_database_answers(LOCAL_DATABASE_URL)):
        return LOCAL_DATABASE_URL
    return _start_pgserver()


def redis_url() -> str:
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        return configured
    if _redis_answers(6379):
        return LOCAL_REDIS_URL
    return _start_redis()


async def _database_answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def _start_pgserver() -> str:
    import pgserver  # type: ignore[import-untyped]

    folder = Path(tempfile.mkdtemp(prefix="peershare-test-pg-"))
    server = pgserver.get_server(folder, cleanup_mode="stop")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(server.cleanup)  # runs first: stop the server, then remove its folder
    return str(server.get_uri())


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _start_redis() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no Redis answers on 127.0.0.1:6379 and redis-server is not installed "
                           "(scripts/test installs it; or set TEST_REDIS_URL)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )
    atexit.register(_stop, process)
    deadline = time.monotonic() + 10
    while not _redis_answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

"""Benchmark: chat fan-out. N clients in one text channel send M messages per second in total;
every client records the delivery latency of every message it receives.

Prints JSON lines (p50/p95/p99 delivery latency, delivered/expected, lost, achieved rate, the
server's CPU and RSS); never asserted in tests.

    .venv/bin/python bench/chat.py [--clients 50] [--rate 1000] [--seconds 10] [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.api import Api, join_with_invite, register_user  # noqa: E402
from tests.support.nodes import NodeProcess  # noqa: E402
from tests.support.ws import frames_of  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def emit(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


async def execute(sql: str) -> None:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url = url.replace("http://", "ws://") + "/ws"
        self.token = token
        self.latencies_ms: list[float] = []
        self.received = 0
        self.conn: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.conn = await websockets.connect(self.url, max_size=None)
        await self.conn.send(json.dumps({"type": "hello", "token": self.token}))
        assert json.loads(await self.conn.recv())["type"] == "welcome"
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.conn:
            if '"message_created"' not in raw:
                continue
            now = time.time_ns()
            for frame in frames_of(raw):
                if frame["type"] == "message_created":
                    sent_ns = int(frame["message"]["body"].split(":", 1)[0])
                    self.latencies_ms.append((now - sent_ns) / 1e6)
                    self.received += 1

    async def send(self, channel_id: str) -> None:
        await self.conn.send(json.dumps({"type": "send_message", "id": uuid.uuid4().hex[:12], "channel_id": channel_id,
                                         "client_id": uuid.uuid4().hex, "body": f"{time.time_ns()}:hello"}))

    async def close(self) -> None:
        await self.conn.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def run(args: argparse.Namespace) -> None:
    schema = f"bench_{secrets.token_hex(4)}"
    await execute(f"CREATE SCHEMA {schema}")
    env = {"DATABASE_URL": DATABASE_URL, "DATABASE_SCHEMA": schema, "JWT_SECRET": secrets.token_urlsafe(40),
           "TURN_MODE": "off", "LOG_LEVEL": "warning", "AUTH_RATE_LIMIT": "100000", "MESSAGE_RATE": "100000",
           "WS_FRAME_RATE": "100000"}
    if args.redis:
        env["REDIS_URL"] = REDIS_URL
    nodes = [NodeProcess(env).start() for _ in range(2 if args.redis else 1)]
    try:
        api = Api(nodes[0].url)
        owner = register_user(api)
        group = owner.api.post("/api/groups", {"name": "bench", "member_limit": args.clients + 10}).json()
        channel_id = next(c["id"] for c in group["channels"] if c["kind"] == "text")
        users = [owner] + [register_user(api) for _ in range(args.clients - 1)]
        for user in users[1:]:
            join_with_invite(user, owner, group["id"])
        clients = [Client(nodes[i % len(nodes)].url, u.tokens["access_token"]) for i, u in enumerate(users)]
        await asyncio.gather(*(c.connect() for c in clients))
        servers = [psutil.Process(n.proc.pid) for n in nodes if n.proc is not None]
        me = psutil.Process()
        for process in [*servers, me]:
            process.cpu_percent()
        total = int(args.rate * args.seconds)
        started = time.monotonic()
        for i in range(total):
            # Paced by the clock, not by sleeps that drift: message i leaves at i / rate.
            delay = started + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await clients[i % len(clients)].send(channel_id)
        send_seconds = time.monotonic() - started
        expected = total * len(clients)
        deadline = time.monotonic() + 30
        while sum(c.received for c in clients) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        cpu = [round(p.cpu_percent(), 1) for p in servers]
        client_cpu = round(me.cpu_percent(), 1)
        rss = [round(p.memory_info().rss / 2**20, 1) for p in servers]
        latencies = sorted(x for c in clients for x in c.latencies_ms)
        delivered = len(latencies)
        quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        emit(bench="chat", nodes=len(nodes), clients=len(clients), target_rate=args.rate,
             achieved_send_rate=round(total / send_seconds, 1), sent=total, expected_deliveries=expected,
             delivered=delivered, lost=expected - delivered, p50_ms=round(quantiles[49], 1),
             p95_ms=round(quantiles[94], 1), p99_ms=round(quantiles[98], 1), server_cpu_percent=cpu,
             server_rss_mb=rss, client_cpu_percent=client_cpu)
        await asyncio.gather(*(c.close() for c in clients))
    finally:
        for node in nodes:
            node.stop()
        await execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second, all clients together")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--redis", action="store_true", help="two nodes sharing Redis, clients split between them")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(run(args))
    except ImportError:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()

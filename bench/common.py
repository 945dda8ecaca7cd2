"""What the benchmarks share: a node of their own (in a fresh database schema), JSON output."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import statistics
import sys
from pathlib import Path
from typing import AsyncIterator

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.nodes import NodeProcess  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def emit(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


def summary_ms(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "max_ms": round(ordered[-1], 1),
            "samples": len(ordered)}


@contextlib.asynccontextmanager
async def bench_node(**env: str) -> AsyncIterator[NodeProcess]:
    """A node in its own process, with rate limits out of the way, on a schema dropped afterwards;
    nodes given another's DATABASE_SCHEMA and JWT_SECRET join it (the first one drops the schema)."""
    schema = env.get("DATABASE_SCHEMA") or f"bench_{secrets.token_hex(4)}"
    own_schema = "DATABASE_SCHEMA" not in env
    conn = await asyncpg.connect(DATABASE_URL)
    if own_schema:
        await conn.execute(f"CREATE SCHEMA {schema}")
    node = NodeProcess({"DATABASE_URL": DATABASE_URL, "DATABASE_SCHEMA": schema, "JWT_SECRET": secrets.token_urlsafe(40),
                        "TURN_MODE": "off", "LOG_LEVEL": "warning", "AUTH_RATE_LIMIT": "100000", "JOIN_RATE": "100000",
                        "WS_FRAME_RATE": "100000", **env}).start()
    try:
        yield node
    finally:
        node.stop()
        if own_schema:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()

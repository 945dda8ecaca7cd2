"""Benchmark: a large group's history. Seeds a group (bulk SQL) with M messages and N calls spread
over the last 30 days (2-4 participants each, some relayed, some with failed joins), then times:
  export        GET /api/groups/{id}/export?messages=true streamed to the end: seconds, rows/s
                (messages + calls + participations), bytes, and the node's resident memory
                (peak during the export, and the rise over its idle level)
  csv           GET /api/groups/{id}/calls.csv the same way
  analytics     GET /api/groups/{id}/analytics (the default 30 days): p50/p95 over R requests
  calls_page    GET /api/groups/{id}/calls (25 newest, with participants): p50/p95
Prints JSON lines; never asserted in tests. Goals (issue 12): export streamed < 100 MB RSS and
> 20k rows/s; analytics p95 < 200 ms.

    PYTHONPATH=. .venv/bin/python bench/history.py [--messages 100000] [--calls 10000] [--requests 50]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import Any

import asyncpg
import httpx
import psutil

from common import DATABASE_URL, bench_node, emit, summary_ms
from tests.support.api import Api, register_user, unique_name  # noqa: E402

PEOPLE = 20


async def seed(schema: str, group_id: str, owner_id: str, messages: int, calls: int) -> dict[str, int]:
    conn = await asyncpg.connect(DATABASE_URL, server_settings={"search_path": schema})
    try:
        text = await conn.fetchval("SELECT id FROM channels WHERE group_id = $1 AND kind = 'text' LIMIT 1", group_id)
        voice = await conn.fetchval("SELECT id FROM channels WHERE group_id = $1 AND kind = 'voice' LIMIT 1", group_id)
        people = [r["id"] for r in await conn.fetch(
            "INSERT INTO users (username, display_name) SELECT 'bench' || md5(random()::text), 'Person ' || i"
            " FROM generate_series(1, $1) i RETURNING id", PEOPLE)]
        await conn.execute("INSERT INTO group_members (group_id, user_id, role) SELECT $1, unnest($2::uuid[]), 'member'",
                           group_id, people)
        await conn.execute(
            "INSERT INTO messages (channel_id, author_id, client_id, seq, version, body, created_at)"
            " SELECT $1, $2, 'b' || i, i, i, 'message number ' || i || ' with a little text to carry',"
            "  now() - make_interval(secs => ($3 - i) * 20) FROM generate_series(1, $3) i",
            text, owner_id, messages)
        await conn.execute("UPDATE channels SET last_seq = $2 WHERE id = $1", text, messages)
        # Calls over 30 days, each 1-31 minutes, a third of them in the SFU for their second half.
        await conn.execute(
            "INSERT INTO calls (channel_id, group_id, started_at, ended_at, mode, mode_since, p2p_seconds, sfu_seconds)"
            " SELECT $1, $2, s, s + make_interval(secs => d), 'p2p', s + make_interval(secs => d),"
            "  CASE WHEN i % 3 = 0 THEN d / 2 ELSE d END, CASE WHEN i % 3 = 0 THEN d / 2 ELSE 0 END"
            " FROM (SELECT i, now() - make_interval(secs => i * (2592000.0 / $3)) AS s, 60 + (i % 31) * 60.0 AS d"
            "       FROM generate_series(1, $3) i) x",
            voice, group_id, calls)
        await conn.execute(
            "INSERT INTO call_participants (call_id, user_id, session_id, resume_token_hash, joined_at, left_at,"
            "  left_reason, media_path, relayed, rtt_ms, rtt_sum_ms, rtt_samples, loss_sum_pct, loss_samples,"
            "  good_s, fair_s, poor_s, screen_shared)"
            " SELECT c.id, ($2::uuid[])[1 + (n + k) % $3], 'bench', '\\x00', c.started_at, c.ended_at, 'left',"
            "  CASE WHEN n % 5 = 0 THEN 'relay' ELSE 'direct' END, n % 5 = 0, 30 + n % 90, (30 + n % 90) * 4, 4,"
            "  (n % 7) * 0.4, 4, 60 - n % 13 * 4, n % 13 * 3, n % 13, k = 0 AND n % 4 = 0"
            " FROM (SELECT id, started_at, ended_at, row_number() OVER (ORDER BY started_at) AS n FROM calls"
            "       WHERE group_id = $1) c, generate_series(0, 1 + (c.n % 3)::int) k",
            group_id, people, PEOPLE)
        await conn.execute(
            "INSERT INTO call_join_attempts (group_id, channel_id, call_id, user_id, at, ok, reason)"
            " SELECT $1, $2, p.call_id, p.user_id, p.joined_at, NOT (h % 23 = 0),"
            "  CASE WHEN h % 23 = 0 THEN 'ice_failed' END"
            " FROM (SELECT call_id, user_id, joined_at, abs(hashtext(call_id::text || user_id::text)) AS h"
            "       FROM call_participants WHERE session_id = 'bench') p",
            group_id, voice)
        participations = await conn.fetchval(
            "SELECT count(*) FROM call_participants p JOIN calls c ON c.id = p.call_id WHERE c.group_id = $1", group_id)
        await conn.execute("ANALYZE")
        return {"messages": messages, "calls": calls, "participations": int(participations)}
    finally:
        await conn.close()


class RssWatch:
    """Samples a process's resident memory every 20 ms while running."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> "RssWatch":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


def download(client: httpx.Client, path: str, pid: int) -> dict[str, Any]:
    idle = psutil.Process(pid).memory_info().rss
    size = 0
    started = time.perf_counter()
    with RssWatch(pid) as watch, client.stream("GET", path) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "bytes": size, "rss_idle_mb": round(idle / 2**20, 1),
            "rss_peak_mb": round(watch.peak / 2**20, 1), "rss_rise_mb": round((watch.peak - idle) / 2**20, 1)}


def timed(client: httpx.Client, path: str, n: int) -> dict[str, float]:
    took = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        took.append((time.perf_counter() - started) * 1000)
    return summary_ms(took)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    async with bench_node() as node:
        assert node.proc is not None
        owner = register_user(Api(node.url))
        group = owner.api.post("/api/groups", {"name": unique_name("history")}).json()
        started = time.perf_counter()
        seeded = await seed(node.env["DATABASE_SCHEMA"], group["id"], owner.id, args.messages, args.calls)
        emit(bench="history", step="seed", seconds=round(time.perf_counter() - started, 1), **seeded)
        client = owner.api.http
        base = f"/api/groups/{group['id']}"
        client.get(base + "/analytics").raise_for_status()  # warm the connection pool and plans
        exported = download(client, base + "/export?messages=true", node.proc.pid)
        rows = seeded["messages"] + seeded["calls"] + seeded["participations"]
        emit(bench="history", step="export", rows=rows, rows_per_s=round(rows / exported["seconds"]), **exported)
        table = download(client, base + "/calls.csv", node.proc.pid)
        emit(bench="history", step="csv", rows=seeded["calls"], rows_per_s=round(seeded["calls"] / table["seconds"]),
             **table)
        emit(bench="history", step="analytics", **timed(client, base + "/analytics", args.requests))
        emit(bench="history", step="calls_page", **timed(client, base + "/calls", args.requests))


if __name__ == "__main__":
    asyncio.run(main())

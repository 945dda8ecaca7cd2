"""Sliding-window rate limits, kept in Redis when several nodes share the work, else in memory.

Each key counts events per fixed window; a hit is judged on the current window's count plus the
previous window's, weighted by how much of the previous window still lies within the last
`window_s` seconds — so crossing a window boundary does not hand out a fresh allowance.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis

from control.errors import RateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: int) -> None:
        """Counts one event for `key`; raises RateLimited past `limit` in the last `window_s` seconds."""


def _check(previous: int, current: int, limit: int, window_s: int, now: float) -> None:
    overlap = 1 - (now % window_s) / window_s
    if current + previous * overlap > limit:
        raise RateLimited("too many attempts; try again later", retry_after_s=max(1, window_s - int(now) % window_s))


class MemoryRateLimiter:
    def __init__(self) -> None:
        # key → (window number, its count, the previous window's count)
        self._windows: dict[str, tuple[int, int, int]] = {}

    async def hit(self, key: str, limit: int, window_s: int) -> None:
        now = time.time()
        window = int(now) // window_s
        start, count, _ = self._windows.get(key, (window, 0, 0))
        if start != window:
            previous = count if start == window - 1 else 0
            count = 0
            self._prune(window)
        else:
            previous = self._windows.get(key, (window, 0, 0))[2]
        count += 1
        self._windows[key] = (window, count, previous)
        _check(previous, count, limit, window_s, now)

    def _prune(self, current: int) -> None:
        """Forgets windows too old to count, so the table does not grow with every key ever seen."""
        for key in [k for k, (start, _, _) in self._windows.items() if start < current - 1]:
            del self._windows[key]


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, key: str, limit: int, window_s: int) -> None:
        now = time.time()
        window = int(now) // window_s
        current_key, previous_key = f"peershare:rl:{key}:{window}", f"peershare:rl:{key}:{window - 1}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(current_key)
            pipe.expire(current_key, 2 * window_s + 1)
            pipe.get(previous_key)
            count, _, previous = await pipe.execute()
        _check(int(previous or 0), int(count), limit, window_s, now)

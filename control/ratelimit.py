"""Fixed-window rate limits, kept in Redis when several nodes share the work, else in memory."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis

from control.errors import RateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: int) -> None:
        """Counts one event for `key`; raises RateLimited past `limit` in the current window."""


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_s: int) -> None:
        window = int(time.time()) // window_s
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            count = 0
            self._prune(window_s)
        count += 1
        self._windows[key] = (window, count)
        if count > limit:
            raise RateLimited("too many attempts; try again later", retry_after_s=window_s - int(time.time()) % window_s)

    def _prune(self, window_s: int) -> None:
        """Forgets finished windows so the table does not grow with every key ever seen."""
        current = int(time.time()) // window_s
        for key in [k for k, (start, _) in self._windows.items() if start < current]:
            del self._windows[key]


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, key: str, limit: int, window_s: int) -> None:
        window = int(time.time()) // window_s
        redis_key = f"peershare:rl:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_s + 1)
            count, _ = await pipe.execute()
        if int(count) > limit:
            raise RateLimited("too many attempts; try again later", retry_after_s=window_s - int(time.time()) % window_s)


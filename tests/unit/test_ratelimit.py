"""The in-memory limiter's window: no fresh allowance at a window boundary, and old counts fade."""

from __future__ import annotations

import pytest

from control import ratelimit
from control.errors import RateLimited


async def hits(limiter: ratelimit.MemoryRateLimiter, monkeypatch: pytest.MonkeyPatch, times: list[float]) -> list[bool]:
    allowed = []
    for now in times:
        monkeypatch.setattr(ratelimit.time, "time", lambda now=now: now)
        try:
            await limiter.hit("login:ip:1.2.3.4", 3, 60)
            allowed.append(True)
        except RateLimited:
            allowed.append(False)
    return allowed


async def test_crossing_a_window_boundary_gives_no_fresh_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three just before a minute turns, the fourth just after: still the same burst.
    assert await hits(ratelimit.MemoryRateLimiter(), monkeypatch, [119.0, 119.5, 119.9, 120.1]) == [True] * 3 + [False]


async def test_a_previous_window_fades_as_the_current_one_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three early in one minute; by late in the next, most of that burst lies outside the last 60 s.
    assert await hits(ratelimit.MemoryRateLimiter(), monkeypatch, [61.0, 62.0, 63.0, 170.0, 171.0]) == [True] * 5


async def test_counts_from_long_ago_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await hits(ratelimit.MemoryRateLimiter(), monkeypatch, [1.0, 2.0, 3.0, 600.0, 601.0, 602.0]) == [True] * 6

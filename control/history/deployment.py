"""The whole deployment's calls over a period, for operators (`peershare stats`, /metrics)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import asyncpg

from control.store import history


@dataclass(frozen=True)
class DeploymentStats:
    since: datetime
    calls: int
    call_minutes: float
    p2p_minutes: float
    sfu_minutes: float
    relayed_calls: int
    turn_share: float | None
    join_attempts: int
    join_successes: int
    join_success_rate: float | None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "since": self.since.isoformat()}


async def deployment_stats(conn: asyncpg.Connection, since: datetime) -> DeploymentStats:
    row = await history.deployment_stats(conn, since)
    calls, attempts = row["calls"], row["join_attempts"]
    return DeploymentStats(
        since=since, calls=calls, call_minutes=round(row["seconds"] / 60, 3),
        p2p_minutes=round(row["p2p_seconds"] / 60, 3), sfu_minutes=round(row["sfu_seconds"] / 60, 3),
        relayed_calls=row["relayed_calls"], turn_share=round(row["relayed_calls"] / calls, 4) if calls else None,
        join_attempts=attempts, join_successes=row["join_successes"],
        join_success_rate=round(row["join_successes"] / attempts, 4) if attempts else None,
    )

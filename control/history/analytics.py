"""A group's call analytics over a range of days: calls and minutes per day, P2P against SFU
time, the share of calls TURN had to relay, quality, and how often joining a call worked."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from control.auth.tokens import Principal
from control.errors import InvalidInput
from control.history.calls import time_range
from control.history.viewer import viewer_of
from control.store import history
from control.store.postgres import Database
from schemas.rest import (
    AnalyticsDay,
    AnalyticsQuery,
    AnalyticsTotals,
    GroupAnalyticsOut,
    JoinFailureCount,
    ParticipantsPerCall,
    QualityDistribution,
)

DEFAULT_DAYS = 30
# Every day of the range is listed: a bound keeps the answer (and the query) small.
MAX_DAYS = 366


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 3)


async def analytics(db: Database, principal: Principal, group_id: uuid.UUID, query: AnalyticsQuery) -> GroupAnalyticsOut:
    since, until = time_range(query.since, query.until)
    until = until or datetime.now(timezone.utc)
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise InvalidInput("`since` must be before `until`", code="invalid_range")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"analytics cover at most {MAX_DAYS} days", code="range_too_long")
    async with db.connection() as conn:
        viewer = await viewer_of(conn, principal, group_id)
        found = await history.analytics(conn, group_id, viewer.narrow_to(query.channel_id), since, until)
    found_days = found["days"]
    days = [AnalyticsDay(day=d["day"], calls=d["calls"], call_minutes=_minutes(d["seconds"]),
                         p2p_minutes=_minutes(d["p2p"]), sfu_minutes=_minutes(d["sfu"]), relayed_calls=d["relayed"],
                         join_attempts=d["attempts"], join_failures=d["failures"]) for d in found_days]
    calls = sum(d.calls for d in days)
    people = found["people"]
    attempts = sum(d.join_attempts for d in days)
    successes = attempts - sum(d.join_failures for d in days)
    totals = AnalyticsTotals(
        calls=calls, call_minutes=_minutes(sum(d["seconds"] for d in found_days)),
        p2p_minutes=_minutes(sum(d["p2p"] for d in found_days)),
        sfu_minutes=_minutes(sum(d["sfu"] for d in found_days)),
        participants_avg=round(sum(p["people"] * p["calls"] for p in people) / calls, 3) if calls else 0.0,
        turn_share=round(sum(d.relayed_calls for d in days) / calls, 4) if calls else 0.0,
        join_attempts=attempts, join_successes=successes,
        join_success_rate=round(successes / attempts, 4) if attempts else None,
        rtt_avg_ms=found["rtt_avg"], rtt_p95_ms=found["rtt_p95"], loss_avg_pct=found["loss_avg"],
        loss_p95_pct=found["loss_p95"],
    )
    return GroupAnalyticsOut(
        since=since, until=until, days=days, totals=totals,
        participants_per_call=[ParticipantsPerCall(participants=p["people"], calls=p["calls"]) for p in people],
        quality=QualityDistribution(good=found["good"], fair=found["fair"], poor=found["poor"],
                                    unknown=found["unknown"]),
        join_failure_reasons=[JoinFailureCount(reason=r["reason"], count=r["count"]) for r in found["reasons"]],
    )

"""Reading a group's call history: calls with their participants, quality and recordings, and
the figures analytics sums up. Callers pass the channels the viewer may see (`channel_ids`);
`member` narrows to the calls one user took part in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import AsyncIterator

import asyncpg

# A participation's grade from the seconds it spent in each: poor if a fifth of it was poor,
# fair if a fifth was fair or worse, good otherwise; null when nothing was measured.
_GRADE = (
    "CASE WHEN p.good_s + p.fair_s + p.poor_s <= 0 THEN NULL"
    " WHEN p.poor_s >= 0.2 * (p.good_s + p.fair_s + p.poor_s) THEN 'poor'"
    " WHEN p.fair_s + p.poor_s >= 0.2 * (p.good_s + p.fair_s + p.poor_s) THEN 'fair' ELSE 'good' END"
)
_RTT = "p.rtt_sum_ms / nullif(p.rtt_samples, 0)"
_LOSS = "p.loss_sum_pct / nullif(p.loss_samples, 0)"
# A live call's time in its current mode counts up to now.
_P2P = ("(c.p2p_seconds + CASE WHEN c.ended_at IS NULL AND c.mode = 'p2p'"
        " THEN extract(epoch FROM now() - c.mode_since) ELSE 0 END)")
_SFU = ("(c.sfu_seconds + CASE WHEN c.ended_at IS NULL AND c.mode = 'sfu'"
        " THEN extract(epoch FROM now() - c.mode_since) ELSE 0 END)")
_DURATION = "extract(epoch FROM coalesce(c.ended_at, now()) - c.started_at)"

_CALL_COLUMNS = (
    "c.id, c.channel_id, ch.name AS channel_name, c.started_at, c.ended_at, "
    f"{_DURATION}::float8 AS duration_s, {_P2P}::float8 AS p2p_seconds, {_SFU}::float8 AS sfu_seconds,"
    " coalesce(pp.relayed, false) AS relayed, coalesce(pp.screen_shared, false) AS screen_shared,"
    " (SELECT count(*) FROM call_join_attempts a WHERE a.call_id = c.id AND NOT a.ok)::int AS join_failures,"
    " coalesce(pp.participants, '[]') AS participants,"
    " coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'title', r.title, 'state', r.state,"
    "   'duration_s', r.duration_s) ORDER BY r.started_at, r.id)"
    "  FROM recordings r WHERE r.call_id = c.id), '[]') AS recordings,"
    " pp.rtt_avg_ms, pp.loss_avg_pct"
)
# One pass over a call's participations gives everything taken from them.
_PARTICIPATIONS = (
    " LEFT JOIN LATERAL (SELECT bool_or(p.relayed) AS relayed, bool_or(p.screen_shared) AS screen_shared,"
    f"  avg({_RTT})::float8 AS rtt_avg_ms, avg({_LOSS})::float8 AS loss_avg_pct,"
    "   jsonb_agg(jsonb_build_object("
    "   'user_id', p.user_id, 'display_name', coalesce(u.display_name, 'Deleted user'),"
    "   'joined_at', p.joined_at, 'left_at', p.left_at,"
    "   'left_reason', p.left_reason,"
    "   'media_path', CASE WHEN p.relayed THEN 'relay' ELSE p.media_path END,"
    f"  'rtt_ms', {_RTT}, 'loss_pct', {_LOSS}, 'quality', {_GRADE}, 'screen_shared', p.screen_shared)"
    "   ORDER BY p.joined_at, p.id) AS participants"
    "  FROM call_participants p LEFT JOIN users u ON u.id = p.user_id WHERE p.call_id = c.id) pp ON true"
)


@dataclass(frozen=True)
class CallFilter:
    group_id: uuid.UUID
    channel_ids: list[uuid.UUID]
    since: datetime | None = None
    until: datetime | None = None
    participant_id: uuid.UUID | None = None
    # Only calls this user took part in (a member's export).
    member: uuid.UUID | None = None


_CALL_WHERE = (
    f" FROM calls c JOIN channels ch ON ch.id = c.channel_id{_PARTICIPATIONS}"
    " WHERE c.group_id = $1 AND c.channel_id = ANY($2::uuid[])"
    " AND ($3::timestamptz IS NULL OR c.started_at >= $3) AND ($4::timestamptz IS NULL OR c.started_at < $4)"
    " AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = c.id AND p.user_id = $5))"
    " AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = c.id AND p.user_id = $6))"
)


def _args(f: CallFilter) -> list[object]:
    return [f.group_id, f.channel_ids, f.since, f.until, f.participant_id, f.member]


async def calls_page(conn: asyncpg.Connection, f: CallFilter, *, before: tuple[datetime, uuid.UUID] | None,
                     limit: int) -> list[asyncpg.Record]:
    """Newest first, keyset by (started_at, id)."""
    return await conn.fetch(
        f"SELECT {_CALL_COLUMNS}{_CALL_WHERE}"
        " AND ($7::timestamptz IS NULL OR (c.started_at, c.id) < ($7, $8::uuid))"
        " ORDER BY c.started_at DESC, c.id DESC LIMIT $9",
        *_args(f), before[0] if before else None, before[1] if before else None, limit,
    )


def calls_cursor(conn: asyncpg.Connection, f: CallFilter) -> AsyncIterator[asyncpg.Record]:
    """Every matching call, newest first, from a server-side cursor (inside a transaction)."""
    return conn.cursor(f"SELECT {_CALL_COLUMNS}{_CALL_WHERE} ORDER BY c.started_at DESC, c.id DESC",
                       *_args(f), prefetch=200)


def messages_cursor(conn: asyncpg.Connection, channel_ids: list[uuid.UUID]) -> AsyncIterator[asyncpg.Record]:
    """Each message as its export JSON (`doc`), written by PostgreSQL: a large group's messages are
    most of an export, and encoding them in the node's one Python thread was its bottleneck."""
    return conn.cursor(
        "SELECT json_build_object('id', id, 'channel_id', channel_id, 'author_id', author_id, 'seq', seq,"
        " 'body', body, 'created_at', created_at, 'edited_at', edited_at, 'deleted', deleted_at IS NOT NULL)::text"
        " AS doc FROM messages WHERE channel_id = ANY($1::uuid[]) ORDER BY channel_id, seq",
        channel_ids, prefetch=1000,
    )


async def recordings_of(conn: asyncpg.Connection, f: CallFilter) -> list[asyncpg.Record]:
    """Recordings of the visible channels; with `member`, only those of calls they were in."""
    return await conn.fetch(
        "SELECT r.id, r.title, r.state, r.channel_id, r.call_id, r.started_at, r.duration_s, r.size_bytes"
        " FROM recordings r WHERE r.group_id = $1 AND r.channel_id = ANY($2::uuid[])"
        " AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = r.call_id"
        "      AND p.user_id = $3))"
        " ORDER BY r.started_at, r.id",
        f.group_id, f.channel_ids, f.member,
    )


# --- analytics ----------------------------------------------------------------------------------


async def analytics(conn: asyncpg.Connection, group_id: uuid.UUID, channel_ids: list[uuid.UUID], since: datetime,
                    until: datetime) -> asyncpg.Record:
    """The calls started and join attempts made in [since, until): per day, participants per
    call, quality and failure reasons, in one statement that reads each participation once.
    `days`, `people` and `reasons` are JSON arrays."""
    row: asyncpg.Record = await conn.fetchrow(
        "WITH scoped AS MATERIALIZED (SELECT c.id, c.started_at, c.ended_at, c.mode, c.mode_since, c.p2p_seconds,"
        "   c.sfu_seconds FROM calls c WHERE c.group_id = $1 AND c.channel_id = ANY($2::uuid[])"
        "   AND c.started_at >= $3 AND c.started_at < $4),"
        # A deleted account's participations (user_id NULL) each count as a person of their own.
        f" parts AS MATERIALIZED (SELECT p.call_id, coalesce(p.user_id::text, 'p:' || p.id) AS person, p.relayed,"
        f"   {_GRADE} AS grade, {_RTT} AS rtt, {_LOSS} AS loss FROM call_participants p JOIN scoped s ON s.id = p.call_id),"
        # Per call: relayed or not, and how many people (a rejoin is one).
        " per_call AS MATERIALIZED (SELECT (c.started_at AT TIME ZONE 'UTC')::date AS day,"
        f"   {_DURATION} AS seconds, {_P2P} AS p2p, {_SFU} AS sfu, coalesce(x.relayed, false) AS relayed,"
        "   coalesce(x.people, 0) AS people FROM scoped c LEFT JOIN (SELECT call_id, bool_or(relayed) AS relayed,"
        "   count(*) AS people FROM (SELECT call_id, person, bool_or(relayed) AS relayed FROM parts"
        "   GROUP BY call_id, person) per_person GROUP BY call_id) x ON x.call_id = c.id),"
        " attempts AS MATERIALIZED (SELECT (a.at AT TIME ZONE 'UTC')::date AS day, a.ok, a.reason, count(*) AS n"
        "   FROM call_join_attempts a WHERE a.group_id = $1 AND a.channel_id = ANY($2::uuid[])"
        "   AND a.at >= $3 AND a.at < $4 GROUP BY 1, 2, 3),"
        " calendar AS (SELECT generate_series(($3::timestamptz AT TIME ZONE 'UTC')::date,"
        "   (($4::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day)"
        " SELECT"
        " (SELECT jsonb_agg(jsonb_build_object('day', to_char(d.day, 'YYYY-MM-DD'), 'calls', coalesce(c.calls, 0),"
        "   'seconds', coalesce(c.seconds, 0), 'p2p', coalesce(c.p2p, 0), 'sfu', coalesce(c.sfu, 0),"
        "   'relayed', coalesce(c.relayed, 0), 'attempts', coalesce(a.attempts, 0),"
        "   'failures', coalesce(a.failures, 0)) ORDER BY d.day) FROM calendar d"
        "   LEFT JOIN (SELECT day, count(*) AS calls, sum(seconds) AS seconds, sum(p2p) AS p2p, sum(sfu) AS sfu,"
        "     count(*) FILTER (WHERE relayed) AS relayed FROM per_call GROUP BY day) c ON c.day = d.day"
        "   LEFT JOIN (SELECT day, sum(n)::int AS attempts, (sum(n) FILTER (WHERE NOT ok))::int AS failures"
        "     FROM attempts GROUP BY day) a ON a.day = d.day) AS days,"
        " (SELECT coalesce(jsonb_agg(jsonb_build_object('people', people, 'calls', calls) ORDER BY people), '[]')"
        "   FROM (SELECT people, count(*) AS calls FROM per_call GROUP BY people) x) AS people,"
        " (SELECT coalesce(jsonb_agg(jsonb_build_object('reason', reason, 'count', n) ORDER BY n DESC, reason), '[]')"
        "   FROM (SELECT reason, sum(n)::int AS n FROM attempts WHERE NOT ok GROUP BY reason) x) AS reasons,"
        " q.* FROM (SELECT count(*) FILTER (WHERE grade = 'good')::int AS good,"
        "   count(*) FILTER (WHERE grade = 'fair')::int AS fair, count(*) FILTER (WHERE grade = 'poor')::int AS poor,"
        "   count(*) FILTER (WHERE grade IS NULL)::int AS unknown,"
        "   avg(rtt)::float8 AS rtt_avg, percentile_cont(0.95) WITHIN GROUP (ORDER BY rtt)::float8 AS rtt_p95,"
        "   avg(loss)::float8 AS loss_avg, percentile_cont(0.95) WITHIN GROUP (ORDER BY loss)::float8 AS loss_p95"
        "   FROM parts) q",
        group_id, channel_ids, since, until,
    )
    return row


async def deployment_stats(conn: asyncpg.Connection, since: datetime) -> asyncpg.Record:
    """Every group's calls started and joins tried since `since` (operators' `peershare stats`
    and the 24-hour gauges)."""
    row: asyncpg.Record = await conn.fetchrow(
        f"SELECT count(*)::int AS calls, coalesce(sum({_DURATION}), 0)::float8 AS seconds,"
        f" coalesce(sum({_P2P}), 0)::float8 AS p2p_seconds, coalesce(sum({_SFU}), 0)::float8 AS sfu_seconds,"
        " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM call_participants p WHERE p.call_id = c.id AND p.relayed))::int"
        "   AS relayed_calls,"
        " (SELECT count(*) FROM call_join_attempts a WHERE a.at >= $1)::int AS join_attempts,"
        " (SELECT count(*) FROM call_join_attempts a WHERE a.at >= $1 AND a.ok)::int AS join_successes"
        " FROM calls c WHERE c.started_at >= $1",
        since,
    )
    return row


def members_cursor(conn: asyncpg.Connection, group_id: uuid.UUID,
                   only: uuid.UUID | None) -> AsyncIterator[asyncpg.Record]:
    return conn.cursor(
        "SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at FROM group_members m"
        " JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 AND ($2::uuid IS NULL OR m.user_id = $2)"
        " ORDER BY m.joined_at, m.user_id",
        group_id, only, prefetch=500,
    )

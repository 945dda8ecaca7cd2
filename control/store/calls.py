"""Calls and their participants in PostgreSQL."""

from __future__ import annotations

import uuid

import asyncpg

from control.store import events

_PARTICIPANT_COLUMNS = (
    "p.id, p.call_id, p.user_id, p.session_id, p.joined_at, p.left_at, p.disconnected_at, p.audio, p.video,"
    " p.screen, p.muted_by_moderator, p.media_path, p.rtt_ms"
)
_CALL_COLUMNS = ("id, channel_id, group_id, started_at, ended_at, mode, mode_since, p2p_seconds, sfu_seconds,"
                 " media_node")


async def lock_live_call(conn: asyncpg.Connection, channel_id: uuid.UUID, group_id: uuid.UUID,
                         starter: uuid.UUID) -> asyncpg.Record:
    """The channel's live call, created (by `starter`, for the activity feed) if there is none,
    locked for this transaction."""
    created = await conn.fetchval(
        "INSERT INTO calls (channel_id, group_id, mode) VALUES ($1, $2, 'p2p')"
        " ON CONFLICT (channel_id) WHERE ended_at IS NULL DO NOTHING RETURNING id",
        channel_id, group_id,
    )
    if created is not None:
        await events.record(conn, group_id, "call_started", actor_id=starter, channel_id=channel_id,
                            detail=str(created))
    row: asyncpg.Record = await conn.fetchrow(
        f"SELECT {_CALL_COLUMNS} FROM calls WHERE channel_id = $1 AND ended_at IS NULL FOR UPDATE", channel_id
    )
    return row


async def hold_standing(conn: asyncpg.Connection, channel_id: uuid.UUID, user_id: uuid.UUID,
                        sign_in_id: uuid.UUID | None) -> bool:
    """Share-locks what a change of rights writes — the channel, the membership, the sign-in —
    so that a removal, an override change or a logout committed while someone joins waits for
    the join, then finds the new participant and takes it out. False: the sign-in is revoked.
    The group's row first, as membership changes lock it first (FOR UPDATE): one order, no deadlock."""
    group_id = await conn.fetchval("SELECT group_id FROM channels WHERE id = $1", channel_id)
    await conn.execute("SELECT 1 FROM groups WHERE id = $1 FOR SHARE", group_id)
    await conn.execute("SELECT 1 FROM channels WHERE id = $1 FOR SHARE", channel_id)
    await conn.execute("SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2 FOR SHARE", group_id, user_id)
    live = await conn.fetch(
        "SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL FOR SHARE", sign_in_id)
    return bool(live)


async def live_call_of_channel(conn: asyncpg.Connection, channel_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_CALL_COLUMNS} FROM calls WHERE channel_id = $1 AND ended_at IS NULL",
                               channel_id)


async def lock_call(conn: asyncpg.Connection, call_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_CALL_COLUMNS} FROM calls WHERE id = $1 FOR UPDATE", call_id)


async def get_call(conn: asyncpg.Connection, call_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_CALL_COLUMNS} FROM calls WHERE id = $1", call_id)


async def live_participants(conn: asyncpg.Connection, call_id: uuid.UUID) -> list[asyncpg.Record]:
    """In the order they joined: the first two of a P2P call are its impolite and polite peers."""
    return await conn.fetch(
        f"SELECT {_PARTICIPANT_COLUMNS} FROM call_participants p WHERE p.call_id = $1 AND p.left_at IS NULL"
        " ORDER BY p.joined_at, p.id",
        call_id,
    )


async def live_participation_of(conn: asyncpg.Connection, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_PARTICIPANT_COLUMNS}, c.channel_id FROM call_participants p JOIN calls c ON c.id = p.call_id"
        " WHERE p.user_id = $1 AND p.left_at IS NULL",
        user_id,
    )


async def find_by_resume_token(conn: asyncpg.Connection, call_id: uuid.UUID, user_id: uuid.UUID,
                               token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_PARTICIPANT_COLUMNS} FROM call_participants p WHERE p.call_id = $1 AND p.user_id = $2"
        " AND p.resume_token_hash = $3 AND p.left_at IS NULL",
        call_id, user_id, token_hash,
    )


async def get_participant(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_PARTICIPANT_COLUMNS} FROM call_participants p WHERE p.id = $1", participant_id
    )


async def insert_participant(conn: asyncpg.Connection, call_id: uuid.UUID, user_id: uuid.UUID, session_id: str,
                             token_hash: bytes, sign_in_id: uuid.UUID | None) -> uuid.UUID:
    # A moderator's mute in this call holds for a rejoin too.
    participant_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO call_participants (call_id, user_id, session_id, resume_token_hash, sign_in_id,"
        " muted_by_moderator, audio) SELECT $1, $2, $3, $4, $5, m.muted, NOT m.muted FROM"
        " (SELECT EXISTS (SELECT 1 FROM call_mutes WHERE call_id = $1 AND user_id = $2) AS muted) m"
        " RETURNING id",
        call_id, user_id, session_id, token_hash, sign_in_id,
    )
    return participant_id


async def set_muted(conn: asyncpg.Connection, call_id: uuid.UUID, user_id: uuid.UUID, by: uuid.UUID,
                    muted: bool) -> None:
    """A moderator's mute for the rest of the call (or its lifting), on the live participation too."""
    if muted:
        await conn.execute("INSERT INTO call_mutes (call_id, user_id, muted_by) VALUES ($1, $2, $3)"
                           " ON CONFLICT DO NOTHING", call_id, user_id, by)
    else:
        await conn.execute("DELETE FROM call_mutes WHERE call_id = $1 AND user_id = $2", call_id, user_id)
    await conn.execute(
        "UPDATE call_participants SET muted_by_moderator = $3, audio = audio AND NOT $3"
        " WHERE call_id = $1 AND user_id = $2 AND left_at IS NULL",
        call_id, user_id, muted,
    )


_STANDING_COLUMNS = (
    f"{_PARTICIPANT_COLUMNS}, c.channel_id, c.group_id, ch.overrides, m.role, u.guest_group_id IS NOT NULL AS guest"
)
_STANDING_FROM = (
    " FROM call_participants p JOIN calls c ON c.id = p.call_id JOIN channels ch ON ch.id = c.channel_id"
    " JOIN users u ON u.id = p.user_id"
    " LEFT JOIN group_members m ON m.group_id = c.group_id AND m.user_id = p.user_id"
)


async def live_standing(conn: asyncpg.Connection, *, call_id: uuid.UUID | None = None,
                        group_id: uuid.UUID | None = None, channel_id: uuid.UUID | None = None,
                        user_id: uuid.UUID | None = None, sign_in_id: uuid.UUID | None = None,
                        lock: bool = False) -> list[asyncpg.Record]:
    """Live participants (of a call, a group's calls, a channel's call, a user) with what decides
    their rights: their role in the group now (null once they are no longer a member) and the
    channel's overrides. In the order they joined."""
    suffix = " FOR UPDATE OF p" if lock else ""
    return await conn.fetch(
        f"SELECT {_STANDING_COLUMNS}{_STANDING_FROM} WHERE p.left_at IS NULL"
        " AND ($1::uuid IS NULL OR p.call_id = $1) AND ($2::uuid IS NULL OR c.group_id = $2)"
        " AND ($3::uuid IS NULL OR c.channel_id = $3) AND ($4::uuid IS NULL OR p.user_id = $4)"
        " AND ($5::uuid IS NULL OR p.sign_in_id = $5)"
        f" ORDER BY p.joined_at, p.id{suffix}",
        call_id, group_id, channel_id, user_id, sign_in_id,
    )


async def call_seconds_in_group(conn: asyncpg.Connection, user_id: uuid.UUID, group_id: uuid.UUID) -> float:
    """How long the user has been in the group's calls, all participations and nodes together."""
    seconds = await conn.fetchval(
        "SELECT coalesce(sum(extract(epoch FROM coalesce(p.left_at, now()) - p.joined_at)), 0)"
        " FROM call_participants p JOIN calls c ON c.id = p.call_id WHERE p.user_id = $1 AND c.group_id = $2",
        user_id, group_id,
    )
    return float(seconds)


async def reattach(conn: asyncpg.Connection, participant_id: uuid.UUID, session_id: str,
                   sign_in_id: uuid.UUID | None) -> None:
    await conn.execute(
        "UPDATE call_participants SET session_id = $2, sign_in_id = $3, disconnected_at = NULL WHERE id = $1",
        participant_id, session_id, sign_in_id,
    )


async def mark_disconnected(conn: asyncpg.Connection, session_id: str) -> list[uuid.UUID]:
    rows = await conn.fetch(
        "UPDATE call_participants SET disconnected_at = now() WHERE session_id = $1 AND left_at IS NULL"
        " RETURNING id",
        session_id,
    )
    return [r["id"] for r in rows]


async def mark_left(conn: asyncpg.Connection, participant_id: uuid.UUID, reason: str) -> None:
    await conn.execute(
        "UPDATE call_participants SET left_at = now(), left_reason = $2 WHERE id = $1 AND left_at IS NULL",
        participant_id, reason,
    )


async def set_mode(conn: asyncpg.Connection, call: asyncpg.Record, mode: str) -> None:
    """Switches the call's mode, adding the time spent in the old one to its total."""
    column = "p2p_seconds" if call["mode"] == "p2p" else "sfu_seconds"
    await conn.execute(
        f"UPDATE calls SET {column} = {column} + extract(epoch FROM now() - mode_since), mode = $2,"
        " mode_since = now() WHERE id = $1",
        call["id"], mode,
    )


async def end_call(conn: asyncpg.Connection, call: asyncpg.Record) -> tuple[float, bool]:
    """Ends the call; returns its length (s) and whether TURN relayed anyone's media in it."""
    column = "p2p_seconds" if call["mode"] == "p2p" else "sfu_seconds"
    row = await conn.fetchrow(
        f"UPDATE calls SET {column} = {column} + extract(epoch FROM now() - mode_since), ended_at = now(),"
        " mode_since = now() WHERE id = $1 RETURNING extract(epoch FROM ended_at - started_at)::float8 AS seconds,"
        " EXISTS (SELECT 1 FROM call_participants WHERE call_id = $1 AND relayed) AS relayed",
        call["id"],
    )
    return float(row["seconds"]), bool(row["relayed"])


async def update_participant(conn: asyncpg.Connection, participant_id: uuid.UUID, **fields: object) -> None:
    # Field names come from code, never from input.
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(f"UPDATE call_participants SET {assignments} WHERE id = $1", participant_id, *fields.values())


# Quality reports come every few seconds: a gap longer than this (the call paused, a lost
# client) is not counted as time in the reported grade.
QUALITY_GAP_S = 10.0


async def add_quality(conn: asyncpg.Connection, participant_id: uuid.UUID, *, grade: str,
                      rtt_ms: float | None = None, loss_pct: float | None = None,
                      seconds: float | None = None) -> None:
    """Adds a measurement to the participation's summary: the time since its previous one (or the
    `seconds` given) goes to `grade`; RTT and loss to their averages."""
    column = {"good": "good_s", "fair": "fair_s", "poor": "poor_s"}[grade]
    await conn.execute(
        f"UPDATE call_participants SET {column} = {column} + coalesce($4::float8,"
        "   least($5::float8, extract(epoch FROM now() - coalesce(quality_at, joined_at))::float8)),"
        " quality_at = now(),"
        " rtt_sum_ms = rtt_sum_ms + coalesce($2::float8, 0), rtt_samples = rtt_samples + ($2::float8 IS NOT NULL)::int,"
        " loss_sum_pct = loss_sum_pct + coalesce($3::float8, 0),"
        " loss_samples = loss_samples + ($3::float8 IS NOT NULL)::int"
        " WHERE id = $1 AND left_at IS NULL",
        participant_id, rtt_ms, loss_pct, seconds, QUALITY_GAP_S,
    )


async def add_media_path(conn: asyncpg.Connection, participant_id: uuid.UUID, path: str, rtt_ms: float | None) -> None:
    await conn.execute(
        "UPDATE call_participants SET media_path = $2, relayed = relayed OR $2 = 'relay', rtt_ms = $3::float8,"
        " rtt_sum_ms = rtt_sum_ms + coalesce($3::float8, 0), rtt_samples = rtt_samples + ($3::float8 IS NOT NULL)::int"
        " WHERE id = $1",
        participant_id, path, rtt_ms,
    )


async def mark_screen_shared(conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    await conn.execute("UPDATE call_participants SET screen_shared = true WHERE id = $1", participant_id)


async def disconnected_before(conn: asyncpg.Connection, seconds: float) -> list[asyncpg.Record]:
    """Participants whose socket has been gone longer than the resume grace period."""
    return await conn.fetch(
        f"SELECT {_PARTICIPANT_COLUMNS} FROM call_participants p WHERE p.left_at IS NULL"
        " AND p.disconnected_at < now() - make_interval(secs => $1)",
        seconds,
    )


async def claim_media_node(conn: asyncpg.Connection, call_id: uuid.UUID, node: str, stale_s: float) -> str | None:
    """Makes `node` the host of the call's SFU room unless a live node hosts it; returns the node
    that hosted it before when this was a takeover from a dead one (else None). Raises
    LookupError when another, live node is the host (its name is the error's argument)."""
    row = await conn.fetchrow(
        "WITH before AS (SELECT media_node FROM calls WHERE id = $1 FOR UPDATE)"
        " UPDATE calls SET media_node = $2, media_node_seen = now() FROM before WHERE calls.id = $1"
        " AND (before.media_node IS NULL OR before.media_node = $2"
        "      OR calls.media_node_seen < now() - make_interval(secs => $3))"
        " RETURNING before.media_node AS previous",
        call_id, node, stale_s,
    )
    if row is None:
        host = await conn.fetchval("SELECT media_node FROM calls WHERE id = $1", call_id)
        raise LookupError(host)
    previous: str | None = row["previous"]
    return previous if previous not in (None, node) else None


async def renew_media_node(conn: asyncpg.Connection, call_ids: list[uuid.UUID], node: str) -> None:
    await conn.execute("UPDATE calls SET media_node_seen = now() WHERE id = ANY($1) AND media_node = $2",
                       call_ids, node)


async def release_media_node(conn: asyncpg.Connection, call_id: uuid.UUID, node: str) -> None:
    await conn.execute("UPDATE calls SET media_node = NULL, media_node_seen = NULL WHERE id = $1 AND media_node = $2",
                       call_id, node)


async def orphaned_sfu_calls(conn: asyncpg.Connection, session_ids: list[str], stale_s: float) -> list[asyncpg.Record]:
    """Live SFU calls with a participant on one of these sessions whose host stopped renewing."""
    return await conn.fetch(
        "SELECT DISTINCT c.id, c.channel_id FROM calls c JOIN call_participants p ON p.call_id = c.id"
        " WHERE c.ended_at IS NULL AND c.media_node IS NOT NULL"
        " AND c.media_node_seen < now() - make_interval(secs => $2)"
        " AND p.left_at IS NULL AND p.session_id = ANY($1)",
        session_ids, stale_s,
    )


async def live_counts(conn: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """Per mode: live calls and their live participants (for the metrics page)."""
    rows = await conn.fetch(
        "SELECT c.mode, count(DISTINCT c.id)::int AS calls, count(p.id)::int AS participants FROM calls c"
        " LEFT JOIN call_participants p ON p.call_id = c.id AND p.left_at IS NULL"
        " WHERE c.ended_at IS NULL GROUP BY c.mode"
    )
    return {row["mode"]: (row["calls"], row["participants"]) for row in rows}

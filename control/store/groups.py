"""Groups and their members in PostgreSQL."""

from __future__ import annotations

import uuid

import asyncpg

from control.domain.permissions import Role
from control.errors import Conflict

_GROUP_COLUMNS = (
    "g.id, g.name, g.description, g.privacy, g.member_limit, g.owner_id, g.created_at,"
    " g.recording_quality, g.recording_retention_days,"
    " (SELECT count(*) FROM group_members c WHERE c.group_id = g.id)::int AS member_count"
)


async def insert_group(
    conn: asyncpg.Connection, *, name: str, description: str, privacy: str, member_limit: int, owner_id: uuid.UUID
) -> uuid.UUID:
    group_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO groups (name, description, privacy, member_limit, owner_id) VALUES ($1, $2, $3, $4, $5)"
        " RETURNING id",
        name, description, privacy, member_limit, owner_id,
    )
    await add_member(conn, group_id, owner_id, Role.OWNER)
    return group_id


async def get_group(conn: asyncpg.Connection, group_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE OF g" if lock else ""
    return await conn.fetchrow(f"SELECT {_GROUP_COLUMNS} FROM groups g WHERE g.id = $1{suffix}", group_id)


async def list_all(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every group with its member count, for operators; newest first."""
    return await conn.fetch(
        "SELECT g.id, g.name, g.privacy, g.created_at, count(m.user_id)::int AS member_count FROM groups g"
        " LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.created_at DESC"
    )


async def list_groups_of(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_GROUP_COLUMNS}, m.role AS my_role FROM groups g JOIN group_members m ON m.group_id = g.id"
        " WHERE m.user_id = $1 ORDER BY m.joined_at, g.id",
        user_id,
    )


async def update_group(conn: asyncpg.Connection, group_id: uuid.UUID, changes: dict[str, object]) -> None:
    if not changes:
        return
    # Column names come from the validated body model's field names, never from raw input.
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=2))
    await conn.execute(
        f"UPDATE groups SET {assignments}, updated_at = now() WHERE id = $1", group_id, *changes.values()
    )


async def delete_group(conn: asyncpg.Connection, group_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM groups WHERE id = $1", group_id)


async def set_owner(conn: asyncpg.Connection, group_id: uuid.UUID, owner_id: uuid.UUID) -> None:
    await conn.execute("UPDATE groups SET owner_id = $2, updated_at = now() WHERE id = $1", group_id, owner_id)


async def member_role(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> Role | None:
    role = await conn.fetchval("SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2", group_id, user_id)
    return Role(role) if role is not None else None


async def add_member(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> bool:
    """False when the user was a member already (their role is left as it was)."""
    added = await conn.fetchval(
        "INSERT INTO group_members (group_id, user_id, role) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        group_id, user_id, role.value,
    )
    return bool(added)


async def set_member_role(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> None:
    """Conflict when the membership is gone (the person left, or deleted their account, meanwhile)."""
    status = await conn.execute(
        "UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2", group_id, user_id, role.value
    )
    if status == "UPDATE 0":
        raise Conflict("that person is no longer a member of the group", code="member_gone")


async def remove_member(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", group_id, user_id)


_MEMBER_COLUMNS = "m.user_id, u.username, u.display_name, u.avatar_url, m.role, m.joined_at"


async def get_member(conn: asyncpg.Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_MEMBER_COLUMNS} FROM group_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.group_id = $1 AND m.user_id = $2",
        group_id, user_id,
    )


async def list_members(
    conn: asyncpg.Connection,
    group_id: uuid.UUID,
    *,
    search: str | None,
    role: str | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """Members matching a name search and a role, owners first, then by name; and their total."""
    where = (
        "m.group_id = $1 AND ($2::text IS NULL OR u.username ILIKE $2 OR u.display_name ILIKE $2)"
        " AND ($3::text IS NULL OR m.role = $3)"
    )
    pattern = None if not search else "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetch(
        f"SELECT {_MEMBER_COLUMNS} FROM group_members m JOIN users u ON u.id = m.user_id WHERE {where}"
        " ORDER BY array_position(ARRAY['owner','moderator','member','guest'], m.role), lower(u.display_name), m.user_id"
        " LIMIT $4 OFFSET $5",
        group_id, pattern, role, limit, offset,
    )
    total = await conn.fetchval(
        f"SELECT count(*) FROM group_members m JOIN users u ON u.id = m.user_id WHERE {where}", group_id, pattern, role
    )
    return rows, int(total)


async def group_ids_of(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[uuid.UUID]:
    return [r["group_id"] for r in await conn.fetch("SELECT group_id FROM group_members WHERE user_id = $1", user_id)]


async def memberships_in(conn: asyncpg.Connection, group_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(group, user) for every member of these groups."""
    rows = await conn.fetch("SELECT group_id, user_id FROM group_members WHERE group_id = ANY($1::uuid[])", group_ids)
    return [(r["group_id"], r["user_id"]) for r in rows]


async def find_members_by_username(conn: asyncpg.Connection, group_id: uuid.UUID,
                                   usernames: list[str]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT m.user_id, m.role FROM group_members m JOIN users u ON u.id = m.user_id"
        " WHERE m.group_id = $1 AND lower(u.username) = ANY($2::text[])",
        group_id, [name.lower() for name in usernames],
    )

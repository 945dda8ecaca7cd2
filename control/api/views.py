"""Database rows to response bodies."""

from __future__ import annotations

import asyncpg

from control.domain.permissions import Role, channel_permissions
from schemas.rest import (
    ChannelOut,
    ChannelPermissionName,
    GroupOut,
    InviteOut,
    MemberOut,
    RoleName,
)


def group_out(row: asyncpg.Record, role: Role | None) -> GroupOut:
    return GroupOut(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        privacy=row["privacy"],
        member_limit=row["member_limit"],
        owner_id=row["owner_id"],
        member_count=row["member_count"],
        my_role=RoleName(role.value) if role else None,
        created_at=row["created_at"],
    )


def channel_out(row: asyncpg.Record, role: Role) -> ChannelOut:
    granted = channel_permissions(role, row["overrides"])
    return ChannelOut(
        id=row["id"],
        group_id=row["group_id"],
        kind=row["kind"],
        name=row["name"],
        topic=row["topic"],
        position=row["position"],
        overrides=row["overrides"],
        my_permissions=[p for p in ChannelPermissionName if p.value in granted],
    )


def invite_url(public_url: str, code: str) -> str:
    return f"{public_url}/invite/{code}"


def invite_out(row: asyncpg.Record, public_url: str) -> InviteOut:
    return InviteOut(
        code=row["code"],
        url=invite_url(public_url, row["code"]),
        group_id=row["group_id"],
        role=row["role"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        revoked=row["revoked_at"] is not None,
    )


def member_out(row: asyncpg.Record) -> MemberOut:
    return MemberOut.model_validate(dict(row))

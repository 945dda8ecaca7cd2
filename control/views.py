"""Database rows to what goes on the wire (REST bodies, signaling frames): the one home of
these conversions."""

from __future__ import annotations

import asyncpg

from control.domain.permissions import Permission, Role, channel_permissions
from control.store.recordings import ParticipantRow, RecordingRow
from schemas.rest import (
    BanOut,
    ChannelOut,
    ChannelPermissionName,
    ConsentName,
    GroupOut,
    InviteChannelOut,
    InviteOut,
    InvitePreview,
    MemberOut,
    MessageOut,
    PendingInviteOut,
    RecordingOut,
    RecordingParticipantOut,
    RecordingQuality,
    RecordingState,
    RoleName,
    UserOut,
)
from schemas.signaling import CallParticipant, RecordingInfo


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
        recording_quality=row["recording_quality"],
        recording_retention_days=row["recording_retention_days"],
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


def invite_preview_out(invite: asyncpg.Record, group: asyncpg.Record, channels: list[asyncpg.Record]) -> InvitePreview:
    invited_as = Role(invite["role"])
    return InvitePreview(
        code=invite["code"], role=invite["role"], group_id=group["id"], group_name=group["name"],
        group_description=group["description"], member_count=group["member_count"],
        # Only the channels the invited role will be able to see.
        channels=[InviteChannelOut(name=c["name"], kind=c["kind"], topic=c["topic"]) for c in channels
                  if Permission.VIEW_CHANNEL in channel_permissions(invited_as, c["overrides"])],
        expires_at=invite["expires_at"],
    )


def member_out(row: asyncpg.Record) -> MemberOut:
    return MemberOut.model_validate(dict(row))


def ban_out(row: asyncpg.Record) -> BanOut:
    return BanOut.model_validate(dict(row))


def pending_invite_out(row: asyncpg.Record) -> PendingInviteOut:
    return PendingInviteOut(code=row["code"], group_id=row["group_id"], group_name=row["group_name"],
                            role=row["role"], invited_by=row["created_by"], created_at=row["created_at"],
                            expires_at=row["expires_at"])


def user_out(row: asyncpg.Record) -> UserOut:
    return UserOut(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        email=row["email"],
        email_verified=row["email_verified"],
        avatar_url=row["avatar_url"],
        is_guest=row["guest_group_id"] is not None,
        guest_group_id=row["guest_group_id"],
    )


def message_out(row: asyncpg.Record) -> MessageOut:
    return MessageOut(
        id=row["id"], channel_id=row["channel_id"], author_id=row["author_id"], client_id=row["client_id"],
        seq=row["seq"], version=row["version"], body=row["body"], mentions=row["mentions"],
        created_at=row["created_at"], edited_at=row["edited_at"], deleted=row["deleted_at"] is not None,
    )


def participant_out(row: asyncpg.Record) -> CallParticipant:
    return CallParticipant(
        participant_id=row["id"], user_id=row["user_id"], joined_at=row["joined_at"], audio=row["audio"],
        video=row["video"], screen=row["screen"], muted_by_moderator=row["muted_by_moderator"],
    )


def recording_out(row: RecordingRow, participants: list[ParticipantRow]) -> RecordingOut:
    return RecordingOut(
        id=row.id, group_id=row.group_id, channel_id=row.channel_id, call_id=row.call_id, title=row.title,
        state=RecordingState(row.state), started_by=row.started_by, stopped_by=row.stopped_by, started_at=row.started_at,
        stopped_at=row.stopped_at, duration_s=row.duration_s, size_bytes=row.size_bytes,
        quality=RecordingQuality.model_validate(row.quality),
        note=row.note,
        participants=[RecordingParticipantOut(user_id=p.user_id, display_name=p.display_name, consent=ConsentName(p.consent),
                                              decided_at=p.decided_at) for p in participants],
    )


def recording_info(row: RecordingRow) -> RecordingInfo:
    """A recording in progress, as calls show it."""
    return RecordingInfo(recording_id=row.id, started_by=row.started_by, started_at=row.started_at)

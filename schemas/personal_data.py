"""What `GET /api/me/export` answers: everything PeerShare holds about the person asking, as one
JSON document (schemas/generated/me_export.schema.json is written from `MeExport`). The server
streams it section by section, messages last, so its field order is the order written here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "peershare.me_export/1"


class Item(BaseModel):
    # Exported as stored: nulls included, so every key is always there.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True, extra="forbid")


class ExportProfile(Item):
    id: uuid.UUID
    username: str
    display_name: str
    email: str | None
    email_verified: bool
    avatar_url: str | None
    has_password: bool
    guest_group_id: uuid.UUID | None
    created_at: datetime


class ExportIdentity(Item):
    """An OAuth account linked to this one (no provider tokens are ever kept)."""

    provider: str
    subject: str
    name: str | None
    email: str | None
    avatar_url: str | None
    linked_at: datetime


class ExportSignIn(Item):
    """One sign-in (a refresh-token family); tokens are kept only as hashes and are left out."""

    sign_in_id: uuid.UUID
    started_at: datetime
    last_refreshed_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ExportMembership(Item):
    group_id: uuid.UUID
    group_name: str
    role: Literal["owner", "moderator", "member", "guest"]
    joined_at: datetime


class ExportMessage(Item):
    id: uuid.UUID
    group_id: uuid.UUID
    channel_id: uuid.UUID
    channel_name: str
    body: str = Field(description="empty once deleted")
    mentions: list[uuid.UUID]
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


class ExportCallParticipation(Item):
    call_id: uuid.UUID
    group_id: uuid.UUID
    channel_id: uuid.UUID
    joined_at: datetime
    left_at: datetime | None
    left_reason: str | None
    audio: bool
    video: bool
    screen: bool
    media_path: Literal["direct", "relay"] | None
    rtt_ms: float | None


class ExportInvite(Item):
    """An invite link or invitation this person created (the code is left out: it is a credential)."""

    group_id: uuid.UUID
    role: Literal["member", "guest"]
    invitee_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked_at: datetime | None


class ExportBan(Item):
    group_id: uuid.UUID
    user_id: uuid.UUID = Field(description="who is banned")
    banned_by: uuid.UUID | None = Field(description="null when that account was deleted")
    reason: str
    created_at: datetime


class ExportRecording(Item):
    """A recording this person started: metadata only, never the media."""

    id: uuid.UUID
    group_id: uuid.UUID
    channel_id: uuid.UUID | None
    call_id: uuid.UUID | None
    title: str
    state: Literal["recording", "finalizing", "ready", "failed"]
    started_at: datetime
    stopped_at: datetime | None
    duration_s: float | None
    size_bytes: int | None
    quality: dict[str, Any]
    note: str


class ExportRecordingConsent(Item):
    """What this person answered when a call they were in was recorded."""

    recording_id: uuid.UUID
    display_name: str
    consent: Literal["pending", "accepted", "declined"]
    decided_at: datetime | None


class ExportNotification(Item):
    """A notification kept for this person (invite codes left out, as in invites_created)."""

    id: uuid.UUID
    kind: str
    group_id: uuid.UUID
    channel_id: uuid.UUID | None
    voice_channel_id: uuid.UUID | None
    from_user_id: uuid.UUID | None
    message_id: uuid.UUID | None
    recording_id: uuid.UUID | None
    text: str
    muted: bool
    created_at: datetime
    read_at: datetime | None


class ExportNotificationMute(Item):
    """A group (channel_id null) or channel whose notifications this person muted."""

    group_id: uuid.UUID
    channel_id: uuid.UUID | None


class MeExport(Item):
    format: Literal["peershare.me_export/1"]
    exported_at: datetime
    profile: ExportProfile
    identities: list[ExportIdentity]
    sign_ins: list[ExportSignIn]
    memberships: list[ExportMembership]
    call_participations: list[ExportCallParticipation]
    invites_created: list[ExportInvite]
    bans_issued: list[ExportBan]
    bans_received: list[ExportBan]
    recordings_started: list[ExportRecording]
    recording_consents: list[ExportRecordingConsent]
    notifications: list[ExportNotification]
    notification_mutes: list[ExportNotificationMute]
    messages: list[ExportMessage] = Field(description="every message written, oldest first (streamed last)")

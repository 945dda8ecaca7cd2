"""REST request and response bodies: the one source for the server's validation, the OpenAPI
document and (generated from that document) the web client's types."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Username = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class Body(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    # Responses always carry their defaults, so their schema marks those fields required.
    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


class RoleName(StrEnum):
    owner = "owner"
    moderator = "moderator"
    member = "member"
    guest = "guest"


class InviteRole(StrEnum):
    member = "member"
    guest = "guest"


class ChannelKind(StrEnum):
    text = "text"
    voice = "voice"


class Privacy(StrEnum):
    public = "public"
    private = "private"


class ChannelPermissionName(StrEnum):
    view = "view"
    send_messages = "send_messages"
    join_call = "join_call"
    speak = "speak"
    video = "video"
    share_screen = "share_screen"


# {"member": {"send_messages": false}}: allow (true) or deny (false) per role; owners are exempt.
ChannelOverrides = dict[RoleName, dict[ChannelPermissionName, bool]]


# --- auth ---------------------------------------------------------------------------------------


class RegisterBody(Body):
    username: Username
    password: Password
    email: EmailStr | None = None
    display_name: DisplayName | None = None


class PasswordChange(Body):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Password


class LoginBody(Body):
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)] = Field(
        description="username or e-mail"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class RefreshBody(Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class LogoutBody(Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class UserOut(Out):
    id: uuid.UUID
    username: str
    display_name: str
    email: str | None
    email_verified: bool
    avatar_url: str | None
    is_guest: bool
    guest_group_id: uuid.UUID | None


class TokenPair(Out):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    user: UserOut


class OAuthIdentityOut(Out):
    provider: str
    subject: str
    name: str | None
    email: str | None
    avatar_url: str | None


class MeOut(UserOut):
    identities: list[OAuthIdentityOut]
    has_password: bool = Field(description="deleting the account asks for it; without one, for a recent sign-in")


OwnedGroupChoice = Annotated[str, StringConstraints(
    pattern=r"^(delete|transfer:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]


class AccountDeletion(Body):
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = Field(
        default=None, description="required when the account has a password")
    owned_groups: dict[uuid.UUID, OwnedGroupChoice] = Field(
        default_factory=dict,
        description="for every group the account owns: \"transfer:<user id>\" (a member, not a guest) or \"delete\"")


# --- groups -------------------------------------------------------------------------------------


class GroupCreate(Body):
    name: GroupName
    description: Description = ""
    privacy: Privacy = Privacy.private
    member_limit: Annotated[int, Field(ge=1, le=100_000)] = 500


class GroupPatch(Body):
    name: GroupName | None = None
    description: Description | None = None
    privacy: Privacy | None = None
    member_limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    recording_quality: RecordingQuality | None = None
    recording_retention_days: RetentionDays | None = Field(default=None, description="0: keep for ever")


class InviteOut(Out):
    code: str
    url: str
    group_id: uuid.UUID
    role: InviteRole
    created_by: uuid.UUID
    created_at: datetime
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked: bool


class GroupOut(Out):
    id: uuid.UUID
    name: str
    description: str
    privacy: Privacy
    member_limit: int
    owner_id: uuid.UUID
    member_count: int
    my_role: RoleName | None
    created_at: datetime
    recording_quality: RecordingQuality
    recording_retention_days: int | None = Field(description="null: recordings are kept for ever")


class GroupCreated(GroupOut):
    invite: InviteOut
    channels: list["ChannelOut"]


class TransferOwnershipBody(Body):
    user_id: uuid.UUID


# --- channels -----------------------------------------------------------------------------------


class ChannelCreate(Body):
    name: ChannelName
    kind: ChannelKind
    topic: Description = ""
    position: Annotated[int, Field(ge=0)] | None = Field(default=None, description="default: last")
    overrides: ChannelOverrides = Field(default_factory=dict)


class ChannelPatch(Body):
    name: ChannelName | None = None
    topic: Description | None = None
    position: Annotated[int, Field(ge=0)] | None = None
    overrides: ChannelOverrides | None = None


class ChannelOut(Out):
    id: uuid.UUID
    group_id: uuid.UUID
    kind: ChannelKind
    name: str
    topic: str
    position: int
    overrides: ChannelOverrides
    my_permissions: list[ChannelPermissionName]


# --- invites ------------------------------------------------------------------------------------


class InviteCreate(Body):
    role: InviteRole = InviteRole.member
    expires_in_s: Annotated[int, Field(ge=60, le=365 * 24 * 3600)] | None = Field(
        default=7 * 24 * 3600, description="null: never expires"
    )
    max_uses: Annotated[int, Field(ge=1, le=100_000)] | None = None


class InviteChannelOut(Out):
    name: str
    kind: ChannelKind
    topic: str


class InvitePreview(Out):
    code: str
    role: InviteRole
    group_id: uuid.UUID
    group_name: str
    group_description: str
    member_count: int
    channels: list[InviteChannelOut]
    expires_at: datetime | None


class InviteAccept(Body):
    display_name: DisplayName | None = Field(default=None, description="required for a guest invite without a token")


class InviteAccepted(Out):
    group: GroupOut
    role: RoleName
    tokens: TokenPair | None = Field(default=None, description="set when a guest account was created")


# --- members ------------------------------------------------------------------------------------


class MemberOut(Out):
    user_id: uuid.UUID
    username: str
    display_name: str
    avatar_url: str | None
    role: RoleName
    joined_at: datetime


class MemberPage(Out):
    members: list[MemberOut]
    total: int


class MemberPatch(Body):
    role: RoleName


class MembersBulk(Body):
    action: Literal["add", "remove", "set_role"]
    user_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=500)]
    role: RoleName | None = None


class BulkResult(Out):
    user_id: uuid.UUID
    ok: bool
    error: str | None = None
    # "add" invites: the person joins by accepting this invite (it is theirs alone).
    invite_code: str | None = None


class PendingInviteOut(Out):
    """An invitation addressed to me, waiting for my answer."""

    code: str
    group_id: uuid.UUID
    group_name: str
    role: InviteRole
    invited_by: uuid.UUID
    created_at: datetime
    expires_at: datetime | None


class BanCreate(Body):
    user_id: uuid.UUID
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class BanOut(Out):
    user_id: uuid.UUID
    username: str
    display_name: str
    reason: str
    banned_by: uuid.UUID | None = Field(description="null: that account was deleted")
    created_at: datetime


class MembersBulkOut(Out):
    results: list[BulkResult]


class HealthOut(Out):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str
    node: str = Field(description="this process's id among the nodes (it hosts the SFU calls it claimed)")


class ClientConfigOut(Out):
    oauth_providers: list[str] = Field(description="providers with a sign-in button")
    version: str


class IceServerOut(Out):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersOut(Out):
    ice_servers: list[IceServerOut]


class ValidationIssue(Out):
    loc: list[str | int] = Field(description="where in the body or query")
    message: str
    type: str


class RetryAfter(Out):
    retry_after_s: int


class ErrorDetail(Out):
    # `details` is left out, not null, when there are none.
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    code: str = Field(description="stable, for programs: invalid_body, group_not_found, rate_limited, ...")
    message: str = Field(description="for people")
    details: list[ValidationIssue] | RetryAfter | None = None


class ErrorBody(Out):
    error: ErrorDetail


class MembersQuery(Body):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="part of a username or display name"
    )
    role: RoleName | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0)] = 0


# --- messages -----------------------------------------------------------------------------------


class MessageOut(Out):
    id: uuid.UUID
    channel_id: uuid.UUID
    author_id: uuid.UUID | None = Field(description="null: the author deleted their account")
    client_id: str
    seq: int = Field(description="position in the channel, fixed at creation")
    version: int = Field(description="the channel's change counter at this message's latest change")
    body: str
    mentions: list[uuid.UUID]
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class MessagesQuery(Body):
    before: Annotated[int, Field(ge=1)] | None = Field(default=None, description="seq: older than this")
    after: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="version: every change after this, oldest first (resume)"
    )
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class MessagePage(Out):
    messages: list[MessageOut]
    last_version: int = Field(description="the channel's change counter now")


# --- recordings ---------------------------------------------------------------------------------


class Resolution(StrEnum):
    p720 = "720p"
    p1080 = "1080p"


class RecordingQuality(Body):
    """How a group's calls are recorded."""

    resolution: Resolution = Resolution.p720
    fps: Annotated[int, Field(ge=15, le=30)] = 30
    video_bitrate: Annotated[int, Field(ge=500_000, le=8_000_000, description="bit/s")] = 2_500_000


RetentionDays = Annotated[int, Field(ge=0, le=36_500)]


RecordingTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RecordingState(StrEnum):
    recording = "recording"
    finalizing = "finalizing"
    ready = "ready"
    failed = "failed"


class ConsentName(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class RecordingParticipantOut(Out):
    user_id: uuid.UUID
    display_name: str
    consent: ConsentName = Field(description="declined: their media is not in the file")
    decided_at: datetime | None


class RecordingOut(Out):
    id: uuid.UUID
    group_id: uuid.UUID
    channel_id: uuid.UUID | None = Field(description="null: the channel was deleted since")
    call_id: uuid.UUID | None
    title: str
    state: RecordingState
    started_by: uuid.UUID | None
    stopped_by: uuid.UUID | None
    started_at: datetime
    stopped_at: datetime | None
    duration_s: float | None
    size_bytes: int | None
    quality: RecordingQuality
    note: str = Field(description="why it ended early or failed (node_restarted, ffmpeg_died, ...)")
    participants: list[RecordingParticipantOut]


class RecordingPage(Out):
    recordings: list[RecordingOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null: no more")


class RecordingsQuery(Body):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, description="part of the title"
    )
    channel_id: uuid.UUID | None = None
    participant: uuid.UUID | None = Field(default=None, description="a user who was in the recorded call")
    started_from: datetime | None = Field(default=None, description="started at or after")
    started_to: datetime | None = Field(default=None, description="started before")
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class RecordingPatch(Body):
    title: RecordingTitle


class RecordingLink(Out):
    url: str = Field(description="plays or downloads the MP4 (HTTP ranges); refused once expired or once "
                                 "the person it was made for may no longer see the recording")
    expires_at: datetime


class MediaQuery(Body):
    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]


# --- group history, analytics, export ----------------------------------------------------------


class QualityGrade(StrEnum):
    good = "good"
    fair = "fair"
    poor = "poor"


class MediaPath(StrEnum):
    direct = "direct"
    relay = "relay"


class JoinFailureReason(StrEnum):
    ice_failed = "ice_failed"
    permission_denied = "permission_denied"
    media_denied = "media_denied"
    worker_error = "worker_error"
    timeout = "timeout"
    other = "other"


class GroupEventKind(StrEnum):
    member_joined = "member_joined"
    member_left = "member_left"
    member_removed = "member_removed"
    member_banned = "member_banned"
    invite_created = "invite_created"
    invite_used = "invite_used"
    channel_created = "channel_created"
    channel_deleted = "channel_deleted"
    role_changed = "role_changed"
    call_started = "call_started"
    recording_started = "recording_started"


HistoryCursor = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _plausible(value: datetime) -> datetime:
    # Far-off years overflow once shifted to UTC or by a range's default length.
    if not 2000 <= value.year <= 9000:
        raise ValueError("must lie between the years 2000 and 9000")
    return value


HistoryTime = Annotated[datetime, AfterValidator(_plausible)]


class CallParticipantOut(Out):
    """One participation: someone who left and rejoined appears once per participation."""

    user_id: uuid.UUID | None = Field(description="null: the person deleted their account")
    display_name: str = Field(description="\"Deleted user\" when the account was deleted")
    joined_at: datetime
    left_at: datetime | None
    left_reason: str | None
    media_path: MediaPath | None = Field(description="relay: TURN carried their media at some point")
    rtt_ms: float | None = Field(description="average round-trip time reported")
    loss_pct: float | None = Field(description="average packet loss reported")
    quality: QualityGrade | None = Field(description="null: no quality was measured")
    screen_shared: bool = Field(description="shared their screen at some point")


class CallRecordingSummary(Out):
    id: uuid.UUID
    title: str
    state: RecordingState
    duration_s: float | None


class CallRecordOut(Out):
    id: uuid.UUID
    channel_id: uuid.UUID
    channel_name: str
    started_at: datetime
    ended_at: datetime | None = Field(description="null: the call is live")
    duration_s: float = Field(description="to now while live")
    p2p_seconds: float
    sfu_seconds: float
    relayed: bool = Field(description="any participant's media went through TURN")
    screen_shared: bool
    join_failures: int
    participants: list[CallParticipantOut]
    recordings: list[CallRecordingSummary]


class CallHistoryPage(Out):
    calls: list[CallRecordOut]
    next: str | None = Field(description="pass as `before` for the next (older) page; null: no more")


class CallHistoryQuery(Body):
    channel_id: uuid.UUID | None = None
    since: HistoryTime | None = Field(default=None, description="started at or after")
    until: HistoryTime | None = Field(default=None, description="started before")
    participant_id: uuid.UUID | None = Field(default=None, description="a user who took part")
    before: HistoryCursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class CallsCsvQuery(Body):
    channel_id: uuid.UUID | None = None
    since: HistoryTime | None = None
    until: HistoryTime | None = None
    participant_id: uuid.UUID | None = None


class GroupEventOut(Out):
    id: str
    kind: GroupEventKind
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str | None
    subject_id: uuid.UUID | None
    subject_name: str | None
    channel_id: uuid.UUID | None
    channel_name: str | None
    detail: str = Field(description="the new role, an invite code's first characters, a recording's title")


class GroupActivityPage(Out):
    events: list[GroupEventOut]
    next: str | None = Field(description="pass as `before` for the next (older) page; null: no more")


class ActivityQuery(Body):
    kind: GroupEventKind | None = None
    before: HistoryCursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class AnalyticsQuery(Body):
    since: HistoryTime | None = Field(default=None, description="default: 30 days before `until`")
    until: HistoryTime | None = Field(default=None, description="default: now")
    channel_id: uuid.UUID | None = None


class AnalyticsDay(Out):
    day: str = Field(description="YYYY-MM-DD (UTC)")
    calls: int
    call_minutes: float
    p2p_minutes: float
    sfu_minutes: float
    relayed_calls: int
    join_attempts: int
    join_failures: int


class AnalyticsTotals(Out):
    calls: int
    call_minutes: float
    p2p_minutes: float
    sfu_minutes: float
    participants_avg: float
    turn_share: float = Field(description="0..1: share of calls with a relayed participant")
    join_attempts: int
    join_successes: int
    join_success_rate: float | None
    rtt_avg_ms: float | None
    rtt_p95_ms: float | None
    loss_avg_pct: float | None
    loss_p95_pct: float | None


class ParticipantsPerCall(Out):
    participants: int
    calls: int


class QualityDistribution(Out):
    good: int
    fair: int
    poor: int
    unknown: int


class JoinFailureCount(Out):
    reason: JoinFailureReason
    count: int


class GroupAnalyticsOut(Out):
    since: datetime
    until: datetime
    days: list[AnalyticsDay]
    totals: AnalyticsTotals
    participants_per_call: list[ParticipantsPerCall]
    quality: QualityDistribution = Field(description="per participation")
    join_failure_reasons: list[JoinFailureCount]


class ExportQuery(Body):
    messages: Literal["true", "false"] = Field(default="false", description="include the messages I may read")


class ExportGroup(Out):
    id: uuid.UUID
    name: str
    description: str
    privacy: Privacy
    owner_id: uuid.UUID
    created_at: datetime


class ExportChannel(Out):
    id: uuid.UUID
    kind: ChannelKind
    name: str
    topic: str
    position: int


class ExportMember(Out):
    user_id: uuid.UUID
    username: str
    display_name: str
    role: RoleName
    joined_at: datetime


class ExportRecording(Out):
    id: uuid.UUID
    title: str
    state: RecordingState
    channel_id: uuid.UUID
    call_id: uuid.UUID | None
    started_at: datetime
    duration_s: float | None
    size_bytes: int | None


class ExportMessage(Out):
    id: uuid.UUID
    channel_id: uuid.UUID
    author_id: uuid.UUID | None = Field(description="null: the author deleted their account")
    seq: int
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class GroupExport(Out):
    """`GET /api/groups/{id}/export`: one JSON document, streamed. Owners and moderators get the
    whole group; members and guests the channels they may view, themselves as a member and the
    calls they took part in. schemas/group_export.schema.json is this model's JSON Schema."""

    # `messages` is left out unless asked for: not a required field.
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    format: Literal["peershare.group-export/1"]
    exported_at: datetime
    group: ExportGroup
    channels: list[ExportChannel]
    members: list[ExportMember]
    calls: list[CallRecordOut]
    recordings: list[ExportRecording]
    messages: list[ExportMessage] | None = Field(default=None, description="only with ?messages=true")
# --- notifications --------------------------------------------------------------------------------


class NotificationKind(StrEnum):
    mention = "mention"
    call_started = "call_started"
    group_invite = "group_invite"
    invite_accepted = "invite_accepted"
    guest_time_warning = "guest_time_warning"
    recording_started = "recording_started"
    recording_ready = "recording_ready"
    recording_failed = "recording_failed"


class NotificationOut(Out):
    id: uuid.UUID
    kind: NotificationKind
    group_id: uuid.UUID
    # The channel of a mention, a call or a recording; none for an invitation.
    channel_id: uuid.UUID | None = None
    # None: the server itself (a guest's time warning), or a deleted account.
    from_user_id: uuid.UUID | None = None
    from_name: str | None = Field(default=None, description="the sender's display name now")
    # An invitation to join: accept it with POST /api/invites/{invite_code}/accept.
    invite_code: str | None = None
    recording_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    # "Join" on a call-started notice joins this voice channel.
    voice_channel_id: uuid.UUID | None = None
    text: str = ""
    created_at: datetime
    read: bool = False
    muted: bool = Field(default=False, description="written while its group or channel was muted: arrived read, "
                                                   "never pushed live")


class NotificationPage(Out):
    notifications: list[NotificationOut]
    unread_count: int = Field(description="unread notifications I may still see, all groups")
    next_before: uuid.UUID | None = Field(description="pass as `before` for the next (older) page; null: no more")


class NotificationsQuery(Body):
    before: uuid.UUID | None = Field(default=None, description="a notification of the previous page (its last)")
    group_id: uuid.UUID | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 30


class NotificationsRead(Body):
    group_id: uuid.UUID | None = Field(default=None, description="only this group's; none: all")


class NotificationsReadOut(Out):
    marked: int
    unread_count: int


class MuteBody(Body):
    muted: bool


class GroupNotificationSettings(Out):
    group_id: uuid.UUID
    muted: bool
    muted_channel_ids: list[uuid.UUID] = Field(description="channels of the group muted one by one")


class ChannelNotificationSettings(Out):
    channel_id: uuid.UUID
    muted: bool


# Groups' settings name these shapes before they are defined.
GroupPatch.model_rebuild()
GroupOut.model_rebuild()
GroupCreated.model_rebuild()

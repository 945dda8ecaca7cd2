"""The WebSocket signaling protocol: every frame either side may send.

This module is the one source of the protocol. The server validates incoming frames with these
models; `python -m schemas.codegen` writes the JSON Schema and the web client's TypeScript types
from them (a test fails when those generated files are stale).

Requests carry a client `id` and get exactly one `ok` or `error` with that id; pushes carry none.
A server message is one frame, or an array of frames in order when several were waiting to go
out; clients take each element as a frame.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.rest import ChannelOut, GroupOut, JoinFailureReason, MemberOut, MessageOut, NotificationOut, UserOut

RequestId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MessageBody = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
ClientMessageId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Frame(BaseModel):
    # Server frames always carry their defaults (e.g. `type`), so their schema says so.
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


# What a person may set: invisible shows them offline to others (notifications still arrive);
# dnd silences live alerts.
ChosenStatus = Literal["online", "idle", "dnd", "invisible"]


class PresenceStatus(StrEnum):
    online = "online"
    idle = "idle"
    dnd = "dnd"
    offline = "offline"


# --- client → server ----------------------------------------------------------------------------


class Hello(Frame):
    """The first frame, within 5 s of connecting."""

    type: Literal["hello"]
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class Ping(Frame):
    type: Literal["ping"]
    id: RequestId


class Authenticate(Frame):
    """A fresh access token for this connection (same account), sent before the current one
    expires: the socket is closed when its token's time is up."""

    type: Literal["authenticate"]
    id: RequestId
    token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class SendMessage(Frame):
    type: Literal["send_message"]
    id: RequestId
    channel_id: uuid.UUID
    client_id: ClientMessageId
    body: MessageBody


class EditMessage(Frame):
    type: Literal["edit_message"]
    id: RequestId
    message_id: uuid.UUID
    body: MessageBody


class DeleteMessage(Frame):
    type: Literal["delete_message"]
    id: RequestId
    message_id: uuid.UUID


class Typing(Frame):
    type: Literal["typing"]
    id: RequestId
    channel_id: uuid.UUID


class SetPresence(Frame):
    type: Literal["set_presence"]
    id: RequestId
    status: ChosenStatus
    status_text: Annotated[str, StringConstraints(max_length=128)] = ""


class StartCallNotice(Frame):
    """"Start a call here" from a text channel: tells the channel's members."""

    type: Literal["start_call"]
    id: RequestId
    channel_id: uuid.UUID
    voice_channel_id: uuid.UUID | None = None


# --- calls: client → server ---------------------------------------------------------------------


class JoinCall(Frame):
    """Join a voice channel's call. `resume_token` re-attaches a participant whose socket dropped."""

    type: Literal["join_call"]
    id: RequestId
    channel_id: uuid.UUID
    resume_token: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class LeaveCall(Frame):
    type: Literal["leave_call"]
    id: RequestId


class SessionDescription(Frame):
    type: Literal["offer", "answer", "rollback"]
    sdp: Annotated[str, StringConstraints(max_length=60_000)] = ""


class IceCandidate(Frame):
    candidate: Annotated[str, StringConstraints(max_length=1000)]
    sdpMid: Annotated[str, StringConstraints(max_length=64)] | None = None  # noqa: N815 (WebRTC's name)
    sdpMLineIndex: Annotated[int, Field(ge=0, le=1000)] | None = None  # noqa: N815
    usernameFragment: Annotated[str, StringConstraints(max_length=256)] | None = None  # noqa: N815


class P2PSignal(Frame):
    """Offer/answer or a trickled ICE candidate for the other peer of a two-person call."""

    type: Literal["p2p_signal"]
    id: RequestId
    to: uuid.UUID = Field(description="the peer's participant id")
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None


class CallKick(Frame):
    type: Literal["call_kick"]
    id: RequestId
    user_id: uuid.UUID


class CallMute(Frame):
    """A moderator mutes a participant's microphone for the rest of the call, rejoins included
    (a call with a muted participant runs through the SFU, where the server holds the mic)."""

    type: Literal["call_mute"]
    id: RequestId
    user_id: uuid.UUID


class CallUnmute(Frame):
    """A moderator lifts a mute; the participant may then turn the microphone on again."""

    type: Literal["call_unmute"]
    id: RequestId
    user_id: uuid.UUID


class RecordingStart(Frame):
    """A moderator starts recording the call they are in (everyone is asked to consent first)."""

    type: Literal["recording_start"]
    id: RequestId


class RecordingStop(Frame):
    type: Literal["recording_stop"]
    id: RequestId


class RecordingConsent(Frame):
    """My answer to a recording's consent request; declining leaves my media out of the file."""

    type: Literal["recording_consent"]
    id: RequestId
    recording_id: uuid.UUID
    accept: bool


class TurnCredentials(Frame):
    """Fresh TURN credentials for the call I am in, before the ones I have expire."""

    type: Literal["turn_credentials"]
    id: RequestId


class ReportMediaPath(Frame):
    """What the client's selected ICE candidate pair says: direct or through TURN."""

    type: Literal["report_media_path"]
    id: RequestId
    path: Literal["direct", "relay"]
    rtt_ms: Annotated[float, Field(ge=0, le=60_000)] | None = None


class SetMediaState(Frame):
    type: Literal["set_media_state"]
    id: RequestId
    audio: bool
    video: bool
    screen: bool


# --- calls through the SFU: the mediasoup-client request set ------------------------------------

SfuId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MediaSource = Literal["mic", "camera", "screen"]


class SfuCapabilities(Frame):
    """First step in SFU mode: the router's RTP capabilities, to load the client's device with."""

    type: Literal["sfu_capabilities"]
    id: RequestId


class SfuCreateTransport(Frame):
    """One send and one recv transport per participant; a second of a direction replaces the first."""

    type: Literal["sfu_create_transport"]
    id: RequestId
    direction: Literal["send", "recv"]


class SfuConnectTransport(Frame):
    type: Literal["sfu_connect_transport"]
    id: RequestId
    transport_id: SfuId
    dtls_parameters: dict[str, Any]


class SfuProduce(Frame):
    """Camera and screen are separate video producers; one of each source per participant."""

    type: Literal["sfu_produce"]
    id: RequestId
    transport_id: SfuId
    kind: Literal["audio", "video"]
    source: MediaSource
    rtp_parameters: dict[str, Any]
    paused: bool = False


class SfuReady(Frame):
    """The recv transport exists and the device is loaded: consume everyone's producers, now and
    as they come (each arrives as a paused `sfu_consumer_added` push, to resume when ready)."""

    type: Literal["sfu_ready"]
    id: RequestId
    rtp_capabilities: dict[str, Any]


class SfuResumeConsumer(Frame):
    type: Literal["sfu_resume_consumer"]
    id: RequestId
    consumer_id: SfuId


class SfuProducerAction(Frame):
    type: Literal["sfu_producer"]
    id: RequestId
    producer_id: SfuId
    action: Literal["pause", "resume", "close"]


class SfuPreferredLayers(Frame):
    """The viewer's tile size picks the simulcast layer (0 smallest)."""

    type: Literal["sfu_preferred_layers"]
    id: RequestId
    consumer_id: SfuId
    spatial_layer: Annotated[int, Field(ge=0, le=2)]
    temporal_layer: Annotated[int, Field(ge=0, le=2)] | None = None


class SfuRestartIce(Frame):
    type: Literal["sfu_restart_ice"]
    id: RequestId
    transport_id: SfuId


class SfuLeave(Frame):
    """Closes my SFU path (after a switch back to P2P, once the direct path carries media)."""

    type: Literal["sfu_leave"]
    id: RequestId


class ReportQuality(Frame):
    """In P2P mode, what the client's own stats say; the server grades it and tells the call."""

    type: Literal["report_quality"]
    id: RequestId
    rtt_ms: Annotated[float, Field(ge=0, le=60_000)]
    loss_pct: Annotated[float, Field(ge=0, le=100)]


class ReportJoinFailure(Frame):
    """The client could not get into a call (ICE never connected, the camera or microphone was
    refused, the SFU failed, ...): counted in the group's join success rate. `call_id`: the call
    the server had let it into, if it got that far."""

    type: Literal["report_join_failure"]
    id: RequestId
    channel_id: uuid.UUID
    call_id: uuid.UUID | None = None
    reason: JoinFailureReason
    detail: Annotated[str, StringConstraints(max_length=200)] = ""


ClientFrame = Annotated[
    Union[
        Hello, Ping, SendMessage, EditMessage, DeleteMessage, Typing, SetPresence, StartCallNotice,
        Authenticate, JoinCall, LeaveCall, P2PSignal, CallKick, CallMute, CallUnmute, TurnCredentials,
        RecordingStart, RecordingStop, RecordingConsent,
        ReportMediaPath, SetMediaState, SfuCapabilities,
        SfuCreateTransport, SfuConnectTransport, SfuProduce, SfuReady, SfuResumeConsumer, SfuProducerAction,
        SfuPreferredLayers, SfuRestartIce, SfuLeave, ReportQuality, ReportJoinFailure,
    ],
    Field(discriminator="type"),
]


# --- server → client ----------------------------------------------------------------------------


class OkReply(Frame):
    type: Literal["ok"] = "ok"
    id: str
    data: dict[str, Any] | None = None


class ErrorReply(Frame):
    type: Literal["error"] = "error"
    id: str | None = None
    code: str
    message: str


class PresenceOut(Frame):
    """A user as the members of one group see them: the voice channel shows only in the group it
    belongs to, and only to those who may see that channel."""

    group_id: uuid.UUID
    user_id: uuid.UUID
    status: PresenceStatus
    status_text: str
    voice_channel_id: uuid.UUID | None = None


class RecordingInfo(Frame):
    recording_id: uuid.UUID
    # None once the account that started it is gone.
    started_by: uuid.UUID | None
    started_at: datetime


class ChannelRecording(Frame):
    channel_id: uuid.UUID
    recording: RecordingInfo


class GroupState(Frame):
    group: GroupOut
    channels: list[ChannelOut]


class Welcome(Frame):
    """The answer to hello: everything a client needs to draw its first screen."""

    type: Literal["welcome"] = "welcome"
    session_id: str
    user: UserOut
    groups: list[GroupState]
    presence: list[PresenceOut] = Field(description="members of my groups who are not offline")
    heartbeat_s: int
    recordings: list[ChannelRecording] = Field(default_factory=list,
                                               description="calls being recorded in channels I can see")
    # The status I chose (kept across reconnects), which others may see otherwise (invisible).
    my_status: ChosenStatus = "online"
    my_status_text: str = ""


class Pong(Frame):
    type: Literal["pong"] = "pong"


class MessageCreated(Frame):
    type: Literal["message_created"] = "message_created"
    group_id: uuid.UUID
    message: MessageOut


class MessageUpdated(Frame):
    type: Literal["message_updated"] = "message_updated"
    group_id: uuid.UUID
    message: MessageOut


class MessageDeleted(Frame):
    type: Literal["message_deleted"] = "message_deleted"
    group_id: uuid.UUID
    message: MessageOut


class TypingPush(Frame):
    type: Literal["typing"] = "typing"
    group_id: uuid.UUID
    channel_id: uuid.UUID
    user_id: uuid.UUID


class PresencePush(Frame):
    type: Literal["presence"] = "presence"
    presence: PresenceOut


class Notification(NotificationOut, Frame):
    """A notification as it is stored (see GET /api/notifications), pushed to its recipient's
    sockets unless its group or channel is muted."""

    type: Literal["notification"] = "notification"
    # False while the recipient is "do not disturb": count it, raise no alert or sound.
    alert: bool = True


class MemberJoined(Frame):
    type: Literal["member_joined"] = "member_joined"
    group_id: uuid.UUID
    member: MemberOut


class MemberUpdated(Frame):
    type: Literal["member_updated"] = "member_updated"
    group_id: uuid.UUID
    member: MemberOut


class MemberLeft(Frame):
    type: Literal["member_left"] = "member_left"
    group_id: uuid.UUID
    user_id: uuid.UUID
    account_deleted: bool = Field(default=False, description="their messages are a deleted user's from now on")


class GroupJoined(Frame):
    """To the newcomer: the group and its channels (with their topics) right after joining."""

    type: Literal["group_joined"] = "group_joined"
    group: GroupState


class GroupUpdated(Frame):
    type: Literal["group_updated"] = "group_updated"
    group: GroupOut


class GroupRemoved(Frame):
    """The group was deleted, or I was removed from it."""

    type: Literal["group_removed"] = "group_removed"
    group_id: uuid.UUID


class ChannelChanged(Frame):
    """Created or updated; each client receives the channel only if it may see it."""

    type: Literal["channel_changed"] = "channel_changed"
    channel: ChannelOut


class ChannelRemoved(Frame):
    type: Literal["channel_removed"] = "channel_removed"
    group_id: uuid.UUID
    channel_id: uuid.UUID


# --- calls: server → client ---------------------------------------------------------------------


class CallMode(StrEnum):
    p2p = "p2p"
    sfu = "sfu"


class IceServer(Frame):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CallParticipant(Frame):
    participant_id: uuid.UUID
    user_id: uuid.UUID
    joined_at: datetime
    audio: bool
    video: bool
    screen: bool
    muted_by_moderator: bool


class CallJoined(Frame):
    """The `data` of the ok reply to join_call."""

    call_id: uuid.UUID
    participant_id: uuid.UUID
    resume_token: str
    mode: CallMode
    participants: list[CallParticipant]
    ice_servers: list[IceServer]
    # Seconds this participant may stay (guests: what is left of their call time in the group);
    # null when unlimited.
    time_limit_s: int | None = None
    # When the TURN credentials in ice_servers expire: ask for new ones (turn_credentials) before.
    ice_servers_expire_at: datetime | None = None
    # The call is being recorded: I am asked to consent (a recording_consent_request push follows).
    recording: RecordingInfo | None = None


class TurnCredentialsOut(Frame):
    """The `data` of the ok reply to turn_credentials."""

    ice_servers: list[IceServer]
    ice_servers_expire_at: datetime | None = None


class CallState(Frame):
    """Who is in a voice channel's call, to everyone in the group (empty list: the call ended)."""

    type: Literal["call_state"] = "call_state"
    group_id: uuid.UUID
    channel_id: uuid.UUID
    mode: CallMode | None
    participants: list[CallParticipant]


class CallModeChanged(Frame):
    """To each participant: the call's mode, and in P2P mode the peer and this side's role."""

    type: Literal["call_mode"] = "call_mode"
    channel_id: uuid.UUID
    mode: CallMode
    peer_participant_id: uuid.UUID | None = None
    # Perfect negotiation: the polite side rolls back on glare; the impolite side makes the first offer.
    polite: bool | None = None


class P2PSignalPush(Frame):
    type: Literal["p2p_signal"] = "p2p_signal"
    from_participant_id: uuid.UUID
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None


class CallWarning(Frame):
    type: Literal["call_warning"] = "call_warning"
    channel_id: uuid.UUID
    reason: Literal["time_limit"]
    remaining_s: int


# access_revoked: removed or banned from the group, a role or channel change took away the right
# to be in this call, or the channel or group was deleted.
CallRemovalReason = Literal["kicked", "time_limit", "joined_elsewhere", "access_revoked"]


class CallRemoved(Frame):
    """This participant is no longer in the call."""

    type: Literal["call_removed"] = "call_removed"
    channel_id: uuid.UUID
    reason: CallRemovalReason


class CallMuted(Frame):
    type: Literal["call_muted"] = "call_muted"
    channel_id: uuid.UUID
    by_user_id: uuid.UUID


class CallUnmuted(Frame):
    type: Literal["call_unmuted"] = "call_unmuted"
    channel_id: uuid.UUID
    by_user_id: uuid.UUID


RecordingEndReason = Literal["stopped", "call_ended", "host_lost", "failed"]


class CallRecordingState(Frame):
    """To everyone who can see the channel: whether its call is being recorded (the indicator).
    `reason` says why a recording ended: stopped by a moderator, the call ended, the node hosting
    it went away (what was recorded is kept), or it failed."""

    type: Literal["recording_state"] = "recording_state"
    group_id: uuid.UUID
    channel_id: uuid.UUID
    recording: RecordingInfo | None
    reason: RecordingEndReason | None = None


class RecordingConsentRequest(Frame):
    """To a participant: this call is being recorded; answer with recording_consent."""

    type: Literal["recording_consent_request"] = "recording_consent_request"
    channel_id: uuid.UUID
    recording: RecordingInfo


class CallPermissions(Frame):
    """To a participant whose rights in the call changed: what it may send now. Anything it was
    sending without the right has been stopped (SFU producers closed)."""

    type: Literal["call_permissions"] = "call_permissions"
    channel_id: uuid.UUID
    speak: bool
    video: bool
    share_screen: bool


# --- SFU: server → client -----------------------------------------------------------------------


class SfuTransportOut(Frame):
    """The `data` of the ok reply to sfu_create_transport."""

    transport_id: str
    direction: Literal["send", "recv"]
    ice_parameters: dict[str, Any]
    ice_candidates: list[dict[str, Any]]
    dtls_parameters: dict[str, Any]


class SfuConsumerAdded(Frame):
    """A consumer of someone's producer, created paused: resume it once the track is set up."""

    type: Literal["sfu_consumer_added"] = "sfu_consumer_added"
    channel_id: uuid.UUID
    consumer_id: str
    producer_id: str
    participant_id: uuid.UUID
    kind: Literal["audio", "video"]
    source: MediaSource
    rtp_parameters: dict[str, Any]
    producer_paused: bool


class SfuConsumerClosed(Frame):
    type: Literal["sfu_consumer_closed"] = "sfu_consumer_closed"
    channel_id: uuid.UUID
    consumer_id: str


class SfuProducerClosed(Frame):
    """One of my producers was closed by the server (the right to send it was taken away)."""

    type: Literal["sfu_producer_closed"] = "sfu_producer_closed"
    channel_id: uuid.UUID
    producer_id: str
    reason: Literal["permission_revoked"]


class SfuConsumerPaused(Frame):
    """The producer behind a consumer was paused or resumed (a muted mic, a stopped camera)."""

    type: Literal["sfu_consumer_paused"] = "sfu_consumer_paused"
    channel_id: uuid.UUID
    consumer_id: str
    paused: bool


class SfuActiveSpeaker(Frame):
    type: Literal["sfu_active_speaker"] = "sfu_active_speaker"
    channel_id: uuid.UUID
    participant_id: uuid.UUID


class AudioLevel(Frame):
    participant_id: uuid.UUID
    volume: int  # dBov, -127 (silence) to 0 (loudest)


class SfuAudioLevels(Frame):
    """The loudest speakers, a few times a second; empty when everyone is silent."""

    type: Literal["sfu_audio_levels"] = "sfu_audio_levels"
    channel_id: uuid.UUID
    levels: list[AudioLevel]


class SfuReset(Frame):
    """The media server restarted: close the SFU transports and set them up again."""

    type: Literal["sfu_reset"] = "sfu_reset"
    channel_id: uuid.UUID


class CallQuality(Frame):
    type: Literal["call_quality"] = "call_quality"
    channel_id: uuid.UUID
    participant_id: uuid.UUID
    quality: Literal["good", "fair", "poor"]


ServerFrame = Annotated[
    Union[
        OkReply, ErrorReply, Welcome, Pong, MessageCreated, MessageUpdated, MessageDeleted, TypingPush, PresencePush,
        Notification, MemberJoined, MemberUpdated, MemberLeft, GroupJoined, GroupUpdated, GroupRemoved,
        ChannelChanged, ChannelRemoved, CallState, CallModeChanged, P2PSignalPush, CallWarning, CallRemoved,
        CallMuted, CallUnmuted, CallPermissions, CallRecordingState, RecordingConsentRequest,
        SfuConsumerAdded, SfuConsumerClosed, SfuProducerClosed,
        SfuConsumerPaused, SfuActiveSpeaker, SfuAudioLevels,
        SfuReset, CallQuality,
    ],
    Field(discriminator="type"),
]


# Models of ok replies' `data`, listed so the generated types include them.
REPLY_DATA: list[type[BaseModel]] = [CallJoined, SfuTransportOut, TurnCredentialsOut]


class CloseCode:
    """WebSocket close codes PeerShare uses (4000–4999 are the application's)."""

    POLICY = 1008  # origin not allowed
    TOO_BIG = 1009
    TRY_AGAIN_LATER = 1013  # a slow client whose send queue overflowed
    AUTH_TIMEOUT = 4001
    AUTH_FAILED = 4003
    PROTOCOL_ERROR = 4002
    ACCESS_REVOKED = 4004

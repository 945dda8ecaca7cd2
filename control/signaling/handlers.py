"""What each client request does. Each handler returns the `data` of its `ok` reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from control.errors import InvalidInput
from control.realtime.frames import dump
from schemas.signaling import (
    Authenticate,
    CallKick,
    CallMute,
    CallUnmute,
    DeleteMessage,
    EditMessage,
    Hello,
    JoinCall,
    LeaveCall,
    P2PSignal,
    RecordingConsent,
    RecordingStart,
    RecordingStop,
    Ping,
    ReportJoinFailure,
    ReportMediaPath,
    ReportQuality,
    SendMessage,
    SetMediaState,
    SetPresence,
    SfuCapabilities,
    SfuConnectTransport,
    SfuCreateTransport,
    SfuLeave,
    SfuPreferredLayers,
    SfuProduce,
    SfuProducerAction,
    SfuReady,
    SfuRestartIce,
    SfuResumeConsumer,
    StartCallNotice,
    TurnCredentials,
    Typing,
)

if TYPE_CHECKING:
    from control.signaling.session import Session


async def dispatch(session: Session, frame: Any) -> dict[str, Any] | None:
    services = session.services
    chat = services.chat
    principal = session.principal
    match frame:
        case Ping():
            return {}
        case Authenticate():
            return {"expires_at": await session.reauthenticate(frame.token)}
        case SendMessage():
            settings = services.settings
            await services.limiter.hit(f"messages:{principal.user_id}", settings.message_rate, 1)
            message = await chat.send(principal, frame.channel_id, frame.client_id, frame.body)
            return {"message": dump(message)}
        case EditMessage():
            return {"message": dump(await chat.edit(principal, frame.message_id, frame.body))}
        case DeleteMessage():
            return {"message": dump(await chat.delete(principal, frame.message_id))}
        case Typing():
            await chat.typing(principal, frame.channel_id, session.session_id)
            return None
        case SetPresence():
            await services.realtime.set_status(principal.user_id, frame.status, frame.status_text)
            return None
        case StartCallNotice():
            # Each notice writes a notification per member: one per call and minute is plenty.
            await services.limiter.hit(
                f"call-notices:{principal.user_id}:{frame.voice_channel_id or frame.channel_id}", 1, 60)
            told = await chat.start_call_notice(principal, frame.channel_id, frame.voice_channel_id)
            return {"notified": told}
        case JoinCall():
            await services.limiter.hit(f"joins:{principal.user_id}", services.settings.join_rate, 60)
            joined = await services.calls.join(principal, session.session_id, frame.channel_id, frame.resume_token)
            return dump(joined)
        case LeaveCall():
            await services.calls.leave(principal)
            return None
        case P2PSignal():
            await services.calls.relay(principal, session.session_id, frame.to, frame.description, frame.candidate)
            return None
        case CallKick():
            await services.calls.kick(principal, frame.user_id)
            return None
        case CallMute() | CallUnmute():
            await services.calls.mute(principal, frame.user_id, muted=isinstance(frame, CallMute))
            return None
        case RecordingStart():
            return dump(await services.recording.begin(principal, session_id=session.session_id))
        case RecordingStop():
            return dump(await services.recording.end(principal, session_id=session.session_id))
        case RecordingConsent():
            await services.recording.consent(principal, session.session_id, frame.recording_id, frame.accept)
            return None
        case TurnCredentials():
            return dump(await services.calls.turn_credentials(principal, session.session_id))
        case ReportMediaPath():
            await services.calls.report_media_path(principal, frame.path, frame.rtt_ms)
            return None
        case SetMediaState():
            await services.calls.set_media_state(principal, frame.audio, frame.video, frame.screen)
            return None
        case ReportJoinFailure():
            # As many reports as joins: a client cannot make up more failures than it had tries.
            await services.limiter.hit(f"join-failures:{principal.user_id}", services.settings.join_rate, 60)
            await services.calls.report_join_failure(principal, frame.channel_id, frame.call_id, frame.reason.value,
                                                     frame.detail)
            return None
        case ReportQuality():
            await services.calls.report_quality(principal, session.session_id, frame.rtt_ms, frame.loss_pct)
            return None
        case SfuCapabilities() | SfuCreateTransport() | SfuConnectTransport() | SfuProduce() | SfuReady() | \
                SfuResumeConsumer() | SfuProducerAction() | SfuPreferredLayers() | SfuRestartIce() | SfuLeave():
            return await services.sfu.handle(principal, session.session_id, frame)
        case Hello():
            raise InvalidInput("this connection is signed in already", code="already_authenticated")
    raise InvalidInput("unknown frame type", code="unknown_type")

// A voice channel: before joining, what the browser will ask and whether it can; in the call,
// the participant grid with a prominent screen-share area and overlay controls.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { ChannelOut } from "../api/protocol.gen";
import type { CallSession, RemoteParticipant } from "../calls/callSession";
import { SOURCES, type Source } from "../calls/p2p";
import type { CallRecording } from "../recording/useCallRecording";
import { canManageRecordings, canModerate, type State } from "../state/store";
import { formatClock, joinFailure, openLocalMedia, removalMessage, toggleCamera, toggleMic, toggleScreen } from "./callControls";
import { nameOf } from "./Workspace";
import { SpeakerIcon } from "./Icons";
import { DesktopIndicator } from "./DesktopIndicator";
import { useNow } from "./useNow";
import { RecordButton, RecordingIndicator } from "./Recording";
import { MIC_CONSTRAINTS } from "../voice/pipeline";
import { MutedHint, useVoiceSettings, VoiceSettingsPanel } from "../voice/VoicePanel";
import { voiceSettings } from "../voice/device";

/** What this browser lacks for calls, in plain words (empty when all is well). */
export function browserProblems(): string[] {
  const problems: string[] = [];
  if (typeof RTCPeerConnection === "undefined") problems.push("This browser cannot make WebRTC calls. Use a current Chrome, Edge, Firefox or Safari.");
  if (!navigator.mediaDevices?.getUserMedia) problems.push("This page cannot reach a camera or microphone (it must be opened over https or on localhost).");
  if (!navigator.mediaDevices?.getDisplayMedia) problems.push("Screen sharing is not available in this browser.");
  return problems;
}

export function CallView({ channel, state, call, recording, onJoin, onLeft, onMediaRefused }: {
  channel: ChannelOut; state: State; call: CallSession | null; recording: CallRecording;
  onJoin: (local: MediaStream | null) => Promise<void>; onLeft: () => void;
  /** The camera or microphone was not handed over: a failed join to count. */
  onMediaRefused: (error: unknown) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState(false);
  const live = call && call.status !== "ended" ? call : null;
  const inCall = state.calls[channel.id]?.participants ?? [];

  async function join(withVideo: boolean) {
    setJoining(true);
    setError(null);
    try {
      await onJoin(await openLocalMedia(channel, withVideo).catch((e: unknown) => { onMediaRefused(e); throw e; }));
    } catch (e) {
      setError(joinFailure(e));
    } finally {
      setJoining(false);
    }
  }

  if (!live) {
    const problems = browserProblems();
    return (
      <section className="prejoin" aria-labelledby="call-title">
        <h2 id="call-title"><SpeakerIcon /> {channel.name}</h2>
        {state.recordings[channel.id] && <p className="rec-note"><span className="rec-dot" aria-hidden="true" /> This call is being recorded. You will be asked before anything of yours is recorded.</p>}
        <p>{inCall.length ? `${inCall.map((p) => nameOf(state, p.user_id)).join(", ")} ${inCall.length > 1 ? "are" : "is"} here.` : "Nobody is here yet."}</p>
        <p className="hint">Joining asks your browser for your microphone and camera. Two people talk directly; with three or more the call goes through the server.</p>
        {problems.map((p) => <p key={p} role="alert" className="error">{p}</p>)}
        {call?.status === "ended" && removalMessage(call.endedReason) && <p role="status">{removalMessage(call.endedReason)}</p>}
        {error && <p role="alert" className="error">{error}</p>}
        {channel.my_permissions.includes("speak") && <VoiceSettingsPanel voice={null} inCall={false} />}
        <div className="actions">
          <button disabled={joining || problems.length > 0 || !channel.my_permissions.includes("join_call")} onClick={() => void join(true)}>
            {joining ? "Joining…" : "Join with camera"}
          </button>
          <button className="secondary" disabled={joining || problems.length > 0} onClick={() => void join(false)}>Join with audio only</button>
        </div>
      </section>
    );
  }
  return <LiveCall channel={channel} state={state} call={live} recording={recording} onLeft={onLeft} />;
}

function useCall(call: CallSession): number {
  const version = useRef(0);
  return useSyncExternalStore(
    (notify) => call.onChange(() => { version.current++; notify(); }),
    () => version.current,
  );
}

function LiveCall({ channel, state, call, recording, onLeft }: {
  channel: ChannelOut; state: State; call: CallSession; recording: CallRecording; onLeft: () => void;
}) {
  useCall(call);
  const recorded = state.recordings[channel.id];
  const manager = canManageRecordings(state, channel.group_id);
  const [error, setError] = useState<string | null>(null);
  const remotes = call.remotes();
  const sharing = remotes.filter((r) => r.streams.screen);
  const myScreen = useTrackStream(call.sending("screen") ? call.tracks.screen : null);
  const act = (action: () => Promise<void>) => () => action().catch((e: Error) => setError(e.message));

  useEffect(() => {
    (globalThis as { peershareCall?: CallSession }).peershareCall = call;
  }, [call]);

  return (
    <section className={`call ${call.status}`} aria-labelledby="call-title" data-mode={call.mode}>
      <header className="pane-header">
        <h2 id="call-title"><SpeakerIcon /> {channel.name}</h2>
        <span className={`mode mode-${call.mode}`} data-testid="call-mode" title={call.mode === "p2p" ? "Direct between the two of you" : "Through the server"}>
          {call.mode === "p2p" ? "P2P" : "SFU"}
        </span>
        <span className={`call-status ${call.status}`} role="status">{{ connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", ended: "Ended" }[call.status]}</span>
        <DesktopIndicator muted={!call.sending("mic")} />
        {call.myQuality && <span className={`quality ${call.myQuality}`}>Your connection: {call.myQuality}</span>}
        {call.deadline !== null && <Countdown deadline={call.deadline} />}
        {recorded && <RecordingIndicator recording={recorded} consent={state.myConsent[recorded.recording_id]} moderator={manager} controls={recording} />}
      </header>
      {(sharing.length > 0 || myScreen) && (
        <div className="screens" aria-label="Shared screens">
          {sharing.map((r) => (
            <VideoTile key={r.participantId} stream={r.streams.screen!} label={`${nameOf(state, r.userId)}'s screen`} kind="screen" participantId={r.participantId} />
          ))}
          {myScreen && <VideoTile stream={myScreen} label="Your screen (preview)" kind="screen-preview" muted />}
        </div>
      )}
      <div className="grid" data-count={remotes.length + 1}>
        <LocalTile call={call} />
        {remotes.map((r) => (
          <RemoteTile key={r.participantId} remote={r} state={state} call={call}
            moderator={canModerate(state, channel.group_id, r.userId)} onError={setError} />
        ))}
      </div>
      <div className="controls" role="toolbar" aria-label="Call controls">
        <SourceButton call={call} source="mic" onClick={act(() => toggleMic(call))} />
        {call.voice && <SuppressionButton />}
        {call.tracks.mic && (
          <details className="voice-popover">
            <summary>Voice settings</summary>
            <VoiceSettingsPanel voice={call.voice} inCall />
          </details>
        )}
        <SourceButton call={call} source="camera" onClick={act(() => toggleCamera(call))} />
        <SourceButton call={call} source="screen" onClick={act(() => toggleScreen(call))} />
        <DevicePicker call={call} onError={setError} />
        {manager && <RecordButton recording={recorded} controls={recording} />}
        <button className="danger" onClick={act(async () => { await call.leave(); onLeft(); })}>Leave</button>
      </div>
      <ul className="hint call-limits" aria-live="polite">
        {SOURCES.map((source) => call.blockedReason(source) && <li key={source} id={`limit-${source}`}>{call.blockedReason(source)}</li>)}
      </ul>
      {/* A moderator's mute has its own note above: the hint would ask for what I cannot do. */}
      <MutedHint voice={call.voice} muted={!call.sending("mic") && call.tracks.mic !== null && !call.mutedByModerator} />
      {error && <p role="alert" className="error">{error}</p>}
      {recording.error && <p role="alert" className="error">{recording.error}</p>}
    </section>
  );
}

const SOURCE_LABELS: Record<Source, { on: string; off: string }> = {
  mic: { on: "Mute", off: "Unmute" },
  camera: { on: "Stop camera", off: "Start camera" },
  screen: { on: "Stop sharing", off: "Share screen" },
};

/** A toggle for one thing I send; disabled with its reason (tooltip, and the note it points to)
 * when a right or a moderator's mute stops it. */
function SourceButton({ call, source, onClick }: { call: CallSession; source: Source; onClick: () => void }) {
  const sending = call.sending(source);
  const blocked = call.blockedReason(source);
  return (
    <button aria-pressed={source === "mic" ? !sending : sending} disabled={blocked !== null && !sending}
      title={blocked ?? undefined} aria-describedby={blocked ? `limit-${source}` : undefined} onClick={onClick}>
      {sending ? SOURCE_LABELS[source].on : SOURCE_LABELS[source].off}
    </button>
  );
}

/** Noise suppression on or off, right in the toolbar (the rest is under "Voice settings"). */
function SuppressionButton() {
  const { suppression } = useVoiceSettings();
  return (
    <button className="secondary" aria-pressed={suppression} onClick={() => voiceSettings.update({ suppression: !suppression })}>
      Noise suppression
    </button>
  );
}

/** A guest's call time left, ticking each second; a polite notice in the last minute. */
function Countdown({ deadline }: { deadline: number }) {
  const left = deadline - useNow();
  return (
    <>
      <span className="countdown" role="timer" aria-label="Call time left">Time left: {formatClock(left)}</span>
      <span className="visually-hidden" role="status">{left <= 60_000 ? "Less than a minute of call time left." : ""}</span>
    </>
  );
}

/** One stream per track, kept across renders so the video element is not reset. */
function useTrackStream(track: MediaStreamTrack | null): MediaStream | null {
  return useMemo(() => (track ? new MediaStream([track]) : null), [track]);
}

function LocalTile({ call }: { call: CallSession }) {
  const camera = useTrackStream(call.sending("camera") ? call.tracks.camera : null);
  return (
    <figure className="tile local">
      {camera ? <VideoTile stream={camera} label="You" kind="local" muted /> : <div className="avatar" aria-hidden="true">You</div>}
      <figcaption>You{call.sending("mic") ? "" : " (muted)"}</figcaption>
    </figure>
  );
}

function RemoteTile({ remote, state, call, moderator, onError }: {
  remote: RemoteParticipant; state: State; call: CallSession; moderator: boolean; onError: (message: string) => void;
}) {
  const name = nameOf(state, remote.userId);
  const moderate = (action: "call_mute" | "call_unmute" | "call_kick") => () =>
    void call.moderate(action, remote.userId).catch((e: Error) => onError(e.message));
  const speaking = call.activeSpeaker === remote.participantId;
  return (
    <figure className={`tile remote ${speaking ? "speaking" : ""}`} data-participant={remote.participantId}>
      {remote.streams.camera && remote.sends.video
        ? <VideoTile stream={remote.streams.camera} label={name} kind="camera" participantId={remote.participantId}
            onHeight={(h) => void call.fitCamera(remote.participantId, h)} />
        : <div className="avatar" aria-hidden="true">{name.slice(0, 2).toUpperCase()}</div>}
      {remote.streams.mic && <AudioSink stream={remote.streams.mic} />}
      <figcaption>
        {name}{remote.mutedByModerator ? " (muted by a moderator)" : remote.sends.audio ? "" : " (muted)"}
        {remote.quality && <span className={`quality ${remote.quality}`} aria-label={`connection ${remote.quality}`}>{remote.quality}</span>}
      </figcaption>
      {moderator && (
        <div className="tile-actions" role="group" aria-label={`Moderate ${name}`}>
          {remote.mutedByModerator
            ? <button className="secondary" onClick={moderate("call_unmute")} aria-label={`Unmute ${name}`}>Unmute</button>
            : <button className="secondary" onClick={moderate("call_mute")} aria-label={`Mute ${name}`}>Mute</button>}
          <button className="danger" onClick={moderate("call_kick")} aria-label={`Remove ${name} from the call`}>Remove</button>
        </div>
      )}
    </figure>
  );
}

function VideoTile({ stream, label, kind, participantId, muted, onHeight }: {
  stream: MediaStream; label: string; kind: string; participantId?: string; muted?: boolean; onHeight?: (height: number) => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  useEffect(() => {
    const el = ref.current;
    if (!el || !onHeight) return;
    const observer = new ResizeObserver(([entry]) => onHeight(entry.contentRect.height));
    observer.observe(el);
    return () => observer.disconnect();
  }, [onHeight]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} data-kind={kind} data-participant={participantId} />;
}

function AudioSink({ stream }: { stream: MediaStream }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = stream;
  }, [stream]);
  return <audio ref={ref} autoPlay />;
}

function DevicePicker({ call, onError }: { call: CallSession; onError: (message: string) => void }) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    navigator.mediaDevices.enumerateDevices().then(setDevices).catch(() => {});
  }, []);
  const pick = async (kind: "audioinput" | "videoinput", deviceId: string) => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(kind === "audioinput"
        ? { audio: { ...MIC_CONSTRAINTS, deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId }, width: 1280, height: 720 } });
      const track = kind === "audioinput" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      // A processed microphone keeps its sent track: only the chain's input changes.
      if (kind === "audioinput" && call.voice) call.voice.setInput(track);
      else await call.setSending(kind === "audioinput" ? "mic" : "camera", track);
    } catch (e) {
      onError(e instanceof Error ? e.message : "That device cannot be used.");
    }
  };
  return (
    <>
      {(["audioinput", "videoinput"] as const).map((kind) => (
        <label key={kind} className="device">
          <span className="visually-hidden">{kind === "audioinput" ? "Microphone" : "Camera"}</span>
          <select onChange={(e) => void pick(kind, e.target.value)} defaultValue="">
            <option value="" disabled>{kind === "audioinput" ? "Microphone…" : "Camera…"}</option>
            {devices.filter((d) => d.kind === kind).map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>{d.label || `${kind === "audioinput" ? "Microphone" : "Camera"} ${i + 1}`}</option>
            ))}
          </select>
        </label>
      ))}
    </>
  );
}

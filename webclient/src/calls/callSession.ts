// One call, from join to leave: follows the server's mode (P2P for two, SFU for more) and
// switches make-before-break — the new path is built while the old one still plays, and the
// old one closes once the new one has decoded video (or after a few seconds without any).
// Survives a dropped gateway: the same participant resumes and media keeps flowing meanwhile.
// Rights are live: the server may take away what I send (call_permissions, sfu_producer_closed,
// a moderator mute), and TURN credentials are renewed before they expire.
import type { Gateway, Push } from "../api/gateway";
import type {
  CallJoined, CallMode, CallParticipant, CallPermissions, ChannelPermissionName, IceServer, RecordingOut, TurnCredentialsOut,
} from "../api/protocol.gen";
import type { Quality } from "./layers";
import { P2PLink, SOURCES, type PathEvents, type Source } from "./p2p";
import { renewalDelayMs, waitUntil } from "./retry";
import { SfuLink } from "./sfu";
import type { VoicePipeline } from "../voice/pipeline";
import type { RawMicGate } from "../voice/rawMicGate";

export type CallStatus = "connecting" | "connected" | "reconnecting" | "ended";
type Path = "p2p" | "sfu";

const SWITCH_TIMEOUT_MS = 5_000;
const HANDOVER_GRACE_MS = 1_000;
const PERMISSION_OF: Record<Source, ChannelPermissionName> = { mic: "speak", camera: "video", screen: "share_screen" };
/** After a turn_credentials request that failed, ask again this much later. */
export const TURN_RETRY_MS = 15_000;
const NOT_ALLOWED: Record<Source, string> = {
  mic: "You may not speak in this channel.",
  camera: "You may not use your camera in this channel.",
  screen: "You may not share your screen in this channel.",
};
/** What processes and gates the microphone a call sends (pipeline.ts processMicrophone). */
export interface MicChain {
  voice?: VoicePipeline | null;
  gate?: RawMicGate | null;
  pushToTalk?: { releaseAll(): void };
}

export const MUTED_BY_MODERATOR = "A moderator muted you for this call.";

export interface RemoteParticipant {
  participantId: string;
  userId: string;
  streams: Partial<Record<Source, MediaStream>>;
  sends: { audio: boolean; video: boolean; screen: boolean };
  mutedByModerator: boolean;
  quality: Quality | null;
  level: number | null;
}

export class CallSession {
  status: CallStatus = "connecting";
  mode: CallMode = "p2p";
  joined: CallJoined | null = null;
  participants: CallParticipant[] = [];
  activeSpeaker: string | null = null;
  myQuality: Quality | null = null;
  endedReason: string | null = null;
  /** A moderator muted me: the mic stays off until call_unmuted. */
  mutedByModerator = false;
  /** When my call time runs out (guests; ms since the epoch), null when unlimited. */
  deadline: number | null = null;
  readonly tracks: Record<Source, MediaStreamTrack | null>;
  private p2p: P2PLink | null = null;
  private sfu: SfuLink | null = null;
  private streams: Record<Path, Map<string, Partial<Record<Source, MediaStream>>>> = { p2p: new Map(), sfu: new Map() };
  private qualities = new Map<string, Quality>();
  private levels = new Map<string, number>();
  /** The microphone chain whose output is `local`'s audio track; it ends with the call. */
  readonly voice: VoicePipeline | null;
  /** Without a chain: push-to-talk on the raw microphone; the mute goes through it. */
  private readonly micGate: RawMicGate | null;
  /** Let go when the call ends: a shortcut held through the hang-up must not talk in the next call. */
  private readonly pushToTalk: { releaseAll(): void } | null;
  private listeners = new Set<() => void>();
  private joinedListeners = new Set<(joined: CallJoined) => void>();
  private unsubscribe: (() => void)[] = [];
  /** What the channel lets me send; shared with the P2P link, and changed in place by call_permissions. */
  private readonly allowed: Set<Source>;
  private iceServers: IceServer[] = [];
  private turnTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly gateway: Gateway,
    readonly channelId: string,
    local: MediaStream | null,
    permissions: ChannelPermissionName[],
    mic: MicChain = {},
  ) {
    this.voice = mic.voice ?? null;
    this.micGate = mic.gate ?? null;
    this.pushToTalk = mic.pushToTalk ?? null;
    this.tracks = {
      mic: local?.getAudioTracks()[0] ?? null,
      camera: local?.getVideoTracks()[0] ?? null,
      screen: null,
    };
    this.allowed = new Set(SOURCES.filter((s) => permissions.includes(PERMISSION_OF[s])));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Each join reply, the first and every resume's (it says whether the call is being recorded). */
  onJoined(listener: (joined: CallJoined) => void): () => void {
    this.joinedListeners.add(listener);
    return () => this.joinedListeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  get participantId(): string | null {
    return this.joined?.participant_id ?? null;
  }

  /** Why `source` cannot be turned on now, in words for the control's tooltip; null when it can. */
  blockedReason(source: Source): string | null {
    if (source === "mic" && this.mutedByModerator) return MUTED_BY_MODERATOR;
    return this.allowed.has(source) ? null : NOT_ALLOWED[source];
  }

  canSend(source: Source): boolean {
    return this.blockedReason(source) === null;
  }

  private sendable(): Set<Source> {
    return new Set(SOURCES.filter((s) => this.canSend(s)));
  }

  async join(): Promise<void> {
    this.unsubscribe.push(this.gateway.onPush((push) => void this.onPush(push).catch((error) => console.warn("call push failed", error))));
    this.unsubscribe.push(this.gateway.onStatus((status) => {
      if (status === "reconnecting" && this.status !== "ended") this.setStatus("reconnecting");
    }));
    this.unsubscribe.push(this.gateway.onWelcome(() => void this.resume()));
    try {
      this.joined = await this.gateway.request<CallJoined>({ type: "join_call", channel_id: this.channelId });
      await this.adopt(this.joined);
      await this.announceMediaState();
    } catch (error) {
      // A failed join ends the call here: the microphone, camera and voice chain stop with it.
      await this.leave();
      throw error;
    }
    this.setStatus("connected");
  }

  /** After the gateway came back: the same participant, from the new socket. */
  private async resume(): Promise<void> {
    if (!this.joined || this.status === "ended") return;
    try {
      const resumed = await this.gateway.request<CallJoined>({
        type: "join_call", channel_id: this.channelId, resume_token: this.joined.resume_token,
      });
      this.joined = resumed;
      await this.adopt(resumed);
      this.setStatus("connected");
    } catch {
      this.end("resume_failed");
    }
  }

  /** What a join (or resume) reply says: the roster, my lasting mute, my time left, TURN servers. */
  private async adopt(joined: CallJoined): Promise<void> {
    for (const listener of this.joinedListeners) listener(joined);
    this.deadline = joined.time_limit_s === null ? null : Date.now() + joined.time_limit_s * 1000;
    this.applyIceServers(joined.ice_servers, joined.ice_servers_expire_at);
    await this.applyRoster(joined.participants);
  }

  private async applyRoster(participants: CallParticipant[]): Promise<void> {
    this.participants = participants;
    const mine = participants.find((p) => p.participant_id === this.participantId);
    if (mine) await this.setModeratorMute(mine.muted_by_moderator);
  }

  private async setModeratorMute(muted: boolean): Promise<void> {
    if (muted === this.mutedByModerator) return;
    this.mutedByModerator = muted;
    if (muted) await this.setSending("mic", null);
  }

  /** Rights changed: what is no longer allowed stops here too (the server already stopped it). */
  private async applyPermissions(push: CallPermissions): Promise<void> {
    const granted: Record<Source, boolean> = { mic: push.speak, camera: push.video, screen: push.share_screen };
    for (const source of SOURCES) {
      if (granted[source]) this.allowed.add(source);
      else if (this.allowed.delete(source)) await this.withdraw(source);
    }
  }

  /** Stops sending `source` locally without asking the server (it closed the producer itself). */
  private async withdraw(source: Source): Promise<void> {
    this.sfu?.dropProducer({ source });
    const track = this.tracks[source];
    if (source === "mic") {
      if (track) this.enableMic(track, false);
    } else {
      track?.stop();
      this.tracks[source] = null;
    }
    await this.p2p?.replaceTrack(source, null);
    await this.announceMediaState();
  }

  private applyIceServers(servers: IceServer[], expiresAt: string | null): void {
    this.iceServers = servers;
    this.p2p?.updateIceServers(servers);
    void this.sfu?.updateIceServers(servers).catch((error) => console.warn("ICE servers not updated", error));
    this.scheduleTurnRenewal(expiresAt, renewalDelayMs(expiresAt, Date.now()));
  }

  private scheduleTurnRenewal(expiresAt: string | null, delay: number | null): void {
    if (this.turnTimer) clearTimeout(this.turnTimer);
    this.turnTimer = null;
    if (delay === null || this.status === "ended") return;
    this.turnTimer = setTimeout(() => void this.renewTurn(expiresAt), delay);
  }

  private async renewTurn(expiresAt: string | null): Promise<void> {
    this.turnTimer = null;
    try {
      const fresh = await this.gateway.request<TurnCredentialsOut>({ type: "turn_credentials" });
      this.applyIceServers(fresh.ice_servers, fresh.ice_servers_expire_at);
    } catch {
      // Offline, the resume brings new credentials; otherwise ask again shortly.
      this.scheduleTurnRenewal(expiresAt, TURN_RETRY_MS);
    }
  }

  private setStatus(status: CallStatus): void {
    this.status = status;
    this.changed();
  }

  // --- what the server says ---

  private async onPush(push: Push): Promise<void> {
    if ("channel_id" in push && push.channel_id !== this.channelId) return;
    switch (push.type) {
      case "call_mode":
        await this.followMode(push.mode, push.peer_participant_id, push.polite ?? false);
        break;
      case "p2p_signal":
        await this.p2p?.onSignal(push);
        break;
      case "sfu_consumer_added":
        this.sfu?.onConsumerAdded(push);
        break;
      case "sfu_consumer_closed":
        this.sfu?.onConsumerClosed(push.consumer_id);
        break;
      case "sfu_reset":
        await this.rebuildSfu();
        break;
      case "sfu_active_speaker":
        this.activeSpeaker = push.participant_id;
        break;
      case "sfu_audio_levels":
        this.levels = new Map(push.levels.map((l) => [l.participant_id, l.volume]));
        break;
      case "call_quality":
        this.qualities.set(push.participant_id, push.quality);
        if (push.participant_id === this.participantId) this.myQuality = push.quality;
        break;
      case "call_state":
        await this.applyRoster(push.participants);
        break;
      case "call_removed":
        this.end(push.reason);
        break;
      case "call_muted":
        await this.setModeratorMute(true);
        break;
      case "call_unmuted":
        await this.setModeratorMute(false);
        break;
      case "call_permissions":
        await this.applyPermissions(push);
        break;
      case "sfu_producer_closed": {
        const source = this.sfu?.dropProducer({ producerId: push.producer_id });
        if (source) await this.withdraw(source);
        break;
      }
      case "call_warning":
        this.deadline = Date.now() + push.remaining_s * 1000;
        break;
      default:
        return;
    }
    this.changed();
  }

  private async followMode(mode: CallMode, peerId: string | null, polite: boolean): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    if (mode === "sfu") {
      if (!this.sfu) {
        this.sfu = this.newSfu();
        await this.sfu.start(this.tracks, this.sendable());
      }
      if (previous === "p2p" && this.p2p) this.retireWhenPlaying(this.p2p, this.sfu);
      return;
    }
    if (this.p2p && this.p2p.peerId !== peerId) {
      this.p2p.close();
      this.p2p = null;
    }
    if (peerId && !this.p2p) {
      this.p2p = new P2PLink(this.gateway, peerId, polite, this.iceServers, { ...this.tracks }, this.allowed,
        this.pathEvents("p2p"));
    }
    if (this.sfu && this.p2p) this.retireWhenPlaying(this.sfu, this.p2p);
    else if (this.sfu && !peerId) this.closeSfu();
  }

  /** Make before break: `old` stays until `next` shows video (or the timeout passes), and a
   * moment longer, because the other side may see our new path a little after we see theirs. */
  private retireWhenPlaying(old: P2PLink | SfuLink, next: P2PLink | SfuLink): void {
    void waitUntil(async () => next.closed || (await next.framesDecoded()) > 0, SWITCH_TIMEOUT_MS).then(async () => {
      await new Promise((resolve) => setTimeout(resolve, HANDOVER_GRACE_MS));
      if (old === this.p2p) {
        this.p2p.close();
        this.p2p = null;
      } else if (old === this.sfu && this.mode === "p2p") {
        this.closeSfu();
      }
      this.changed();
    });
  }

  private closeSfu(): void {
    this.sfu?.close();
    this.sfu = null;
    void this.gateway.request({ type: "sfu_leave" }).catch(() => {});
  }

  private async rebuildSfu(): Promise<void> {
    this.sfu?.close();
    this.sfu = this.newSfu();
    await this.sfu.start(this.tracks, this.sendable());
  }

  private newSfu(): SfuLink {
    return new SfuLink(this.gateway, this.iceServers, this.pathEvents("sfu"));
  }

  private pathEvents(path: Path): PathEvents {
    return {
      stream: (participantId, source, stream) => {
        const streams = this.streams[path].get(participantId) ?? {};
        if (stream) streams[source] = stream;
        else delete streams[source];
        this.streams[path].set(participantId, streams);
        this.changed();
      },
      quality: (_participantId, quality) => {
        this.myQuality = quality;
        this.changed();
      },
    };
  }

  // --- what the UI shows ---

  /** Everyone else in the call, with the streams of whichever path currently plays them. */
  remotes(): RemoteParticipant[] {
    const preferred: Path = this.mode === "sfu" ? "sfu" : "p2p";
    const other: Path = preferred === "sfu" ? "p2p" : "sfu";
    return this.participants.filter((p) => p.participant_id !== this.participantId).map((p) => {
      const id = p.participant_id;
      // Both paths name a participant by its participant id.
      const fromPreferred = this.streams[preferred].get(id) ?? {};
      const fromOther = this.streams[other].get(id) ?? {};
      const streams: Partial<Record<Source, MediaStream>> = {};
      for (const source of SOURCES) {
        const stream = fromPreferred[source] ?? fromOther[source];
        if (stream) streams[source] = stream;
      }
      return {
        participantId: id, userId: p.user_id, streams,
        sends: { audio: p.audio, video: p.video, screen: p.screen }, mutedByModerator: p.muted_by_moderator,
        quality: this.qualities.get(id) ?? null, level: this.levels.get(id) ?? null,
      };
    });
  }

  // --- what I send ---

  async setSending(source: Source, track: MediaStreamTrack | null): Promise<void> {
    const blocked = this.blockedReason(source);
    if (track && blocked) throw new Error(blocked);
    if (source === "screen" && this.tracks.screen && this.tracks.screen !== track) this.tracks.screen.stop();
    if (source === "mic") {
      if (track) this.micGate?.setTrack(track);
      const mic = track ?? this.tracks.mic;
      if (mic) this.enableMic(mic, track !== null);
    } else if (track) track.enabled = true;
    else if (source !== "screen" && this.tracks[source]) this.tracks[source]!.enabled = false;
    if (source === "screen") this.tracks.screen = track;
    await Promise.all([this.p2p?.replaceTrack(source, track), this.sfu?.setSending(source, track)]);
    if (track && source !== "screen") this.tracks[source] = track;
    await this.announceMediaState();
    this.changed();
  }

  /** Mute and unmute: through the raw microphone's gate when there is one (it may hold the track
   * off for push-to-talk while unmuted). */
  private enableMic(track: MediaStreamTrack, on: boolean): void {
    if (this.micGate) this.micGate.setMuted(!on);
    else track.enabled = on;
  }

  sending(source: Source): boolean {
    const track = this.tracks[source];
    if (source === "mic" && this.micGate) return track !== null && track.readyState === "live" && !this.micGate.isMuted;
    return track !== null && track.readyState === "live" && track.enabled;
  }

  private async announceMediaState(): Promise<void> {
    await this.gateway.request({
      type: "set_media_state", audio: this.sending("mic"), video: this.sending("camera"), screen: this.sending("screen"),
    }).catch(() => {});
  }

  /** Video frames decoded over both paths: what tests and the network panel watch rise. */
  async framesDecoded(): Promise<number> {
    const counts = await Promise.all([this.p2p?.framesDecoded() ?? 0, this.sfu?.framesDecoded() ?? 0]);
    return counts[0] + counts[1];
  }

  async fitCamera(participantId: string, height: number): Promise<void> {
    await this.sfu?.fitCamera(participantId, height, globalThis.devicePixelRatio ?? 1);
  }

  /** A moderator's action on another participant (the server checks rank and rights). */
  async moderate(action: "call_mute" | "call_unmute" | "call_kick", userId: string): Promise<void> {
    await this.gateway.request({ type: action, user_id: userId });
  }

  // --- recording (moderators start and stop; everyone answers the consent request) ---

  startRecording(): Promise<RecordingOut> {
    return this.gateway.request<RecordingOut>({ type: "recording_start" });
  }

  stopRecording(): Promise<RecordingOut> {
    return this.gateway.request<RecordingOut>({ type: "recording_stop" });
  }

  /** Declining keeps me in the call and my media out of the file; the answer may change later. */
  async answerRecording(recordingId: string, accept: boolean): Promise<void> {
    await this.gateway.request({ type: "recording_consent", recording_id: recordingId, accept });
  }

  async leave(): Promise<void> {
    await this.gateway.request({ type: "leave_call" }).catch(() => {});
    this.end("left");
  }

  private end(reason: string): void {
    if (this.status === "ended") return;
    this.endedReason = reason;
    this.p2p?.close();
    this.sfu?.close();
    this.p2p = this.sfu = null;
    if (this.turnTimer) clearTimeout(this.turnTimer);
    this.turnTimer = null;
    // The call owns the tracks it sends: the caller opened them for it and keeps no other use.
    for (const source of SOURCES) this.tracks[source]?.stop();
    this.voice?.close();
    this.micGate?.close();
    this.pushToTalk?.releaseAll();
    for (const off of this.unsubscribe) off();
    this.setStatus("ended");
  }
}

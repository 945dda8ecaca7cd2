// A two-person call's direct path: one RTCPeerConnection with a fixed layout of three
// transceivers (mic, camera, screen), so muting a mic or a camera is a replaceTrack. The
// impolite side creates them and offers; the polite side answers. A screen share changes the
// screen transceiver's direction, which renegotiates from either side: perfect negotiation
// keeps that glare-proof. Sources the channel does not allow stay receive-only (the server
// checks every offer against the channel's permissions).
import type { Gateway } from "../api/gateway";
import type { IceCandidateOutput, IceServer, P2PSignalPush } from "../api/protocol.gen";
import { p2pQuality, type Quality } from "./layers";
import { framesDecoded, iceRestartDelayMs } from "./retry";

export type Source = "mic" | "camera" | "screen";
export const SOURCES: Source[] = ["mic", "camera", "screen"];

/** The wire's ICE servers as RTCPeerConnection (and mediasoup-client) take them. */
export function toRtcIceServers(servers: IceServer[]): RTCIceServer[] {
  return servers.map((s) => ({ urls: s.urls, username: s.username ?? undefined, credential: s.credential ?? undefined }));
}

export interface PathEvents {
  stream(participantId: string, source: Source, stream: MediaStream | null): void;
  quality(participantId: string, quality: Quality): void;
}

export class P2PLink {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private restartAttempt = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private statsTimer: ReturnType<typeof setInterval>;
  private reportedPath = false;
  private lastLoss = { lost: 0, received: 0 };
  closed = false;

  constructor(
    private readonly gateway: Gateway,
    readonly peerId: string,
    private readonly polite: boolean,
    iceServers: IceServer[],
    private readonly tracks: Record<Source, MediaStreamTrack | null>,
    private readonly allowed: Set<Source>,
    private readonly events: PathEvents,
  ) {
    this.pc = new RTCPeerConnection({ iceServers: toRtcIceServers(iceServers) });
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate) void this.signal({ candidate: candidate.toJSON() });
    };
    this.pc.onnegotiationneeded = () => void this.offer();
    this.pc.ontrack = ({ track, transceiver }) => {
      const source = SOURCES[this.pc.getTransceivers().indexOf(transceiver)] ?? "camera";
      const stream = new MediaStream([track]);
      this.events.stream(this.peerId, source, stream);
      track.onunmute = () => this.events.stream(this.peerId, source, stream);
    };
    this.pc.oniceconnectionstatechange = () => this.onIceState();
    this.statsTimer = setInterval(() => void this.reportStats(), 3_000);
    if (!polite) {
      for (const source of SOURCES) {
        this.pc.addTransceiver(tracks[source] ?? (source === "mic" ? "audio" : "video"), { direction: this.directionFor(source) });
      }
    }
  }

  private directionFor(source: Source): RTCRtpTransceiverDirection {
    const sends = this.allowed.has(source) && (source !== "screen" || this.tracks.screen !== null);
    return sends ? "sendrecv" : "recvonly";
  }

  /** A direction change (a screen share starting or stopping) renegotiates by itself. */
  async replaceTrack(source: Source, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[source] = track;
    const transceiver = this.pc.getTransceivers()[SOURCES.indexOf(source)];
    if (!transceiver) return;
    await transceiver.sender.replaceTrack(track);
    transceiver.direction = this.directionFor(source);
  }

  /** Renewed TURN credentials: the next ICE gathering (a restart) uses them. */
  updateIceServers(servers: IceServer[]): void {
    if (!this.closed) this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: toRtcIceServers(servers) });
  }

  async framesDecoded(): Promise<number> {
    return framesDecoded(await this.pc.getStats());
  }

  private async signal(payload: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }): Promise<void> {
    await this.gateway.request({ type: "p2p_signal", to: this.peerId, ...payload } as never).catch(() => {});
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const { type, sdp } = this.pc.localDescription!;
      await this.signal({ description: { type, sdp } });
    } finally {
      this.makingOffer = false;
    }
  }

  async onSignal(push: P2PSignalPush): Promise<void> {
    if (push.from_participant_id !== this.peerId || this.closed) return;
    if (push.description) {
      const description = push.description;
      const collision = description.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await this.pc.setRemoteDescription(description);
      if (description.type === "offer") {
        this.bindTracks();
        await this.pc.setLocalDescription();
        const { type, sdp } = this.pc.localDescription!;
        await this.signal({ description: { type, sdp } });
      }
      for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);
    } else if (push.candidate) {
      const candidate = toCandidate(push.candidate);
      if (!this.pc.remoteDescription) this.pendingCandidates.push(candidate);
      else await this.addCandidate(candidate);
    }
  }

  /** Answering: send what we have on the transceivers the offer holds. */
  private bindTracks(): void {
    this.pc.getTransceivers().forEach((transceiver, index) => {
      const source = SOURCES[index];
      if (!source) return;
      transceiver.direction = this.directionFor(source);
      if (transceiver.sender.track !== this.tracks[source]) void transceiver.sender.replaceTrack(this.tracks[source]);
    });
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoreOffer) console.warn("ICE candidate refused", error);
    }
  }

  /** A failed or long-disconnected path restarts ICE, backing off; the offerer drives it. */
  private onIceState(): void {
    const state = this.pc.iceConnectionState;
    if (state === "connected" || state === "completed") {
      this.restartAttempt = 0;
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      return;
    }
    if ((state === "failed" || state === "disconnected") && !this.polite && !this.restartTimer) {
      const delay = state === "failed" ? 0 : iceRestartDelayMs(this.restartAttempt);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.closed || ["connected", "completed"].includes(this.pc.iceConnectionState)) return;
        this.restartAttempt++;
        this.pc.restartIce();
      }, delay);
    }
  }

  /** RTT and loss from the selected candidate pair and inbound streams, graded by the server. */
  private async reportStats(): Promise<void> {
    if (this.closed) return;
    const stats = await this.pc.getStats();
    let rttMs: number | null = null;
    let localCandidateId = "";
    let lost = 0;
    let received = 0;
    stats.forEach((entry: Record<string, unknown>) => {
      if (entry.type === "candidate-pair" && entry.nominated && entry.state === "succeeded") {
        rttMs = typeof entry.currentRoundTripTime === "number" ? entry.currentRoundTripTime * 1000 : rttMs;
        localCandidateId = String(entry.localCandidateId);
      }
      if (entry.type === "inbound-rtp") {
        lost += Number(entry.packetsLost ?? 0);
        received += Number(entry.packetsReceived ?? 0);
      }
    });
    if (rttMs === null) return;
    const newLost = lost - this.lastLoss.lost;
    const newReceived = received - this.lastLoss.received;
    this.lastLoss = { lost, received };
    const lossPct = newLost + newReceived > 0 ? (100 * Math.max(0, newLost)) / (newLost + newReceived) : 0;
    await this.gateway.request({ type: "report_quality", rtt_ms: rttMs, loss_pct: Math.min(100, lossPct) }).catch(() => {});
    this.events.quality("me", p2pQuality(rttMs, lossPct));
    if (!this.reportedPath) {
      const local = stats.get(localCandidateId) as { candidateType?: string } | undefined;
      this.reportedPath = true;
      await this.gateway.request({ type: "report_media_path", path: local?.candidateType === "relay" ? "relay" : "direct", rtt_ms: rttMs })
        .catch(() => {});
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.pc.close();
    for (const source of SOURCES) this.events.stream(this.peerId, source, null);
  }
}

function toCandidate(candidate: IceCandidateOutput): RTCIceCandidateInit {
  return {
    candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined,
    sdpMLineIndex: candidate.sdpMLineIndex ?? undefined, usernameFragment: candidate.usernameFragment ?? undefined,
  };
}

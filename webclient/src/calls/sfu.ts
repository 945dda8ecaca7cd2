// A call's SFU path with mediasoup-client: a send transport for mic (Opus with DTX and FEC),
// camera (3 simulcast layers) and screen (one layer tuned for text), a recv transport whose
// consumers the server pushes paused, and ICE restarts with backoff when a transport drops.
import { Device, type types } from "mediasoup-client";
import type { Gateway } from "../api/gateway";
import type { IceServer, SfuConsumerAdded, SfuTransportOut } from "../api/protocol.gen";
import { CAMERA_ENCODINGS, SCREEN_ENCODING, pickSpatialLayer } from "./layers";
import { toRtcIceServers, type PathEvents, type Source } from "./p2p";
import { framesDecoded, iceRestartDelayMs } from "./retry";

interface Consumed {
  consumer: types.Consumer;
  participantId: string;
  source: Source;
  layer: number | null;
}

export class SfuLink {
  private readonly device = new Device();
  private send: types.Transport | null = null;
  private recv: types.Transport | null = null;
  private producers = new Map<Source, types.Producer>();
  private consumers = new Map<string, Consumed>();
  closed = false;

  constructor(
    private readonly gateway: Gateway,
    private iceServers: IceServer[],
    private readonly events: PathEvents,
  ) {}

  async start(tracks: Record<Source, MediaStreamTrack | null>, allowed: Set<Source>): Promise<void> {
    const { rtp_capabilities } = await this.gateway.request<{ rtp_capabilities: types.RtpCapabilities }>(
      { type: "sfu_capabilities" });
    await this.device.load({ routerRtpCapabilities: rtp_capabilities });
    // Receiving first: what the others send starts flowing while our own tracks are set up.
    [this.send, this.recv] = await Promise.all([this.transport("send"), this.transport("recv")]);
    await this.gateway.request({ type: "sfu_ready", rtp_capabilities: this.device.rtpCapabilities as unknown as Record<string, unknown> });
    for (const source of ["mic", "camera", "screen"] as Source[]) {
      const track = tracks[source];
      if (track && allowed.has(source)) await this.produce(source, track);
    }
  }

  private async transport(direction: "send" | "recv"): Promise<types.Transport> {
    const info = await this.gateway.request<SfuTransportOut>({ type: "sfu_create_transport", direction });
    const options = {
      id: info.transport_id,
      iceParameters: info.ice_parameters as unknown as types.IceParameters,
      iceCandidates: info.ice_candidates as unknown as types.IceCandidate[],
      dtlsParameters: info.dtls_parameters as unknown as types.DtlsParameters,
      iceServers: toRtcIceServers(this.iceServers),
    };
    const transport = direction === "send" ? this.device.createSendTransport(options) : this.device.createRecvTransport(options);
    transport.on("connect", ({ dtlsParameters }, done, fail) => {
      this.gateway.request({ type: "sfu_connect_transport", transport_id: transport.id, dtls_parameters: dtlsParameters as unknown as Record<string, unknown> })
        .then(() => done(), fail);
    });
    transport.on("produce", ({ kind, rtpParameters, appData }, done, fail) => {
      this.gateway.request<{ producer_id: string }>({
        type: "sfu_produce", transport_id: transport.id, kind, source: appData.source as Source,
        rtp_parameters: rtpParameters as unknown as Record<string, unknown>, paused: false,
      }).then(({ producer_id }) => done({ id: producer_id }), fail);
    });
    let attempt = 0;
    transport.on("connectionstatechange", (state) => {
      if (state === "connected") attempt = 0;
      if (state === "failed" || state === "disconnected") {
        setTimeout(() => void this.restartIce(transport), state === "failed" ? 0 : iceRestartDelayMs(attempt++));
      }
    });
    return transport;
  }

  private async restartIce(transport: types.Transport): Promise<void> {
    if (this.closed || transport.closed || transport.connectionState === "connected") return;
    const { ice_parameters } = await this.gateway.request<{ ice_parameters: types.IceParameters }>(
      { type: "sfu_restart_ice", transport_id: transport.id });
    await transport.restartIce({ iceParameters: ice_parameters });
  }

  /** Renewed TURN credentials: kept for new transports and handed to the live ones (their next
   * ICE restart gathers with them). */
  async updateIceServers(servers: IceServer[]): Promise<void> {
    this.iceServers = servers;
    await Promise.all([this.send, this.recv].map((t) =>
      t && !t.closed ? t.updateIceServers({ iceServers: toRtcIceServers(servers) }) : undefined));
  }

  /** The server closed one of my producers (the right to send it was taken away): forget it
   * without asking the server again. Answers the source it carried. */
  dropProducer(which: { producerId: string } | { source: Source }): Source | null {
    for (const [source, producer] of this.producers) {
      if ("source" in which ? which.source !== source : which.producerId !== producer.id) continue;
      producer.close();
      this.producers.delete(source);
      return source;
    }
    return null;
  }

  async produce(source: Source, track: MediaStreamTrack): Promise<void> {
    if (!this.send) return;
    const options: types.ProducerOptions = { track, stopTracks: false, appData: { source } };
    if (source === "mic") options.codecOptions = { opusStereo: false, opusDtx: true, opusFec: true };
    if (source === "camera") {
      options.encodings = CAMERA_ENCODINGS;
      options.codecOptions = { videoGoogleStartBitrate: 1000 };
    }
    if (source === "screen") {
      track.contentHint = "detail";
      options.encodings = [SCREEN_ENCODING];
    }
    this.producers.set(source, await this.send.produce(options));
  }

  /** Mic and camera pause and resume (the others see them muted); a screen share closes. */
  async setSending(source: Source, track: MediaStreamTrack | null): Promise<void> {
    const producer = this.producers.get(source);
    if (source === "screen") {
      if (producer) {
        producer.close();
        this.producers.delete(source);
        await this.gateway.request({ type: "sfu_producer", producer_id: producer.id, action: "close" }).catch(() => {});
      }
      if (track) await this.produce("screen", track);
      return;
    }
    if (!producer) {
      if (track) await this.produce(source, track);
      return;
    }
    if (track) {
      await producer.replaceTrack({ track });
      producer.resume();
    } else {
      producer.pause();
    }
    // A producer the server already closed (a moderator mute, a right taken away) answers an error: nothing to undo.
    await this.gateway.request({ type: "sfu_producer", producer_id: producer.id, action: track ? "resume" : "pause" })
      .catch(() => {});
  }

  /** Consumers are set up as they come (mediasoup-client queues the renegotiations itself) and
   * resumed one by one as each is ready, rather than each waiting for the one before. */
  onConsumerAdded(push: SfuConsumerAdded): void {
    const recv = this.recv;
    if (!recv || this.closed) return;
    void (async () => {
      const consumer = await recv.consume({
        id: push.consumer_id, producerId: push.producer_id, kind: push.kind,
        rtpParameters: push.rtp_parameters as unknown as types.RtpParameters,
      });
      if (this.closed) return;
      this.consumers.set(consumer.id, { consumer, participantId: push.participant_id, source: push.source, layer: null });
      this.events.stream(push.participant_id, push.source, new MediaStream([consumer.track]));
      await this.gateway.request({ type: "sfu_resume_consumer", consumer_id: consumer.id });
    })().catch((error) => console.warn("consume failed", error));
  }

  onConsumerClosed(consumerId: string): void {
    const consumed = this.consumers.get(consumerId);
    if (!consumed) return;
    consumed.consumer.close();
    this.consumers.delete(consumerId);
    this.events.stream(consumed.participantId, consumed.source, null);
  }

  /** The camera tile of `participantId` is `height` CSS pixels tall: ask for the layer that fits. */
  async fitCamera(participantId: string, height: number, pixelRatio: number): Promise<void> {
    for (const [id, consumed] of this.consumers) {
      if (consumed.participantId !== participantId || consumed.source !== "camera") continue;
      const layer = pickSpatialLayer(height, pixelRatio);
      if (layer === consumed.layer) continue;
      consumed.layer = layer;
      await this.gateway.request({ type: "sfu_preferred_layers", consumer_id: id, spatial_layer: layer }).catch(() => {});
    }
  }

  async framesDecoded(): Promise<number> {
    return this.recv ? framesDecoded(await this.recv.getStats()) : 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const consumed of this.consumers.values()) this.events.stream(consumed.participantId, consumed.source, null);
    this.consumers.clear();
    this.producers.clear();
    this.send?.close();
    this.recv?.close();
  }
}

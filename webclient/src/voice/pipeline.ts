// The microphone chain of a call, in one AudioContext at 48 kHz (RNNoise's rate):
//
//   mic ─┬─ [RNNoise worklet, when suppression is on] ─ voice worklet (gate / push-to-talk) ─ sent track
//        └──────────────── raw level ─────────────────┘
//
// The sent track is a MediaStreamAudioDestinationNode's and stays the same for the whole call:
// a settings change rewires the graph behind it, and a new microphone only replaces the source
// node, so neither renegotiates nor calls replaceTrack. Muting stays the call's business
// (the sent track's `enabled`), so the raw level still feeds the "you are muted" hint.
import { loadRnnoise, RnnoiseWorkletNode } from "@sapphi-red/web-noise-suppressor";
import rnnoiseWorkletUrl from "@sapphi-red/web-noise-suppressor/rnnoiseWorklet.js?url";
import rnnoiseWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise.wasm?url";
import rnnoiseSimdWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url";
import voiceWorkletUrl from "./voiceWorklet.ts?worker&url";
import type { PushToTalk } from "./pushToTalk";
import type { VoiceSettings, VoiceSettingsStore } from "./settings";
import type { WorkletControl, WorkletLevels } from "./voiceWorklet";

export type { WorkletLevels as VoiceLevels };

/** What a getUserMedia call asks of the microphone when our chain processes it: RNNoise takes
 * the place of the browser's suppressor, and automatic gain would lift the noise in pauses. */
export const MIC_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: false, autoGainControl: false };

export const SAMPLE_RATE = 48_000;

/** The worklet modules and RNNoise's wasm (served from our own /assets), once per context. */
async function loadModules(context: BaseAudioContext): Promise<ArrayBuffer> {
  const [wasm] = await Promise.all([
    loadRnnoise({ url: rnnoiseWasmUrl, simdUrl: rnnoiseSimdWasmUrl }),
    context.audioWorklet.addModule(rnnoiseWorkletUrl),
    context.audioWorklet.addModule(voiceWorkletUrl),
  ]);
  return wasm;
}

/** An RNNoise node on `context` (exported for the bench, which renders it offline). */
export async function rnnoiseNode(context: BaseAudioContext): Promise<AudioNode> {
  const wasmBinary = await loadModules(context);
  return new RnnoiseWorkletNode(context as AudioContext, { maxChannels: 1, wasmBinary });
}

export class VoicePipeline {
  readonly output: MediaStreamTrack;
  private source: MediaStreamAudioSourceNode;
  private rnnoise: RnnoiseWorkletNode | null = null;
  private listeners = new Set<(levels: WorkletLevels) => void>();
  private unsubscribe: (() => void)[];
  private settings: VoiceSettings;

  private constructor(
    private readonly context: AudioContext,
    private readonly wasm: ArrayBuffer,
    private raw: MediaStreamTrack,
    store: VoiceSettingsStore,
    private readonly ptt: PushToTalk,
    private readonly voice: AudioWorkletNode,
    destination: MediaStreamAudioDestinationNode,
  ) {
    this.settings = store.get();
    this.source = context.createMediaStreamSource(new MediaStream([raw]));
    voice.connect(destination);
    this.output = destination.stream.getAudioTracks()[0];
    voice.port.onmessage = ({ data }: MessageEvent<WorkletLevels>) => {
      for (const listener of this.listeners) listener(data);
    };
    this.unsubscribe = [ptt.onChange(() => this.sendControl()), store.subscribe((s) => this.setSettings(s))];
    this.wire();
  }

  static async create(raw: MediaStreamTrack, store: VoiceSettingsStore, ptt: PushToTalk): Promise<VoicePipeline> {
    const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    try {
      const wasm = await loadModules(context);
      const voice = new AudioWorkletNode(context, "peershare-voice", {
        numberOfInputs: 2, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: "explicit",
      });
      const destination = context.createMediaStreamDestination();
      destination.channelCount = 1;
      await context.resume();
      return new VoicePipeline(context, wasm, raw, store, ptt, voice, destination);
    } catch (error) {
      void context.close();
      throw error;
    }
  }

  get current(): VoiceSettings {
    return this.settings;
  }

  onLevels(listener: (levels: WorkletLevels) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setSettings(settings: VoiceSettings): void {
    const rewire = settings.suppression !== this.settings.suppression;
    this.settings = settings;
    if (rewire) this.wire();
    else this.sendControl();
  }

  /** Another microphone: the old one stops, the sent track stays. */
  setInput(raw: MediaStreamTrack): void {
    this.source.disconnect();
    this.raw.stop();
    this.raw = raw;
    this.source = this.context.createMediaStreamSource(new MediaStream([raw]));
    this.wire();
  }

  private wire(): void {
    this.source.disconnect();
    this.rnnoise?.disconnect();
    if (this.settings.suppression) {
      // A fresh RNNoise state per wiring: its model adapts to the noise it has heard so far.
      this.rnnoise?.destroy();
      this.rnnoise = new RnnoiseWorkletNode(this.context, { maxChannels: 1, wasmBinary: this.wasm });
      this.rnnoise.channelCount = 1;
      this.rnnoise.channelCountMode = "explicit";
      this.source.connect(this.rnnoise);
      this.rnnoise.connect(this.voice, 0, 0);
    } else {
      this.rnnoise?.destroy();
      this.rnnoise = null;
      this.source.connect(this.voice, 0, 0);
    }
    this.source.connect(this.voice, 0, 1);
    this.sendControl();
  }

  private sendControl(): void {
    const control: WorkletControl = { mode: this.settings.mode, sensitivity: this.settings.sensitivity, talking: this.ptt.isTalking };
    this.voice.port.postMessage(control);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
    this.rnnoise?.destroy();
    this.raw.stop();
    this.output.stop();
    void this.context.close();
  }
}

/** The stream a call sends: `local`'s camera as it is, its microphone through a VoicePipeline.
 * If the chain cannot start, the call goes on with the raw microphone (the panel says so). */
export async function processMicrophone(local: MediaStream | null, store: VoiceSettingsStore, ptt: PushToTalk):
  Promise<{ stream: MediaStream | null; voice: VoicePipeline | null }> {
  const raw = local?.getAudioTracks()[0];
  if (!local || !raw) return { stream: local, voice: null };
  try {
    const voice = await VoicePipeline.create(raw, store, ptt);
    return { stream: new MediaStream([voice.output, ...local.getVideoTracks()]), voice };
  } catch (error) {
    console.error("voice processing could not start; sending the microphone unprocessed", error);
    return { stream: local, voice: null };
  }
}

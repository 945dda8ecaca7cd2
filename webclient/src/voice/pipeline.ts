// The microphone chain of a call: one AudioWorklet (voiceWorklet.ts) in an AudioContext at
// 48 kHz (RNNoise's rate), between the microphone and the track that is sent:
//
//   mic → MediaStreamSource → voice worklet [RNNoise → gate / push-to-talk → levels] → sent track
//
// The sent track is a MediaStreamAudioDestinationNode's and stays the same for the whole call:
// a settings change is a message to the worklet, and a new microphone only replaces the source
// node, so neither renegotiates nor needs replaceTrack. Muting stays the call's business (the
// sent track's `enabled`), so the raw level still feeds the "you are muted" hint.
import rnnoiseWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise.wasm?url";
import rnnoiseSimdWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url";
import voiceWorkletUrl from "./voiceWorklet.ts?worker&url";
import type { PushToTalk } from "./pushToTalk";
import { RawMicGate } from "./rawMicGate";
import type { VoiceSettings, VoiceSettingsStore } from "./settings";
import type { VoiceProcessorOptions, WorkletControl, WorkletLevels } from "./voiceWorklet";

export type { WorkletLevels as VoiceLevels };

/** What a getUserMedia call asks of the microphone when our chain processes it: RNNoise takes
 * the place of the browser's suppressor, and automatic gain would lift the noise in pauses. */
export const MIC_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: false, autoGainControl: false };

export const SAMPLE_RATE = 48_000;
const READY_TIMEOUT_MS = 5_000;

/** RNNoise's module, compiled once per page (SIMD build where the browser has SIMD). */
let rnnoise: Promise<WebAssembly.Module> | null = null;

async function compile(url: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`RNNoise could not be loaded (HTTP ${response.status})`);
  return WebAssembly.compile(await response.arrayBuffer());
}

function rnnoiseModule(): Promise<WebAssembly.Module> {
  rnnoise ??= compile(rnnoiseSimdWasmUrl).catch(() => compile(rnnoiseWasmUrl));
  rnnoise.catch(() => { rnnoise = null; });
  return rnnoise;
}

/** Fetches and compiles RNNoise ahead of a join (the pre-join panel calls it): joining then
 * waits only for the worklet. A failure here is met again, and reported, by the join. */
export function prepareVoice(): void {
  rnnoiseModule().catch(() => {});
}

/** The worklet node, once its processor has RNNoise running (or its error). */
async function voiceNode(context: AudioContext): Promise<AudioWorkletNode> {
  const [module] = await Promise.all([rnnoiseModule(), context.audioWorklet.addModule(voiceWorkletUrl)]);
  const processorOptions: VoiceProcessorOptions = { rnnoise: module };
  const node = new AudioWorkletNode(context, "peershare-voice", {
    numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: "explicit",
    processorOptions,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the voice worklet did not start")), READY_TIMEOUT_MS);
    node.onprocessorerror = () => {
      clearTimeout(timer);
      reject(new Error("the voice worklet failed to start"));
    };
    node.port.onmessage = ({ data }) => {
      if (data !== "ready") return;
      clearTimeout(timer);
      resolve();
    };
  });
  return node;
}

export class VoicePipeline {
  readonly output: MediaStreamTrack;
  private source: MediaStreamAudioSourceNode;
  private listeners = new Set<(levels: WorkletLevels) => void>();
  private unsubscribe: (() => void)[];
  private settings: VoiceSettings;

  private constructor(
    private readonly context: AudioContext,
    private raw: MediaStreamTrack,
    store: VoiceSettingsStore,
    private readonly ptt: PushToTalk,
    private readonly voice: AudioWorkletNode,
    destination: MediaStreamAudioDestinationNode,
  ) {
    this.settings = store.get();
    this.source = context.createMediaStreamSource(new MediaStream([raw]));
    this.source.connect(voice);
    voice.connect(destination);
    this.output = destination.stream.getAudioTracks()[0];
    voice.port.onmessage = ({ data }: MessageEvent<WorkletLevels>) => {
      for (const listener of this.listeners) listener(data);
    };
    this.unsubscribe = [ptt.onChange(() => this.sendControl()), store.subscribe((s) => this.setSettings(s))];
    this.sendControl();
  }

  static async create(raw: MediaStreamTrack, store: VoiceSettingsStore, ptt: PushToTalk): Promise<VoicePipeline> {
    const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    try {
      const voice = await voiceNode(context);
      const destination = context.createMediaStreamDestination();
      destination.channelCount = 1;
      await context.resume();
      return new VoicePipeline(context, raw, store, ptt, voice, destination);
    } catch (error) {
      void context.close();
      throw error;
    }
  }

  onLevels(listener: (levels: WorkletLevels) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setSettings(settings: VoiceSettings): void {
    this.settings = settings;
    this.sendControl();
  }

  /** Another microphone: the old one stops, the sent track stays. */
  setInput(raw: MediaStreamTrack): void {
    // The new source first: if it throws, the old microphone keeps working.
    const source = this.context.createMediaStreamSource(new MediaStream([raw]));
    this.source.disconnect();
    this.raw.stop();
    this.raw = raw;
    this.source = source;
    this.source.connect(this.voice);
  }

  private sendControl(): void {
    const { suppression, mode, sensitivity } = this.settings;
    const control: WorkletControl = { suppression, mode, sensitivity, talking: this.ptt.isTalking };
    this.voice.port.postMessage(control);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
    this.raw.stop();
    this.output.stop();
    void this.context.close();
  }
}

/** The stream a call sends: `local`'s camera as it is, its microphone through a VoicePipeline.
 * If the chain cannot start, the call goes on with the raw microphone, push-to-talk enforced on
 * it by a RawMicGate (the panel says what is unavailable). */
export async function processMicrophone(local: MediaStream | null, store: VoiceSettingsStore, ptt: PushToTalk,
  create: typeof VoicePipeline.create = (...args) => VoicePipeline.create(...args)):
  Promise<{ stream: MediaStream | null; voice: VoicePipeline | null; gate: RawMicGate | null }> {
  const raw = local?.getAudioTracks()[0];
  if (!local || !raw) return { stream: local, voice: null, gate: null };
  try {
    const voice = await create(raw, store, ptt);
    return { stream: new MediaStream([voice.output, ...local.getVideoTracks()]), voice, gate: null };
  } catch (error) {
    console.error("voice processing could not start; sending the microphone unprocessed", error);
    return { stream: local, voice: null, gate: new RawMicGate(raw, store, ptt) };
  }
}

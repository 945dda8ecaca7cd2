// The AudioWorklet that is the microphone chain (bundled on its own by Vite, see pipeline.ts):
// RNNoise when suppression is on (framed to its 480-sample frames, rnnoise.ts), then the send
// gain (the gate or push-to-talk; a short ramp so it never clicks). It reports the levels
// before and after processing about 20 times a second.
import { GateState, thresholdsFor } from "./gate";
import { powerDb, sumOfSquares } from "./levels";
import { FramedDenoiser, Rnnoise } from "./rnnoise";
import type { InputMode } from "./settings";

// The worklet scope's globals (not in TypeScript's DOM library).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new (options: { processorOptions: VoiceProcessorOptions }) => AudioWorkletProcessor): void;

export interface VoiceProcessorOptions {
  /** RNNoise, compiled by the page from our own /assets. */
  rnnoise: WebAssembly.Module;
}

export interface WorkletControl {
  suppression: boolean;
  mode: InputMode;
  sensitivity: number;
  talking: boolean;
}

export interface WorkletLevels {
  /** Raw microphone, dBFS. */
  before: number;
  /** What is sent (after suppression and the gate), dBFS. */
  after: number;
  gateOpen: boolean;
}

const REPORT_BLOCKS = 8;
/** Gain ramps: quick to open (no clipped onsets), gentler to close. */
const OPEN_MS = 5;
const CLOSE_MS = 40;
/** The gate hears the voice's power smoothed over about 20 ms: a single 2.7 ms block of noise
 * poking over the close threshold must not restart the hold. */
const LEVEL_MS = 20;

class VoiceProcessor extends AudioWorkletProcessor {
  private control: WorkletControl = { suppression: true, mode: "always", sensitivity: 50, talking: false };
  private readonly rnnoise: Rnnoise;
  /** Present while suppression is on (RNNoise keeps what it learnt of the noise across toggles). */
  private denoiser: FramedDenoiser | null = null;
  private readonly voice = new Float32Array(128);
  private gate = new GateState(thresholdsFor(50));
  private gain = 1;
  private power = 0;
  private blocks = 0;
  private before = 0;
  private after = 0;
  private samples = 0;

  constructor({ processorOptions }: { processorOptions: VoiceProcessorOptions }) {
    super();
    this.rnnoise = new Rnnoise(processorOptions.rnnoise);
    this.port.onmessage = ({ data }: MessageEvent<WorkletControl>) => {
      this.control = data;
      this.gate.configure(thresholdsFor(data.sensitivity));
      if (!data.suppression) this.denoiser = null;
      else this.denoiser ??= new FramedDenoiser((frame) => this.rnnoise.processFrame(frame));
    };
    this.port.postMessage("ready");
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const raw = inputs[0]?.[0];
    const out = outputs[0][0];
    const n = out.length;
    let voice = raw;
    if (raw && this.denoiser) {
      this.denoiser.process(raw, this.voice);
      voice = this.voice;
    }
    const blockMs = (1000 * n) / sampleRate;
    this.power += ((voice ? sumOfSquares(voice) / n : 0) - this.power) * (1 - Math.exp(-blockMs / LEVEL_MS));
    const open = this.gate.update(powerDb(this.power, 1), blockMs);
    const { mode, talking } = this.control;
    const target = mode === "ptt" ? (talking ? 1 : 0) : mode === "gate" ? (open ? 1 : 0) : 1;
    const step = 1 / (((target > this.gain ? OPEN_MS : CLOSE_MS) / 1000) * sampleRate);
    let after = 0;
    for (let i = 0; i < n; i++) {
      this.gain = target > this.gain ? Math.min(target, this.gain + step) : Math.max(target, this.gain - step);
      const sample = voice ? voice[i] * this.gain : 0;
      out[i] = sample;
      after += sample * sample;
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.after += after;
    this.before += raw ? sumOfSquares(raw) : 0;
    this.samples += n;
    if (++this.blocks === REPORT_BLOCKS) {
      const levels: WorkletLevels = {
        before: powerDb(this.before, this.samples), after: powerDb(this.after, this.samples), gateOpen: open,
      };
      this.port.postMessage(levels);
      this.blocks = this.samples = this.before = this.after = 0;
    }
    return true;
  }
}

registerProcessor("peershare-voice", VoiceProcessor);

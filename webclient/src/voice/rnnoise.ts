// RNNoise (xiph/rnnoise, the WebAssembly build @shiguredo/rnnoise-wasm publishes, shipped in
// @sapphi-red/web-noise-suppressor as a bare .wasm) bound directly: the module needs only three
// imports, so no Emscripten glue is loaded. Works in an AudioWorklet and in Node (tests).

/** RNNoise's frame: 10 ms at 48 kHz, the only rate it is trained for. */
export const FRAME = 480;

interface RnnoiseExports {
  memory: WebAssembly.Memory;
  __wasm_call_ctors(): void;
  emscripten_stack_init(): void;
  rnnoise_get_frame_size(): number;
  rnnoise_create(model: number): number;
  rnnoise_destroy(state: number): void;
  rnnoise_process_frame(state: number, out: number, input: number): number;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/** One denoiser: its own state and buffers in a module instance of its own. */
export class Rnnoise {
  private readonly exports: RnnoiseExports;
  private readonly state: number;
  private readonly inPtr: number;
  private readonly outPtr: number;

  constructor(module: WebAssembly.Module) {
    let memory: WebAssembly.Memory | null = null;
    const env = {
      emscripten_memcpy_big: (dest: number, src: number, count: number) => {
        new Uint8Array(memory!.buffer).copyWithin(dest, src, src + count);
      },
      emscripten_resize_heap: (requested: number) => {
        const pages = Math.ceil((requested - memory!.buffer.byteLength) / 65536);
        try {
          memory!.grow(pages);
          return 1;
        } catch {
          return 0;
        }
      },
      __assert_fail: () => {
        throw new Error("RNNoise: assertion failed");
      },
    };
    this.exports = new WebAssembly.Instance(module, { env }).exports as unknown as RnnoiseExports;
    memory = this.exports.memory;
    this.exports.emscripten_stack_init();
    this.exports.__wasm_call_ctors();
    if (this.exports.rnnoise_get_frame_size() !== FRAME) throw new Error("RNNoise: unexpected frame size");
    this.state = this.exports.rnnoise_create(0);
    this.inPtr = this.exports.malloc(FRAME * 4);
    this.outPtr = this.exports.malloc(FRAME * 4);
  }

  /** Denoises one frame in place (samples in [-1, 1]); returns RNNoise's voice probability. */
  processFrame(frame: Float32Array): number {
    // RNNoise works on 16-bit sample values; views are made anew as the heap may have grown.
    const heap = new Float32Array(this.exports.memory.buffer);
    const input = this.inPtr >> 2;
    const output = this.outPtr >> 2;
    for (let i = 0; i < FRAME; i++) heap[input + i] = frame[i] * 32768;
    const voice = this.exports.rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
    for (let i = 0; i < FRAME; i++) frame[i] = heap[output + i] / 32768;
    return voice;
  }

  destroy(): void {
    this.exports.rnnoise_destroy(this.state);
    this.exports.free(this.inPtr);
    this.exports.free(this.outPtr);
  }
}

/** Buffering between the 128-sample render quantum and RNNoise's 480-sample frames, at the
 * least delay that never runs dry: 448 samples (9.3 ms). Over a quantum's life the output
 * queue holds 448 + 480 * (frames done) - 128 * (quanta done) samples, and 128·n mod 480 peaks
 * at 448, so a smaller head start would leave a quantum without samples. */
export const BUFFERING = 448;

export class FramedDenoiser {
  private frame = new Float32Array(FRAME);
  private filled = 0;
  /** Processed samples waiting to go out; starts with BUFFERING samples of silence. */
  private queue = new Float32Array(BUFFERING + 2 * FRAME);
  private queued = BUFFERING;
  /** The latest frame's voice probability. */
  voice = 0;

  constructor(private readonly denoise: (frame: Float32Array) => number) {}

  /** One block in, one block of the same length out, BUFFERING + RNNoise's own frame later. */
  process(input: Float32Array, output: Float32Array): void {
    let at = 0;
    while (at < input.length) {
      const take = Math.min(FRAME - this.filled, input.length - at);
      this.frame.set(input.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === FRAME) {
        this.voice = this.denoise(this.frame);
        this.queue.set(this.frame, this.queued);
        this.queued += FRAME;
        this.filled = 0;
      }
    }
    if (this.queued < output.length) throw new Error("denoiser queue ran dry");
    output.set(this.queue.subarray(0, output.length));
    this.queue.copyWithin(0, output.length, this.queued);
    this.queued -= output.length;
  }
}

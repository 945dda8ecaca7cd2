import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rmsDb } from "./levels";
import { BUFFERING, FRAME, FramedDenoiser, Rnnoise } from "./rnnoise";

const QUANTUM = 128;

function run(denoiser: FramedDenoiser, input: Float32Array): Float32Array {
  const output = new Float32Array(input.length);
  for (let at = 0; at + QUANTUM <= input.length; at += QUANTUM) {
    denoiser.process(input.subarray(at, at + QUANTUM), output.subarray(at, at + QUANTUM));
  }
  return output;
}

describe("framing 128-sample quanta into RNNoise's 480-sample frames", () => {
  it("delays by exactly BUFFERING samples and never runs dry over several cycles", () => {
    const input = Float32Array.from({ length: QUANTUM * 60 }, (_, i) => i + 1);
    const frames: number[] = [];
    const output = run(new FramedDenoiser((frame) => { frames.push(frame.length); return 0; }), input);
    expect(BUFFERING).toBe(448);
    expect(Array.from(output.subarray(0, BUFFERING)).every((x) => x === 0)).toBe(true);
    for (let i = BUFFERING; i < output.length; i++) expect(output[i]).toBe(input[i - BUFFERING]);
    expect(frames.length).toBe(Math.floor(input.length / FRAME));
  });
});

describe("RNNoise (WebAssembly)", () => {
  const wasm = (name: string) => new WebAssembly.Module(readFileSync(`node_modules/@sapphi-red/web-noise-suppressor/dist/${name}`));

  for (const name of ["rnnoise.wasm", "rnnoise_simd.wasm"]) {
    it(`${name}: takes steady noise down by more than 15 dB and hears no voice in it`, () => {
      const rnnoise = new Rnnoise(wasm(name));
      let seed = 2463534242;
      const random = () => { // xorshift32
        seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
        return (seed >>> 0) / 2 ** 31 - 1;
      };
      // Pink noise (Paul Kellet's economy filter over white noise), about -45 dBFS: a fan, a room.
      let [b0, b1, b2] = [0, 0, 0];
      const noise = Float32Array.from({ length: 48_000 * 3 }, () => {
        const white = random();
        b0 = 0.99765 * b0 + white * 0.099046;
        b1 = 0.963 * b1 + white * 0.2965164;
        b2 = 0.57 * b2 + white * 1.0526913;
        return (b0 + b1 + b2 + white * 0.1848) * 0.0015;
      });
      const output = run(new FramedDenoiser((frame) => rnnoise.processFrame(frame)), noise);
      const settled = 48_000 * 2;
      const reduction = rmsDb(noise.subarray(settled)) - rmsDb(output.subarray(settled));
      expect(reduction).toBeGreaterThan(15);
      const lastFrame = noise.slice(0, FRAME);
      expect(rnnoise.processFrame(lastFrame)).toBeLessThan(0.5);
      rnnoise.destroy();
    });
  }
});

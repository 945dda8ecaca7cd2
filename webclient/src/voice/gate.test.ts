import { describe, expect, it } from "vitest";
import { GateState, HOLD_MS, thresholdsFor } from "./gate";

const BLOCK_MS = 10;

/** Feeds `levels` one block each; returns the gate's state after each. */
function run(gate: GateState, levels: number[]): boolean[] {
  return levels.map((level) => gate.update(level, BLOCK_MS));
}

describe("voice gate", () => {
  it("maps the slider from loud-voice-only to whisper, with the close threshold 6 dB under", () => {
    expect(thresholdsFor(0).openDb).toBe(-20);
    expect(thresholdsFor(50).openDb).toBe(-45);
    expect(thresholdsFor(100).openDb).toBe(-70);
    expect(thresholdsFor(150).openDb).toBe(-70);
    expect(thresholdsFor(50).closeDb).toBe(-51);
  });

  it("stays closed on steady noise under the threshold and opens at once on speech", () => {
    const gate = new GateState(thresholdsFor(50));
    expect(run(gate, Array(100).fill(-55))).not.toContain(true);
    expect(run(gate, [-25])).toEqual([true]);
  });

  it("closes only after the hold time under the close threshold", () => {
    const gate = new GateState(thresholdsFor(50));
    run(gate, [-25]);
    const quiet = run(gate, Array(HOLD_MS / BLOCK_MS).fill(-60));
    expect(quiet.slice(0, -1).every(Boolean)).toBe(true);
    expect(quiet.at(-1)).toBe(false);
  });

  it("holds open through dips between the thresholds (hysteresis) and restarts the hold on speech", () => {
    const gate = new GateState(thresholdsFor(50));
    run(gate, [-25]);
    expect(run(gate, Array(100).fill(-48)).every(Boolean)).toBe(true); // under open (-45), over close (-51)
    run(gate, Array(HOLD_MS / BLOCK_MS - 1).fill(-60));
    run(gate, [-30]);
    expect(run(gate, Array(HOLD_MS / BLOCK_MS - 1).fill(-60)).every(Boolean)).toBe(true);
  });

  it("follows a new sensitivity", () => {
    const gate = new GateState(thresholdsFor(0));
    expect(run(gate, [-40])).toEqual([false]);
    gate.configure(thresholdsFor(100));
    expect(run(gate, [-40])).toEqual([true]);
  });
});

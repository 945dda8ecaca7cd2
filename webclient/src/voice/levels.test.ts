import { describe, expect, it } from "vitest";
import { FLOOR_DB, meterFraction, rmsDb } from "./levels";

describe("levels", () => {
  it("puts a full-scale square wave at 0 dBFS and a half-amplitude one 6 dB lower", () => {
    expect(rmsDb(new Float32Array([1, -1, 1, -1]))).toBeCloseTo(0, 6);
    expect(rmsDb(new Float32Array([0.5, -0.5]))).toBeCloseTo(-6.02, 2);
  });

  it("puts a full-scale sine at -3 dBFS", () => {
    const sine = Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000));
    expect(rmsDb(sine)).toBeCloseTo(-3.01, 1);
  });

  it("reads silence and no samples as the floor", () => {
    expect(rmsDb(new Float32Array(128))).toBe(FLOOR_DB);
    expect(rmsDb(new Float32Array(0))).toBe(FLOOR_DB);
  });

  it("maps the last 60 dB onto the meter", () => {
    expect(meterFraction(-80)).toBe(0);
    expect(meterFraction(-30)).toBeCloseTo(0.5);
    expect(meterFraction(0)).toBe(1);
    expect(meterFraction(6)).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { CLEAR_MS, MutedSpeechDetector, SPEAKING_DB } from "./mutedHint";

const STEP = 20;

function feed(detector: MutedSpeechDetector, start: number, ms: number, level: number, muted: boolean): { hint: boolean; end: number } {
  let hint = false;
  let now = start;
  for (; now < start + ms; now += STEP) hint = detector.update(level, STEP, now + STEP, muted);
  return { hint, end: now };
}

describe("you-are-muted hint", () => {
  it("shows after sustained speech while muted, not for a short sound", () => {
    const detector = new MutedSpeechDetector();
    expect(feed(detector, 0, 200, SPEAKING_DB + 20, true).hint).toBe(false);
    expect(feed(detector, 2000, 2000, -70, true).hint).toBe(false);
    expect(feed(detector, 4000, 600, SPEAKING_DB + 20, true).hint).toBe(true);
  });

  it("never shows for speech while unmuted, nor for noise under the speaking level", () => {
    const detector = new MutedSpeechDetector();
    expect(feed(detector, 0, 3000, -20, false).hint).toBe(false);
    expect(feed(detector, 3000, 3000, SPEAKING_DB - 5, true).hint).toBe(false);
  });

  it("clears after a quiet while, and at once on unmute", () => {
    const detector = new MutedSpeechDetector();
    const spoke = feed(detector, 0, 600, -20, true);
    expect(spoke.hint).toBe(true);
    expect(feed(detector, spoke.end, CLEAR_MS - 100, -70, true).hint).toBe(true);
    expect(feed(detector, spoke.end + CLEAR_MS - 100, 200, -70, true).hint).toBe(false);
    feed(detector, 10_000, 600, -20, true);
    expect(detector.update(-20, STEP, 10_700, false)).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PushToTalk } from "./pushToTalk.js";

/** Presses as the OS sends them for a key held `heldMs`: one, then auto-repeats every 33 ms
 * after an initial delay. */
function hold(ptt: PushToTalk, heldMs: number, initialDelayMs = 500): void {
  ptt.keyDown();
  let t = 0;
  for (let next = initialDelayMs; next < heldMs; next += 33) {
    vi.advanceTimersByTime(next - t);
    t = next;
    ptt.keyDown();
  }
  vi.advanceTimersByTime(heldMs - t);
}

describe("push-to-talk from key presses only", () => {
  let changes: boolean[];
  beforeEach(() => {
    vi.useFakeTimers();
    changes = [];
  });
  afterEach(() => vi.useRealTimers());

  it("hold: talks while auto-repeat keeps coming, stops releaseAfterMs after the last", () => {
    const ptt = new PushToTalk("hold", (p) => changes.push(p), 700);
    hold(ptt, 3000);
    expect(changes).toEqual([true]);
    expect(ptt.pressed).toBe(true);
    vi.advanceTimersByTime(600);
    expect(ptt.pressed).toBe(true);
    vi.advanceTimersByTime(200);
    expect(changes).toEqual([true, false]);
  });

  it("hold: a tap talks for releaseAfterMs (the documented limit without auto-repeat)", () => {
    const ptt = new PushToTalk("hold", (p) => changes.push(p), 700);
    ptt.keyDown();
    vi.advanceTimersByTime(699);
    expect(changes).toEqual([true]);
    vi.advanceTimersByTime(1);
    expect(changes).toEqual([true, false]);
  });

  it("toggle: a held key (a burst of repeats) flips once; the next press flips back", () => {
    const ptt = new PushToTalk("toggle", (p) => changes.push(p), 700);
    hold(ptt, 2000);
    vi.advanceTimersByTime(5000);
    expect(changes).toEqual([true]);
    ptt.keyDown();
    expect(changes).toEqual([true, false]);
    vi.advanceTimersByTime(800);
    ptt.keyDown();
    expect(changes).toEqual([true, false, true]);
  });

  it("toggle: a second press within the repeat window counts as the same press", () => {
    const ptt = new PushToTalk("toggle", (p) => changes.push(p), 700);
    ptt.keyDown();
    vi.advanceTimersByTime(300);
    ptt.keyDown();
    expect(changes).toEqual([true]);
  });

  it("reset and a mode change stop talking at once", () => {
    const ptt = new PushToTalk("toggle", (p) => changes.push(p), 700);
    ptt.keyDown();
    ptt.setMode("hold");
    expect(changes).toEqual([true, false]);
    ptt.keyDown();
    ptt.reset();
    vi.advanceTimersByTime(2000);
    expect(changes).toEqual([true, false, true, false]);
  });
});

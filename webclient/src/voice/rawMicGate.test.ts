import { describe, expect, it } from "vitest";
import { processMicrophone } from "./pipeline";
import { PushToTalk } from "./pushToTalk";
import { RawMicGate, rawMicOpen } from "./rawMicGate";
import { VoiceSettingsStore } from "./settings";

const IMMEDIATE = { set: (callback: () => void) => { callback(); return 0; }, clear: () => {} };
const fakeTrack = () => ({ enabled: true, readyState: "live" }) as unknown as MediaStreamTrack;

describe("rawMicOpen", () => {
  it("sends always in 'always', while talking in 'ptt', never in 'gate' (nothing to hear speech)", () => {
    expect(rawMicOpen("always", false)).toBe(true);
    expect(rawMicOpen("ptt", false)).toBe(false);
    expect(rawMicOpen("ptt", true)).toBe(true);
    expect(rawMicOpen("gate", true)).toBe(false);
  });
});

describe("RawMicGate", () => {
  it("drives the track from push-to-talk, and the mute wins over a held key", () => {
    const store = new VoiceSettingsStore(null);
    store.update({ mode: "ptt" });
    const ptt = new PushToTalk(IMMEDIATE);
    const track = fakeTrack();
    const gate = new RawMicGate(track, store, ptt);
    expect(track.enabled).toBe(false);
    ptt.press();
    expect(track.enabled).toBe(true);
    gate.setMuted(true);
    expect(track.enabled).toBe(false);
    gate.setMuted(false);
    ptt.release();
    expect(track.enabled).toBe(false);
    store.update({ mode: "always" });
    expect(track.enabled).toBe(true);
    gate.close();
    store.update({ mode: "ptt" });
    expect(track.enabled).toBe(true);
  });
});

describe("processMicrophone", () => {
  it("falls back to the raw microphone with push-to-talk enforced on it", async () => {
    const store = new VoiceSettingsStore(null);
    store.update({ mode: "ptt" });
    const ptt = new PushToTalk(IMMEDIATE);
    const raw = fakeTrack();
    const local = { getAudioTracks: () => [raw], getVideoTracks: () => [] } as unknown as MediaStream;
    const silenced = console.error;
    console.error = () => {};
    try {
      const result = await processMicrophone(local, store, ptt, () => Promise.reject(new Error("no worklet")));
      expect(result.voice).toBeNull();
      expect(result.stream).toBe(local);
      expect(result.gate).not.toBeNull();
      expect(raw.enabled).toBe(false);
      ptt.press();
      expect(raw.enabled).toBe(true);
    } finally {
      console.error = silenced;
    }
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, parseSettings, STORAGE_KEY, VoiceSettingsStore } from "./settings";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string) { return this.items.get(key) ?? null; }
  setItem(key: string, value: string) { this.items.set(key, value); }
}

describe("voice settings", () => {
  it("has suppression on by default", () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.suppression).toBe(true);
  });

  it("keeps what is valid and defaults the rest, field by field", () => {
    expect(parseSettings(JSON.stringify({ suppression: false, mode: "loud", sensitivity: 120, pttKey: "KeyT" })))
      .toEqual({ ...DEFAULT_SETTINGS, suppression: false, pttKey: "KeyT" });
    expect(parseSettings(JSON.stringify({ mode: "ptt", sensitivity: 20, pttKey: "a b" })))
      .toEqual({ ...DEFAULT_SETTINGS, mode: "ptt", sensitivity: 20 });
  });

  it("survives a corrupt entry", () => {
    expect(parseSettings("{not json")).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings("[1,2]")).toEqual(DEFAULT_SETTINGS);
  });

  it("persists changes for the next page on this device and tells listeners", () => {
    const storage = new MemoryStorage();
    const store = new VoiceSettingsStore(storage);
    const heard: boolean[] = [];
    store.subscribe((s) => heard.push(s.suppression));
    store.update({ suppression: false, mode: "gate" });
    expect(heard).toEqual([false]);
    expect(JSON.parse(storage.items.get(STORAGE_KEY)!)).toMatchObject({ suppression: false, mode: "gate" });
    expect(new VoiceSettingsStore(storage).get()).toEqual({ ...DEFAULT_SETTINGS, suppression: false, mode: "gate" });
  });

  it("works without storage (settings last for the page)", () => {
    const store = new VoiceSettingsStore(null);
    store.update({ sensitivity: 80 });
    expect(store.get().sensitivity).toBe(80);
  });
});

import { describe, expect, it } from "vitest";
import { PushToTalk } from "../voice/pushToTalk";
import { VoiceSettingsStore } from "../voice/settings";
import type { DesktopBridge } from "./bridge";
import { connectDesktopPushToTalk, unreadTotal } from "./integration";

/** A bridge that records the shortcut asked for and lets the test press it. */
function fakeBridge() {
  const keys: (string | null)[] = [];
  let listener: ((pressed: boolean) => void) | null = null;
  const bridge = {
    setPushToTalkKey: async (accelerator: string | null) => { keys.push(accelerator); return true; },
    onPushToTalk: (l: (pressed: boolean) => void) => { listener = l; return () => { listener = null; }; },
  } as unknown as DesktopBridge;
  return { bridge, keys, shortcut: (pressed: boolean) => listener?.(pressed), connected: () => listener !== null };
}

const immediate = { set: (callback: () => void) => { callback(); return null; }, clear: () => {} };

describe("desktop integration", () => {
  it("adds up unread messages across channels", () => {
    expect(unreadTotal({})).toBe(0);
    expect(unreadTotal({ a: 2, b: 5 })).toBe(7);
  });

  it("registers the push-to-talk key only in push-to-talk mode and follows changes", () => {
    const { bridge, keys } = fakeBridge();
    const settings = new VoiceSettingsStore(null);
    const disconnect = connectDesktopPushToTalk(bridge, new PushToTalk(immediate), settings);
    expect(keys).toEqual([null]);
    settings.update({ mode: "ptt", pttKey: "KeyT" });
    settings.update({ pttKey: "F13" });
    settings.update({ mode: "gate" });
    expect(keys).toEqual([null, "T", "F13", null]);
    disconnect();
    settings.update({ mode: "ptt" });
    expect(keys).toHaveLength(4);
  });

  it("talks while the global shortcut is held, and stops when disconnected mid-press", () => {
    const { bridge, shortcut, connected } = fakeBridge();
    const ptt = new PushToTalk(immediate);
    const disconnect = connectDesktopPushToTalk(bridge, ptt, new VoiceSettingsStore(null));
    shortcut(true);
    expect(ptt.isTalking).toBe(true);
    shortcut(false);
    expect(ptt.isTalking).toBe(false);
    shortcut(true);
    disconnect();
    expect(ptt.isTalking).toBe(false);
    expect(connected()).toBe(false);
  });
});

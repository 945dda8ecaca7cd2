import { describe, expect, it } from "vitest";
import { PushToTalk } from "../voice/pushToTalk";
import { VoiceSettingsStore } from "../voice/settings";
import type { DesktopBridge } from "./bridge";
import { connectDesktopPushToTalk, type PushToTalkReach, unreadTotal } from "./integration";

/** A bridge that records the shortcut asked for and lets the test press it. */
function fakeBridge(accepts = true) {
  const keys: (string | null)[] = [];
  let listener: ((pressed: boolean) => void) | null = null;
  const bridge = {
    setPushToTalkKey: async (accelerator: string | null) => { keys.push(accelerator); return accepts || accelerator === null; },
    onPushToTalk: (l: (pressed: boolean) => void) => { listener = l; return () => { listener = null; }; },
  } as unknown as DesktopBridge;
  return { bridge, keys, shortcut: (pressed: boolean) => listener?.(pressed), connected: () => listener !== null };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const recorder = () => {
  const seen: PushToTalkReach[] = [];
  return { seen, set: (reach: PushToTalkReach) => void seen.push(reach) };
};

const immediate = { set: (callback: () => void) => { callback(); return null; }, clear: () => {} };

describe("desktop integration", () => {
  it("adds up unread messages across channels", () => {
    expect(unreadTotal({})).toBe(0);
    expect(unreadTotal({ a: 2, b: 5 })).toBe(7);
  });

  it("registers the push-to-talk key only in a call in push-to-talk mode, follows changes, and gives it back", async () => {
    const { bridge, keys } = fakeBridge();
    const settings = new VoiceSettingsStore(null);
    settings.update({ mode: "ptt", pttKey: "F13" });
    const outside = connectDesktopPushToTalk(bridge, new PushToTalk(immediate), settings, false);
    expect(keys).toEqual([null]);
    outside();
    keys.length = 0;
    const reach = recorder();
    const disconnect = connectDesktopPushToTalk(bridge, new PushToTalk(immediate), settings, true, reach);
    settings.update({ pttKey: "F14" });
    settings.update({ mode: "gate" });
    expect(keys).toEqual(["F13", "F14", null]);
    await flush();
    expect(reach.seen.at(-1)).toBe("focus");
    settings.update({ mode: "ptt" });
    await flush();
    expect(reach.seen.at(-1)).toBe("global");
    disconnect();
    expect(keys.at(-1)).toBeNull();
    expect(reach.seen.at(-1)).toBe("focus");
    settings.update({ pttKey: "F15" });
    expect(keys).not.toContain("F15");
  });

  it("says the key works with focus only when the app refuses it", async () => {
    const { bridge } = fakeBridge(false);
    const settings = new VoiceSettingsStore(null);
    settings.update({ mode: "ptt", pttKey: "KeyT" });
    const reach = recorder();
    const disconnect = connectDesktopPushToTalk(bridge, new PushToTalk(immediate), settings, true, reach);
    await flush();
    expect(reach.seen.at(-1)).toBe("refused");
    disconnect();
  });

  it("talks while the global shortcut is held, and stops when disconnected mid-press", () => {
    const { bridge, shortcut, connected } = fakeBridge();
    const ptt = new PushToTalk(immediate);
    const disconnect = connectDesktopPushToTalk(bridge, ptt, new VoiceSettingsStore(null), true, recorder());
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

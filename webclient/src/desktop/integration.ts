// What the web client tells the desktop app (badge, tray) and takes from it
// (deep links, resume from sleep). Each hook does nothing in a browser (no bridge).
import { useEffect } from "react";
import { acceleratorFor, type PushToTalk } from "../voice/pushToTalk";
import type { VoiceSettingsStore } from "../voice/settings";
import { desktopBridge, type DesktopBridge } from "./bridge";

/** All unread messages, for the badge. */
export const unreadTotal = (unread: Record<string, number>) => Object.values(unread).reduce((sum, n) => sum + n, 0);

/** Badge (unread messages and notifications) and reconnect on resume; OS notifications go
 * through the notification center's alerts (notifications/useNotifications.ts). */
export function useDesktopWorkspace(unread: Record<string, number>, unreadNotifications: number, reconnect: () => void): void {
  const bridge = desktopBridge();
  const total = unreadTotal(unread) + unreadNotifications;
  // A block body: an effect must not return what the bridge returns (React would call it).
  useEffect(() => { bridge?.setUnreadCount(total); }, [bridge, total]);
  // Signed out (or the account deleted): no badge left for someone else's unread count.
  useEffect(() => () => bridge?.setUnreadCount(0), [bridge]);
  useEffect(() => bridge?.onResume(reconnect), [bridge, reconnect]);
}

/** peershare://invite/<code> opened while the app runs: go there inside the page. */
export function useDesktopDeepLinks(navigate: (path: string) => void): void {
  useEffect(() => desktopBridge()?.onDeepLink(navigate), [navigate]);
}

/** Where the page's push-to-talk key works: "focus" (only while the page has focus: browser,
 * not in a call, or not push-to-talk), "global" (the app's shortcut) or "refused" (the app or
 * the OS would not take the key as a global shortcut; it works with focus only). */
export type PushToTalkReach = "focus" | "global" | "refused";

/** The reach the voice panel shows (one page, one shortcut). */
export const pushToTalkReach = {
  current: "focus" as PushToTalkReach,
  listeners: new Set<() => void>(),
  get(): PushToTalkReach {
    return this.current;
  },
  set(reach: PushToTalkReach): void {
    if (reach === this.current) return;
    this.current = reach;
    for (const listener of this.listeners) listener();
  },
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },
};

/** The app's global push-to-talk shortcut drives the page's push-to-talk controller, and follows
 * the key chosen in the voice settings. It is registered only while in a call and push-to-talk
 * is the input mode: outside a call it would swallow the key in every other app for nothing.
 * Returns the disconnect, which gives the shortcut back. */
export function connectDesktopPushToTalk(bridge: DesktopBridge, controller: PushToTalk, settings: VoiceSettingsStore,
  inCall: boolean, reach: { set(reach: PushToTalkReach): void } = pushToTalkReach): () => void {
  let latest = 0;
  const register = () => {
    const { mode, pttKey } = settings.get();
    const wanted = inCall && mode === "ptt";
    const accelerator = wanted ? acceleratorFor(pttKey) : null;
    const attempt = ++latest;
    void bridge.setPushToTalkKey(accelerator).then((ok) => {
      if (attempt !== latest) return; // a later setting answered meanwhile
      // A wanted key with no accelerator name counts as refused too.
      reach.set(!wanted ? "focus" : ok && accelerator !== null ? "global" : "refused");
    });
  };
  register();
  const offs = [
    settings.subscribe(register),
    bridge.onPushToTalk((pressed) => (pressed ? controller.press() : controller.release())),
  ];
  return () => {
    offs.forEach((off) => off());
    latest++;
    void bridge.setPushToTalkKey(null);
    reach.set("focus");
    controller.release();
  };
}

export function useDesktopPushToTalk(controller: PushToTalk, settings: VoiceSettingsStore, inCall: boolean): void {
  useEffect(() => {
    const bridge = desktopBridge();
    return bridge ? connectDesktopPushToTalk(bridge, controller, settings, inCall) : undefined;
  }, [controller, settings, inCall]);
}

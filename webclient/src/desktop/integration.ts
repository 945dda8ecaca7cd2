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
  useEffect(() => bridge?.onResume(reconnect), [bridge, reconnect]);
}

/** peershare://invite/<code> opened while the app runs: go there inside the page. */
export function useDesktopDeepLinks(navigate: (path: string) => void): void {
  useEffect(() => desktopBridge()?.onDeepLink(navigate), [navigate]);
}

/** The app's global push-to-talk shortcut drives the page's push-to-talk controller, and follows
 * the key chosen in the voice settings (registered only while push-to-talk is the input mode).
 * Returns the disconnect. */
export function connectDesktopPushToTalk(bridge: DesktopBridge, controller: PushToTalk, settings: VoiceSettingsStore): () => void {
  const register = () => {
    const { mode, pttKey } = settings.get();
    const accelerator = mode === "ptt" ? acceleratorFor(pttKey) : null;
    void bridge.setPushToTalkKey(accelerator).then((ok) => {
      if (!ok && accelerator) console.warn(`the system refused ${accelerator} as a global shortcut`);
    });
  };
  register();
  const offs = [
    settings.subscribe(register),
    bridge.onPushToTalk((pressed) => (pressed ? controller.press() : controller.release())),
  ];
  return () => {
    offs.forEach((off) => off());
    controller.release();
  };
}

export function useDesktopPushToTalk(controller: PushToTalk, settings: VoiceSettingsStore): void {
  useEffect(() => {
    const bridge = desktopBridge();
    return bridge ? connectDesktopPushToTalk(bridge, controller, settings) : undefined;
  }, [controller, settings]);
}

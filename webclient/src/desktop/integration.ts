// What the web client tells the desktop app (badge, OS notifications, tray) and takes from it
// (deep links, resume from sleep). Each hook does nothing in a browser (no bridge).
import { useEffect, useRef } from "react";
import type { Notification } from "../api/protocol.gen";
import { desktopBridge } from "./bridge";

/** All unread messages, for the badge. */
export const unreadTotal = (unread: Record<string, number>) => Object.values(unread).reduce((sum, n) => sum + n, 0);

/** The notifications in `next` that were not in `previous` (the store puts new ones first). */
export function newNotifications(previous: readonly Notification[], next: readonly Notification[]): Notification[] {
  const seen = previous[0] ? next.indexOf(previous[0]) : next.length;
  return next.slice(0, seen === -1 ? next.length : seen);
}

const TITLES: Record<Notification["kind"], string> = {
  mention: "You were mentioned",
  call_started: "A call started",
  group_invite: "You are invited to a group",
  recording_ready: "A recording is ready",
  recording_failed: "A recording failed",
};

/** Badge, OS notifications (only while the window is not in front) and reconnect on resume. */
export function useDesktopWorkspace(unread: Record<string, number>, notifications: Notification[], reconnect: () => void): void {
  const bridge = desktopBridge();
  const total = unreadTotal(unread);
  // A block body: an effect must not return what the bridge returns (React would call it).
  useEffect(() => { bridge?.setUnreadCount(total); }, [bridge, total]);
  const shown = useRef(notifications);
  useEffect(() => {
    const fresh = newNotifications(shown.current, notifications);
    shown.current = notifications;
    if (!bridge || document.hasFocus()) return;
    for (const n of fresh.reverse()) bridge.notify({ title: TITLES[n.kind], body: n.text, tag: n.kind });
  }, [bridge, notifications]);
  useEffect(() => bridge?.onResume(reconnect), [bridge, reconnect]);
}

/** peershare://invite/<code> opened while the app runs: go there inside the page. */
export function useDesktopDeepLinks(navigate: (path: string) => void): void {
  useEffect(() => desktopBridge()?.onDeepLink(navigate), [navigate]);
}

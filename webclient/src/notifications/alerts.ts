// When a notification becomes a browser (desktop) notification, and when to offer them: the
// permission is asked for only from an explicit button, never on load.
import type { Notification as NotificationPush } from "../api/protocol.gen";

export type MyStatus = "online" | "idle" | "dnd" | "invisible";

/** The Notifications API's permission, or "unsupported" where the browser has none. */
export type DesktopPermission = NotificationPermission | "unsupported";

export function desktopPermission(): DesktopPermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** What the center says about the browser's notification permission: offer the "Enable desktop
 * notifications" button while the browser has not been asked, say they are blocked when refused;
 * nothing in the desktop app, which notifies through the OS (desktop/integration.ts). */
export function desktopNotificationsPrompt(permission: DesktopPermission, inDesktopApp: boolean): "offer" | "blocked" | null {
  if (inDesktopApp) return null;
  if (permission === "default") return "offer";
  return permission === "denied" ? "blocked" : null;
}

/** Only for a tab out of sight, with permission, for a notification that alerts (the server sets
 * `alert` false while I am "do not disturb"; my own status is checked too, as it may have
 * changed on this device a moment ago). */
export function shouldRaiseDesktopAlert(push: NotificationPush, context: {
  hidden: boolean; permission: DesktopPermission; myStatus: MyStatus;
}): boolean {
  return push.alert && !push.muted && !push.read && context.myStatus !== "dnd" && context.hidden
    && context.permission === "granted";
}

// Keeps the notification center loaded (its first page at every welcome, so a reconnect shows
// what came meanwhile) and raises a desktop notification for a live one when the tab is out of
// sight, through the desktop app's OS notifications when it runs there (see alerts.ts for when).
import { useEffect, useRef, type Dispatch, type RefObject } from "react";
import type { Gateway } from "../api/gateway";
import type { NotificationOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import type { Action, State } from "../state/store";
import { nameOf } from "../ui/Workspace";
import { desktopBridge } from "../desktop/bridge";
import { desktopPermission, shouldRaiseDesktopAlert } from "./alerts";
import { describe, type Names } from "./wording";

export function namesIn(state: State): Names {
  return { person: (id) => nameOf(state, id), channel: (id) => state.channels[id]?.name ?? null };
}

export function useNotifications({ rest, gateway, dispatch, stateRef, onActivate }: {
  rest: Rest; gateway: Gateway; dispatch: Dispatch<Action>; stateRef: RefObject<State>;
  /** A desktop notification was clicked: go where it points. */
  onActivate: (notification: NotificationOut) => void;
}): void {
  const activate = useRef(onActivate);
  activate.current = onActivate;
  useEffect(() => {
    const load = () => rest.notifications()
      .then((page) => dispatch({ type: "notifications_page", page, older: false }))
      .catch((error) => console.warn("notifications not loaded", error));
    const offs = [
      gateway.onWelcome(() => void load()),
      gateway.onPush((push) => {
        if (push.type !== "notification") return;
        const state = stateRef.current;
        const myStatus = state.myStatus.status;
        // The desktop app notifies through the OS (no browser permission; "not in front" rather than "hidden").
        const bridge = desktopBridge();
        const context = bridge
          ? { hidden: !document.hasFocus(), permission: "granted" as const, myStatus }
          : { hidden: document.hidden, permission: desktopPermission(), myStatus };
        if (!shouldRaiseDesktopAlert(push, context)) return;
        const { type: _type, alert: _alert, ...stored } = push;
        const body = describe(stored, namesIn(state));
        if (bridge) return bridge.notify({ title: "PeerShare", body, tag: push.id });
        const desktop = new Notification("PeerShare", { body, tag: push.id });
        desktop.onclick = () => {
          window.focus();
          desktop.close();
          activate.current(stored);
        };
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [rest, gateway, dispatch, stateRef]);
}

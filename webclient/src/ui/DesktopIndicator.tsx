// In a call in the desktop app: says that the global push-to-talk key is held, and keeps the
// tray icon's mute state in step with the call. Renders nothing in a browser.
import { useEffect, useMemo, useState } from "react";
import { desktopBridge } from "../desktop/bridge";

export function DesktopIndicator({ muted }: { muted: boolean }) {
  const bridge = useMemo(desktopBridge, []);
  const [talking, setTalking] = useState(false);
  useEffect(() => bridge?.onPushToTalk(setTalking), [bridge]);
  // Block bodies: an effect must not return what the bridge returns (React would call it).
  useEffect(() => { bridge?.setMuteState({ muted, inCall: true }); }, [bridge, muted]);
  useEffect(() => () => { bridge?.setMuteState({ muted: false, inCall: false }); }, [bridge]);
  if (!bridge) return null;
  return (
    <span className={`desktop-indicator ${talking ? "talking" : ""}`} data-testid="desktop-indicator" role="status">
      {talking ? "Push-to-talk: talking" : "Desktop app"}
    </span>
  );
}

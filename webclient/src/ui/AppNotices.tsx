// Notices over every screen: "You are offline" while the browser has no network, and the prompt
// to reload into a new version once its service worker is ready.
import { useSyncExternalStore } from "react";
import type { Connectivity } from "../pwa/connectivity";
import type { UpdateWatch } from "../pwa/updates";

export function OfflineBanner({ connectivity }: { connectivity: Connectivity }) {
  const state = useSyncExternalStore((changed) => connectivity.subscribe(changed), () => connectivity.state);
  if (state === "online") return null;
  return (
    <div className="offline-banner" role="status">
      <strong>You are offline.</strong> PeerShare reconnects when the network is back.
    </div>
  );
}

export function UpdatePrompt({ updates }: { updates: UpdateWatch }) {
  const state = useSyncExternalStore((changed) => updates.subscribe(changed), () => updates.state);
  if (state === "current") return null;
  return (
    <div className="update-prompt" role="status">
      <span>A new version is available</span>
      <button onClick={() => updates.apply()} disabled={state === "applying"}>Reload</button>
    </div>
  );
}

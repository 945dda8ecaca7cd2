// Registers the service worker in the built app (the dev server has none) and feeds its update
// events to the prompt.
import type { Connectivity } from "./connectivity";
import { UpdateWatch } from "./updates";

const HOURLY = 60 * 60 * 1000;

export function registerServiceWorker(connectivity: Connectivity): UpdateWatch | null {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return null;
  const container = navigator.serviceWorker;
  const updates = new UpdateWatch(container, () => location.reload());
  container.register("/sw.js", { scope: "/" }).then((registration) => {
    updates.watch(registration);
    // An app left open never navigates, so it asks for a new release itself: hourly, and when
    // the network comes back.
    const check = () => registration.update().catch((error: unknown) => console.warn("service worker update check failed", error));
    setInterval(check, HOURLY);
    connectivity.subscribe((state) => { if (state === "online") void check(); });
  }).catch((error: unknown) => console.error("service worker registration failed", error));
  return updates;
}

// How the workspace reaches the activity page: its header button's icon, and the page itself
// loaded on first open (it brings Chart.js, which the rest of the app does without).
import { lazy } from "react";

/** A small bar chart, hidden from screen readers (the button is labelled). */
export function ActivityIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M2 14h12v1.5H2zM3 8h2.5v5H3zM7 4h2.5v9H7zM11 10h2.5v3H11z" />
    </svg>
  );
}

function NotLoaded() {
  return (
    <section className="settings" role="alert">
      <p className="error">The activity page could not be loaded (the connection may have dropped, or PeerShare was updated).</p>
      <button onClick={() => location.reload()}>Reload</button>
    </section>
  );
}

export const Activity = lazy(() => import("./Activity").then(
  (m) => ({ default: m.Activity }),
  (error: unknown) => {
    console.warn("activity page not loaded", error);
    return { default: NotLoaded };
  },
));

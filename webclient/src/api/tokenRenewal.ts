// Keeps the sign-in alive without the user noticing: the token pair is refreshed at 80 % of the
// access token's lifetime, and every new access token is handed to the open socket in-band
// (`authenticate`), so the server never closes it for expiry. If that fails, the gateway
// reconnects with the fresh token instead.
import type { Gateway } from "./gateway";
import type { Rest, Tokens } from "./rest";

export const RENEW_AT_FRACTION = 0.8;
/** After a refresh that failed for want of a network (not refused), try again this much later. */
export const RETRY_MS = 30_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long from `now` until the pair should be renewed; 0 when its lifetime is unknown. */
export function renewalDelayMs(tokens: Tokens, now: number): number {
  if (tokens.expires_at === undefined || tokens.received_at === undefined) return 0;
  const at = tokens.received_at + RENEW_AT_FRACTION * (tokens.expires_at - tokens.received_at);
  return Math.min(MAX_TIMER_MS, Math.max(0, at - now));
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Starts renewing; the returned function stops it. */
export function keepSessionFresh(
  rest: Pick<Rest, "current" | "onTokens" | "refresh">,
  gateway: Pick<Gateway, "status" | "request" | "reconnect">,
  clock: Clock = browserClock,
): () => void {
  let timer: unknown = null;
  const schedule = (delay: number) => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = null;
      void rest.refresh().then((fresh) => {
        if (!fresh && rest.current) schedule(RETRY_MS);
      });
    }, delay);
  };
  const onTokens = (tokens: Tokens | null) => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    if (!tokens) return;
    schedule(renewalDelayMs(tokens, clock.now()));
    // A socket that is (re)connecting says hello with the current token anyway.
    if (gateway.status === "connected") {
      gateway.request({ type: "authenticate", token: tokens.access_token }).catch(() => gateway.reconnect());
    }
  };
  const off = rest.onTokens(onTokens);
  const tokens = rest.current;
  if (tokens) schedule(renewalDelayMs(tokens, clock.now()));
  return () => {
    off();
    if (timer !== null) clock.clearTimeout(timer);
  };
}

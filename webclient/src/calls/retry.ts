// Timing of a call's retries and renewals. Exponential backoff for ICE restarts: 1 s, 2 s, 4 s … capped at 16 s.
export function iceRestartDelayMs(attempt: number): number {
  return Math.min(16_000, 1_000 * 2 ** attempt);
}

/** Waits until `check` holds, polling; resolves false at the timeout. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}

/** Video frames decoded so far, over every inbound stream of a peer connection or transport. */
export function framesDecoded(stats: RTCStatsReport): number {
  let frames = 0;
  stats.forEach((entry: { type: string; kind?: string; framesDecoded?: number }) => {
    if (entry.type === "inbound-rtp" && entry.kind === "video") frames += entry.framesDecoded ?? 0;
  });
  return frames;
}

/** Renew something that expires (TURN credentials, a recording's play link) 2 minutes before it
 * does, or, when that leaves too little of a short lifetime, at 80 % of what is left; null when it
 * does not expire. */
export const RENEW_BEFORE_MS = 120_000;
export function renewalDelayMs(expiresAt: string | null, now: number): number | null {
  if (!expiresAt) return null;
  const left = Date.parse(expiresAt) - now;
  return Math.max(0, left - RENEW_BEFORE_MS, 0.8 * left);
}

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, memoryTokenStore, welcomeFrame } from "../testing/fakes";
import { Gateway } from "./gateway";
import { ApiError, Rest } from "./rest";
import { keepSessionFresh, renewalDelayMs, RETRY_MS } from "./tokenRenewal";

const LIFETIME_S = 600;
type Answer = { status: number; body?: unknown };

/** fetch answering from a queue per path, recording what was asked. */
function fakeFetch(answers: Record<string, Answer[]>) {
  const calls: string[] = [];
  const fetch = vi.fn(async (url: string) => {
    calls.push(url);
    const answer = answers[url]?.shift() ?? { status: 500, body: {} };
    return { status: answer.status, ok: answer.status < 400, statusText: "", json: async () => answer.body ?? {} };
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

const pair = (n: number) => ({ status: 200, body: {
  access_token: `a${n}`, refresh_token: `r${n}`, token_type: "bearer", expires_in: LIFETIME_S, user: {},
} });
const revoked: Answer = { status: 401, body: { error: { code: "session_revoked", message: "signed out elsewhere" } } };

async function signedInAndConnected() {
  const rest = new Rest(memoryTokenStore());
  const signedOut = vi.fn();
  rest.onSignedOut = signedOut;
  rest.setTokens({ access_token: "a1", refresh_token: "r1", expires_in: LIFETIME_S });
  const sockets: FakeSocket[] = [];
  const gateway = new Gateway({
    url: "ws://test/ws", token: (stale) => rest.accessToken(stale),
    connect: () => { const s = new FakeSocket(); sockets.push(s); return s; },
    backoffMs: () => 0,
  });
  gateway.start();
  await vi.advanceTimersByTimeAsync(0);
  sockets[0].onopen?.({});
  sockets[0].receive(welcomeFrame);
  const stop = keepSessionFresh(rest, gateway);
  return { rest, gateway, sockets, signedOut, stop };
}

describe("token renewal", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

  it("renews at 80 % of the lifetime, or at once when the lifetime is unknown", () => {
    expect(renewalDelayMs({ access_token: "", refresh_token: "", received_at: 1000, expires_at: 11_000 }, 1000)).toBe(8000);
    expect(renewalDelayMs({ access_token: "", refresh_token: "", received_at: 1000, expires_at: 11_000 }, 5000)).toBe(4000);
    expect(renewalDelayMs({ access_token: "", refresh_token: "", received_at: 1000, expires_at: 11_000 }, 20_000)).toBe(0);
    expect(renewalDelayMs({ access_token: "", refresh_token: "" }, 0)).toBe(0);
  });

  it("refreshes before expiry and re-authenticates the open socket in-band, keeping it", async () => {
    const calls = fakeFetch({ "/api/auth/refresh": [pair(2), pair(3)] });
    const { sockets, gateway, stop } = await signedInAndConnected();
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 800 - 1);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["/api/auth/refresh"]);
    const auth = sockets[0].lastSent("authenticate");
    expect(auth.token).toBe("a2");
    sockets[0].receive({ type: "ok", id: auth.id, data: null });
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(1);
    expect(sockets[0].closedWith).toBeNull();
    expect(gateway.status).toBe("connected");
    // The next renewal follows the new pair's lifetime.
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 800);
    expect(sockets[0].lastSent("authenticate").token).toBe("a3");
    stop();
  });

  it("reconnects with the fresh token when the in-band re-authentication is refused", async () => {
    fakeFetch({ "/api/auth/refresh": [pair(2)] });
    const { sockets, stop } = await signedInAndConnected();
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 800);
    const auth = sockets[0].lastSent("authenticate");
    sockets[0].receive({ type: "error", id: auth.id, code: "auth_failed", message: "no" });
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets[0].closedWith).toBe(1000);
    expect(sockets).toHaveLength(2);
    sockets[1].onopen?.({});
    expect(sockets[1].sent[0]).toEqual({ type: "hello", token: "a2" });
    stop();
  });

  it("signs out once, without looping, when the refresh says the sign-in was revoked", async () => {
    const calls = fakeFetch({ "/api/auth/refresh": [revoked] });
    const { rest, signedOut, stop } = await signedInAndConnected();
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 800);
    expect(rest.signedIn).toBe(false);
    expect(signedOut).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 10_000);
    expect(calls).toEqual(["/api/auth/refresh"]);
    stop();
  });

  it("tries again later when the refresh could not reach the server", async () => {
    const calls = fakeFetch({ "/api/auth/refresh": [{ status: 503 }, pair(2)] });
    const { rest, sockets, stop } = await signedInAndConnected();
    await vi.advanceTimersByTimeAsync(LIFETIME_S * 800);
    expect(rest.signedIn).toBe(true);
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(calls).toHaveLength(2);
    expect(sockets[0].lastSent("authenticate").token).toBe("a2");
    stop();
  });
});

describe("REST and a revoked sign-in", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("signs out on 401 session_revoked without trying to refresh", async () => {
    const calls = fakeFetch({ "/api/me": [revoked] });
    const rest = new Rest(memoryTokenStore({ access_token: "a1", refresh_token: "r1" }));
    const signedOut = vi.fn();
    rest.onSignedOut = signedOut;
    await expect(rest.me()).rejects.toEqual(new ApiError(401, "session_revoked", "signed out elsewhere"));
    expect(calls).toEqual(["/api/me"]);
    expect(rest.signedIn).toBe(false);
    expect(signedOut).toHaveBeenCalledTimes(1);
  });

  it("refreshes once on another 401 and retries the request with the new token", async () => {
    const calls = fakeFetch({
      "/api/me": [{ status: 401, body: { error: { code: "token_expired" } } }, { status: 200, body: { id: "u" } }],
      "/api/auth/refresh": [pair(2)],
    });
    const rest = new Rest(memoryTokenStore({ access_token: "a1", refresh_token: "r1" }));
    await expect(rest.me()).resolves.toEqual({ id: "u" });
    expect(calls).toEqual(["/api/me", "/api/auth/refresh", "/api/me"]);
    expect(rest.current?.access_token).toBe("a2");
  });
});

describe("two tabs of one browser", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("a tab whose pair another tab already renewed takes that pair instead of spending the old token again", async () => {
    const calls = fakeFetch({ "/api/auth/refresh": [pair(2)] });
    const shared = memoryTokenStore({ access_token: "a1", refresh_token: "r1" });
    const first = new Rest(shared);
    const second = new Rest(shared);
    await first.refresh();
    await second.refresh();
    expect(calls).toEqual(["/api/auth/refresh"]);
    expect(second.current?.refresh_token).toBe("r2");
    expect(second.signedIn).toBe(true);
  });

  it("refreshes one tab at a time when the browser has Web Locks", async () => {
    const calls = fakeFetch({ "/api/auth/refresh": [pair(2)] });
    let queue = Promise.resolve<unknown>(undefined);
    vi.stubGlobal("navigator", { locks: { request: (_name: string, run: () => Promise<unknown>) => {
      const turn = queue.then(run);
      queue = turn.catch(() => undefined);
      return turn;
    } } });
    const shared = memoryTokenStore({ access_token: "a1", refresh_token: "r1" });
    const tabs = [new Rest(shared), new Rest(shared)];
    await Promise.all(tabs.map((tab) => tab.refresh()));
    expect(calls).toEqual(["/api/auth/refresh"]);
    expect(tabs.map((tab) => tab.current?.refresh_token)).toEqual(["r2", "r2"]);
  });
});

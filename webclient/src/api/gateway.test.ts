import { describe, expect, it } from "vitest";
import { backoffMs, Gateway, GatewayError } from "./gateway";
import { FakeSocket, welcomeFrame as welcome } from "../testing/fakes";
import { Connectivity } from "../pwa/connectivity";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function harness(network?: Connectivity, token: () => Promise<string | null> = async () => "jwt") {
  const sockets: FakeSocket[] = [];
  const timers: (() => void)[] = [];
  const tokens: boolean[] = [];
  const gateway = new Gateway({
    url: "ws://test/ws",
    token: async (stale) => { tokens.push(stale); return token(); },
    connect: () => { const s = new FakeSocket(); sockets.push(s); return s; },
    backoffMs: (attempt) => attempt,
    setTimer: (fn) => timers.push(fn),
    network,
  });
  return { gateway, sockets, timers, tokens };
}

describe("the gateway", () => {
  it("says hello with the token, then answers each request with its own reply", async () => {
    const { gateway, sockets } = harness();
    gateway.start();
    await flush();
    sockets[0].onopen?.({});
    expect(sockets[0].sent[0]).toEqual({ type: "hello", token: "jwt" });
    sockets[0].receive(welcome);
    expect(gateway.status).toBe("connected");
    const first = gateway.request({ type: "ping" });
    const second = gateway.request({ type: "leave_call" });
    const [a, b] = sockets[0].sent.slice(1) as { id: string }[];
    sockets[0].receive({ type: "error", id: b.id, code: "not_in_call", message: "no" });
    sockets[0].receive({ type: "ok", id: a.id, data: { x: 1 } });
    await expect(first).resolves.toEqual({ x: 1 });
    await expect(second).rejects.toEqual(new GatewayError("not_in_call", "no"));
  });

  it("refuses requests while offline instead of losing them", async () => {
    const { gateway } = harness();
    await expect(gateway.request({ type: "ping" })).rejects.toMatchObject({ code: "offline" });
  });

  it("reconnects after a drop, failing what was pending, with a fresh token after an auth close", async () => {
    const { gateway, sockets, timers, tokens } = harness();
    const statuses: string[] = [];
    gateway.onStatus((s) => statuses.push(s));
    gateway.start();
    await flush();
    sockets[0].receive(welcome);
    const pending = gateway.request({ type: "ping" });
    sockets[0].close(4003);
    await expect(pending).rejects.toMatchObject({ code: "offline" });
    expect(statuses).toEqual(["connected", "reconnecting"]);
    timers.shift()!();
    await flush();
    expect(tokens).toEqual([false, true]);
    sockets[1].receive(welcome);
    expect(gateway.status).toBe("connected");
  });

  it("takes an array message as its frames, in order", async () => {
    const { gateway, sockets } = harness();
    const pushes: string[] = [];
    gateway.onPush((p) => pushes.push(p.type));
    gateway.start();
    await flush();
    sockets[0].receive(welcome);
    const pending = gateway.request({ type: "ping" });
    const { id } = sockets[0].sent.at(-1) as { id: string };
    sockets[0].receive([
      { type: "typing", group_id: "g", channel_id: "c", user_id: "u" },
      { type: "ok", id, data: null },
      { type: "presence", presence: { group_id: "g", user_id: "u", status: "online", status_text: "", voice_channel_id: null } },
    ]);
    await expect(pending).resolves.toEqual({});
    expect(pushes).toEqual(["typing", "presence"]);
  });

  it("pushes reach listeners; a revoked session signs out and stays out", async () => {
    const { gateway, sockets, timers } = harness();
    const pushes: string[] = [];
    gateway.onPush((p) => pushes.push(p.type));
    gateway.start();
    await flush();
    sockets[0].receive(welcome);
    sockets[0].receive({ type: "typing", group_id: "g", channel_id: "c", user_id: "u" });
    sockets[0].close(4004);
    expect(pushes).toEqual(["typing"]);
    expect(gateway.status).toBe("signed_out");
    expect(timers).toHaveLength(0);
  });

  it("backs off exponentially with jitter, capped", () => {
    expect(backoffMs(0, () => 0.5)).toBe(500);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(20, () => 1)).toBe(18000);
    expect(backoffMs(20, () => 0)).toBe(12000);
  });

  it("says offline and tries no socket while the browser is offline, then connects as soon as it is back", async () => {
    const win = new EventTarget();
    let onLine = false;
    const { gateway, sockets, timers } = harness(new Connectivity(() => onLine, win));
    gateway.start();
    await flush();
    expect([gateway.status, sockets.length]).toEqual(["offline", 0]);
    onLine = true;
    win.dispatchEvent(new Event("online"));
    await flush();
    expect(sockets).toHaveLength(1);
    sockets[0].receive(welcome);
    expect(gateway.status).toBe("connected");
    // A drop while offline waits for the network, not for a backoff timer.
    win.dispatchEvent(new Event("offline"));
    sockets[0].close(1006);
    expect([gateway.status, timers.length]).toEqual(["offline", 0]);
    win.dispatchEvent(new Event("online"));
    await flush();
    expect(sockets).toHaveLength(2);
  });

  it("stops waiting for the network when stopped", async () => {
    const win = new EventTarget();
    const { gateway, sockets } = harness(new Connectivity(() => false, win));
    gateway.start();
    await flush();
    gateway.stop();
    win.dispatchEvent(new Event("online"));
    await flush();
    expect(sockets).toHaveLength(0);
  });

  it("retries later when the token cannot be fetched, instead of stalling", async () => {
    let fail = true;
    const { gateway, sockets, timers } = harness(undefined, async () => {
      if (fail) throw new TypeError("Failed to fetch");
      return "jwt";
    });
    gateway.start();
    await flush();
    expect([gateway.status, sockets.length, timers.length]).toEqual(["reconnecting", 0, 1]);
    fail = false;
    timers.shift()!();
    await flush();
    expect(sockets).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../api/gateway";
import { joinFailureReason, watchMedia, type WatchedCall } from "./joinFailures";

class FakeCall implements WatchedCall {
  status = "connected";
  joined = { call_id: "call-1" };
  people: { streams: Record<string, unknown>; sends: { audio: boolean; video: boolean; screen: boolean } }[] = [];
  private listeners = new Set<() => void>();
  remotes() { return this.people; }
  onChange(listener: () => void) { this.listeners.add(listener); return () => this.listeners.delete(listener); }
  change() { for (const l of this.listeners) l(); }
  get watched() { return this.listeners.size; }
}
const sender = (streams: Record<string, unknown> = {}) => ({ streams, sends: { audio: true, video: false, screen: false } });

afterEach(() => vi.useRealTimers());

describe("join failures", () => {
  it("names why a join failed, leaving out what the server refused (it recorded that)", () => {
    expect(joinFailureReason(new DOMException("denied", "NotAllowedError"))).toBe("media_denied");
    expect(joinFailureReason(new DOMException("no camera", "NotFoundError"))).toBe("media_denied");
    expect(joinFailureReason(new GatewayError("permission_denied", "no"))).toBeNull();
    expect(joinFailureReason(new GatewayError("call_time_used", "no"))).toBeNull();
    expect(joinFailureReason(new GatewayError("timeout", "slow"))).toBe("timeout");
    expect(joinFailureReason(new GatewayError("worker_unavailable", "down"))).toBe("worker_error");
    expect(joinFailureReason(new GatewayError("offline", "x"))).toBe("other");
    expect(joinFailureReason(new Error("boom"))).toBe("other");
  });

  it("reports a call whose media never arrives, once, after the deadline from when someone sends", () => {
    vi.useFakeTimers();
    const call = new FakeCall();
    const report = vi.fn();
    watchMedia(call, report, 1000);
    vi.advanceTimersByTime(5000);
    expect(report).not.toHaveBeenCalled(); // alone in the call: nothing to receive
    call.people = [sender()];
    call.change();
    vi.advanceTimersByTime(999);
    expect(report).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(report).toHaveBeenCalledExactlyOnceWith("call-1");
    expect(call.watched).toBe(0);
  });

  it("stops watching once media arrives, or the call ends, without reporting", () => {
    vi.useFakeTimers();
    const call = new FakeCall();
    const report = vi.fn();
    call.people = [sender()];
    watchMedia(call, report, 1000);
    call.people = [sender({ audio: {} })];
    call.change();
    vi.advanceTimersByTime(2000);
    expect(report).not.toHaveBeenCalled();
    expect(call.watched).toBe(0);

    const ended = new FakeCall();
    ended.people = [sender()];
    watchMedia(ended, report, 1000);
    ended.status = "ended";
    ended.change();
    vi.advanceTimersByTime(2000);
    expect(report).not.toHaveBeenCalled();
    expect(ended.watched).toBe(0);
  });

  it("says nothing about a call where nobody else sends anything", () => {
    vi.useFakeTimers();
    const call = new FakeCall();
    call.people = [{ streams: {}, sends: { audio: false, video: false, screen: false } }];
    const report = vi.fn();
    watchMedia(call, report, 1000);
    vi.advanceTimersByTime(5000);
    expect(report).not.toHaveBeenCalled();
  });
});

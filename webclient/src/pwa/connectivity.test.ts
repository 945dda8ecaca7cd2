import { describe, expect, it } from "vitest";
import { Connectivity, type NetworkEvents } from "./connectivity";

class FakeWindow implements NetworkEvents {
  private listeners = new Map<string, Set<() => void>>();
  addEventListener(type: string, listener: () => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: () => void): void {
    this.listeners.get(type)?.delete(listener);
  }
  fire(type: "online" | "offline"): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }
  count(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
}

describe("the network state", () => {
  it("starts from navigator.onLine and follows the online and offline events", () => {
    const win = new FakeWindow();
    const connectivity = new Connectivity(() => false, win);
    const seen: string[] = [];
    connectivity.subscribe((state) => seen.push(state));
    expect(connectivity.state).toBe("offline");
    win.fire("offline");
    win.fire("online");
    win.fire("online");
    win.fire("offline");
    expect(seen).toEqual(["online", "offline"]);
    expect(connectivity.state).toBe("offline");
  });

  it("calls a waiter once, at the next change to online, unless cancelled", () => {
    const win = new FakeWindow();
    const connectivity = new Connectivity(() => false, win);
    let calls = 0;
    let cancelledCalls = 0;
    connectivity.whenOnline(() => calls++);
    const cancel = connectivity.whenOnline(() => cancelledCalls++);
    cancel();
    win.fire("online");
    win.fire("offline");
    win.fire("online");
    expect([calls, cancelledCalls]).toEqual([1, 0]);
  });

  it("lets go of the window's events when disposed", () => {
    const win = new FakeWindow();
    const connectivity = new Connectivity(() => true, win);
    expect(win.count()).toBe(2);
    connectivity.dispose();
    expect(win.count()).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { SKIP_WAITING, UpdateWatch, type ContainerLike, type RegistrationLike, type WorkerLike } from "./updates";

class FakeWorker implements WorkerLike {
  state = "installing";
  messages: unknown[] = [];
  private listeners: (() => void)[] = [];
  postMessage(message: unknown): void { this.messages.push(message); }
  addEventListener(_type: "statechange", listener: () => void): void { this.listeners.push(listener); }
  become(state: string): void { this.state = state; this.listeners.forEach((l) => l()); }
}

class FakeRegistration implements RegistrationLike {
  waiting: FakeWorker | null = null;
  installing: FakeWorker | null = null;
  private listeners: (() => void)[] = [];
  addEventListener(_type: "updatefound", listener: () => void): void { this.listeners.push(listener); }
  found(worker: FakeWorker): void { this.installing = worker; this.listeners.forEach((l) => l()); }
}

class FakeContainer implements ContainerLike {
  private listeners: (() => void)[] = [];
  constructor(public controller: unknown) {}
  addEventListener(_type: "controllerchange", listener: () => void): void { this.listeners.push(listener); }
  change(controller: unknown): void { this.controller = controller; this.listeners.forEach((l) => l()); }
}

function harness(controller: unknown) {
  const container = new FakeContainer(controller);
  const registration = new FakeRegistration();
  let reloads = 0;
  const updates = new UpdateWatch(container, () => reloads++);
  updates.watch(registration);
  return { container, registration, updates, reloads: () => reloads };
}

describe("the update prompt", () => {
  it("offers a new version once its worker is installed, and reloads only after the user asks and it took over", () => {
    const { container, registration, updates, reloads } = harness("old worker");
    const next = new FakeWorker();
    registration.found(next);
    expect(updates.state).toBe("current");
    next.become("installed");
    expect(updates.state).toBe("available");
    expect(reloads()).toBe(0);
    updates.apply();
    expect(next.messages).toEqual([SKIP_WAITING]);
    expect([updates.state, reloads()]).toEqual(["applying", 0]);
    container.change(next);
    expect(reloads()).toBe(1);
  });

  it("offers a worker already waiting when the page opens", () => {
    const container = new FakeContainer("old worker");
    const registration = new FakeRegistration();
    registration.waiting = new FakeWorker();
    const updates = new UpdateWatch(container, () => {});
    updates.watch(registration);
    expect(updates.state).toBe("available");
  });

  it("treats the first worker of a first visit as no update", () => {
    const { container, registration, updates, reloads } = harness(null);
    const first = new FakeWorker();
    registration.found(first);
    first.become("installed");
    container.change(first);
    expect([updates.state, reloads()]).toEqual(["current", 0]);
  });

  it("never reloads by itself when another tab switched versions: it offers the reload", () => {
    const { container, updates, reloads } = harness("old worker");
    container.change("new worker");
    expect([updates.state, reloads()]).toEqual(["available", 0]);
    updates.apply();
    expect(reloads()).toBe(1);
  });

  it("ignores Reload when there is nothing to update to", () => {
    const { updates, reloads } = harness("old worker");
    updates.apply();
    expect([updates.state, reloads()]).toEqual(["current", 0]);
  });
});

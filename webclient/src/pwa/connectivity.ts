// Whether the browser has a network, as it says through navigator.onLine and the window's
// online/offline events: the app shows "You are offline" and the gateway waits for `online`
// instead of retrying a socket that cannot open.

export type NetworkState = "online" | "offline";

/** What the gateway needs: the state now, and a call when the network comes back. */
export interface NetworkWatch {
  readonly state: NetworkState;
  /** Calls `fn` once, at the next change to online; returns a function that cancels it. */
  whenOnline(fn: () => void): () => void;
}

export interface NetworkEvents {
  addEventListener(type: "online" | "offline", listener: () => void): void;
  removeEventListener(type: "online" | "offline", listener: () => void): void;
}

export class Connectivity implements NetworkWatch {
  private current: NetworkState;
  private readonly listeners = new Set<(state: NetworkState) => void>();

  constructor(isOnline: () => boolean, private readonly events: NetworkEvents) {
    this.current = isOnline() ? "online" : "offline";
    events.addEventListener("online", this.wentOnline);
    events.addEventListener("offline", this.wentOffline);
  }

  get state(): NetworkState {
    return this.current;
  }

  /** Calls `listener` at each change of state; returns a function that stops it. */
  subscribe(listener: (state: NetworkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  whenOnline(fn: () => void): () => void {
    const off = this.subscribe((state) => {
      if (state !== "online") return;
      off();
      fn();
    });
    return off;
  }

  dispose(): void {
    this.events.removeEventListener("online", this.wentOnline);
    this.events.removeEventListener("offline", this.wentOffline);
    this.listeners.clear();
  }

  private readonly wentOnline = () => this.set("online");
  private readonly wentOffline = () => this.set("offline");

  private set(state: NetworkState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}

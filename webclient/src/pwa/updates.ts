// The update prompt's state: a new build's service worker installed and waiting shows
// "A new version is available — Reload"; the page reloads only when the user asks (never in the
// middle of a call by itself), after that worker has taken over.

export type UpdateState = "current" | "available" | "applying";

export interface WorkerLike {
  readonly state: string;
  postMessage(message: unknown): void;
  addEventListener(type: "statechange", listener: () => void): void;
}

export interface RegistrationLike {
  readonly waiting: WorkerLike | null;
  readonly installing: WorkerLike | null;
  addEventListener(type: "updatefound", listener: () => void): void;
}

export interface ContainerLike {
  readonly controller: unknown;
  addEventListener(type: "controllerchange", listener: () => void): void;
}

/** The message that tells a waiting worker to take over (src/pwa/sw.ts). */
export const SKIP_WAITING = { type: "skip_waiting" } as const;

export class UpdateWatch {
  private current: UpdateState = "current";
  private waiting: WorkerLike | null = null;
  /** Whether a worker controlled this page: on a first visit the first worker's arrival is no update. */
  private controlled: boolean;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly container: ContainerLike, private readonly reload: () => void) {
    this.controlled = container.controller != null;
    container.addEventListener("controllerchange", () => this.controllerChanged());
  }

  get state(): UpdateState {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  watch(registration: RegistrationLike): void {
    if (registration.waiting) this.found(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const installing = registration.installing;
      if (!installing) return;
      installing.addEventListener("statechange", () => {
        if (installing.state === "installed") this.found(installing);
      });
    });
  }

  /** The user's "Reload": the waiting worker takes over, then the page reloads. */
  apply(): void {
    if (this.current !== "available") return;
    this.set("applying");
    // Another tab may already have switched workers: then only the reload is left.
    if (this.waiting) this.waiting.postMessage(SKIP_WAITING);
    else this.reload();
  }

  private found(worker: WorkerLike): void {
    if (this.container.controller == null) return;
    this.waiting = worker;
    this.set("available");
  }

  private controllerChanged(): void {
    if (this.current === "applying") {
      this.reload();
      return;
    }
    // Another tab took the new version: this page still runs the old code, so it is offered the
    // reload, never forced into it.
    if (this.controlled) {
      this.waiting = null;
      this.set("available");
    }
    this.controlled = true;
  }

  private set(state: UpdateState): void {
    this.current = state;
    for (const listener of [...this.listeners]) listener();
  }
}

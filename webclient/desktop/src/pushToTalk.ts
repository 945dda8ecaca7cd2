// The global push-to-talk shortcut. Electron's globalShortcut reports key presses only, never
// releases, so a release is inferred: while a key is held the OS repeats the press (auto-repeat,
// every ~30–50 ms after an initial delay of ~250–660 ms); when no press has come for
// `releaseAfterMs` the key counts as let go.
//
// - "hold": talk while the key is held. Ends up to `releaseAfterMs` after the key is let go, and
//   only works where the OS delivers auto-repeat to the shortcut; where it does not, a held key
//   talks for `releaseAfterMs` only.
// - "toggle": each press (a burst of repeats counts once) starts or stops talking. Exact
//   everywhere, at the price of a second press.

export type PttMode = "hold" | "toggle";

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Longer than common initial auto-repeat delays (Windows 250–1000 ms, default ~500; X11 660). */
export const DEFAULT_RELEASE_AFTER_MS = 700;

export class PushToTalk {
  private talking = false;
  private burst: unknown = null;

  constructor(
    private mode: PttMode,
    private readonly onChange: (pressed: boolean) => void,
    private readonly releaseAfterMs = DEFAULT_RELEASE_AFTER_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  get pressed(): boolean {
    return this.talking;
  }

  /** The shortcut fired: a new press or an auto-repeat of a held one. */
  keyDown(): void {
    const repeat = this.burst !== null;
    if (repeat) this.timers.clear(this.burst);
    this.burst = this.timers.set(() => this.burstEnded(), this.releaseAfterMs);
    if (repeat) return;
    this.set(this.mode === "hold" ? true : !this.talking);
  }

  /** Stop talking now (shortcut removed, mode changed, call left). */
  reset(): void {
    if (this.burst !== null) this.timers.clear(this.burst);
    this.burst = null;
    this.set(false);
  }

  setMode(mode: PttMode): void {
    this.reset();
    this.mode = mode;
  }

  private burstEnded(): void {
    this.burst = null;
    if (this.mode === "hold") this.set(false);
  }

  private set(pressed: boolean): void {
    if (pressed === this.talking) return;
    this.talking = pressed;
    this.onChange(pressed);
  }
}

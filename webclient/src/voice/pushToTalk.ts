// Push-to-talk: the microphone sends while a key is held. In the browser the key counts while
// the page has focus (keyboard binding below); the desktop app's global shortcut calls
// press()/release() from its bridge. Several holders may press at once (the page key and the
// global shortcut): it talks while any holds. Release keeps the mic open a moment longer, so
// the end of the last word is not cut.

export const RELEASE_TAIL_MS = 150;

type Holder = "key" | "external";

interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class PushToTalk {
  private held = new Set<Holder>();
  private talking = false;
  private tail: unknown = null;
  private listeners = new Set<(talking: boolean) => void>();

  constructor(private readonly timers: Timers = REAL_TIMERS) {}

  get isTalking(): boolean {
    return this.talking;
  }

  onChange(listener: (talking: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The desktop bridge's global shortcut went down. */
  press(holder: Holder = "external"): void {
    this.held.add(holder);
    if (this.tail !== null) this.timers.clear(this.tail);
    this.tail = null;
    this.set(true);
  }

  /** ...and up. */
  release(holder: Holder = "external"): void {
    if (!this.held.delete(holder) || this.held.size > 0 || this.tail !== null) return;
    this.tail = this.timers.set(() => {
      this.tail = null;
      this.set(false);
    }, RELEASE_TAIL_MS);
  }

  /** `holder` let go with no tail (the page lost focus: its key-up will never come). The other
   * holder (the desktop app's global shortcut, which works unfocused) keeps talking. */
  drop(holder: Holder): void {
    if (!this.held.delete(holder) || this.held.size > 0) return;
    if (this.tail !== null) this.timers.clear(this.tail);
    this.tail = null;
    this.set(false);
  }

  /** Everything let go at once, with no tail (the call ended). */
  releaseAll(): void {
    this.held.clear();
    if (this.tail !== null) this.timers.clear(this.tail);
    this.tail = null;
    this.set(false);
  }

  private set(talking: boolean): void {
    if (talking === this.talking) return;
    this.talking = talking;
    for (const listener of this.listeners) listener(talking);
  }

  /** Holds while the key `code()` names is held in `target` (the window), except while typing
   * in a field; `code()` is null while push-to-talk is not in use. */
  bindKeyboard(target: Window, code: () => string | null): () => void {
    const down = (event: KeyboardEvent) => {
      if (event.code !== code() || isTyping(event.target)) return;
      event.preventDefault();
      if (!event.repeat) this.press("key");
    };
    const up = (event: KeyboardEvent) => {
      if (event.code === code()) this.release("key");
    };
    const blur = () => this.drop("key");
    target.addEventListener("keydown", down);
    target.addEventListener("keyup", up);
    target.addEventListener("blur", blur);
    return () => {
      target.removeEventListener("keydown", down);
      target.removeEventListener("keyup", up);
      target.removeEventListener("blur", blur);
      this.release("key");
    };
  }
}

/** The page's controller: the keyboard binding (Workspace) and the desktop bridge's global
 * shortcut (bridge.onPushToTalk → press/release) both drive this one. */
export const pushToTalk = new PushToTalk();

/** An Electron accelerator for a KeyboardEvent.code, for the desktop app's global shortcut
 * (bridge.setPushToTalkKey); null for a key it has no name for. */
export function acceleratorFor(code: string): string | null {
  const named: Record<string, string> = {
    Backquote: "`", Minus: "-", Equal: "=", BracketLeft: "[", BracketRight: "]", Backslash: "\\", Semicolon: ";",
    Quote: "'", Comma: ",", Period: ".", Slash: "/", Space: "Space", Tab: "Tab", CapsLock: "Capslock",
    ControlLeft: "Control", ControlRight: "Control", ShiftLeft: "Shift", ShiftRight: "Shift", AltLeft: "Alt", AltRight: "Alt",
  };
  if (named[code]) return named[code];
  const match = /^(?:Key([A-Z])|Digit([0-9])|(F(?:[1-9]|1[0-9]|2[0-4])))$/.exec(code);
  return match ? match[1] ?? match[2] ?? match[3] : null;
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!element && (element.tagName === "INPUT" || element.tagName === "TEXTAREA" || element.tagName === "SELECT" || element.isContentEditable === true);
}

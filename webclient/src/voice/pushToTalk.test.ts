import { describe, expect, it } from "vitest";
import { acceleratorFor, PushToTalk, RELEASE_TAIL_MS } from "./pushToTalk";

class FakeTimers {
  now = 0;
  private pending: { at: number; callback: () => void; id: number }[] = [];
  private next = 0;
  set = (callback: () => void, ms: number) => {
    const id = ++this.next;
    this.pending.push({ at: this.now + ms, callback, id });
    return id;
  };
  clear = (handle: unknown) => {
    this.pending = this.pending.filter((p) => p.id !== handle);
  };
  advance(ms: number) {
    this.now += ms;
    const due = this.pending.filter((p) => p.at <= this.now);
    this.pending = this.pending.filter((p) => p.at > this.now);
    for (const p of due) p.callback();
  }
}

/** A window stand-in: key and blur events dispatched to the listeners bindKeyboard adds. */
class FakeWindow extends EventTarget {
  key(type: "keydown" | "keyup", code: string, extra: { repeat?: boolean; target?: object } = {}) {
    const event = Object.assign(new Event(type), { code, repeat: extra.repeat ?? false });
    if (extra.target) Object.defineProperty(event, "target", { value: extra.target });
    this.dispatchEvent(event);
  }
}

function setup() {
  const timers = new FakeTimers();
  const ptt = new PushToTalk(timers);
  const changes: boolean[] = [];
  ptt.onChange((talking) => changes.push(talking));
  return { timers, ptt, changes };
}

describe("push-to-talk", () => {
  it("talks from press until a short tail after release", () => {
    const { timers, ptt, changes } = setup();
    expect(ptt.isTalking).toBe(false);
    ptt.press();
    expect(ptt.isTalking).toBe(true);
    ptt.release();
    timers.advance(RELEASE_TAIL_MS - 1);
    expect(ptt.isTalking).toBe(true);
    timers.advance(1);
    expect(ptt.isTalking).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it("a press within the tail keeps talking without a gap", () => {
    const { timers, ptt, changes } = setup();
    ptt.press();
    ptt.release();
    timers.advance(RELEASE_TAIL_MS / 2);
    ptt.press();
    timers.advance(RELEASE_TAIL_MS * 2);
    expect(ptt.isTalking).toBe(true);
    expect(changes).toEqual([true]);
  });

  it("talks while any holder holds (page key and global shortcut)", () => {
    const { timers, ptt } = setup();
    ptt.press("key");
    ptt.press("external");
    ptt.release("key");
    timers.advance(RELEASE_TAIL_MS * 2);
    expect(ptt.isTalking).toBe(true);
    ptt.release("external");
    timers.advance(RELEASE_TAIL_MS);
    expect(ptt.isTalking).toBe(false);
  });

  it("ignores a release without a press", () => {
    const { timers, ptt, changes } = setup();
    ptt.release();
    timers.advance(RELEASE_TAIL_MS);
    expect(changes).toEqual([]);
  });

  it("binds the configured key, ignores repeats, typing and other keys, and lets go on blur", () => {
    const { timers, ptt, changes } = setup();
    const win = new FakeWindow();
    let code: string | null = "KeyT";
    const unbind = ptt.bindKeyboard(win as unknown as Window, () => code);
    win.key("keydown", "KeyX");
    win.key("keydown", "KeyT", { target: { tagName: "INPUT" } });
    expect(ptt.isTalking).toBe(false);
    win.key("keydown", "KeyT");
    win.key("keydown", "KeyT", { repeat: true });
    expect(ptt.isTalking).toBe(true);
    win.key("keyup", "KeyT");
    timers.advance(RELEASE_TAIL_MS);
    expect(ptt.isTalking).toBe(false);
    win.key("keydown", "KeyT");
    win.dispatchEvent(new Event("blur"));
    expect(ptt.isTalking).toBe(false);
    code = null; // push-to-talk not in use: the key does nothing
    win.key("keydown", "KeyT");
    expect(ptt.isTalking).toBe(false);
    unbind();
    code = "KeyT";
    win.key("keydown", "KeyT");
    expect(ptt.isTalking).toBe(false);
    expect(changes).toEqual([true, false, true, false]);
  });

  it("on blur lets go of the page key only: the global shortcut keeps talking while another app has focus", () => {
    const { ptt } = setup();
    const win = new FakeWindow();
    ptt.bindKeyboard(win as unknown as Window, () => "KeyT");
    ptt.press(); // the desktop app's global shortcut
    win.key("keydown", "KeyT");
    win.dispatchEvent(new Event("blur"));
    expect(ptt.isTalking).toBe(true);
    ptt.releaseAll(); // the call ended
    expect(ptt.isTalking).toBe(false);
  });
});

describe("the desktop shortcut's accelerator", () => {
  it("names letters, digits, function keys and punctuation, and nothing it cannot name", () => {
    expect(acceleratorFor("KeyT")).toBe("T");
    expect(acceleratorFor("Digit5")).toBe("5");
    expect(acceleratorFor("F13")).toBe("F13");
    expect(acceleratorFor("Backquote")).toBe("`");
    expect(acceleratorFor("Space")).toBe("Space");
    expect(acceleratorFor("F25")).toBeNull();
    expect(acceleratorFor("IntlRo")).toBeNull();
  });
});

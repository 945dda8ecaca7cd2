import { describe, expect, it } from "vitest";
import { globalShortcutAllowed } from "./accelerator.js";

describe("the global push-to-talk shortcut policy", () => {
  it("refuses bare keys that are typed elsewhere, and bare modifiers", () => {
    for (const key of ["T", "`", "5", "Space", "Tab", "Capslock", "Control", "Shift", "", "Control+Shift"]) {
      expect(globalShortcutAllowed(key), key).toBe(false);
    }
  });

  it("takes function keys alone and any key with a modifier", () => {
    for (const key of ["F8", "F13", "F24", "Control+T", "Alt+`", "CommandOrControl+Shift+Space"]) {
      expect(globalShortcutAllowed(key), key).toBe(true);
    }
    expect(globalShortcutAllowed("F25")).toBe(false);
    expect(globalShortcutAllowed("Hyper+T")).toBe(false);
  });
});

import { describe, expect, it, vi } from "vitest";
import type { DesktopSource } from "./bridge";
import { answerCapture, moveSelection, openPicker, switchTab, systemAudioAvailable } from "./pickerModel";

const source = (id: string, kind: DesktopSource["kind"]): DesktopSource => ({ id, name: id, kind, thumbnailDataUrl: "data:,", appIconDataUrl: null });
const SOURCES = [source("screen:0", "screen"), source("screen:1", "screen"), ...[1, 2, 3, 4, 5].map((n) => source(`window:${n}`, "window"))];

describe("picker model", () => {
  it("opens on the first screen, or the first window when there is no screen", () => {
    expect(openPicker(SOURCES)).toEqual({ tab: "screen", selected: "screen:0", withAudio: false });
    expect(openPicker(SOURCES.filter((s) => s.kind === "window"))).toMatchObject({ tab: "window", selected: "window:1" });
    expect(openPicker([])).toEqual({ tab: "screen", selected: null, withAudio: false });
  });

  it("switching tabs selects that tab's first source", () => {
    expect(switchTab(openPicker(SOURCES), SOURCES, "window").selected).toBe("window:1");
    expect(switchTab(openPicker(SOURCES), [], "window").selected).toBeNull();
  });

  it("arrow keys move through the grid and stop at its ends", () => {
    const windows = switchTab(openPicker(SOURCES), SOURCES, "window");
    const press = (p: typeof windows, key: string) => moveSelection(p, SOURCES, key, 3)!;
    expect(press(windows, "ArrowRight").selected).toBe("window:2");
    expect(press(windows, "ArrowDown").selected).toBe("window:4");
    expect(press(press(windows, "ArrowDown"), "ArrowDown").selected).toBe("window:5");
    expect(press(windows, "ArrowLeft").selected).toBe("window:1");
    expect(press(windows, "ArrowUp").selected).toBe("window:1");
    expect(press(windows, "End").selected).toBe("window:5");
    expect(press(press(windows, "End"), "Home").selected).toBe("window:1");
    expect(moveSelection(windows, SOURCES, "a", 3)).toBeNull();
    expect(moveSelection(windows, [], "ArrowRight", 3)).toBeNull();
  });

  it("offers system audio on Windows only", () => {
    expect(systemAudioAvailable({ platform: "win32" })).toBe(true);
    expect(systemAudioAvailable({ platform: "darwin" })).toBe(false);
    expect(systemAudioAvailable({ platform: "linux" })).toBe(false);
  });
});

describe("answering the app's capture request", () => {
  it("closes the picker even when the app refuses the choice, and says why in the console", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    let closed = 0;
    const asked: unknown[] = [];
    const refusing = { chooseCaptureSource: (id: string | null, audio: boolean) => { asked.push([id, audio]); return Promise.reject(new Error("gone")); } };
    await expect(answerCapture(refusing, "window:1", false, () => closed++)).resolves.toBeUndefined();
    expect(closed).toBe(1);
    expect(asked).toEqual([["window:1", false]]);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
    await answerCapture({ chooseCaptureSource: async () => {} }, null, false, () => closed++);
    expect(closed).toBe(2);
  });
});

import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, loadSettings, parseSettings, saveSettings } from "./settings.js";

const tmp = () => join(mkdtempSync(join(tmpdir(), "peershare-settings-")), "settings.json");

describe("settings file", () => {
  it("round-trips through the file", () => {
    const path = tmp();
    const settings = {
      servers: [{ origin: "https://a.example.org", name: "A" }], current: "https://a.example.org",
      window: { x: 10, y: 20, width: 900, height: 700, maximized: true }, pushToTalk: { accelerator: "F8", mode: "toggle" as const },
    };
    saveSettings(path, settings);
    expect(loadSettings(path, () => { throw new Error("not corrupt"); })).toEqual(settings);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("starts from defaults without a file, and reports a corrupt one", () => {
    const path = tmp();
    expect(loadSettings(path, () => { throw new Error("no file is not corrupt"); })).toEqual(DEFAULT_SETTINGS);
    writeFileSync(path, "{not json");
    const errors: Error[] = [];
    expect(loadSettings(path, (e) => errors.push(e))).toEqual(DEFAULT_SETTINGS);
    expect(errors).toHaveLength(1);
    expect(readFileSync(path, "utf8")).toBe("{not json");
  });

  it("drops malformed fields one by one", () => {
    const parsed = parseSettings({
      servers: [{ origin: "https://a.example.org/x" }, { origin: "javascript:alert(1)" }, { origin: "https://a.example.org" }, "junk", { origin: "http://evil.example.org" }],
      current: "https://not-listed.example.org",
      window: { x: 1, y: "2", width: 3, height: 4 },
      pushToTalk: { accelerator: 42, mode: "sideways" },
    }, "linux");
    expect(parsed).toEqual({
      servers: [{ origin: "https://a.example.org", name: "a.example.org" }], current: null, window: null,
      pushToTalk: { accelerator: null, mode: "hold" },
    });
    expect(parseSettings([1, 2])).toEqual(DEFAULT_SETTINGS);
  });

  it("defaults push-to-talk to toggle on macOS (no auto-repeat there) and hold elsewhere; a choice stays", () => {
    expect(parseSettings({}, "darwin").pushToTalk.mode).toBe("toggle");
    expect(parseSettings(null, "darwin").pushToTalk.mode).toBe("toggle");
    expect(parseSettings({ pushToTalk: { mode: "sideways" } }, "darwin").pushToTalk.mode).toBe("toggle");
    expect(parseSettings({ pushToTalk: { mode: "hold" } }, "darwin").pushToTalk.mode).toBe("hold");
    expect(parseSettings({}, "linux").pushToTalk.mode).toBe("hold");
    expect(parseSettings({}, "win32").pushToTalk.mode).toBe("hold");
    expect(parseSettings({ pushToTalk: { mode: "toggle" } }, "win32").pushToTalk.mode).toBe("toggle");
  });
});

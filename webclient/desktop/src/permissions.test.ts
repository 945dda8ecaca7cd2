import { describe, expect, it } from "vitest";
import { allowPermission } from "./permissions.js";

const SERVER = "https://chat.example.org";
const ask = (over: Partial<Parameters<typeof allowPermission>[0]>) => ({ permission: "media", origin: `${SERVER}/`, isMainFrame: true, ...over });

describe("permissions", () => {
  it("grants camera, microphone, screen capture and clipboard writes to the server's main frame", () => {
    expect(allowPermission(ask({ permission: "clipboard-sanitized-write" }), SERVER)).toBe(true);
    expect(allowPermission(ask({ permission: "clipboard-sanitized-write", isMainFrame: false }), SERVER)).toBe(false);
    expect(allowPermission(ask({ permission: "clipboard-sanitized-write", origin: "https://evil.example.org/" }), SERVER)).toBe(false);
    expect(allowPermission(ask({ mediaTypes: ["audio", "video"] }), SERVER)).toBe(true);
    expect(allowPermission(ask({ permission: "display-capture" }), SERVER)).toBe(true);
    expect(allowPermission(ask({ origin: SERVER }), SERVER)).toBe(true);
  });

  it("refuses every other permission", () => {
    for (const permission of ["notifications", "geolocation", "clipboard-read", "openExternal", "midiSysex", "hid", "fullscreen", "unknown"]) {
      expect(allowPermission(ask({ permission }), SERVER), permission).toBe(false);
    }
  });

  it("refuses other origins, sub-frames, odd media types and no server", () => {
    expect(allowPermission(ask({ origin: "https://evil.example.org/" }), SERVER)).toBe(false);
    expect(allowPermission(ask({ origin: "http://chat.example.org/" }), SERVER)).toBe(false);
    expect(allowPermission(ask({ origin: "garbage" }), SERVER)).toBe(false);
    expect(allowPermission(ask({ isMainFrame: false }), SERVER)).toBe(false);
    expect(allowPermission(ask({ mediaTypes: ["audio", "midi"] }), SERVER)).toBe(false);
    expect(allowPermission(ask({}), null)).toBe(false);
  });
});

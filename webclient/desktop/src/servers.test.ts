import { describe, expect, it } from "vitest";
import { addServer, normalizeServerUrl, removeServer, selectServer, ServerUrlError } from "./servers.js";
import { DEFAULT_SETTINGS } from "./settings.js";

describe("normalizeServerUrl", () => {
  it("reduces what the user typed to an https origin", () => {
    expect(normalizeServerUrl("  chat.example.org ")).toBe("https://chat.example.org");
    expect(normalizeServerUrl("https://chat.example.org:8443/channels/1?x=1#y")).toBe("https://chat.example.org:8443");
    expect(normalizeServerUrl("HTTPS://Chat.Example.org")).toBe("https://chat.example.org");
  });

  it("allows plain http only for this machine", () => {
    expect(normalizeServerUrl("http://localhost:8080")).toBe("http://localhost:8080");
    expect(normalizeServerUrl("http://127.0.0.1:8080/x")).toBe("http://127.0.0.1:8080");
    expect(() => normalizeServerUrl("http://chat.example.org")).toThrow(/plain http/);
  });

  it("refuses other schemes, credentials and nonsense with a message", () => {
    for (const bad of ["", "file:///etc/passwd", "javascript:alert(1)", "ftp://example.org", "https://user:pw@example.org", "https://exa mple.org"]) {
      expect(() => normalizeServerUrl(bad), bad).toThrow(ServerUrlError);
    }
  });
});

describe("server list", () => {
  it("adds servers once each, opens the one just added, renames on re-add", () => {
    let s = addServer(DEFAULT_SETTINGS, "a.example.org");
    s = addServer(s, "https://b.example.org/", "Work");
    expect(s.servers).toEqual([{ origin: "https://a.example.org", name: "a.example.org" }, { origin: "https://b.example.org", name: "Work" }]);
    expect(s.current).toBe("https://b.example.org");
    s = addServer(s, "https://a.example.org/path", "Home");
    expect(s.servers.map((x) => x.name)).toEqual(["Home", "Work"]);
    expect(s.current).toBe("https://a.example.org");
    expect(DEFAULT_SETTINGS.servers).toEqual([]);
  });

  it("switches only to known servers", () => {
    const s = addServer(addServer(DEFAULT_SETTINGS, "a.example.org"), "b.example.org");
    expect(selectServer(s, "https://a.example.org").current).toBe("https://a.example.org");
    expect(() => selectServer(s, "https://evil.example.org")).toThrow(ServerUrlError);
  });

  it("removing the current server opens the next one, or none", () => {
    let s = addServer(addServer(DEFAULT_SETTINGS, "a.example.org"), "b.example.org");
    s = removeServer(s, "https://b.example.org");
    expect(s).toMatchObject({ current: "https://a.example.org", servers: [{ origin: "https://a.example.org" }] });
    s = removeServer(s, "https://a.example.org");
    expect(s).toMatchObject({ current: null, servers: [] });
  });
});

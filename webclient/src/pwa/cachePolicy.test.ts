import { describe, expect, it } from "vitest";
import { cachesToDelete, neverCached, route, type RequestInfo } from "./cachePolicy";

const ORIGIN = "http://127.0.0.1:8080";
const PRECACHED = new Set(["/index.html", "/assets/index-abc.js", "/manifest.webmanifest", "/icons/icon-192.png"]);

function request(path: string, extra: Partial<RequestInfo> = {}): RequestInfo {
  return { url: path.startsWith("http") ? path : ORIGIN + path, method: "GET", mode: "cors", destination: "", ranged: false, ...extra };
}

describe("the service worker's cache policy", () => {
  it("answers the precached files and every page of the app from the cache", () => {
    expect(route(request("/assets/index-abc.js", { destination: "script" }), ORIGIN, PRECACHED)).toEqual({ kind: "precached", url: "/assets/index-abc.js" });
    expect(route(request("/assets/index-abc.js?x=1"), ORIGIN, PRECACHED)).toEqual({ kind: "precached", url: "/assets/index-abc.js" });
    for (const page of ["/", "/invite/AbC-12", "/network"]) {
      expect(route(request(page, { mode: "navigate", destination: "document" }), ORIGIN, PRECACHED)).toEqual({ kind: "shell" });
    }
  });

  it.each([
    ["/api/health", {}], ["/api/me", {}], ["/api", {}], ["/api/docs", { mode: "navigate" }],
    ["/api/recordings/r1/media?token=t", { destination: "video", ranged: true }],
    ["/ws", {}], ["/ws", { mode: "websocket" }], ["/metrics", { mode: "navigate" }], ["/sw.js", {}],
  ] as const)("never answers %s from the cache", (path, extra) => {
    expect(route(request(path, extra), ORIGIN, new Set([...PRECACHED, path.split("?")[0]]))).toEqual({ kind: "network" });
  });

  it("leaves other sites, writes, media and files it did not precache to the network", () => {
    expect(route(request("https://cdn.example/assets/index-abc.js"), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("http://localhost:8080/", { mode: "navigate" }), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("/index.html", { method: "POST" }), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("/icons/icon-192.png", { ranged: true }), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("/clip.mp4", { destination: "video", mode: "navigate" }), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("/assets/old-123.js", { method: "POST" }), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
    expect(route(request("/old-icon.png"), ORIGIN, PRECACHED)).toEqual({ kind: "network" });
  });

  it("looks for an earlier build's chunk in the older caches (a tab still runs that build)", () => {
    expect(route(request("/assets/old-123.js?v=1", { destination: "script" }), ORIGIN, PRECACHED)).toEqual({ kind: "earlier", url: "/assets/old-123.js" });
  });

  it("keeps the build before the current one (and any newer) when a new worker takes over", () => {
    const names = ["other-cache", "peershare-shell-a", "peershare-shell-b", "peershare-shell-c", "peershare-shell-d"];
    expect(cachesToDelete(names, "peershare-shell-c")).toEqual(["peershare-shell-a"]);
    expect(cachesToDelete(names, "peershare-shell-d")).toEqual(["peershare-shell-a", "peershare-shell-b"]);
    expect(cachesToDelete(names, "peershare-shell-b")).toEqual([]);
    expect(cachesToDelete(["peershare-shell-a"], "peershare-shell-a")).toEqual([]);
    expect(cachesToDelete(names, "peershare-shell-missing")).toEqual([]);
  });

  it("tells the live paths apart from look-alikes", () => {
    expect(["/api/x", "/ws", "/ws/", "/metrics", "/sw.js"].every(neverCached)).toBe(true);
    expect(["/apiary", "/wsx", "/metrics.html", "/assets/sw.js", "/index.html"].some(neverCached)).toBe(false);
  });
});

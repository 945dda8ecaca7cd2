// The preloads run sandboxed: at run time they may require "electron" and nothing else (a
// require of our own modules would fail only inside Electron, which these machines cannot run).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe.each(["preload.cts", "serversPreload.cts"])("%s", (file) => {
  it("imports only electron at run time", () => {
    const source = readFileSync(new URL(file, import.meta.url), "utf8");
    const runtime = [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
    expect(runtime).toEqual(["electron"]);
    expect(source).not.toMatch(/\brequire\(/);
    expect(source).toMatch(/contextBridge\.exposeInMainWorld\(/);
  });
});

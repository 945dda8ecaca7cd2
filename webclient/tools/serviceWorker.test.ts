import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { precacheOf } from "./serviceWorker.ts";

async function dist(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dist-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe("the service worker's file list", () => {
  it("lists the build's files with their SHA-256, but not the worker, source maps or stamps", async () => {
    const dir = await dist({
      "index.html": "<html>", "assets/app-1.js": "js", "assets/app-1.js.map": "{}", "icons/icon-192.png": "png",
      "sw.js": "worker", ".peershare-src": "hash",
    });
    const { entries } = await precacheOf(dir);
    expect(entries.map((e) => e.url)).toEqual(["/assets/app-1.js", "/icons/icon-192.png", "/index.html"]);
    expect(entries[2].revision).toBe(createHash("sha256").update("<html>").digest("hex"));
  });

  it("gives a new version for any changed byte", async () => {
    const before = await precacheOf(await dist({ "index.html": "a", "assets/x.js": "1" }));
    const after = await precacheOf(await dist({ "index.html": "a", "assets/x.js": "2" }));
    expect(before.version).toMatch(/^[0-9a-f]{16}$/);
    expect(after.version).not.toBe(before.version);
  });

  it("refuses a build that holds a path the worker must never cache", async () => {
    await expect(precacheOf(await dist({ "index.html": "a", "api/health": "{}" }))).rejects.toThrow("/api/health");
  });
});

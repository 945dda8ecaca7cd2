// Builds the service worker (src/pwa/sw.ts) into dist/sw.js once the app is built: the worker
// must sit at the root under a fixed name (its scope is its folder, and browsers compare its
// bytes to find updates), and it carries the list of this build's files with their SHA-256, so
// any change to the app changes the worker and so offers the update.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { build, type Plugin } from "vite";
import { neverCached, type Precache, type PrecacheEntry } from "../src/pwa/cachePolicy.ts";

const WORKER_FILE = "sw.js";

export function serviceWorker(entry: string): Plugin {
  let root = "";
  let outDir = "";
  return {
    name: "peershare-service-worker",
    apply: "build",
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const precache = await precacheOf(outDir);
      await build({
        configFile: false, root, logLevel: "warn", publicDir: false,
        define: { __PRECACHE__: JSON.stringify(precache) },
        build: {
          outDir, emptyOutDir: false, sourcemap: false, minify: true,
          lib: { entry: resolve(root, entry), formats: ["iife"], name: "peershareServiceWorker", fileName: () => WORKER_FILE },
        },
      });
    },
  };
}

/** The built files the worker precaches: all but the worker itself, source maps (never served)
 * and dotfiles (build stamps). */
export async function precacheOf(dir: string): Promise<Precache> {
  const entries: PrecacheEntry[] = [];
  for (const file of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const path = join(file.parentPath, file.name);
    const url = "/" + relative(dir, path).split(sep).join("/");
    if (url === `/${WORKER_FILE}` || url.endsWith(".map") || url.split("/").some((part) => part.startsWith("."))) continue;
    if (neverCached(url)) throw new Error(`the build has ${url}, a path the service worker must never cache`);
    entries.push({ url, revision: createHash("sha256").update(await readFile(path)).digest("hex") });
  }
  entries.sort((a, b) => a.url.localeCompare(b.url));
  const version = createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
  return { version, entries };
}

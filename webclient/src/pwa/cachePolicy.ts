// What the service worker does with each request. Only the precached app shell (this build's,
// or an earlier build's hashed files for tabs still running it) is ever answered from the cache; everything live (the API, the signaling socket, metrics, recordings and any
// other site's files) goes to the network untouched, so a stale or someone else's answer can
// never be served from here.

/** One file of the build, by its URL and the SHA-256 (hex) of its bytes. */
export interface PrecacheEntry {
  url: string;
  revision: string;
}

export type Route =
  /** Straight to the network: the worker does not answer it. */
  | { kind: "network" }
  /** A precached file, by its URL. */
  | { kind: "precached"; url: string }
  /** A page of the app (any deep link): the precached index.html. */
  | { kind: "shell" }
  /** A build file this build does not list (a tab still runs the build before, and lazily loads
   * one of its chunks): from an earlier build's cache when it is there, else the network. */
  | { kind: "earlier"; url: string };

export interface RequestInfo {
  url: string;
  method: string;
  mode: string;
  destination: string;
  /** Whether the request carries a Range header (media players do). */
  ranged: boolean;
}

export const SHELL_URL = "/index.html";

// Paths never answered from the cache, whatever else holds: the API (recordings' media included),
// the signaling socket, metrics, and the worker's own script.
const NEVER_CACHED = [/^\/api(\/|$)/, /^\/ws(\/|$)/, /^\/metrics(\/|$)/, /^\/sw\.js$/];

export function neverCached(path: string): boolean {
  return NEVER_CACHED.some((pattern) => pattern.test(path));
}

export function route(request: RequestInfo, origin: string, precached: ReadonlySet<string>): Route {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== origin) return { kind: "network" };
  if (neverCached(url.pathname)) return { kind: "network" };
  // Audio and video (recordings) stream with ranges from the server, never from here.
  if (request.ranged || request.destination === "audio" || request.destination === "video") return { kind: "network" };
  if (precached.has(url.pathname)) return { kind: "precached", url: url.pathname };
  if (request.mode === "navigate") return { kind: "shell" };
  // Vite's hashed build files: a name never means two contents, so an earlier build's is right.
  if (url.pathname.startsWith("/assets/")) return { kind: "earlier", url: url.pathname };
  return { kind: "network" };
}

/** What the build writes into the worker: its version (a digest of all entries) and its files. */
export interface Precache {
  version: string;
  entries: PrecacheEntry[];
}

/** Each build's files live in a cache of their own. */
export const CACHE_PREFIX = "peershare-shell-";

/** The build caches a worker taking over drops, from `names` (CacheStorage.keys(): in the order
 * the caches were created) and its own `current`. It keeps its own, the one just before it (tabs
 * still running that build lazily load its chunks, which the server may no longer have) and any
 * newer one (a next worker installing meanwhile); older builds go. */
export function cachesToDelete(names: readonly string[], current: string): string[] {
  const builds = names.filter((name) => name.startsWith(CACHE_PREFIX));
  const index = builds.indexOf(current);
  if (index < 0) return [];
  const previous = builds.slice(0, index).at(-1);
  return builds.slice(0, index).filter((name) => name !== previous);
}

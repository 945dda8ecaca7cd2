// What the service worker does with each request. Only the precached app shell is ever answered
// from the cache; everything live (the API, the signaling socket, metrics, recordings and any
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
  | { kind: "shell" };

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
  return { kind: "network" };
}

/** What the build writes into the worker: its version (a digest of all entries) and its files. */
export interface Precache {
  version: string;
  entries: PrecacheEntry[];
}

/** Each build's files live in a cache of their own; the old one is dropped once a new worker
 * takes over. */
export const CACHE_PREFIX = "peershare-shell-";

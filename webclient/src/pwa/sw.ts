// The service worker, built on its own into /sw.js (tools/serviceWorker.ts writes this build's
// file list into it): it precaches the app shell, answers pages and the shell's files from that
// cache so the app opens offline, and leaves everything else to the network (cachePolicy.ts).
import { CACHE_PREFIX, SHELL_URL, cachesToDelete, route, type Precache } from "./cachePolicy";
import { SKIP_WAITING } from "./updates";

declare const __PRECACHE__: Precache;

// The worker's globals are not in the DOM typings the app is checked against; the few used here.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
}
interface WorkerScope {
  readonly location: { readonly origin: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: ExtendableMessageEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const precache = __PRECACHE__;
const CACHE = CACHE_PREFIX + precache.version;
const PRECACHED = new Set(precache.entries.map((entry) => entry.url));

worker.addEventListener("install", (event) => event.waitUntil(fillCache()));

worker.addEventListener("activate", (event) => event.waitUntil((async () => {
  // The build before stays: tabs still running it load its chunks from there.
  for (const name of cachesToDelete(await caches.keys(), CACHE)) await caches.delete(name);
  // The first worker takes the open page at once; a later one gets here when the user asked for
  // it (Reload) or once no page runs the version before.
  await worker.clients.claim();
})()));

worker.addEventListener("message", (event) => {
  const data = event.data as { type?: unknown } | null;
  if (data?.type === SKIP_WAITING.type) event.waitUntil(worker.skipWaiting());
});

worker.addEventListener("fetch", (event) => {
  const { request } = event;
  const decision = route({
    url: request.url, method: request.method, mode: request.mode, destination: request.destination,
    ranged: request.headers.has("range"),
  }, worker.location.origin, PRECACHED);
  if (decision.kind === "network") return;
  event.respondWith(fromCache(decision.kind === "shell" ? SHELL_URL : decision.url, request));
});

/** From this build's cache, else any build's kept (an earlier build's chunk), else the network. */
async function fromCache(url: string, request: Request): Promise<Response> {
  const cached = await (await caches.open(CACHE)).match(url) ?? await fromBuildCaches(url);
  return cached ?? fetch(request);
}

async function fromBuildCaches(url: string): Promise<Response | undefined> {
  for (const name of (await caches.keys()).filter((n) => n.startsWith(CACHE_PREFIX)).reverse()) {
    const cached = await (await caches.open(name)).match(url);
    if (cached) return cached;
  }
  return undefined;
}

/** Every file of this build, fetched past the HTTP cache and checked against its revision: a file
 * of another release (a deploy during the install) fails the install, and the worker in charge
 * stays in charge. A cache only ever holds files that match its version's list, so a failed
 * install leaves nothing wrong behind, even in the cache in use (a worker whose list is unchanged
 * shares it); the next worker to take over drops any other. */
async function fillCache(): Promise<void> {
  const cache = await caches.open(CACHE);
  await Promise.all(precache.entries.map(async (entry) => {
    const response = await fetch(entry.url, { cache: "reload" });
    if (!response.ok) throw new Error(`precaching ${entry.url}: HTTP ${response.status}`);
    if (await sha256(await response.clone().arrayBuffer()) !== entry.revision) {
      throw new Error(`precaching ${entry.url}: not the file this build lists`);
    }
    await cache.put(entry.url, response);
  }));
}

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

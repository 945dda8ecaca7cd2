// Fakes for unit tests: a WebSocket the test drives by hand, a memory token store, a gateway
// that answers requests from handlers, and media tracks.
import type { Gateway, Push, SocketLike } from "../api/gateway";
import type { Tokens, TokenStore } from "../api/rest";

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  send(data: string) { this.sent.push(JSON.parse(data)); }
  close(code = 1000) { this.closedWith = code; this.onclose?.({ code }); }
  receive(frame: unknown) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  /** The last request frame of this type the client sent. */
  lastSent(type: string): Record<string, unknown> & { id: string } {
    return this.sent.filter((f) => f.type === type).at(-1) as Record<string, unknown> & { id: string };
  }
}

export const welcomeFrame = { type: "welcome", session_id: "s", user: {}, groups: [], presence: [], heartbeat_s: 10, recordings: [] };

export function memoryTokenStore(initial: Tokens | null = null): TokenStore & { saved: Tokens | null } {
  const store = {
    saved: initial,
    load: () => store.saved,
    save: (tokens: Tokens | null) => { store.saved = tokens; },
  };
  return store;
}

type Handler = (frame: Record<string, unknown>) => unknown;

/** A gateway whose requests answer from `handlers` by type (unknown types answer {}), and whose
 * pushes the test sends with `push`. */
export function fakeGateway(handlers: Record<string, Handler> = {}) {
  const requests: Record<string, unknown>[] = [];
  const pushListeners = new Set<(push: Push) => void>();
  const gateway = {
    status: "connected",
    requests,
    handlers,
    request: async (frame: Record<string, unknown>) => {
      requests.push(frame);
      const handler = handlers[String(frame.type)];
      return handler ? handler(frame) : {};
    },
    onPush: (listener: (push: Push) => void) => { pushListeners.add(listener); return () => pushListeners.delete(listener); },
    onStatus: () => () => {},
    onWelcome: () => () => {},
    push: (push: Push) => { for (const listener of pushListeners) listener(push); },
    sent: (type: string) => requests.filter((r) => r.type === type),
  };
  return gateway as typeof gateway & Gateway;
}

/** A MediaStreamTrack as far as a call session uses one. */
export function fakeTrack(kind: "audio" | "video"): MediaStreamTrack {
  const track = {
    kind, enabled: true, readyState: "live",
    stop() { track.readyState = "ended"; },
    addEventListener() {},
  };
  return track as unknown as MediaStreamTrack;
}

export function fakeStream(...tracks: MediaStreamTrack[]): MediaStream {
  return {
    getAudioTracks: () => tracks.filter((t) => t.kind === "audio"),
    getVideoTracks: () => tracks.filter((t) => t.kind === "video"),
  } as unknown as MediaStream;
}

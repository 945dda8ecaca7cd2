// Fakes for unit tests: a WebSocket the test drives by hand, and a memory token store.
import type { SocketLike } from "../api/gateway";
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

export const welcomeFrame = { type: "welcome", session_id: "s", user: {}, groups: [], presence: [], heartbeat_s: 10 };

export function memoryTokenStore(initial: Tokens | null = null): TokenStore & { saved: Tokens | null } {
  const store = {
    saved: initial,
    load: () => store.saved,
    save: (tokens: Tokens | null) => { store.saved = tokens; },
  };
  return store;
}

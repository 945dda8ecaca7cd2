// The one WebSocket every client keeps open: hello with the JWT, one reply per request, pushes,
// and reconnection with exponential backoff after a cut or a server restart; while the browser
// is offline it waits for the network instead.
import type { NetworkWatch } from "../pwa/connectivity";
import type { ClientFrame, ErrorReply, OkReply, ServerFrame, Welcome } from "./protocol.gen";

export type GatewayStatus = "connecting" | "connected" | "reconnecting" | "offline" | "signed_out";
export type Push = Exclude<ServerFrame, OkReply | ErrorReply | Welcome | { type: "pong" }>;

/** A request frame without its `id`, which the gateway assigns. */
export type Request = ClientFrame extends infer F ? (F extends { id: string } ? Omit<F, "id"> : never) : never;

export class GatewayError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

// Close codes (schemas/signaling.py CloseCode) after which reconnecting with the same token is pointless.
const AUTH_FAILED = 4003;
const ACCESS_REVOKED = 4004;

export interface SocketLike {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}

export interface GatewayOptions {
  url: string;
  /** The access token; `stale` asks for a refreshed one (the last was refused). */
  token: (stale: boolean) => Promise<string | null>;
  connect?: (url: string) => SocketLike;
  backoffMs?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  /** The browser's network: while offline no socket is tried; it reconnects when `online` fires. */
  network?: NetworkWatch;
}

/** 0.5 s, 1 s, 2 s … capped at 15 s, with ±20 % jitter so a restarted server is not stormed. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class Gateway {
  status: GatewayStatus = "connecting";
  welcome: Welcome | null = null;
  private socket: SocketLike | null = null;
  private nextId = 1;
  private pending = new Map<string, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  private attempt = 0;
  private stopped = false;
  private staleToken = false;
  private cancelNetworkWait: (() => void) | null = null;
  private pushListeners = new Set<(push: Push) => void>();
  private statusListeners = new Set<(status: GatewayStatus) => void>();
  private welcomeListeners = new Set<(welcome: Welcome) => void>();

  constructor(private readonly options: GatewayOptions) {}

  onPush(listener: (push: Push) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  onStatus(listener: (status: GatewayStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called after every (re)connection: the client rebuilds its state from it. */
  onWelcome(listener: (welcome: Welcome) => void): () => void {
    this.welcomeListeners.add(listener);
    return () => this.welcomeListeners.delete(listener);
  }

  start(): void {
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    this.cancelNetworkWait?.();
    this.cancelNetworkWait = null;
    this.socket?.close(1000);
    this.socket = null;
    this.failPending("closed", "signed out");
  }

  request<T = Record<string, unknown>>(frame: Request): Promise<T> {
    if (this.status !== "connected" || !this.socket) {
      return Promise.reject(new GatewayError("offline", "not connected; reconnecting"));
    }
    const id = `c${this.nextId++}`;
    const socket = this.socket;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (data) => resolve(data as T), reject });
      socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  private setStatus(status: GatewayStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private async open(): Promise<void> {
    if (this.stopped || this.waitForNetwork()) return;
    let token: string | null;
    try {
      token = await this.options.token(this.staleToken);
    } catch {
      // The refresh could not reach the server: try again later rather than stall.
      if (!this.stopped) this.dropped(this.staleToken);
      return;
    }
    if (this.stopped) return;
    if (!token) {
      this.setStatus("signed_out");
      return;
    }
    this.staleToken = false;
    const connect = this.options.connect ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    const socket = connect(this.options.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", token }));
    // A message is a frame, or an array of frames that waited to go out together.
    socket.onmessage = (event) => {
      const data = JSON.parse(String(event.data)) as ServerFrame | ServerFrame[];
      for (const frame of Array.isArray(data) ? data : [data]) this.receive(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return this.failPending("offline", "the connection dropped");
      if (event.code === ACCESS_REVOKED) {
        this.failPending("offline", "the connection dropped");
        this.setStatus("signed_out");
        return;
      }
      // 4003 is also "token_expired": the next hello asks for a refreshed token.
      this.dropped(event.code === AUTH_FAILED);
    };
  }

  /** Drops the socket and opens a new one with the current token: the fallback when in-band
   * re-authentication failed. */
  reconnect(): void {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.socket = null;
    socket.close(1000);
    this.dropped(false);
  }

  private dropped(staleToken: boolean): void {
    this.failPending("offline", "the connection dropped");
    this.staleToken = staleToken;
    if (this.waitForNetwork()) return;
    this.setStatus("reconnecting");
    const delay = (this.options.backoffMs ?? backoffMs)(this.attempt++);
    (this.options.setTimer ?? setTimeout)(() => void this.open(), delay);
  }

  /** Offline: says so and opens the socket when the network is back, at once and with the
   * backoff reset. */
  private waitForNetwork(): boolean {
    const network = this.options.network;
    if (!network || network.state === "online") return false;
    this.setStatus("offline");
    this.cancelNetworkWait?.();
    this.cancelNetworkWait = network.whenOnline(() => {
      this.cancelNetworkWait = null;
      this.attempt = 0;
      void this.open();
    });
    return true;
  }

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.attempt = 0;
        this.welcome = frame;
        this.setStatus("connected");
        for (const listener of this.welcomeListeners) listener(frame);
        return;
      case "ok":
      case "error": {
        const pending = frame.id ? this.pending.get(frame.id) : undefined;
        if (!pending) return;
        this.pending.delete(frame.id!);
        if (frame.type === "ok") pending.resolve(frame.data ?? {});
        else pending.reject(new GatewayError(frame.code, frame.message));
        return;
      }
      case "pong":
        return;
      default:
        for (const listener of this.pushListeners) listener(frame);
    }
  }

  private failPending(code: string, message: string): void {
    for (const { reject } of this.pending.values()) reject(new GatewayError(code, message));
    this.pending.clear();
  }
}

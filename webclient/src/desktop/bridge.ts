// The desktop app's bridge (contracts/desktop.md): the one object the Electron preload exposes to
// the page. This file is the only place the web client names it; without it the page is a browser.

export interface DesktopSource {
  id: string;
  name: string;
  kind: "screen" | "window";
  thumbnailDataUrl: string;
  appIconDataUrl: string | null;
}

export interface DesktopBridge {
  readonly version: 1;
  readonly platform: "linux" | "win32" | "darwin";
  /** desktopCapturer.getSources with thumbnails. */
  listCaptureSources(): Promise<DesktopSource[]>;
  /** Answers the pending getDisplayMedia (null = cancel). */
  chooseCaptureSource(id: string | null, withAudio: boolean): Promise<void>;
  /** The main process asks the page to show its picker. */
  onCaptureRequest(listener: () => void): () => void;
  /** The global shortcut went down (true) or up (false). */
  onPushToTalk(listener: (pressed: boolean) => void): () => void;
  /** false when the OS refused the shortcut. */
  setPushToTalkKey(accelerator: string | null): Promise<boolean>;
  /** The tray icon. */
  setMuteState(state: { muted: boolean; inCall: boolean }): void;
  /** The badge. */
  setUnreadCount(count: number): void;
  /** An OS notification. */
  notify(n: { title: string; body: string; tag?: string }): void;
  /** e.g. "/invite/<code>". */
  onDeepLink(listener: (path: string) => void): () => void;
  /** powerMonitor 'resume': reconnect. */
  onResume(listener: () => void): () => void;
}

/** window.peershareDesktop when present and version 1, else null. Reads globalThis so the same
 * file type-checks in the desktop app's DOM-less configuration. */
export function desktopBridge(): DesktopBridge | null {
  const bridge = (globalThis as { peershareDesktop?: { version?: unknown } }).peershareDesktop;
  return bridge && bridge.version === 1 ? (bridge as DesktopBridge) : null;
}

// The preload: exposes the typed bridge (webclient/src/desktop/bridge.ts) to the page and nothing
// else. It runs sandboxed, so it may only require "electron"; the channel names are checked
// against ipc.ts at compile time. The main process also checks who is calling (main.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import type { DesktopBridge } from "../../src/desktop/bridge.js";
import type { Events, Invokes, Sends } from "./ipc.js";

const invoke = <C extends keyof Invokes>(channel: C, ...args: Invokes[C]["args"]): Promise<Invokes[C]["result"]> =>
  ipcRenderer.invoke(channel, ...args);

const send = <C extends keyof Sends>(channel: C, ...args: Sends[C]): void => ipcRenderer.send(channel, ...args);

/** Subscribes `listener` to a main → page event; the page gets the arguments, never the event. */
function on<C extends keyof Events>(channel: C, listener: (...args: Events[C]) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, ...args: unknown[]) => listener(...(args as Events[C]));
  ipcRenderer.on(channel, wrapped);
  return () => void ipcRenderer.removeListener(channel, wrapped);
}

const platform = process.platform;
if (platform !== "linux" && platform !== "win32" && platform !== "darwin") throw new Error(`unsupported platform ${platform}`);

const bridge: DesktopBridge = {
  version: 1,
  platform,
  listCaptureSources: () => invoke("capture:list"),
  chooseCaptureSource: (id, withAudio) => invoke("capture:choose", id, withAudio),
  onCaptureRequest: (listener) => on("capture:request", () => listener()),
  onPushToTalk: (listener) => on("ptt:pressed", (pressed) => listener(pressed)),
  setPushToTalkKey: (accelerator) => invoke("ptt:set-key", accelerator),
  setMuteState: ({ muted, inCall }) => send("tray:mute-state", { muted: Boolean(muted), inCall: Boolean(inCall) }),
  setUnreadCount: (count) => send("badge:unread", count),
  notify: ({ title, body, tag }) => send("notify", { title: String(title), body: String(body), tag: tag === undefined ? undefined : String(tag) }),
  onDeepLink: (listener) => on("deep-link", (path) => listener(path)),
  onResume: (listener) => on("resume", () => listener()),
};

contextBridge.exposeInMainWorld("peershareDesktop", bridge);

// The IPC channels between the preload bridge and the main process, with their payloads. Types
// only: the sandboxed preload cannot load modules of its own, so it imports nothing at run time.
import type { DesktopSource } from "../../src/desktop/bridge.js";

/** Page → main, answered (ipcRenderer.invoke / ipcMain.handle). */
export interface Invokes {
  "capture:list": { args: []; result: DesktopSource[] };
  "capture:choose": { args: [id: string | null, withAudio: boolean]; result: void };
  "ptt:set-key": { args: [accelerator: string | null]; result: boolean };
}

/** Page → main, no answer (ipcRenderer.send / ipcMain.on). */
export interface Sends {
  "tray:mute-state": [state: { muted: boolean; inCall: boolean }];
  "badge:unread": [count: number];
  "notify": [n: { title: string; body: string; tag?: string }];
}

/** Main → page (webContents.send / ipcRenderer.on). */
export interface Events {
  "capture:request": [];
  "ptt:pressed": [pressed: boolean];
  "deep-link": [path: string];
  "resume": [];
}

// main.ts wired to a stand-in for Electron's API (the Electron binary cannot run on these
// machines): what it registers and how it answers, driven the way Electron would drive it. The
// stand-in follows electron.d.ts (main.ts is type-checked against it); how Electron itself
// behaves is not tested here.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const electron = vi.hoisted(() => {
  // Imported inside vi.hoisted: it runs before the module's own imports.
  const { EventEmitter } = require("node:events") as typeof import("node:events");
  const calls: { shell: string[]; badge: number[]; shortcuts: Map<string, () => void>; notifications: unknown[] } = {
    shell: [], badge: [], shortcuts: new Map(), notifications: [],
  };
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const sessionHandlers: Record<string, (...args: any[]) => any> = {};
  const app = Object.assign(new EventEmitter(), {
    ready: false,
    userData: "",
    requestSingleInstanceLock: () => true,
    setAsDefaultProtocolClient: () => true,
    quit: () => { throw new Error("app.quit() called"); },
    whenReady() { this.ready = true; return Promise.resolve(); },
    isReady() { return this.ready; },
    getPath(name: string) { if (name !== "userData") throw new Error(name); return this.userData; },
    setBadgeCount: (n: number) => { calls.badge.push(n); return true; },
  });
  class WebContents extends EventEmitter {
    sent: unknown[][] = [];
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    send(...args: unknown[]) { this.sent.push(args); }
    isLoading() { return false; }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) { this.openHandler = handler; }
  }
  const windows: BrowserWindow[] = [];
  class BrowserWindow extends EventEmitter {
    webContents = new WebContents();
    loaded: string[] = [];
    constructor(readonly options: any) {
      super();
      windows.push(this);
      app.emit("web-contents-created", {}, this.webContents);
    }
    loadURL(url: string) { this.loaded.push(url); return Promise.resolve(); }
    loadFile(path: string) { this.loaded.push(`file:${path}`); return Promise.resolve(); }
    show() {}
    focus() {}
    maximize() {}
    restore() {}
    isMinimized() { return false; }
    isMaximized() { return false; }
    getNormalBounds() { return { x: 40, y: 50, width: 1000, height: 700 }; }
    setOverlayIcon() {}
    close() { this.emit("close"); this.emit("closed"); }
  }
  class Tray extends EventEmitter {
    static last: Tray;
    images: string[] = [];
    tooltip = "";
    menu: any[] = [];
    constructor(image: { path: string }) { super(); Tray.last = this; this.images.push(image.path); }
    setImage(image: { path: string }) { this.images.push(image.path); }
    setToolTip(text: string) { this.tooltip = text; }
    setContextMenu(menu: any[]) { this.menu = menu; }
  }
  class Notification extends EventEmitter {
    static isSupported() { return true; }
    constructor(readonly options: unknown) { super(); }
    show() { calls.notifications.push(this.options); }
  }
  const module = {
    app, BrowserWindow, Tray, Notification,
    desktopCapturer: {
      getSources: async () => [
        { id: "screen:0:0", name: "Entire screen", thumbnail: { toDataURL: () => "data:image/png;base64,AAA" }, appIcon: null },
        { id: "window:7:0", name: "Editor", thumbnail: { toDataURL: () => "data:image/png;base64,BBB" },
          appIcon: { isEmpty: () => false, toDataURL: () => "data:image/png;base64,ICON" } },
      ],
    },
    globalShortcut: {
      register: (accelerator: string, callback: () => void) => {
        if (accelerator === "Control+Taken") return false;
        if (accelerator === "Control+Nonsense") throw new Error("conversion failure");
        calls.shortcuts.set(accelerator, callback);
        return true;
      },
      unregister: (accelerator: string) => calls.shortcuts.delete(accelerator),
      unregisterAll: () => calls.shortcuts.clear(),
    },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, handler),
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.set(channel, listener),
    },
    Menu: { buildFromTemplate: (template: unknown[]) => template },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    powerMonitor: new EventEmitter(),
    screen: {
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: any) => { sessionHandlers.request = h; },
        setPermissionCheckHandler: (h: any) => { sessionHandlers.check = h; },
        setDisplayMediaRequestHandler: (h: any, options: any) => { sessionHandlers.displayMedia = h; sessionHandlers.displayMediaOptions = () => options; },
      },
    },
    shell: { openExternal: async (url: string) => { calls.shell.push(url); } },
  };
  return { module, calls, handlers, listeners, sessionHandlers, windows, app, Tray };
});

vi.mock("electron", () => ({ ...electron.module, default: electron.module }));

const SERVER = "https://chat.example.org";
const userData = mkdtempSync(join(tmpdir(), "peershare-main-"));
const settingsFile = join(userData, "settings.json");
const mainWindow = () => electron.windows[0];
const page = () => mainWindow().webContents;
/** An IPC event as Electron builds it for a frame of `origin` in `contents`. */
const ipcEvent = (origin = SERVER, contents: unknown = page(), parent: unknown = null) => ({ sender: contents, senderFrame: { origin, parent } });
const invoke = (channel: string, ...args: unknown[]) => electron.handlers.get(channel)!(ipcEvent(), ...args);

beforeAll(async () => {
  electron.app.userData = userData;
  writeFileSync(settingsFile, JSON.stringify({ servers: [{ origin: SERVER, name: "Chat" }], current: SERVER }));
  await import("./main.js");
  await new Promise((resolve) => setImmediate(resolve)); // whenReady().then(start)
});
afterAll(() => vi.useRealTimers());

describe("main process (against a stand-in for Electron)", () => {
  it("opens the remembered server in a locked-down window", () => {
    expect(electron.windows).toHaveLength(1);
    expect(mainWindow().loaded).toEqual([`${SERVER}/`]);
    expect(mainWindow().options.webPreferences).toMatchObject({
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false,
    });
    expect(mainWindow().options.webPreferences.preload).toMatch(/preload\.cjs$/);
    expect(electron.sessionHandlers.displayMediaOptions()).toEqual({ useSystemPicker: false });
  });

  it("keeps navigation on the server, sends other pages to the browser, opens no windows", () => {
    const navigate = (url: string, event = "will-navigate") => {
      const details = { url, preventDefault: vi.fn() };
      page().emit(event, details);
      return details.preventDefault.mock.calls.length > 0;
    };
    expect(navigate(`${SERVER}/invite/x`)).toBe(false);
    expect(navigate("https://evil.example.org/")).toBe(true);
    expect(navigate("https://idp.example.org/authorize", "will-redirect")).toBe(true);
    expect(navigate("file:///etc/passwd")).toBe(true);
    expect(page().openHandler!({ url: "https://docs.example.org/" })).toEqual({ action: "deny" });
    expect(page().openHandler!({ url: "javascript:alert(1)" })).toEqual({ action: "deny" });
    expect(electron.calls.shell).toEqual(["https://evil.example.org/", "https://idp.example.org/authorize", "https://docs.example.org/"]);
  });

  it("grants media and screen capture to the server only", () => {
    const request = (permission: string, requestingUrl: string, mediaTypes?: string[]) => {
      let granted: boolean | null = null;
      electron.sessionHandlers.request(page(), permission, (ok: boolean) => { granted = ok; }, { requestingUrl, isMainFrame: true, mediaTypes });
      return granted;
    };
    expect(request("media", `${SERVER}/c/1`, ["audio", "video"])).toBe(true);
    expect(request("display-capture", `${SERVER}/`)).toBe(true);
    expect(request("media", "https://evil.example.org/", ["audio"])).toBe(false);
    expect(request("notifications", `${SERVER}/`)).toBe(false);
    expect(electron.sessionHandlers.check(page(), "media", SERVER, { isMainFrame: true, mediaType: "video" })).toBe(true);
    expect(electron.sessionHandlers.check(page(), "geolocation", SERVER, { isMainFrame: true })).toBe(false);
  });

  it("answers the bridge only from the server's main frame in the app window", async () => {
    const list = electron.handlers.get("capture:list")!;
    expect(() => list(ipcEvent("https://evil.example.org"))).toThrow(/not allowed/);
    expect(() => list(ipcEvent(SERVER, page(), {}))).toThrow(/not allowed/);
    expect(() => list(ipcEvent(SERVER, {}))).toThrow(/not allowed/);
    // Nor may the page list window titles when no screen share asked for them.
    await expect(invoke("capture:list")).rejects.toThrow(/no screen share is waiting/);
  });

  it("routes getDisplayMedia through the page's picker and back", async () => {
    const answers: unknown[] = [];
    const display = (securityOrigin: string) => electron.sessionHandlers.displayMedia(
      { securityOrigin, videoRequested: true, audioRequested: true, frame: { parent: null } }, (streams: unknown) => answers.push(streams));
    display("https://evil.example.org");
    expect(answers).toEqual([null]);

    display(SERVER);
    expect(page().sent.at(-1)).toEqual(["capture:request"]);
    const sources = await invoke("capture:list");
    expect(sources).toEqual([
      { id: "screen:0:0", name: "Entire screen", kind: "screen", thumbnailDataUrl: "data:image/png;base64,AAA", appIconDataUrl: null },
      { id: "window:7:0", name: "Editor", kind: "window", thumbnailDataUrl: "data:image/png;base64,BBB", appIconDataUrl: "data:image/png;base64,ICON" },
    ]);
    expect(() => invoke("capture:choose", "window:99:0", false)).toThrow(/Unknown capture source/);
    invoke("capture:choose", "window:7:0", true);
    // Linux: no loopback audio, whatever the checkbox said.
    expect(answers[1]).toEqual({ video: expect.objectContaining({ id: "window:7:0" }) });

    display(SERVER);
    await invoke("capture:list");
    invoke("capture:choose", null, false);
    expect(answers[2]).toBeNull();
  });

  it("push-to-talk: a global shortcut whose presses become press/release for the page", () => {
    vi.useFakeTimers();
    expect(invoke("ptt:set-key", "Control+Taken")).toBe(false);
    expect(invoke("ptt:set-key", "Control+Nonsense")).toBe(false);
    // A bare printable key would be swallowed in every other app: refused before the OS is asked.
    expect(invoke("ptt:set-key", "T")).toBe(false);
    expect(electron.calls.shortcuts.has("T")).toBe(false);
    expect(invoke("ptt:set-key", "F8")).toBe(true);
    expect(JSON.parse(readFileSync(settingsFile, "utf8")).pushToTalk).toEqual({ accelerator: "F8", mode: "hold" });
    const press = electron.calls.shortcuts.get("F8")!;
    press();
    vi.advanceTimersByTime(500);
    press(); // auto-repeat
    expect(page().sent.filter((m) => m[0] === "ptt:pressed")).toEqual([["ptt:pressed", true]]);
    vi.advanceTimersByTime(700);
    expect(page().sent.filter((m) => m[0] === "ptt:pressed")).toEqual([["ptt:pressed", true], ["ptt:pressed", false]]);
    expect(invoke("ptt:set-key", "F9")).toBe(true);
    expect([...electron.calls.shortcuts.keys()]).toEqual(["F9"]);
    vi.useRealTimers();
  });

  it("tray, badge and notifications follow the page; deep links and resume reach it", () => {
    const send = (channel: string, ...args: unknown[]) => electron.listeners.get(channel)!(ipcEvent(), ...args);
    send("tray:mute-state", { muted: true, inCall: true });
    expect(electron.Tray.last.images.at(-1)).toMatch(/tray-muted\.png$/);
    expect(electron.Tray.last.tooltip).toMatch(/muted/);
    send("tray:mute-state", { muted: false, inCall: false });
    expect(electron.Tray.last.images.at(-1)).toMatch(/tray-idle\.png$/);
    send("badge:unread", 3);
    electron.listeners.get("badge:unread")!(ipcEvent("https://evil.example.org"), 99);
    expect(electron.calls.badge).toEqual([3]);
    send("notify", { title: "You were mentioned", body: "hi" });
    expect(electron.calls.notifications).toEqual([{ title: "You were mentioned", body: "hi", silent: false }]);

    electron.app.emit("second-instance", {}, ["/opt/PeerShare/peershare", "peershare://invite/abc123"], "/");
    electron.app.emit("second-instance", {}, ["/opt/PeerShare/peershare", "peershare://invite/a/b?c=d"], "/");
    expect(page().sent.filter((m) => m[0] === "deep-link")).toEqual([["deep-link", "/invite/abc123"]]);
    electron.module.powerMonitor.emit("resume");
    expect(page().sent.at(-1)).toEqual(["resume"]);
  });

  it("the servers page: adds with a clear error, and a removed current server leaves the window", async () => {
    const openServersPage = () => {
      electron.Tray.last.menu.find((item) => item.label === "Servers…").click();
      return electron.windows.at(-1)!;
    };
    let serversWindow = openServersPage();
    expect(serversWindow.loaded[0]).toMatch(/^file:.*static\/servers\.html$/);
    expect(serversWindow.options.webPreferences.preload).toMatch(/serversPreload\.cjs$/);
    const call = (channel: string, ...args: unknown[]) => electron.handlers.get(channel)!({ sender: serversWindow.webContents }, ...args);
    expect(() => electron.handlers.get("servers:list")!(ipcEvent())).toThrow(/not allowed/); // the server's page may not
    expect(call("servers:add", "http://lan.example.org", "")).toMatchObject({ error: expect.stringMatching(/https/) });
    expect(call("servers:add", "other.example.org", "Other")).toMatchObject({ error: null, current: "https://other.example.org" });
    const loads = mainWindow().loaded.length;
    call("servers:open", SERVER);
    expect(mainWindow().loaded.slice(loads)).toEqual([`${SERVER}/`]);
    // Opening a server closed the page; its IPC is refused until it is opened again.
    expect(() => call("servers:remove", SERVER)).toThrow(/not allowed/);
    serversWindow = openServersPage();
    call("servers:remove", SERVER);
    expect(mainWindow().loaded.at(-1)).toBe("https://other.example.org/");
  });

  it("remembers the window's place when it closes", () => {
    mainWindow().close();
    expect(JSON.parse(readFileSync(settingsFile, "utf8")).window).toEqual({ x: 40, y: 50, width: 1000, height: 700, maximized: false });
  });
});

// The desktop app's main process: one window showing the chosen PeerShare server, locked down per
// Electron's security checklist, plus what a browser tab cannot do (screen picker, global
// push-to-talk, tray, badge, notifications, peershare:// links, reconnect after sleep).
// The decisions live in the plain modules next to this file; this file wires them to Electron.
import {
  app, BrowserWindow, desktopCapturer, globalShortcut, ipcMain, Menu, nativeImage, Notification,
  powerMonitor, screen, session, shell, Tray, type IpcMainEvent, type IpcMainInvokeEvent, type MenuItemConstructorOptions,
} from "electron";
import { join, resolve } from "node:path";
import type { DesktopSource } from "../../src/desktop/bridge.js";
import { CaptureBroker } from "./capture.js";
import { deepLinkFromArgv, deepLinkPath, PROTOCOL } from "./deepLink.js";
import type { Events, Invokes, Sends } from "./ipc.js";
import { navigationDestination, newWindowDestination } from "./originPolicy.js";
import { allowPermission } from "./permissions.js";
import { globalShortcutAllowed } from "./accelerator.js";
import { PushToTalk, type PttMode } from "./pushToTalk.js";
import { addServer, removeServer, selectServer, ServerUrlError } from "./servers.js";
import { loadSettings, saveSettings, type Settings } from "./settings.js";
import { restoreWindow } from "./windowState.js";

// Compiled to dist/desktop/src/ (the build's root is webclient/, for the bridge's types).
const here = import.meta.dirname;
const APP_ROOT = join(here, "..", "..", "..");
const asset = (name: string) => join(APP_ROOT, "assets", name);
const SETTINGS_PATH = () => join(app.getPath("userData"), "settings.json");

let settings: Settings;
let mainWindow: BrowserWindow | null = null;
let serversWindow: BrowserWindow | null = null;
let tray: Tray | null = null;
let callState = { muted: false, inCall: false };
/** A deep link that arrived before the server's page was up: opened with the first load. */
let pendingLink: string | null = deepLinkFromArgv(process.argv);

function update(next: Settings): void {
  settings = next;
  saveSettings(SETTINGS_PATH(), settings);
  refreshTray();
}

// ---- single instance, deep links ----------------------------------------------------------

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on("second-instance", (_event, argv) => {
    const link = deepLinkFromArgv(argv);
    if (link) openDeepLink(link);
    else showMain();
  });
  app.on("open-url", (event, url) => { // macOS
    event.preventDefault();
    const link = deepLinkPath(url);
    if (link) openDeepLink(link);
  });
  // Started by hand in development (electron dist/main.js), the OS must be told how to start us.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(PROTOCOL);
  void app.whenReady().then(start);
}

/** A loaded page goes there itself (a call in progress survives); otherwise the link is where the
 * window's next load starts (on first start, once a server is chosen). */
function openDeepLink(path: string): void {
  if (!app.isReady()) {
    pendingLink = path; // start() opens it
  } else if (!settings.current) {
    pendingLink = path;
    showServers();
  } else if (mainWindow && !mainWindow.webContents.isLoading()) {
    sendToPage("deep-link", path);
    showMain();
  } else {
    pendingLink = path;
    openServer(settings.current);
  }
}

// ---- windows ---------------------------------------------------------------------------------

const SECURE_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
} as const;

function start(): void {
  settings = loadSettings(SETTINGS_PATH(), (error) => console.error(`settings file unreadable, starting afresh: ${error.message}`));
  // Windows shows notifications only for an app with an id (the installer's shortcut carries it).
  if (process.platform === "win32") app.setAppUserModelId("org.peershare.desktop");
  lockDownSession();
  registerIpc();
  powerMonitor.on("resume", () => sendToPage("resume"));
  tray = new Tray(trayIcon());
  tray.on("click", showMain);
  refreshTray();
  // No global shortcut at start: the page registers it while it is in a call.
  ptt.setMode(settings.pushToTalk.mode);
  if (settings.current) openServer(settings.current);
  else showServers();
  app.on("activate", () => { // macOS: the dock icon clicked, maybe with no window left
    if (!settings.current) showServers();
    else if (mainWindow) showMain();
    else openServer(settings.current);
  });
}

app.on("window-all-closed", () => {
  if (process.platform !== "darwin") app.quit();
});
app.on("will-quit", () => globalShortcut.unregisterAll());

function openServer(origin: string): void {
  if (!mainWindow) {
    const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
    const place = restoreWindow(settings.window, workAreas);
    mainWindow = new BrowserWindow({
      x: place.x, y: place.y, width: place.width, height: place.height, minWidth: 480, minHeight: 360,
      show: false, icon: asset("icon.png"), title: "PeerShare",
      webPreferences: { ...SECURE_PREFERENCES, preload: join(here, "preload.cjs") },
    });
    if (place.maximized) mainWindow.maximize();
    mainWindow.once("ready-to-show", () => mainWindow?.show());
    mainWindow.on("close", () => {
      const window = mainWindow;
      if (window) update({ ...settings, window: { ...window.getNormalBounds(), maximized: window.isMaximized() } });
    });
    mainWindow.on("closed", () => {
      broker.cancel();
      mainWindow = null;
    });
    // A page that goes away cannot answer its picker any more.
    mainWindow.webContents.on("did-start-navigation", (details) => {
      if (details.isMainFrame && !details.isSameDocument) broker.cancel();
    });
  }
  broker.cancel();
  const link = pendingLink;
  pendingLink = null;
  void mainWindow.loadURL(origin + (link ?? "/"));
}

function showMain(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** The list of servers: first start, or "Servers…" in the tray menu. A local page with its own
 * preload (servers.cjs), never given the app bridge. */
function showServers(): void {
  if (serversWindow) return serversWindow.focus();
  serversWindow = new BrowserWindow({
    width: 520, height: 560, resizable: false, title: "PeerShare servers", icon: asset("icon.png"),
    webPreferences: { ...SECURE_PREFERENCES, preload: join(here, "serversPreload.cjs") },
  });
  serversWindow.on("closed", () => {
    serversWindow = null;
    if (!settings.current && !mainWindow) app.quit();
  });
  void serversWindow.loadFile(join(APP_ROOT, "static", "servers.html"));
}

// ---- security: navigation, new windows, permissions ---------------------------------------

/** The origin the app window may show: the current server. */
const serverOrigin = (): string | null => settings.current;

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = "mediaTypes" in details ? details.mediaTypes : undefined;
    callback(allowPermission({ permission, origin: details.requestingUrl, isMainFrame: details.isMainFrame, mediaTypes }, serverOrigin()));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => {
    const mediaTypes = details.mediaType && details.mediaType !== "unknown" ? [details.mediaType] : undefined;
    return allowPermission({ permission, origin: requestingOrigin, isMainFrame: details.isMainFrame, mediaTypes }, serverOrigin());
  });
  // getDisplayMedia: the page's own picker chooses (bridge.onCaptureRequest), never Chromium's.
  ses.setDisplayMediaRequestHandler((request, callback) => {
    const origin = serverOrigin();
    if (!origin || request.securityOrigin !== origin || !request.videoRequested || request.frame?.parent) return callback(null);
    broker.request(request.audioRequested, (choice) => callback(choice
      ? { video: choice.source, ...(choice.loopbackAudio ? { audio: "loopback" as const } : {}) }
      : null));
  }, { useSystemPicker: false });
  // The server's Content-Security-Policy applies as sent: no onHeadersReceived rewriting here.
}

app.on("web-contents-created", (_event, contents) => {
  const guard = (details: { url: string; preventDefault: () => void }) => {
    // The servers page is local and never navigates; the app window stays on its server.
    const origin = contents === mainWindow?.webContents ? serverOrigin() : null;
    const where = origin ? navigationDestination(details.url, origin) : "refuse";
    if (where === "stay") return;
    details.preventDefault();
    if (where === "browser") void shell.openExternal(details.url);
  };
  contents.on("will-navigate", guard);
  contents.on("will-redirect", guard);
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (newWindowDestination(url) === "browser") void shell.openExternal(url);
    return { action: "deny" };
  });
});

// ---- the bridge's IPC ------------------------------------------------------------------------

const broker = new CaptureBroker<Electron.DesktopCapturerSource>(process.platform, () => sendToPage("capture:request"));

function sendToPage<C extends keyof Events>(channel: C, ...args: Events[C]): void {
  mainWindow?.webContents.send(channel, ...args);
}

/** Only the server's page, in the app window's main frame, may use the bridge. */
function fromServer(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const origin = serverOrigin();
  const frame = event.senderFrame;
  return origin !== null && event.sender === mainWindow?.webContents && frame !== null && frame.parent === null && frame.origin === origin;
}

function handle<C extends keyof Invokes>(channel: C, handler: (...args: Invokes[C]["args"]) => Promise<Invokes[C]["result"]> | Invokes[C]["result"]): void {
  ipcMain.handle(channel, (event, ...args) => {
    if (!fromServer(event)) throw new Error(`${channel}: not allowed from this page`);
    return handler(...(args as Invokes[C]["args"]));
  });
}

function listen<C extends keyof Sends>(channel: C, listener: (...args: Sends[C]) => void): void {
  ipcMain.on(channel, (event, ...args) => {
    if (fromServer(event)) listener(...(args as Sends[C]));
  });
}

const text = (value: unknown, max: number) => String(value ?? "").slice(0, max);

function registerIpc(): void {
  handle("capture:list", async () => {
    // Only while a getDisplayMedia waits: the page cannot list window titles whenever it likes.
    if (!broker.waiting) throw new Error("capture:list: no screen share is waiting for a choice");
    const sources = await desktopCapturer.getSources({ types: ["screen", "window"], thumbnailSize: { width: 320, height: 180 }, fetchWindowIcons: true });
    broker.offered(sources);
    return sources.map((s): DesktopSource => ({
      id: s.id, name: s.name, kind: s.id.startsWith("screen:") ? "screen" : "window",
      thumbnailDataUrl: s.thumbnail.toDataURL(), appIconDataUrl: s.appIcon && !s.appIcon.isEmpty() ? s.appIcon.toDataURL() : null,
    }));
  });
  handle("capture:choose", (id, withAudio) => broker.choose(id === null ? null : String(id), withAudio === true));
  handle("ptt:set-key", (requested) => {
    const accelerator = requested === null ? null : String(requested);
    const ok = applyPushToTalkKey(accelerator);
    if (ok) update({ ...settings, pushToTalk: { ...settings.pushToTalk, accelerator } });
    return ok;
  });
  listen("tray:mute-state", (state) => {
    callState = { muted: state?.muted === true, inCall: state?.inCall === true };
    refreshTray();
  });
  listen("badge:unread", (count) => setUnread(Math.max(0, Math.floor(Number(count) || 0))));
  listen("notify", (n) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: text(n?.title, 120), body: text(n?.body, 400), silent: false });
    notification.on("click", showMain);
    notification.show();
  });

  // The servers page (its own preload, its own window).
  const fromServersPage = (event: IpcMainInvokeEvent) => event.sender === serversWindow?.webContents;
  const serversHandler = (channel: string, handler: (...args: unknown[]) => unknown) =>
    ipcMain.handle(channel, (event, ...args) => {
      if (!fromServersPage(event)) throw new Error(`${channel}: not allowed from this page`);
      return handler(...args);
    });
  const listing = () => ({ servers: settings.servers, current: settings.current });
  serversHandler("servers:list", listing);
  serversHandler("servers:add", (url, name) => {
    try {
      update(addServer(settings, String(url), typeof name === "string" ? name : undefined));
      return { error: null, ...listing() };
    } catch (e) {
      if (e instanceof ServerUrlError) return { error: e.message, ...listing() };
      throw e;
    }
  });
  serversHandler("servers:remove", (origin) => {
    const before = settings.current;
    update(removeServer(settings, String(origin)));
    // The window must not stay on a server the app no longer trusts.
    if (settings.current !== before) {
      if (settings.current) openServer(settings.current);
      else mainWindow?.close();
    }
    return { error: null, ...listing() };
  });
  serversHandler("servers:open", (origin) => {
    update(selectServer(settings, String(origin)));
    openServer(String(origin));
    serversWindow?.close();
  });
}

// ---- push-to-talk ------------------------------------------------------------------------

const ptt = new PushToTalk("hold", (pressed) => sendToPage("ptt:pressed", pressed));
let pttKey: string | null = null;

/** Registers `accelerator` as the global shortcut (null: none). False when the policy
 * (accelerator.ts), the OS or another app refuses it, or it is not a valid accelerator; the
 * previous one is then kept. */
function applyPushToTalkKey(accelerator: string | null): boolean {
  ptt.setMode(settings.pushToTalk.mode);
  if (accelerator === pttKey) return true;
  if (accelerator !== null && !globalShortcutAllowed(accelerator)) return false;
  let registered = accelerator === null;
  if (accelerator !== null) {
    try {
      registered = globalShortcut.register(accelerator, () => ptt.keyDown());
    } catch (e) {
      console.error(`push-to-talk shortcut ${JSON.stringify(accelerator)} refused: ${(e as Error).message}`);
      registered = false;
    }
  }
  if (!registered) return false;
  if (pttKey !== null) globalShortcut.unregister(pttKey);
  pttKey = accelerator;
  return true;
}

function setPushToTalkMode(mode: PttMode): void {
  update({ ...settings, pushToTalk: { ...settings.pushToTalk, mode } });
  ptt.setMode(mode);
}

// ---- tray, badge ---------------------------------------------------------------------------

function trayIcon(): Electron.NativeImage {
  const name = !callState.inCall ? "tray-idle" : callState.muted ? "tray-muted" : "tray-live";
  return nativeImage.createFromPath(asset(`${name}.png`));
}

function refreshTray(): void {
  if (!tray) return;
  tray.setImage(trayIcon());
  tray.setToolTip(`PeerShare${callState.inCall ? callState.muted ? " — in a call, muted" : " — in a call, microphone on" : ""}`);
  const servers: MenuItemConstructorOptions[] = settings.servers.map((s) => ({
    label: s.name, type: "radio", checked: s.origin === settings.current,
    click: () => { update(selectServer(settings, s.origin)); openServer(s.origin); },
  }));
  tray.setContextMenu(Menu.buildFromTemplate([
    { label: "Show PeerShare", click: showMain },
    { type: "separator" },
    ...servers,
    { label: "Servers…", click: showServers },
    { type: "separator" },
    { label: "Push-to-talk: hold the key", type: "radio", checked: settings.pushToTalk.mode === "hold", click: () => setPushToTalkMode("hold") },
    { label: "Push-to-talk: press to start, press to stop", type: "radio", checked: settings.pushToTalk.mode === "toggle", click: () => setPushToTalkMode("toggle") },
    { type: "separator" },
    { label: "Quit", role: "quit" },
  ]));
}

function setUnread(count: number): void {
  // macOS dock and Linux launchers (Unity) show a number; Windows an overlay on the taskbar button.
  app.setBadgeCount(count);
  if (process.platform === "win32" && mainWindow) {
    mainWindow.setOverlayIcon(count ? nativeImage.createFromPath(asset("badge.png")) : null, count ? `${count} unread` : "");
  }
}

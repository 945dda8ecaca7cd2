// What the desktop app remembers between starts (one JSON file in the user's data folder): the
// servers it knows and which one it opens, the window's place, and the push-to-talk shortcut.
// Loading never trusts the file: anything malformed is dropped, field by field.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { PttMode } from "./pushToTalk.js";
import { normalizeServerUrl } from "./servers.js";
import type { WindowState } from "./windowState.js";

export interface Server { origin: string; name: string }

export interface Settings {
  servers: Server[];
  /** The origin opened at start; null until the user picked one (first start). */
  current: string | null;
  window: WindowState | null;
  pushToTalk: { accelerator: string | null; mode: PttMode };
}

/** "toggle" on macOS: its global shortcuts do not auto-repeat while held, so "hold" (which
 * infers the release from the repeats, pushToTalk.ts) would cut off after a moment there. */
export function defaultPttMode(platform: NodeJS.Platform): PttMode {
  return platform === "darwin" ? "toggle" : "hold";
}

export function defaultSettings(platform: NodeJS.Platform): Settings {
  return { servers: [], current: null, window: null, pushToTalk: { accelerator: null, mode: defaultPttMode(platform) } };
}

/** This machine's defaults. */
export const DEFAULT_SETTINGS: Settings = defaultSettings(process.platform);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function parseServer(raw: unknown): Server | null {
  if (!isRecord(raw) || typeof raw.origin !== "string") return null;
  try {
    const origin = normalizeServerUrl(raw.origin);
    return { origin, name: typeof raw.name === "string" && raw.name.trim() ? raw.name.trim() : new URL(origin).host };
  } catch {
    return null;
  }
}

function parseWindow(raw: unknown): WindowState | null {
  if (!isRecord(raw) || ![raw.x, raw.y, raw.width, raw.height].every(finite)) return null;
  return { x: raw.x as number, y: raw.y as number, width: raw.width as number, height: raw.height as number, maximized: raw.maximized === true };
}

/** Settings from the file's parsed JSON; what cannot be read falls back to the defaults. */
export function parseSettings(raw: unknown, platform: NodeJS.Platform = process.platform): Settings {
  if (!isRecord(raw)) return defaultSettings(platform);
  const servers: Server[] = [];
  for (const server of Array.isArray(raw.servers) ? raw.servers.map(parseServer) : []) {
    if (server && !servers.some((s) => s.origin === server.origin)) servers.push(server);
  }
  const current = servers.find((s) => s.origin === raw.current)?.origin ?? null;
  const ptt = isRecord(raw.pushToTalk) ? raw.pushToTalk : {};
  return {
    servers,
    current,
    window: parseWindow(raw.window),
    pushToTalk: {
      accelerator: typeof ptt.accelerator === "string" && ptt.accelerator ? ptt.accelerator : null,
      mode: ptt.mode === "toggle" || ptt.mode === "hold" ? ptt.mode : defaultPttMode(platform),
    },
  };
}

/** The settings in `path`; defaults when there is no file yet. A file that is not JSON is an
 * error worth seeing, so it is reported to `onCorrupt` and then replaced by defaults. */
export function loadSettings(path: string, onCorrupt: (error: Error) => void): Settings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return structuredClone(DEFAULT_SETTINGS);
    throw e;
  }
  try {
    return parseSettings(JSON.parse(text));
  } catch (e) {
    onCorrupt(e as Error);
    return structuredClone(DEFAULT_SETTINGS);
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export function saveSettings(path: string, settings: Settings): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(settings, null, 2), { mode: 0o600 });
  renameSync(temporary, path);
}

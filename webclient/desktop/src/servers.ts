// The servers the app knows: adding one (typed by the user, so checked and reduced to an origin),
// removing one and switching. Pure functions over Settings; main.ts saves the result.
import type { Settings } from "./settings.js";

export class ServerUrlError extends Error {}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The origin of a PeerShare server from what the user typed ("chat.example.org",
 * "https://chat.example.org/some/page"). Plain http only for this machine: anywhere else the
 * sign-in tokens would cross the network in clear. */
export function normalizeServerUrl(input: string): string {
  const text = input.trim();
  if (!text) throw new ServerUrlError("Enter the server's address.");
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new ServerUrlError(`"${text}" is not a web address.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ServerUrlError("The address must start with https://.");
  if (url.username || url.password) throw new ServerUrlError("The address must not contain a user name or password.");
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname)) {
    throw new ServerUrlError("Use https:// (plain http:// is only allowed for a server on this computer).");
  }
  return url.origin;
}

/** Adds (or renames) the server at `input` and makes it the one opened. */
export function addServer(settings: Settings, input: string, name?: string): Settings {
  const origin = normalizeServerUrl(input);
  const label = name?.trim() || new URL(origin).host;
  const servers = settings.servers.some((s) => s.origin === origin)
    ? settings.servers.map((s) => (s.origin === origin ? { origin, name: label } : s))
    : [...settings.servers, { origin, name: label }];
  return { ...settings, servers, current: origin };
}

/** Forgets a server; when it was the current one the first remaining one is opened instead
 * (none left: the app asks again, as on first start). */
export function removeServer(settings: Settings, origin: string): Settings {
  const servers = settings.servers.filter((s) => s.origin !== origin);
  const current = settings.current === origin ? servers[0]?.origin ?? null : settings.current;
  return { ...settings, servers, current };
}

export function selectServer(settings: Settings, origin: string): Settings {
  if (!settings.servers.some((s) => s.origin === origin)) throw new ServerUrlError(`Unknown server ${origin}.`);
  return { ...settings, current: origin };
}

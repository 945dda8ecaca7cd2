// peershare://invite/<code> links: macOS hands them to 'open-url'; Windows and Linux start the
// app (or a second instance) with the link among the command-line arguments.

export const PROTOCOL = "peershare";
// The same characters the web client's /invite/<code> route accepts.
const CODE = /^[A-Za-z0-9_-]{1,128}$/;

/** The web client path a deep link opens ("/invite/<code>"), or null for anything else. */
export function deepLinkPath(link: string): string | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${PROTOCOL}:` || url.hostname.toLowerCase() !== "invite" || url.search || url.username) return null;
  const code = url.pathname.replace(/^\/|\/$/g, "");
  return CODE.test(code) ? `/invite/${code}` : null;
}

/** The first deep link among a process's arguments (argv of a second instance). */
export function deepLinkFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (!arg.toLowerCase().startsWith(`${PROTOCOL}:`)) continue;
    const path = deepLinkPath(arg);
    if (path) return path;
  }
  return null;
}

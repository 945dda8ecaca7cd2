// Where the app window may go. It only ever shows the chosen server: other web pages open in the
// user's browser, and every other scheme (file:, javascript:, data:, custom ones) goes nowhere.

export type Destination = "stay" | "browser" | "refuse";

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A navigation of the app window (a link, a form, location.assign, a server redirect). */
export function navigationDestination(url: string, serverOrigin: string): Destination {
  const parsed = parse(url);
  if (!parsed) return "refuse";
  if (parsed.origin === serverOrigin) return "stay";
  return parsed.protocol === "https:" || parsed.protocol === "http:" ? "browser" : "refuse";
}

/** window.open / target=_blank: the app never opens a second window of its own; web pages,
 * the server's included, go to the user's browser. */
export function newWindowDestination(url: string): Exclude<Destination, "stay"> {
  const parsed = parse(url);
  return parsed && (parsed.protocol === "https:" || parsed.protocol === "http:") ? "browser" : "refuse";
}

// OAuth sign-in in the browser. Before leaving for the provider the tab remembers a random value
// (sessionStorage) and sends it along; the server hands it back in the URL fragment beside the
// tokens. The app signs in only when the two match, so tokens pushed in by someone else's link
// (login CSRF, a fixated account) are ignored.

export const OAUTH_STATE_KEY = "peershare.oauthState";

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface FragmentTokens { access_token: string; refresh_token: string }

export type FragmentResult =
  | { kind: "none" }
  | { kind: "refused" }
  | { kind: "signed_in"; tokens: FragmentTokens };

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The start URL for `provider`, with a fresh value this tab now expects back. */
export function oauthStartUrl(provider: string, storage: KeyValueStore,
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const value = base64url(randomBytes(32));
  storage.setItem(OAUTH_STATE_KEY, value);
  return `/api/auth/oauth/${encodeURIComponent(provider)}/start?client_state=${value}`;
}

/** What the fragment `hash` means for this tab. Any tokens in it use up the stored value, so
 *  a fragment works once; the caller scrubs the fragment unless the result is "none". */
export function takeFragmentTokens(hash: string, storage: KeyValueStore): FragmentResult {
  const fragment = new URLSearchParams(hash.replace(/^#/, ""));
  const access = fragment.get("access_token");
  const refresh = fragment.get("refresh_token");
  if (!access && !refresh) return { kind: "none" };
  const expected = storage.getItem(OAUTH_STATE_KEY);
  storage.removeItem(OAUTH_STATE_KEY);
  if (!access || !refresh || !expected || fragment.get("client_state") !== expected) return { kind: "refused" };
  return { kind: "signed_in", tokens: { access_token: access, refresh_token: refresh } };
}

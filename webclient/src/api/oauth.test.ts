import { describe, expect, it } from "vitest";
import { OAUTH_STATE_KEY, oauthStartUrl, takeFragmentTokens, type KeyValueStore } from "./oauth";

class MemoryStore implements KeyValueStore {
  values = new Map<string, string>();
  getItem(key: string) { return this.values.get(key) ?? null; }
  setItem(key: string, value: string) { this.values.set(key, value); }
  removeItem(key: string) { this.values.delete(key); }
}

const fragment = (state?: string) =>
  `#access_token=acc&refresh_token=ref&expires_in=3600${state === undefined ? "" : `&client_state=${state}`}`;

function started(): { storage: MemoryStore; state: string } {
  const storage = new MemoryStore();
  const url = new URL(oauthStartUrl("github", storage), "http://app.test");
  return { storage, state: url.searchParams.get("client_state") ?? "" };
}

describe("OAuth tokens from the URL fragment", () => {
  it("starts with a fresh url-safe value that the tab remembers", () => {
    const { storage, state } = started();
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(storage.getItem(OAUTH_STATE_KEY)).toBe(state);
    expect(started().state).not.toBe(state);
  });

  it("signs in when the fragment brings back the value this tab stored, once", () => {
    const { storage, state } = started();
    expect(takeFragmentTokens(fragment(state), storage)).toEqual(
      { kind: "signed_in", tokens: { access_token: "acc", refresh_token: "ref" } });
    expect(storage.getItem(OAUTH_STATE_KEY)).toBeNull();
    expect(takeFragmentTokens(fragment(state), storage)).toEqual({ kind: "refused" });
  });

  it("refuses tokens from a sign-in this tab did not start", () => {
    expect(takeFragmentTokens(fragment("a".repeat(43)), new MemoryStore())).toEqual({ kind: "refused" });
    expect(takeFragmentTokens(fragment(), new MemoryStore())).toEqual({ kind: "refused" });
  });

  it("refuses a value that does not match, and forgets the stored one", () => {
    const { storage } = started();
    expect(takeFragmentTokens(fragment("b".repeat(43)), storage)).toEqual({ kind: "refused" });
    expect(storage.getItem(OAUTH_STATE_KEY)).toBeNull();
  });

  it("refuses a fragment without the stored value even when the tab started a sign-in", () => {
    const { storage } = started();
    expect(takeFragmentTokens(fragment(), storage)).toEqual({ kind: "refused" });
  });

  it("leaves a fragment without tokens alone", () => {
    const { storage, state } = started();
    expect(takeFragmentTokens("#section-2", storage)).toEqual({ kind: "none" });
    expect(takeFragmentTokens("", storage)).toEqual({ kind: "none" });
    expect(storage.getItem(OAUTH_STATE_KEY)).toBe(state);
  });
});

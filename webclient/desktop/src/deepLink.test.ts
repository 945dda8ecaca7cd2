import { describe, expect, it } from "vitest";
import { deepLinkFromArgv, deepLinkPath } from "./deepLink.js";

describe("deep links", () => {
  it("turns an invite link into the web client's invite path", () => {
    expect(deepLinkPath("peershare://invite/AbC_12-x")).toBe("/invite/AbC_12-x");
    expect(deepLinkPath("peershare://invite/AbC/")).toBe("/invite/AbC");
    expect(deepLinkPath("PEERSHARE://INVITE/abc")).toBe("/invite/abc");
  });

  it("refuses anything else", () => {
    for (const bad of [
      "peershare://invite/", "peershare://invite/a/b", "peershare://invite/a%2Fb", "peershare://invite/..%2f..",
      "peershare://invite/abc?next=https://evil", "peershare://login/abc", "https://invite/abc", "peershare:invite/abc",
      "peershare://user@invite/abc", "peershare://invite/" + "a".repeat(129), "not a url",
    ]) expect(deepLinkPath(bad), bad).toBeNull();
  });

  it("finds the link among a second instance's arguments (Windows, Linux)", () => {
    expect(deepLinkFromArgv(["/opt/PeerShare/peershare", "--no-sandbox", "peershare://invite/xyz"])).toBe("/invite/xyz");
    expect(deepLinkFromArgv(["C:\\PeerShare.exe", "peershare://bogus", "peershare://invite/ok"])).toBe("/invite/ok");
    expect(deepLinkFromArgv(["/opt/PeerShare/peershare", "--flag"])).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { formatClock, removalMessage } from "./callControls";

describe("call wording", () => {
  it("tells why I was taken out of a call, and nothing when I left", () => {
    expect(removalMessage("access_revoked")).toBe("You no longer have access to this call.");
    expect(removalMessage("kicked")).toBe("A moderator removed you from the call.");
    expect(removalMessage("left")).toBeNull();
    expect(removalMessage(null)).toBeNull();
    expect(removalMessage("something_new")).toBe("The call ended.");
  });

  it("shows time left as m:ss, rounding up and never below zero", () => {
    expect(formatClock(600_000)).toBe("10:00");
    expect(formatClock(59_001)).toBe("1:00");
    expect(formatClock(9_000)).toBe("0:09");
    expect(formatClock(3_725_000)).toBe("1:02:05");
    expect(formatClock(-5)).toBe("0:00");
    expect(formatClock(59_999, Math.floor)).toBe("0:59");
  });
});

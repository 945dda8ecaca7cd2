import { describe, expect, it } from "vitest";
import { bulkSummary, parseUserIds } from "./memberAdmin";

const result = (ok: boolean, error: string | null = null) => ({ user_id: "u", ok, error, invite_code: ok ? "code" : null });

describe("member management wording", () => {
  it("says a bulk add invited people rather than added them", () => {
    expect(bulkSummary("add", [result(true), result(true)])).toBe("Invited 2 people (they join when they accept).");
    expect(bulkSummary("add", [result(true), result(false, "banned"), result(false, "banned")]))
      .toBe("Invited 1 person (they join when they accept). 2 people could not be invited: banned.");
  });

  it("words removals and role changes, and an empty result", () => {
    expect(bulkSummary("remove", [result(true)])).toBe("Removed 1 person.");
    expect(bulkSummary("set_role", [result(false, "forbidden")])).toBe("1 person could not be updated: forbidden.");
    expect(bulkSummary("remove", [])).toBe("Nobody was selected.");
  });

  it("reads user ids from lines, commas or spaces, once each", () => {
    expect(parseUserIds(" a\nb, c  a;\n")).toEqual(["a", "b", "c"]);
    expect(parseUserIds("  ")).toEqual([]);
  });
});

import { describe, expect, it, vi } from "vitest";
import { COPY_REFUSED, copyText } from "./clipboard";

describe("copyText", () => {
  it("copies, or says so when the clipboard refuses or is missing", async () => {
    const written: string[] = [];
    expect(await copyText({ writeText: async (t) => void written.push(t) }, "https://x/invite/a")).toBeNull();
    expect(written).toEqual(["https://x/invite/a"]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await copyText({ writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) }, "t")).toBe(COPY_REFUSED);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
    expect(await copyText(undefined, "t")).toBe(COPY_REFUSED);
  });
});

import { describe, expect, it } from "vitest";
import { restoreWindow } from "./windowState.js";

const primary = { x: 0, y: 0, width: 1920, height: 1040 };
const right = { x: 1920, y: 0, width: 1280, height: 1000 };

describe("restoreWindow", () => {
  it("keeps a place that is still on a screen", () => {
    const saved = { x: 2000, y: 50, width: 800, height: 600, maximized: false };
    expect(restoreWindow(saved, [primary, right])).toEqual(saved);
  });

  it("centres on the primary screen when the saved screen is gone", () => {
    const saved = { x: 2000, y: 50, width: 800, height: 600, maximized: true };
    expect(restoreWindow(saved, [primary])).toEqual({ x: 320, y: 120, width: 1280, height: 800, maximized: true });
  });

  it("needs more than a sliver on screen, and shrinks to a small screen", () => {
    const sliver = { x: 1900, y: 0, width: 800, height: 600, maximized: false };
    expect(restoreWindow(sliver, [primary])).not.toEqual(sliver);
    expect(restoreWindow(null, [{ x: 0, y: 0, width: 1024, height: 700 }])).toEqual({ x: 0, y: 0, width: 1024, height: 700, maximized: false });
  });
});

import { describe, expect, it } from "vitest";
import { pickSpatialLayer, p2pQuality } from "./layers";
import { iceRestartDelayMs } from "./retry";

describe("call tuning", () => {
  it("asks for the smallest simulcast layer that fills the tile", () => {
    expect(pickSpatialLayer(120)).toBe(0);
    expect(pickSpatialLayer(190)).toBe(0); // within 10 %: upscaling that little is invisible
    expect(pickSpatialLayer(210)).toBe(1);
    expect(pickSpatialLayer(360)).toBe(1);
    expect(pickSpatialLayer(360, 2)).toBe(2);
    expect(pickSpatialLayer(2000)).toBe(2);
  });

  it("grades P2P stats as the server does", () => {
    expect(p2pQuality(40, 0)).toBe("good");
    expect(p2pQuality(200, 1)).toBe("fair");
    expect(p2pQuality(40, 9)).toBe("poor");
  });

  it("backs ICE restarts off exponentially up to 16 s", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(iceRestartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000]);
  });
});

import { describe, expect, it } from "vitest";
import { CaptureBroker, CaptureError, type CaptureChoice } from "./capture.js";

type Source = { id: string; name: string };
const SOURCES: Source[] = [{ id: "screen:0:0", name: "Entire screen" }, { id: "window:42:0", name: "Editor" }];

function setup(platform = "linux") {
  const asked: number[] = [];
  const broker = new CaptureBroker<Source>(platform, () => asked.push(1));
  const answers: (CaptureChoice<Source> | null)[] = [];
  return { broker, asked, answers, answer: (c: CaptureChoice<Source> | null) => answers.push(c) };
}

describe("screen picker broker", () => {
  it("asks the page, then answers getDisplayMedia with the source it chose", () => {
    const { broker, asked, answers, answer } = setup();
    broker.request(false, answer);
    expect(asked).toHaveLength(1);
    expect(broker.waiting).toBe(true);
    broker.offered(SOURCES);
    broker.choose("window:42:0", false);
    expect(answers).toEqual([{ source: SOURCES[1], loopbackAudio: false }]);
    expect(broker.waiting).toBe(false);
    expect(() => broker.choose("window:42:0", false)).toThrow(CaptureError);
  });

  it("cancels with null", () => {
    const { broker, answers, answer } = setup();
    broker.request(false, answer);
    broker.offered(SOURCES);
    broker.choose(null, false);
    expect(answers).toEqual([null]);
  });

  it("refuses a source the page was not shown, and keeps waiting", () => {
    const { broker, answers, answer } = setup();
    broker.request(false, answer);
    broker.offered(SOURCES);
    expect(() => broker.choose("screen:9:9", false)).toThrow(/Unknown capture source/);
    expect(answers).toEqual([]);
    broker.choose("screen:0:0", false);
    expect(answers).toHaveLength(1);
  });

  it("a new request cancels the one still waiting, and forgets its sources", () => {
    const { broker, asked, answers, answer } = setup();
    broker.request(false, answer);
    broker.offered(SOURCES);
    broker.request(false, answer);
    expect(answers).toEqual([null]);
    expect(asked).toHaveLength(2);
    expect(() => broker.choose("screen:0:0", false)).toThrow(CaptureError);
  });

  it("adds system audio only on Windows, when asked for and ticked", () => {
    for (const [platform, requested, ticked, expected] of [
      ["win32", true, true, true], ["win32", false, true, false], ["win32", true, false, false],
      ["darwin", true, true, false], ["linux", true, true, false],
    ] as const) {
      const { broker, answers, answer } = setup(platform);
      broker.request(requested, answer);
      broker.offered(SOURCES);
      broker.choose("screen:0:0", ticked);
      expect(answers[0]?.loopbackAudio, `${platform} ${requested} ${ticked}`).toBe(expected);
    }
  });
});

// The recording controls rendered to markup (no DOM here): what they say and how they are labelled.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { CallRecording } from "../recording/useCallRecording";
import { initialState, type State } from "../state/store";
import { ConsentDialog, RecordButton, RecordingIndicator, RecordingMark } from "./Recording";

const controls: CallRecording = { busy: false, error: null, start: async () => {}, stop: async () => {}, answer: async () => {} };
const recording = { recording_id: "r1", started_by: "u-mod", started_at: new Date(Date.now() - 65_000).toISOString() };
const state: State = { ...initialState, names: { "u-mod": "Alice" } };

describe("the recording controls", () => {
  it("ask for consent naming who records, with Decline first (the default focus) and Allow", () => {
    const html = renderToStaticMarkup(createElement(ConsentDialog, { prompt: { channelId: "voice", recording }, state, controls }));
    expect(html).toContain('role="dialog"');
    expect(html).toContain('aria-modal="true"');
    expect(html).toContain("This call is being recorded by Alice. Allow your audio, camera and screen to be recorded?");
    expect(html.indexOf(">Decline<")).toBeLessThan(html.indexOf(">Allow<"));
  });

  it("show the indicator with the time elapsed, and a not-recorded note after declining", () => {
    const html = renderToStaticMarkup(createElement(RecordingIndicator, { recording, consent: "declined", moderator: false, controls }));
    expect(html).toMatch(/aria-label="Recording, 1:0[5-6] so far. Recording options"/);
    expect(html).toContain('aria-expanded="false"');
    expect(html).toContain("You are not recorded");
    expect(renderToStaticMarkup(createElement(RecordingIndicator, { recording, consent: "accepted", moderator: true, controls })))
      .not.toContain("not recorded");
  });

  it("offer moderators Record, or Stop recording while one runs", () => {
    expect(renderToStaticMarkup(createElement(RecordButton, { recording: undefined, controls }))).toContain("Record</button>");
    expect(renderToStaticMarkup(createElement(RecordButton, { recording, controls }))).toContain("Stop recording</button>");
  });

  it("mark a recorded voice channel for screen readers too", () => {
    expect(renderToStaticMarkup(createElement(RecordingMark))).toContain("being recorded");
  });
});

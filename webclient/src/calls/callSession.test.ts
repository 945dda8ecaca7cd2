import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallJoined, CallParticipant } from "../api/protocol.gen";
import { fakeGateway, fakeStream, fakeTrack } from "../testing/fakes";
import { CallSession, MUTED_BY_MODERATOR, TURN_RETRY_MS } from "./callSession";
import { renewalDelayMs } from "./retry";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const MINUTE = 60_000;
const at = (ms: number) => new Date(ms).toISOString();
const me = (muted = false): CallParticipant => ({
  participant_id: "p-me", user_id: "u-me", joined_at: "", audio: true, video: true, screen: false, muted_by_moderator: muted,
});
const joined = (extra: Partial<CallJoined> = {}): CallJoined => ({
  call_id: "call", participant_id: "p-me", resume_token: "r", mode: "p2p", participants: [me()],
  ice_servers: [{ urls: ["turn:a"], username: "u1", credential: "c1" }], time_limit_s: null, ice_servers_expire_at: null,
  recording: null,
  ...extra,
});

async function inCall(reply: CallJoined = joined()) {
  const gateway = fakeGateway({ join_call: () => reply });
  const mic = fakeTrack("audio");
  const camera = fakeTrack("video");
  const call = new CallSession(gateway, "voice", fakeStream(mic, camera), ["join_call", "speak", "video", "share_screen"]);
  await call.join();
  return { call, gateway, mic, camera };
}

describe("a call's live rights", () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(T0); });
  afterEach(() => vi.useRealTimers());

  it("stops what may no longer be sent and explains the disabled control", async () => {
    const { call, gateway, mic, camera } = await inCall();
    gateway.push({ type: "call_permissions", channel_id: "voice", speak: true, video: false, share_screen: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(camera.readyState).toBe("ended");
    expect(call.sending("camera")).toBe(false);
    expect(call.sending("mic")).toBe(true);
    expect(call.blockedReason("camera")).toBe("You may not use your camera in this channel.");
    expect(call.blockedReason("mic")).toBeNull();
    expect(gateway.sent("set_media_state").at(-1)).toMatchObject({ audio: true, video: false });
    await expect(call.setSending("camera", fakeTrack("video"))).rejects.toThrow("camera");
    expect(mic.enabled).toBe(true);
    // The right comes back: the control works again.
    gateway.push({ type: "call_permissions", channel_id: "voice", speak: true, video: true, share_screen: false });
    await vi.advanceTimersByTimeAsync(0);
    await call.setSending("camera", fakeTrack("video"));
    expect(call.sending("camera")).toBe(true);
  });

  it("ignores another channel's pushes", async () => {
    const { call, gateway } = await inCall();
    gateway.push({ type: "call_permissions", channel_id: "elsewhere", speak: false, video: false, share_screen: false });
    gateway.push({ type: "call_muted", channel_id: "elsewhere", by_user_id: "u-mod" });
    await vi.advanceTimersByTimeAsync(0);
    expect(call.canSend("mic")).toBe(true);
    expect(call.canSend("camera")).toBe(true);
  });

  it("keeps a moderator's mute until call_unmuted, then lets me turn the mic on again", async () => {
    const { call, gateway, mic } = await inCall();
    gateway.push({ type: "call_muted", channel_id: "voice", by_user_id: "u-mod" });
    await vi.advanceTimersByTimeAsync(0);
    expect(call.sending("mic")).toBe(false);
    expect(call.blockedReason("mic")).toBe(MUTED_BY_MODERATOR);
    await expect(call.setSending("mic", mic)).rejects.toThrow(MUTED_BY_MODERATOR);
    gateway.push({ type: "call_unmuted", channel_id: "voice", by_user_id: "u-mod" });
    await vi.advanceTimersByTimeAsync(0);
    expect(call.canSend("mic")).toBe(true);
    expect(call.sending("mic")).toBe(false);
    await call.setSending("mic", mic);
    expect(call.sending("mic")).toBe(true);
  });

  it("starts muted when rejoining a call where a moderator muted me", async () => {
    const { call, gateway } = await inCall(joined({ participants: [me(true)] }));
    expect(call.mutedByModerator).toBe(true);
    expect(call.sending("mic")).toBe(false);
    expect(gateway.sent("set_media_state").at(-1)).toMatchObject({ audio: false });
  });

  it("ends with the reason the server gave", async () => {
    const { call, gateway } = await inCall();
    gateway.push({ type: "call_removed", channel_id: "voice", reason: "access_revoked" });
    await vi.advanceTimersByTimeAsync(0);
    expect(call.status).toBe("ended");
    expect(call.endedReason).toBe("access_revoked");
  });

  it("counts a guest's time down from what is left, corrected by warnings", async () => {
    const { call, gateway } = await inCall(joined({ time_limit_s: 600 }));
    expect(call.deadline).toBe(T0 + 600_000);
    vi.setSystemTime(T0 + 5 * MINUTE);
    gateway.push({ type: "call_warning", channel_id: "voice", reason: "time_limit", remaining_s: 60 });
    await vi.advanceTimersByTimeAsync(0);
    expect(call.deadline).toBe(T0 + 6 * MINUTE);
  });
});

describe("TURN renewal", () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(T0); });
  afterEach(() => vi.useRealTimers());

  it("asks 2 minutes before expiry, or at 80 % of a lifetime too short for that", () => {
    expect(renewalDelayMs(at(T0 + 60 * MINUTE), T0)).toBe(58 * MINUTE);
    expect(renewalDelayMs(at(T0 + 5 * MINUTE), T0)).toBe(4 * MINUTE);
    expect(renewalDelayMs(at(T0 + MINUTE), T0)).toBe(0.8 * MINUTE);
    expect(renewalDelayMs(at(T0 - MINUTE), T0)).toBe(0);
    expect(renewalDelayMs(null, T0)).toBeNull();
  });

  it("renews before the credentials expire, then again before the new ones do, until the call ends", async () => {
    const { call, gateway } = await inCall(joined({ ice_servers_expire_at: at(T0 + 10 * MINUTE) }));
    let expiry = T0 + 10 * MINUTE;
    gateway.handlers.turn_credentials = () => {
      expiry += 10 * MINUTE;
      return { ice_servers: [{ urls: ["turn:a"], username: `u${expiry}`, credential: "c" }], ice_servers_expire_at: at(expiry) };
    };
    await vi.advanceTimersByTimeAsync(8 * MINUTE - 1);
    expect(gateway.sent("turn_credentials")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(gateway.sent("turn_credentials")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(gateway.sent("turn_credentials")).toHaveLength(2);
    await call.leave();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(gateway.sent("turn_credentials")).toHaveLength(2);
  });

  it("asks again shortly when a renewal fails", async () => {
    const { call, gateway } = await inCall(joined({ ice_servers_expire_at: at(T0 + 10 * MINUTE) }));
    let failures = 1;
    gateway.handlers.turn_credentials = () => {
      if (failures-- > 0) throw new Error("busy");
      return { ice_servers: [], ice_servers_expire_at: null };
    };
    await vi.advanceTimersByTimeAsync(8 * MINUTE);
    expect(gateway.sent("turn_credentials")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TURN_RETRY_MS);
    expect(gateway.sent("turn_credentials")).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(gateway.sent("turn_credentials")).toHaveLength(2);
    await call.leave();
  });
});

describe("a call's recording", () => {
  it("passes each join reply on, so the indicator learns the call is recorded", async () => {
    const recording = { recording_id: "r1", started_by: "u-mod", started_at: "" };
    const gateway = fakeGateway({ join_call: () => joined({ recording }) });
    const call = new CallSession(gateway, "voice", null, ["join_call"]);
    const seen: unknown[] = [];
    call.onJoined((reply) => seen.push(reply.recording));
    await call.join();
    expect(seen).toEqual([recording]);
  });

  it("starts, stops and answers consent through signaling", async () => {
    const { call, gateway } = await inCall();
    await call.startRecording();
    await call.answerRecording("r1", false);
    await call.stopRecording();
    expect(gateway.requests.map((r) => r.type).filter((t) => String(t).startsWith("recording"))).toEqual(
      ["recording_start", "recording_consent", "recording_stop"]);
    expect(gateway.sent("recording_consent")[0]).toMatchObject({ recording_id: "r1", accept: false });
  });
});

describe("a call on the raw microphone (no voice chain)", () => {
  it("mutes through the push-to-talk gate: unmuting does not open the mic while the key is up", async () => {
    const { PushToTalk } = await import("../voice/pushToTalk");
    const { RawMicGate } = await import("../voice/rawMicGate");
    const { VoiceSettingsStore } = await import("../voice/settings");
    const store = new VoiceSettingsStore(null);
    store.update({ mode: "ptt" });
    const ptt = new PushToTalk({ set: (callback) => { callback(); return 0; }, clear: () => {} });
    const mic = fakeTrack("audio");
    const gateway = fakeGateway({ join_call: () => joined() });
    const gate = new RawMicGate(mic, store, ptt);
    const call = new CallSession(gateway, "voice", fakeStream(mic), ["join_call", "speak"], { gate });
    await call.join();
    expect(mic.enabled).toBe(false);
    expect(call.sending("mic")).toBe(true); // unmuted, only waiting for the key
    await call.setSending("mic", null);
    ptt.press();
    expect(mic.enabled).toBe(false);
    expect(call.sending("mic")).toBe(false);
    await call.setSending("mic", mic);
    expect(mic.enabled).toBe(true);
    ptt.release();
    expect(mic.enabled).toBe(false);
  });

  it("lets go of push-to-talk when the call ends (a shortcut held through the hang-up)", async () => {
    const { PushToTalk } = await import("../voice/pushToTalk");
    const ptt = new PushToTalk();
    const call = new CallSession(fakeGateway({ join_call: () => joined() }), "voice", null, ["join_call"], { pushToTalk: ptt });
    await call.join();
    ptt.press();
    await call.leave();
    expect(ptt.isTalking).toBe(false);
  });
});

describe("a call's end", () => {
  it("stops the microphone and camera it was given when it is left", async () => {
    const { call, mic, camera } = await inCall();
    await call.leave();
    expect(mic.readyState).toBe("ended");
    expect(camera.readyState).toBe("ended");
  });

  it("leaves and stops its media when the join fails", async () => {
    const gateway = fakeGateway({ join_call: () => { throw new Error("channel full"); } });
    const mic = fakeTrack("audio");
    const call = new CallSession(gateway, "voice", fakeStream(mic), ["join_call", "speak"]);
    await expect(call.join()).rejects.toThrow("channel full");
    expect(call.status).toBe("ended");
    expect(mic.readyState).toBe("ended");
    expect(gateway.sent("leave_call")).toHaveLength(1);
  });
});

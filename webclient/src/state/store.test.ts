import { describe, expect, it } from "vitest";
import type { CallRecordingState, MessageOut, RecordingInfo, RecordingOut, Welcome } from "../api/protocol.gen";
import { canManageRecordings, canModerate, channelsOf, recordingAnnouncement, voiceOccupants, initialState, mentionedNames, presenceIn, reduce, roleIn, TYPING_SHOWN_MS, type State } from "./store";

const me = { id: "u-me", username: "me", display_name: "Me", email: null, email_verified: false, avatar_url: null, is_guest: false, guest_group_id: null };
const group = { id: "g1", name: "Team", description: "", privacy: "private" as const, member_limit: 50, owner_id: "u-me", member_count: 2, my_role: "owner" as const, created_at: "",
  recording_quality: { resolution: "720p" as const, fps: 30, video_bitrate: 2_500_000 }, recording_retention_days: null };
const channel = (id: string, kind: "text" | "voice", position: number) => ({
  id, group_id: "g1", kind, name: id, topic: "", position, overrides: {}, my_permissions: [] as never[],
});
const welcome: Welcome = {
  type: "welcome", session_id: "s", user: me, heartbeat_s: 10, presence: [], recordings: [], my_status: "dnd", my_status_text: "away",
  groups: [{ group, channels: [channel("voice", "voice", 0), channel("general", "text", 1), channel("random", "text", 0)] }],
};
const message = (id: string, seq: number, author = "u-other", version = seq): MessageOut => ({
  id, channel_id: "general", author_id: author, client_id: id, seq, version, body: `m${seq}`, mentions: [],
  created_at: "", edited_at: null, deleted: false,
});
const member = (id: string, role: "owner" | "moderator" | "member" | "guest") => ({
  user_id: id, username: id, display_name: id, avatar_url: null, role, joined_at: "",
});
const ready = (): State => reduce(initialState, { type: "welcome", welcome });

describe("the store", () => {
  it("builds groups and channels from the welcome, text channels first in order", () => {
    const state = ready();
    expect(channelsOf(state, "g1").map((c) => c.id)).toEqual(["random", "general", "voice"]);
    expect(state.names["u-me"]).toBe("Me");
  });

  it("keeps messages ordered by seq without duplicates, and the newest version of each", () => {
    let state = ready();
    state = reduce(state, { type: "history", channelId: "general", messages: [message("b", 2), message("a", 1)], complete: true });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_created", group_id: "g1", message: message("b", 2) } });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_created", group_id: "g1", message: message("c", 3) } });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_updated", group_id: "g1", message: { ...message("a", 1, "u-other", 4), body: "edited" } } });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_updated", group_id: "g1", message: { ...message("a", 1, "u-other", 2), body: "stale" } } });
    expect(state.messages.general.map((m) => [m.id, m.body])).toEqual([["a", "edited"], ["b", "m2"], ["c", "m3"]]);
  });

  it("counts unread messages of other people in channels that are not open", () => {
    let state = reduce(ready(), { type: "open_channel", channelId: "random" });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_created", group_id: "g1", message: message("x", 1) } });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_created", group_id: "g1", message: message("x", 1) } });
    state = reduce(state, { type: "push", now: 0, push: { type: "message_created", group_id: "g1", message: message("y", 2, "u-me") } });
    expect(state.unread.general).toBe(1);
    expect(reduce(state, { type: "open_channel", channelId: "general" }).unread.general).toBe(0);
  });

  it("shows typing for a while, never my own, and stops when that person's message arrives", () => {
    let state = ready();
    state = reduce(state, { type: "push", now: 1000, push: { type: "typing", group_id: "g1", channel_id: "general", user_id: "u-other" } });
    state = reduce(state, { type: "push", now: 1000, push: { type: "typing", group_id: "g1", channel_id: "general", user_id: "u-me" } });
    expect(Object.keys(state.typing.general)).toEqual(["u-other"]);
    expect(Object.keys(reduce(state, { type: "typing_expired", now: 1000 + TYPING_SHOWN_MS - 1 }).typing.general)).toEqual(["u-other"]);
    expect(reduce(state, { type: "typing_expired", now: 1000 + TYPING_SHOWN_MS + 1 }).typing.general).toEqual({});
    state = reduce(state, { type: "push", now: 2000, push: { type: "message_created", group_id: "g1", message: message("z", 1) } });
    expect(state.typing.general).toEqual({});
  });

  it("tracks live calls and drops them when they empty", () => {
    const participant = { participant_id: "p1", user_id: "u-other", joined_at: "", audio: true, video: true, screen: false, muted_by_moderator: false };
    let state = reduce(ready(), { type: "push", now: 0, push: { type: "call_state", group_id: "g1", channel_id: "voice", mode: "p2p", participants: [participant] } });
    expect(state.calls.voice.participants).toHaveLength(1);
    state = reduce(state, { type: "push", now: 0, push: { type: "call_state", group_id: "g1", channel_id: "voice", mode: null, participants: [] } });
    expect(state.calls.voice).toBeUndefined();
  });

  it("forgets a group I was removed from, with its channels", () => {
    let state = reduce(ready(), { type: "open_channel", channelId: "general" });
    state = reduce(state, { type: "push", now: 0, push: { type: "group_removed", group_id: "g1" } });
    expect(state.groups).toEqual({});
    expect(state.channels).toEqual({});
    expect(state.activeChannel).toBeNull();
  });

  it("shows a deleted account's messages without an author, and only when the account was deleted", () => {
    let state = ready();
    state = reduce(state, { type: "history", channelId: "general", messages: [message("a", 1, "u-gone"), message("b", 2, "u-stays")], complete: true });
    state = reduce(state, { type: "push", now: 0, push: { type: "member_left", group_id: "g1", user_id: "u-stays", account_deleted: false } });
    state = reduce(state, { type: "push", now: 0, push: { type: "member_left", group_id: "g1", user_id: "u-gone", account_deleted: true } });
    expect(state.messages.general.map((m) => [m.id, m.author_id, m.body])).toEqual([["a", null, "m1"], ["b", "u-stays", "m2"]]);
  });

  it("keeps presence per group: the voice channel shows only in its own group", () => {
    const inG1 = { group_id: "g1", user_id: "u-x", status: "online" as const, status_text: "", voice_channel_id: "voice" };
    const inG2 = { ...inG1, group_id: "g2", voice_channel_id: null };
    let state = reduce(initialState, { type: "welcome", welcome: { ...welcome, presence: [inG1, inG2] } });
    expect(presenceIn(state, "g1", "u-x")?.voice_channel_id).toBe("voice");
    expect(presenceIn(state, "g2", "u-x")?.voice_channel_id).toBeNull();
    state = reduce(state, { type: "push", now: 0, push: { type: "presence", presence: { ...inG2, status: "idle" } } });
    expect(presenceIn(state, "g2", "u-x")?.status).toBe("idle");
    expect(presenceIn(state, "g1", "u-x")?.status).toBe("online");
    state = reduce(state, { type: "push", now: 0, push: { type: "member_left", group_id: "g1", user_id: "u-x", account_deleted: false } });
    expect(presenceIn(state, "g1", "u-x")).toBeNull();
    expect(presenceIn(state, "g2", "u-x")?.status).toBe("idle");
  });

  it("lists a voice channel's occupants from the call and from that group's presence only", () => {
    const participant = { participant_id: "p1", user_id: "u-a", joined_at: "", audio: true, video: true, screen: false, muted_by_moderator: false };
    const inVoice = (group_id: string, user_id: string) => ({ group_id, user_id, status: "online" as const, status_text: "", voice_channel_id: "voice" });
    let state = reduce(initialState, { type: "welcome", welcome: { ...welcome, presence: [inVoice("g1", "u-a"), inVoice("g1", "u-b"), inVoice("g2", "u-c")] } });
    state = reduce(state, { type: "push", now: 0, push: { type: "call_state", group_id: "g1", channel_id: "voice", mode: "p2p", participants: [participant] } });
    expect(voiceOccupants(state, "g1", "voice")).toEqual(["u-a", "u-b"]);
  });

  it("forgets a removed group's presence and roles", () => {
    const presence = { group_id: "g1", user_id: "u-x", status: "online" as const, status_text: "", voice_channel_id: null };
    let state = reduce(initialState, { type: "welcome", welcome: { ...welcome, presence: [presence] } });
    state = reduce(state, { type: "members", groupId: "g1", members: [member("u-x", "moderator")] });
    state = reduce(state, { type: "push", now: 0, push: { type: "group_removed", group_id: "g1" } });
    expect(presenceIn(state, "g1", "u-x")).toBeNull();
    expect(roleIn(state, "g1", "u-x")).toBeNull();
  });

  it("knows roles per group from member lists and pushes, and mine from the group", () => {
    let state = reduce(ready(), { type: "members", groupId: "g1", members: [member("u-x", "member")] });
    expect(roleIn(state, "g1", "u-x")).toBe("member");
    state = reduce(state, { type: "push", now: 0, push: { type: "member_updated", group_id: "g1", member: member("u-x", "moderator") } });
    expect(roleIn(state, "g1", "u-x")).toBe("moderator");
    expect(roleIn(state, "g1", "u-me")).toBe("owner");
    expect(roleIn(state, "g2", "u-x")).toBeNull();
  });

  it("lets owners and moderators act only on lower ranks", () => {
    const members = [member("u-mod", "moderator"), member("u-mod2", "moderator"), member("u-m", "member"), member("u-g", "guest"), member("u-own", "owner")];
    const asRole = (role: "owner" | "moderator" | "member") =>
      reduce({ ...ready(), groups: { g1: { ...group, my_role: role } } }, { type: "members", groupId: "g1", members });
    expect(["u-mod", "u-m", "u-g", "u-unknown"].map((u) => canModerate(asRole("owner"), "g1", u))).toEqual([true, true, true, false]);
    expect(["u-own", "u-mod2", "u-m", "u-g"].map((u) => canModerate(asRole("moderator"), "g1", u))).toEqual([false, false, true, true]);
    expect(canModerate(asRole("member"), "g1", "u-g")).toBe(false);
  });

  it("collects invitations from the pending list and from pushes, once each, until answered or joined", () => {
    const pending = { code: "c1", group_id: "g9", group_name: "Nine", role: "member" as const, invited_by: "u-x", created_at: "", expires_at: null };
    const push = (code: string, groupId: string) => ({
      type: "notification" as const, kind: "group_invite" as const, group_id: groupId, channel_id: null, from_user_id: "u-x",
      invite_code: code, message_id: null, voice_channel_id: null, text: "", recording_id: null,
      id: `n-${code}`, created_at: `2026-01-01T00:00:0${code.slice(1)}Z`, read: false, muted: false, alert: true, from_name: null,
    });
    let state = reduce(ready(), { type: "push", now: 0, push: push("c1", "g9") });
    state = reduce(state, { type: "pending_invites", invites: [pending] });
    state = reduce(state, { type: "push", now: 0, push: push("c2", "g8") });
    state = reduce(state, { type: "push", now: 0, push: push("c3", "g1") });
    expect(state.invitations.map((i) => [i.code, i.groupName])).toEqual([["c2", null], ["c1", "Nine"]]);
    // Listed in the notification center too, newest first (not the one for a group I am in).
    expect(state.notifications.items.map((n) => n.invite_code)).toEqual(["c2", "c1"]);
    state = reduce(state, { type: "invite_answered", code: "c2" });
    state = reduce(state, { type: "push", now: 0, push: { type: "group_joined", group: { group: { ...group, id: "g9" }, channels: [] } } });
    expect(state.invitations).toEqual([]);
  });

  it("finds @mentions the way the server does", () => {
    expect(mentionedNames("hi @alice and @bob.k, not mail@example.com")).toEqual(["alice", "bob.k"]);
  });
});

const info = (id: string, by: string | null = "u-mod"): RecordingInfo => ({ recording_id: id, started_by: by, started_at: "2026-01-01T12:00:00Z" });
const recState = (recording: RecordingInfo | null, reason: CallRecordingState["reason"] = null): CallRecordingState => ({
  type: "recording_state", group_id: "g1", channel_id: "voice", recording, reason,
});
const consentRequest = (recording: RecordingInfo, channel_id = "voice") => ({ type: "recording_consent_request" as const, channel_id, recording });
const recorded = (id: string, title = id): RecordingOut => ({
  id, group_id: "g1", channel_id: "voice", call_id: "c", title, state: "ready", started_by: "u-mod", stopped_by: "u-mod",
  started_at: "", stopped_at: "", duration_s: 60, size_bytes: 1000, quality: {}, note: "", participants: [],
});
const page = (ids: string[], next: string | null) => ({ recordings: ids.map((id) => recorded(id)), next_cursor: next });

describe("recording in the store", () => {
  it("knows which channel's call is recorded from pushes and from my join reply", () => {
    let state = reduce(ready(), { type: "push", now: 0, push: recState(info("r1")) });
    expect(state.recordings.voice?.recording_id).toBe("r1");
    state = reduce(state, { type: "push", now: 0, push: recState(null, "stopped") });
    expect(state.recordings).toEqual({});
    state = reduce(state, { type: "call_joined", channelId: "voice", recording: info("r2") });
    expect(state.recordings.voice?.recording_id).toBe("r2");
    // The join reply is the truth for my call: a stop I missed while away is caught up.
    state = reduce(state, { type: "call_joined", channelId: "voice", recording: null });
    expect(state.recordings.voice).toBeUndefined();
  });

  it("queues consent requests once each, oldest first, until answered or the recording stops", () => {
    let state = reduce(ready(), { type: "push", now: 0, push: consentRequest(info("r1")) });
    state = reduce(state, { type: "push", now: 0, push: consentRequest(info("r1")) });
    state = reduce(state, { type: "push", now: 0, push: consentRequest(info("r2"), "voice2") });
    expect(state.consentPrompts.map((p) => p.recording.recording_id)).toEqual(["r1", "r2"]);
    expect(state.myConsent).toEqual({ r1: "pending", r2: "pending" });
    expect(state.recordings.voice?.recording_id).toBe("r1");
    state = reduce(state, { type: "consent", recordingId: "r1", consent: "declined" });
    expect(state.consentPrompts.map((p) => p.recording.recording_id)).toEqual(["r2"]);
    expect(state.myConsent.r1).toBe("declined");
    state = reduce(state, { type: "push", now: 0, push: { ...recState(null, "call_ended"), channel_id: "voice2" } });
    expect(state.consentPrompts).toEqual([]);
  });

  it("drops a call's consent prompt when I leave it, and keeps my answer when I change it", () => {
    let state = reduce(ready(), { type: "push", now: 0, push: consentRequest(info("r1")) });
    state = reduce(state, { type: "call_left", channelId: "voice" });
    expect(state.consentPrompts).toEqual([]);
    state = reduce(state, { type: "consent", recordingId: "r1", consent: "declined" });
    state = reduce(state, { type: "consent", recordingId: "r1", consent: "accepted" });
    expect(state.myConsent.r1).toBe("accepted");
  });

  it("appends the archive's next pages once each, and starts over for another query", () => {
    let state = reduce(ready(), { type: "archive_page", groupId: "g1", query: "", cursor: null, page: page(["c", "b"], "k1") });
    // A recording filed between the two pages pushed "b" onto the second page too.
    state = reduce(state, { type: "archive_page", groupId: "g1", query: "", cursor: "k1", page: page(["b", "a"], null) });
    expect(state.archive?.recordings.map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(state.archive?.nextCursor).toBeNull();
    state = reduce(state, { type: "archive_page", groupId: "g1", query: "q=x", cursor: null, page: page(["b"], null) });
    expect(state.archive?.recordings.map((r) => r.id)).toEqual(["b"]);
    // A late "load more" answer for a query no longer shown does not mix in.
    state = reduce(state, { type: "archive_page", groupId: "g1", query: "", cursor: "k1", page: page(["a"], null) });
    expect(state.archive?.recordings.map((r) => r.id)).toEqual(["a"]);
    expect(state.archive?.query).toBe("");
  });

  it("renames and deletes recordings in the archive shown", () => {
    let state = reduce(ready(), { type: "archive_page", groupId: "g1", query: "", cursor: null, page: page(["b", "a"], null) });
    state = reduce(state, { type: "recording_saved", recording: recorded("a", "Standup") });
    state = reduce(state, { type: "recording_deleted", recordingId: "b" });
    expect(state.archive?.recordings.map((r) => [r.id, r.title])).toEqual([["a", "Standup"]]);
  });

  it("shows a toast when a recording I started is ready or failed, until dismissed", () => {
    const notice = (kind: "recording_ready" | "recording_failed", recording_id: string) => ({
      type: "notification" as const, kind, group_id: "g1", channel_id: "voice", from_user_id: "u-me",
      invite_code: null, message_id: null, voice_channel_id: null, text: "", recording_id,
      id: `n-${recording_id}`, created_at: "2026-01-01T00:00:00Z", read: false, muted: false, alert: true, from_name: null,
    });
    let state = reduce(ready(), { type: "push", now: 0, push: notice("recording_ready", "r1") });
    state = reduce(state, { type: "push", now: 0, push: notice("recording_failed", "r2") });
    expect(state.recordingToasts.map((t) => [t.recordingId, t.ready])).toEqual([["r2", false], ["r1", true]]);
    state = reduce(state, { type: "recording_toast_dismissed", recordingId: "r2" });
    expect(state.recordingToasts.map((t) => t.recordingId)).toEqual(["r1"]);
  });

  it("words the indicator's announcements, with who started it and why it stopped", () => {
    let state = reduce(ready(), { type: "members", groupId: "g1", members: [member("u-mod", "moderator")] });
    expect(recordingAnnouncement(state, recState(info("r1")))).toBe("Recording started in voice by u-mod.");
    expect(recordingAnnouncement(state, recState(info("r1", "u-me")))).toBe("Recording started in voice by you.");
    expect(recordingAnnouncement(state, recState(null, "stopped"))).toBeNull();
    state = reduce(state, { type: "push", now: 0, push: recState(info("r1")) });
    expect(recordingAnnouncement(state, recState(info("r1")))).toBeNull();
    expect(recordingAnnouncement(state, recState(null, "stopped"))).toBe("Recording stopped in voice: a moderator stopped it.");
    expect(recordingAnnouncement(state, recState(null, "call_ended"))).toBe("Recording stopped in voice: the call ended.");
    expect(recordingAnnouncement(state, recState(null, "host_lost"))).toBe(
      "Recording stopped in voice: the server recording it went away; what was recorded so far is kept.");
    expect(recordingAnnouncement(state, recState(null, "failed"))).toBe("Recording stopped in voice: it failed.");
  });

  it("lets owners and moderators manage recordings, not members", () => {
    const as = (my_role: "owner" | "moderator" | "member") => ({ ...ready(), groups: { g1: { ...group, my_role } } });
    expect(["owner", "moderator", "member"].map((r) => canManageRecordings(as(r as "owner"), "g1"))).toEqual([true, true, false]);
  });
});

describe("recordings at (re)connect", () => {
  it("the welcome says which calls are being recorded now, replacing what a dropped connection missed", () => {
    const info = { recording_id: "r1", started_by: "u-owner", started_at: "" };
    let state = reduce(ready(), { type: "push", now: 0, push: {
      type: "recording_state", group_id: "g1", channel_id: "old", recording: info, reason: null } });
    state = reduce(state, { type: "welcome", welcome: { ...welcome, recordings: [{ channel_id: "voice", recording: info }] } });
    expect(Object.keys(state.recordings)).toEqual(["voice"]);
  });

  it("keeps the status I chose from the welcome, and my changes to it", () => {
    let state = ready();
    expect(state.myStatus).toEqual({ status: "dnd", text: "away" });
    state = reduce(state, { type: "my_status", status: "invisible", text: "" });
    expect(state.myStatus).toEqual({ status: "invisible", text: "" });
  });
});

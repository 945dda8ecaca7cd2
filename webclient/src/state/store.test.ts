import { describe, expect, it } from "vitest";
import type { MessageOut, Welcome } from "../api/protocol.gen";
import { channelsOf, initialState, mentionedNames, reduce, TYPING_SHOWN_MS, type State } from "./store";

const me = { id: "u-me", username: "me", display_name: "Me", email: null, email_verified: false, avatar_url: null, is_guest: false, guest_group_id: null };
const group = { id: "g1", name: "Team", description: "", privacy: "private" as const, member_limit: 50, owner_id: "u-me", member_count: 2, my_role: "owner" as const, created_at: "" };
const channel = (id: string, kind: "text" | "voice", position: number) => ({
  id, group_id: "g1", kind, name: id, topic: "", position, overrides: {}, my_permissions: [] as never[],
});
const welcome: Welcome = {
  type: "welcome", session_id: "s", user: me, heartbeat_s: 10, presence: [],
  groups: [{ group, channels: [channel("voice", "voice", 0), channel("general", "text", 1), channel("random", "text", 0)] }],
};
const message = (id: string, seq: number, author = "u-other", version = seq): MessageOut => ({
  id, channel_id: "general", author_id: author, client_id: id, seq, version, body: `m${seq}`, mentions: [],
  created_at: "", edited_at: null, deleted: false,
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

  it("finds @mentions the way the server does", () => {
    expect(mentionedNames("hi @alice and @bob.k, not mail@example.com")).toEqual(["alice", "bob.k"]);
  });
});

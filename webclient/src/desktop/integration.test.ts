import { describe, expect, it } from "vitest";
import type { Notification } from "../api/protocol.gen";
import { newNotifications, unreadTotal } from "./integration";

const note = (text: string): Notification => ({
  type: "notification", kind: "mention", group_id: "g", channel_id: "c", from_user_id: "u", invite_code: null,
  recording_id: null, message_id: null, voice_channel_id: null, text,
});

describe("desktop integration", () => {
  it("adds up unread messages across channels", () => {
    expect(unreadTotal({})).toBe(0);
    expect(unreadTotal({ a: 2, b: 5 })).toBe(7);
  });

  it("finds the notifications that arrived since last time", () => {
    const [a, b, c] = [note("a"), note("b"), note("c")];
    expect(newNotifications([], [a])).toEqual([a]);
    expect(newNotifications([a], [c, b, a])).toEqual([c, b]);
    expect(newNotifications([c, b, a], [c, b, a])).toEqual([]);
    // The oldest fell off the capped list: everything is new only if the last newest is gone.
    expect(newNotifications([a], [c, b])).toEqual([c, b]);
  });
});

import { describe as group, expect, it } from "vitest";
import type { Notification, NotificationOut, NotificationPage } from "../api/protocol.gen";
import { emptyCenter, withPage, withPush, withRead } from "./center";
import { desktopNotificationsPrompt, shouldRaiseDesktopAlert } from "./alerts";
import { isMuted, withChannelMuted } from "./mutes";
import { describe } from "./wording";

const note = (id: string, at: number, extra: Partial<NotificationOut> = {}): NotificationOut => ({
  id, kind: "mention", group_id: "g1", channel_id: "c1", from_user_id: "u-a", from_name: null, invite_code: null, recording_id: null,
  message_id: null, voice_channel_id: null, text: "", created_at: new Date(at * 1000).toISOString(), read: false,
  muted: false, ...extra,
});
const push = (n: NotificationOut, alert = true): Notification => ({ ...n, type: "notification", alert });
const page = (items: NotificationOut[], unread: number, next: string | null = null): NotificationPage => ({
  notifications: items, unread_count: unread, next_before: next,
});

group("the notification center", () => {
  it("counts a pushed notification once, and not one that arrives read", () => {
    let center = withPage(emptyCenter, page([note("a", 1)], 1), false);
    center = withPush(center, push(note("b", 2)));
    center = withPush(center, push(note("b", 2)));
    center = withPush(center, push(note("c", 3, { read: true, muted: true })));
    expect(center.items.map((n) => n.id)).toEqual(["c", "b", "a"]);
    expect(center.unread).toBe(2);
  });

  it("keeps pushes newer than a reloaded first page and takes the server's count", () => {
    let center = withPush(emptyCenter, push(note("late", 9)));
    center = withPage(center, page([note("b", 2), note("a", 1)], 5, "a"), false);
    expect(center.items.map((n) => n.id)).toEqual(["late", "b", "a"]);
    expect([center.unread, center.nextBefore, center.loaded]).toEqual([5, "a", true]);
    center = withPage(center, page([note("z", 0)], 5, null), true);
    expect(center.items.map((n) => n.id)).toEqual(["late", "b", "a", "z"]);
    expect(center.nextBefore).toBeNull();
  });

  it("marks one, a group's or all read, with the server's count", () => {
    const start = withPage(emptyCenter, page([note("a", 2), note("b", 1, { group_id: "g2" }), note("c", 0)], 3), false);
    const one = withRead(start, { id: "a" }, 2);
    expect(one.items.map((n) => n.read)).toEqual([true, false, false]);
    const group2 = withRead(start, { groupId: "g2" }, 2);
    expect(group2.items.map((n) => n.read)).toEqual([false, true, false]);
    const all = withRead(start, "all", 0);
    expect([all.items.every((n) => n.read), all.unread]).toEqual([true, 0]);
  });
});

group("desktop alerts", () => {
  const context = { hidden: true, permission: "granted" as const, myStatus: "online" as const };
  it("are raised for a hidden tab with permission only", () => {
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), context)).toBe(true);
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), { ...context, hidden: false })).toBe(false);
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), { ...context, permission: "default" })).toBe(false);
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), { ...context, permission: "unsupported" })).toBe(false);
  });

  it("stay silent in do not disturb, whether the server or this device knows it first", () => {
    expect(shouldRaiseDesktopAlert(push(note("a", 1), false), context)).toBe(false);
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), { ...context, myStatus: "dnd" })).toBe(false);
    expect(shouldRaiseDesktopAlert(push(note("a", 1)), { ...context, myStatus: "invisible" })).toBe(true);
  });

  it("are offered only while the browser has not been asked, and never in the desktop app", () => {
    const permissions = ["default", "granted", "denied", "unsupported"] as const;
    expect(permissions.map((p) => desktopNotificationsPrompt(p, false))).toEqual(["offer", null, "blocked", null]);
    expect(permissions.map((p) => desktopNotificationsPrompt(p, true))).toEqual([null, null, null, null]);
  });
});

group("mutes", () => {
  const settings = { group_id: "g1", muted: false, muted_channel_ids: ["c2"] };
  it("a muted group silences every channel; a channel may be muted alone", () => {
    expect([isMuted(settings, "c1"), isMuted(settings, "c2"), isMuted(settings, null)]).toEqual([false, true, false]);
    expect(isMuted({ ...settings, muted: true }, "c1")).toBe(true);
    expect(isMuted(null, "c2")).toBe(false);
    expect(withChannelMuted(settings, "c1", true).muted_channel_ids).toEqual(["c2", "c1"]);
    expect(withChannelMuted(settings, "c2", false).muted_channel_ids).toEqual([]);
  });
});

group("wording", () => {
  const names = { person: (id: string) => (id === "u-a" ? "Alice" : "Someone"), channel: (id: string) => (id === "c1" ? "general" : null) };
  it("says who did what where", () => {
    expect(describe(note("a", 1), names)).toBe("Alice mentioned you in #general");
    expect(describe(note("a", 1, { kind: "call_started" }), names)).toBe("Alice started a call in #general");
    expect(describe(note("a", 1, { kind: "group_invite", from_user_id: "u-x", from_name: "Xavier" }), names))
      .toBe("Xavier invited you to a group");
    expect(describe(note("a", 1, { kind: "guest_time_warning", from_user_id: null, channel_id: "gone" }), names))
      .toBe("Your call time is almost up");
  });
});

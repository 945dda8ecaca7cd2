// The notification center's list and unread count: pages from GET /api/notifications, live
// pushes, and what was marked read. Pure, so the counting rules are unit tested.
import type { Notification, NotificationOut, NotificationPage } from "../api/protocol.gen";

export interface Center {
  /** Newest first, one entry per notification. */
  items: NotificationOut[];
  /** As the server counts them (notifications I may still see), kept current by pushes. */
  unread: number;
  /** Where the next (older) page starts; null: no more. */
  nextBefore: string | null;
  loaded: boolean;
}

export const emptyCenter: Center = { items: [], unread: 0, nextBefore: null, loaded: false };

/** What marking read covered: one notification, one group's, or all. */
export type ReadScope = { id: string } | { groupId: string } | "all";

/** A first page replaces the list (the server's word, after a reconnect too); an older page extends it. */
export function withPage(center: Center, page: NotificationPage, older: boolean): Center {
  const items = older ? merge(center.items, page.notifications) : merge(page.notifications, pushedSince(center, page));
  return { items, unread: page.unread_count, nextBefore: page.next_before, loaded: true };
}

/** Pushes newer than the page's newest entry (they may arrive while the page loads). */
function pushedSince(center: Center, page: NotificationPage): NotificationOut[] {
  const newest = page.notifications[0]?.created_at ?? "";
  return center.items.filter((n) => n.created_at > newest);
}

function merge(first: NotificationOut[], second: NotificationOut[]): NotificationOut[] {
  const byId = new Map<string, NotificationOut>();
  for (const n of [...first, ...second]) if (!byId.has(n.id)) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/** A live notification: listed at the top and counted once (a muted one would arrive read, but
 * the server does not push those). */
export function withPush(center: Center, push: Notification): Center {
  if (center.items.some((n) => n.id === push.id)) return center;
  const { type: _type, alert: _alert, ...stored } = push;
  return { ...center, items: merge([stored], center.items), unread: center.unread + (stored.read ? 0 : 1) };
}

/** After marking read: the entries covered turn read and the count becomes the server's. */
export function withRead(center: Center, scope: ReadScope, unreadCount: number): Center {
  const covered = (n: NotificationOut) =>
    scope === "all" || ("id" in scope ? n.id === scope.id : n.group_id === scope.groupId);
  return { ...center, unread: unreadCount, items: center.items.map((n) => (covered(n) && !n.read ? { ...n, read: true } : n)) };
}

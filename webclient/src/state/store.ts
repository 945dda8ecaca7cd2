// What the client knows, rebuilt from the welcome and kept current by pushes: a pure reducer,
// so every rule about it is unit tested without a DOM.
import type {
  CallRecordingState, CallState, ChannelOut, ConsentName, GroupOut, MemberOut, MessageOut, NotificationPage, PendingInviteOut,
  PresenceOut, RecordingInfo, RecordingOut, RecordingPage, RoleName, UserOut, Welcome,
} from "../api/protocol.gen";
import type { GatewayStatus, Push } from "../api/gateway";
import type { MyStatus } from "../notifications/alerts";
import { emptyCenter, withPage, withPush, withRead, type Center, type ReadScope } from "../notifications/center";

export interface State {
  me: UserOut | null;
  status: GatewayStatus;
  groups: Record<string, GroupOut>;
  channels: Record<string, ChannelOut>;
  /** Per channel, oldest first, no duplicates (a retried send or a resume may repeat one). */
  messages: Record<string, MessageOut[]>;
  /** Channels whose oldest messages have all been loaded. */
  historyComplete: Record<string, boolean>;
  /** group → user → what the members of that group see of the user (the voice channel is per group). */
  presence: Record<string, Record<string, PresenceOut>>;
  /** group → user → role, as far as the member lists and pushes told. */
  roles: Record<string, Record<string, RoleName>>;
  /** Invitations addressed to me, waiting for an answer (newest first). */
  invitations: Invitation[];
  /** Live calls by voice channel. */
  calls: Record<string, CallState>;
  /** channel → user → when they last typed (ms). */
  typing: Record<string, Record<string, number>>;
  unread: Record<string, number>;
  /** The notification center: stored notifications, live pushes, the unread count. */
  notifications: Center;
  /** The status I chose, and its text (others may see me offline: invisible). */
  myStatus: { status: MyStatus; text: string };
  activeChannel: string | null;
  /** Display names of the people I share a group with, as far as loaded. */
  names: Record<string, string>;
  /** Voice channel → the recording running in its call (absent: not recorded), from the welcome,
   * recording_state pushes and my own join reply. */
  recordings: Record<string, RecordingInfo>;
  /** Recordings that asked for my consent and wait for my answer, oldest first (one at a time on screen). */
  consentPrompts: ConsentPrompt[];
  /** Recording → what I answered (or "pending" while asked). */
  myConsent: Record<string, ConsentName>;
  /** The archive page on screen: one query's recordings, newest first, and where the next page starts. */
  archive: Archive | null;
  /** "Your recording is ready / failed" notices, newest first, until dismissed. */
  recordingToasts: RecordingToast[];
}

export interface ConsentPrompt {
  channelId: string;
  recording: RecordingInfo;
}

export interface Archive {
  groupId: string;
  /** The query (filters) these pages answer; a page for another query replaces them. */
  query: string;
  recordings: RecordingOut[];
  nextCursor: string | null;
}

export interface RecordingToast {
  recordingId: string;
  groupId: string;
  channelId: string | null;
  ready: boolean;
}

export interface Invitation {
  code: string;
  groupId: string;
  /** Known from GET /api/me/invites; a push names only the group id. */
  groupName: string | null;
  fromUserId: string;
}

export const initialState: State = {
  me: null, status: "connecting", groups: {}, channels: {}, messages: {}, historyComplete: {}, presence: {}, roles: {},
  invitations: [], calls: {}, typing: {}, unread: {}, notifications: emptyCenter, myStatus: { status: "online", text: "" },
  activeChannel: null, names: {},
  recordings: {}, consentPrompts: [], myConsent: {}, archive: null, recordingToasts: [],
};

export type Action =
  | { type: "welcome"; welcome: Welcome }
  | { type: "status"; status: GatewayStatus }
  | { type: "push"; push: Push; now: number }
  | { type: "history"; channelId: string; messages: MessageOut[]; complete: boolean }
  | { type: "sent"; message: MessageOut }
  | { type: "open_channel"; channelId: string | null }
  | { type: "group_added"; group: GroupOut; channels: ChannelOut[] }
  | { type: "channel_saved"; channel: ChannelOut }
  | { type: "typing_expired"; now: number }
  | { type: "members"; groupId: string; members: MemberOut[] }
  | { type: "pending_invites"; invites: PendingInviteOut[] }
  | { type: "invite_answered"; code: string }
  /** My join (or resume) reply: whether the call I am in is being recorded. */
  | { type: "call_joined"; channelId: string; recording: RecordingInfo | null }
  | { type: "call_left"; channelId: string }
  /** What I answered (or the server says I answered) to a recording's consent request. */
  | { type: "consent"; recordingId: string; consent: ConsentName }
  /** A page of the archive: `cursor` null is the first page of `query`, anything else follows the pages shown. */
  | { type: "archive_page"; groupId: string; query: string; cursor: string | null; page: RecordingPage }
  | { type: "recording_saved"; recording: RecordingOut }
  | { type: "recording_deleted"; recordingId: string }
  | { type: "recording_toast_dismissed"; recordingId: string }
  | { type: "notifications_page"; page: NotificationPage; older: boolean }
  | { type: "notifications_read"; scope: ReadScope; unreadCount: number }
  | { type: "my_status"; status: MyStatus; text: string };

export const TYPING_SHOWN_MS = 6_000;

function mergeMessages(current: MessageOut[] = [], incoming: MessageOut[]): MessageOut[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    if (!known || known.version <= message.version) byId.set(message.id, message);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** A nested record with `record[outer][inner] = value` set. */
function setIn<T>(record: Record<string, Record<string, T>>, outer: string, inner: string, value: T): Record<string, Record<string, T>> {
  return { ...record, [outer]: { ...record[outer], [inner]: value } };
}

function withoutAuthor(messages: Record<string, MessageOut[]>, userId: string): Record<string, MessageOut[]> {
  return Object.fromEntries(Object.entries(messages).map(([channelId, list]) =>
    [channelId, list.map((m) => (m.author_id === userId ? { ...m, author_id: null } : m))]));
}

function withoutIn<T>(record: Record<string, Record<string, T>>, outer: string, inner: string): Record<string, Record<string, T>> {
  return { ...record, [outer]: without(record[outer] ?? {}, (key) => key === inner) };
}

function addInvitations(current: Invitation[], incoming: Invitation[]): Invitation[] {
  const fresh = incoming.filter((i) => !current.some((c) => c.code === i.code));
  const updated = current.map((c) => incoming.find((i) => i.code === c.code && i.groupName) ?? c);
  return [...fresh, ...updated];
}

function without<T>(record: Record<string, T>, keys: (key: string, value: T) => boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k, v]) => !keys(k, v)));
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "welcome": {
      const { welcome } = action;
      const groups = Object.fromEntries(welcome.groups.map((g) => [g.group.id, g.group]));
      const channels = Object.fromEntries(welcome.groups.flatMap((g) => g.channels.map((c) => [c.id, c])));
      return {
        ...state, me: welcome.user, groups, channels, names: { ...state.names, [welcome.user.id]: welcome.user.display_name },
        presence: welcome.presence.reduce((all, p) => setIn(all, p.group_id, p.user_id, p), {} as State["presence"]),
        // What the server says is being recorded now (a reconnect may have missed stops and starts).
        recordings: Object.fromEntries(welcome.recordings.map((r) => [r.channel_id, r.recording])),
        activeChannel: state.activeChannel && channels[state.activeChannel] ? state.activeChannel : null,
        myStatus: { status: welcome.my_status, text: welcome.my_status_text },
      };
    }
    case "notifications_page":
      return { ...state, notifications: withPage(state.notifications, action.page, action.older) };
    case "notifications_read":
      return { ...state, notifications: withRead(state.notifications, action.scope, action.unreadCount) };
    case "my_status":
      return { ...state, myStatus: { status: action.status, text: action.text } };
    case "status":
      return { ...state, status: action.status };
    case "history":
      return {
        ...state,
        messages: { ...state.messages, [action.channelId]: mergeMessages(state.messages[action.channelId], action.messages) },
        historyComplete: { ...state.historyComplete, [action.channelId]: action.complete },
      };
    case "sent":
      return { ...state, messages: { ...state.messages, [action.message.channel_id]: mergeMessages(state.messages[action.message.channel_id], [action.message]) } };
    case "open_channel":
      return {
        ...state, activeChannel: action.channelId,
        unread: action.channelId ? { ...state.unread, [action.channelId]: 0 } : state.unread,
      };
    case "group_added":
      return {
        ...state, groups: { ...state.groups, [action.group.id]: action.group },
        channels: { ...state.channels, ...Object.fromEntries(action.channels.map((c) => [c.id, c])) },
      };
    case "channel_saved":
      return { ...state, channels: { ...state.channels, [action.channel.id]: action.channel } };
    case "members":
      return {
        ...state, names: { ...state.names, ...Object.fromEntries(action.members.map((m) => [m.user_id, m.display_name])) },
        roles: { ...state.roles, [action.groupId]: { ...state.roles[action.groupId], ...Object.fromEntries(action.members.map((m) => [m.user_id, m.role])) } },
      };
    case "pending_invites":
      return {
        ...state,
        invitations: addInvitations(state.invitations, action.invites.filter((i) => !state.groups[i.group_id]).map((i) => ({
          code: i.code, groupId: i.group_id, groupName: i.group_name, fromUserId: i.invited_by,
        }))),
      };
    case "invite_answered":
      return { ...state, invitations: state.invitations.filter((i) => i.code !== action.code) };
    case "typing_expired":
      return {
        ...state,
        typing: Object.fromEntries(Object.entries(state.typing).map(([channel, users]) =>
          [channel, without(users, (_, at) => action.now - at > TYPING_SHOWN_MS)])),
      };
    case "call_joined":
      return setRecording(state, action.channelId, action.recording);
    case "call_left":
      return { ...state, consentPrompts: state.consentPrompts.filter((p) => p.channelId !== action.channelId) };
    case "consent":
      return {
        ...state, myConsent: { ...state.myConsent, [action.recordingId]: action.consent },
        consentPrompts: action.consent === "pending"
          ? state.consentPrompts : state.consentPrompts.filter((p) => p.recording.recording_id !== action.recordingId),
      };
    case "archive_page":
      return { ...state, archive: mergeArchive(state.archive, action) };
    case "recording_saved":
      return state.archive
        ? { ...state, archive: { ...state.archive, recordings: state.archive.recordings.map((r) => r.id === action.recording.id ? action.recording : r) } }
        : state;
    case "recording_deleted":
      return {
        ...state,
        archive: state.archive && { ...state.archive, recordings: state.archive.recordings.filter((r) => r.id !== action.recordingId) },
        recordingToasts: state.recordingToasts.filter((t) => t.recordingId !== action.recordingId),
      };
    case "recording_toast_dismissed":
      return { ...state, recordingToasts: state.recordingToasts.filter((t) => t.recordingId !== action.recordingId) };
    case "push":
      return applyPush(state, action.push, action.now);
  }
}

/** A channel's call starts or stops being recorded: a stopped recording's prompt is moot. */
function setRecording(state: State, channelId: string, recording: RecordingInfo | null): State {
  if (recording) return { ...state, recordings: { ...state.recordings, [channelId]: recording } };
  return {
    ...state, recordings: without(state.recordings, (id) => id === channelId),
    consentPrompts: state.consentPrompts.filter((p) => p.channelId !== channelId),
  };
}

/** The first page of a query replaces what is shown; a later page is appended, each recording
 * once (a recording started between two pages shifts the rest down, so a page may repeat one). */
function mergeArchive(current: Archive | null, page: Extract<Action, { type: "archive_page" }>): Archive {
  const same = current && current.groupId === page.groupId && current.query === page.query;
  const shown = same && page.cursor !== null ? current.recordings : [];
  const fresh = new Map(page.page.recordings.map((r) => [r.id, r]));
  const recordings = [...shown.map((r) => fresh.get(r.id) ?? r), ...page.page.recordings.filter((r) => !shown.some((s) => s.id === r.id))];
  return { groupId: page.groupId, query: page.query, recordings, nextCursor: page.page.next_cursor };
}

function applyPush(state: State, push: Push, now: number): State {
  switch (push.type) {
    case "message_created":
    case "message_updated":
    case "message_deleted": {
      const message = push.message;
      const channel = message.channel_id;
      const isNew = push.type === "message_created" && !state.messages[channel]?.some((m) => m.id === message.id);
      const mine = message.author_id === state.me?.id;
      const typing = { ...state.typing, [channel]: without(state.typing[channel] ?? {}, (user) => user === message.author_id) };
      return {
        ...state, typing,
        messages: { ...state.messages, [channel]: mergeMessages(state.messages[channel], [message]) },
        unread: isNew && !mine && state.activeChannel !== channel
          ? { ...state.unread, [channel]: (state.unread[channel] ?? 0) + 1 } : state.unread,
      };
    }
    case "typing":
      if (push.user_id === state.me?.id) return state;
      return { ...state, typing: { ...state.typing, [push.channel_id]: { ...state.typing[push.channel_id], [push.user_id]: now } } };
    case "presence":
      return { ...state, presence: setIn(state.presence, push.presence.group_id, push.presence.user_id, push.presence) };
    case "notification":
      if (push.kind === "group_invite") {
        // An invitation always names who sent it.
        if (!push.invite_code || !push.from_user_id || state.groups[push.group_id]) return state;
        return {
          ...state, notifications: withPush(state.notifications, push),
          invitations: addInvitations(state.invitations, [{ code: push.invite_code, groupId: push.group_id, groupName: null, fromUserId: push.from_user_id }]),
        };
      }
      return {
        ...state, notifications: withPush(state.notifications, push),
        recordingToasts: (push.kind === "recording_ready" || push.kind === "recording_failed") && push.recording_id
          ? [{ recordingId: push.recording_id, groupId: push.group_id, channelId: push.channel_id, ready: push.kind === "recording_ready" },
             ...state.recordingToasts.filter((t) => t.recordingId !== push.recording_id)]
          : state.recordingToasts,
      };
    case "group_joined": {
      const joined = reduce(state, { type: "group_added", group: push.group.group, channels: push.group.channels });
      return { ...joined, invitations: state.invitations.filter((i) => i.groupId !== push.group.group.id) };
    }
    case "member_joined":
    case "member_updated":
      return reduce(state, { type: "members", groupId: push.group_id, members: [push.member] });
    case "member_left": {
      const left = {
        ...state, presence: withoutIn(state.presence, push.group_id, push.user_id),
        roles: withoutIn(state.roles, push.group_id, push.user_id),
      };
      // Their messages stay, as the server now serves them: without an author.
      return push.account_deleted ? { ...left, messages: withoutAuthor(left.messages, push.user_id) } : left;
    }
    case "group_updated":
      return { ...state, groups: { ...state.groups, [push.group.id]: push.group } };
    case "group_removed":
      return {
        ...state, groups: without(state.groups, (id) => id === push.group_id),
        channels: without(state.channels, (_, c) => c.group_id === push.group_id),
        presence: without(state.presence, (id) => id === push.group_id),
        roles: without(state.roles, (id) => id === push.group_id),
        activeChannel: state.activeChannel && state.channels[state.activeChannel]?.group_id === push.group_id
          ? null : state.activeChannel,
      };
    case "channel_changed":
      return { ...state, channels: { ...state.channels, [push.channel.id]: push.channel } };
    case "channel_removed":
      return {
        ...state, channels: without(state.channels, (id) => id === push.channel_id),
        activeChannel: state.activeChannel === push.channel_id ? null : state.activeChannel,
      };
    case "call_state":
      return push.participants.length
        ? { ...state, calls: { ...state.calls, [push.channel_id]: push } }
        : { ...state, calls: without(state.calls, (id) => id === push.channel_id) };
    case "recording_state":
      return setRecording(state, push.channel_id, push.recording);
    case "recording_consent_request": {
      // The server asks only while it has no answer from me (a join, or an answer lost in a drop).
      const id = push.recording.recording_id;
      if (state.consentPrompts.some((p) => p.recording.recording_id === id)) return state;
      return {
        ...setRecording(state, push.channel_id, push.recording),
        myConsent: { ...state.myConsent, [id]: "pending" },
        consentPrompts: [...state.consentPrompts, { channelId: push.channel_id, recording: push.recording }],
      };
    }
    default:
      return state;
  }
}

/** What the members of `groupId` see of `userId`: offline when nothing is known. */
export function presenceIn(state: State, groupId: string, userId: string): PresenceOut | null {
  return state.presence[groupId]?.[userId] ?? null;
}

/** A person's role in a group (mine comes with the group itself). */
export function roleIn(state: State, groupId: string, userId: string): RoleName | null {
  if (userId === state.me?.id) return state.groups[groupId]?.my_role ?? null;
  return state.roles[groupId]?.[userId] ?? null;
}

const RANK: Record<RoleName, number> = { owner: 3, moderator: 2, member: 1, guest: 0 };

/** Whether I may mute or remove `userId` in a call of `groupId`: owners and moderators act only
 * on lower ranks (owner > moderator > member > guest); an unknown role gets no action. */
export function canModerate(state: State, groupId: string, userId: string): boolean {
  return outranks(state.groups[groupId]?.my_role ?? null, roleIn(state, groupId, userId));
}

/** Whether a person of role `actor` may mute, remove or ban one of role `target`. */
export function outranks(actor: RoleName | null, target: RoleName | null): boolean {
  return (actor === "owner" || actor === "moderator") && target !== null && RANK[actor] > RANK[target];
}

/** Who is in a voice channel of the group on screen: the live call's roster, and whoever the
 * group's presence places there (presence shows a voice channel only in its own group). */
export function voiceOccupants(state: State, groupId: string, channelId: string): string[] {
  const inCall = state.calls[channelId]?.participants.map((p) => p.user_id) ?? [];
  const present = Object.values(state.presence[groupId] ?? {})
    .filter((p) => p.voice_channel_id === channelId).map((p) => p.user_id);
  return [...new Set([...inCall, ...present])];
}

/** Channels of a group in their order, text first as Discord does. */
export function channelsOf(state: State, groupId: string): ChannelOut[] {
  return Object.values(state.channels)
    .filter((c) => c.group_id === groupId)
    .sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === "text" ? -1 : 1));
}

/** @user mentions in a message body, as the server recognises them. */
export function mentionedNames(body: string): string[] {
  return [...body.matchAll(/(?:^|\s)@([A-Za-z0-9_.-]{1,32})/g)].map((m) => m[1]);
}

/** Owners and moderators manage recordings (MANAGE_RECORDINGS): start, stop, rename, delete. */
export function canManageRecordings(state: State, groupId: string): boolean {
  const role = state.groups[groupId]?.my_role;
  return role === "owner" || role === "moderator";
}

const END_REASONS: Record<NonNullable<CallRecordingState["reason"]>, string> = {
  stopped: "a moderator stopped it",
  call_ended: "the call ended",
  host_lost: "the server recording it went away; what was recorded so far is kept",
  failed: "it failed",
};

/** What a screen reader hears when a channel's call starts or stops being recorded, given the
 * state before the push; null when nothing changed (a repeated push). */
export function recordingAnnouncement(before: State, push: CallRecordingState): string | null {
  const channel = before.channels[push.channel_id]?.name ?? "a call";
  const was = before.recordings[push.channel_id];
  if (push.recording) {
    if (was?.recording_id === push.recording.recording_id) return null;
    const by = push.recording.started_by ? ` by ${push.recording.started_by === before.me?.id ? "you" : before.names[push.recording.started_by] ?? "a moderator"}` : "";
    return `Recording started in ${channel}${by}.`;
  }
  if (!was) return null;
  return `Recording stopped in ${channel}: ${END_REASONS[push.reason ?? "stopped"]}.`;
}

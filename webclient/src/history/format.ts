// How the activity page words times, durations, shares and events. Pure, so unit tested.
import type { CallParticipantOut, CallRecordOut, GroupEventKind, GroupEventOut } from "../api/protocol.gen";

/** 0 s → "0s", 59.6 s → "1m", 3725 s → "1h 2m", 45 s → "45s": minutes once past a minute. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  const minutes = Math.round(total / 60);
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  return h ? `${h}h ${m}m` : `${m}m`;
}

/** A share 0..1 as a whole percent ("—" when unknown). */
export function formatShare(share: number | null): string {
  return share === null ? "—" : `${Math.round(share * 100)}%`;
}

/** Minutes to a tenth while few (a short call is not "0 minutes"), whole beyond ten. */
export function formatMinutes(minutes: number): string {
  return minutes < 10 ? String(Math.round(minutes * 10) / 10) : String(Math.round(minutes));
}

export function formatNumber(value: number | null, unit = "", digits = 0): string {
  return value === null ? "—" : `${value.toFixed(digits)}${unit}`;
}

export const formatWhen = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
/** To the second: short calls begin and end within a minute. */
export const formatTime = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { timeStyle: "medium" });

/** "12:01–12:09", "12:01–now" while still in the call. */
export function participationSpan(p: CallParticipantOut): string {
  return `${formatTime(p.joined_at)}–${p.left_at ? formatTime(p.left_at) : "now"}`;
}

/** How a call's media went: "P2P 2m · SFU 30s", only the parts that happened. */
export function modeSummary(call: CallRecordOut): string {
  const parts = [call.p2p_seconds > 0 ? `P2P ${formatDuration(call.p2p_seconds)}` : "", call.sfu_seconds > 0 ? `SFU ${formatDuration(call.sfu_seconds)}` : ""];
  return parts.filter(Boolean).join(" · ") || "—";
}

export const EVENT_KINDS: Record<GroupEventKind, string> = {
  member_joined: "Member joined", member_left: "Member left", member_removed: "Member removed",
  member_banned: "Member banned", invite_created: "Invite created", invite_used: "Invite used",
  channel_created: "Channel created", channel_deleted: "Channel deleted", role_changed: "Role changed",
  call_started: "Call started", recording_started: "Recording started",
};

/** One event as a sentence: "Ana invited with abc1…", "Bo made Cy moderator". */
export function describeEvent(event: GroupEventOut): string {
  const actor = event.actor_name ?? "Someone";
  const subject = event.subject_name ?? "someone";
  const channel = event.channel_name ? `#${event.channel_name}` : "a channel";
  const detail = event.detail ? ` (${event.detail})` : "";
  switch (event.kind) {
    case "member_joined": return `${event.subject_name ?? actor} joined the group${detail}`;
    case "member_left": return `${event.subject_name ?? actor} left the group`;
    case "member_removed": return `${actor} removed ${subject}${detail}`;
    case "member_banned": return `${actor} banned ${subject}${detail}`;
    case "invite_created": return `${actor} created an invite${detail}`;
    case "invite_used": return `${event.subject_name ?? actor} joined with an invite${detail}`;
    case "channel_created": return `${actor} created ${channel}`;
    case "channel_deleted": return `${actor} deleted ${channel}`;
    case "role_changed": return `${actor} changed ${subject}'s role${event.detail ? ` to ${event.detail}` : ""}`;
    case "call_started": return `${actor} started a call in ${channel}`;
    case "recording_started": return `${actor} started recording in ${channel}${detail}`;
  }
}

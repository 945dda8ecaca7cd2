// How a notification reads in the center and in a desktop alert.
import type { NotificationOut } from "../api/protocol.gen";

export interface Names {
  person: (userId: string) => string;
  /** A channel's name, or null when it is not (or no longer) known. */
  channel: (channelId: string) => string | null;
}

export function describe(n: NotificationOut, names: Names): string {
  // The server names the sender; a client may not know them (yet, or at all: an invitation).
  const who = n.from_name ?? (n.from_user_id ? names.person(n.from_user_id) : "PeerShare");
  const where = n.channel_id && names.channel(n.channel_id) ? ` in #${names.channel(n.channel_id)}` : "";
  switch (n.kind) {
    case "mention": return `${who} mentioned you${where}`;
    case "call_started": return `${who} started a call${where}`;
    case "group_invite": return `${who} invited you to a group`;
    case "invite_accepted": return `${who} joined through your invite`;
    case "guest_time_warning": return `Your call time is almost up${where}`;
    case "recording_started": return `${who} started recording the call${where}`;
    case "recording_ready": return `Your recording${where} is ready`;
    case "recording_failed": return `Your recording${where} could not be kept`;
  }
}

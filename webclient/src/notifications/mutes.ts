// My mutes in one group, as GET/PUT …/notification-settings tell them: a muted group silences
// all its channels; a channel may be muted on its own.
import type { GroupNotificationSettings } from "../api/protocol.gen";

export function isMuted(settings: GroupNotificationSettings | null, channelId: string | null): boolean {
  if (!settings) return false;
  return settings.muted || (channelId !== null && settings.muted_channel_ids.includes(channelId));
}

/** The settings after (un)muting one channel (the server's answer names only that channel). */
export function withChannelMuted(settings: GroupNotificationSettings, channelId: string, muted: boolean): GroupNotificationSettings {
  const others = settings.muted_channel_ids.filter((id) => id !== channelId);
  return { ...settings, muted_channel_ids: muted ? [...others, channelId] : others };
}

// The bell with its unread count, the notification center (open, join, mark read, enable desktop
// notifications), and the mute switches of a group and a channel.
import { useEffect, useState, type Dispatch } from "react";
import type { ChannelOut, GroupNotificationSettings, NotificationOut } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { desktopPermission, desktopNotificationsPrompt } from "../notifications/alerts";
import { desktopBridge } from "../desktop/bridge";
import type { ReadScope } from "../notifications/center";
import { isMuted, withChannelMuted } from "../notifications/mutes";
import { namesIn } from "../notifications/useNotifications";
import { describe } from "../notifications/wording";
import type { Action, State } from "../state/store";
import { Dialog } from "./Dialog";

export function BellIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 1.5a4 4 0 0 0-4 4v3L2.5 11v1h11v-1L12 8.5v-3a4 4 0 0 0-4-4zM6.5 13a1.5 1.5 0 0 0 3 0z" />
    </svg>
  );
}

export function NotificationBell({ unread, onOpen }: { unread: number; onOpen: () => void }) {
  return (
    <button className="icon bell" aria-haspopup="dialog" onClick={onOpen} data-testid="notification-bell"
      aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"} title="Notifications">
      <BellIcon />
      {unread > 0 && <span className="badge" aria-hidden="true">{unread > 99 ? "99+" : unread}</span>}
    </button>
  );
}

/** Marks read on the server, then in the store with the server's count. */
export async function markRead(rest: Rest, dispatch: Dispatch<Action>, scope: ReadScope): Promise<void> {
  const { unread_count } = await rest.markNotificationsRead(scope);
  dispatch({ type: "notifications_read", scope, unreadCount: unread_count });
}

export function NotificationCenter({ rest, state, dispatch, onClose, onOpen, onJoin }: {
  rest: Rest; state: State; dispatch: Dispatch<Action>; onClose: () => void;
  onOpen: (n: NotificationOut) => void;
  /** Joins the call a "call started" notice names; rejects with what went wrong. */
  onJoin: (n: NotificationOut) => Promise<void>;
}) {
  const center = state.notifications;
  const [permission, setPermission] = useState(desktopPermission);
  const prompt = desktopNotificationsPrompt(permission, desktopBridge() !== null);
  const [joining, setJoining] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const guard = (action: () => Promise<unknown>) => action().then(() => setError(null))
    .catch((e) => setError(e instanceof ApiError ? e.message : e instanceof Error ? e.message : "That did not work."));
  const names = namesIn(state);
  const join = (n: NotificationOut) => {
    setJoining(n.id);
    void guard(() => onJoin(n)).finally(() => setJoining(null));
  };
  const older = () => guard(async () => {
    const page = await rest.notifications(center.nextBefore ?? undefined);
    dispatch({ type: "notifications_page", page, older: true });
  });
  return (
    <Dialog title="Notifications" onClose={onClose}>
      <div className="notification-tools">
        <button className="secondary" disabled={center.unread === 0} onClick={() => void guard(() => markRead(rest, dispatch, "all"))}>
          Mark all read
        </button>
        {prompt === "offer" && (
          <button className="secondary" onClick={() => void Notification.requestPermission().then(setPermission)}>
            Enable desktop notifications
          </button>
        )}
        {prompt === "blocked" && <p className="hint">Desktop notifications are blocked in this browser's site settings.</p>}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {center.items.length === 0
        ? <p className="hint">Nothing yet: mentions, calls and invitations show up here.</p>
        : (
          <ul className="notifications" aria-label={`${center.unread} unread`}>
            {center.items.map((n) => (
              <li key={n.id} className={n.read ? "read" : "unread"}>
                <button className="link open" onClick={() => onOpen(n)}>
                  {!n.read && <span className="visually-hidden">Unread: </span>}{describe(n, names)}
                </button>
                {n.kind === "mention" && n.text && <q className="excerpt">{n.text}</q>}
                <span className="when">
                  <time dateTime={n.created_at}>{new Date(n.created_at).toLocaleString()}</time>
                  {n.muted && <span> · muted</span>}
                </span>
                <span className="item-actions">
                  {n.kind === "call_started" && n.voice_channel_id && state.channels[n.voice_channel_id] && (
                    <button disabled={joining !== null} onClick={() => join(n)}>
                      {joining === n.id ? "Joining…" : "Join"}<span className="visually-hidden"> the call in {state.channels[n.voice_channel_id].name}</span>
                    </button>
                  )}
                  {!n.read && (
                    <button className="link" onClick={() => void guard(() => markRead(rest, dispatch, { id: n.id }))}>
                      Mark read<span className="visually-hidden">: {describe(n, names)}</span>
                    </button>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      <div className="actions">
        {center.nextBefore && <button className="secondary" onClick={() => void older()}>Load older</button>}
        <button className="secondary" onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}

/** My mutes in one group, loaded once per group. */
function useMutes(rest: Rest, groupId: string) {
  const [settings, setSettings] = useState<GroupNotificationSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    rest.groupNotifications(groupId).then((s) => live && setSettings(s))
      .catch((e) => live && setError(e instanceof Error ? e.message : "Could not load the notification settings."));
    return () => { live = false; };
  }, [rest, groupId]);
  const change = (action: () => Promise<GroupNotificationSettings>) =>
    action().then((s) => { setSettings(s); setError(null); })
      .catch((e) => setError(e instanceof Error ? e.message : "That did not work."));
  return { settings, error, change };
}

/** In a channel's header: mute or unmute this channel's notifications for me. */
export function ChannelMuteButton({ rest, channel }: { rest: Rest; channel: ChannelOut }) {
  const { settings, error, change } = useMutes(rest, channel.group_id);
  const groupMuted = settings?.muted ?? false;
  const muted = isMuted(settings, channel.id);
  return (
    <>
      <button className="secondary" aria-pressed={muted} disabled={!settings || groupMuted}
        title={groupMuted ? "The whole group is muted (group settings)" : undefined}
        onClick={() => settings && void change(async () => {
          const saved = await rest.muteChannel(channel.id, !muted);
          return withChannelMuted(settings, channel.id, saved.muted);
        })}>
        {muted ? "Unmute channel" : "Mute channel"}
      </button>
      {error && <span role="alert" className="error">{error}</span>}
    </>
  );
}

/** In group settings: mute the whole group, or some of its channels. */
export function MuteSettings({ rest, groupId, channels }: { rest: Rest; groupId: string; channels: ChannelOut[] }) {
  const { settings, error, change } = useMutes(rest, groupId);
  return (
    <section aria-labelledby="mute-settings">
      <h3 id="mute-settings">Notifications</h3>
      <p className="hint">Muted notifications are still listed in the notification center, already read, without alerts.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {settings && (
        <>
          <label className="inline">
            <input type="checkbox" checked={settings.muted} onChange={(e) => void change(() => rest.muteGroup(groupId, e.target.checked))} />
            Mute this whole group
          </label>
          {channels.map((c) => (
            <label className="inline" key={c.id}>
              <input type="checkbox" disabled={settings.muted} checked={isMuted(settings, c.id)}
                onChange={(e) => void change(async () => withChannelMuted(settings, c.id, (await rest.muteChannel(c.id, e.target.checked)).muted))} />
              Mute {c.kind === "voice" ? `voice channel ${c.name}` : `#${c.name}`}
            </label>
          ))}
        </>
      )}
    </section>
  );
}

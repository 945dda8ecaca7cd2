// The signed-in app: a rail of groups, the channel sidebar, the main pane and the member list,
// fed by one gateway connection and the state reducer.
import { Suspense, useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { Gateway } from "../api/gateway";
import type { Rest } from "../api/rest";
import type { Connectivity } from "../pwa/connectivity";
import { keepSessionFresh } from "../api/tokenRenewal";
import { CallSession } from "../calls/callSession";
import { reportJoinError, reportJoinFailure, watchMedia } from "../history/joinFailures";
import { voiceSettings } from "../voice/device";
import { pushToTalk } from "../voice/pushToTalk";
import { processMicrophone } from "../voice/pipeline";
import { useDesktopPushToTalk, useDesktopWorkspace } from "../desktop/integration";
import { useCallRecording } from "../recording/useCallRecording";
import { channelsOf, initialState, recordingAnnouncement, reduce, voiceOccupants } from "../state/store";
import { AccountDialog } from "./AccountDialog";
import { Activity, ActivityIcon } from "./ActivityEntry";
import { CallView } from "./CallView";
import { Invitations } from "./Invitations";
import { GroupRail } from "./GroupRail";
import { GroupSettings } from "./GroupSettings";
import { MemberList } from "./MemberList";
import { ShortcutsHelp, useShortcuts } from "./Shortcuts";
import { TextChannel } from "./TextChannel";
import { ChannelIcon, ScreenIcon } from "./Icons";
import { ConsentDialog, RecordingMark } from "./Recording";
import { Recordings, RecordingToasts } from "./Recordings";
import type { NotificationOut } from "../api/protocol.gen";
import { useNotifications } from "../notifications/useNotifications";
import { markRead, NotificationBell, NotificationCenter } from "./Notifications";
import { PresencePicker } from "./PresencePicker";
import { openLocalMedia } from "./callControls";

export const DELETED_USER = "Deleted user";

export type Pane = "channel" | "settings" | "recordings" | "activity";

export function Workspace({ rest, connectivity, onSignOut }: { rest: Rest; connectivity: Connectivity; onSignOut: () => void }) {
  const [state, dispatch] = useReducer(reduce, initialState);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [pane, setPane] = useState<Pane>("channel");
  const [call, setCall] = useState<CallSession | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const [accountOpen, setAccountOpen] = useState(false);
  // Stable, so the dialog does not move focus again at every render.
  const closeAccount = useCallback(() => setAccountOpen(false), []);
  const [announcement, setAnnouncement] = useState("");
  const [membersOpen, setMembersOpen] = useState(true);
  const gateway = useMemo(() => new Gateway({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
    token: (stale) => rest.accessToken(stale),
    network: connectivity,
  }), [rest, connectivity]);
  const stateRef = useRef(state);
  stateRef.current = state;
  /** What a screen reader is told about recordings: the group on screen and my call. */
  const heardRef = useRef<{ groupId: string | null; callChannel: string | null }>({ groupId: null, callChannel: null });
  /** The recording the archive opens on (from a "ready" toast). */
  const [openRecording, setOpenRecording] = useState<string | null>(null);

  useEffect(() => {
    const offs = [
      gateway.onWelcome((welcome) => dispatch({ type: "welcome", welcome })),
      gateway.onStatus((status) => dispatch({ type: "status", status })),
      gateway.onPush((push) => {
        dispatch({ type: "push", push, now: Date.now() });
        if (push.type === "call_state") announceCallChange(stateRef.current, push, setAnnouncement);
        if (push.type === "recording_state") {
          const heard = heardRef.current;
          const text = push.group_id === heard.groupId || push.channel_id === heard.callChannel
            ? recordingAnnouncement(stateRef.current, push) : null;
          if (text) setAnnouncement(text);
        }
      }),
    ];
    gateway.start();
    const stopRenewal = keepSessionFresh(rest, gateway);
    // For diagnosis from the console (and the browser tests): the live connection.
    (globalThis as { peershareGateway?: Gateway }).peershareGateway = gateway;
    const typingTimer = setInterval(() => dispatch({ type: "typing_expired", now: Date.now() }), 2_000);
    return () => {
      offs.forEach((off) => off());
      clearInterval(typingTimer);
      stopRenewal();
      gateway.stop();
    };
  }, [gateway, rest]);

  // Signed out or the account deleted: the call (and its microphone) ends with the workspace.
  const callRef = useRef(call);
  callRef.current = call;
  useEffect(() => () => void callRef.current?.leave(), []);

  useDesktopWorkspace(state.unread, state.notifications.unread, useCallback(() => gateway.reconnect(), [gateway]));

  useEffect(() => {
    if (state.status === "signed_out") onSignOut();
  }, [state.status, onSignOut]);

  // Invitations that arrived while I was away; new ones come as pushes.
  const myId = state.me?.id;
  useEffect(() => {
    if (!myId) return;
    rest.myInvites().then((invites) => dispatch({ type: "pending_invites", invites })).catch(() => {});
  }, [rest, myId]);

  const groups = Object.values(state.groups).sort((a, b) => a.name.localeCompare(b.name));
  const currentGroup = (groupId && state.groups[groupId]) || groups[0] || null;
  const channels = currentGroup ? channelsOf(state, currentGroup.id) : [];
  const active = state.activeChannel ? state.channels[state.activeChannel] : null;
  const channel = active && active.group_id === currentGroup?.id ? active : channels[0] ?? null;
  const currentGroupId = currentGroup?.id ?? null;
  heardRef.current = { groupId: currentGroupId, callChannel: call && call.status !== "ended" ? call.channelId : null };
  const recording = useCallRecording(rest, call, myId ?? null, dispatch);
  const prompt = state.consentPrompts.find((p) => p.channelId === call?.channelId && call.status !== "ended");
  const showRecording = useCallback((groupId: string, recordingId: string | null) => {
    setGroupId(groupId);
    setOpenRecording(recordingId);
    setPane("recordings");
  }, []);

  useEffect(() => {
    if (!currentGroupId) return;
    rest.listMembers(currentGroupId).then((page) => dispatch({ type: "members", groupId: currentGroupId, members: page.members })).catch(() => {});
  }, [rest, currentGroupId]);

  const openChannel = useCallback((id: string) => {
    dispatch({ type: "open_channel", channelId: id });
    setPane("channel");
  }, []);

  const joinCall = useCallback(async (channelId: string, local: MediaStream | null) => {
    if (call) await call.leave();
    const target = stateRef.current.channels[channelId];
    const { stream, voice, gate } = await processMicrophone(local, voiceSettings, pushToTalk);
    const session = new CallSession(gateway, channelId, stream, target?.my_permissions ?? [], { voice, gate, pushToTalk });
    setCall(session);
    try {
      await session.join();
    } catch (error) {
      // The session has left and stopped its media; off the screen, so CallView shows the error.
      setCall(null);
      reportJoinError(gateway, channelId, session.joined?.call_id ?? null, error);
      throw error;
    }
    // Joined, but the others' media may still never connect: that join failed too.
    watchMedia(session, (callId) => reportJoinFailure(gateway, channelId, callId, "ice_failed", "no media arrived within 20 s"));
  }, [call, gateway]);

  // The notification center: a notification opens its channel (or recording), "Join" joins its call.
  const [centerOpen, setCenterOpen] = useState(false);
  const closeCenter = useCallback(() => setCenterOpen(false), []);
  const openNotification = useCallback((n: NotificationOut) => {
    if (!n.read) void markRead(rest, dispatch, { id: n.id }).catch((e) => console.warn("not marked read", e));
    setCenterOpen(false);
    if (n.kind === "recording_ready" && n.recording_id) return showRecording(n.group_id, n.recording_id);
    const target = n.channel_id ?? n.voice_channel_id;
    if (target && stateRef.current.channels[target]) {
      setGroupId(n.group_id);
      openChannel(target);
    }
  }, [rest, showRecording, openChannel]);
  const joinFromNotification = useCallback(async (n: NotificationOut) => {
    const voice = n.voice_channel_id ? stateRef.current.channels[n.voice_channel_id] : undefined;
    if (!voice) throw new Error("That voice channel is gone.");
    await joinCall(voice.id, await openLocalMedia(voice, false));
    if (!n.read) await markRead(rest, dispatch, { id: n.id });
    setCenterOpen(false);
    setGroupId(n.group_id);
    openChannel(voice.id);
  }, [joinCall, rest, openChannel]);
  useNotifications({ rest, gateway, dispatch, stateRef, onActivate: openNotification });

  const step = (delta: number) => {
    if (!channels.length) return;
    const index = Math.max(0, channels.findIndex((c) => c.id === channel?.id));
    openChannel(channels[(index + delta + channels.length) % channels.length].id);
  };
  // Push-to-talk in the page: the key counts while the page has focus.
  useEffect(() => pushToTalk.bindKeyboard(window, () => {
    const { mode, pttKey } = voiceSettings.get();
    return mode === "ptt" ? pttKey : null;
  }), []);
  useDesktopPushToTalk(pushToTalk, voiceSettings, call !== null && call.status !== "ended");
  useShortcuts({ call, onHelp: () => setHelpOpen(true), onNextChannel: () => step(1), onPreviousChannel: () => step(-1) });

  return (
    <div className="workspace">
      <GroupRail groups={groups} current={currentGroup?.id ?? null} rest={rest}
        onSelect={(id) => { setGroupId(id); setPane("channel"); }}
        onCreated={(created) => {
          dispatch({ type: "group_added", group: created, channels: created.channels });
          setGroupId(created.id);
        }} />
      <nav className="sidebar" aria-label="Channels">
        <header>
          <h2>{currentGroup?.name ?? "No group yet"}</h2>
          <span>
            <NotificationBell unread={state.notifications.unread} onOpen={() => setCenterOpen(true)} />
            {currentGroup && (
              <>
                <button className="icon" aria-label="Recordings" title="Recordings" aria-current={pane === "recordings" ? "page" : undefined}
                  onClick={() => showRecording(currentGroup.id, null)}><span className="rec-dot hollow" aria-hidden="true" /></button>
                <button className="icon" aria-label="Activity" title="Activity" aria-current={pane === "activity" ? "page" : undefined}
                  onClick={() => setPane("activity")}><ActivityIcon /></button>
                <button className="icon" aria-label="Group settings" title="Group settings" onClick={() => setPane("settings")}>⚙</button>
              </>
            )}
          </span>
        </header>
        <ChannelList channels={channels} activeId={channel?.id ?? null} state={state} onOpen={openChannel} />
        <footer className="me">
          <span className={`status-dot ${state.status}`} aria-hidden="true" />
          <span>{state.me?.display_name}</span>
          <PresencePicker gateway={gateway} state={state} dispatch={dispatch} />
          <button className="link" onClick={() => setAccountOpen(true)}>Account</button>
          <button className="link" onClick={onSignOut}>Sign out</button>
        </footer>
      </nav>
      <main className="main" id="main">
        <ConnectionBanner status={state.status} />
        {!currentGroup && <EmptyState />}
        {currentGroup && pane === "settings" && (
          <GroupSettings rest={rest} group={currentGroup} channels={channels}
            onChannelSaved={(c) => dispatch({ type: "channel_saved", channel: c })} onClose={() => setPane("channel")}
            onRecordings={() => showRecording(currentGroup.id, null)} />
        )}
        {currentGroup && pane === "recordings" && (
          <Recordings key={currentGroup.id} rest={rest} group={currentGroup} state={state} dispatch={dispatch}
            openId={openRecording} onClose={() => setPane("channel")} />
        )}
        {currentGroup && pane === "activity" && (
          <Suspense fallback={<p role="status" className="hint">Loading…</p>}>
            <Activity key={currentGroup.id} rest={rest} group={currentGroup} state={state} onClose={() => setPane("channel")}
              onOpenRecording={(id) => showRecording(currentGroup.id, id)} />
          </Suspense>
        )}
        {currentGroup && pane === "channel" && channel?.kind === "text" && (
          <TextChannel key={channel.id} channel={channel} state={state} dispatch={dispatch} rest={rest} gateway={gateway}
            voiceChannels={channels.filter((c) => c.kind === "voice")} onOpenChannel={openChannel} />
        )}
        {currentGroup && pane === "channel" && channel?.kind === "voice" && (
          <CallView key={channel.id} channel={channel} state={state} call={call?.channelId === channel.id ? call : null} recording={recording}
            onJoin={(local) => joinCall(channel.id, local)} onLeft={() => setCall(null)}
            onMediaRefused={(error) => reportJoinError(gateway, channel.id, null, error)} />
        )}
      </main>
      {currentGroup && (
        <MemberList rest={rest} groupId={currentGroup.id} state={state} open={membersOpen}
          onToggle={() => setMembersOpen(!membersOpen)} />
      )}
      {call && channel?.id !== call.channelId && call.status !== "ended" && (
        <button className="call-pill" onClick={() => openChannel(call.channelId)}>
          In a call: {state.channels[call.channelId]?.name} — return
        </button>
      )}
      <div className="visually-hidden" aria-live="polite" role="status">{announcement}</div>
      <Invitations rest={rest} state={state} dispatch={dispatch} />
      <RecordingToasts state={state} dispatch={dispatch} onOpen={showRecording} />
      {prompt && <ConsentDialog key={prompt.recording.recording_id} prompt={prompt} state={state} controls={recording} />}
      {helpOpen && <ShortcutsHelp onClose={() => setHelpOpen(false)} />}
      {accountOpen && <AccountDialog rest={rest} me={state.me} groups={Object.values(state.groups)} onClose={closeAccount} />}
      {centerOpen && <NotificationCenter rest={rest} state={state} dispatch={dispatch} onClose={closeCenter}
        onOpen={openNotification} onJoin={joinFromNotification} />}
    </div>
  );
}

function announceCallChange(state: ReturnType<typeof reduce>, push: { channel_id: string; participants: { user_id: string }[] },
                            announce: (text: string) => void): void {
  const before = new Set(state.calls[push.channel_id]?.participants.map((p) => p.user_id) ?? []);
  const after = new Set(push.participants.map((p) => p.user_id));
  const channel = state.channels[push.channel_id]?.name ?? "a call";
  for (const id of after) if (!before.has(id)) announce(`${nameOf(state, id)} joined ${channel}`);
  for (const id of before) if (!after.has(id)) announce(`${nameOf(state, id)} left ${channel}`);
}

/** null: someone who deleted their account (their messages stay, authorless). */
export function nameOf(state: ReturnType<typeof reduce>, userId: string | null): string {
  if (userId === null) return DELETED_USER;
  if (userId === state.me?.id) return "You";
  return state.names[userId] ?? "Someone";
}

function ChannelList({ channels, activeId, state, onOpen }: {
  channels: ReturnType<typeof channelsOf>; activeId: string | null; state: ReturnType<typeof reduce>; onOpen: (id: string) => void;
}) {
  return (
    <ul className="channels">
      {channels.map((c) => {
        const inCall = c.kind === "voice" ? voiceOccupants(state, c.group_id, c.id) : [];
        const sharing = new Set(state.calls[c.id]?.participants.filter((p) => p.screen).map((p) => p.user_id));
        const unread = state.unread[c.id] ?? 0;
        return (
          <li key={c.id}>
            <button className={`channel ${c.id === activeId ? "active" : ""} ${unread ? "unread" : ""}`}
              aria-current={c.id === activeId ? "page" : undefined} onClick={() => onOpen(c.id)}>
              <ChannelIcon kind={c.kind} />
              <span className="visually-hidden">{c.kind === "voice" ? "Voice" : "Text"} channel </span>{c.name}
              {unread > 0 && <span className="badge"><span className="visually-hidden">, </span>{unread}<span className="visually-hidden"> unread</span></span>}
              {inCall.length > 0 && <span className="visually-hidden">, {inCall.length} in call</span>}
              {state.recordings[c.id] && <RecordingMark />}
            </button>
            {inCall.length > 0 && (
              <ul className="in-call" aria-label={`In ${c.name}`}>
                {inCall.map((userId) => <li key={userId}>{nameOf(state, userId)}{sharing.has(userId) && <> <ScreenIcon /><span className="visually-hidden"> sharing a screen</span></>}</li>)}
              </ul>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function ConnectionBanner({ status }: { status: string }) {
  // Offline is said over every screen (AppNotices).
  if (status === "connected" || status === "offline") return null;
  const text = status === "reconnecting" ? "Connection lost — reconnecting…" : "Connecting…";
  return <div className={`banner ${status}`} role="status">{text}</div>;
}

function EmptyState() {
  return (
    <section className="empty">
      <h2>Welcome to PeerShare</h2>
      <p>Create a group with the + button on the left, or open an invite link someone sent you.</p>
    </section>
  );
}

// A group's settings: its profile, its channels, invites, members and bans (for those allowed).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { BanOut, ChannelKind, ChannelOut, GroupOut, InviteOut, MemberOut, MembersBulk, Resolution, RoleName } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { outranks } from "../state/store";
import { Dialog } from "./Dialog";
import { ChannelIcon } from "./Icons";
import { copyText } from "./clipboard";
import { bulkSummary, parseUserIds } from "./memberAdmin";
import { MuteSettings } from "./Notifications";

const MANAGERS: (RoleName | null)[] = ["owner", "moderator"];

export function GroupSettings({ rest, group, channels, onChannelSaved, onClose, onRecordings }: {
  rest: Rest; group: GroupOut; channels: ChannelOut[]; onChannelSaved: (c: ChannelOut) => void; onClose: () => void;
  onRecordings: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const guard = (action: () => Promise<unknown>) => action().then(() => setError(null))
    .catch((e) => setError(e instanceof ApiError ? e.message : "That did not work."));
  const manager = MANAGERS.includes(group.my_role);
  const [bans, setBans] = useState<BanOut[]>([]);
  const reloadBans = useCallback(() => rest.listBans(group.id).then(setBans), [rest, group.id]);
  useEffect(() => {
    if (manager) reloadBans().catch(() => {});
  }, [manager, reloadBans]);
  return (
    <section className="settings" aria-labelledby="settings-title">
      <header className="pane-header">
        <h2 id="settings-title">{group.name} — settings</h2>
        <button className="secondary" onClick={onRecordings}>Recordings</button>
        <button className="secondary" onClick={onClose}>Back</button>
      </header>
      {error && <p role="alert" className="error">{error}</p>}
      {group.my_role === "owner" && <Profile rest={rest} group={group} guard={guard} />}
      {group.my_role === "owner" && <RecordingSettings key={group.id} rest={rest} group={group} guard={guard} />}
      {manager && <Channels rest={rest} group={group} channels={channels} onSaved={onChannelSaved} guard={guard} />}
      {manager && <Invites rest={rest} group={group} guard={guard} />}
      <Members rest={rest} group={group} manager={manager} guard={guard} onBanned={reloadBans} />
      {manager && <Bans rest={rest} group={group} bans={bans} onLifted={reloadBans} guard={guard} />}
      <MuteSettings rest={rest} groupId={group.id} channels={channels} />
    </section>
  );
}

type Guard = (action: () => Promise<unknown>) => Promise<void>;

function Profile({ rest, group, guard }: { rest: Rest; group: GroupOut; guard: Guard }) {
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  const [privacy, setPrivacy] = useState(group.privacy);
  const [limit, setLimit] = useState(group.member_limit);
  return (
    <form className="card" onSubmit={(e: FormEvent) => { e.preventDefault(); void guard(() => rest.updateGroup(group.id, { name, description, privacy, member_limit: limit })); }}>
      <h3>Group</h3>
      <label>Name<input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} /></label>
      <label>Purpose<textarea value={description} maxLength={1000} onChange={(e) => setDescription(e.target.value)} /></label>
      <label>Privacy<select value={privacy} onChange={(e) => setPrivacy(e.target.value as GroupOut["privacy"])}>
        <option value="private">Private</option><option value="public">Public</option></select></label>
      <label>Member limit<input type="number" min={1} max={10000} value={limit} onChange={(e) => setLimit(Number(e.target.value))} /></label>
      <button type="submit">Save</button>
    </form>
  );
}

function Channels({ rest, group, channels, onSaved, guard }: {
  rest: Rest; group: GroupOut; channels: ChannelOut[]; onSaved: (c: ChannelOut) => void; guard: Guard;
}) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ChannelKind>("text");
  const move = (channel: ChannelOut, delta: number) =>
    guard(async () => onSaved(await rest.updateChannel(channel.id, { position: Math.max(0, channel.position + delta) })));
  return (
    <div className="card">
      <h3>Channels</h3>
      <ul className="channel-admin">
        {channels.map((c) => (
          <li key={c.id}>
            <span><ChannelIcon kind={c.kind} /> {c.name}</span>
            <button className="link" aria-label={`Move ${c.name} up`} onClick={() => void move(c, -1)}>↑</button>
            <button className="link" aria-label={`Move ${c.name} down`} onClick={() => void move(c, 1)}>↓</button>
            <button className="link" onClick={() => {
              const renamed = prompt(`Rename ${c.name} to`, c.name);
              if (renamed) void guard(async () => onSaved(await rest.updateChannel(c.id, { name: renamed })));
            }}>Rename</button>
            <button className="link danger" onClick={() => confirm(`Delete ${c.name}?`) && void guard(() => rest.deleteChannel(c.id))}>Delete</button>
          </li>
        ))}
      </ul>
      <form onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void guard(async () => { onSaved(await rest.createChannel(group.id, { name, kind })); setName(""); });
      }}>
        <label>New channel<input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} /></label>
        <label>Kind<select value={kind} onChange={(e) => setKind(e.target.value as ChannelKind)}>
          <option value="text">Text</option><option value="voice">Voice</option></select></label>
        <button type="submit">Create channel</button>
      </form>
    </div>
  );
}

function Invites({ rest, group, guard }: { rest: Rest; group: GroupOut; guard: Guard }) {
  const [invites, setInvites] = useState<InviteOut[]>([]);
  const [role, setRole] = useState<"member" | "guest">("member");
  const [expiry, setExpiry] = useState("604800");
  const [maxUses, setMaxUses] = useState("");
  const [copied, setCopied] = useState<string | null>(null);
  const [copyError, setCopyError] = useState<string | null>(null);
  const copy = async (code: string, url: string) => {
    const refused = await copyText(navigator.clipboard, url);
    setCopied(refused ? null : code);
    setCopyError(refused);
  };
  const reload = () => rest.listInvites(group.id).then(setInvites);
  useEffect(() => void reload().catch(() => {}), [group.id]);
  return (
    <div className="card">
      <h3>Invites</h3>
      <form onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void guard(async () => {
          await rest.createInvite(group.id, { role, expires_in_s: expiry ? Number(expiry) : null, max_uses: maxUses ? Number(maxUses) : null });
          await reload();
        });
      }}>
        <label>Role<select name="invite_role" value={role} onChange={(e) => setRole(e.target.value as "member" | "guest")}>
          <option value="member">Member</option><option value="guest">Guest (60-minute calls)</option></select></label>
        <label>Expires<select value={expiry} onChange={(e) => setExpiry(e.target.value)}>
          <option value="3600">in an hour</option><option value="86400">in a day</option>
          <option value="604800">in a week</option><option value="">never</option></select></label>
        <label>Max uses<input type="number" min={1} value={maxUses} placeholder="no limit" onChange={(e) => setMaxUses(e.target.value)} /></label>
        <button type="submit">Create invite link</button>
      </form>
      {copyError && <p role="alert" className="error">{copyError}</p>}
      <ul className="invites">
        {invites.filter((i) => !i.revoked).map((i) => (
          <li key={i.code}>
            <input readOnly value={i.url} aria-label={`Invite link for ${i.role}s`} data-invite-role={i.role} />
            <button onClick={() => void copy(i.code, i.url)}>
              {copied === i.code ? "Copied" : "Copy"}
            </button>
            <span>{i.role} · {i.uses}{i.max_uses ? `/${i.max_uses}` : ""} uses{i.expires_at ? ` · until ${new Date(i.expires_at).toLocaleString()}` : ""}</span>
            <button className="link danger" onClick={() => void guard(async () => { await rest.revokeInvite(i.code); await reload(); })}>Revoke</button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Members({ rest, group, manager, guard, onBanned }: {
  rest: Rest; group: GroupOut; manager: boolean; guard: Guard; onBanned: () => Promise<unknown>;
}) {
  const [members, setMembers] = useState<MemberOut[]>([]);
  const [query, setQuery] = useState("");
  const [role, setRole] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState("");
  const [banning, setBanning] = useState<MemberOut | null>(null);
  const closeBan = useCallback(() => setBanning(null), []);
  const reload = () => rest.listMembers(group.id, query, role).then((p) => setMembers(p.members));
  useEffect(() => void reload().catch(() => {}), [group.id, query, role]);
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const bulk = (action: MembersBulk["action"], userIds: string[], newRole?: RoleName) => guard(async () => {
    const { results } = await rest.bulkMembers(group.id, action, userIds, newRole);
    setNotice(bulkSummary(action, results));
    if (action === "remove") setSelected(new Set());
    await reload();
  });
  const mayActOn = (m: MemberOut) => outranks(group.my_role, m.role);
  return (
    <div className="card">
      <h3>Members</h3>
      <p role="status" className="hint">{notice}</p>
      {manager && <InvitePeople onInvite={(ids, inviteRole) => bulk("add", ids, inviteRole)} />}
      <div className="filters">
        <label>Search<input type="search" value={query} onChange={(e) => setQuery(e.target.value)} /></label>
        <label>Role<select value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Any</option><option value="owner">Owner</option><option value="moderator">Moderator</option>
          <option value="member">Member</option><option value="guest">Guest</option></select></label>
      </div>
      {manager && selected.size > 0 && (
        <div className="bulk" role="group" aria-label="With the selected members">
          {group.my_role === "owner" && <button onClick={() => void bulk("set_role", [...selected], "moderator")}>Make moderators</button>}
          <button onClick={() => void bulk("set_role", [...selected], "member")}>Make members</button>
          <button className="danger" onClick={() => void bulk("remove", [...selected])}>Remove</button>
        </div>
      )}
      <table>
        <thead><tr>{manager && <th scope="col"><span className="visually-hidden">Select</span></th>}<th scope="col">Name</th><th scope="col">Role</th>{manager && <th scope="col">Actions</th>}</tr></thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.user_id}>
              {manager && <td><input type="checkbox" aria-label={`Select ${m.display_name}`} checked={selected.has(m.user_id)} onChange={() => toggle(m.user_id)} /></td>}
              <td>{m.display_name} <span className="username">@{m.username}</span></td>
              <td>{manager && mayActOn(m) ? (
                <select aria-label={`Role of ${m.display_name}`} value={m.role}
                  onChange={(e) => void guard(async () => { await rest.changeRole(group.id, m.user_id, e.target.value as RoleName); await reload(); })}>
                  <option value="moderator">moderator</option><option value="member">member</option><option value="guest">guest</option>
                </select>) : m.role}</td>
              {manager && <td>{mayActOn(m) && (
                <>
                  <button className="link danger" onClick={() => void guard(async () => { await rest.removeMember(group.id, m.user_id); await reload(); })}>Remove</button>
                  <button className="link danger" aria-label={`Ban ${m.display_name}`} onClick={() => setBanning(m)}>Ban</button>
                </>
              )}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {banning && (
        <BanDialog member={banning} onClose={closeBan} onBan={(reason) => guard(async () => {
          await rest.ban(group.id, banning.user_id, reason);
          setBanning(null);
          setNotice(`${banning.display_name} is banned.`);
          await Promise.all([reload(), onBanned()]);
        })} />
      )}
    </div>
  );
}

/** Adding people sends each an invitation of their own; they join when they accept it. */
function InvitePeople({ onInvite }: { onInvite: (userIds: string[], role: RoleName) => Promise<void> }) {
  const [text, setText] = useState("");
  const [role, setRole] = useState<RoleName>("member");
  return (
    <form className="invite-people" onSubmit={(e: FormEvent) => {
      e.preventDefault();
      const ids = parseUserIds(text);
      if (ids.length) void onInvite(ids, role).then(() => setText(""));
    }}>
      <label>Invite people (user IDs, one per line)
        <textarea value={text} rows={2} onChange={(e) => setText(e.target.value)} aria-describedby="invite-people-hint" /></label>
      <p id="invite-people-hint" className="hint">Each person gets an invitation and joins when they accept it.</p>
      <label>As<select value={role} onChange={(e) => setRole(e.target.value as RoleName)}>
        <option value="member">Member</option><option value="guest">Guest</option></select></label>
      <button type="submit">Send invitations</button>
    </form>
  );
}

function BanDialog({ member, onClose, onBan }: { member: MemberOut; onClose: () => void; onBan: (reason: string) => Promise<void> }) {
  const [reason, setReason] = useState("");
  return (
    <Dialog title={`Ban ${member.display_name}`} onClose={onClose}>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); void onBan(reason); }}>
        <p>{member.display_name} leaves the group, its calls and chats at once, and cannot come back, not even through an invite, until the ban is lifted.</p>
        <label>Reason (shown to moderators)<textarea value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} /></label>
        <div className="actions">
          <button type="submit" className="danger">Ban</button>
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}

function Bans({ rest, group, bans, onLifted, guard }: {
  rest: Rest; group: GroupOut; bans: BanOut[]; onLifted: () => Promise<unknown>; guard: Guard;
}) {
  return (
    <div className="card">
      <h3>Bans</h3>
      {bans.length === 0 ? <p className="hint">Nobody is banned.</p> : (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Reason</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {bans.map((b) => (
              <tr key={b.user_id}>
                <td>{b.display_name} <span className="username">@{b.username}</span></td>
                <td>{b.reason || "—"}</td>
                <td>{new Date(b.created_at).toLocaleDateString()}</td>
                <td><button className="link" aria-label={`Lift the ban on ${b.display_name}`}
                  onClick={() => void guard(async () => { await rest.liftBan(group.id, b.user_id); await onLifted(); })}>Lift ban</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** How the group's calls are recorded, and how long recordings are kept (the owner's). */
function RecordingSettings({ rest, group, guard }: { rest: Rest; group: GroupOut; guard: Guard }) {
  const quality = group.recording_quality;
  const [resolution, setResolution] = useState<Resolution>(quality.resolution ?? "720p");
  const [fps, setFps] = useState(quality.fps ?? 30);
  const [mbps, setMbps] = useState((quality.video_bitrate ?? 2_500_000) / 1_000_000);
  const [days, setDays] = useState(group.recording_retention_days ? String(group.recording_retention_days) : "");
  const [saved, setSaved] = useState("");
  return (
    <form className="card" aria-labelledby="recording-settings" onSubmit={(e: FormEvent) => {
      e.preventDefault();
      void guard(async () => {
        await rest.updateGroup(group.id, {
          recording_quality: { resolution, fps, video_bitrate: Math.round(mbps * 1_000_000) },
          recording_retention_days: days ? Number(days) : 0,
        });
        setSaved("Recording settings saved.");
      });
    }}>
      <h3 id="recording-settings">Recording</h3>
      <div className="filters">
        <label>Resolution<select value={resolution} onChange={(e) => setResolution(e.target.value as Resolution)}>
          <option value="720p">720p (HD)</option><option value="1080p">1080p (Full HD)</option></select></label>
        <label>Frames per second<input type="number" min={15} max={30} step={1} required value={fps}
          onChange={(e) => setFps(Number(e.target.value))} /></label>
        <label>Video bitrate (Mbit/s)<input type="number" min={0.5} max={8} step={0.1} required value={mbps}
          onChange={(e) => setMbps(Number(e.target.value))} /></label>
        <label>Keep recordings for (days)<input type="number" min={1} max={36500} step={1} value={days} placeholder="for ever"
          aria-describedby="retention-hint" onChange={(e) => setDays(e.target.value)} /></label>
      </div>
      <p id="retention-hint" className="hint">Leave the days empty to keep recordings until someone deletes them. Older recordings are deleted automatically.</p>
      <p role="status" className="hint">{saved}</p>
      <button type="submit">Save recording settings</button>
    </form>
  );
}

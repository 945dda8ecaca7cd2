// A group's settings: its profile, its channels, invites and members (for those allowed).
import { useEffect, useState, type FormEvent } from "react";
import type { ChannelKind, ChannelOut, GroupOut, InviteOut, MemberOut, RoleName } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { ChannelIcon } from "./Icons";

const MANAGERS: (RoleName | null)[] = ["owner", "moderator"];

export function GroupSettings({ rest, group, channels, onChannelSaved, onClose }: {
  rest: Rest; group: GroupOut; channels: ChannelOut[]; onChannelSaved: (c: ChannelOut) => void; onClose: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const guard = (action: () => Promise<unknown>) => action().then(() => setError(null))
    .catch((e) => setError(e instanceof ApiError ? e.message : "That did not work."));
  const manager = MANAGERS.includes(group.my_role);
  return (
    <section className="settings" aria-labelledby="settings-title">
      <header className="pane-header">
        <h2 id="settings-title">{group.name} — settings</h2>
        <button className="secondary" onClick={onClose}>Back</button>
      </header>
      {error && <p role="alert" className="error">{error}</p>}
      {group.my_role === "owner" && <Profile rest={rest} group={group} guard={guard} />}
      {manager && <Channels rest={rest} group={group} channels={channels} onSaved={onChannelSaved} guard={guard} />}
      {manager && <Invites rest={rest} group={group} guard={guard} />}
      <Members rest={rest} group={group} manager={manager} guard={guard} />
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
      <ul className="invites">
        {invites.filter((i) => !i.revoked).map((i) => (
          <li key={i.code}>
            <input readOnly value={i.url} aria-label={`Invite link for ${i.role}s`} data-invite-role={i.role} />
            <button onClick={() => navigator.clipboard.writeText(i.url).then(() => setCopied(i.code))}>
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

function Members({ rest, group, manager, guard }: { rest: Rest; group: GroupOut; manager: boolean; guard: Guard }) {
  const [members, setMembers] = useState<MemberOut[]>([]);
  const [query, setQuery] = useState("");
  const [role, setRole] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const reload = () => rest.listMembers(group.id, query, role).then((p) => setMembers(p.members));
  useEffect(() => void reload().catch(() => {}), [group.id, query, role]);
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  return (
    <div className="card">
      <h3>Members</h3>
      <div className="filters">
        <label>Search<input type="search" value={query} onChange={(e) => setQuery(e.target.value)} /></label>
        <label>Role<select value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Any</option><option value="owner">Owner</option><option value="moderator">Moderator</option>
          <option value="member">Member</option><option value="guest">Guest</option></select></label>
      </div>
      {manager && selected.size > 0 && (
        <div className="bulk" role="group" aria-label="With the selected members">
          <button onClick={() => void guard(async () => { await rest.bulkMembers(group.id, "set_role", [...selected], "moderator"); await reload(); })}>Make moderators</button>
          <button onClick={() => void guard(async () => { await rest.bulkMembers(group.id, "set_role", [...selected], "member"); await reload(); })}>Make members</button>
          <button className="danger" onClick={() => void guard(async () => { await rest.bulkMembers(group.id, "remove", [...selected]); setSelected(new Set()); await reload(); })}>Remove</button>
        </div>
      )}
      <table>
        <thead><tr>{manager && <th scope="col"><span className="visually-hidden">Select</span></th>}<th scope="col">Name</th><th scope="col">Role</th>{manager && <th scope="col">Actions</th>}</tr></thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.user_id}>
              {manager && <td><input type="checkbox" aria-label={`Select ${m.display_name}`} checked={selected.has(m.user_id)} onChange={() => toggle(m.user_id)} /></td>}
              <td>{m.display_name} <span className="username">@{m.username}</span></td>
              <td>{manager && m.role !== "owner" ? (
                <select aria-label={`Role of ${m.display_name}`} value={m.role}
                  onChange={(e) => void guard(async () => { await rest.changeRole(group.id, m.user_id, e.target.value as RoleName); await reload(); })}>
                  <option value="moderator">moderator</option><option value="member">member</option><option value="guest">guest</option>
                </select>) : m.role}</td>
              {manager && <td>{m.role !== "owner" && <button className="link danger" onClick={() => void guard(async () => { await rest.removeMember(group.id, m.user_id); await reload(); })}>Remove</button>}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

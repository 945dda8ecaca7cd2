// The member list beside the channel: presence, status text, voice channel, search.
import { useEffect, useState } from "react";
import type { MemberOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import { presenceIn, type State } from "../state/store";
import { SpeakerIcon } from "./Icons";

export function MemberList({ rest, groupId, state, open, onToggle }: {
  rest: Rest; groupId: string; state: State; open: boolean; onToggle: () => void;
}) {
  const [members, setMembers] = useState<MemberOut[]>([]);
  const [query, setQuery] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => rest.listMembers(groupId, query).then((p) => setMembers(p.members)).catch(() => {}), 200);
    return () => clearTimeout(timer);
  }, [rest, groupId, query, state.names]);

  const statusOf = (id: string) => presenceIn(state, groupId, id)?.status ?? "offline";
  const sorted = [...members].sort((a, b) => Number(statusOf(a.user_id) === "offline") - Number(statusOf(b.user_id) === "offline"));
  return (
    <aside className={`members ${open ? "" : "collapsed"}`} aria-label="Members">
      <button className="icon toggle" onClick={onToggle} aria-expanded={open} aria-label={open ? "Hide members" : "Show members"}>
        {open ? "»" : "«"}
      </button>
      {open && (
        <>
          <label className="visually-hidden" htmlFor="member-search">Search members</label>
          <input id="member-search" type="search" placeholder="Search members" value={query} onChange={(e) => setQuery(e.target.value)} />
          <ul>
            {sorted.map((m) => {
              const presence = presenceIn(state, groupId, m.user_id);
              const voice = presence?.voice_channel_id ? state.channels[presence.voice_channel_id]?.name : null;
              return (
                <li key={m.user_id} className={`member ${statusOf(m.user_id)}`}>
                  <span className={`status-dot ${statusOf(m.user_id)}`} role="img" aria-label={statusOf(m.user_id)} />
                  <span className="name">{m.display_name}</span> <span className="role">{m.role}</span>
                  {presence?.status_text && <span className="status-text">{presence.status_text}</span>}
                  {voice && <span className="voice"><SpeakerIcon /> {voice}</span>}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </aside>
  );
}

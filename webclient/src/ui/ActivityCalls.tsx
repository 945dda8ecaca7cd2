// The Calls tab: recent calls of the group, newest first, filtered by channel, person and dates,
// with who was there when, how the media went, and the recordings made.
import type { FormEvent } from "react";
import type { Rest } from "../api/rest";
import { listCalls } from "../history/api";
import { formatDuration, formatNumber, formatWhen, modeSummary, participationSpan } from "../history/format";
import { callsSearch, NO_CALL_FILTERS, type CallFilters } from "../history/query";
import type { CallParticipantOut, CallRecordOut } from "../api/protocol.gen";
import { usePaged } from "../history/usePaged";
import { ListStatus } from "./ActivityStatus";

export interface Option { id: string; name: string }

export function ActivityCalls({ rest, groupId, filters, onFilters, channels, people, onOpenRecording }: {
  rest: Rest; groupId: string; filters: CallFilters; onFilters: (filters: CallFilters) => void;
  channels: Option[]; people: Option[]; onOpenRecording: (id: string) => void;
}) {
  const key = `${groupId}?${callsSearch(filters)}`;
  const list = usePaged<CallRecordOut>(key, async (before) => {
    const page = await listCalls(rest, groupId, filters, before);
    return { items: page.calls, next: page.next };
  }, "The calls");
  const set = (patch: Partial<CallFilters>) => onFilters({ ...filters, ...patch });
  const filtered = callsSearch(filters) !== callsSearch(NO_CALL_FILTERS);

  return (
    <>
      <form className="filters card" role="search" aria-label="Filter calls" onSubmit={(e: FormEvent) => e.preventDefault()}>
        <label>Channel<select value={filters.channelId} onChange={(e) => set({ channelId: e.target.value })}>
          <option value="">Any</option>
          {channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select></label>
        <label>Participant<select value={filters.participantId} onChange={(e) => set({ participantId: e.target.value })}>
          <option value="">Anyone</option>
          {people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select></label>
        <label>From<input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set({ from: e.target.value })} /></label>
        <label>To<input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set({ to: e.target.value })} /></label>
        <div className="actions"><button type="button" className="secondary" disabled={!filtered} onClick={() => onFilters(NO_CALL_FILTERS)}>Clear filters</button></div>
      </form>
      <ListStatus list={list} noun={["call", "calls"]} empty={filtered ? "No calls match these filters." : "No calls yet."} />
      {list.items && list.items.length > 0 && (
        // Focusable, so keyboard users can scroll a table wider than the pane.
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Calls table">
          <table className="calls-table">
            <caption className="visually-hidden">Calls, newest first</caption>
            <thead><tr>
              <th scope="col">Channel</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Participants</th>
              <th scope="col">P2P / SFU</th><th scope="col">TURN</th><th scope="col">Screen share</th><th scope="col">Recordings</th>
            </tr></thead>
            <tbody>
              {list.items.map((call) => (
                <tr key={call.id} data-call-id={call.id}>
                  <th scope="row">#{call.channel_name}</th>
                  <td><time dateTime={call.started_at}>{formatWhen(call.started_at)}</time></td>
                  <td>{formatDuration(call.duration_s)}{call.ended_at === null && <span className="live"> (live)</span>}</td>
                  <td><ul className="participants">{call.participants.map((p, i) => <Participant key={`${p.user_id}-${i}`} p={p} />)}</ul>
                    {call.join_failures > 0 && <span className="hint">{call.join_failures} failed {call.join_failures === 1 ? "join" : "joins"}</span>}</td>
                  <td>{modeSummary(call)}</td>
                  <td>{call.relayed ? "Relayed" : "Direct"}</td>
                  <td>{call.screen_shared ? "Yes" : "No"}</td>
                  <td>{call.recordings.length === 0 ? "—" : (
                    <ul className="plain">{call.recordings.map((r) => (
                      <li key={r.id}><button className="link" onClick={() => onOpenRecording(r.id)}>{r.title}</button>
                        {r.duration_s !== null && <span className="hint"> {formatDuration(r.duration_s)}</span>}</li>
                    ))}</ul>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.more && <div className="actions"><button className="secondary" disabled={list.loading} onClick={() => void list.loadMore()}>{list.loading ? "Loading…" : "Load more calls"}</button></div>}
    </>
  );
}

function Participant({ p }: { p: CallParticipantOut }) {
  const details = [
    p.media_path === "relay" ? "via TURN" : p.media_path === "direct" ? "direct" : "",
    p.quality ? `${p.quality} quality` : "",
    p.rtt_ms !== null ? `${formatNumber(p.rtt_ms, " ms")} RTT` : "",
    p.loss_pct !== null ? `${formatNumber(p.loss_pct, "% loss", 1)}` : "",
    p.screen_shared ? "shared a screen" : "",
    p.left_reason && p.left_reason !== "left" ? p.left_reason.replaceAll("_", " ") : "",
  ].filter(Boolean);
  return (
    <li>
      <span className="name">{p.display_name}</span> <span className="span">{participationSpan(p)}</span>
      {details.length > 0 && <span className="hint"> · {details.join(" · ")}</span>}
    </li>
  );
}

// The group's archive of recordings: search and filters, pages newest first ("Load more"), a
// player with a download link, and for moderators rename (inline) and delete (confirmed). Also the
// toasts that tell me a recording I started is ready.
import { useCallback, useEffect, useRef, useState, type Dispatch, type FormEvent, type KeyboardEvent } from "react";
import type { GroupOut, RecordingOut } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { consentSummary, formatBytes, NO_FILTERS, STATE_LABELS, type ArchiveFilters } from "../recording/archive";
import { useArchive, usePlayLink } from "../recording/useArchive";
import { canManageRecordings, channelsOf, type Action, type State } from "../state/store";
import { formatClock } from "./callControls";
import { Dialog } from "./Dialog";
import { nameOf } from "./Workspace";

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
const duration = (r: RecordingOut) => (r.duration_s === null ? "—" : formatClock(r.duration_s * 1000, Math.round));

export function Recordings({ rest, group, state, dispatch, openId, onClose }: {
  rest: Rest; group: GroupOut; state: State; dispatch: Dispatch<Action>; openId: string | null; onClose: () => void;
}) {
  const [filters, setFilters] = useState<ArchiveFilters>(NO_FILTERS);
  const { recordings, more, loading, error, loadMore } = useArchive(rest, group.id, filters, state, dispatch);
  const [selectedId, setSelectedId] = useState<string | null>(openId);
  const [deleting, setDeleting] = useState<RecordingOut | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const manager = canManageRecordings(state, group.id);
  const voiceChannels = channelsOf(state, group.id).filter((c) => c.kind === "voice");
  const people = Object.keys(state.roles[group.id] ?? {}).sort((a, b) => nameOf(state, a).localeCompare(nameOf(state, b)));
  const set = (patch: Partial<ArchiveFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const channelName = (id: string | null) => (id ? state.channels[id]?.name ?? "deleted channel" : "deleted channel");

  useEffect(() => setSelectedId(openId), [openId]);
  const selected = useSelected(rest, selectedId, recordings);

  const guard = async (action: () => Promise<void>) => {
    try {
      await action();
      setActionError(null);
    } catch (e) {
      setActionError(e instanceof ApiError ? e.message : "That did not work.");
    }
  };
  const rename = (recording: RecordingOut, title: string) => guard(async () => {
    dispatch({ type: "recording_saved", recording: await rest.renameRecording(recording.id, title) });
    setNotice(`Renamed to ${title}.`);
  });
  const closeDelete = useCallback(() => setDeleting(null), []);

  return (
    <section className="settings recordings" aria-labelledby="recordings-title">
      <header className="pane-header">
        <h2 id="recordings-title">{group.name} — recordings</h2>
        <button className="secondary" onClick={onClose}>Back</button>
      </header>
      <form className="filters card" role="search" aria-label="Find recordings" onSubmit={(e: FormEvent) => e.preventDefault()}>
        <label>Title<input type="search" value={filters.title} maxLength={200} onChange={(e) => set({ title: e.target.value })} /></label>
        <label>Channel<select value={filters.channelId} onChange={(e) => set({ channelId: e.target.value })}>
          <option value="">Any</option>
          {voiceChannels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select></label>
        <label>Participant<select value={filters.participant} onChange={(e) => set({ participant: e.target.value })}>
          <option value="">Anyone</option>
          {people.map((id) => <option key={id} value={id}>{nameOf(state, id)}</option>)}
        </select></label>
        <label>From<input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set({ from: e.target.value })} /></label>
        <label>To<input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set({ to: e.target.value })} /></label>
        <div className="actions"><button type="button" className="secondary" onClick={() => setFilters(NO_FILTERS)}>Clear filters</button></div>
      </form>
      {selected && <Player key={selected.id} rest={rest} recording={selected} channel={channelName(selected.channel_id)} onClose={() => setSelectedId(null)} />}
      {(error || actionError) && <p role="alert" className="error">{error ?? actionError}</p>}
      <p role="status" className="hint">{loading ? "Loading recordings…" : recordings ? `${recordings.length}${more ? "+" : ""} recordings shown. ${notice}` : ""}</p>
      {recordings && recordings.length === 0 && !loading && <p>No recordings match.</p>}
      {recordings && recordings.length > 0 && (
        <table className="recording-list">
          <thead><tr>
            <th scope="col">Title</th><th scope="col">Channel</th><th scope="col">Date</th><th scope="col">Length</th>
            <th scope="col">Size</th><th scope="col">People (consent)</th><th scope="col">State</th><th scope="col">Actions</th>
          </tr></thead>
          <tbody>
            {recordings.map((r) => (
              <tr key={r.id} aria-current={r.id === selectedId ? "true" : undefined}>
                <td>{manager ? <EditableTitle recording={r} onRename={(title) => rename(r, title)} /> : r.title}</td>
                <td>{channelName(r.channel_id)}</td>
                <td><time dateTime={r.started_at}>{when(r.started_at)}</time></td>
                <td>{duration(r)}</td>
                <td>{formatBytes(r.size_bytes)}</td>
                <td>{consentSummary(r)}</td>
                <td><span className={`rec-state ${r.state}`}>{STATE_LABELS[r.state]}</span>{r.note && <span className="hint"> ({r.note.replaceAll("_", " ")})</span>}</td>
                <td className="row-actions">
                  <button className="link" disabled={r.state !== "ready"} aria-label={`Play ${r.title}`} onClick={() => setSelectedId(r.id)}>Play</button>
                  {manager && <button className="link danger" disabled={r.state === "recording"} aria-label={`Delete ${r.title}`}
                    onClick={() => setDeleting(r)}>Delete</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more && <div className="actions"><button className="secondary" disabled={loading} onClick={() => void loadMore()}>{loading ? "Loading…" : "Load more"}</button></div>}
      {deleting && (
        <Dialog title={`Delete ${deleting.title}?`} onClose={closeDelete}>
          <p>The recording and its file are deleted for everyone. This cannot be undone.</p>
          <div className="actions">
            <button className="secondary" onClick={closeDelete}>Cancel</button>
            <button className="danger" onClick={() => void guard(async () => {
              await rest.deleteRecording(deleting.id);
              dispatch({ type: "recording_deleted", recordingId: deleting.id });
              if (selectedId === deleting.id) setSelectedId(null);
              setNotice(`${deleting.title} was deleted.`);
              setDeleting(null);
            })}>Delete</button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

/** The recording to play: from the list shown, or fetched (a toast may name one on another page). */
function useSelected(rest: Rest, id: string | null, listed: RecordingOut[] | null): RecordingOut | null {
  const [fetched, setFetched] = useState<RecordingOut | null>(null);
  const inList = id ? listed?.find((r) => r.id === id) ?? null : null;
  useEffect(() => {
    if (!id || inList) return;
    let current = true;
    rest.getRecording(id).then((r) => current && setFetched(r), () => current && setFetched(null));
    return () => { current = false; };
  }, [rest, id, inList]);
  return inList ?? (fetched?.id === id ? fetched : null);
}

/** The title as text, or as a field while renaming: Enter saves, Escape cancels. */
function EditableTitle({ recording, onRename }: { recording: RecordingOut; onRename: (title: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(recording.title);
  const button = useRef<HTMLButtonElement>(null);
  const finish = () => { setEditing(false); requestAnimationFrame(() => button.current?.focus()); };
  if (!editing) {
    return (
      <span className="editable-title">{recording.title}
        <button ref={button} className="link" aria-label={`Rename ${recording.title}`} onClick={() => { setTitle(recording.title); setEditing(true); }}>Rename</button>
      </span>
    );
  }
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = title.trim();
    if (trimmed && trimmed !== recording.title) await onRename(trimmed);
    finish();
  };
  return (
    <form className="inline-edit" onSubmit={(e) => void save(e)}>
      <input aria-label={`New title for ${recording.title}`} value={title} required maxLength={200} autoFocus
        onChange={(e) => setTitle(e.target.value)} onKeyDown={(e: KeyboardEvent) => { if (e.key === "Escape") { e.stopPropagation(); finish(); } }} />
      <button type="submit" className="link">Save</button>
      <button type="button" className="link" onClick={finish}>Cancel</button>
    </form>
  );
}

/** Plays a recording through its expiring link; a renewed link resumes where the old one was. */
function Player({ rest, recording, channel, onClose }: { rest: Rest; recording: RecordingOut; channel: string; onClose: () => void }) {
  const { link, error, renew } = usePlayLink(rest, recording.state === "ready" ? recording.id : null);
  // Where playback is, so a renewed link (a new src) picks up there; a src that is loading
  // (readyState 0, position reset to 0) says nothing about where the viewer was.
  const position = useRef<{ at: number; playing: boolean }>({ at: 0, playing: false });
  const track = (el: HTMLVideoElement) => {
    if (el.readyState > 0) position.current = { at: el.currentTime, playing: !el.paused };
  };
  return (
    <div className="card player" aria-labelledby="player-title">
      <header className="pane-header">
        <h3 id="player-title">{recording.title}</h3>
        <span className="hint">{channel} · {when(recording.started_at)} · {duration(recording)}</span>
        <button className="secondary" onClick={onClose}>Close player</button>
      </header>
      {recording.state !== "ready" && <p>{recording.state === "failed" ? "This recording failed and cannot be played." : "This recording is still being saved."}</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {link && (
        <>
          <video src={link.url} controls preload="metadata" aria-label={`Recording: ${recording.title}`}
            onTimeUpdate={(e) => track(e.currentTarget)} onPause={(e) => track(e.currentTarget)}
            onLoadedMetadata={(e) => {
              const { at, playing } = position.current;
              if (at > 0) e.currentTarget.currentTime = at;
              if (playing) void e.currentTarget.play().catch(() => {});
            }}
            onError={(e) => renew(e.currentTarget.src)} />
          <div className="actions">
            <a className="button" href={link.url} download={`${recording.title}.mp4`}>Download</a>
          </div>
        </>
      )}
    </div>
  );
}

/** "Your recording is ready": a polite notice with a way to open it. */
export function RecordingToasts({ state, dispatch, onOpen }: {
  state: State; dispatch: Dispatch<Action>; onOpen: (groupId: string, recordingId: string) => void;
}) {
  return (
    <section aria-label="Recording notices">
      <ul className="toasts" aria-live="polite">
        {state.recordingToasts.map((t) => {
          const where = t.channelId && state.channels[t.channelId] ? ` of ${state.channels[t.channelId].name}` : "";
          const dismiss = () => dispatch({ type: "recording_toast_dismissed", recordingId: t.recordingId });
          return (
            <li key={t.recordingId} className={t.ready ? "ready" : "failed"}>
              <p>{t.ready ? `Your recording${where} is ready.` : `Your recording${where} could not be saved.`}</p>
              <div className="actions">
                <button onClick={() => { onOpen(t.groupId, t.recordingId); dismiss(); }}>{t.ready ? "Open recording" : "Open archive"}</button>
                <button className="secondary" onClick={dismiss}>Dismiss</button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

// In the user area: my status (online, idle, do not disturb, invisible) and its text.
import { useState, type Dispatch } from "react";
import type { Gateway } from "../api/gateway";
import type { MyStatus } from "../notifications/alerts";
import type { Action, State } from "../state/store";
import { Dialog } from "./Dialog";

const LABELS: Record<MyStatus, string> = {
  online: "Online", idle: "Idle", dnd: "Do not disturb", invisible: "Invisible",
};
const HINTS: Record<MyStatus, string> = {
  online: "", idle: "", dnd: "No desktop notifications or sounds; the bell still counts.",
  invisible: "Others see you offline; you still get everything.",
};

export function PresencePicker({ gateway, state, dispatch }: { gateway: Gateway; state: State; dispatch: Dispatch<Action> }) {
  const [open, setOpen] = useState(false);
  const { status, text } = state.myStatus;
  return (
    <>
      <button className="link presence-button" onClick={() => setOpen(true)}
        aria-label={`Status: ${LABELS[status]}${text ? `, ${text}` : ""}. Change status`}>
        <span className={`status-dot ${status}`} aria-hidden="true" /> {LABELS[status]}
      </button>
      {open && <PresenceDialog gateway={gateway} status={status} text={text} dispatch={dispatch} onClose={() => setOpen(false)} />}
    </>
  );
}

function PresenceDialog({ gateway, status, text, dispatch, onClose }: {
  gateway: Gateway; status: MyStatus; text: string; dispatch: Dispatch<Action>; onClose: () => void;
}) {
  const [chosen, setChosen] = useState(status);
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await gateway.request({ type: "set_presence", status: chosen, status_text: draft.trim() });
      dispatch({ type: "my_status", status: chosen, text: draft.trim() });
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : "Not saved.");
    }
  };
  return (
    <Dialog title="Your status" onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <fieldset className="status-choices">
          <legend>Status</legend>
          {(Object.keys(LABELS) as MyStatus[]).map((s) => (
            <label className="inline" key={s}>
              <input type="radio" name="status" value={s} checked={chosen === s} onChange={() => setChosen(s)} />
              <span className={`status-dot ${s}`} aria-hidden="true" /> {LABELS[s]}
            </label>
          ))}
        </fieldset>
        {HINTS[chosen] && <p className="hint">{HINTS[chosen]}</p>}
        <label>Status text<input name="status_text" maxLength={128} value={draft} onChange={(e) => setDraft(e.target.value)}
          placeholder="What are you up to?" /></label>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit">Save status</button>
        </div>
      </form>
    </Dialog>
  );
}

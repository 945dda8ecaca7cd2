// A recorded call on screen: the indicator (red dot, "Recording", time elapsed) with its menu,
// the moderators' Record button, the consent dialog, and the sidebar's small mark.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { ConsentName, RecordingInfo } from "../api/protocol.gen";
import type { CallRecording } from "../recording/useCallRecording";
import type { ConsentPrompt, State } from "../state/store";
import { formatClock } from "./callControls";
import { Dialog } from "./Dialog";
import { useNow } from "./useNow";
import { nameOf } from "./Workspace";

/** Who started a recording, for the people asked about it. */
function starterName(state: State, recording: RecordingInfo): string {
  if (!recording.started_by) return "a moderator";
  return recording.started_by === state.me?.id ? "you" : nameOf(state, recording.started_by);
}

/** The small mark beside a voice channel in the sidebar. */
export function RecordingMark() {
  return (
    <span className="rec-mark" title="Being recorded">
      <span className="rec-dot" aria-hidden="true" /><span className="visually-hidden">, being recorded</span>
    </span>
  );
}

/** In the call's header: the red dot, "Recording", the time elapsed, and a menu to change my answer
 * (and, for moderators, to stop). A small note says when I am left out of the file. */
export function RecordingIndicator({ recording, consent, moderator, controls }: {
  recording: RecordingInfo; consent: ConsentName | undefined; moderator: boolean; controls: CallRecording;
}) {
  const elapsed = useNow() - Date.parse(recording.started_at);
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const close = () => { setOpen(false); button.current?.focus(); };
  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>("button")?.focus();
  }, [open]);
  const act = (action: () => Promise<void>) => () => { close(); void action(); };
  return (
    <div className="rec-indicator" onKeyDown={(e) => { if (e.key === "Escape" && open) { e.stopPropagation(); close(); } }}>
      <button ref={button} className="rec-badge" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen(!open)}
        aria-label={`Recording, ${formatClock(elapsed, Math.floor)} so far. Recording options`}>
        <span className="rec-dot" aria-hidden="true" /> Recording <span className="rec-time" aria-hidden="true">{formatClock(elapsed, Math.floor)}</span>
      </button>
      {consent === "declined" && <span className="rec-note">You are not recorded</span>}
      {open && (
        <div className="rec-menu" id={menuId} role="group" aria-label="Recording options" ref={menu}
          onBlur={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOpen(false); }}>
          {consent === "declined"
            ? <button className="secondary" onClick={act(() => controls.answer(recording.recording_id, true))}>Allow recording me</button>
            : <button className="secondary" onClick={act(() => controls.answer(recording.recording_id, false))}>Stop recording me</button>}
          {moderator && <button className="danger" onClick={act(controls.stop)}>Stop recording for everyone</button>}
        </div>
      )}
    </div>
  );
}

/** The moderators' control in the call toolbar. */
export function RecordButton({ recording, controls }: { recording: RecordingInfo | undefined; controls: CallRecording }) {
  return recording
    ? <button className="danger" disabled={controls.busy} onClick={() => void controls.stop()}>Stop recording</button>
    : <button className="secondary" disabled={controls.busy} onClick={() => void controls.start()}>
        <span className="rec-dot" aria-hidden="true" /> Record
      </button>;
}

/** Asks me, one recording at a time, whether my media may be in it. Escape declines: nothing of
 * mine is recorded without a yes. */
export function ConsentDialog({ prompt, state, controls }: { prompt: ConsentPrompt; state: State; controls: CallRecording }) {
  const hintId = useId();
  const by = starterName(state, prompt.recording);
  const { answer } = controls;
  const recordingId = prompt.recording.recording_id;
  // Stable, so the dialog does not move focus again at every render.
  const decline = useCallback(() => void answer(recordingId, false), [answer, recordingId]);
  return (
    <Dialog title="This call is being recorded" onClose={decline} describedBy={hintId}>
      <div id={hintId}>
        <p>This call is being recorded by {by}. Allow your audio, camera and screen to be recorded?</p>
        <p className="hint">If you decline you stay in the call, and nothing of yours is in the recording. You can change your answer later from the Recording indicator.</p>
      </div>
      {controls.error && <p role="alert" className="error">{controls.error}</p>}
      <div className="actions">
        <button className="secondary" disabled={controls.busy} onClick={decline}>Decline</button>
        <button disabled={controls.busy} onClick={() => void answer(recordingId, true)}>Allow</button>
      </div>
    </Dialog>
  );
}

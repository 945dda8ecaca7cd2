// The desktop app's screen picker: when the page calls getDisplayMedia, the app's main process
// asks for a choice (bridge.onCaptureRequest) and this dialog shows the screens and windows it can
// capture. In a browser (no bridge) it never opens: the browser's own picker does the job.
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { desktopBridge, type DesktopSource } from "../desktop/bridge";
import { answerCapture, inTab, moveSelection, openPicker, switchTab, systemAudioAvailable, TABS, type Picker } from "../desktop/pickerModel";
import { Dialog } from "./Dialog";

export function DesktopCapturePicker() {
  const bridge = useMemo(desktopBridge, []);
  const [open, setOpen] = useState(false);
  const [sources, setSources] = useState<DesktopSource[] | null>(null);
  const [picker, setPicker] = useState<Picker | null>(null);
  const [error, setError] = useState<string | null>(null);
  const grid = useRef<HTMLDivElement>(null);

  useEffect(() => bridge?.onCaptureRequest(() => {
    setOpen(true);
    setSources(null);
    setPicker(null);
    setError(null);
    bridge.listCaptureSources().then((listed) => {
      setSources(listed);
      setPicker(openPicker(listed));
    }, (e: Error) => setError(`Could not list your screens and windows: ${e.message}`));
  }), [bridge]);

  const answer = useCallback((id: string | null, withAudio: boolean) => {
    if (!bridge) return;
    void answerCapture(bridge, id, withAudio, () => setOpen(false));
  }, [bridge]);
  const cancel = useCallback(() => answer(null, false), [answer]);
  // Once the sources are there, the keyboard starts on the selected one (arrows move, Enter shares).
  useEffect(() => {
    if (sources) grid.current?.querySelector<HTMLElement>("[aria-selected='true']")?.focus();
  }, [sources]);

  if (!bridge || !open) return null;
  const shown = sources && picker ? inTab(sources, picker.tab) : [];
  const audio = systemAudioAvailable(bridge);
  const share = () => picker?.selected && answer(picker.selected, picker.withAudio && audio);

  const onGridKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!sources || !picker) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      return share();
    }
    const items = [...(grid.current?.children ?? [])] as HTMLElement[];
    const columns = items.filter((item) => item.offsetTop === items[0]?.offsetTop).length;
    const next = moveSelection(picker, sources, event.key, columns);
    if (!next) return;
    event.preventDefault();
    setPicker(next);
    grid.current?.querySelector<HTMLElement>(`[data-source-id="${CSS.escape(next.selected ?? "")}"]`)?.focus();
  };

  return (
    <Dialog title="Share your screen" onClose={cancel}>
      <div className="picker-tabs" role="tablist" aria-label="What to share">
        {TABS.map((tab) => (
          <button key={tab.kind} type="button" role="tab" id={`picker-tab-${tab.kind}`} aria-controls="picker-sources"
            aria-selected={picker?.tab === tab.kind} className={picker?.tab === tab.kind ? "" : "secondary"}
            disabled={!sources} onClick={() => sources && picker && setPicker(switchTab(picker, sources, tab.kind))}>
            {tab.label}
          </button>
        ))}
      </div>
      {!sources && !error && <p role="status">Looking for screens and windows…</p>}
      {sources && picker && (
        <div className="picker-sources" id="picker-sources" role="listbox" ref={grid} onKeyDown={onGridKey}
          aria-labelledby={`picker-tab-${picker.tab}`}>
          {shown.map((source) => (
            <div key={source.id} role="option" className="picker-source" data-source-id={source.id}
              aria-selected={source.id === picker.selected} tabIndex={source.id === picker.selected ? 0 : -1}
              onClick={() => setPicker({ ...picker, selected: source.id })} onDoubleClick={() => answer(source.id, picker.withAudio && audio)}>
              <img src={source.thumbnailDataUrl} alt="" />
              <span className="picker-name">
                {source.appIconDataUrl && <img className="picker-icon" src={source.appIconDataUrl} alt="" />}
                {source.name}
              </span>
            </div>
          ))}
          {!shown.length && <p className="hint">Nothing to share here.</p>}
        </div>
      )}
      <label className="picker-audio">
        <input type="checkbox" disabled={!audio} checked={audio && (picker?.withAudio ?? false)}
          onChange={(e) => picker && setPicker({ ...picker, withAudio: e.target.checked })} aria-describedby={audio ? undefined : "picker-audio-note"} />
        Share system audio
      </label>
      {!audio && <p className="hint" id="picker-audio-note">System audio can be shared from Windows only.</p>}
      {error && <p role="alert" className="error">{error}</p>}
      <div className="actions">
        <button type="button" className="secondary" onClick={cancel}>Cancel</button>
        <button type="button" disabled={!picker?.selected} onClick={share}>Share</button>
      </div>
    </Dialog>
  );
}

// Keyboard shortcuts, and the dialog that lists them (press ?).
import { useEffect } from "react";
import type { CallSession } from "../calls/callSession";
import { Dialog } from "./Dialog";
import { toggleCamera, toggleMic, toggleScreen } from "./callControls";

export const SHORTCUTS: [string, string][] = [
  ["M", "Mute or unmute the microphone"],
  ["V", "Turn the camera on or off"],
  ["S", "Start or stop sharing the screen"],
  ["Alt + ↓", "Next channel"],
  ["Alt + ↑", "Previous channel"],
  ["?", "Show this list"],
];

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable);
}

export function useShortcuts({ call, onHelp, onNextChannel, onPreviousChannel }: {
  call: CallSession | null; onHelp: () => void; onNextChannel: () => void; onPreviousChannel: () => void;
}) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey && event.key === "ArrowDown") return onNextChannel();
      if (event.altKey && event.key === "ArrowUp") return onPreviousChannel();
      if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "?") onHelp();
      const live = call && call.status !== "ended" ? call : null;
      if (!live) return;
      if (event.key === "m") void toggleMic(live);
      if (event.key === "v") void toggleCamera(live);
      if (event.key === "s") void toggleScreen(live);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [call, onHelp, onNextChannel, onPreviousChannel]);
}

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <dl className="shortcuts">
        {SHORTCUTS.map(([key, what]) => (
          <div key={key}><dt><kbd>{key}</kbd></dt><dd>{what}</dd></div>
        ))}
      </dl>
      <div className="actions"><button onClick={onClose}>Close</button></div>
    </Dialog>
  );
}

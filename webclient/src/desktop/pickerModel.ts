// The desktop app's screen picker, as data: which tab shows, which source is selected, what the
// arrow keys do in the grid, and whether system audio can be offered. ScreenPicker.tsx renders it.
import type { DesktopBridge, DesktopSource } from "./bridge";

export type PickerTab = DesktopSource["kind"];

export interface Picker {
  tab: PickerTab;
  selected: string | null;
  withAudio: boolean;
}

export const TABS: { kind: PickerTab; label: string }[] = [
  { kind: "screen", label: "Screens" },
  { kind: "window", label: "Windows" },
];

export const inTab = (sources: readonly DesktopSource[], tab: PickerTab) => sources.filter((s) => s.kind === tab);

/** Opens on the screens (the windows when there are none) with the first one selected. */
export function openPicker(sources: readonly DesktopSource[]): Picker {
  const tab: PickerTab = inTab(sources, "screen").length || !inTab(sources, "window").length ? "screen" : "window";
  return { tab, selected: inTab(sources, tab)[0]?.id ?? null, withAudio: false };
}

export function switchTab(picker: Picker, sources: readonly DesktopSource[], tab: PickerTab): Picker {
  return { ...picker, tab, selected: inTab(sources, tab)[0]?.id ?? null };
}

const STEP: Record<string, (columns: number) => number> = {
  ArrowRight: () => 1, ArrowLeft: () => -1, ArrowDown: (c) => c, ArrowUp: (c) => -c,
};

/** The selection after `key` in a grid of `columns`; null when the key does not move it. */
export function moveSelection(picker: Picker, sources: readonly DesktopSource[], key: string, columns: number): Picker | null {
  const shown = inTab(sources, picker.tab);
  if (!shown.length) return null;
  const at = Math.max(0, shown.findIndex((s) => s.id === picker.selected));
  let next: number;
  if (key === "Home") next = 0;
  else if (key === "End") next = shown.length - 1;
  else if (STEP[key]) next = Math.min(shown.length - 1, Math.max(0, at + STEP[key](Math.max(1, columns))));
  else return null;
  return { ...picker, selected: shown[next].id };
}

/** Electron shares system audio with a screen on Windows only (Streams.audio = "loopback"). */
export const systemAudioAvailable = (bridge: Pick<DesktopBridge, "platform">) => bridge.platform === "win32";

/** Hands the choice (null: cancel) to the app. The dialog closes whatever the answer: a refused
 * choice (the source went away, the request timed out) must not leave a picker on screen that
 * nothing waits for any more; the page's getDisplayMedia rejects with its own error. */
export async function answerCapture(bridge: Pick<DesktopBridge, "chooseCaptureSource">, id: string | null, withAudio: boolean,
  close: () => void): Promise<void> {
  close();
  try {
    await bridge.chooseCaptureSource(id, withAudio);
  } catch (error) {
    console.error("the screen choice was not taken", error);
  }
}

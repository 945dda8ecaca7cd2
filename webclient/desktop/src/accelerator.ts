// Which push-to-talk keys the app takes as a global shortcut. A global shortcut swallows its key
// in every other app: a bare letter, digit, punctuation or Space would stop the user typing it
// anywhere while the call lasts. So a bare key is refused unless it is a function key (F1–F24,
// which nothing types); with a modifier (Control+T, Alt+`) any key goes.

const MODIFIERS = new Set([
  "command", "cmd", "control", "ctrl", "commandorcontrol", "cmdorctrl", "alt", "option", "altgr", "shift", "super", "meta",
]);

/** True when `accelerator` (Electron syntax, "Mod+...+Key") may become the global shortcut. */
export function globalShortcutAllowed(accelerator: string): boolean {
  const parts = accelerator.split("+").map((p) => p.trim().toLowerCase());
  const key = parts.at(-1) ?? "";
  const modifiers = parts.slice(0, -1);
  if (!key || MODIFIERS.has(key) || modifiers.some((m) => !MODIFIERS.has(m))) return false;
  return modifiers.length > 0 || /^f([1-9]|1[0-9]|2[0-4])$/.test(key);
}

// Voice settings, kept per device (localStorage): a headset and a laptop mic want different
// gates, so they never follow the account.

export type InputMode = "always" | "gate" | "ptt";

export interface VoiceSettings {
  /** RNNoise on the microphone (on by default). */
  suppression: boolean;
  /** Always send, send while the gate hears a voice, or send while the push-to-talk key is held. */
  mode: InputMode;
  /** The gate's sensitivity, 0..100 (see gate.thresholdsFor). */
  sensitivity: number;
  /** KeyboardEvent.code of the push-to-talk key. */
  pttKey: string;
}

export const DEFAULT_SETTINGS: VoiceSettings = { suppression: true, mode: "always", sensitivity: 50, pttKey: "Backquote" };
export const STORAGE_KEY = "peershare.voice";
const MODES: InputMode[] = ["always", "gate", "ptt"];

/** What was stored, field by field; anything missing or malformed falls back to its default. */
export function parseSettings(raw: string | null): VoiceSettings {
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) stored = parsed as Record<string, unknown>;
  } catch {
    // A corrupt entry (an older version, a hand edit) is replaced on the next save.
  }
  const d = DEFAULT_SETTINGS;
  return {
    suppression: typeof stored.suppression === "boolean" ? stored.suppression : d.suppression,
    mode: MODES.includes(stored.mode as InputMode) ? (stored.mode as InputMode) : d.mode,
    sensitivity: typeof stored.sensitivity === "number" && stored.sensitivity >= 0 && stored.sensitivity <= 100
      ? stored.sensitivity : d.sensitivity,
    pttKey: typeof stored.pttKey === "string" && /^[A-Za-z0-9]{1,32}$/.test(stored.pttKey) ? stored.pttKey : d.pttKey,
  };
}

export interface SettingsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The settings of this device, shared by the pre-join panel and the call. */
export class VoiceSettingsStore {
  private current: VoiceSettings;
  private listeners = new Set<(settings: VoiceSettings) => void>();

  constructor(private readonly storage: SettingsStorage | null) {
    this.current = parseSettings(storage?.getItem(STORAGE_KEY) ?? null);
  }

  get(): VoiceSettings {
    return this.current;
  }

  update(change: Partial<VoiceSettings>): void {
    this.current = parseSettings(JSON.stringify({ ...this.current, ...change }));
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.current));
    for (const listener of this.listeners) listener(this.current);
  }

  subscribe(listener: (settings: VoiceSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// The voice-activity gate's decision, fed one level per audio block: it opens at once when the
// level rises above the open threshold and closes only after the level stayed under a lower
// close threshold for the hold time. The gap between the two (hysteresis) and the hold keep it
// from chattering on a voice's dips between syllables.

export interface GateThresholds {
  openDb: number;
  closeDb: number;
  holdMs: number;
}

export const HYSTERESIS_DB = 6;
export const HOLD_MS = 300;

/** Sensitivity 0..100 (the slider): 0 opens only for a loud voice (-20 dBFS), 100 for a
 * whisper (-70 dBFS); 50, the default, opens at -45 dBFS, above a quiet room's noise. */
export function thresholdsFor(sensitivity: number): GateThresholds {
  const s = Math.min(100, Math.max(0, sensitivity));
  const openDb = -20 - s / 2;
  return { openDb, closeDb: openDb - HYSTERESIS_DB, holdMs: HOLD_MS };
}

export class GateState {
  open = false;
  private quietMs = 0;

  constructor(private thresholds: GateThresholds) {}

  configure(thresholds: GateThresholds): void {
    this.thresholds = thresholds;
  }

  /** One block of `blockMs` at `levelDb`; returns whether the gate is open after it. */
  update(levelDb: number, blockMs: number): boolean {
    const { openDb, closeDb, holdMs } = this.thresholds;
    if (levelDb >= openDb) {
      this.open = true;
      this.quietMs = 0;
    } else if (this.open) {
      // Between the thresholds the hold clock does not run: the voice is still there, softer.
      this.quietMs = levelDb < closeDb ? this.quietMs + blockMs : 0;
      if (this.quietMs >= holdMs) this.open = false;
    }
    return this.open;
  }
}

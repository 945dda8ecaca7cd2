// "You are muted": speaking into a muted microphone for a while shows a hint. The level is the
// raw microphone's (before any processing), which keeps flowing while the sent track is muted.

export const SPEAKING_DB = -40;
/** How much speech within the window it takes (a cough or a click is not talking). */
export const SPEECH_MS = 400;
export const WINDOW_MS = 1500;
/** The hint goes away after this long without speech. */
export const CLEAR_MS = 4000;

export class MutedSpeechDetector {
  private samples: { at: number; ms: number }[] = [];
  private lastSpeech = -Infinity;
  hint = false;

  /** One level reading covering `ms` ending at `now`; returns whether to show the hint. */
  update(levelDb: number, ms: number, now: number, muted: boolean): boolean {
    if (!muted) {
      this.samples = [];
      this.hint = false;
      return false;
    }
    if (levelDb >= SPEAKING_DB) {
      this.samples.push({ at: now, ms });
      this.lastSpeech = now;
    }
    this.samples = this.samples.filter((s) => now - s.at < WINDOW_MS);
    const speech = this.samples.reduce((total, s) => total + s.ms, 0);
    if (speech >= SPEECH_MS) this.hint = true;
    else if (now - this.lastSpeech >= CLEAR_MS) this.hint = false;
    return this.hint;
  }
}

// getDisplayMedia in the app: Electron hands the request to the main process, which asks the page
// to show its own picker; the page answers with one of the sources it was shown (or cancels).
// This broker keeps the one pending request and checks the answer; main.ts does the Electron calls.

export interface CaptureChoice<S> {
  source: S;
  /** System audio ("loopback"): only when the page asked for audio, the user ticked it and the
   * platform can (Windows). */
  loopbackAudio: boolean;
}

export class CaptureError extends Error {}

type Answer<S> = (choice: CaptureChoice<S> | null) => void;

/** Where Electron can capture system audio along with a screen (Streams.audio = "loopback"). */
export const loopbackSupported = (platform: string): boolean => platform === "win32";

export class CaptureBroker<S extends { id: string }> {
  private pending: { audioRequested: boolean; answer: Answer<S> } | null = null;
  private listed = new Map<string, S>();

  constructor(private readonly platform: string, private readonly askPage: () => void) {}

  get waiting(): boolean {
    return this.pending !== null;
  }

  /** A new getDisplayMedia; one still waiting is cancelled (the page shows one picker). */
  request(audioRequested: boolean, answer: Answer<S>): void {
    this.cancel();
    this.pending = { audioRequested, answer };
    this.askPage();
  }

  /** The sources the page was given to choose from (the only ones it may choose). */
  offered(sources: readonly S[]): void {
    this.listed = new Map(sources.map((s) => [s.id, s]));
  }

  /** The page's answer: a source id it was offered, or null to cancel. */
  choose(id: string | null, withAudio: boolean): void {
    const pending = this.pending;
    if (!pending) throw new CaptureError("No screen share is waiting for a choice.");
    if (id === null) return this.cancel();
    const source = this.listed.get(id);
    if (!source) throw new CaptureError(`Unknown capture source ${JSON.stringify(id)}.`);
    this.pending = null;
    this.listed.clear();
    pending.answer({ source, loopbackAudio: withAudio && pending.audioRequested && loopbackSupported(this.platform) });
  }

  /** Rejects the pending getDisplayMedia, if any (user cancel, page gone). */
  cancel(): void {
    const pending = this.pending;
    this.pending = null;
    this.listed.clear();
    pending?.answer(null);
  }
}

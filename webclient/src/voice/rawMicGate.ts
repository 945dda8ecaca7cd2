// When the voice chain cannot start, the call sends the raw microphone and nothing else applies
// push-to-talk or the gate. This keeps push-to-talk working there by switching the track itself:
// it sends only while the user is not muted AND the input mode lets it through. The gate needs
// the chain to hear speech, so without it the safe choice is silence (the panel says why).
import type { PushToTalk } from "./pushToTalk";
import type { InputMode, VoiceSettingsStore } from "./settings";

/** Whether the raw microphone may send in `mode` (no chain: the gate cannot hear, so it stays shut). */
export function rawMicOpen(mode: InputMode, talking: boolean): boolean {
  if (mode === "always") return true;
  if (mode === "ptt") return talking;
  return false;
}

export class RawMicGate {
  private muted = false;
  private readonly unsubscribe: (() => void)[];

  constructor(private track: MediaStreamTrack, private readonly store: VoiceSettingsStore, private readonly ptt: PushToTalk) {
    this.unsubscribe = [ptt.onChange(() => this.apply()), store.subscribe(() => this.apply())];
    this.apply();
  }

  /** The call's mute: kept here so push-to-talk never unmutes, nor the mute opens push-to-talk. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.apply();
  }

  /** Another microphone (a device change): the same rules apply to it. */
  setTrack(track: MediaStreamTrack): void {
    this.track = track;
    this.apply();
  }

  get isMuted(): boolean {
    return this.muted;
  }

  private apply(): void {
    this.track.enabled = !this.muted && rawMicOpen(this.store.get().mode, this.ptt.isTalking);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }
}

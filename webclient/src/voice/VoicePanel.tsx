// The voice settings (pre-join panel and in the call), the level meters before and after
// processing, the push-to-talk indicator and the "you are muted" hint.
import { useEffect, useState, useSyncExternalStore } from "react";
import { voiceSettings } from "./device";
import { pushToTalk } from "./pushToTalk";
import { pushToTalkReach, type PushToTalkReach } from "../desktop/integration";
import { meterFraction } from "./levels";
import { MutedSpeechDetector } from "./mutedHint";
import { prepareVoice, type VoiceLevels, type VoicePipeline } from "./pipeline";
import type { InputMode, VoiceSettings } from "./settings";

export function useVoiceSettings(): VoiceSettings {
  return useSyncExternalStore((notify) => voiceSettings.subscribe(notify), () => voiceSettings.get());
}

function useTalking(): boolean {
  return useSyncExternalStore((notify) => pushToTalk.onChange(notify), () => pushToTalk.isTalking);
}

function useReach(): PushToTalkReach {
  return useSyncExternalStore((notify) => pushToTalkReach.subscribe(notify), () => pushToTalkReach.get());
}

/** Where holding the key works, for the push-to-talk hint. */
function reachHint(reach: PushToTalkReach): string {
  if (reach === "global") return "in any app";
  if (reach === "refused") return "while this window has focus: it could not be made a system-wide shortcut; pick a function key such as F13 (keys you type with are refused, and another app may hold it)";
  return "while this page has focus";
}

function useVoiceLevels(voice: VoicePipeline | null): VoiceLevels | null {
  const [levels, setLevels] = useState<VoiceLevels | null>(null);
  useEffect(() => voice?.onLevels(setLevels), [voice]);
  return levels;
}

const MODES: [InputMode, string][] = [
  ["always", "Always"],
  ["gate", "When I speak (voice gate)"],
  ["ptt", "While I hold a key (push-to-talk)"],
];

/** "Backquote" → "`", "KeyT" → "T", "Space" → "Space". */
function keyLabel(code: string): string {
  if (code === "Backquote") return "`";
  return code.replace(/^Key|^Digit/, "");
}

/** In the pre-join panel `voice` is null (no microphone open yet); in a call it is null only
 * when the chain could not start. */
export function VoiceSettingsPanel({ voice, inCall }: { voice: VoicePipeline | null; inCall: boolean }) {
  const settings = useVoiceSettings();
  const talking = useTalking();
  const reach = useReach();
  const [capturing, setCapturing] = useState(false);
  const levels = useVoiceLevels(voice);
  useEffect(() => {
    if (!inCall) prepareVoice();
  }, [inCall]);

  useEffect(() => {
    if (!capturing) return;
    const capture = (event: KeyboardEvent) => {
      event.preventDefault();
      event.stopPropagation();
      if (event.code !== "Escape") voiceSettings.update({ pttKey: event.code });
      setCapturing(false);
    };
    addEventListener("keydown", capture, { capture: true });
    return () => removeEventListener("keydown", capture, { capture: true });
  }, [capturing]);

  return (
    <fieldset className="voice-settings">
      <legend>Voice</legend>
      <label>
        <input type="checkbox" checked={settings.suppression} onChange={(e) => voiceSettings.update({ suppression: e.target.checked })} />
        {" "}Noise suppression
      </label>
      <fieldset className="voice-mode">
        <legend>Send my voice</legend>
        {MODES.map(([mode, label]) => (
          <label key={mode}>
            <input type="radio" name="voice-mode" value={mode} checked={settings.mode === mode}
              onChange={() => voiceSettings.update({ mode })} /> {label}
          </label>
        ))}
      </fieldset>
      {settings.mode === "gate" && (
        <label>
          Gate sensitivity
          <input type="range" min={0} max={100} value={settings.sensitivity}
            onChange={(e) => voiceSettings.update({ sensitivity: Number(e.target.value) })} />
        </label>
      )}
      {settings.mode === "ptt" && (
        <p className="ptt">
          <button type="button" className="secondary" onClick={() => setCapturing(true)} aria-describedby="ptt-help">
            {capturing ? "Press a key…" : `Push-to-talk key: ${keyLabel(settings.pttKey)}`}
          </button>
          <span id="ptt-help" className={`ptt-state ${talking ? "talking" : ""}`} role="status">
            {talking ? "Talking" : `Hold ${keyLabel(settings.pttKey)} to talk (${reachHint(reach)})`}
          </span>
        </p>
      )}
      {voice ? (
        <div className="meters">
          <Meter label="Microphone level before processing" db={levels?.before ?? null} />
          <Meter label="Level sent, after processing" db={levels?.after ?? null} />
        </div>
      ) : (
        <p className="hint">{inCall
          ? unprocessedHint(settings.mode)
          : "The level meters show once you are in the call with your microphone."}</p>
      )}
    </fieldset>
  );
}

/** Without the chain (pipeline.ts falls back to the raw microphone, rawMicGate.ts): what still applies. */
function unprocessedHint(mode: InputMode): string {
  const lost = "Voice processing could not start in this browser: noise suppression and the voice gate are unavailable.";
  if (mode === "gate") return `${lost} Your microphone stays off in this mode: choose Always or push-to-talk.`;
  if (mode === "ptt") return `${lost} Push-to-talk still works.`;
  return `${lost} Your microphone is sent as it is.`;
}

function Meter({ label, db }: { label: string; db: number | null }) {
  return (
    <label className="meter">
      <span>{label}</span>
      <meter min={0} max={1} low={0.6} high={0.9} optimum={0.5} value={db === null ? 0 : meterFraction(db)}
        data-db={db === null ? "" : db.toFixed(1)} />
    </label>
  );
}

/** Speaking while muted: a hint, from the raw microphone's level (it flows while muted). */
export function MutedHint({ voice, muted }: { voice: VoicePipeline | null; muted: boolean }) {
  const [hint, setHint] = useState(false);
  const mutedRef = useLatest(muted);
  useEffect(() => {
    if (!voice) return;
    const detector = new MutedSpeechDetector();
    let last = performance.now();
    return voice.onLevels((levels) => {
      const now = performance.now();
      setHint(detector.update(levels.before, now - last, now, mutedRef.current));
      last = now;
    });
  }, [voice, mutedRef]);
  if (!muted || !hint) return null;
  return <p className="muted-hint" role="status">You are muted. Unmute (or press M) to be heard.</p>;
}

function useLatest<T>(value: T): { current: T } {
  const [ref] = useState(() => ({ current: value }));
  ref.current = value;
  return ref;
}

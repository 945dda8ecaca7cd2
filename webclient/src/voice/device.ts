// This device's voice settings, one store per page: the pre-join panel and the call share it.
import { VoiceSettingsStore } from "./settings";

function localStorageOrNull(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser: settings last for this page only
  }
}

export const voiceSettings = new VoiceSettingsStore(localStorageOrNull());

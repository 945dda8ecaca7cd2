// This device's voice settings and its push-to-talk controller, one of each per page: the
// pre-join panel, the call and (in the desktop app) the global shortcut share them.
import { PushToTalk } from "./pushToTalk";
import { VoiceSettingsStore } from "./settings";

function localStorageOrNull(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser: settings last for this page only
  }
}

export const voiceSettings = new VoiceSettingsStore(localStorageOrNull());
export const pushToTalk = new PushToTalk();

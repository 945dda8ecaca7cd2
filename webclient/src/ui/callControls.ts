// What the call buttons and shortcuts do.
import type { CallSession } from "../calls/callSession";
import { SCREEN_CONSTRAINTS } from "../calls/layers";

export async function toggleMic(call: CallSession): Promise<void> {
  const mic = call.tracks.mic;
  if (mic) await call.setSending("mic", call.sending("mic") ? null : mic);
}

export async function toggleCamera(call: CallSession): Promise<void> {
  if (call.sending("camera")) return call.setSending("camera", null);
  let camera = call.tracks.camera;
  if (!camera || camera.readyState === "ended") {
    [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  }
  await call.setSending("camera", camera);
}

/** The browser's own picker chooses a screen, a window or a tab. */
export async function toggleScreen(call: CallSession): Promise<void> {
  if (call.sending("screen")) return call.setSending("screen", null);
  const stream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CONSTRAINTS);
  const [track] = stream.getVideoTracks();
  track.addEventListener("ended", () => void call.setSending("screen", null));
  await call.setSending("screen", track);
}

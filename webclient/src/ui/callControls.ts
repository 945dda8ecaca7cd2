// What the call buttons and shortcuts do, and how the call view words what happened.
import type { ChannelOut } from "../api/protocol.gen";
import type { CallSession } from "../calls/callSession";
import { SCREEN_CONSTRAINTS } from "../calls/layers";
import type { Source } from "../calls/p2p";
import { MIC_CONSTRAINTS } from "../voice/pipeline";

/** The microphone (and camera, `withVideo`) to join `channel` with, as far as my permissions there allow. */
export async function openLocalMedia(channel: ChannelOut, withVideo: boolean): Promise<MediaStream | null> {
  const wantsAudio = channel.my_permissions.includes("speak");
  const wantsVideo = withVideo && channel.my_permissions.includes("video");
  return wantsAudio || wantsVideo
    ? await navigator.mediaDevices.getUserMedia({ audio: wantsAudio && MIC_CONSTRAINTS, video: wantsVideo ? { width: 1280, height: 720 } : false })
    : null;
}

/** Why joining failed, in words. */
export function joinFailure(error: unknown): string {
  return error instanceof DOMException && error.name === "NotAllowedError"
    ? "The browser was not allowed to use your camera or microphone. Allow them in the address bar and try again."
    : error instanceof Error ? error.message : "Could not join the call.";
}

/** A shortcut for something I may not turn on now does nothing (the button says why). */
const blocked = (call: CallSession, source: Source) => !call.sending(source) && !call.canSend(source);

export async function toggleMic(call: CallSession): Promise<void> {
  const mic = call.tracks.mic;
  if (mic && !blocked(call, "mic")) await call.setSending("mic", call.sending("mic") ? null : mic);
}

export async function toggleCamera(call: CallSession): Promise<void> {
  if (call.sending("camera")) return call.setSending("camera", null);
  if (blocked(call, "camera")) return;
  let camera = call.tracks.camera;
  if (!camera || camera.readyState === "ended") {
    [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  }
  await call.setSending("camera", camera);
}

/** The browser's own picker chooses a screen, a window or a tab. */
export async function toggleScreen(call: CallSession): Promise<void> {
  if (call.sending("screen")) return call.setSending("screen", null);
  if (blocked(call, "screen")) return;
  const stream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CONSTRAINTS);
  const [track] = stream.getVideoTracks();
  track.addEventListener("ended", () => void call.setSending("screen", null));
  await call.setSending("screen", track);
}

const REMOVALS: Record<string, string> = {
  kicked: "A moderator removed you from the call.",
  time_limit: "Your call time in this group is used up.",
  joined_elsewhere: "You joined this call from another device or tab.",
  access_revoked: "You no longer have access to this call.",
  resume_failed: "The call could not be resumed after the connection dropped.",
};

/** Why the call ended, for the person it ended for; null when they left themselves. */
export function removalMessage(reason: string | null): string | null {
  if (reason === null || reason === "left") return null;
  return REMOVALS[reason] ?? "The call ended.";
}

/** A span of time as m:ss (h:mm:ss from an hour), never negative: time left rounds up (the
 * default), time elapsed rounds down. */
export function formatClock(ms: number, round: (seconds: number) => number = Math.ceil): string {
  const total = Math.max(0, round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

// A join that failed on my side is reported to the server (report_join_failure), so the group's
// join success rate counts it: the camera or microphone refused, the join request failing, or
// the call's media never connecting. Refusals by the server are left out: it recorded them itself.
import { GatewayError, type Gateway } from "../api/gateway";
import type { JoinFailureReason } from "../api/protocol.gen";

/** Errors of the join request that are the server's own refusals (it recorded them). */
const REFUSED = new Set(["permission_denied", "call_time_used", "session_revoked", "not_a_voice_channel", "not_found", "invalid_input"]);
/** getUserMedia's ways of not handing over a camera or microphone. */
const MEDIA_ERRORS = new Set(["NotAllowedError", "NotFoundError", "NotReadableError", "OverconstrainedError", "SecurityError", "AbortError"]);

/** Why a join failed, in the server's terms; null when there is nothing to report. */
export function joinFailureReason(error: unknown): JoinFailureReason | null {
  if (typeof DOMException !== "undefined" && error instanceof DOMException && MEDIA_ERRORS.has(error.name)) return "media_denied";
  if (error instanceof GatewayError) {
    if (REFUSED.has(error.code)) return null;
    if (error.code === "timeout") return "timeout";
    if (/worker|sfu|media_server/.test(error.code)) return "worker_error";
    return "other";
  }
  return "other";
}

export function reportJoinFailure(gateway: Gateway, channelId: string, callId: string | null, reason: JoinFailureReason, detail: string): void {
  gateway.request({ type: "report_join_failure", channel_id: channelId, call_id: callId, reason, detail: detail.slice(0, 200) })
    .catch((error) => console.warn("join failure not reported", error));
}

/** Reports `error` as a failed join unless the server refused it (and so recorded it). */
export function reportJoinError(gateway: Gateway, channelId: string, callId: string | null, error: unknown): void {
  const reason = joinFailureReason(error);
  if (reason) reportJoinFailure(gateway, channelId, callId, reason, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** How long others may be in the call with me without any of their media reaching me. */
export const MEDIA_DEADLINE_MS = 20_000;

export interface WatchedCall {
  status: string;
  joined: { call_id: string } | null;
  remotes(): { streams: Record<string, unknown>; sends: { audio: boolean; video: boolean; screen: boolean } }[];
  onChange(listener: () => void): () => void;
}

const receiving = (call: WatchedCall) => call.remotes().some((r) => Object.keys(r.streams).length > 0);
/** Someone else sends media (a call of muted people says nothing about the connection). */
const sending = (call: WatchedCall) => call.remotes().some((r) => r.sends.audio || r.sends.video || r.sends.screen);

/** Reports once if, `deadlineMs` after someone else first sends media in the call with me, none
 * of it has arrived (ICE never connected). Returns the way to stop watching. */
export function watchMedia(call: WatchedCall, report: (callId: string) => void, deadlineMs = MEDIA_DEADLINE_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    off();
  };
  const check = () => {
    if (call.status === "ended" || receiving(call)) return stop();
    if (sending(call) && !timer) {
      timer = setTimeout(() => {
        const callId = call.joined?.call_id;
        if (call.status !== "ended" && callId && !receiving(call)) report(callId);
        stop();
      }, deadlineMs);
    }
  };
  const off = call.onChange(check);
  check();
  return stop;
}

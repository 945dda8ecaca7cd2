// The recording of the call I am in: what the join reply says (and my earlier answer, after a
// rejoin), and the requests — start, stop, allow or decline — with their pending state and error.
import { useCallback, useEffect, useState, type Dispatch } from "react";
import type { CallJoined } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import type { CallSession } from "../calls/callSession";
import type { Action } from "../state/store";

export interface CallRecording {
  busy: boolean;
  error: string | null;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  answer: (recordingId: string, accept: boolean) => Promise<void>;
}

export function useCallRecording(rest: Rest, call: CallSession | null, myId: string | null, dispatch: Dispatch<Action>): CallRecording {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!call) return;
    const channelId = call.channelId;
    const adopt = (joined: CallJoined) => {
      dispatch({ type: "call_joined", channelId, recording: joined.recording });
      // Rejoining a recorded call I answered before brings no new request: my answer is on file.
      if (joined.recording && myId) {
        const recordingId = joined.recording.recording_id;
        rest.getRecording(recordingId).then((recording) => {
          const mine = recording.participants.find((p) => p.user_id === myId);
          if (mine && mine.consent !== "pending") dispatch({ type: "consent", recordingId, consent: mine.consent });
        }).catch(() => {});
      }
    };
    if (call.joined) adopt(call.joined);
    const offJoined = call.onJoined(adopt);
    const offChange = call.onChange(() => {
      if (call.status === "ended") dispatch({ type: "call_left", channelId });
    });
    return () => {
      offJoined();
      offChange();
    };
  }, [rest, call, myId, dispatch]);

  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : "That did not work.");
    } finally {
      setBusy(false);
    }
  }, []);

  const start = useCallback(() => run(async () => {
    if (!call) return;
    const recording = await call.startRecording();
    // Starting a recording is saying yes to it.
    dispatch({ type: "consent", recordingId: recording.id, consent: "accepted" });
  }), [call, run, dispatch]);

  const stop = useCallback(() => run(async () => { await call?.stopRecording(); }), [call, run]);

  const answer = useCallback((recordingId: string, accept: boolean) => run(async () => {
    if (!call) return;
    await call.answerRecording(recordingId, accept);
    dispatch({ type: "consent", recordingId, consent: accept ? "accepted" : "declined" });
  }), [call, run, dispatch]);

  return { busy, error, start, stop, answer };
}

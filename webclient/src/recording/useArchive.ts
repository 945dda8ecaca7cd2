// The archive page's data: the first page of the current filters (fetched a moment after they
// stop changing), more pages on request, and a play link per recording renewed before it expires.
import { useCallback, useEffect, useRef, useState, type Dispatch } from "react";
import type { RecordingLink } from "../api/protocol.gen";
import { recordingsSearch, type Rest } from "../api/rest";
import { renewalDelayMs } from "../calls/retry";
import type { Action, State } from "../state/store";
import { archiveQuery, type ArchiveFilters } from "./archive";

const FILTER_SETTLE_MS = 300;

const failure = (e: unknown) => (e instanceof Error ? e.message : "The recordings could not be loaded.");

export function useArchive(rest: Rest, groupId: string, filters: ArchiveFilters, state: State, dispatch: Dispatch<Action>) {
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const query = recordingsSearch(archiveQuery(filters));

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      setLoading(true);
      rest.listRecordings(groupId, archiveQuery(filters))
        .then((page) => current && dispatch({ type: "archive_page", groupId, query, cursor: null, page }))
        .then(() => current && setError(null), (e) => current && setError(failure(e)))
        .finally(() => current && setLoading(false));
    }, FILTER_SETTLE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `query` names the filters exactly (the object itself is new at every render).
  }, [rest, groupId, query, dispatch]);

  // A recording I started was filed meanwhile: its row here turns from "being saved" to ready.
  const filed = state.recordingToasts.find((t) => t.groupId === groupId)?.recordingId;
  useEffect(() => {
    if (!filed) return;
    rest.getRecording(filed).then((recording) => dispatch({ type: "recording_saved", recording })).catch(() => {});
  }, [rest, filed, dispatch]);

  const archive = state.archive?.groupId === groupId && state.archive.query === query ? state.archive : null;
  const cursor = archive?.nextCursor ?? null;
  const loadMore = useCallback(async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await rest.listRecordings(groupId, archiveQuery(filters, cursor));
      dispatch({ type: "archive_page", groupId, query, cursor, page });
      setError(null);
    } catch (e) {
      setError(failure(e));
    } finally {
      setLoading(false);
    }
  }, [rest, groupId, filters, query, cursor, dispatch]);

  return { recordings: archive?.recordings ?? null, more: cursor !== null, loading, error, loadMore };
}

/** A link that plays and downloads `recordingId`, asked for again before it expires, and at once
 * when the player reports that a link failed (once per link: a file that cannot play is not a
 * reason to ask forever). */
export function usePlayLink(rest: Rest, recordingId: string | null) {
  const [link, setLink] = useState<RecordingLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const renewing = useRef(false);
  const retried = useRef(new Set<string>());

  useEffect(() => {
    setLink(null);
    if (!recordingId) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchLink = () => {
      renewing.current = true;
      rest.recordingLink(recordingId).then((fresh) => {
        if (!current) return;
        setLink(fresh);
        setError(null);
        const delay = renewalDelayMs(fresh.expires_at, Date.now());
        if (delay !== null) timer = setTimeout(fetchLink, delay);
      }, (e) => current && setError(e instanceof Error ? e.message : "The recording cannot be played now."))
        .finally(() => { renewing.current = false; });
    };
    fetchLink();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [rest, recordingId, generation]);

  const renew = useCallback((failedUrl: string) => {
    if (renewing.current || retried.current.has(failedUrl)) return;
    retried.current.add(failedUrl);
    setGeneration((g) => g + 1);
  }, []);
  return { link, error, renew };
}

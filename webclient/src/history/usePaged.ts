// A paged list on screen: the first page whenever the query (`key`) changes, a moment after it
// stops changing; more on request; a retry after a failure.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { initialPaged, moreCursor, reducePaged, type Paged, type PagedAction } from "./paging";

const SETTLE_MS = 250;

export const failureText = (e: unknown, what: string) => (e instanceof Error && e.message ? e.message : `${what} could not be loaded.`);

export function usePaged<T>(key: string, fetchPage: (before: string | null) => Promise<{ items: T[]; next: string | null }>, what: string) {
  const [state, dispatch] = useReducer(reducePaged as (s: Paged<T>, a: PagedAction<T>) => Paged<T>, key, initialPaged<T>);
  // The fetcher of the current render (a new closure each time; `key` says when its query changed).
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const [attempt, setAttempt] = useState(0);

  const load = useCallback(async (before: string | null) => {
    dispatch({ type: "load", key, more: before !== null });
    try {
      const page = await fetchRef.current(before);
      dispatch({ type: "page", key, more: before !== null, items: page.items, next: page.next });
    } catch (e) {
      dispatch({ type: "failed", key, error: failureText(e, what) });
    }
  }, [key, what]);

  // A retry asks at once; new filters a moment after they stop changing.
  const retrying = useRef(false);
  useEffect(() => {
    const timer = setTimeout(() => void load(null), retrying.current ? 0 : SETTLE_MS);
    retrying.current = false;
    return () => clearTimeout(timer);
  }, [load, attempt]);

  const cursor = moreCursor(state);
  const loadMore = useCallback(() => (cursor ? load(cursor) : Promise.resolve()), [cursor, load]);
  // After a failed "load more" the list stays and only that page is asked again.
  const retry = useCallback(() => {
    if (state.items && state.next) return load(state.next);
    retrying.current = true;
    setAttempt((n) => n + 1);
  }, [state.items, state.next, load]);
  return { ...state, more: cursor !== null, loadMore, retry };
}

// Cursor paging as a reducer: the first page of a query replaces the list, "load more" appends,
// and an answer for a query no longer shown (the filters changed meanwhile) is dropped.
export interface Paged<T> {
  /** Names the query the items answer (its search string). */
  key: string;
  /** null until the first page of `key` arrived. */
  items: T[] | null;
  next: string | null;
  loading: boolean;
  error: string | null;
}

export type PagedAction<T> =
  | { type: "load"; key: string; more: boolean }
  | { type: "page"; key: string; more: boolean; items: T[]; next: string | null }
  | { type: "failed"; key: string; error: string };

export function initialPaged<T>(key: string): Paged<T> {
  return { key, items: null, next: null, loading: false, error: null };
}

export function reducePaged<T>(state: Paged<T>, action: PagedAction<T>): Paged<T> {
  switch (action.type) {
    case "load":
      // A new query starts from nothing; more of the same keeps what is shown.
      return action.more && action.key === state.key
        ? { ...state, loading: true, error: null }
        : { ...initialPaged<T>(action.key), loading: true };
    case "page":
      if (action.key !== state.key) return state;
      return {
        key: state.key, loading: false, error: null, next: action.next,
        items: action.more ? [...(state.items ?? []), ...action.items] : action.items,
      };
    case "failed":
      if (action.key !== state.key) return state;
      return { ...state, loading: false, error: action.error };
  }
}

/** The cursor "load more" asks with, or null when there is nothing more (or a load is running). */
export function moreCursor<T>(state: Paged<T>): string | null {
  return state.loading || state.items === null ? null : state.next;
}

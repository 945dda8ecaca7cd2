// What a paged list says while it loads, when it is empty, and when it failed (with a retry).
export function ListStatus({ list, noun, empty }: {
  list: { items: unknown[] | null; loading: boolean; error: string | null; more: boolean; retry: () => unknown };
  noun: string; empty: string;
}) {
  return (
    <>
      {list.error && (
        <div role="alert" className="error-box">
          <p className="error">{list.error}</p>
          <button className="secondary" onClick={() => void list.retry()}>Retry</button>
        </div>
      )}
      <p role="status" className="hint">
        {list.loading ? `Loading ${noun}…` : list.items && list.items.length > 0 ? `${list.items.length}${list.more ? "+" : ""} ${noun} shown.` : ""}
      </p>
      {list.items && list.items.length === 0 && !list.loading && !list.error && <p className="empty-note">{empty}</p>}
    </>
  );
}

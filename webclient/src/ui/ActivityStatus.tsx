// What a paged list says while it loads, when it is empty, and when it failed (with a retry).
export function ListStatus({ list, noun, empty }: {
  list: { items: unknown[] | null; loading: boolean; error: string | null; more: boolean; retry: () => unknown };
  /** What the list holds, one and many: ["call", "calls"]. */
  noun: [string, string]; empty: string;
}) {
  const count = list.items?.length ?? 0;
  return (
    <>
      {list.error && (
        <div role="alert" className="error-box">
          <p className="error">{list.error}</p>
          <button className="secondary" onClick={() => void list.retry()}>Retry</button>
        </div>
      )}
      <p role="status" className="hint">
        {list.loading ? `Loading ${noun[1]}…` : count > 0 ? `${count}${list.more ? "+" : ""} ${count === 1 && !list.more ? noun[0] : noun[1]} shown.` : ""}
      </p>
      {list.items && list.items.length === 0 && !list.loading && !list.error && <p className="empty-note">{empty}</p>}
    </>
  );
}

// The Activity tab: what happened in the group (joins, invites, channels, roles, calls), newest first.
import type { Rest } from "../api/rest";
import { listActivity } from "../history/api";
import { describeEvent, EVENT_KINDS, formatWhen } from "../history/format";
import { activitySearch } from "../history/query";
import type { GroupEventKind, GroupEventOut } from "../api/protocol.gen";
import { usePaged } from "../history/usePaged";
import { ListStatus } from "./ActivityStatus";

export function ActivityFeed({ rest, groupId, kind, onKind }: {
  rest: Rest; groupId: string; kind: GroupEventKind | ""; onKind: (kind: GroupEventKind | "") => void;
}) {
  const list = usePaged<GroupEventOut>(`${groupId}?${activitySearch(kind)}`, async (before) => {
    const page = await listActivity(rest, groupId, kind, before);
    return { items: page.events, next: page.next };
  }, "The activity");
  return (
    <>
      <form className="filters card" role="search" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
        <label>Kind<select value={kind} onChange={(e) => onKind(e.target.value as GroupEventKind | "")}>
          <option value="">Everything</option>
          {Object.entries(EVENT_KINDS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select></label>
      </form>
      <ListStatus list={list} noun={["event", "events"]} empty={kind ? "Nothing of this kind yet." : "No activity yet."} />
      {list.items && list.items.length > 0 && (
        <ol className="events">
          {list.items.map((event) => (
            <li key={event.id} className={`event ${event.kind}`}>
              <time dateTime={event.at}>{formatWhen(event.at)}</time>
              <span>{describeEvent(event)}</span>
            </li>
          ))}
        </ol>
      )}
      {list.more && <div className="actions"><button className="secondary" disabled={list.loading} onClick={() => void list.loadMore()}>{list.loading ? "Loading…" : "Load more events"}</button></div>}
    </>
  );
}

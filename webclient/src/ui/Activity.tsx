// A group's activity page: tabs for its calls, its events and its analytics, and the export.
// The filters live here, so going from tab to tab keeps them.
import { useCallback, useId, useRef, useState, type KeyboardEvent } from "react";
import type { GroupOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import { lastDays, NO_CALL_FILTERS, type CallFilters, type DateRange } from "../history/query";
import type { GroupEventKind } from "../api/protocol.gen";
import { channelsOf, type State } from "../state/store";
import { ActivityAnalytics } from "./ActivityAnalytics";
import { ActivityCalls } from "./ActivityCalls";
import { ActivityExport } from "./ActivityExport";
import { ActivityFeed } from "./ActivityFeed";
import { nameOf } from "./Workspace";

const TABS = [
  { id: "calls", label: "Calls" },
  { id: "events", label: "Activity" },
  { id: "analytics", label: "Analytics" },
] as const;
type Tab = (typeof TABS)[number]["id"];

export function Activity({ rest, group, state, onClose, onOpenRecording }: {
  rest: Rest; group: GroupOut; state: State; onClose: () => void; onOpenRecording: (id: string) => void;
}) {
  const [tab, setTab] = useState<Tab>("calls");
  const [callFilters, setCallFilters] = useState<CallFilters>(NO_CALL_FILTERS);
  const [kind, setKind] = useState<GroupEventKind | "">("");
  const [range, setRange] = useState<DateRange>(() => lastDays(30));
  const [analyticsChannel, setAnalyticsChannel] = useState("");
  const [exporting, setExporting] = useState(false);
  const closeExport = useCallback(() => setExporting(false), []);
  const ids = useId();
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  const voiceChannels = channelsOf(state, group.id).filter((c) => c.kind === "voice").map((c) => ({ id: c.id, name: c.name }));
  const people = Object.keys(state.roles[group.id] ?? {}).map((id) => ({ id, name: nameOf(state, id) }))
    .sort((a, b) => a.name.localeCompare(b.name));

  // Arrow keys, Home and End move along the tabs (the WAI-ARIA tabs pattern, activation on focus).
  const onTabKey = (event: KeyboardEvent) => {
    const index = TABS.findIndex((t) => t.id === tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = TABS[(next + TABS.length) % TABS.length].id;
    setTab(target);
    tabRefs.current[target]?.focus();
  };

  return (
    <section className="settings activity" aria-labelledby={`${ids}-title`}>
      <header className="pane-header">
        <h2 id={`${ids}-title`}>{group.name} — activity</h2>
        <button className="secondary" onClick={() => setExporting(true)}>Export…</button>
        <button className="secondary" onClick={onClose}>Back</button>
      </header>
      <div role="tablist" aria-label="Activity views" className="tabs" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button key={t.id} ref={(el) => { tabRefs.current[t.id] = el; }} role="tab" id={`${ids}-tab-${t.id}`}
            aria-selected={tab === t.id} aria-controls={`${ids}-panel-${t.id}`} tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? "tab active" : "tab"} onClick={() => setTab(t.id)}>{t.label}</button>
        ))}
      </div>
      <div role="tabpanel" id={`${ids}-panel-${tab}`} aria-labelledby={`${ids}-tab-${tab}`} className="tab-panel">
        {tab === "calls" && (
          <ActivityCalls rest={rest} groupId={group.id} filters={callFilters} onFilters={setCallFilters}
            channels={voiceChannels} people={people} onOpenRecording={onOpenRecording} />
        )}
        {tab === "events" && <ActivityFeed rest={rest} groupId={group.id} kind={kind} onKind={setKind} />}
        {tab === "analytics" && (
          <ActivityAnalytics rest={rest} groupId={group.id} range={range} onRange={setRange}
            channelId={analyticsChannel} onChannel={setAnalyticsChannel} channels={voiceChannels} />
        )}
      </div>
      {exporting && <ActivityExport rest={rest} group={group} callFilters={callFilters} onClose={closeExport} />}
    </section>
  );
}

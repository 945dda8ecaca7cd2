// The Analytics tab: the group's calls over a date range as charts, each with its words and table.
import { useEffect, useMemo, useState } from "react";
import type { Rest } from "../api/rest";
import { getAnalytics } from "../history/api";
import { buildCharts } from "../history/charts";
import { formatMinutes, formatShare } from "../history/format";
import { analyticsSearch, lastDays, rangeProblem, type DateRange } from "../history/query";
import type { GroupAnalyticsOut } from "../api/protocol.gen";
import { failureText } from "../history/usePaged";
import { ActivityChart } from "./ActivityChart";
import type { Option } from "./ActivityCalls";

const PRESETS = [7, 30, 90];

export function ActivityAnalytics({ rest, groupId, range, onRange, channelId, onChannel, channels }: {
  rest: Rest; groupId: string; range: DateRange; onRange: (range: DateRange) => void;
  channelId: string; onChannel: (id: string) => void; channels: Option[];
}) {
  const [data, setData] = useState<{ key: string; analytics: GroupAnalyticsOut } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const key = `${groupId}?${analyticsSearch(range, channelId)}`;
  const problem = rangeProblem(range);
  const complete = problem === null;

  useEffect(() => {
    if (!complete) return;
    let current = true;
    setError(null);
    getAnalytics(rest, groupId, range, channelId)
      .then((analytics) => current && setData({ key, analytics }), (e) => current && setError(failureText(e, "The analytics")));
    return () => { current = false; };
    // `key` names the range and channel exactly.
  }, [rest, key, attempt, complete]);

  const analytics = data?.key === key ? data.analytics : null;
  const charts = useMemo(() => (analytics ? buildCharts(analytics) : []), [analytics]);
  const preset = PRESETS.find((days) => { const r = lastDays(days); return r.from === range.from && r.to === range.to; });

  return (
    <>
      <form className="filters card" role="search" aria-label="Analytics period" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="presets">
          <legend>Period</legend>
          {PRESETS.map((days) => (
            <button key={days} type="button" className={preset === days ? "" : "secondary"} aria-pressed={preset === days}
              onClick={() => onRange(lastDays(days))}>Last {days} days</button>
          ))}
        </fieldset>
        <label>From<input type="date" value={range.from} max={range.to || undefined} onChange={(e) => onRange({ ...range, from: e.target.value })} /></label>
        <label>To<input type="date" value={range.to} min={range.from || undefined} onChange={(e) => onRange({ ...range, to: e.target.value })} /></label>
        <label>Channel<select value={channelId} onChange={(e) => onChannel(e.target.value)}>
          <option value="">All channels</option>
          {channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select></label>
      </form>
      {problem && <p role="alert" className="error">{problem}</p>}
      {error && (
        <div role="alert" className="error-box">
          <p className="error">{error}</p>
          <button className="secondary" onClick={() => setAttempt((n) => n + 1)}>Retry</button>
        </div>
      )}
      <p role="status" className="hint">{complete && !analytics && !error ? "Loading analytics…" : ""}</p>
      {analytics && (
        <>
          <dl className="totals card" aria-label="Totals for the period">
            <div><dt>Calls</dt><dd>{analytics.totals.calls}</dd></div>
            <div><dt>Call minutes</dt><dd>{formatMinutes(analytics.totals.call_minutes)}</dd></div>
            <div><dt>Join success</dt><dd>{formatShare(analytics.totals.join_success_rate)}</dd></div>
            <div><dt>Calls needing TURN</dt><dd>{formatShare(analytics.totals.calls ? analytics.totals.turn_share : null)}</dd></div>
          </dl>
          {analytics.totals.calls === 0 && <p className="empty-note">No calls yet in this period.</p>}
          <div className="charts">{charts.map((spec) => <ActivityChart key={spec.id} spec={spec} />)}</div>
        </>
      )}
    </>
  );
}

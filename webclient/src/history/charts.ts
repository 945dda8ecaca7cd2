// The analytics response as chart specs: per chart its series, a one-line summary (what a screen
// reader hears, and what the page says above the canvas) and the same numbers as a table. Pure
// data, no Chart.js here: ui/ActivityChart.tsx turns a spec into a chart.
import { formatNumber, formatShare } from "./format";
import type { GroupAnalyticsOut } from "../api/protocol.gen";

export type ChartKind = "bar" | "line" | "doughnut";

export interface SeriesSpec {
  label: string;
  /** null: not measured (a gap in the chart, "—" in the table), never a made-up 0. */
  data: (number | null)[];
  /** A line drawn over bars (calls and minutes in one chart). */
  kind?: "line";
  /** Which value axis: "y" (left, default) or "y2" (right, another unit). */
  axis?: "y" | "y2";
}

export interface ChartSpec {
  id: string;
  title: string;
  kind: ChartKind;
  labels: string[];
  series: SeriesSpec[];
  stacked?: boolean;
  axisTitles?: { y: string; y2?: string };
  summary: string;
  table: { columns: string[]; rows: (string | number)[][] };
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The table a chart's series make: one row per label, one column per series. */
function tableOf(labelColumn: string, labels: string[], series: SeriesSpec[]): ChartSpec["table"] {
  return {
    columns: [labelColumn, ...series.map((s) => s.label)],
    rows: labels.map((label, i) => [label, ...series.map((s) => s.data[i] ?? "—")]),
  };
}

function spec(base: Omit<ChartSpec, "table">, labelColumn: string): ChartSpec {
  return { ...base, table: tableOf(labelColumn, base.labels, base.series) };
}

/** The server counts days in UTC: said on every per-day chart, so a late-evening call is not
 * looked for on the wrong local day. */
const DAY_COLUMN = "Day (UTC)";

export const FAILURE_REASONS: Record<string, string> = {
  ice_failed: "Connection (ICE) failed", permission_denied: "Not allowed", media_denied: "Camera/mic refused",
  worker_error: "Media server error", timeout: "Timed out", other: "Other",
};

export function buildCharts(a: GroupAnalyticsOut): ChartSpec[] {
  const days = a.days.map((d) => d.day);
  const t = a.totals;
  const calls = spec({
    id: "calls-per-day", title: "Calls and call minutes per day (UTC)", kind: "bar", labels: days,
    series: [
      { label: "Calls", data: a.days.map((d) => d.calls) },
      { label: "Call minutes", data: a.days.map((d) => round1(d.call_minutes)), kind: "line", axis: "y2" },
    ],
    axisTitles: { y: "Calls", y2: "Minutes" },
    summary: `${plural(t.calls, "call")}, ${round1(t.call_minutes)} call minutes in ${plural(days.length, "day")} (UTC days).`,
  }, DAY_COLUMN);
  const perCall = spec({
    id: "participants-per-call", title: "Participants per call", kind: "bar",
    labels: a.participants_per_call.map((p) => String(p.participants)),
    series: [{ label: "Calls", data: a.participants_per_call.map((p) => p.calls) }],
    axisTitles: { y: "Calls" },
    summary: `On average ${round1(t.participants_avg)} participants per call.`,
  }, "Participants");
  const modes = spec({
    id: "p2p-vs-sfu", title: "P2P and SFU minutes per day (UTC)", kind: "bar", labels: days, stacked: true,
    series: [
      { label: "P2P minutes", data: a.days.map((d) => round1(d.p2p_minutes)) },
      { label: "SFU minutes", data: a.days.map((d) => round1(d.sfu_minutes)) },
    ],
    axisTitles: { y: "Minutes" },
    summary: `${round1(t.p2p_minutes)} minutes peer-to-peer, ${round1(t.sfu_minutes)} minutes through the SFU.`,
  }, DAY_COLUMN);
  const turn = spec({
    id: "turn-share", title: "Calls that needed TURN, per day (UTC)", kind: "bar", labels: days, stacked: true,
    series: [
      { label: "Direct calls", data: a.days.map((d) => d.calls - d.relayed_calls) },
      { label: "Relayed calls (TURN)", data: a.days.map((d) => d.relayed_calls) },
    ],
    axisTitles: { y: "Calls" },
    summary: `${formatShare(t.calls ? t.turn_share : null)} of calls needed a TURN relay.`,
  }, DAY_COLUMN);
  const network = spec({
    id: "rtt-loss", title: "Round-trip time and packet loss", kind: "bar", labels: ["Average", "95th percentile"],
    series: [
      { label: "Round-trip time (ms)", data: [t.rtt_avg_ms, t.rtt_p95_ms].map((v) => (v === null ? null : Math.round(v))) },
      { label: "Packet loss (%)", data: [t.loss_avg_pct, t.loss_p95_pct].map((v) => (v === null ? null : round1(v))), axis: "y2" },
    ],
    axisTitles: { y: "Milliseconds", y2: "Percent" },
    summary: t.rtt_avg_ms === null && t.loss_avg_pct === null
      ? "No network measurements in this period."
      : `Round-trip time ${formatNumber(t.rtt_avg_ms, " ms")} on average, ${formatNumber(t.rtt_p95_ms, " ms")} at the 95th percentile; `
        + `packet loss ${formatNumber(t.loss_avg_pct, "%", 1)} on average, ${formatNumber(t.loss_p95_pct, "%", 1)} at the 95th percentile.`,
  }, "Statistic");
  const q = a.quality;
  const graded = q.good + q.fair + q.poor;
  const quality = spec({
    id: "quality", title: "Call quality per participation", kind: "doughnut", labels: ["Good", "Fair", "Poor", "Unknown"],
    series: [{ label: "Participations", data: [q.good, q.fair, q.poor, q.unknown] }],
    summary: graded
      ? `${formatShare(q.good / graded)} good, ${formatShare(q.fair / graded)} fair, ${formatShare(q.poor / graded)} poor`
        + ` (of ${plural(graded, "graded participation")}; ${q.unknown} without a grade).`
      : `No graded participations (${q.unknown} without a grade).`,
  }, "Grade");
  const joins = spec({
    id: "joins-per-day", title: "Joins per day (UTC)", kind: "bar", labels: days, stacked: true,
    series: [
      { label: "Successful joins", data: a.days.map((d) => d.join_attempts - d.join_failures) },
      { label: "Failed joins", data: a.days.map((d) => d.join_failures) },
    ],
    axisTitles: { y: "Joins" },
    summary: `Join success rate ${formatShare(t.join_success_rate)} (${t.join_successes} of ${plural(t.join_attempts, "attempt")}).`,
  }, DAY_COLUMN);
  const reasons = spec({
    id: "join-failures", title: "Why joins failed", kind: "bar",
    labels: a.join_failure_reasons.map((r) => FAILURE_REASONS[r.reason] ?? r.reason),
    series: [{ label: "Failed joins", data: a.join_failure_reasons.map((r) => r.count) }],
    axisTitles: { y: "Failed joins" },
    summary: a.join_failure_reasons.length
      ? a.join_failure_reasons.map((r) => `${FAILURE_REASONS[r.reason] ?? r.reason}: ${r.count}`).join(", ") + "."
      : "No failed joins in this period.",
  }, "Reason");
  return [calls, perCall, modes, turn, network, quality, joins, reasons];
}

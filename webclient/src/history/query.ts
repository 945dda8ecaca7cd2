// The activity page's filters as REST query strings: only what is set, in a fixed order (the
// string also names the query, so equal filters give equal strings and a stale answer is known).
import type { GroupEventKind } from "../api/protocol.gen";

export const CALLS_PAGE_SIZE = 25;
export const EVENTS_PAGE_SIZE = 50;

/** Dates as the date inputs give them (YYYY-MM-DD, the viewer's own days), "" when unset. */
export interface DateRange {
  from: string;
  to: string;
}

export interface CallFilters extends DateRange {
  channelId: string;
  participantId: string;
}

export const NO_CALL_FILTERS: CallFilters = { channelId: "", participantId: "", from: "", to: "" };

/** The start of a local calendar day (plus `addDays`), as the server's UTC instant. */
export function startOfDay(date: string, addDays = 0): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + addDays).toISOString();
}

/** A local day as the date inputs write it. */
export function dayString(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last `days` days up to and including today. */
export function lastDays(days: number, today: Date = new Date()): DateRange {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: dayString(from), to: dayString(today) };
}

/** The longest period the analytics cover (the server's MAX_DAYS). */
export const ANALYTICS_MAX_DAYS = 366;

/** What is wrong with an analytics period, in words; null when it can be asked for. */
export function rangeProblem(range: DateRange): string | null {
  if (!range.from || !range.to) return "Choose the first and the last day.";
  if (range.from > range.to) return "The first day must not be after the last.";
  const days = (Date.parse(startOfDay(range.to, 1)) - Date.parse(startOfDay(range.from))) / 86_400_000;
  return Math.round(days) > ANALYTICS_MAX_DAYS ? `Choose at most ${ANALYTICS_MAX_DAYS} days.` : null;
}

/** Both days taken whole: `since` the start of `from`, `until` the start of the day after `to`. */
function rangeParams(range: DateRange): Record<string, string> {
  return {
    ...(range.from ? { since: startOfDay(range.from) } : {}),
    ...(range.to ? { until: startOfDay(range.to, 1) } : {}),
  };
}

function search(params: Record<string, string | null | undefined>): string {
  const set = Object.entries(params).filter((entry): entry is [string, string] => !!entry[1]);
  return new URLSearchParams(set.sort(([a], [b]) => a.localeCompare(b))).toString();
}

/** The calls filters, without paging: what calls.csv takes too. */
export function callsFilterSearch(filters: CallFilters): string {
  return search({ channel_id: filters.channelId, participant_id: filters.participantId, ...rangeParams(filters) });
}

export function callsSearch(filters: CallFilters, before: string | null = null, limit = CALLS_PAGE_SIZE): string {
  return search({
    channel_id: filters.channelId, participant_id: filters.participantId, ...rangeParams(filters),
    before, limit: String(limit),
  });
}

export function activitySearch(kind: GroupEventKind | "", before: string | null = null, limit = EVENTS_PAGE_SIZE): string {
  return search({ kind, before, limit: String(limit) });
}

export function analyticsSearch(range: DateRange, channelId = ""): string {
  return search({ channel_id: channelId, ...rangeParams(range) });
}

export function exportSearch(messages: boolean): string {
  return search({ messages: messages ? "true" : "false" });
}

// The history routes of a group (contract: /work/contracts/history.md), and downloads: the export
// and the calls CSV need the bearer token, so they are fetched, then handed to the browser as a blob.
import { ApiError, type Rest } from "../api/rest";
import { activitySearch, analyticsSearch, callsFilterSearch, callsSearch, exportSearch, type CallFilters, type DateRange } from "./query";
import type { CallHistoryPage, GroupActivityPage, GroupAnalyticsOut, GroupEventKind } from "../api/protocol.gen";

const base = (groupId: string) => `/api/groups/${encodeURIComponent(groupId)}`;

export const listCalls = (rest: Rest, groupId: string, filters: CallFilters, before: string | null) =>
  rest.request<CallHistoryPage>("GET", `${base(groupId)}/calls?${callsSearch(filters, before)}`);

export const listActivity = (rest: Rest, groupId: string, kind: GroupEventKind | "", before: string | null) =>
  rest.request<GroupActivityPage>("GET", `${base(groupId)}/activity?${activitySearch(kind, before)}`);

export const getAnalytics = (rest: Rest, groupId: string, range: DateRange, channelId = "") =>
  rest.request<GroupAnalyticsOut>("GET", `${base(groupId)}/analytics?${analyticsSearch(range, channelId)}`);

export const exportPath = (groupId: string, messages: boolean) => `${base(groupId)}/export?${exportSearch(messages)}`;
export const callsCsvPath = (groupId: string, filters: CallFilters) => {
  const query = callsFilterSearch(filters);
  return `${base(groupId)}/calls.csv${query ? `?${query}` : ""}`;
};

/** The file name a Content-Disposition header gives (`filename*=UTF-8''…` first), else `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // A malformed escape: the plain filename (or the fallback) below.
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? "").trim();
  // Only a base name: a server cannot pick the folder.
  return name.split(/[/\\]/).pop() || fallback;
}

/** Fetches `path` with the access token (renewed once if refused) and returns the body and its name. */
export async function fetchDownload(rest: Rest, path: string, fallback: string): Promise<{ blob: Blob; name: string }> {
  let stale = false;
  for (;;) {
    const token = await rest.accessToken(stale);
    const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (response.status === 401 && !stale && token) {
      stale = true;
      continue;
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      const error = (data as { error?: { code?: string; message?: string } }).error ?? {};
      throw new ApiError(response.status, error.code ?? "http_error", error.message ?? response.statusText);
    }
    return { blob: await response.blob(), name: attachmentName(response.headers.get("Content-Disposition"), fallback) };
  }
}

/** Hands a fetched file to the browser's downloads through a temporary object URL. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL can go once the browser took it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

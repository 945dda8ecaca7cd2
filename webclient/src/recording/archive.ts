// The recordings archive in words and queries: filters → the REST query, sizes, durations,
// who consented. Pure, so every rule is unit tested.
import type { RecordingOut, RecordingsQuery, RecordingState } from "../api/protocol.gen";

export const PAGE_SIZE = 25;

export interface ArchiveFilters {
  title: string;
  channelId: string;
  participant: string;
  /** Dates as the date inputs give them (YYYY-MM-DD, the viewer's own days), "" when unset. */
  from: string;
  to: string;
}

export const NO_FILTERS: ArchiveFilters = { title: "", channelId: "", participant: "", from: "", to: "" };

/** The start of a local calendar day, as the server's UTC instant. */
function startOfDay(date: string, addDays = 0): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + addDays).toISOString();
}

/** The filters as the archive's REST query; the date range takes both days whole. */
export function archiveQuery(filters: ArchiveFilters, cursor: string | null = null): RecordingsQuery {
  return {
    q: filters.title.trim() || null,
    channel_id: filters.channelId || null,
    participant: filters.participant || null,
    started_from: filters.from ? startOfDay(filters.from) : null,
    started_to: filters.to ? startOfDay(filters.to, 1) : null,
    cursor, limit: PAGE_SIZE,
  };
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export const STATE_LABELS: Record<RecordingState, string> = {
  recording: "Recording now", finalizing: "Being saved", ready: "Ready", failed: "Failed",
};

/** Who is in the file and who is not: "Ana, Bo (declined: Cy; not answered: Di)". */
export function consentSummary(recording: RecordingOut): string {
  const names = (consent: string) => recording.participants.filter((p) => p.consent === consent).map((p) => p.display_name);
  const [accepted, declined, pending] = [names("accepted"), names("declined"), names("pending")];
  const left = [declined.length ? `declined: ${declined.join(", ")}` : "", pending.length ? `not answered: ${pending.join(", ")}` : ""]
    .filter(Boolean);
  return `${accepted.join(", ") || "Nobody recorded"}${left.length ? ` (${left.join("; ")})` : ""}`;
}

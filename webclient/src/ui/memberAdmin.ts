// Member management wording: what a bulk action did, in one sentence per outcome.
import type { BulkResult, MembersBulk } from "../api/protocol.gen";

const DONE: Record<MembersBulk["action"], string> = { add: "Invited", remove: "Removed", set_role: "Updated" };
const FAILED: Record<MembersBulk["action"], string> = { add: "invited", remove: "removed", set_role: "updated" };

const people = (n: number) => `${n} ${n === 1 ? "person" : "people"}`;

/** "Invited 2 people (they join when they accept). 1 person could not be invited: banned." */
export function bulkSummary(action: MembersBulk["action"], results: BulkResult[]): string {
  const done = results.filter((r) => r.ok).length;
  const errors = [...new Set(results.filter((r) => !r.ok).map((r) => r.error ?? "unknown error"))];
  const failed = results.length - done;
  const parts: string[] = [];
  if (done) parts.push(`${DONE[action]} ${people(done)}${action === "add" ? " (they join when they accept)" : ""}.`);
  if (failed) parts.push(`${people(failed)} could not be ${FAILED[action]}: ${errors.join(", ")}.`);
  return parts.join(" ") || "Nobody was selected.";
}

/** User ids typed or pasted one per line, or separated by commas or spaces; without repeats. */
export function parseUserIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];
}

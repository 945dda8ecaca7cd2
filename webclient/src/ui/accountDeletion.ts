// Deleting my account: which groups need a decision, the request that carries the decisions,
// and what each refusal means to the person. Plain functions, so they are tested without a DOM.
import { ApiError } from "../api/rest";
import type { AccountDeletion, GroupOut, MemberOut } from "../api/protocol.gen";

/** Hand the group to a member, or delete it; undefined: not decided yet. */
export type GroupChoice = { kind: "delete" } | { kind: "transfer"; userId: string };

/** The groups I own, by name: each needs a choice before the account can go. */
export function ownedGroups(groups: GroupOut[], myId: string): GroupOut[] {
  return groups.filter((g) => g.owner_id === myId).sort((a, b) => a.name.localeCompare(b.name));
}

/** Who may take a group over: another member who is not a guest. */
export function transferCandidates(members: MemberOut[], myId: string): MemberOut[] {
  return members.filter((m) => m.user_id !== myId && m.role !== "guest")
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
}

/** The request body, or the names of the owned groups still without a choice. */
export function deletionRequest(owned: GroupOut[], choices: Record<string, GroupChoice | undefined>,
                                password: string | null): { body: AccountDeletion } | { undecided: string[] } {
  const undecided = owned.filter((g) => !choices[g.id]).map((g) => g.name);
  if (undecided.length) return { undecided };
  const owned_groups = Object.fromEntries(owned.map((g) => {
    const choice = choices[g.id]!;
    return [g.id, choice.kind === "delete" ? "delete" : `transfer:${choice.userId}`];
  }));
  return { body: { owned_groups, ...(password !== null ? { password } : {}) } };
}

/** What to tell the person when the server refused. */
export function deletionError(error: unknown, groupName: (id: string) => string): string {
  if (!(error instanceof ApiError)) return "Could not delete the account; check your connection and try again.";
  switch (error.code) {
    case "wrong_password": return "That password is wrong.";
    case "password_required": return "Enter your password to delete the account.";
    case "recent_sign_in_required":
      return "For your safety, sign out and sign in again, then delete the account within 5 minutes.";
    case "owned_groups_unresolved": {
      const groups = (error.details as { groups?: { group_id: string; name: string }[] } | undefined)?.groups ?? [];
      return `Choose what happens to ${groups.map((g) => g.name).join(", ") || "each group you own"} first.`;
    }
    case "transfer_target_invalid": {
      const groupId = (error.details as { group_id?: string } | undefined)?.group_id;
      return `That person can no longer take over ${groupId ? groupName(groupId) : "the group"}; pick someone else.`;
    }
    default: return error.message;
  }
}

/** "peershare-data-alice-2026-11-28.json" */
export function exportFileName(username: string, now: Date): string {
  return `peershare-data-${username}-${now.toISOString().slice(0, 10)}.json`;
}

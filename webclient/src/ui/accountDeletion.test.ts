import { describe, expect, it } from "vitest";
import { ApiError } from "../api/rest";
import type { GroupOut, MemberOut } from "../api/protocol.gen";
import { deletionError, deletionRequest, exportFileName, ownedGroups, transferCandidates } from "./accountDeletion";

const group = (id: string, name: string, owner: string) => ({ id, name, owner_id: owner }) as GroupOut;
const member = (id: string, name: string, role: MemberOut["role"]) =>
  ({ user_id: id, display_name: name, role }) as MemberOut;

describe("deleting my account", () => {
  const owned = [group("g2", "Tutors", "me"), group("g1", "Book club", "me")];

  it("asks only about the groups I own, by name", () => {
    const groups = [...owned, group("g3", "Elsewhere", "someone")];
    expect(ownedGroups(groups, "me").map((g) => g.name)).toEqual(["Book club", "Tutors"]);
  });

  it("offers the group to other members, never to me or a guest", () => {
    const members = [member("me", "Me", "owner"), member("b", "Bea", "member"), member("g", "Visitor", "guest"),
      member("a", "Al", "moderator")];
    expect(transferCandidates(members, "me").map((m) => m.user_id)).toEqual(["a", "b"]);
  });

  it("refuses to send until every owned group has a choice, naming those without", () => {
    expect(deletionRequest(owned, { g1: { kind: "delete" } }, "pw")).toEqual({ undecided: ["Tutors"] });
  });

  it("sends each choice as the server spells it, with the password when the account has one", () => {
    const choices = { g1: { kind: "delete" as const }, g2: { kind: "transfer" as const, userId: "b" } };
    expect(deletionRequest(owned, choices, "pw")).toEqual(
      { body: { owned_groups: { g1: "delete", g2: "transfer:b" }, password: "pw" } });
    expect(deletionRequest([], {}, null)).toEqual({ body: { owned_groups: {} } });
  });

  it("explains each refusal in words", () => {
    const name = (id: string) => (id === "g2" ? "Tutors" : "?");
    expect(deletionError(new ApiError(403, "wrong_password", "x"), name)).toBe("That password is wrong.");
    expect(deletionError(new ApiError(403, "recent_sign_in_required", "x"), name)).toMatch(/sign in again/);
    expect(deletionError(new ApiError(409, "owned_groups_unresolved", "x",
      { groups: [{ group_id: "g2", name: "Tutors" }] }), name)).toBe("Choose what happens to Tutors first.");
    expect(deletionError(new ApiError(409, "transfer_target_invalid", "x", { group_id: "g2", user_id: "b" }), name))
      .toBe("That person can no longer take over Tutors; pick someone else.");
    expect(deletionError(new ApiError(500, "internal_error", "something went wrong"), name)).toBe("something went wrong");
    expect(deletionError(new TypeError("offline"), name)).toMatch(/connection/);
  });

  it("names the download after the account and the day", () => {
    expect(exportFileName("alice", new Date("2026-11-28T19:00:00Z"))).toBe("peershare-data-alice-2026-11-28.json");
  });
});

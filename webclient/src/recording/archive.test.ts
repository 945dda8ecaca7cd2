import { describe, expect, it } from "vitest";
import type { RecordingOut } from "../api/protocol.gen";
import { recordingsSearch } from "../api/rest";
import { archiveQuery, consentSummary, formatBytes, NO_FILTERS } from "./archive";

const person = (display_name: string, consent: "pending" | "accepted" | "declined") => ({ user_id: display_name, display_name, consent, decided_at: null });

describe("the recordings archive", () => {
  it("sends only the filters that are set, the date range as whole local days", () => {
    expect(recordingsSearch(archiveQuery(NO_FILTERS))).toBe("limit=25");
    const query = archiveQuery({ title: "  standup ", channelId: "c1", participant: "u1", from: "2026-03-01", to: "2026-03-02" }, "k1");
    expect(query).toMatchObject({ q: "standup", channel_id: "c1", participant: "u1", cursor: "k1" });
    expect(new Date(query.started_from!).getDate()).toBe(1);
    expect(Date.parse(query.started_to!) - Date.parse(query.started_from!)).toBeGreaterThanOrEqual(47 * 3600_000);
    expect(recordingsSearch(query).split("&").map((kv) => kv.split("=")[0])).toEqual(
      ["channel_id", "cursor", "limit", "participant", "q", "started_from", "started_to"]);
  });

  it("writes sizes the way people read them", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(950)).toBe("950 B");
    expect(formatBytes(1_500_000)).toBe("1.5 MB");
    expect(formatBytes(734_000_000)).toBe("734 MB");
  });

  it("says who is in the file and who declined or never answered", () => {
    const recording = { participants: [person("Ana", "accepted"), person("Cy", "declined"), person("Bo", "accepted"), person("Di", "pending")] } as RecordingOut;
    expect(consentSummary(recording)).toBe("Ana, Bo (declined: Cy; not answered: Di)");
    expect(consentSummary({ participants: [person("Cy", "declined")] } as RecordingOut)).toBe("Nobody recorded (declined: Cy)");
  });
});

import { describe, expect, it } from "vitest";
import { attachmentName } from "./api";
import { buildCharts } from "./charts";
import { describeEvent, formatDuration, formatMinutes, formatShare, modeSummary } from "./format";
import { initialPaged, moreCursor, reducePaged, type Paged } from "./paging";
import { activitySearch, analyticsSearch, callsFilterSearch, callsSearch, exportSearch, lastDays, NO_CALL_FILTERS, rangeProblem } from "./query";
import type { CallRecordOut, GroupAnalyticsOut, GroupEventOut } from "../api/protocol.gen";

const analytics: GroupAnalyticsOut = {
  since: "2026-11-01T00:00:00Z", until: "2026-11-04T00:00:00Z",
  days: [
    { day: "2026-11-01", calls: 2, call_minutes: 3.04, p2p_minutes: 2, sfu_minutes: 1.04, relayed_calls: 1, join_attempts: 5, join_failures: 1 },
    { day: "2026-11-02", calls: 0, call_minutes: 0, p2p_minutes: 0, sfu_minutes: 0, relayed_calls: 0, join_attempts: 0, join_failures: 0 },
    { day: "2026-11-03", calls: 1, call_minutes: 1, p2p_minutes: 1, sfu_minutes: 0, relayed_calls: 0, join_attempts: 2, join_failures: 0 },
  ],
  totals: {
    calls: 3, call_minutes: 4.04, p2p_minutes: 3, sfu_minutes: 1.04, participants_avg: 2.333, turn_share: 1 / 3,
    join_attempts: 7, join_successes: 6, join_success_rate: 6 / 7, rtt_avg_ms: 41.6, rtt_p95_ms: 120.2, loss_avg_pct: 0.44, loss_p95_pct: 2.06,
  },
  participants_per_call: [{ participants: 2, calls: 2 }, { participants: 3, calls: 1 }],
  quality: { good: 5, fair: 1, poor: 0, unknown: 1 },
  join_failure_reasons: [{ reason: "ice_failed", count: 1 }],
};

describe("the activity page's queries", () => {
  it("sends only the filters that are set, in a fixed order, the dates as whole local days", () => {
    expect(callsSearch(NO_CALL_FILTERS)).toBe("limit=25");
    const filters = { channelId: "c1", participantId: "u1", from: "2026-03-01", to: "2026-03-02" };
    const query = new URLSearchParams(callsSearch(filters, "k1"));
    expect([...query.keys()]).toEqual(["before", "channel_id", "limit", "participant_id", "since", "until"]);
    expect(query.get("before")).toBe("k1");
    expect(new Date(query.get("since")!).getDate()).toBe(1);
    expect(Date.parse(query.get("until")!) - Date.parse(query.get("since")!)).toBeGreaterThanOrEqual(47 * 3600_000);
    expect(callsFilterSearch(filters)).not.toContain("limit");
    expect(callsFilterSearch(NO_CALL_FILTERS)).toBe("");
    expect(activitySearch("", null)).toBe("limit=50");
    expect(activitySearch("invite_used", "c9")).toBe("before=c9&kind=invite_used&limit=50");
    expect(analyticsSearch({ from: "", to: "" })).toBe("");
    expect(exportSearch(true)).toBe("messages=true");
    expect(exportSearch(false)).toBe("messages=false");
  });

  it("asks for analytics only over a period the server takes", () => {
    expect(rangeProblem({ from: "2026-01-01", to: "2026-01-01" })).toBeNull();
    expect(rangeProblem({ from: "2025-01-01", to: "2026-01-01" })).toBeNull(); // 366 days
    expect(rangeProblem({ from: "2025-01-01", to: "2026-01-02" })).toBe("Choose at most 366 days.");
    expect(rangeProblem({ from: "2026-01-02", to: "2026-01-01" })).toBe("The first day must not be after the last.");
    expect(rangeProblem({ from: "", to: "2026-01-01" })).toBe("Choose the first and the last day.");
  });

  it("counts the last N days back from today, today included", () => {
    expect(lastDays(7, new Date(2026, 2, 3))).toEqual({ from: "2026-02-25", to: "2026-03-03" });
    expect(lastDays(1, new Date(2026, 0, 1))).toEqual({ from: "2026-01-01", to: "2026-01-01" });
  });
});

describe("cursor paging", () => {
  type S = Paged<number>;
  it("replaces on a new query, appends on more, and drops answers to a query no longer shown", () => {
    let s: S = reducePaged(initialPaged<number>("a"), { type: "load", key: "a", more: false });
    expect(moreCursor(s)).toBeNull();
    s = reducePaged(s, { type: "page", key: "a", more: false, items: [1, 2], next: "n1" });
    expect(s).toMatchObject({ items: [1, 2], next: "n1", loading: false });
    expect(moreCursor(s)).toBe("n1");
    s = reducePaged(s, { type: "load", key: "a", more: true });
    expect(s.items).toEqual([1, 2]);
    expect(moreCursor(s)).toBeNull();
    s = reducePaged(s, { type: "page", key: "a", more: true, items: [3], next: null });
    expect(s).toMatchObject({ items: [1, 2, 3], next: null });
    expect(moreCursor(s)).toBeNull();
    s = reducePaged(s, { type: "load", key: "b", more: false });
    expect(s).toMatchObject({ key: "b", items: null, loading: true });
    expect(reducePaged(s, { type: "page", key: "a", more: true, items: [9], next: "x" })).toBe(s);
    expect(reducePaged(s, { type: "failed", key: "a", error: "late" })).toBe(s);
    s = reducePaged(s, { type: "failed", key: "b", error: "down" });
    expect(s).toMatchObject({ loading: false, error: "down", items: null });
    s = reducePaged(s, { type: "load", key: "b", more: false });
    expect(s.error).toBeNull();
  });
});

describe("formatting", () => {
  it("writes durations in seconds below a minute, then minutes and hours", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(-3)).toBe("0s");
    expect(formatDuration(45.4)).toBe("45s");
    expect(formatDuration(59.6)).toBe("1m");
    expect(formatDuration(125)).toBe("2m");
    expect(formatDuration(3725)).toBe("1h 2m");
    expect(formatMinutes(0.12)).toBe("0.1");
    expect(formatMinutes(9.96)).toBe("10");
    expect(formatMinutes(123.4)).toBe("123");
    expect(formatShare(null)).toBe("—");
    expect(formatShare(0.956)).toBe("96%");
  });

  it("names the media modes a call used", () => {
    const call = { p2p_seconds: 120, sfu_seconds: 30 } as CallRecordOut;
    expect(modeSummary(call)).toBe("P2P 2m · SFU 30s");
    expect(modeSummary({ ...call, p2p_seconds: 0 })).toBe("SFU 30s");
    expect(modeSummary({ ...call, p2p_seconds: 0, sfu_seconds: 0 })).toBe("—");
  });

  it("says what an event was", () => {
    const event = { kind: "role_changed", actor_name: "Ana", subject_name: "Bo", detail: "moderator", channel_name: null } as GroupEventOut;
    expect(describeEvent(event)).toBe("Ana changed Bo's role to moderator");
    expect(describeEvent({ ...event, kind: "call_started", channel_name: "voice", detail: "" })).toBe("Ana started a call in #voice");
    expect(describeEvent({ ...event, kind: "member_joined", actor_name: null, subject_name: "Cy", detail: "" })).toBe("Cy joined the group");
  });

  it("takes the download's name from Content-Disposition, only a base name", () => {
    expect(attachmentName('attachment; filename="peershare-team-2026-11-28.json"', "x")).toBe("peershare-team-2026-11-28.json");
    expect(attachmentName("attachment; filename*=UTF-8''caf%C3%A9.csv; filename=cafe.csv", "x")).toBe("café.csv");
    expect(attachmentName('attachment; filename="../../etc/passwd"', "x")).toBe("passwd");
    expect(attachmentName(null, "calls.csv")).toBe("calls.csv");
    expect(attachmentName("attachment", "calls.csv")).toBe("calls.csv");
  });
});

describe("the analytics charts", () => {
  const charts = buildCharts(analytics);
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));

  it("has every chart the page shows, each series as long as its labels", () => {
    expect(charts.map((c) => c.id)).toEqual(
      ["calls-per-day", "participants-per-call", "p2p-vs-sfu", "turn-share", "rtt-loss", "quality", "joins-per-day", "join-failures"]);
    for (const chart of charts) for (const s of chart.series) expect(s.data).toHaveLength(chart.labels.length);
  });

  it("reads the series off the days, zeros included", () => {
    expect(byId["calls-per-day"].series.map((s) => s.data)).toEqual([[2, 0, 1], [3, 0, 1]]);
    expect(byId["calls-per-day"].series[1]).toMatchObject({ kind: "line", axis: "y2" });
    expect(byId["p2p-vs-sfu"].series.map((s) => s.data)).toEqual([[2, 0, 1], [1, 0, 0]]);
    expect(byId["turn-share"].series.map((s) => s.data)).toEqual([[1, 0, 1], [1, 0, 0]]);
    expect(byId["joins-per-day"].series.map((s) => s.data)).toEqual([[4, 0, 2], [1, 0, 0]]);
    expect(byId["participants-per-call"]).toMatchObject({ labels: ["2", "3"], series: [{ data: [2, 1] }] });
    expect(byId["rtt-loss"].series.map((s) => s.data)).toEqual([[42, 120], [0.4, 2.1]]);
    expect(byId.quality.series[0].data).toEqual([5, 1, 0, 1]);
    expect(byId["join-failures"]).toMatchObject({ labels: ["Connection (ICE) failed"], series: [{ data: [1] }] });
  });

  it("says each chart in words and as a table", () => {
    expect(byId["calls-per-day"].summary).toBe("3 calls, 4 call minutes in 3 days (UTC days).");
    for (const id of ["calls-per-day", "p2p-vs-sfu", "turn-share", "joins-per-day"]) expect(byId[id].title, id).toContain("(UTC)");
    expect(byId["turn-share"].summary).toBe("33% of calls needed a TURN relay.");
    expect(byId["joins-per-day"].summary).toBe("Join success rate 86% (6 of 7 attempts).");
    expect(byId.quality.summary).toBe("83% good, 17% fair, 0% poor (of 6 graded participations; 1 without a grade).");
    expect(byId["rtt-loss"].summary).toContain("42 ms on average, 120 ms at the 95th percentile");
    expect(byId["calls-per-day"].table).toEqual({
      columns: ["Day (UTC)", "Calls", "Call minutes"],
      rows: [["2026-11-01", 2, 3], ["2026-11-02", 0, 0], ["2026-11-03", 1, 1]],
    });
  });

  it("words an empty period without inventing numbers", () => {
    const empty = buildCharts({
      ...analytics, days: [], participants_per_call: [], join_failure_reasons: [], quality: { good: 0, fair: 0, poor: 0, unknown: 0 },
      totals: { ...analytics.totals, calls: 0, call_minutes: 0, turn_share: 0, join_attempts: 0, join_successes: 0, join_success_rate: null,
        rtt_avg_ms: null, rtt_p95_ms: null, loss_avg_pct: null, loss_p95_pct: null },
    });
    const summaries = Object.fromEntries(empty.map((c) => [c.id, c.summary]));
    expect(summaries["turn-share"]).toBe("— of calls needed a TURN relay.");
    expect(summaries["joins-per-day"]).toBe("Join success rate — (0 of 0 attempts).");
    expect(summaries["rtt-loss"]).toBe("No network measurements in this period.");
    const network = empty.find((c) => c.id === "rtt-loss")!;
    expect(network.series.map((s) => s.data)).toEqual([[null, null], [null, null]]);
    expect(network.table.rows).toEqual([["Average", "—", "—"], ["95th percentile", "—", "—"]]);

    expect(summaries["join-failures"]).toBe("No failed joins in this period.");
  });
});

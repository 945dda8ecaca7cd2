// The group history/analytics/export responses as /work/contracts/history.md gives them (issue 12).
// Kept here until the backend's models reach protocol.gen.ts; the names are the same.
export type MediaPath = "direct" | "relay";
export type QualityGrade = "good" | "fair" | "poor";

export interface CallParticipantOut {
  user_id: string;
  display_name: string;
  joined_at: string;
  left_at: string | null;
  left_reason: string | null;
  media_path: MediaPath | null;
  rtt_ms: number | null;
  loss_pct: number | null;
  quality: QualityGrade | null;
  screen_shared: boolean;
}

export interface CallRecordingRef {
  id: string;
  title: string;
  state: string;
  duration_s: number | null;
}

export interface CallRecordOut {
  id: string;
  channel_id: string;
  channel_name: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
  p2p_seconds: number;
  sfu_seconds: number;
  relayed: boolean;
  screen_shared: boolean;
  join_failures: number;
  participants: CallParticipantOut[];
  recordings: CallRecordingRef[];
}

export interface CallHistoryPage {
  calls: CallRecordOut[];
  next: string | null;
}

export type GroupEventKind =
  | "member_joined" | "member_left" | "member_removed" | "member_banned" | "invite_created" | "invite_used"
  | "channel_created" | "channel_deleted" | "role_changed" | "call_started" | "recording_started";

export interface GroupEventOut {
  id: string;
  kind: GroupEventKind;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  subject_id: string | null;
  subject_name: string | null;
  channel_id: string | null;
  channel_name: string | null;
  detail: string;
}

export interface GroupActivityPage {
  events: GroupEventOut[];
  next: string | null;
}

export interface AnalyticsDay {
  day: string;
  calls: number;
  call_minutes: number;
  p2p_minutes: number;
  sfu_minutes: number;
  relayed_calls: number;
  join_attempts: number;
  join_failures: number;
}

export interface AnalyticsTotals {
  calls: number;
  call_minutes: number;
  p2p_minutes: number;
  sfu_minutes: number;
  participants_avg: number;
  turn_share: number;
  join_attempts: number;
  join_successes: number;
  join_success_rate: number | null;
  rtt_avg_ms: number | null;
  rtt_p95_ms: number | null;
  loss_avg_pct: number | null;
  loss_p95_pct: number | null;
}

export interface GroupAnalyticsOut {
  since: string;
  until: string;
  days: AnalyticsDay[];
  totals: AnalyticsTotals;
  participants_per_call: { participants: number; calls: number }[];
  quality: { good: number; fair: number; poor: number; unknown: number };
  join_failure_reasons: { reason: string; count: number }[];
}

-- Group history and analytics: what happened in a group, join attempts with their outcome, and
-- per-participation summaries of call quality (not raw samples).

-- A group's activity feed. Channel and people are kept by id without foreign keys to channels
-- (a deleted channel's events stay, with the name it had); users go to NULL when deleted.
CREATE TABLE group_events (
    id            bigserial PRIMARY KEY,
    group_id      uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('member_joined', 'member_left', 'member_removed', 'member_banned',
                                               'invite_created', 'invite_used', 'channel_created',
                                               'channel_deleted', 'role_changed', 'call_started',
                                               'recording_started')),
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    subject_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    channel_id    uuid,
    channel_name  text,
    detail        text NOT NULL DEFAULT ''
);
CREATE INDEX group_events_group ON group_events (group_id, id DESC);

-- Every attempt to join a call: accepted by the server (ok until the client reports that its
-- media never connected), refused by the server, or failed in the client before or after.
CREATE TABLE call_join_attempts (
    id          bigserial PRIMARY KEY,
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    channel_id  uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    call_id     uuid REFERENCES calls (id) ON DELETE SET NULL,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    ok          boolean NOT NULL,
    reason      text CHECK (reason IN ('ice_failed', 'permission_denied', 'media_denied', 'worker_error',
                                       'timeout', 'other')),
    detail      text NOT NULL DEFAULT '',
    CHECK (ok = (reason IS NULL))
);
CREATE INDEX call_join_attempts_group ON call_join_attempts (group_id, at);
CREATE INDEX call_join_attempts_at ON call_join_attempts (at);
CREATE INDEX call_join_attempts_call ON call_join_attempts (call_id, user_id) WHERE call_id IS NOT NULL;

-- Quality per participation: sums for averages, and the seconds spent in each grade (from the
-- clients' reports in P2P, from mediasoup's scores in the SFU).
ALTER TABLE call_participants
    ADD COLUMN screen_shared   boolean NOT NULL DEFAULT false,
    ADD COLUMN rtt_sum_ms      double precision NOT NULL DEFAULT 0,
    ADD COLUMN rtt_samples     integer NOT NULL DEFAULT 0,
    ADD COLUMN loss_sum_pct    double precision NOT NULL DEFAULT 0,
    ADD COLUMN loss_samples    integer NOT NULL DEFAULT 0,
    ADD COLUMN good_s          double precision NOT NULL DEFAULT 0,
    ADD COLUMN fair_s          double precision NOT NULL DEFAULT 0,
    ADD COLUMN poor_s          double precision NOT NULL DEFAULT 0,
    ADD COLUMN quality_at      timestamptz,
    -- Was the media ever relayed through TURN (media_path is the latest report only).
    ADD COLUMN relayed         boolean NOT NULL DEFAULT false;

-- History pages and analytics: a group's calls by time, a channel's, one person's.
CREATE INDEX calls_group_started ON calls (group_id, started_at DESC, id DESC);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX call_participants_call ON call_participants (call_id, joined_at);
CREATE INDEX recordings_call ON recordings (call_id) WHERE call_id IS NOT NULL;

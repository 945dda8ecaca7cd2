-- Calls in voice channels: the live state (participants with left_at NULL) and the record
-- analytics builds on (start/end, time in each mode, how each participant's media travelled).

CREATE TABLE calls (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id       uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    group_id         uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    started_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz,
    mode             text NOT NULL CHECK (mode IN ('p2p', 'sfu')),
    mode_since       timestamptz NOT NULL DEFAULT now(),
    p2p_seconds      double precision NOT NULL DEFAULT 0,
    sfu_seconds      double precision NOT NULL DEFAULT 0
);
-- At most one live call per voice channel.
CREATE UNIQUE INDEX calls_live_channel ON calls (channel_id) WHERE ended_at IS NULL;

CREATE TABLE call_participants (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_id             uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id          text NOT NULL,
    resume_token_hash   bytea NOT NULL,
    joined_at           timestamptz NOT NULL DEFAULT now(),
    left_at             timestamptz,
    left_reason         text,
    -- Set while the participant's WebSocket is gone; it may resume until the grace period ends.
    disconnected_at     timestamptz,
    audio               boolean NOT NULL DEFAULT true,
    video               boolean NOT NULL DEFAULT false,
    screen              boolean NOT NULL DEFAULT false,
    muted_by_moderator  boolean NOT NULL DEFAULT false,
    media_path          text CHECK (media_path IN ('direct', 'relay')),
    rtt_ms              double precision
);
CREATE INDEX call_participants_live ON call_participants (call_id) WHERE left_at IS NULL;
-- A user is in at most one call at a time.
CREATE UNIQUE INDEX call_participants_one_call ON call_participants (user_id) WHERE left_at IS NULL;
CREATE INDEX call_participants_session ON call_participants (session_id) WHERE left_at IS NULL;

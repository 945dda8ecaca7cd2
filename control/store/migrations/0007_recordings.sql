-- Recordings of calls: one MP4 per recording, in the group's archive (S3 or a local folder).

CREATE TABLE recordings (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    group_id      uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    channel_id    uuid REFERENCES channels (id) ON DELETE SET NULL,
    call_id       uuid REFERENCES calls (id) ON DELETE SET NULL,
    title         text NOT NULL,
    -- recording → finalizing → ready; failed when nothing playable could be kept.
    state         text NOT NULL CHECK (state IN ('recording', 'finalizing', 'ready', 'failed')),
    started_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    stopped_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    stopped_at    timestamptz,
    duration_s    double precision,
    size_bytes    bigint,
    -- Where the MP4 is: group/<group id>/recordings/<id>.mp4 in the bucket or the local folder.
    storage_key   text,
    -- The node capturing it: a recording left 'recording' by a dead node is finalized on restart.
    node          text,
    -- {"resolution": "720p" | "1080p", "fps": n, "video_bitrate": bit/s} as recorded.
    quality       jsonb NOT NULL,
    -- Why it ended early or failed, for the moderator ("node_restarted", "ffmpeg_died", ...).
    note          text NOT NULL DEFAULT ''
);
CREATE INDEX recordings_group ON recordings (group_id, started_at DESC, id);
CREATE INDEX recordings_state ON recordings (state) WHERE state IN ('recording', 'finalizing');
-- A call is recorded once at a time.
CREATE UNIQUE INDEX recordings_live_call ON recordings (call_id) WHERE state = 'recording';

-- Who was in the recorded call, and what they said when asked to be recorded.
CREATE TABLE recording_participants (
    recording_id  uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name  text NOT NULL,
    -- pending until they answer; declined people's media is left out of the file.
    consent       text NOT NULL CHECK (consent IN ('pending', 'accepted', 'declined')),
    decided_at    timestamptz,
    PRIMARY KEY (recording_id, user_id)
);
CREATE INDEX recording_participants_user ON recording_participants (user_id);

-- Per group: how recordings are made and how long they are kept (null: for ever).
ALTER TABLE groups ADD COLUMN recording_quality jsonb NOT NULL
    DEFAULT '{"resolution": "720p", "fps": 30, "video_bitrate": 2500000}';
ALTER TABLE groups ADD COLUMN recording_retention_days integer CHECK (recording_retention_days > 0);

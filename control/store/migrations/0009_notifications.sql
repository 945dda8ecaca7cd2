-- Notifications people see: one row per recipient, kept so the notification center lists them
-- after a reload and on every device. Who may still see a row is decided when it is read (the
-- recipient's groups and channels then), not when it was written.

CREATE TABLE notifications (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('mention', 'call_started', 'group_invite', 'invite_accepted',
                                                    'guest_time_warning', 'recording_started', 'recording_ready',
                                                    'recording_failed')),
    group_id          uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    -- A deleted channel takes its notifications with it.
    channel_id        uuid REFERENCES channels (id) ON DELETE CASCADE,
    voice_channel_id  uuid REFERENCES channels (id) ON DELETE SET NULL,
    -- None: the server itself (a guest's time warning), or an account since deleted.
    from_user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    message_id        uuid REFERENCES messages (id) ON DELETE CASCADE,
    recording_id      uuid REFERENCES recordings (id) ON DELETE CASCADE,
    invite_code       text,
    text              text NOT NULL DEFAULT '',
    -- Written while its group or channel was muted: it arrives read and is never pushed live.
    muted             boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    read_at           timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, group_id) WHERE read_at IS NULL;

-- A muted group (channel_id null) or channel, per person.
CREATE TABLE notification_mutes (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    channel_id  uuid REFERENCES channels (id) ON DELETE CASCADE,
    UNIQUE NULLS NOT DISTINCT (user_id, group_id, channel_id)
);

-- The status a person chose (presence keeps it while they are connected; this keeps it across
-- reconnects): invisible shows them offline to others; dnd silences live alerts.
ALTER TABLE users
    ADD COLUMN presence_status text NOT NULL DEFAULT 'online'
        CHECK (presence_status IN ('online', 'idle', 'dnd', 'invisible')),
    ADD COLUMN presence_text text NOT NULL DEFAULT '';

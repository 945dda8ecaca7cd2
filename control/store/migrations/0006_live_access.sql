-- Live access: bans, mutes that outlive a rejoin, and invitations addressed to one person.

CREATE TABLE group_bans (
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);

-- A moderator's mute holds for the rest of the call, whoever rejoins.
CREATE TABLE call_mutes (
    call_id     uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_by    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_id, user_id)
);

-- An invite for one person (a moderator "adds" someone): only they may accept it.
ALTER TABLE invites ADD COLUMN invitee_id uuid REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX invites_invitee ON invites (invitee_id) WHERE invitee_id IS NOT NULL;

-- The sign-in a participant joined with: revoking it takes them out of the call at once.
ALTER TABLE call_participants ADD COLUMN sign_in_id uuid;

-- Guests' call time is summed over their participations in the group's calls.
CREATE INDEX call_participants_user ON call_participants (user_id);

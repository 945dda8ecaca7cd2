-- Deleting an account (control/account/deletion.py) removes the person but keeps what others
-- still need: their messages stay in the channels with no author ("Deleted user"), their call
-- participations stay in the group's call records without a person, and the bans and mutes they
-- issued stay in force without an issuer (a moderator leaving must not lift their bans).
-- control/account/references.py lists every column that references users and what deletion
-- does to it; a test compares that list with the database's foreign keys.

ALTER TABLE messages ALTER COLUMN author_id DROP NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_author_id_fkey;
ALTER TABLE messages ADD CONSTRAINT messages_author_id_fkey
    FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE call_participants ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE call_participants DROP CONSTRAINT call_participants_user_id_fkey;
ALTER TABLE call_participants ADD CONSTRAINT call_participants_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE group_bans ALTER COLUMN banned_by DROP NOT NULL;
ALTER TABLE group_bans DROP CONSTRAINT group_bans_banned_by_fkey;
ALTER TABLE group_bans ADD CONSTRAINT group_bans_banned_by_fkey
    FOREIGN KEY (banned_by) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE call_mutes ALTER COLUMN muted_by DROP NOT NULL;
ALTER TABLE call_mutes DROP CONSTRAINT call_mutes_muted_by_fkey;
ALTER TABLE call_mutes ADD CONSTRAINT call_mutes_muted_by_fkey
    FOREIGN KEY (muted_by) REFERENCES users (id) ON DELETE SET NULL;

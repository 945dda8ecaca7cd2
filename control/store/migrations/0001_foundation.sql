-- Accounts, auth, groups, channels, members, invites.

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username       text NOT NULL,
    email          text,
    email_verified boolean NOT NULL DEFAULT false,
    display_name   text NOT NULL,
    avatar_url     text,
    password_hash  text,
    -- A guest account exists only for the one group its invite opened.
    guest_group_id uuid,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE oauth_identities (
    provider    text NOT NULL,
    subject     text NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text,
    email       text,
    avatar_url  text,
    linked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);

-- One row per OAuth sign-in in flight: the state parameter and its PKCE verifier.
CREATE TABLE oauth_states (
    state          text PRIMARY KEY,
    provider       text NOT NULL,
    code_verifier  text NOT NULL,
    redirect_to    text,
    expires_at     timestamptz NOT NULL
);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash  bytea NOT NULL UNIQUE,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE groups (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    privacy       text NOT NULL CHECK (privacy IN ('public', 'private')),
    member_limit  integer NOT NULL CHECK (member_limit > 0),
    owner_id      uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
    group_id   uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'moderator', 'member', 'guest')),
    joined_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE channels (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('text', 'voice')),
    name        text NOT NULL,
    topic       text NOT NULL DEFAULT '',
    position    integer NOT NULL,
    overrides   jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_group ON channels (group_id, position);

CREATE TABLE invites (
    code        text PRIMARY KEY,
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('member', 'guest')),
    created_by  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    max_uses    integer CHECK (max_uses > 0),
    uses        integer NOT NULL DEFAULT 0,
    revoked_at  timestamptz
);
CREATE INDEX invites_group ON invites (group_id);

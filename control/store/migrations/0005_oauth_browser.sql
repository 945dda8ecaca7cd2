-- An OAuth sign-in belongs to the browser that started it: the SHA-256 of a nonce that only that
-- browser holds (an HttpOnly cookie), and the web client's own value, handed back beside the
-- tokens so the app can tell its sign-in from one pushed into it. Sign-ins in flight during the
-- upgrade have no browser, so they go (their users just start again).
DELETE FROM oauth_states;
ALTER TABLE oauth_states ADD COLUMN browser_hash text NOT NULL;
ALTER TABLE oauth_states ADD COLUMN client_state text;

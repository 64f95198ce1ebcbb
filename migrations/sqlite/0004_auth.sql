-- The one-time setup token (docs/security.md#one-time-setup-token): while
-- `setup_expires_at` is set, `password_hash` is the hash of the token printed at first
-- start (valid until then, in ms), or '' once it was used and no password is chosen yet.
ALTER TABLE users ADD COLUMN setup_expires_at INTEGER;

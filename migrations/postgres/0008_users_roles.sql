-- Console users with roles (docs/roles.md). Every user before this one was the admin.
-- `credential_version` goes up whenever the user's sessions must end (a password change,
-- a reset); a session remembers the version it signed in under and every request
-- compares it, so a reset or removed user's sessions end at their next request.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'
    CHECK (role IN ('admin', 'editor', 'viewer'));
ALTER TABLE users ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 0;

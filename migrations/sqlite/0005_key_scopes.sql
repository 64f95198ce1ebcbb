-- API-key scopes (docs/api.md#scopes): ingest, manage or admin. Keys made before scopes
-- existed could do everything, so they become admin.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'
    CHECK (scope IN ('ingest', 'manage', 'admin'));

-- Tenants (docs/tenants.md): the platform's customers. Everything that predates them
-- belongs to the tenant 'default', which always exists.
CREATE TABLE tenants (
    id         TEXT COLLATE "C" PRIMARY KEY, -- the platform's own id, [A-Za-z0-9_-]{1,64}
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO tenants (id, name, created_at, updated_at)
    VALUES ('default', 'Default', (extract(epoch FROM now()) * 1000)::bigint, (extract(epoch FROM now()) * 1000)::bigint);

ALTER TABLE webhooks ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
CREATE INDEX webhooks_tenant ON webhooks (tenant, created_at, id);
ALTER TABLE events ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
-- A key bound to one tenant reaches only that tenant's data; NULL: every tenant.
ALTER TABLE api_keys ADD COLUMN tenant TEXT;

-- Portal links (docs/portal.md): the SHA-256 of the token, opened at most once.
CREATE TABLE portal_links (
    token_hash TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title      TEXT,
    accent     TEXT,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX portal_links_expires ON portal_links (expires_at);

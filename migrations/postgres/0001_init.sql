-- Herald's schema on PostgreSQL: the same tables and columns as migrations/sqlite, so
-- every backend reads rows the same way (engine/src/store/rows.rs). Times are unix
-- milliseconds (BIGINT); JSON columns are TEXT, not JSONB, because JSONB reorders object
-- keys and Herald sends events exactly as they were given. Keys and names compare
-- byte-wise (COLLATE "C"), as in SQLite, so lists page the same whatever the locale.

CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE webhooks (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    name                   TEXT NOT NULL,
    url                    TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    active                 BOOLEAN NOT NULL DEFAULT TRUE,
    event_types            TEXT NOT NULL DEFAULT '[]',
    filters                TEXT NOT NULL DEFAULT '{}',
    headers                TEXT NOT NULL DEFAULT '[]', -- protected values sealed
    format                 TEXT NOT NULL DEFAULT 'envelope',
    templates              TEXT NOT NULL DEFAULT '{}',
    settings               TEXT NOT NULL DEFAULT '{}', -- sealed where secret (routing_key)
    include_result         BOOLEAN NOT NULL DEFAULT FALSE,
    batch_max_events       BIGINT NOT NULL DEFAULT 1,
    batch_max_wait_ms      BIGINT NOT NULL DEFAULT 0,
    retry                  TEXT NOT NULL,
    timeout_ms             BIGINT NOT NULL DEFAULT 5000,
    secret_sealed          TEXT NOT NULL,
    prev_secret_sealed     TEXT,
    prev_secret_expires_at BIGINT,
    last_success_at        BIGINT,
    last_failure_at        BIGINT,
    consecutive_failures   BIGINT NOT NULL DEFAULT 0,
    failing_since          BIGINT,
    disabled_reason        TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (created_at, id);

CREATE TABLE events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    type        TEXT COLLATE "C" NOT NULL,
    object      TEXT NOT NULL,
    source      TEXT,
    project     TEXT,
    severity    TEXT,
    subject     TEXT,
    data        TEXT NOT NULL,
    metadata    TEXT,
    created     BIGINT NOT NULL, -- unix ms, as given or server time
    ingested_at BIGINT NOT NULL
);
CREATE INDEX events_created ON events (created);

CREATE TABLE idempotency_keys (
    key        TEXT COLLATE "C" PRIMARY KEY,
    response   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY,
    webhook_id      TEXT COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT COLLATE "C" NOT NULL, -- first event's type
    event_count     BIGINT NOT NULL DEFAULT 1,
    status          TEXT NOT NULL, -- pending|delivering|retrying|succeeded|failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    retry_base      BIGINT NOT NULL DEFAULT 0, -- attempts made before the last manual re-queue
    -- when the queue should next look at it: next attempt for pending/retrying,
    -- lease expiry for delivering, NULL once final
    due_at          BIGINT,
    lease_token     TEXT COLLATE "C",
    batch_open      BOOLEAN NOT NULL DEFAULT FALSE, -- still accepting events (batching)
    next_attempt_at BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created_at);
-- At most one open batch per webhook, whichever instance ingests (docs/delivery.md#batching).
CREATE UNIQUE INDEX deliveries_open_batch ON deliveries (webhook_id) WHERE batch_open;
CREATE INDEX deliveries_leased ON deliveries (lease_token) WHERE lease_token IS NOT NULL;

CREATE TABLE delivery_events (
    delivery_id TEXT COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    event_id    TEXT COLLATE "C" NOT NULL REFERENCES events (id),
    PRIMARY KEY (delivery_id, position)
);
CREATE INDEX delivery_events_event ON delivery_events (event_id);

CREATE TABLE attempts (
    id               TEXT COLLATE "C" PRIMARY KEY,
    delivery_id      TEXT COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number           BIGINT NOT NULL,
    started_at       BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    url              TEXT NOT NULL,
    request_headers  TEXT NOT NULL, -- JSON [[k, v]], protected values masked
    request_body     TEXT NOT NULL,
    response_status  BIGINT,
    response_headers TEXT,
    response_body    TEXT,
    error_kind       TEXT,
    error_message    TEXT,
    next_retry_at    BIGINT,
    trigger          TEXT NOT NULL DEFAULT 'queue', -- queue|resend|test
    lease_token      TEXT COLLATE "C" -- the lease it was made under (names the instance)
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
CREATE INDEX attempts_started ON attempts (started_at);

CREATE TABLE event_types (
    name        TEXT COLLATE "C" PRIMARY KEY,
    description TEXT NOT NULL,
    object      TEXT NOT NULL,
    example     TEXT NOT NULL,
    schema      TEXT,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL UNIQUE, -- hex sha256 of the key
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE users (
    username      TEXT COLLATE "C" PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Console sessions: tower-sessions-sqlx-store's PostgresStore table, created here so the
-- migrator (which holds an advisory lock) is the one place the schema comes from.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);

-- Herald's schema. Times are unix milliseconds (INTEGER); JSON columns are TEXT.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE webhooks (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    url                    TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    active                 INTEGER NOT NULL DEFAULT 1,
    event_types            TEXT NOT NULL DEFAULT '[]',
    filters                TEXT NOT NULL DEFAULT '{}',
    headers                TEXT NOT NULL DEFAULT '[]', -- protected values sealed
    format                 TEXT NOT NULL DEFAULT 'envelope',
    templates              TEXT NOT NULL DEFAULT '{}',
    settings               TEXT NOT NULL DEFAULT '{}', -- sealed where secret (routing_key)
    include_result         INTEGER NOT NULL DEFAULT 0,
    batch_max_events       INTEGER NOT NULL DEFAULT 1,
    batch_max_wait_ms      INTEGER NOT NULL DEFAULT 0,
    retry                  TEXT NOT NULL,
    timeout_ms             INTEGER NOT NULL DEFAULT 5000,
    secret_sealed          TEXT NOT NULL,
    prev_secret_sealed     TEXT,
    prev_secret_expires_at INTEGER,
    last_success_at        INTEGER,
    last_failure_at        INTEGER,
    consecutive_failures   INTEGER NOT NULL DEFAULT 0,
    failing_since          INTEGER,
    disabled_reason        TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    object      TEXT NOT NULL,
    source      TEXT,
    project     TEXT,
    severity    TEXT,
    subject     TEXT,
    data        TEXT NOT NULL,
    metadata    TEXT,
    created     INTEGER NOT NULL, -- unix ms, as given or server time
    ingested_at INTEGER NOT NULL
);
CREATE INDEX events_created ON events (created);

CREATE TABLE idempotency_keys (
    key        TEXT PRIMARY KEY,
    response   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL, -- first event's type
    event_count     INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL, -- pending|delivering|retrying|succeeded|failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    retry_base      INTEGER NOT NULL DEFAULT 0, -- attempts made before the last manual re-queue
    -- when the queue should next look at it: next attempt for pending/retrying,
    -- lease expiry for delivering, NULL once final
    due_at          INTEGER,
    lease_token     TEXT,
    batch_open      INTEGER NOT NULL DEFAULT 0, -- still accepting events (batching)
    next_attempt_at INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created_at);
CREATE INDEX deliveries_open_batch ON deliveries (webhook_id) WHERE batch_open = 1;

CREATE TABLE delivery_events (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    event_id    TEXT NOT NULL REFERENCES events (id),
    PRIMARY KEY (delivery_id, position)
);
CREATE INDEX delivery_events_event ON delivery_events (event_id);

CREATE TABLE attempts (
    id               TEXT PRIMARY KEY,
    delivery_id      TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    url              TEXT NOT NULL,
    request_headers  TEXT NOT NULL, -- JSON [[k, v]], protected values masked
    request_body     TEXT NOT NULL,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    TEXT,
    error_kind       TEXT,
    error_message    TEXT,
    next_retry_at    INTEGER,
    trigger          TEXT NOT NULL DEFAULT 'queue' -- queue|resend
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
CREATE INDEX attempts_started ON attempts (started_at);

CREATE TABLE event_types (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    object      TEXT NOT NULL,
    example     TEXT NOT NULL,
    schema      TEXT,
    builtin     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE, -- hex sha256 of the key
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Console sessions (tower-sessions-sqlx-store's table, created here so migrations stay
-- the one source of truth for the schema).
CREATE TABLE IF NOT EXISTS tower_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);

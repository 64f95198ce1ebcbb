//! The PostgreSQL store, for running several Herald instances on one database
//! (docs/scaling.md): every PostgreSQL statement lives under this folder. One pool; the
//! hot paths (ingest, claims, recording outcomes) are a few multi-row statements over
//! arrays (`UNNEST`), claims take rows with `FOR UPDATE SKIP LOCKED` so instances never
//! wait on each other's leases, and each commit that leaves work in the table sends
//! `NOTIFY herald_work` so every instance's worker wakes (`listen.rs`); leases name the
//! instance holding them (`instances.rs`). Rows are converted to engine records in
//! `store/rows.rs`, as for SQLite.
mod accounts;
pub(crate) mod dump;
mod ingest;
mod instances;
mod listen;
mod logs;
mod purge;
mod queue;
mod record;
mod tenants;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::error::Result;
use crate::store::{SessionPool, Store};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The channel commits that leave work in the table notify.
pub(crate) const WORK_CHANNEL: &str = "herald_work";

/// Connections per instance: the ingest writer, the outcome recorder, claims, the API's
/// reads and housekeeping each need one at a time; more only queue inside PostgreSQL.
const MAX_CONNECTIONS: u32 = 16;

#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Webhook conditions compiled once per version, for fan-out.
    conditions: std::sync::Arc<crate::conditions::ConditionCache>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://` or `postgresql://`) and runs the
    /// migrations. sqlx's migrator holds a PostgreSQL advisory lock while it runs, so
    /// instances starting together do not race.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("herald")
            // Not the server's notices ("… already exists, skipping") in Herald's log.
            .options([("client_min_messages", "warning")]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30))
            // A broken connection shows up on its next statement; a ping before every
            // statement would double the round trips of the hot paths.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PgStore {
            pool,
            conditions: Default::default(),
        })
    }

    /// The pool (for the store copy and tests of this backend).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    fn session_pool(&self) -> SessionPool {
        SessionPool::Postgres(self.pool.clone())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// True when `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

#[cfg(test)]
mod tests {
    use super::is_postgres_url;

    #[test]
    fn postgres_urls() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://h:5432/db?sslmode=disable"));
        assert!(!is_postgres_url("sqlite://herald.db"));
        assert!(!is_postgres_url("postgres:/x"));
    }
}

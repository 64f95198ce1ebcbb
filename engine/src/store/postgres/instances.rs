//! PostgreSQL: instances sharing the database (docs/scaling.md#instances). Each
//! `herald serve` process registers and keeps a heartbeat (by the database's clock); a
//! lease token names its instance (`<instance>.<token>`), so leases held by an instance
//! that stopped beating are made due again — by the next instance to start, and by every
//! live one periodically — while leases of live instances are never touched. Test-send
//! limits are counted here too, so they hold across instances.
use async_trait::async_trait;
use sqlx::Row;

use super::{PgStore, WORK_CHANNEL};
use crate::error::Result;
use crate::rules::ratelimit::{decide, WINDOW_MS};
use crate::store::ClusterStore;

/// The database's clock, unix ms.
pub(super) const DB_NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// The advisory-lock namespace test-send counting locks a caller's hash in.
const TEST_SEND_LOCKS: i32 = 0x4845_5453; // "HETS"

/// Makes due again the deliveries leased by instances not alive; `$3` says whether the
/// calling instance (`$2`) counts as alive. `$1` is now (engine clock), `$4` the dead
/// threshold, `$5` the work channel.
fn release_sql() -> String {
    format!(
        "WITH live AS (SELECT id FROM instances WHERE last_seen > {DB_NOW_MS} - $4 AND ($3 OR id <> $2)), \
         r AS (UPDATE deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
               due_at = $1, lease_token = NULL, updated_at = $1 \
               WHERE lease_token IS NOT NULL AND status = 'delivering' \
               AND split_part(lease_token, '.', 1) NOT IN (SELECT id FROM live) RETURNING 1) \
         SELECT COUNT(*) AS n, (SELECT pg_notify($5, '') WHERE EXISTS (SELECT 1 FROM r)) IS NULL AS quiet FROM r"
    )
}

impl PgStore {
    /// Releases leases of dead instances (and, unless `self_alive`, of `instance`).
    pub(super) async fn release_unowned(
        &self,
        instance: &str,
        self_alive: bool,
        dead_after_ms: i64,
        now: i64,
    ) -> Result<u64> {
        let row = sqlx::query(&release_sql())
            .bind(now)
            .bind(instance)
            .bind(self_alive)
            .bind(dead_after_ms)
            .bind(WORK_CHANNEL)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("n") as u64)
    }
}

#[async_trait]
impl ClusterStore for PgStore {
    fn shared(&self) -> bool {
        true
    }

    async fn heartbeat(&self, instance: &str, role: &str, first: bool) -> Result<()> {
        let sql = format!(
            "INSERT INTO instances (id, role, started_at, last_seen) VALUES ($1, $2, {DB_NOW_MS}, {DB_NOW_MS}) \
             ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, role = excluded.role, \
             started_at = CASE WHEN $3 THEN excluded.started_at ELSE instances.started_at END"
        );
        sqlx::query(&sql)
            .bind(instance)
            .bind(role)
            .bind(first)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn deregister(&self, instance: &str) -> Result<()> {
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(instance)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn release_dead_leases(
        &self,
        instance: &str,
        dead_after_ms: i64,
        now: i64,
    ) -> Result<u64> {
        // Instances gone for a day are forgotten (their leases went long ago).
        let forget = format!("DELETE FROM instances WHERE last_seen < {DB_NOW_MS} - 86400000");
        sqlx::query(&forget).execute(&self.pool).await?;
        self.release_unowned(instance, true, dead_after_ms, now)
            .await
    }

    async fn work_signals(&self) -> Result<Option<tokio::sync::mpsc::Receiver<()>>> {
        Ok(Some(super::listen::work_signals(&self.pool).await?))
    }

    async fn count_test_send(
        &self,
        who: &str,
        now: i64,
        limit: u32,
    ) -> Result<Option<std::result::Result<(), u64>>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(TEST_SEND_LOCKS)
            .bind(who)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            // Uses older than the window are gone for every caller (a small table).
            "WITH gone AS (DELETE FROM test_sends WHERE at <= $2 - $3) \
             SELECT COUNT(*) AS n, MIN(at) AS oldest FROM test_sends WHERE who = $1 AND at > $2 - $3",
        )
        .bind(who)
        .bind(now)
        .bind(WINDOW_MS)
        .fetch_one(&mut *tx)
        .await?;
        let count = row.get::<i64, _>("n") as usize;
        let decision = decide(row.get("oldest"), count, now, limit);
        if decision.is_ok() {
            sqlx::query("INSERT INTO test_sends (who, at) VALUES ($1, $2)")
                .bind(who)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(decision))
    }
}

//! What the process around the engine does with it: readiness for `/healthz`, recovery
//! of interrupted deliveries at start, periodic housekeeping, the gauges `/metrics`
//! shows, the session pool, and closing at shutdown. The composition root (`src/`) calls
//! these instead of reaching the store.
use crate::engine::Engine;
use crate::error::Result;
use crate::rules::retention::{Retention, PURGE_BATCH};
use crate::store::{Purged, QueueStats, SessionPool};
use domain::{ActivityBucket, DeliveryStatus};

/// What one housekeeping pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekeeping {
    pub idempotency_keys: u64,
    pub sessions: u64,
}

impl Engine {
    /// Answers when the store answers.
    pub async fn ready(&self) -> Result<()> {
        self.store().ping().await
    }

    /// At start: makes due again the deliveries left in flight by instances that are gone
    /// (and by this instance's previous run), never those another live instance holds.
    pub async fn release_interrupted(&self) -> Result<u64> {
        let dead_after = self.config().dead_after_ms;
        self.store()
            .release_stale_leases(self.instance_id(), dead_after, self.now_ms())
            .await
    }

    /// Forgets idempotency keys past their window and expired console sessions.
    pub async fn housekeeping(&self) -> Result<Housekeeping> {
        let now = self.now_ms();
        let idempotency_keys = self
            .store()
            .prune_idempotency_keys(now - self.config().idempotency_window_ms)
            .await?;
        let sessions = self.store().prune_sessions(now).await?;
        Ok(Housekeeping {
            idempotency_keys,
            sessions,
        })
    }

    /// How long finished work is kept.
    pub fn retention(&self) -> Retention {
        self.config().retention
    }

    /// One purge batch (docs/retention.md) at the engine clock's now; `None` when the
    /// retention is off. Counts `herald_purged_rows_total{table}`.
    pub async fn purge_batch(&self) -> Result<Option<Purged>> {
        let Some(cutoff) = self.retention().cutoff(self.now_ms()) else {
            return Ok(None);
        };
        let purged = self.store().purge_batch(cutoff, PURGE_BATCH).await?;
        for (table, n) in [
            ("events", purged.events),
            ("deliveries", purged.deliveries),
            ("attempts", purged.attempts),
        ] {
            metrics::counter!("herald_purged_rows_total", "table" => table).increment(n);
        }
        Ok(Some(purged))
    }

    /// Purges batch after batch, yielding between them so ingest and the worker get the
    /// writer, until a batch finds less than a full batch of either kind left.
    pub async fn purge_expired(&self) -> Result<Purged> {
        let mut total = Purged::default();
        while let Some(p) = self.purge_batch().await? {
            total.events += p.events;
            total.deliveries += p.deliveries;
            total.attempts += p.attempts;
            if p.deliveries < u64::from(PURGE_BATCH) && p.events < u64::from(PURGE_BATCH) {
                break;
            }
            tokio::task::yield_now().await;
        }
        Ok(total)
    }

    /// Deliveries waiting, and the due time of the oldest.
    pub async fn queue_stats(&self) -> Result<QueueStats> {
        self.store().queue_stats().await
    }

    /// How many deliveries are in each status (statuses with none are left out).
    pub async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, i64)>> {
        self.store().delivery_counts().await
    }

    /// The last 24 hours of a webhook's attempts, by hour, oldest first.
    pub async fn webhook_activity(
        &self,
        scope: &crate::rules::tenancy::TenantScope,
        webhook_id: &str,
    ) -> Result<Vec<ActivityBucket>> {
        self.stored_webhook(scope, webhook_id).await?;
        let now = self.now_ms();
        let series = self
            .store()
            .attempt_series(webhook_id, crate::rules::activity::window_start(now))
            .await?;
        Ok(crate::rules::activity::buckets(&series, now))
    }

    /// True when several instances may share the store (PostgreSQL).
    pub fn shared_store(&self) -> bool {
        self.store().shared()
    }

    /// The pool console sessions are stored in.
    pub fn session_pool(&self) -> SessionPool {
        self.store().session_pool()
    }

    /// Closes the store (after the worker stopped).
    pub async fn close(&self) {
        self.store().close().await
    }
}

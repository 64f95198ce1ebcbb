//! Retention on PostgreSQL (docs/retention.md): one purge batch per transaction, oldest
//! first; rows another instance's purger holds are skipped (`SKIP LOCKED`), so several
//! instances may purge at once. Autovacuum makes the dead rows' space reusable.
use sqlx::Row;

use super::PgStore;
use crate::error::Result;
use crate::store::Purged;

pub(super) async fn purge_batch(store: &PgStore, cutoff: i64, limit: u32) -> Result<Purged> {
    let mut tx = store.pool.begin().await?;
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM deliveries WHERE status IN ('succeeded', 'failed') AND NOT batch_open \
         AND updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(cutoff)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect();
    let mut purged = Purged::default();
    if !ids.is_empty() {
        purged.attempts = sqlx::query("DELETE FROM attempts WHERE delivery_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM delivery_events WHERE delivery_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        purged.deliveries = sqlx::query("DELETE FROM deliveries WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    purged.events = sqlx::query(
        "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.ingested_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM delivery_events de WHERE de.event_id = e.id) \
         ORDER BY e.ingested_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind(cutoff)
    .bind(i64::from(limit))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(purged)
}

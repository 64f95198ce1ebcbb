//! Retention on SQLite (docs/retention.md): one purge batch per transaction on the write
//! connection, oldest first. Deleted rows' pages go to the file's freelist and later
//! inserts reuse them, so under steady load the file stops growing (no VACUUM needed).
use sqlx::Row;

use super::SqliteStore;
use crate::error::Result;
use crate::store::Purged;

pub(super) async fn purge_batch(store: &SqliteStore, cutoff: i64, limit: u32) -> Result<Purged> {
    let mut tx = store.write.begin().await?;
    let ids: Vec<String> = sqlx::query(
        "SELECT id FROM deliveries WHERE status IN ('succeeded', 'failed') AND batch_open = 0 \
         AND updated_at < ? ORDER BY updated_at LIMIT ?",
    )
    .bind(cutoff)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect();
    let mut purged = Purged::default();
    if !ids.is_empty() {
        let ids = serde_json::to_string(&ids)?;
        purged.attempts = sqlx::query(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "DELETE FROM delivery_events WHERE delivery_id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        purged.deliveries =
            sqlx::query("DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))")
                .bind(&ids)
                .execute(&mut *tx)
                .await?
                .rows_affected();
    }
    purged.events = sqlx::query(
        "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.ingested_at < ? \
         AND NOT EXISTS (SELECT 1 FROM delivery_events de WHERE de.event_id = e.id) \
         ORDER BY e.ingested_at LIMIT ?)",
    )
    .bind(cutoff)
    .bind(limit)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(purged)
}

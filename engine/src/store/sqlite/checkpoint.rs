//! WAL checkpoints off the write path. SQLite's automatic checkpoint runs inside the
//! commit that crosses its threshold: that commit (and every writer queued behind the one
//! write connection) waits while thousands of pages are copied back and the file is
//! synced — tens to hundreds of milliseconds, which is what a delivery's p99 latency
//! would be made of. Instead the write connection never checkpoints, and this task does,
//! often and PASSIVE (it never blocks the writer or readers), on its own connection.
use std::time::Duration;

use sqlx::SqlitePool;

/// How often the WAL is copied back into the database.
pub(super) const EVERY: Duration = Duration::from_millis(500);

/// Starts the checkpointer; it ends when `pool` is closed.
pub(super) fn spawn(pool: SqlitePool) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = checkpoint(&pool).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; trying again shortly");
            }
        }
    });
}

/// One PASSIVE checkpoint: copies back what no reader still needs.
pub(super) async fn checkpoint(pool: &SqlitePool) -> sqlx::Result<()> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await
        .map(|_| ())
}

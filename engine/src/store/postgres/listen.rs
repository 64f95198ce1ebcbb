//! PostgreSQL `LISTEN herald_work`: commits that leave deliveries in the table (ingest,
//! re-queues, released leases) send `NOTIFY herald_work`, so an event ingested on one
//! instance is picked up at once by a worker on any instance, even when the ingesting one
//! is busy or gone after its 202 (docs/scaling.md#instances). Polling stays the fallback:
//! a notification missed while the listening connection was down only delays work until
//! the worker's next look, and a reconnect counts as a signal.
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::WORK_CHANNEL;
use crate::error::Result;

/// Starts listening on its own connection; the receiver gets one (coalesced) signal per
/// burst of notifications. The listener stops when the receiver is dropped or the pool
/// closes.
pub(super) async fn work_signals(pool: &PgPool) -> Result<mpsc::Receiver<()>> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(WORK_CHANNEL).await?;
    let (tx, rx) = mpsc::channel(1);
    let pool = pool.clone();
    tokio::spawn(async move {
        loop {
            let got = tokio::select! {
                got = listener.try_recv() => got,
                _ = tx.closed() => break,
            };
            match got {
                // A notification, or the connection came back (some may have been lost).
                Ok(_) => {
                    let _ = tx.try_send(());
                }
                Err(_) if pool.is_closed() => break,
                Err(e) => {
                    tracing::warn!(error = %e, "listening for work failed; polling meanwhile");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(rx)
}

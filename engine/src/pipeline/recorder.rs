//! The worker's recorder: one task that commits attempt outcomes as they come, several
//! to a transaction (group commit), retrying a failed commit a few times. An outcome that
//! is never recorded loses nothing: its lease expires and the delivery is attempted again
//! (docs/delivery.md#leases).
use std::time::Duration;

use tokio::sync::mpsc;

use crate::engine::Engine;
use crate::records::DeliveryUpdate;

/// How long the recorder waits for more outcomes before committing a small batch.
const RECORD_WINDOW: Duration = Duration::from_millis(2);

/// Records outcomes as they come, committing whatever has queued up in one transaction.
pub(crate) async fn run(engine: Engine, mut rx: mpsc::Receiver<DeliveryUpdate>) {
    let mut batch = Vec::with_capacity(512);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        // Outcomes arriving within RECORD_WINDOW share the transaction: at moderate rates
        // that is several per commit instead of one (a delivery's arrival is not delayed,
        // only its record; the lease covers it meanwhile).
        let window = tokio::time::Instant::now() + RECORD_WINDOW;
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(u) => batch.push(u),
                Err(_) => match tokio::time::timeout_at(window, rx.recv()).await {
                    Ok(Some(u)) => batch.push(u),
                    _ => break,
                },
            }
        }
        let mut tries = 0;
        loop {
            match engine.store().record(&batch).await {
                Ok(disabled) => {
                    for id in disabled {
                        tracing::warn!(webhook = %id, "webhook disabled automatically");
                    }
                    break;
                }
                Err(e) if tries < 5 => {
                    tries += 1;
                    tracing::error!(error = %e, "recording outcomes failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                }
                Err(e) => {
                    // Leases expire and the deliveries are attempted again: nothing is lost.
                    tracing::error!(error = %e, "recording outcomes failed; deliveries will be retried");
                    break;
                }
            }
        }
        batch.clear();
    }
}

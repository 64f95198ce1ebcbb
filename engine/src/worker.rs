//! The delivery worker. Its unit of work, [`Worker::run_once`], claims due deliveries,
//! makes their attempts concurrently and records every outcome in one group commit —
//! tests call it directly to drain the queue deterministically. [`Worker::run`] is the
//! long-running loop: it keeps up to `max_in_flight` requests going, so slow receivers
//! do not hold up others, and records outcomes in batches from one writer task.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::deliver::{self, Trigger};
use crate::engine::Engine;
use crate::error::Result;
use crate::ids;
use crate::store::{Claimed, DeliveryUpdate, StoredWebhook};

/// What one unit of work did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Nothing was due.
    EmptyQueue,
    /// This many deliveries were attempted (or settled without a request).
    Processed(usize),
}

pub struct Worker {
    engine: Engine,
    token: String,
}

impl Worker {
    pub fn new(engine: Engine) -> Self {
        let token = ids::new_id("wrk", engine.now_ms());
        Worker { engine, token }
    }

    /// Claims up to one batch of due deliveries, attempts them all, records the outcomes.
    pub async fn run_once(&self) -> Result<ExecutionOutcome> {
        let limit = self.engine.config().claim_batch;
        let claimed = self.claim(limit).await?;
        if claimed.is_empty() {
            return Ok(ExecutionOutcome::EmptyQueue);
        }
        let n = claimed.len();
        let hooks = self.webhooks_for(&claimed).await?;
        let mut running: FuturesUnordered<_> = claimed
            .into_iter()
            .map(|c| execute(&self.engine, &hooks, c))
            .collect();
        let mut updates = Vec::with_capacity(n);
        while let Some(u) = running.next().await {
            updates.extend(u);
        }
        self.record(&updates).await?;
        Ok(ExecutionOutcome::Processed(n))
    }

    /// Runs [`run_once`](Self::run_once) until nothing is due (now, by the engine's clock).
    pub async fn drain(&self) -> Result<usize> {
        let mut total = 0;
        while let ExecutionOutcome::Processed(n) = self.run_once().await? {
            total += n;
        }
        Ok(total)
    }

    async fn claim(&self, limit: u32) -> Result<Vec<Claimed>> {
        let now = self.engine.now_ms();
        self.engine
            .store()
            .claim_due(now, limit, self.engine.config().lease_ms, &self.token)
            .await
    }

    async fn webhooks_for(
        &self,
        claimed: &[Claimed],
    ) -> Result<HashMap<String, Arc<StoredWebhook>>> {
        let mut ids: Vec<String> = claimed.iter().map(|c| c.webhook_id.clone()).collect();
        ids.sort();
        ids.dedup();
        Ok(self
            .engine
            .store()
            .get_webhooks(&ids)
            .await?
            .into_iter()
            .map(|w| (w.id.clone(), Arc::new(w)))
            .collect())
    }

    async fn record(&self, updates: &[DeliveryUpdate]) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        for id in self.engine.store().record(updates).await? {
            tracing::warn!(webhook = %id, "webhook disabled automatically");
        }
        Ok(())
    }

    /// The long-running loop; returns after `shutdown` flips to true and in-flight
    /// attempts finish (or, after `grace`, their leases are released for the next start).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        let engine = self.engine.clone();
        let permits = Arc::new(Semaphore::new(engine.config().max_in_flight));
        let (tx, rx) = mpsc::channel::<DeliveryUpdate>(engine.config().max_in_flight * 2);
        let recorder = tokio::spawn(record_loop(engine.clone(), rx));
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            let room = permits
                .available_permits()
                .min(engine.config().claim_batch as usize);
            let claimed = if room == 0 {
                Ok(vec![])
            } else {
                self.claim(room as u32).await
            };
            let claimed = match claimed {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming deliveries failed");
                    vec![]
                }
            };
            let got = claimed.len();
            if got > 0 {
                match self.webhooks_for(&claimed).await {
                    Ok(hooks) => {
                        let hooks = Arc::new(hooks);
                        for c in claimed {
                            let permit = permits
                                .clone()
                                .acquire_owned()
                                .await
                                .expect("semaphore open");
                            let (engine, hooks, tx) = (engine.clone(), hooks.clone(), tx.clone());
                            tasks.spawn(async move {
                                if let Some(u) = execute(&engine, &hooks, c).await {
                                    let _ = tx.send(u).await;
                                }
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "loading webhooks failed"),
                }
            }
            if got as u32 == engine.config().claim_batch && permits.available_permits() > 0 {
                continue; // more may be due right now
            }
            let wait = if room == 0 {
                Duration::from_millis(5)
            } else if got > 0 && got < room {
                // Everything due was just claimed: look again when woken, or soon (a
                // retry falling due meanwhile waits at most this long).
                BUSY_RECHECK
            } else {
                self.idle_wait().await
            };
            tokio::select! {
                _ = engine.woken() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
        drop(tx);
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tasks.abort_all();
            tracing::warn!(
                "in-flight attempts did not finish in time; their deliveries will be retried"
            );
        }
        let _ = recorder.await;
        match engine
            .store()
            .release_lease(&self.token, engine.now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "released unfinished deliveries"),
            Err(e) => tracing::error!(error = %e, "releasing leases failed"),
        }
    }

    /// How long to sleep when idle: until the next delivery is due, at most a second.
    async fn idle_wait(&self) -> Duration {
        let now = self.engine.now_ms();
        match self.engine.store().next_due().await {
            Ok(Some(t)) if t > now => Duration::from_millis((t - now).clamp(1, 1000) as u64),
            Ok(Some(_)) => Duration::from_millis(1),
            _ => Duration::from_secs(1),
        }
    }
}

/// After a claim that took what was due, the next look without a wake-up.
const BUSY_RECHECK: Duration = Duration::from_millis(50);

/// How long the recorder waits for more outcomes before committing a small batch.
const RECORD_WINDOW: Duration = Duration::from_millis(2);

/// Records outcomes as they come, committing whatever has queued up in one transaction.
async fn record_loop(engine: Engine, mut rx: mpsc::Receiver<DeliveryUpdate>) {
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

/// Attempts one claimed delivery; `None` when its webhook no longer exists.
async fn execute(
    engine: &Engine,
    hooks: &HashMap<String, Arc<StoredWebhook>>,
    c: Claimed,
) -> Option<DeliveryUpdate> {
    let w = hooks.get(&c.webhook_id)?;
    let now = engine.now_ms();
    let settle = |error: &str| DeliveryUpdate {
        attempt: None,
        delivery_id: c.id.clone(),
        webhook_id: c.webhook_id.clone(),
        lease_token: Some(c.lease_token.clone()),
        status: "failed",
        due_at: None,
        last_status: None,
        last_error: Some(error.to_string()),
        now,
        success: None,
        final_failure: false,
        disable_reason: None,
        disable_after_ms: engine.config().disable_after_ms,
    };
    if !w.active {
        return Some(settle("not sent: the webhook is inactive"));
    }
    if c.events.is_empty() {
        return Some(settle("not sent: its events are gone"));
    }
    match deliver::attempt(
        engine,
        w,
        &c.id,
        &c.events,
        c.attempt,
        c.retry_base,
        Some(c.lease_token.clone()),
        Trigger::Queue,
        false,
    )
    .await
    {
        Ok(done) => Some(done.update),
        Err(e) => {
            tracing::error!(delivery = %c.id, error = %e, "could not prepare the attempt");
            Some(settle(&format!("not sent: {e}")))
        }
    }
}

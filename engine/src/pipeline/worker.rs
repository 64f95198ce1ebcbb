//! The delivery worker. Its unit of work, [`Worker::run_once`], claims due deliveries,
//! makes their attempts concurrently and records every outcome in one group commit —
//! tests call it directly to drain the queue deterministically. [`Worker::run`] is the
//! long-running loop: it keeps up to `max_in_flight` requests going, so slow receivers
//! do not hold up others, and records outcomes in batches from one writer task.
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::engine::Engine;
use crate::error::Result;
use crate::pipeline::attempt::{self, AttemptPlan};
use crate::pipeline::handoff::Handed;
use crate::pipeline::recorder;
use crate::records::{Claimed, DeliveryUpdate, StoredWebhook};
use crate::rules::outcome::{HealthEffect, OnFailure, Transition};
use domain::Trigger;

/// What one unit of work did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Nothing was due.
    EmptyQueue,
    /// This many deliveries were attempted (or settled without a request).
    Processed(usize),
}

/// What a run of the long-running loop did: deliveries started from ingest's hand-offs,
/// claimed from the table, and hand-offs left to the table as stale.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub handed: u64,
    pub claimed: u64,
    pub stale: u64,
}

pub struct Worker {
    engine: Engine,
    token: String,
}

impl Worker {
    pub fn new(engine: Engine) -> Self {
        let token = engine.lease_token("wrk");
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
            .filter_map(|c| Some((hooks.get(&c.webhook_id)?.clone(), c)))
            .map(|(w, c)| async move { execute(&self.engine, &w, c).await })
            .collect();
        let mut updates = Vec::with_capacity(n);
        while let Some(u) = running.next().await {
            updates.push(u);
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
    /// Deliveries ingest hands over (already leased to this worker) start first; the table
    /// is claimed from when woken, when a claim came back full, and when the next delivery
    /// there falls due.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) -> RunStats {
        let mut stats = RunStats::default();
        let engine = self.engine.clone();
        let max_in_flight = engine.config().max_in_flight;
        let permits = Arc::new(Semaphore::new(max_in_flight));
        let (tx, rx) = mpsc::channel::<DeliveryUpdate>(max_in_flight * 2);
        let recorder = tokio::spawn(recorder::run(engine.clone(), rx));
        let mut lane = engine.open_lane(&self.token, LANE_CAPACITY);
        let mut handed: VecDeque<Handed> = VecDeque::new();
        let mut tasks = tokio::task::JoinSet::new();
        let mut lane_open = true;
        let mut table_next = false;
        let mut look = true;
        let mut next_look = tokio::time::Instant::now();
        let claim_batch = engine.config().claim_batch as usize;
        let min_claim = MIN_CLAIM.min(claim_batch).min(max_in_flight).max(1);
        // Each webhook's own limit on requests in flight; a delivery waits for its slot
        // holding its global permit (so the total stays bounded), and is left to the
        // table if its lease ran low meanwhile.
        let per_webhook = engine.config().max_in_flight_per_webhook.max(1);
        let mut slots: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut start = |tasks: &mut tokio::task::JoinSet<()>,
                         permit: tokio::sync::OwnedSemaphorePermit,
                         c: Claimed,
                         w: Arc<StoredWebhook>,
                         lease_until: i64| {
            let slot = slots
                .entry(w.id.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(per_webhook)))
                .clone();
            let (engine, tx) = (engine.clone(), tx.clone());
            tasks.spawn(async move {
                let Ok(_slot) = slot.acquire_owned().await else {
                    return;
                };
                if !fresh(lease_until, engine.now_ms(), engine.config().lease_ms) {
                    tracing::warn!(delivery = %c.id, "waited past half its lease for its webhook; the queue will retry it");
                    return;
                }
                if !engine.may_attempt() {
                    // Others may take this instance for dead and its deliveries over.
                    tracing::warn!(delivery = %c.id, "this instance's heartbeat is overdue; not starting the attempt");
                    return;
                }
                let _ = tx.send(execute(&engine, &w, c).await).await;
                drop(permit);
            });
        };
        loop {
            if *shutdown.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            while let Some(items) = lane.try_recv() {
                handed.extend(items);
            }
            if tokio::time::Instant::now() >= next_look {
                look = true;
            }
            // When both the lane and the table have work they take turns, so neither
            // starves the other under overload.
            let table_turn = look && (handed.is_empty() || table_next);
            if table_turn {
                let room = permits.available_permits().min(claim_batch);
                if room >= min_claim {
                    let got = self
                        .claim_and_start(room, &permits, &mut |p, c, w, until| {
                            start(&mut tasks, p, c, w, until)
                        })
                        .await;
                    table_next = false;
                    stats.claimed += got as u64;
                    // A full claim: more may be due right now.
                    look = got == room;
                    if !look {
                        let wait = if got > 0 {
                            // Everything due was just claimed: look again when woken, or
                            // soon (a retry falling due meanwhile waits at most this long).
                            BUSY_RECHECK
                        } else {
                            self.idle_wait().await
                        };
                        next_look = tokio::time::Instant::now() + wait;
                    }
                    continue;
                }
            } else if !handed.is_empty() {
                let (started, stale) =
                    self.start_handed(&mut handed, &permits, &mut |p, c, w, until| {
                        start(&mut tasks, p, c, w, until)
                    });
                lane.started(started + stale);
                stats.handed += started as u64;
                stats.stale += stale as u64;
                table_next = true;
                if started + stale > 0 {
                    continue;
                }
            }
            // Permits needed before there is anything to do: a worthwhile claim's worth
            // on the table's turn, one for a hand-off waiting.
            let need = if table_turn {
                min_claim
            } else if !handed.is_empty() {
                1
            } else {
                0
            };
            let short = permits.available_permits() < need;
            tokio::select! {
                items = lane.recv(), if lane_open => match items {
                    Some(items) => handed.extend(items),
                    None => lane_open = false, // another worker took the lane over
                },
                _ = engine.woken() => look = true,
                _ = tokio::time::sleep_until(next_look), if !look => {}
                p = permits.clone().acquire_many_owned(need as u32), if short => drop(p),
                _ = shutdown.changed() => {}
            }
        }
        engine.close_lane();
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
        // Hand-offs never started are leased to this worker too: the release covers them.
        drop(handed);
        drop(lane);
        match engine
            .store()
            .release_lease(&self.token, engine.now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "released unfinished deliveries"),
            Err(e) => tracing::error!(error = %e, "releasing leases failed"),
        }
        tracing::info!(
            handed = stats.handed,
            claimed = stats.claimed,
            stale = stats.stale,
            "worker stopped"
        );
        stats
    }

    /// Starts handed-off deliveries while permits last; returns how many were started and
    /// how many were dropped as stale (held past half their lease: by the time they would
    /// run, the table may hand them out again, so they are left to it).
    fn start_handed(
        &self,
        handed: &mut VecDeque<Handed>,
        permits: &Arc<Semaphore>,
        start: &mut Starter<'_>,
    ) -> (usize, usize) {
        let (mut started, mut stale) = (0, 0);
        let (now, lease_ms) = (self.engine.now_ms(), self.engine.config().lease_ms);
        while let Some(h) = handed.front() {
            if !fresh(h.lease_until, now, lease_ms) {
                handed.pop_front();
                stale += 1;
                continue;
            }
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break;
            };
            let h = handed.pop_front().expect("not empty");
            start(permit, h.claimed, h.webhook, h.lease_until);
            started += 1;
        }
        if stale > 0 {
            tracing::warn!(
                stale,
                "hand-offs waited past half their lease; the queue will retry them"
            );
        }
        (started, stale)
    }

    /// Claims up to `room` due deliveries from the table and starts each (there are
    /// permits for all of them); returns how many were claimed.
    async fn claim_and_start(
        &self,
        room: usize,
        permits: &Arc<Semaphore>,
        start: &mut Starter<'_>,
    ) -> usize {
        let lease_until = self.engine.now_ms() + self.engine.config().lease_ms;
        let claimed = match self.claim(room as u32).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "claiming deliveries failed");
                return 0;
            }
        };
        let got = claimed.len();
        if got == 0 {
            return 0;
        }
        let hooks = match self.webhooks_for(&claimed).await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "loading webhooks failed");
                return got; // the leases expire and the deliveries are claimed again
            }
        };
        for c in claimed {
            let Some(w) = hooks.get(&c.webhook_id).cloned() else {
                continue; // deleted meanwhile, with its deliveries
            };
            let permit = permits
                .clone()
                .try_acquire_owned()
                .expect("claimed no more than the permits available");
            start(permit, c, w, lease_until);
        }
        got
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

/// The smallest claim worth a round trip while deliveries are in flight: with fewer
/// permits free, the worker waits for more rather than claim a few at a time.
const MIN_CLAIM: usize = 16;

/// Handed-off deliveries the worker holds at most, not yet started (past that, ingest
/// leaves new deliveries in the table).
pub const LANE_CAPACITY: usize = 1024;

/// A hand-off is started only while at least half its lease remains: one held longer
/// (an overloaded worker) is left for the table to claim once the lease ends, so it is
/// never both started here and claimed there.
fn fresh(lease_until: i64, now: i64, lease_ms: i64) -> bool {
    lease_until - now >= lease_ms / 2
}

/// Starts one attempt with its permit (spawning it onto the worker's task set).
/// (The last argument is when the delivery's lease ends.)
type Starter<'a> =
    dyn FnMut(tokio::sync::OwnedSemaphorePermit, Claimed, Arc<StoredWebhook>, i64) + Send + 'a;

/// After a claim that took what was due, the next look without a wake-up.
const BUSY_RECHECK: Duration = Duration::from_millis(50);

/// Attempts one claimed delivery of webhook `w`.
async fn execute(engine: &Engine, w: &StoredWebhook, c: Claimed) -> DeliveryUpdate {
    let now = engine.now_ms();
    let settle = |error: &str| DeliveryUpdate {
        attempt: None,
        delivery_id: c.id.clone(),
        webhook_id: c.webhook_id.clone(),
        lease_token: Some(c.lease_token.clone()),
        transition: Transition::NotSent,
        health: HealthEffect::Unchanged,
        last_status: None,
        last_error: Some(error.to_string()),
        now,
        disable_after_ms: engine.config().disable_after_ms,
    };
    if !w.active {
        return settle("not sent: the webhook is inactive");
    }
    if c.events.is_empty() {
        return settle("not sent: its events are gone");
    }
    let plan = AttemptPlan {
        webhook: w,
        delivery_id: &c.id,
        events: &c.events,
        number: c.attempt,
        retry_base: c.retry_base,
        lease_token: Some(c.lease_token.clone()),
        trigger: Trigger::Queue,
        on_failure: OnFailure::Retry,
    };
    match attempt::run(engine, plan).await {
        Ok(done) => done.update,
        Err(e) => {
            tracing::error!(delivery = %c.id, error = %e, "could not prepare the attempt");
            settle(&format!("not sent: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fresh;

    #[test]
    fn hand_offs_are_fresh_for_half_their_lease() {
        let lease = 60_000;
        for (until, now, want) in [
            (60_000, 0, true),       // just handed
            (60_000, 30_000, true),  // exactly half left
            (60_000, 30_001, false), // less than half
            (60_000, 60_000, false), // expired
            (60_000, 90_000, false), // long expired
        ] {
            assert_eq!(fresh(until, now, lease), want, "until {until} now {now}");
        }
    }
}

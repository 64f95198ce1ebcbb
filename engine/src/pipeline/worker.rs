//! The delivery worker. Its unit of work, [`Worker::run_once`], claims due deliveries,
//! makes their attempts concurrently and records every outcome in one group commit —
//! tests call it directly to drain the queue deterministically. [`Worker::run`] is the
//! long-running loop: it keeps up to `max_in_flight` requests going, so slow receivers
//! do not hold up others, and records outcomes in batches from one writer task.
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinSet};

use crate::engine::Engine;
use crate::error::Result;
use crate::pipeline::attempt::{self, AttemptPlan};
use crate::pipeline::handoff::{Handed, LaneReceiver};
use crate::pipeline::recorder;
use crate::pipeline::shares::{self, Offered, Shares};
use crate::records::{Claimed, DeliveryUpdate, StoredWebhook};
use crate::rules::fairness::{self, Limits};
use crate::rules::outcome::{HealthEffect, OnFailure, Transition};
use crate::store::{Claim, Skip};
use domain::Trigger;

/// What one unit of work did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Nothing was due.
    EmptyQueue,
    /// This many deliveries were attempted (or settled without a request).
    Processed(usize),
}

/// What a run of the long-running loop did: deliveries taken (started, or kept waiting
/// for room) from ingest's hand-offs, claimed from the table, hand-offs left to the table as stale, and deliveries given back
/// to the table because their webhook or tenant already had its share waiting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub handed: u64,
    pub claimed: u64,
    pub stale: u64,
    pub given_back: u64,
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
    /// is claimed from when woken, when a claim came back full, when a webhook or tenant
    /// claims passed over has room again, and when the next delivery there falls due.
    /// Every delivery in hand goes through the fair shares (`pipeline::shares`): it
    /// starts, waits for room without holding a place in the window, or goes back to the
    /// table (docs/scaling.md#fairness-between-tenants).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) -> RunStats {
        let mut stats = RunStats::default();
        let engine = self.engine.clone();
        let config = engine.config();
        let limits = Limits::new(
            config.max_in_flight,
            config
                .max_in_flight_per_tenant
                .unwrap_or_else(|| fairness::default_per_tenant(config.max_in_flight)),
            config.max_in_flight_per_webhook,
        );
        let (tx, rx) = mpsc::channel::<DeliveryUpdate>(limits.total * 2);
        let recorder = tokio::spawn(recorder::run(engine.clone(), rx));
        let mut inbox = Inbox {
            lane: engine.open_lane(&self.token, LANE_CAPACITY),
            handed: VecDeque::new(),
            open: true,
        };
        let mut run = Running {
            engine: engine.clone(),
            tx,
            tasks: JoinSet::new(),
            names: HashMap::new(),
            shares: Shares::new(limits),
        };
        let mut published = Skip::default();
        let mut table_next = false;
        let mut look = true;
        let mut next_look = tokio::time::Instant::now();
        let claim_batch = config.claim_batch as usize;
        // A claim is worth its round trip from this many free places; never more than one
        // tenant's share leaves free, or a tenant holding its share would stop claims.
        let min_claim = MIN_CLAIM
            .min(claim_batch)
            .min(limits.total - limits.per_tenant)
            .max(1);
        loop {
            if *shutdown.borrow() {
                break;
            }
            while let Some(done) = run.tasks.try_join_next_with_id() {
                look |= run.finished(done);
            }
            while let Some(items) = inbox.lane.try_recv() {
                inbox.handed.extend(items);
            }
            if tokio::time::Instant::now() >= next_look {
                look = true;
            }
            // When both the lane and the table have work they take turns, so neither
            // starves the other under overload.
            let table_turn = look && (inbox.handed.is_empty() || table_next);
            if table_turn {
                let room = run.shares.room().min(claim_batch);
                if room >= min_claim {
                    let (got, full) = self
                        .claim_and_start(room, &mut run, &mut inbox, &mut stats)
                        .await;
                    table_next = false;
                    stats.claimed += got as u64;
                    // A full claim: more may be due right now.
                    look = full;
                    if !look {
                        let wait = if got > 0 || !run.shares.skip().is_empty() {
                            // Everything due (not passed over) was just claimed: look
                            // again when woken, when a webhook or tenant passed over has
                            // room, or soon (a retry falling due meanwhile waits at most
                            // this long).
                            BUSY_RECHECK
                        } else {
                            self.idle_wait().await
                        };
                        next_look = tokio::time::Instant::now() + wait;
                    }
                    continue;
                }
            } else if !inbox.handed.is_empty() {
                let moved = self.start_handed(&mut inbox, &mut run, &mut stats).await;
                table_next = true;
                if moved > 0 {
                    continue;
                }
            }
            // Ingest hands over nothing that claims would pass over.
            let skip = run.shares.skip();
            if skip != published {
                engine.pass_over(skip.clone());
                published = skip;
            }
            // Nothing to do until a hand-off, a wake-up, the next look, or an attempt
            // ending (its place goes to what waits, and claims may look again).
            let busy = !run.tasks.is_empty();
            tokio::select! {
                items = inbox.lane.recv(), if inbox.open => match items {
                    Some(items) => inbox.handed.extend(items),
                    None => inbox.open = false, // another worker took the lane over
                },
                _ = engine.woken() => look = true,
                _ = tokio::time::sleep_until(next_look), if !look => {}
                Some(done) = run.tasks.join_next_with_id(), if busy => look |= run.finished(done),
                _ = shutdown.changed() => {}
            }
        }
        engine.close_lane();
        let Running {
            tx,
            mut tasks,
            shares,
            ..
        } = run;
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
        // Hand-offs never started and deliveries waiting for room are leased to this
        // worker too: the release covers them.
        drop((inbox, shares));
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
            given_back = stats.given_back,
            "worker stopped"
        );
        stats
    }

    /// Offers handed-off deliveries to the shares while the window has room, and gives
    /// back what they did not keep; answers how many left the inbox (see
    /// [`take_handed`](Self::take_handed)).
    async fn start_handed(
        &self,
        inbox: &mut Inbox,
        run: &mut Running,
        stats: &mut RunStats,
    ) -> usize {
        let mut back = vec![];
        let moved = self.take_handed(inbox, run, stats, &mut back);
        self.give_back(back, stats).await;
        moved
    }

    /// Offers handed-off deliveries to the shares while the window has room, adding the
    /// ids of those not kept to `back`, without touching the store; answers how many
    /// left the inbox: taken, or dropped as stale (held past half their lease: by the
    /// time they would run, the table may hand them out again, so they are left to it).
    fn take_handed(
        &self,
        inbox: &mut Inbox,
        run: &mut Running,
        stats: &mut RunStats,
        back: &mut Vec<String>,
    ) -> usize {
        let handed = &mut inbox.handed;
        let (mut taken, mut stale) = (0, 0);
        let (now, lease_ms) = (self.engine.now_ms(), self.engine.config().lease_ms);
        while let Some(h) = handed.front() {
            if !fresh(h.lease_until, now, lease_ms) {
                handed.pop_front();
                stale += 1;
                continue;
            }
            if run.shares.room() == 0 {
                break;
            }
            let h = handed.pop_front().expect("not empty");
            stats.handed += u64::from(run.offer(h, back));
            taken += 1;
        }
        if stale > 0 {
            tracing::warn!(
                stale,
                "hand-offs waited past half their lease; the queue will retry them"
            );
        }
        inbox.lane.started(taken + stale);
        stats.stale += stale as u64;
        taken + stale
    }

    /// Claims up to `room` due deliveries from the table, passing over the webhooks and
    /// tenants that hold their share, and offers each to the shares; returns how many
    /// were claimed and whether the claim came back full.
    async fn claim_and_start(
        &self,
        room: usize,
        run: &mut Running,
        inbox: &mut Inbox,
        stats: &mut RunStats,
    ) -> (usize, bool) {
        let config = self.engine.config();
        let now = self.engine.now_ms();
        let lease_until = now + config.lease_ms;
        let skip = run.shares.skip();
        let claim = Claim {
            now,
            limit: room as u32,
            lease_ms: config.lease_ms,
            token: &self.token,
            skip: &skip,
        };
        // Hand-offs arriving while the claim waits for the store start meanwhile: a claim
        // (behind ingest at the write connection, say) never holds up a delivery ingest
        // has already handed over. Nothing here awaits the store while the claim is out
        // (it may hold the write connection): what the shares do not keep is given back
        // afterwards.
        let mut back = vec![];
        let claiming = self.engine.store().claim(&claim);
        tokio::pin!(claiming);
        let result = loop {
            tokio::select! {
                biased;
                result = &mut claiming => break result,
                Some(items) = inbox.lane.recv(), if inbox.open => {
                    inbox.handed.extend(items);
                    self.take_handed(inbox, run, stats, &mut back);
                }
            }
        };
        let claimed = result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "claiming deliveries failed");
            vec![]
        });
        let got = claimed.len();
        let hooks = match got {
            0 => HashMap::new(),
            _ => self.webhooks_for(&claimed).await.unwrap_or_else(|e| {
                // The leases expire and the deliveries are claimed again.
                tracing::error!(error = %e, "loading webhooks failed");
                HashMap::new()
            }),
        };
        for c in claimed {
            let Some(webhook) = hooks.get(&c.webhook_id).cloned() else {
                continue; // deleted meanwhile, with its deliveries (or not loaded)
            };
            let job = Handed {
                claimed: c,
                webhook,
                lease_until,
            };
            run.offer(job, &mut back);
        }
        self.give_back(back, stats).await;
        (got, got == room)
    }

    /// Gives the leases of deliveries the shares did not keep back to the table.
    async fn give_back(&self, ids: Vec<String>, stats: &mut RunStats) {
        if ids.is_empty() {
            return;
        }
        stats.given_back += ids.len() as u64;
        let store = self.engine.store();
        if let Err(e) = store
            .release_deliveries(&self.token, &ids, self.engine.now_ms())
            .await
        {
            // Their leases expire and they are claimed again.
            tracing::error!(error = %e, "giving deliveries back failed");
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

/// Deliveries ingest handed over, not yet started: the lane they come by, and those
/// taken from it that wait for room.
struct Inbox {
    lane: LaneReceiver,
    handed: VecDeque<Handed>,
    /// False once another worker took the lane over.
    open: bool,
}

/// The long-running loop's attempts: the shares, the tasks making the requests (each
/// named by its tenant and webhook), and the way to the recorder.
struct Running {
    engine: Engine,
    tx: mpsc::Sender<DeliveryUpdate>,
    tasks: JoinSet<()>,
    names: HashMap<tokio::task::Id, (String, String)>,
    shares: Shares,
}

impl Running {
    /// Offers a delivery in hand to the shares: starts it, keeps it waiting, or adds its
    /// id to `back` for the table. Answers whether it was kept (started or waiting).
    fn offer(&mut self, job: Handed, back: &mut Vec<String>) -> bool {
        match self.shares.offer(job) {
            Offered::Start(job) => {
                self.spawn(job);
                true
            }
            Offered::Waiting => true,
            Offered::GiveBack(job) => {
                back.push(job.claimed.id);
                false
            }
        }
    }

    /// Starts the attempt of a delivery the shares counted as running.
    fn spawn(&mut self, job: Handed) {
        let names = shares::names(&job);
        let (engine, tx) = (self.engine.clone(), self.tx.clone());
        let Handed {
            claimed: c,
            webhook: w,
            lease_until,
        } = job;
        let handle = self.tasks.spawn(async move {
            if !fresh(lease_until, engine.now_ms(), engine.config().lease_ms) {
                tracing::warn!(delivery = %c.id, "waited past half its lease for room; the queue will retry it");
                return;
            }
            if !engine.may_attempt() {
                // Others may take this instance for dead and its deliveries over.
                tracing::warn!(delivery = %c.id, "this instance's heartbeat is overdue; not starting the attempt");
                return;
            }
            let _ = tx.send(execute(&engine, &w, c).await).await;
        });
        self.names.insert(handle.id(), names);
    }

    /// A task ended (finished, failed or aborted): its place goes to whatever waits for
    /// it. Answers whether claims should look again (a holder they passed over has room).
    fn finished(&mut self, done: std::result::Result<(tokio::task::Id, ()), JoinError>) -> bool {
        let id = match done {
            Ok((id, ())) => id,
            Err(e) => {
                tracing::error!(error = %e, "an attempt's task failed");
                e.id()
            }
        };
        let Some((tenant, webhook)) = self.names.remove(&id) else {
            return false;
        };
        let freed = self.shares.finished(&tenant, &webhook);
        for job in freed.ready {
            self.spawn(job);
        }
        freed.unskipped
    }
}

/// The smallest claim worth a round trip while deliveries are in flight: with fewer
/// places free, the worker waits for more rather than claim a few at a time.
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

//! Instances sharing one store (docs/scaling.md#instances): a running instance registers
//! itself, notes every few seconds that it is alive, releases the leases of instances that
//! stopped doing so, and wakes its worker when any instance commits work. An instance
//! whose own heartbeat is overdue starts no attempts: others may soon count it dead and
//! take its deliveries over. With a store for one process (SQLite) all of this is a no-op.
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::engine::Engine;
use crate::error::Result;

/// When this instance last wrote its heartbeat (monotonic ms since the engine started).
pub(crate) struct Liveness {
    epoch: Instant,
    joined: AtomicBool,
    last_ms: AtomicI64,
}

impl Default for Liveness {
    fn default() -> Self {
        Liveness {
            epoch: Instant::now(),
            joined: AtomicBool::new(false),
            last_ms: AtomicI64::new(0),
        }
    }
}

impl Liveness {
    fn beat(&self) {
        let ms = self.epoch.elapsed().as_millis() as i64;
        self.last_ms.store(ms, Ordering::Release);
        self.joined.store(true, Ordering::Release);
    }
    /// True unless this instance joined and has not beaten within `within_ms`.
    fn fresh(&self, within_ms: i64) -> bool {
        !self.joined.load(Ordering::Acquire)
            || self.epoch.elapsed().as_millis() as i64 - self.last_ms.load(Ordering::Acquire)
                <= within_ms
    }
}

/// This instance's part in the group; [`leave`](Membership::leave) at shutdown.
pub struct Membership {
    engine: Engine,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Joins the instances sharing the store as `role` (`all`, `api`, `worker`): registers
    /// at once, then beats every `heartbeat_ms` and releases the leases of instances
    /// silent for `dead_after_ms`; with `wake_worker`, wakes the worker whenever any
    /// instance commits work to the table.
    pub async fn join(&self, role: &str, wake_worker: bool) -> Result<Membership> {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = vec![];
        if self.store().shared() {
            self.store()
                .heartbeat(self.instance_id(), role, true)
                .await?;
            self.inner_liveness().beat();
            tasks.push(tokio::spawn(beat(
                self.clone(),
                role.to_string(),
                stopped.clone(),
            )));
            if wake_worker {
                if let Some(mut signals) = self.store().work_signals().await? {
                    let engine = self.clone();
                    let mut stopped = stopped.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            tokio::select! {
                                s = signals.recv() => match s {
                                    Some(()) => engine.wake(),
                                    None => break,
                                },
                                _ = stopped.changed() => break,
                            }
                        }
                    }));
                }
            }
        }
        Ok(Membership {
            engine: self.clone(),
            stop,
            tasks,
        })
    }

    /// Whether this instance may start an attempt: not while its heartbeat is overdue by
    /// half the time after which others count it dead.
    pub(crate) fn may_attempt(&self) -> bool {
        self.inner_liveness().fresh(self.config().dead_after_ms / 2)
    }
}

impl Membership {
    /// Stops the heartbeat and forgets this instance (its worker gave its leases back).
    pub async fn leave(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        if let Err(e) = self
            .engine
            .store()
            .deregister(self.engine.instance_id())
            .await
        {
            tracing::warn!(error = %e, "could not deregister this instance");
        }
    }
}

/// The heartbeat, and the release of dead instances' leases on every beat.
async fn beat(engine: Engine, role: String, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_millis(engine.config().heartbeat_ms.max(50) as u64);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let store = engine.store();
        match store.heartbeat(engine.instance_id(), &role, false).await {
            Ok(()) => engine.inner_liveness().beat(),
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
        let dead_after = engine.config().dead_after_ms;
        match store
            .release_dead_leases(engine.instance_id(), dead_after, engine.now_ms())
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(
                    released = n,
                    "took back deliveries leased by a dead instance"
                );
                engine.wake();
            }
            Err(e) => tracing::warn!(error = %e, "releasing dead instances' leases failed"),
        }
    }
}

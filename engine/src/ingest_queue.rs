//! Group commit for ingest. Every transaction costs a commit (WAL frames written), a
//! subscription read and a few statements, whatever its size; single-event requests
//! arriving together are therefore written together: one task takes every request
//! waiting (up to [`MAX_GROUP_EVENTS`] events) and stores them in one transaction, then
//! answers each. A lone request is written at once, so nothing waits for a batch to fill,
//! and every answer still comes only after its events are committed (durable before
//! 202). If a group's transaction fails, its requests are retried one by one, so one
//! request's failure is only its own. Requests with an `Idempotency-Key` do not come
//! here (their check-then-write stays in its own transaction).
use tokio::sync::{mpsc, oneshot};

use crate::error::{EngineError, Result};
use crate::store::{Ingested, NewEvent, Store};

/// A group stops taking requests once it holds this many events.
pub const MAX_GROUP_EVENTS: usize = 2000;

struct Job {
    events: Vec<NewEvent>,
    now: i64,
    reply: oneshot::Sender<Result<Vec<Ingested>>>,
}

pub(crate) struct IngestQueue {
    tx: mpsc::Sender<Job>,
}

impl IngestQueue {
    /// Starts the writer task (it ends when the queue is dropped).
    pub(crate) fn start(store: Store) -> IngestQueue {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(store, rx));
        IngestQueue { tx }
    }

    /// Stores `events` (ingested at `now`) with their deliveries; durable when Ok.
    pub(crate) async fn ingest(&self, events: Vec<NewEvent>, now: i64) -> Result<Vec<Ingested>> {
        let (reply, answer) = oneshot::channel();
        let job = Job { events, now, reply };
        self.tx
            .send(job)
            .await
            .map_err(|_| EngineError::ShuttingDown)?;
        answer.await.map_err(|_| EngineError::ShuttingDown)?
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut size = first.events.len();
        let mut jobs = vec![first];
        while size < MAX_GROUP_EVENTS {
            match rx.try_recv() {
                Ok(job) => {
                    size += job.events.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let requests: Vec<(&[NewEvent], i64)> =
            jobs.iter().map(|j| (j.events.as_slice(), j.now)).collect();
        let result = store.ingest_group(&requests).await;
        match result {
            Ok(answers) => {
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
            }
            Err(e) if jobs.len() == 1 => {
                let _ = jobs.pop().map(|j| j.reply.send(Err(e)));
            }
            Err(_) => {
                for job in jobs {
                    let one = store.ingest(&job.events, job.now, None, 0).await;
                    let _ = job.reply.send(one.map(|(answer, _)| answer));
                }
            }
        }
    }
}

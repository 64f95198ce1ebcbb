//! Group commit for ingest. Every transaction costs a commit (WAL frames written), a
//! subscription read and a few statements, whatever its size; single-event requests
//! arriving together are therefore written together: one task takes every request
//! waiting (up to [`MAX_GROUP_EVENTS`] events) and stores them in one transaction, then
//! answers each. A lone request is written at once, so nothing waits for a batch to fill,
//! and every answer still comes only after its events are committed (durable before
//! 202). If a group's transaction fails, its requests are retried one by one, so one
//! request's failure is only its own. Requests with an `Idempotency-Key` do not come
//! here (their check-then-write stays in its own transaction).
//!
//! New deliveries that are due at once go straight to the running worker when its lane
//! has room (see [`handoff`](crate::pipeline::handoff)); the rest wait in the table, and the worker
//! is woken to claim them.
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::error::{EngineError, Result};
use crate::pipeline::handoff::{Handed, Handoff, Reservation};
use crate::records::{BirthLease, BornLeased, Claimed, Ingested, NewEvent};
use crate::store::{GroupIngested, Store};
use domain::Event;

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
    pub(crate) fn start(
        store: Arc<dyn Store>,
        handoff: Arc<Handoff>,
        lease_ms: i64,
    ) -> IngestQueue {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(store, handoff, lease_ms, rx));
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

async fn run(
    store: Arc<dyn Store>,
    handoff: Arc<Handoff>,
    lease_ms: i64,
    mut rx: mpsc::Receiver<Job>,
) {
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
        let room = handoff.reserve(usize::MAX);
        let lease_until = jobs[0].now + lease_ms;
        let skip = handoff.passed_over();
        let lease = room.as_ref().map(|r| BirthLease {
            token: r.token(),
            until: lease_until,
            max: r.room(),
            skip: &skip,
        });
        let result = store.ingest_group(&requests, lease).await;
        drop(requests);
        match result {
            Ok(GroupIngested {
                answers,
                born_leased: leased,
            }) => {
                let created: usize = answers.iter().flatten().map(|a| a.deliveries).sum();
                if created > leased.len() {
                    handoff.wake(); // some wait in the table
                }
                if let Some(room) = room {
                    hand_over(room, leased, &mut jobs, lease_until);
                }
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
                    handoff.wake();
                    let _ = job.reply.send(one.map(|o| o.events));
                }
            }
        }
    }
}

/// Gives the committed, born-leased deliveries to the worker, each with its event (moved
/// out of the jobs, which only need their answers now; shared by an event's deliveries).
fn hand_over(room: Reservation, leased: Vec<BornLeased>, jobs: &mut [Job], lease_until: i64) {
    if leased.is_empty() {
        return;
    }
    let mut events: Vec<Option<NewEvent>> = jobs
        .iter_mut()
        .flat_map(|j| std::mem::take(&mut j.events))
        .map(Some)
        .collect();
    let mut converted: Vec<Option<Arc<[Event]>>> = vec![None; events.len()];
    let items = leased
        .into_iter()
        .map(|d| {
            let shared = converted[d.event].get_or_insert_with(|| {
                let e = events[d.event].take().expect("each event converted once");
                Arc::from(vec![Event::from(e)])
            });
            Handed {
                claimed: Claimed {
                    id: d.id,
                    webhook_id: d.webhook.id.clone(),
                    attempt: 1,
                    retry_base: 0,
                    lease_token: room.token().to_string(),
                    events: shared.clone(),
                },
                webhook: d.webhook,
                lease_until,
            }
        })
        .collect();
    room.hand(items);
}

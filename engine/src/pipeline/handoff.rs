//! How new work reaches the worker: a wake-up for work waiting in the table, and
//! deliveries handed from ingest straight to the running worker. Ingest writes a new
//! delivery that is due at once already leased to the worker (in the same transaction as
//! its event), and after the commit passes it, with its event and webhook, over an
//! in-memory lane. The worker starts it without claiming it from the table, reading its
//! event back or loading its webhook: that is most of a delivery's database round trips
//! and the wait for the next poll. Nothing is lost if the lane is never read: the rows are
//! leased like claimed ones, so a crash or shutdown gives them back (start-up release,
//! [`Store::release_lease`](crate::store::Store::release_lease), or lease expiry).
//!
//! The lane holds at most `capacity` deliveries not yet started; past that, ingest leaves
//! deliveries in the table for the worker to claim, so memory stays bounded whatever the
//! backlog.
//!
//! Nor are deliveries handed over for the webhooks and tenants the worker's claims pass
//! over (those holding their fair share, docs/scaling.md#fairness-between-tenants): the
//! worker would only give them back, so they wait in the table.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Notify};

use crate::records::{Claimed, StoredWebhook};
use crate::store::Skip;

/// A delivery given to the worker, leased to it, with what its attempt needs.
#[derive(Debug)]
pub struct Handed {
    pub claimed: Claimed,
    pub webhook: Arc<StoredWebhook>,
    /// When its lease ends (ms).
    pub lease_until: i64,
}

struct Lane {
    token: Arc<str>,
    tx: mpsc::UnboundedSender<Vec<Handed>>,
    /// Deliveries reserved or in the lane and not yet started.
    outstanding: Arc<AtomicUsize>,
    capacity: usize,
}

/// The slot for the running worker's lane (at most one worker takes hand-offs), and its
/// wake-up.
#[derive(Default)]
pub(crate) struct Handoff {
    lane: Mutex<Option<Lane>>,
    wake: Notify,
    /// What the running worker's claims pass over now.
    skip: Mutex<Arc<Skip>>,
}

impl Handoff {
    /// Tells the worker there may be new work in the table.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
    pub(crate) async fn woken(&self) {
        self.wake.notified().await
    }

    /// Opens the lane for the worker holding leases as `token`; replaces any previous one.
    pub(crate) fn open(&self, token: &str, capacity: usize) -> LaneReceiver {
        let (tx, rx) = mpsc::unbounded_channel();
        let outstanding = Arc::new(AtomicUsize::new(0));
        *self.slot() = Some(Lane {
            token: token.into(),
            tx,
            outstanding: outstanding.clone(),
            capacity,
        });
        LaneReceiver { rx, outstanding }
    }

    /// Closes the lane: ingest stops handing off (deliveries stay in the table).
    pub(crate) fn close(&self) {
        *self.slot() = None;
        self.pass_over(Skip::default());
    }

    /// Records what the running worker's claims pass over: ingest hands over nothing of
    /// those webhooks and tenants.
    pub(crate) fn pass_over(&self, skip: Skip) {
        *self.skip.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(skip);
    }

    /// What the running worker's claims pass over now.
    pub(crate) fn passed_over(&self) -> Arc<Skip> {
        self.skip.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Room for up to `want` deliveries, or `None` when no worker takes hand-offs or its
    /// lane is full. Unused room goes back when the reservation is dropped.
    pub(crate) fn reserve(&self, want: usize) -> Option<Reservation> {
        let slot = self.slot();
        let lane = slot.as_ref()?;
        let mut granted = 0;
        let _ = lane
            .outstanding
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                granted = want.min(lane.capacity.saturating_sub(used));
                (granted > 0).then_some(used + granted)
            });
        (granted > 0).then(|| Reservation {
            token: lane.token.clone(),
            tx: lane.tx.clone(),
            outstanding: lane.outstanding.clone(),
            room: granted,
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Lane>> {
        self.lane.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Room in the lane, held by one ingest transaction.
pub(crate) struct Reservation {
    token: Arc<str>,
    tx: mpsc::UnboundedSender<Vec<Handed>>,
    outstanding: Arc<AtomicUsize>,
    room: usize,
}

impl Reservation {
    /// The lease token the handed-off deliveries are written with.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }
    /// How many deliveries may be handed off.
    pub(crate) fn room(&self) -> usize {
        self.room
    }
    /// Passes the (committed) deliveries to the worker; at most [`room`](Self::room).
    pub(crate) fn hand(mut self, items: Vec<Handed>) {
        let n = items.len().min(self.room);
        debug_assert_eq!(n, items.len(), "handed more than reserved");
        if n == 0 {
            return;
        }
        if self.tx.send(items).is_ok() {
            self.room -= n; // now counted until the worker starts them
        }
        // Else the worker has gone: the rows stay leased until released or expired.
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.room > 0 {
            self.outstanding.fetch_sub(self.room, Ordering::AcqRel);
        }
    }
}

/// The worker's end of the lane.
pub struct LaneReceiver {
    rx: mpsc::UnboundedReceiver<Vec<Handed>>,
    outstanding: Arc<AtomicUsize>,
}

impl LaneReceiver {
    /// The next hand-off; `None` once the lane is closed and empty.
    pub async fn recv(&mut self) -> Option<Vec<Handed>> {
        self.rx.recv().await
    }
    /// A hand-off waiting now, if any.
    pub fn try_recv(&mut self) -> Option<Vec<Handed>> {
        self.rx.try_recv().ok()
    }
    /// The worker started (or gave up) `n` handed-off deliveries: room for as many more.
    pub fn started(&self, n: usize) {
        if n > 0 {
            self.outstanding.fetch_sub(n, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Handed {
        Handed {
            claimed: Claimed {
                id: id.into(),
                webhook_id: "wh_1".into(),
                attempt: 1,
                retry_base: 0,
                lease_token: "wrk_1".into(),
                events: Arc::from(vec![]),
            },
            webhook: Arc::new(StoredWebhook::new("wh_1".into(), "sealed".into(), 0)),
            lease_until: 60_000,
        }
    }

    #[test]
    fn no_lane_no_room() {
        let h = Handoff::default();
        assert!(h.reserve(10).is_none());
        let _rx = h.open("wrk_1", 4);
        h.close();
        assert!(h.reserve(10).is_none());
    }

    #[test]
    fn room_is_capped_and_comes_back() {
        let h = Handoff::default();
        let mut rx = h.open("wrk_1", 4);
        let r = h.reserve(3).expect("room");
        assert_eq!((r.room(), r.token()), (3, "wrk_1"));
        assert_eq!(h.reserve(3).map(|r| r.room()), Some(1), "only 1 left");
        // Dropping that second reservation unused gave its 1 back.
        let again = h.reserve(5).expect("room");
        assert_eq!(again.room(), 1);
        drop(again);
        // Hand 2 of the 3: the unused 1 comes back at once, the 2 when started.
        r.hand(vec![item("d1"), item("d2")]);
        assert_eq!(h.reserve(9).map(|r| r.room()), Some(2));
        let got = rx.try_recv().expect("handed");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].claimed.id, "d1");
        rx.started(got.len());
        assert_eq!(h.reserve(9).map(|r| r.room()), Some(4));
        assert!(rx.try_recv().is_none());
    }

    #[test]
    fn ingest_sees_what_the_worker_passes_over_until_the_lane_closes() {
        let h = Handoff::default();
        let _rx = h.open("wrk_1", 4);
        let mut busy = StoredWebhook::new("wh_1".into(), "sealed".into(), 0);
        let mut other = StoredWebhook::new("wh_2".into(), "sealed".into(), 0);
        other.tenant = "acme".into();
        assert!(!h.passed_over().covers(&busy));
        h.pass_over(Skip {
            webhooks: vec!["wh_1".into()],
            tenants: vec!["globex".into()],
            per_webhook: 64,
        });
        let skip = h.passed_over();
        assert!(skip.covers(&busy) && !skip.covers(&other));
        busy.id = "wh_3".into();
        busy.tenant = "globex".into();
        assert!(
            skip.covers(&busy),
            "a tenant passed over covers all its webhooks"
        );
        h.close();
        assert!(h.passed_over().is_empty());
    }

    #[test]
    fn handing_to_a_gone_worker_frees_the_room() {
        let h = Handoff::default();
        let rx = h.open("wrk_1", 2);
        let r = h.reserve(2).expect("room");
        drop(rx);
        r.hand(vec![item("d1")]);
        // The lane is still open (not closed) but its receiver is gone: room came back.
        assert_eq!(h.reserve(2).map(|r| r.room()), Some(2));
    }
}

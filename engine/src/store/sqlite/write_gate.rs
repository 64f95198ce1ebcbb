//! Who goes next on the SQLite write connection. There is one (mod.rs), and sqlx hands it
//! out first come, first served, so an event's acknowledgement could wait behind the
//! worker's bookkeeping for another tenant's backlog: a claim, a batch of recorded
//! outcomes (docs/scaling.md#fairness-between-tenants). The gate gives ingest the right
//! of way:
//! - an ingest transaction takes a [`Ticket`] before it asks for the connection and holds
//!   it until it has committed;
//! - a background writer (claims, outcomes, leases given back) first lets every ticket
//!   taken before it arrived go ([`WriteGate::background`]). Only those: tickets taken
//!   later do not hold it back, so a stream of ingests cannot starve the worker;
//! - once it has the connection, a background writer gives way once more when an ingest
//!   is waiting ([`WriteGate::urgent_waiting`]): it hands the connection back (the store's
//!   `background_writer`), or, recording outcomes a piece at a time, commits what it has
//!   done. Once only: under a steady stream of ingests every giving way costs a commit.
//!
//! Writers that take no part (settings, webhooks, keys) queue at the pool as before.
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

/// How many outcomes are recorded between looks at the gate: one round trip each.
pub(super) const PIECE: usize = super::batch::ONE_TRIP;
/// How many deliveries one claim statement leases before the next look at the gate.
pub(super) const CLAIM_PIECE: usize = 16;

/// Whether a background writer still gives way to an ingest once more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cede {
    Once,
    Never,
}

#[derive(Debug, Default)]
pub(super) struct WriteGate {
    /// Tickets ever taken.
    taken: AtomicU64,
    /// Tickets ever given back.
    done: AtomicU64,
    /// Told whenever a ticket is given back.
    changed: Notify,
}

/// An urgent writer's place: taken before it asks for the connection, given back (on
/// drop) once it has committed or failed.
#[must_use = "the ticket gives way only while it is held"]
pub(super) struct Ticket<'a>(&'a WriteGate);

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.0.done.fetch_add(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

impl WriteGate {
    /// Takes a ticket for an urgent (ingest) transaction.
    pub(super) fn urgent(&self) -> Ticket<'_> {
        self.taken.fetch_add(1, Ordering::SeqCst);
        Ticket(self)
    }

    /// Waits until as many tickets have been given back as had been taken when this was
    /// called: urgent writers already there go first, later ones do not count.
    pub(super) async fn background(&self) {
        let ahead = self.taken.load(Ordering::SeqCst);
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so a ticket given back in between still wakes us.
            changed.as_mut().enable();
            if may_go(ahead, self.done.load(Ordering::SeqCst)) {
                return;
            }
            changed.await;
        }
    }

    /// Whether an urgent writer is waiting (or writing): a background transaction
    /// holding the connection should commit and let it in.
    pub(super) fn urgent_waiting(&self) -> bool {
        waiting(
            self.taken.load(Ordering::SeqCst),
            self.done.load(Ordering::SeqCst),
        )
    }
}

/// A background writer that arrived when `ahead` tickets had been taken may go once
/// `done` tickets have been given back.
fn may_go(ahead: u64, done: u64) -> bool {
    done >= ahead
}

/// Some ticket is still held.
fn waiting(taken: u64, done: u64) -> bool {
    taken > done
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    #[test]
    fn rules() {
        // (ahead, done, may go)
        for (ahead, done, go) in [
            (0, 0, true),
            (1, 0, false),
            (1, 1, true),
            (3, 2, false),
            (3, 5, true),
        ] {
            assert_eq!(may_go(ahead, done), go, "may_go({ahead}, {done})");
        }
        // (taken, done, waiting)
        for (taken, done, w) in [(0, 0, false), (1, 0, true), (2, 2, false), (5, 3, true)] {
            assert_eq!(waiting(taken, done), w, "waiting({taken}, {done})");
        }
    }

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(std::task::Waker::noop()))
    }

    #[test]
    fn with_no_ticket_out_a_background_writer_goes_at_once() {
        let gate = WriteGate::default();
        assert!(poll_once(pin!(gate.background())).is_ready());
        assert!(!gate.urgent_waiting());
    }

    #[test]
    fn a_background_writer_waits_for_the_tickets_out_when_it_came() {
        let gate = WriteGate::default();
        let first = gate.urgent();
        let second = gate.urgent();
        assert!(gate.urgent_waiting());
        let mut bg = pin!(gate.background());
        assert!(poll_once(bg.as_mut()).is_pending());
        drop(first);
        assert!(
            poll_once(bg.as_mut()).is_pending(),
            "one ticket is still out"
        );
        drop(second);
        assert!(poll_once(bg.as_mut()).is_ready());
        assert!(!gate.urgent_waiting());
    }

    #[test]
    fn tickets_taken_later_do_not_hold_a_background_writer_back() {
        let gate = WriteGate::default();
        let early = gate.urgent();
        let mut bg = pin!(gate.background());
        assert!(poll_once(bg.as_mut()).is_pending());
        let late = gate.urgent();
        drop(early);
        assert!(
            poll_once(bg.as_mut()).is_ready(),
            "only the ticket out on arrival counts"
        );
        assert!(gate.urgent_waiting(), "the late ticket is still out");
        drop(late);
    }

    #[tokio::test]
    async fn giving_a_ticket_back_wakes_the_waiting_writer() {
        let gate = std::sync::Arc::new(WriteGate::default());
        let ticket = gate.urgent();
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.background().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(ticket);
        waiter.await.expect("woken once the ticket is back");
    }
}

//! The long-running worker's books on fair shares (docs/scaling.md#fairness-between-tenants):
//! what the worker, each tenant and each webhook have running and waiting, the
//! deliveries waiting for room (in order, per webhook), and what claims pass over. The
//! decisions are [`rules::fairness`](crate::rules::fairness)'s; waiting holds no place in
//! the window, so one tenant's backlog never keeps another's deliveries from starting.
use std::collections::{HashMap, VecDeque};

use crate::pipeline::handoff::Handed;
use crate::rules::fairness::{self, Admission, Holder, Limits, Use, Uses};
use crate::store::Skip;

/// What became of a delivery offered to the books.
#[derive(Debug)]
pub(crate) enum Offered {
    /// Counted as running: send it now.
    Start(Handed),
    /// Kept until there is room (see [`Shares::finished`]).
    Waiting,
    /// Not kept: its lease should go back to the table.
    GiveBack(Handed),
}

/// What a finished request freed.
#[derive(Debug, Default)]
pub(crate) struct Freed {
    /// Waiting deliveries that may start now (counted as running).
    pub ready: Vec<Handed>,
    /// A webhook or tenant was passed over by claims and no longer is.
    pub unskipped: bool,
}

#[derive(Debug)]
pub(crate) struct Shares {
    limits: Limits,
    total: Use,
    tenants: HashMap<String, Use>,
    webhooks: HashMap<String, Use>,
    /// Per webhook, its waiting deliveries in the order they came, numbered.
    waiting: HashMap<String, VecDeque<(u64, Handed)>>,
    next: u64,
}

/// Which counters a change touches.
#[derive(Clone, Copy)]
enum Part {
    Running,
    Waiting,
}

impl Shares {
    pub(crate) fn new(limits: Limits) -> Shares {
        Shares {
            limits,
            total: Use::default(),
            tenants: HashMap::new(),
            webhooks: HashMap::new(),
            waiting: HashMap::new(),
            next: 0,
        }
    }

    /// Free places in the window (requests that may start now, all else allowing).
    pub(crate) fn room(&self) -> usize {
        self.limits.total.saturating_sub(self.total.running)
    }

    #[cfg(test)]
    fn running(&self) -> usize {
        self.total.running
    }

    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.total.waiting
    }

    /// What claims pass over now: webhooks and tenants holding their limit.
    pub(crate) fn skip(&self) -> Skip {
        let over = |m: &HashMap<String, Use>, holder: Holder| -> Vec<String> {
            let mut v: Vec<String> = m
                .keys()
                .filter(|k| !self.claims_more(holder, k))
                .cloned()
                .collect();
            v.sort_unstable();
            v
        };
        Skip {
            webhooks: over(&self.webhooks, Holder::Webhook),
            tenants: over(&self.tenants, Holder::Tenant),
            per_webhook: self.limits.per_webhook as u32,
        }
    }

    /// Offers a delivery this worker holds the lease of (claimed or handed over).
    pub(crate) fn offer(&mut self, job: Handed) -> Offered {
        let (tenant, webhook) = names(&job);
        match fairness::admit(&self.limits, &self.uses(&tenant, &webhook)) {
            Admission::Start => {
                self.change(&tenant, &webhook, Part::Running, true);
                Offered::Start(job)
            }
            Admission::Wait => {
                self.change(&tenant, &webhook, Part::Waiting, true);
                self.next += 1;
                let seq = self.next;
                self.waiting
                    .entry(webhook)
                    .or_default()
                    .push_back((seq, job));
                Offered::Waiting
            }
            Admission::GiveBack => Offered::GiveBack(job),
        }
    }

    /// A started delivery of `webhook` (of `tenant`) finished, sent or not.
    pub(crate) fn finished(&mut self, tenant: &str, webhook: &str) -> Freed {
        // The holders whose standing with claims this may change: the finished one's, and
        // those of every delivery first in line (one of them may start now).
        let mut touched = vec![
            (Holder::Webhook, webhook.to_string()),
            (Holder::Tenant, tenant.to_string()),
        ];
        for (w, q) in &self.waiting {
            if let Some((_, job)) = q.front() {
                touched.push((Holder::Webhook, w.clone()));
                touched.push((Holder::Tenant, job.webhook.tenant.clone()));
            }
        }
        let before: Vec<bool> = touched
            .iter()
            .map(|(h, k)| self.claims_more(*h, k))
            .collect();
        self.change(tenant, webhook, Part::Running, false);
        let ready = self.ready();
        let unskipped = touched
            .iter()
            .zip(before)
            .any(|((h, k), was)| !was && self.claims_more(*h, k));
        Freed { ready, unskipped }
    }

    /// Takes the waiting deliveries that may start now: each time the one waiting longest
    /// among those first in line for their webhook.
    fn ready(&mut self) -> Vec<Handed> {
        let mut out = vec![];
        while self.room() > 0 {
            let next = self
                .waiting
                .iter()
                .filter_map(|(webhook, q)| {
                    let (seq, front) = q.front()?;
                    let mut u = self.uses(&front.webhook.tenant, webhook);
                    // First in line for its webhook: nothing of it waits before it.
                    u.webhook.waiting = 0;
                    (fairness::admit(&self.limits, &u) == Admission::Start)
                        .then_some((*seq, webhook.clone()))
                })
                .min();
            let Some((_, webhook)) = next else {
                break;
            };
            let queue = self.waiting.get_mut(&webhook).expect("has a front");
            let (_, job) = queue.pop_front().expect("has a front");
            if queue.is_empty() {
                self.waiting.remove(&webhook);
            }
            let tenant = job.webhook.tenant.clone();
            self.change(&tenant, &webhook, Part::Waiting, false);
            self.change(&tenant, &webhook, Part::Running, true);
            out.push(job);
        }
        out
    }

    /// Whether claims may bring more for this webhook or tenant.
    fn claims_more(&self, holder: Holder, key: &str) -> bool {
        let (map, limit) = match holder {
            Holder::Webhook => (&self.webhooks, self.limits.per_webhook),
            Holder::Tenant => (&self.tenants, self.limits.per_tenant),
        };
        let used = map.get(key).copied().unwrap_or_default();
        fairness::claims_more(holder, used, limit)
    }

    fn uses(&self, tenant: &str, webhook: &str) -> Uses {
        Uses {
            total: self.total,
            tenant: self.tenants.get(tenant).copied().unwrap_or_default(),
            webhook: self.webhooks.get(webhook).copied().unwrap_or_default(),
        }
    }

    /// Counts one more (`up`) or one less in `part` for the worker, the tenant and the
    /// webhook; holders with nothing left are forgotten.
    fn change(&mut self, tenant: &str, webhook: &str, part: Part, up: bool) {
        fn step(u: &mut Use, part: Part, up: bool) {
            let n = match part {
                Part::Running => &mut u.running,
                Part::Waiting => &mut u.waiting,
            };
            *n = if up { *n + 1 } else { n.saturating_sub(1) };
        }
        step(&mut self.total, part, up);
        for (map, key) in [(&mut self.tenants, tenant), (&mut self.webhooks, webhook)] {
            let u = map.entry(key.to_string()).or_default();
            step(u, part, up);
            if u.held() == 0 {
                map.remove(key);
            }
        }
    }
}

/// The tenant and webhook of a delivery in hand.
pub(crate) fn names(job: &Handed) -> (String, String) {
    (job.webhook.tenant.clone(), job.claimed.webhook_id.clone())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::records::{Claimed, StoredWebhook};

    fn job(id: &str, tenant: &str, webhook: &str) -> Handed {
        let mut w = StoredWebhook::new(webhook.into(), "sealed".into(), 0);
        w.tenant = tenant.into();
        Handed {
            claimed: Claimed {
                id: id.into(),
                webhook_id: webhook.into(),
                attempt: 1,
                retry_base: 0,
                lease_token: "wrk_1".into(),
                events: Arc::from(vec![]),
            },
            webhook: Arc::new(w),
            lease_until: 60_000,
        }
    }

    fn kind(o: &Offered) -> &'static str {
        match o {
            Offered::Start(_) => "start",
            Offered::Waiting => "wait",
            Offered::GiveBack(_) => "back",
        }
    }

    #[test]
    fn a_tenants_backlog_leaves_the_rest_of_the_window_to_others() {
        // 8 in flight, 4 per tenant, 2 per webhook.
        let mut s = Shares::new(Limits::new(8, 4, 2));
        let mut got = vec![];
        for i in 0..12 {
            let hook = format!("wh_a{}", i % 3);
            got.push(kind(&s.offer(job(&format!("a{i}"), "a", &hook))));
        }
        // Two per webhook until the tenant has 4 running; then up to 4 wait (2 per
        // webhook); the rest go back to the table.
        assert_eq!(
            got,
            [
                "start", "start", "start", "start", "wait", "wait", "wait", "wait", "back", "back",
                "back", "back"
            ]
        );
        assert_eq!((s.running(), s.waiting(), s.room()), (4, 4, 4));
        let skip = s.skip();
        assert_eq!(skip.tenants, ["a"]);
        assert_eq!(skip.webhooks, ["wh_a0", "wh_a1", "wh_a2"]);
        // Another tenant still starts at once.
        assert_eq!(kind(&s.offer(job("b0", "b", "wh_b"))), "start");
        // One of a's finishes: the first of its waiting that fits starts, in order.
        let freed = s.finished("a", "wh_a0");
        let ids: Vec<&str> = freed.ready.iter().map(|j| j.claimed.id.as_str()).collect();
        assert_eq!(ids, ["a4"], "the one waiting longest");
        assert!(!freed.unskipped, "a still holds its share");
        assert_eq!((s.running(), s.waiting()), (5, 3));
    }

    #[test]
    fn finishing_unskips_and_forgets_idle_holders() {
        let mut s = Shares::new(Limits::new(8, 4, 1));
        assert_eq!(kind(&s.offer(job("x", "t", "wh"))), "start");
        assert_eq!(s.skip().webhooks, ["wh"]);
        let freed = s.finished("t", "wh");
        assert!(freed.unskipped && freed.ready.is_empty());
        assert_eq!(
            s.skip(),
            Skip {
                per_webhook: 1,
                ..Skip::default()
            }
        );
        assert!(s.tenants.is_empty() && s.webhooks.is_empty());
    }

    #[test]
    fn a_tenant_waiting_for_its_busy_webhook_still_gets_claims_for_its_others() {
        let mut s = Shares::new(Limits::new(8, 4, 1));
        let got: Vec<&str> = (0..6)
            .map(|i| kind(&s.offer(job(&format!("a{i}"), "a", "wh_a0"))))
            .collect();
        // One running, the tenant's share (4) waiting, the rest back to the table.
        assert_eq!(got, ["start", "wait", "wait", "wait", "wait", "back"]);
        let skip = s.skip();
        assert_eq!(skip.webhooks, ["wh_a0"]);
        assert_eq!(skip.tenants, ["a"], "its waiting room is full");
        // Its other webhooks still start (a hand-off, or a claim from before the skip).
        assert_eq!(kind(&s.offer(job("a6", "a", "wh_a1"))), "start");
        // Once one waiting starts, the tenant is claimed from again for its others.
        let freed = s.finished("a", "wh_a0");
        assert_eq!(freed.ready.len(), 1);
        assert!(freed.unskipped);
        assert!(s.skip().tenants.is_empty());
    }

    #[test]
    fn a_full_window_keeps_deliveries_waiting_until_room() {
        let mut s = Shares::new(Limits::new(2, 2, 2));
        assert_eq!(kind(&s.offer(job("1", "a", "wh_a"))), "start");
        assert_eq!(kind(&s.offer(job("2", "b", "wh_b"))), "start");
        assert_eq!(kind(&s.offer(job("3", "c", "wh_c"))), "wait");
        let freed = s.finished("a", "wh_a");
        assert_eq!(freed.ready.len(), 1);
        assert_eq!(freed.ready[0].claimed.id, "3");
        assert_eq!((s.running(), s.waiting()), (2, 0));
    }
}

//! Fair shares of the worker's window (docs/scaling.md#fairness-between-tenants): what
//! happens to a delivery the worker has in hand, given what its webhook, its tenant and
//! the whole worker already have running and waiting. One tenant's backlog (a dead or
//! slow receiver, a burst) fills at most its tenant's share, so the rest of the window
//! stays free for other tenants; within a tenant, one webhook fills at most its own.

/// The worker's limits on requests in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The whole worker (`max_in_flight`).
    pub total: usize,
    /// One tenant (`max_in_flight_per_tenant`).
    pub per_tenant: usize,
    /// One webhook (`max_in_flight_per_webhook`).
    pub per_webhook: usize,
}

impl Limits {
    /// The limits with each share at least 1 and at most the whole window.
    pub fn new(total: usize, per_tenant: usize, per_webhook: usize) -> Limits {
        let total = total.max(1);
        Limits {
            total,
            per_tenant: per_tenant.clamp(1, total),
            per_webhook: per_webhook.clamp(1, total),
        }
    }
}

/// The default share of one tenant: half the window, so a tenant's backlog always leaves
/// the other half to the rest.
pub fn default_per_tenant(total: usize) -> usize {
    (total / 2).max(1)
}

/// What one holder (the worker, a tenant or a webhook) has in the worker: requests
/// running, and deliveries claimed or handed over that wait for room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Use {
    pub running: usize,
    pub waiting: usize,
}

impl Use {
    pub fn held(&self) -> usize {
        self.running + self.waiting
    }
}

/// What the worker, the delivery's tenant and its webhook have now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses {
    pub total: Use,
    pub tenant: Use,
    pub webhook: Use,
}

/// What to do with a delivery in hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send it now.
    Start,
    /// Keep it (leased) until its webhook, tenant or the worker has room.
    Wait,
    /// Give its lease back to the table: this worker already holds its tenant's share of
    /// waiting deliveries (or the window's worth).
    GiveBack,
}

/// Starts a delivery when the worker, its tenant and its webhook are all under their
/// limits and nothing of its webhook waits before it; otherwise it waits while its tenant
/// has fewer than its limit waiting and the worker fewer than the window, else it goes
/// back to the table. Waiting holds no place in the window.
pub fn admit(limits: &Limits, u: &Uses) -> Admission {
    let room = u.total.running < limits.total
        && u.tenant.running < limits.per_tenant
        && u.webhook.running < limits.per_webhook
        && u.webhook.waiting == 0;
    if room {
        return Admission::Start;
    }
    let may_wait = u.tenant.waiting < limits.per_tenant && u.total.waiting < limits.total;
    if may_wait {
        Admission::Wait
    } else {
        Admission::GiveBack
    }
}

/// A webhook or a tenant, as claims see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Webhook,
    Tenant,
}

/// Whether claims from the table may bring more for a holder with this use; claims skip
/// the webhooks and tenants for which this is false. A webhook's waiting deliveries wait
/// for its own places, so a webhook holding its limit (running and waiting together)
/// gets no more. A tenant's may wait for their webhooks instead, so a tenant gets more
/// (for its other webhooks) while it has places free and room to wait.
pub fn claims_more(holder: Holder, u: Use, limit: usize) -> bool {
    match holder {
        Holder::Webhook => u.held() < limit,
        Holder::Tenant => u.running < limit && u.waiting < limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(running: usize, waiting: usize) -> Use {
        Use { running, waiting }
    }

    #[test]
    fn admission() {
        let l = Limits::new(8, 4, 2);
        use Admission::*;
        let cases = [
            // (total, tenant, webhook) → what happens
            ((u(0, 0), u(0, 0), u(0, 0)), Start),
            ((u(7, 0), u(3, 0), u(1, 0)), Start),
            // The window is full: wait (room to wait everywhere).
            ((u(8, 0), u(0, 0), u(0, 0)), Wait),
            // The tenant has its share running: wait, though the window has room.
            ((u(4, 0), u(4, 0), u(0, 0)), Wait),
            // The webhook has its share running.
            ((u(2, 0), u(2, 0), u(2, 0)), Wait),
            // Something of the webhook waits already: behind it, in order.
            ((u(1, 1), u(1, 1), u(1, 1)), Wait),
            // A webhook's backlog waits up to its tenant's share.
            ((u(2, 3), u(2, 3), u(2, 3)), Wait),
            // Too much waiting for the tenant, the worker: back to the table.
            ((u(2, 4), u(2, 4), u(2, 2)), GiveBack),
            ((u(4, 4), u(4, 4), u(0, 0)), GiveBack),
            ((u(8, 8), u(0, 0), u(0, 0)), GiveBack),
            // Another tenant's backlog does not stop this one.
            ((u(4, 4), u(0, 0), u(0, 0)), Start),
        ];
        for ((total, tenant, webhook), want) in cases {
            let uses = Uses {
                total,
                tenant,
                webhook,
            };
            assert_eq!(admit(&l, &uses), want, "{uses:?}");
        }
    }

    #[test]
    fn claims_stop_at_the_limit() {
        use Holder::*;
        for (holder, used, limit, want) in [
            (Webhook, u(0, 0), 2, true),
            (Webhook, u(1, 0), 2, true),
            (Webhook, u(1, 1), 2, false),
            (Webhook, u(2, 0), 2, false),
            (Webhook, u(0, 5), 2, false),
            (Tenant, u(0, 0), 4, true),
            // Its waiting ones wait for their webhooks: its other webhooks may have more.
            (Tenant, u(2, 2), 4, true),
            (Tenant, u(3, 3), 4, true),
            (Tenant, u(4, 0), 4, false),
            (Tenant, u(0, 4), 4, false),
        ] {
            assert_eq!(
                claims_more(holder, used, limit),
                want,
                "{holder:?} {used:?} of {limit}"
            );
        }
    }

    #[test]
    fn limits_are_clamped_and_the_default_share_is_half() {
        assert_eq!(Limits::new(0, 0, 0), Limits::new(1, 1, 1));
        assert_eq!(
            Limits::new(512, 1000, 64),
            Limits {
                total: 512,
                per_tenant: 512,
                per_webhook: 64
            }
        );
        for (total, want) in [(512, 256), (8, 4), (1, 1), (0, 1)] {
            assert_eq!(default_per_tenant(total), want);
        }
    }
}

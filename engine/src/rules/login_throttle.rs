//! Login throttling (docs/security.md#login-throttling): failed sign-ins are counted per
//! account and per client address; `limit` failures within `window_ms` lock the key out
//! for a while, and every further lockout lasts twice as long as the one before (up to
//! `max_lock_ms`). While a key is locked every attempt is refused without checking the
//! password, even the right one. Pure over the time it is given: [`check`] and
//! [`record_failure`] are the rule; the engine keeps the [`Failures`] in memory
//! (see `usecases::accounts`).

/// How many failures a key may have, how fast they are forgotten, how long lockouts grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub limit: u32,
    pub window_ms: i64,
    pub max_lock_ms: i64,
}

/// Per account: 5 wrong passwords a minute, then locked for a minute, two, four … an hour.
pub const PER_ACCOUNT: ThrottlePolicy = ThrottlePolicy {
    limit: 5,
    window_ms: 60_000,
    max_lock_ms: 3_600_000,
};

/// Per client address: more room (several people behind one address), same growth.
pub const PER_ADDRESS: ThrottlePolicy = ThrottlePolicy {
    limit: 20,
    window_ms: 60_000,
    max_lock_ms: 3_600_000,
};

/// What is remembered about one key (an account or a client address).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures in the current window.
    pub count: u32,
    pub window_start: i64,
    /// Attempts are refused before this instant.
    pub locked_until: i64,
    /// Lockouts so far: each one lasts twice as long as the one before.
    pub lockouts: u32,
}

/// Whether an attempt may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; try again after this many seconds (the `Retry-After`).
    Locked {
        retry_after_secs: u64,
    },
}

/// Whether an attempt at `now` may go on.
pub fn check(state: &Failures, now: i64) -> Verdict {
    if now < state.locked_until {
        let wait_ms = state.locked_until - now;
        return Verdict::Locked {
            retry_after_secs: ((wait_ms + 999) / 1000) as u64,
        };
    }
    Verdict::Allowed
}

/// The state after one more failure at `now`.
pub fn record_failure(state: Failures, now: i64, policy: ThrottlePolicy) -> Failures {
    let mut next = state;
    if now - next.window_start >= policy.window_ms {
        next.count = 0;
        next.window_start = now;
    }
    next.count += 1;
    if next.count >= policy.limit {
        next.lockouts += 1;
        let growth = 1i64 << (next.lockouts - 1).min(20);
        let lock = policy
            .window_ms
            .saturating_mul(growth)
            .min(policy.max_lock_ms);
        next.locked_until = now + lock;
        next.count = 0;
        next.window_start = next.locked_until;
    }
    next
}

/// True when nothing about the key matters any more (no lock, no recent failure, and a
/// quiet `max_lock_ms` since): it can be forgotten, and its lockouts start over.
pub fn is_stale(state: &Failures, now: i64, policy: ThrottlePolicy) -> bool {
    let last = state
        .locked_until
        .max(state.window_start + policy.window_ms);
    now >= last + policy.max_lock_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = PER_ACCOUNT;

    fn after(failures_at: &[i64]) -> Failures {
        failures_at
            .iter()
            .fold(Failures::default(), |s, &t| record_failure(s, t, P))
    }

    #[test]
    fn lockouts() {
        // (failures at these instants, checked at, verdict)
        let cases: &[(&[i64], i64, Verdict)] = &[
            (&[], 0, Verdict::Allowed),
            (&[0, 1, 2, 3], 4, Verdict::Allowed),
            // the fifth failure within a minute locks for a minute
            (
                &[0, 1, 2, 3, 4],
                5,
                Verdict::Locked {
                    retry_after_secs: 60,
                },
            ),
            (
                &[0, 1, 2, 3, 4],
                59_004,
                Verdict::Locked {
                    retry_after_secs: 1,
                },
            ),
            (&[0, 1, 2, 3, 4], 60_004, Verdict::Allowed),
            // failures spread wider than the window never lock
            (
                &[0, 20_000, 40_000, 60_000, 80_000],
                80_001,
                Verdict::Allowed,
            ),
            // the second lockout lasts two minutes
            (
                &[0, 1, 2, 3, 4, 60_004, 60_005, 60_006, 60_007, 60_008],
                60_008 + 119_000,
                Verdict::Locked {
                    retry_after_secs: 1,
                },
            ),
            (
                &[0, 1, 2, 3, 4, 60_004, 60_005, 60_006, 60_007, 60_008],
                60_008 + 120_000,
                Verdict::Allowed,
            ),
        ];
        for (failures, at, want) in cases {
            assert_eq!(check(&after(failures), *at), *want, "{failures:?} at {at}");
        }
    }

    #[test]
    fn lockouts_stop_growing_at_the_maximum() {
        let mut s = Failures::default();
        let mut now = 0;
        for _ in 0..40 {
            for _ in 0..P.limit {
                s = record_failure(s, now, P);
            }
            now = s.locked_until;
        }
        let last = (0..P.limit).fold(s, |s, _| record_failure(s, now, P));
        assert_eq!(last.locked_until - now, P.max_lock_ms);
    }

    #[test]
    fn staleness() {
        let locked = after(&[0, 1, 2, 3, 4]);
        assert!(!is_stale(&locked, 60_004, P));
        assert!(!is_stale(&locked, 60_004 + P.max_lock_ms - 1, P));
        assert!(is_stale(&locked, 60_004 + P.max_lock_ms + P.window_ms, P));
        assert!(is_stale(
            &Failures::default(),
            P.window_ms + P.max_lock_ms,
            P
        ));
    }
}

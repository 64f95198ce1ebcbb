//! A fixed-window-free rate limit: at most `limit` events per rolling minute per caller,
//! used for test and validate sends (docs/api.md#limits). Pure over the time it is given: [`decide`]
//! is the rule, [`RateLimiter`] keeps the uses in memory (one process), and a shared
//! store keeps them in the database and applies the same rule (docs/scaling.md).
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub const WINDOW_MS: i64 = 60_000;

#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    seen: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl RateLimiter {
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit: limit as usize,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one use by `who` at `now_ms`; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, who: &str, now_ms: i64) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, q| q.back().is_some_and(|t| now_ms - t < WINDOW_MS));
        }
        let q = seen.entry(who.to_string()).or_default();
        while q.front().is_some_and(|t| now_ms - t >= WINDOW_MS) {
            q.pop_front();
        }
        decide(q.front().copied(), q.len(), now_ms, self.limit as u32)?;
        q.push_back(now_ms);
        Ok(())
    }
}

/// Whether one more use at `now_ms` is allowed, given the caller's `count` uses within the
/// window and the `oldest` of them; `Err(seconds to wait)` when not.
pub fn decide(oldest: Option<i64>, count: usize, now_ms: i64, limit: u32) -> Result<(), u64> {
    if count < limit as usize {
        return Ok(());
    }
    let wait_ms = (oldest.unwrap_or(now_ms) + WINDOW_MS - now_ms).max(1);
    Err(((wait_ms + 999) / 1000) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_limit_per_minute_per_caller() {
        let r = RateLimiter::new(3);
        for t in [0, 10, 20] {
            assert_eq!(r.check("a", t), Ok(()));
        }
        assert_eq!(r.check("a", 30), Err(60));
        assert_eq!(r.check("b", 30), Ok(()), "callers are counted apart");
        assert_eq!(r.check("a", 59_999), Err(1));
        assert_eq!(
            r.check("a", 60_000),
            Ok(()),
            "the first use left the window"
        );
        // uses at 10, 20, 60000 remain; the one at 10 leaves the window 9 ms later
        assert_eq!(r.check("a", 60_001), Err(1));
    }

    #[test]
    fn the_rule_alone() {
        assert_eq!(decide(None, 0, 5, 1), Ok(()));
        assert_eq!(decide(Some(0), 1, 5, 2), Ok(()));
        assert_eq!(decide(Some(0), 2, 5, 2), Err(60));
        assert_eq!(decide(Some(0), 2, 59_001, 2), Err(1));
    }

    #[test]
    fn zero_limit_refuses_everything() {
        assert!(RateLimiter::new(0).check("a", 0).is_err());
    }
}

//! What an attempt's result means for its delivery: the pure decision the worker, resend
//! and tests share (classification + retry policy + Retry-After + 410).
use std::time::Duration;

use crate::rules::classify::{classify, honours_retry_after, Outcome, Verdict};
use crate::rules::retry::{next_retry_delay, parse_retry_after};
use domain::RetryPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Succeeded,
    /// Try again at this time (unix ms).
    RetryAt(i64),
    /// Failed for good; `disable` carries a reason to disable the webhook (410).
    Failed {
        disable: Option<String>,
    },
}

/// Decides what follows attempt number `attempt` (1-based) of a delivery whose retries
/// count from `retry_base`, given the outcome, the Retry-After header, and `jitter` in
/// [-1, 1].
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    retry_base: u32,
    outcome: &Outcome,
    retry_after: Option<&str>,
    now_ms: i64,
    jitter: f64,
) -> Next {
    match classify(outcome) {
        Verdict::Succeeded => Next::Succeeded,
        Verdict::Fail => Next::Failed { disable: None },
        Verdict::FailAndDisable => Next::Failed {
            disable: Some("Disabled automatically: the endpoint answered 410 Gone".into()),
        },
        Verdict::Retry => {
            let hint = match outcome {
                Outcome::Status(s) if honours_retry_after(*s) => {
                    retry_after.and_then(|v| parse_retry_after(v, now_ms.div_euclid(1000)))
                }
                _ => None,
            };
            let made = attempt.saturating_sub(retry_base);
            match next_retry_delay(policy, made, jitter, hint) {
                Some(delay) => Next::RetryAt(now_ms + millis(delay)),
                None => Next::Failed { disable: None },
            }
        }
    }
}

fn millis(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::classify::ErrorKind;
    use domain::Backoff;

    fn policy(max: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries: max,
            backoff: Backoff::Exponential,
            initial_delay_ms: 1000,
            max_delay_ms: 3_600_000,
        }
    }

    #[test]
    fn decisions() {
        let now = 1_000_000;
        let p = policy(2);
        let cases: Vec<(u32, u32, Outcome, Option<&str>, Next)> = vec![
            (1, 0, Outcome::Status(200), None, Next::Succeeded),
            (1, 0, Outcome::Status(204), None, Next::Succeeded),
            (1, 0, Outcome::Status(500), None, Next::RetryAt(now + 1000)),
            (2, 0, Outcome::Status(503), None, Next::RetryAt(now + 4000)),
            (
                3,
                0,
                Outcome::Status(503),
                None,
                Next::Failed { disable: None },
            ),
            // a manual re-queue gives a fresh budget
            (4, 3, Outcome::Status(503), None, Next::RetryAt(now + 1000)),
            (
                1,
                0,
                Outcome::Status(400),
                None,
                Next::Failed { disable: None },
            ),
            (
                1,
                0,
                Outcome::Status(302),
                None,
                Next::Failed { disable: None },
            ),
            (
                1,
                0,
                Outcome::Error(ErrorKind::Timeout),
                None,
                Next::RetryAt(now + 1000),
            ),
            (
                1,
                0,
                Outcome::Error(ErrorKind::Blocked),
                None,
                Next::Failed { disable: None },
            ),
            (
                1,
                0,
                Outcome::Status(429),
                Some("30"),
                Next::RetryAt(now + 30_000),
            ),
            // Retry-After shorter than the computed delay is raised to it
            (
                2,
                0,
                Outcome::Status(429),
                Some("1"),
                Next::RetryAt(now + 4000),
            ),
            // Retry-After is only honoured on 429 and 503
            (
                1,
                0,
                Outcome::Status(500),
                Some("30"),
                Next::RetryAt(now + 1000),
            ),
        ];
        for (i, (attempt, base, outcome, ra, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                decide(&p, attempt, base, &outcome, ra, now, 0.0),
                want,
                "case {i}"
            );
        }
        match decide(&p, 1, 0, &Outcome::Status(410), None, now, 0.0) {
            Next::Failed {
                disable: Some(reason),
            } => assert!(reason.contains("410")),
            other => panic!("410 must disable, got {other:?}"),
        }
    }

    #[test]
    fn retry_after_is_capped_at_a_day() {
        let p = policy(5);
        let next = decide(&p, 1, 0, &Outcome::Status(503), Some("999999999"), 0, 0.0);
        assert_eq!(next, Next::RetryAt(86_400_000));
    }
}

//! What an attempt's result means for its delivery and its webhook: the pure decisions the
//! worker, resend and test sends share. [`decide`] turns an outcome into the delivery's
//! [`Next`] step (classification + retry policy + Retry-After + 410); a [`Transition`]
//! (an attempt's `Next`, or settled without a request) gives the status and due time the
//! store writes; [`health_effect`] says what it does to the webhook's health
//! (docs/delivery.md#auto-disable): test sends never change it.
use std::time::Duration;

use crate::rules::classify::{classify, honours_retry_after, Outcome, Verdict};
use crate::rules::retry::{next_retry_delay, parse_retry_after};
use domain::RetryPolicy;
use domain::{DeliveryStatus, Trigger};

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

/// Whether a failed attempt may be retried later or ends the delivery at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// The retry policy decides (queued attempts).
    Retry,
    /// A failure is final (a manual resend of a finished delivery, a test send).
    Final,
}

impl Next {
    /// `next` under `on_failure`: a scheduled retry becomes a final failure when retries
    /// are not allowed.
    pub fn under(self, on_failure: OnFailure) -> Next {
        match (self, on_failure) {
            (Next::RetryAt(_), OnFailure::Final) => Next::Failed { disable: None },
            (next, _) => next,
        }
    }
}

/// Where a delivery goes: after an attempt, or settled without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// A request was made; what follows it.
    Attempted(Next),
    /// No request was made (its webhook is inactive or its events are gone): the
    /// delivery fails.
    NotSent,
}

impl Transition {
    /// The status the delivery moves to.
    pub fn status(&self) -> DeliveryStatus {
        match self {
            Transition::Attempted(Next::Succeeded) => DeliveryStatus::Succeeded,
            Transition::Attempted(Next::RetryAt(_)) => DeliveryStatus::Retrying,
            Transition::Attempted(Next::Failed { .. }) | Transition::NotSent => {
                DeliveryStatus::Failed
            }
        }
    }
    /// When it is due again (only when a retry is scheduled).
    pub fn due_at(&self) -> Option<i64> {
        match self {
            Transition::Attempted(Next::RetryAt(t)) => Some(*t),
            _ => None,
        }
    }
}

/// What a transition does to its webhook's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthEffect {
    /// Health is left as it is.
    Unchanged,
    /// A success: failures reset.
    Succeeded,
    /// A failed attempt. `final_failure`: the delivery failed for good, which starts or
    /// continues the auto-disable window; `disable`: disable the webhook now (410 Gone).
    Failed {
        final_failure: bool,
        disable: Option<String>,
    },
}

/// The health effect of `transition`, made by `trigger`. Test sends go to the receiver
/// but say nothing about the webhook's deliveries: they never change its health.
pub fn health_effect(trigger: Trigger, transition: &Transition) -> HealthEffect {
    match (trigger, transition) {
        (Trigger::Test, _) | (_, Transition::NotSent) => HealthEffect::Unchanged,
        (_, Transition::Attempted(Next::Succeeded)) => HealthEffect::Succeeded,
        (_, Transition::Attempted(Next::RetryAt(_))) => HealthEffect::Failed {
            final_failure: false,
            disable: None,
        },
        (_, Transition::Attempted(Next::Failed { disable })) => HealthEffect::Failed {
            final_failure: true,
            disable: disable.clone(),
        },
    }
}

/// Why a webhook whose deliveries have all failed since `failing_since` is disabled at
/// `now`, or `None` while that is shorter than `disable_after_ms` (docs/delivery.md#auto-disable).
pub fn failing_too_long(
    failing_since: Option<i64>,
    now: i64,
    disable_after_ms: i64,
) -> Option<String> {
    failing_since
        .filter(|since| now - since >= disable_after_ms)
        .map(|since| {
            format!(
                "Disabled automatically: every delivery has failed since {}",
                crate::clock::rfc3339(since)
            )
        })
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

    #[test]
    fn transitions_and_health() {
        let gone = || Next::Failed {
            disable: Some("410".into()),
        };
        let failed = || Next::Failed { disable: None };
        use DeliveryStatus as S;
        use HealthEffect as H;
        let lost = |final_failure, disable: Option<&str>| H::Failed {
            final_failure,
            disable: disable.map(str::to_string),
        };
        #[rustfmt::skip]
        let cases: Vec<(Trigger, Transition, S, Option<i64>, H)> = vec![
            (Trigger::Queue, Transition::Attempted(Next::Succeeded), S::Succeeded, None, H::Succeeded),
            (Trigger::Queue, Transition::Attempted(Next::RetryAt(7)), S::Retrying, Some(7), lost(false, None)),
            (Trigger::Queue, Transition::Attempted(failed()), S::Failed, None, lost(true, None)),
            (Trigger::Queue, Transition::Attempted(gone()), S::Failed, None, lost(true, Some("410"))),
            (Trigger::Queue, Transition::NotSent, S::Failed, None, H::Unchanged),
            (Trigger::Resend, Transition::Attempted(Next::Succeeded), S::Succeeded, None, H::Succeeded),
            (Trigger::Resend, Transition::Attempted(gone()), S::Failed, None, lost(true, Some("410"))),
            // test sends reach the receiver but never change the webhook's health
            (Trigger::Test, Transition::Attempted(Next::Succeeded), S::Succeeded, None, H::Unchanged),
            (Trigger::Test, Transition::Attempted(gone()), S::Failed, None, H::Unchanged),
            (Trigger::Test, Transition::Attempted(failed()), S::Failed, None, H::Unchanged),
        ];
        for (i, (trigger, t, status, due, health)) in cases.into_iter().enumerate() {
            assert_eq!(t.status(), status, "case {i}");
            assert_eq!(t.due_at(), due, "case {i}");
            assert_eq!(health_effect(trigger, &t), health, "case {i}");
        }
        assert_eq!(Next::RetryAt(5).under(OnFailure::Final), failed());
        assert_eq!(Next::RetryAt(5).under(OnFailure::Retry), Next::RetryAt(5));
        assert_eq!(gone().under(OnFailure::Final), gone());
        assert_eq!(Next::Succeeded.under(OnFailure::Final), Next::Succeeded);
    }

    #[test]
    fn failing_too_long_disables_once_the_window_has_passed() {
        let day = 86_400_000;
        let cases = [
            (None, 10 * day, false),
            (Some(0), day - 1, false),
            (Some(0), day, true),
            (Some(day), 3 * day, true),
        ];
        for (since, now, disabled) in cases {
            let reason = failing_too_long(since, now, day);
            assert_eq!(reason.is_some(), disabled, "{since:?} at {now}");
        }
        let reason = failing_too_long(Some(0), day, day).unwrap();
        assert!(
            reason.starts_with(
                "Disabled automatically: every delivery has failed since 1970-01-01T00:00:00"
            ),
            "{reason}"
        );
    }
}

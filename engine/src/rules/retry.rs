//! Per-webhook retry policy: validation, backoff schedule with caller-supplied
//! jitter, the "is there another attempt?" decision, and `Retry-After` parsing.

use domain::{Backoff, RetryPolicy};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use domain::retry::{MAX_DELAY_MS, MAX_RETRIES, MIN_DELAY_MS};
/// Jitter amplitude: a delay is scaled by `1 + JITTER * jitter`, jitter in [-1, 1].
pub const JITTER: f64 = 0.2;

/// Field-level problems as `("retry.<field>", message)`; empty when valid.
pub fn validate_policy(p: &RetryPolicy) -> Vec<(String, String)> {
    let mut errs = Vec::new();
    let mut err = |f: &str, m: String| errs.push((format!("retry.{f}"), m));
    if p.max_retries > MAX_RETRIES {
        err(
            "max_retries",
            format!("must be between 0 and {MAX_RETRIES}"),
        );
    }
    if !(MIN_DELAY_MS..=MAX_DELAY_MS).contains(&p.initial_delay_ms) {
        err(
            "initial_delay_ms",
            format!("must be between {MIN_DELAY_MS} and {MAX_DELAY_MS}"),
        );
    }
    // Below initial_delay_ms it caps every delay, the first included (docs/delivery.md).
    if !(MIN_DELAY_MS..=MAX_DELAY_MS).contains(&p.max_delay_ms) {
        err(
            "max_delay_ms",
            format!("must be between {MIN_DELAY_MS} and {MAX_DELAY_MS}"),
        );
    }
    errs
}

/// Delay before retry number `retry` (1 = first retry; 0 is treated as 1).
/// `jitter` in [-1, 1] (clamped; NaN counts as 0) scales by ±20 %; the
/// result is capped at `max_delay_ms` and never below 100 ms.
pub fn delay_for_retry(p: &RetryPolicy, retry: u32, jitter: f64) -> Duration {
    let n = retry.max(1) - 1;
    let base = p.initial_delay_ms as f64;
    let nominal = match p.backoff {
        Backoff::Exponential => base * 4f64.powi(n.min(64) as i32),
        Backoff::Fixed => base,
    };
    let j = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(-1.0, 1.0)
    };
    let ms = (nominal * (1.0 + JITTER * j))
        .min(p.max_delay_ms as f64)
        .max(MIN_DELAY_MS as f64);
    Duration::from_millis(ms.round() as u64)
}

/// Delay before the next attempt after `attempts_made` attempts (the first
/// attempt counts), or `None` when retries are exhausted. A `Retry-After`
/// (only pass it for statuses where `classify::honours_retry_after`) is
/// clamped to [computed delay, 24 h].
pub fn next_retry_delay(
    p: &RetryPolicy,
    attempts_made: u32,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    if attempts_made > p.max_retries {
        return None;
    }
    let computed = delay_for_retry(p, attempts_made, jitter);
    let cap = Duration::from_millis(MAX_DELAY_MS).max(computed);
    Some(match retry_after {
        Some(ra) => ra.clamp(computed, cap),
        None => computed,
    })
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP-date. Dates in the
/// past give `Duration::ZERO`; anything else unparseable gives `None`.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only overflow can fail; treat as "very long".
        return Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    let when_unix: i64 = match when.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs().try_into().unwrap_or(i64::MAX),
        Err(_) => return Some(Duration::ZERO),
    };
    let delta = when_unix.saturating_sub(now_unix);
    Some(Duration::from_secs(delta.max(0) as u64))
}

/// Formats unix seconds as an HTTP-date (for tests and `Retry-After` replies).
pub fn fmt_http_date(unix: u64) -> String {
    httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn default_and_serde() {
        let p: RetryPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p, RetryPolicy::default());
        assert_eq!(p.max_retries, 8);
        assert_eq!(p.max_delay_ms, 36_000_000);
        let p: RetryPolicy =
            serde_json::from_str(r#"{"max_retries": 3, "backoff": "fixed"}"#).unwrap();
        assert_eq!(
            (p.max_retries, p.backoff, p.initial_delay_ms),
            (3, Backoff::Fixed, 5000)
        );
        for bad in [
            r#"{"retries": 3}"#,
            r#"{"backoff": "linear"}"#,
            r#"{"max_retries": -1}"#,
        ] {
            assert!(serde_json::from_str::<RetryPolicy>(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_value(RetryPolicy::default()).unwrap();
        assert_eq!(json["backoff"], "exponential");
    }

    #[test]
    fn validation() {
        let p = |r, i, m| RetryPolicy {
            max_retries: r,
            backoff: Backoff::Exponential,
            initial_delay_ms: i,
            max_delay_ms: m,
        };
        let cases: Vec<(RetryPolicy, Vec<&str>)> = vec![
            (RetryPolicy::default(), vec![]),
            (p(0, 100, 100), vec![]),
            (p(30, 86_400_000, 86_400_000), vec![]),
            (p(31, 1000, 1000), vec!["retry.max_retries"]),
            (p(1, 99, 1000), vec!["retry.initial_delay_ms"]),
            (
                p(1, 86_400_001, 86_400_001),
                vec!["retry.initial_delay_ms", "retry.max_delay_ms"],
            ),
            (p(1, 5000, 4999), vec![]),
            (p(1, 5000, 99), vec!["retry.max_delay_ms"]),
            (p(1, 5000, 86_400_001), vec!["retry.max_delay_ms"]),
        ];
        for (policy, want) in cases {
            let got: Vec<String> = validate_policy(&policy)
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            assert_eq!(got, want, "{policy:?}");
        }
    }

    #[test]
    fn delays() {
        let d = RetryPolicy::default();
        let fixed = RetryPolicy {
            backoff: Backoff::Fixed,
            ..d.clone()
        };
        let tiny = RetryPolicy {
            initial_delay_ms: 100,
            max_delay_ms: 100,
            ..d.clone()
        };
        let cases: Vec<(&RetryPolicy, u32, f64, Duration)> = vec![
            (&d, 1, 0.0, ms(5_000)),
            (&d, 0, 0.0, ms(5_000)),
            (&d, 2, 0.0, ms(20_000)),
            (&d, 3, 0.0, ms(80_000)),
            (&d, 1, 1.0, ms(6_000)),
            (&d, 1, -1.0, ms(4_000)),
            (&d, 1, 5.0, ms(6_000)),
            (&d, 1, f64::NAN, ms(5_000)),
            (&d, 7, 0.0, ms(20_480_000)),
            (&d, 8, -1.0, ms(36_000_000)),
            (&d, 30, 1.0, ms(36_000_000)),
            (&d, u32::MAX, 1.0, ms(36_000_000)),
            (&fixed, 1, 0.0, ms(5_000)),
            (&fixed, 30, 0.5, ms(5_500)),
            (&tiny, 1, -1.0, ms(100)),
            (&tiny, 5, 1.0, ms(100)),
        ];
        for (p, retry, jitter, want) in cases {
            assert_eq!(
                delay_for_retry(p, retry, jitter),
                want,
                "retry {retry} jitter {jitter}"
            );
        }
    }

    #[test]
    fn default_schedule_is_about_a_day() {
        let p = RetryPolicy::default();
        for jitter in [-1.0, -0.3, 0.0, 0.7, 1.0] {
            let mut total = Duration::ZERO;
            let mut attempts = 1;
            while let Some(delay) = next_retry_delay(&p, attempts, jitter, None) {
                let nominal = (5_000f64 * 4f64.powi(attempts as i32 - 1)).min(36e6);
                let got = delay.as_millis() as f64;
                assert!(
                    got >= nominal * 0.8 - 1.0 && got <= nominal * 1.2 + 1.0,
                    "{attempts}"
                );
                total += delay;
                attempts += 1;
            }
            assert_eq!(attempts, 9, "8 retries => 9 attempts");
            let hours = total.as_secs_f64() / 3600.0;
            assert!((15.0..=24.0).contains(&hours), "{hours} h");
        }
    }

    #[test]
    fn next_retry() {
        let p = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let zero = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        };
        let day = Duration::from_secs(86_400);
        let cases: Vec<(&RetryPolicy, u32, Option<Duration>, Option<Duration>)> = vec![
            (&p, 1, None, Some(ms(5_000))),
            (&p, 2, None, Some(ms(20_000))),
            (&p, 3, None, None),
            (&zero, 1, None, None),
            (&p, 1, Some(ms(1_000)), Some(ms(5_000))),
            (&p, 1, Some(ms(60_000)), Some(ms(60_000))),
            (&p, 1, Some(Duration::from_secs(200_000)), Some(day)),
            (&p, 3, Some(ms(1_000)), None),
        ];
        for (policy, attempts, ra, want) in cases {
            assert_eq!(
                next_retry_delay(policy, attempts, 0.0, ra),
                want,
                "{attempts} {ra:?}"
            );
        }
    }

    #[test]
    fn retry_after_parsing() {
        let now = 1_700_000_000i64;
        let cases: Vec<(String, Option<Duration>)> = vec![
            ("120".into(), Some(Duration::from_secs(120))),
            (" 0 ".into(), Some(Duration::ZERO)),
            (
                "99999999999999999999999".into(),
                Some(Duration::from_secs(u64::MAX)),
            ),
            (
                fmt_http_date(now as u64 + 90),
                Some(Duration::from_secs(90)),
            ),
            (fmt_http_date(now as u64 - 90), Some(Duration::ZERO)),
            ("Wed, 21 Oct 2015 07:28:00 GMT".into(), Some(Duration::ZERO)),
            ("-5".into(), None),
            ("1.5".into(), None),
            ("soon".into(), None),
            ("".into(), None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_retry_after(&value, now), want, "{value:?}");
        }
    }
}

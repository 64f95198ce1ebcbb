//! A webhook's recent activity as the console charts it: attempts bucketed by hour over
//! the last 24 hours, with the success count and p50/p95 latency of each hour.
use crate::store::AttemptPoint;
use domain::ActivityBucket;

pub const HOUR_MS: i64 = 3_600_000;
pub const HOURS: i64 = 24;

/// The first millisecond the charts cover: the start of the hour 23 hours before `now`'s.
pub fn window_start(now_ms: i64) -> i64 {
    now_ms.div_euclid(HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS
}

/// The attempts of `series` bucketed by hour, oldest first, for the 24 hours up to `now_ms`.
pub fn buckets(series: &[AttemptPoint], now_ms: i64) -> Vec<ActivityBucket> {
    let start = window_start(now_ms);
    let mut durations: Vec<Vec<u64>> = vec![Vec::new(); HOURS as usize];
    let mut succeeded = vec![0u32; HOURS as usize];
    for p in series {
        let (at, duration, ok) = (p.started_at, p.duration_ms, p.succeeded);
        let i = (at - start).div_euclid(HOUR_MS);
        if !(0..HOURS).contains(&i) {
            continue;
        }
        durations[i as usize].push(duration.max(0) as u64);
        if ok {
            succeeded[i as usize] += 1;
        }
    }
    durations
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d.sort_unstable();
            let hour = (start + i as i64 * HOUR_MS)
                .div_euclid(HOUR_MS)
                .rem_euclid(24);
            ActivityBucket {
                label: format!("{hour:02}:00"),
                total: d.len() as u32,
                succeeded: succeeded[i],
                p50_ms: percentile(&d, 50),
                p95_ms: percentile(&d, 95),
            }
        })
        .collect()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_hour() {
        let now = 100 * HOUR_MS + 1234;
        let start = window_start(now);
        assert_eq!(start, 77 * HOUR_MS);
        let p = |started_at, duration_ms, succeeded| AttemptPoint {
            started_at,
            duration_ms,
            succeeded,
        };
        let series = vec![
            p(start, 10, true),
            p(start + 1, 30, false),
            p(start + 2, 20, true),
            p(now, 5, true),
            p(start - 1, 99, true),
        ];
        let b = buckets(&series, now);
        assert_eq!(b.len(), 24);
        assert_eq!(
            (b[0].total, b[0].succeeded, b[0].p50_ms, b[0].p95_ms),
            (3, 2, Some(20), Some(30))
        );
        assert_eq!((b[23].total, b[23].p50_ms), (1, Some(5)));
        assert_eq!(b[1].total, 0);
        assert_eq!(b[1].p50_ms, None);
        assert_eq!(b[0].label, "05:00");
    }

    #[test]
    fn percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 95), Some(95));
        assert_eq!(percentile(&[7], 95), Some(7));
    }
}

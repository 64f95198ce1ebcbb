//! How long finished work is kept (`HERALD_RETENTION`, docs/retention.md): what is
//! old enough to purge at a given time, and how long the purger rests between passes.

use std::time::Duration;

/// Rows purged per transaction: small enough that a pass never holds the (single SQLite)
/// writer for long, so ingest and the worker interleave with it.
pub const PURGE_BATCH: u32 = 500;

/// How long events, finished deliveries and their attempts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retention {
    /// Nothing is ever purged (`off` or `0`).
    #[default]
    Forever,
    /// Purged once older than this.
    For(Duration),
}

impl Retention {
    /// `off` or `0` keep everything; anything else is a positive duration.
    pub fn from_duration(d: Option<Duration>) -> Self {
        match d {
            Some(d) if !d.is_zero() => Retention::For(d),
            _ => Retention::Forever,
        }
    }

    /// Rows last touched before this (unix ms) may be purged at `now_ms`; `None` when
    /// nothing is ever purged.
    pub fn cutoff(self, now_ms: i64) -> Option<i64> {
        match self {
            Retention::Forever => None,
            Retention::For(d) => {
                Some(now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
            }
        }
    }

    /// The rest between two purge passes: a tenth of the retention, from 1 s to 60 s, so
    /// nothing outlives the retention by more than about a tenth of it.
    pub fn pause(self) -> Duration {
        match self {
            Retention::Forever => Duration::from_secs(60),
            Retention::For(d) => (d / 10).clamp(Duration::from_secs(1), Duration::from_secs(60)),
        }
    }

    /// For people: `30 days`, `12 hours`, `90 minutes`, `45 seconds`, or `forever`, in the
    /// largest unit that divides it.
    pub fn label(self) -> String {
        let Retention::For(d) = self else {
            return "forever".into();
        };
        let ms = d.as_millis();
        let units = [
            (86_400_000, "day"),
            (3_600_000, "hour"),
            (60_000, "minute"),
            (1_000, "second"),
            (1, "millisecond"),
        ];
        let (size, name) = units
            .into_iter()
            .find(|(size, _)| ms % size == 0)
            .unwrap_or((1, "millisecond"));
        let n = ms / size;
        format!("{n} {name}{}", if n == 1 { "" } else { "s" })
    }

    /// Seconds, for the `herald_retention_seconds` gauge (0 = forever).
    pub fn seconds(self) -> f64 {
        match self {
            Retention::Forever => 0.0,
            Retention::For(d) => d.as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_and_pauses() {
        let s = Duration::from_secs;
        let cases = [
            (None, None, s(60)),
            (Some(s(0)), None, s(60)),
            (Some(s(5)), Some(1_000_000 - 5_000), s(1)),
            (Some(s(90 * 60)), Some(1_000_000 - 5_400_000), s(60)),
            (Some(s(300)), Some(1_000_000 - 300_000), s(30)),
            (Some(s(30 * 86_400)), Some(1_000_000 - 2_592_000_000), s(60)),
        ];
        for (given, cutoff, pause) in cases {
            let r = Retention::from_duration(given);
            assert_eq!(r.cutoff(1_000_000), cutoff, "{given:?}");
            assert_eq!(r.pause(), pause, "{given:?}");
        }
        assert_eq!(Retention::For(s(u64::MAX)).cutoff(5), Some(5 - i64::MAX));
        assert_eq!(Retention::Forever.seconds(), 0.0);
        let labels = [
            (Retention::Forever, "forever"),
            (Retention::For(s(30 * 86_400)), "30 days"),
            (Retention::For(s(86_400)), "1 day"),
            (Retention::For(s(36 * 3600)), "36 hours"),
            (Retention::For(s(90 * 60)), "90 minutes"),
            (Retention::For(s(45)), "45 seconds"),
            (
                Retention::For(Duration::from_millis(1500)),
                "1500 milliseconds",
            ),
        ];
        for (r, want) in labels {
            assert_eq!(r.label(), want);
        }
        assert_eq!(Retention::For(s(3600)).seconds(), 3600.0);
    }
}

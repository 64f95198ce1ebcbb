//! Time as a dependency: the engine asks a `Clock` for "now" so retry schedules and
//! auto-disable are tested exactly, without sleeping; and the one place instants are
//! written and read as RFC 3339 text (`rfc3339`, `parse_time`).
//!
//! The calendar work is the `time` crate's (its RFC 3339 format and parser), chosen over
//! `jiff` because it is already in the build (sqlx and the session store use it), its
//! RFC 3339 parser is strict (4-digit years, real dates, offsets up to 23:59) where jiff's
//! accepts the wider Temporal/ISO 8601 grammar, and Herald needs no time zones. Its range
//! (years 0000–9999 in RFC 3339) bounds both directions: formatting clamps, parsing rejects.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> Millis;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        d.as_millis() as Millis
    }
}

/// A clock that only moves when told to; shared by clones.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start_ms: Millis) -> Self {
        Self(Arc::new(AtomicI64::new(start_ms)))
    }
    pub fn set(&self, ms: Millis) {
        self.0.store(ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: Millis) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// The first instant RFC 3339 can write: `0000-01-01T00:00:00Z`, in unix seconds.
const MIN_SECS: i64 = -62_167_219_200;
/// The last whole second RFC 3339 can write: `9999-12-31T23:59:59Z`, in unix seconds.
const MAX_SECS: i64 = 253_402_300_799;

/// RFC 3339 UTC with second precision, e.g. `2024-11-22T08:00:00Z` (milliseconds are
/// dropped, rounding down). Instants outside the years 0000–9999, which RFC 3339 cannot
/// write, are clamped to `0000-01-01T00:00:00Z` / `9999-12-31T23:59:59Z`.
pub fn rfc3339(ms: Millis) -> String {
    let secs = ms.div_euclid(1000).clamp(MIN_SECS, MAX_SECS);
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Parses RFC 3339 (`2024-11-22T08:00:00Z`; `T`, `t` or a space between date and time;
/// `Z`, `z` or a `±HH:MM` offset; fractional seconds of any length, cut to milliseconds)
/// or plain unix seconds (`1732262400`, optionally signed) into milliseconds. Leading and
/// trailing whitespace is ignored. A leap second (`:60`) is the first instant of the next
/// minute. `None` for anything else, for dates that do not exist (`2024-02-30`), and for
/// unix seconds outside the years 0000–9999.
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return (MIN_SECS..=MAX_SECS).contains(&secs).then(|| secs * 1000);
    }
    // `time` accepts any byte between date and time; Herald accepts the three RFC 3339 names.
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    // `time` reads a leap second as 23:59:59.999999999 and only at the end of a month;
    // Herald has always read `:60` as the next minute's first instant, wherever it is.
    let (text, leap_ms) = match (s.get(..17), s.get(17..19), s.get(19..)) {
        (Some(head), Some("60"), Some(tail)) => (format!("{head}59{tail}"), 1000),
        _ => (s.to_string(), 0),
    };
    let t = OffsetDateTime::parse(&text, &Rfc3339).ok()?;
    let ms = t.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(ms).ok().map(|ms| ms + leap_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_732_262_400_000, "2024-11-22T08:00:00Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (4_102_444_799_000, "2099-12-31T23:59:59Z"),
        ];
        for (ms, text) in cases {
            assert_eq!(rfc3339(ms), text);
            assert_eq!(parse_time(text), Some(ms), "{text}");
        }
    }

    #[test]
    fn parses_offsets_fractions_and_unix_seconds() {
        assert_eq!(
            parse_time("2024-11-22T09:00:00+01:00"),
            Some(1_732_262_400_000)
        );
        assert_eq!(
            parse_time("2024-11-22T08:00:00.250Z"),
            Some(1_732_262_400_250)
        );
        assert_eq!(parse_time("1732262400"), Some(1_732_262_400_000));
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-11-22T08:00:00",
            "2024-11-22T08:00:00.Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn formatting_clamps_to_what_rfc3339_can_write() {
        let cases = [
            (i64::MAX, "9999-12-31T23:59:59Z"),
            (i64::MIN, "0000-01-01T00:00:00Z"),
            (MAX_SECS * 1000 + 999, "9999-12-31T23:59:59Z"),
            ((MAX_SECS + 1) * 1000, "9999-12-31T23:59:59Z"),
            (MIN_SECS * 1000, "0000-01-01T00:00:00Z"),
            (MIN_SECS * 1000 - 1, "0000-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (1_732_262_400_999, "2024-11-22T08:00:00Z"),
        ];
        for (ms, text) in cases {
            assert_eq!(rfc3339(ms), text, "{ms}");
        }
    }

    #[test]
    fn parsing_edges() {
        let cases: &[(&str, Option<Millis>)] = &[
            // Overflowing or out-of-range unix seconds: None, never a panic or a wrap.
            ("9223372036854775807", None),
            ("-9223372036854775808", None),
            ("9223372036854776", None),
            ("253402300800", None),
            ("253402300799", Some(253_402_300_799_000)),
            ("-62167219200", Some(-62_167_219_200_000)),
            ("-62167219201", None),
            ("+60", Some(60_000)),
            ("-1", Some(-1000)),
            ("  1732262400\n", Some(1_732_262_400_000)),
            // Years beyond 9999 are not RFC 3339.
            ("10000-01-01T00:00:00Z", None),
            ("99999999999-01-01T00:00:00Z", None),
            ("9999-12-31T23:59:59Z", Some(253_402_300_799_000)),
            ("0000-01-01T00:00:00Z", Some(-62_167_219_200_000)),
            // The separators RFC 3339 names.
            ("2024-11-22t08:00:00z", Some(1_732_262_400_000)),
            ("2024-11-22 08:00:00Z", Some(1_732_262_400_000)),
            ("2024-11-22X08:00:00Z", None),
            ("2024-11-22é08:00:00Z", None),
            // Offsets, fractions.
            ("2024-11-22T08:00:00-00:30", Some(1_732_264_200_000)),
            ("2024-11-22T08:00:00.1Z", Some(1_732_262_400_100)),
            ("2024-11-22T24:00:00Z", None),
            ("2024-11-22T08:00:00.123456789123Z", Some(1_732_262_400_123)),
            ("1969-12-31T23:59:59.5009Z", Some(-500)),
            // A leap second is the next minute's first instant.
            ("2016-12-31T23:59:60Z", Some(1_483_228_800_000)),
            ("2016-12-31T23:59:60.5Z", Some(1_483_228_800_500)),
            // Better than before: these were accepted (or panicked) by the hand-written
            // parser and are now rejected.
            ("2024-02-30T00:00:00Z", None),
            ("2024-11-22T08x00x00Z", None),
            ("+024-11-22T08:00:00Z", None),
            ("2024-11-22T08:00:00+99:99", None),
            ("2024-11-22T08:00:00+0é00", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time(text), *want, "{text:?}");
        }
    }

    #[test]
    fn round_trips_across_the_whole_range() {
        for ms in [
            MIN_SECS * 1000,
            -86_400_000,
            0,
            1_732_262_400_000,
            MAX_SECS * 1000,
        ] {
            assert_eq!(parse_time(&rfc3339(ms)), Some(ms), "{ms}");
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1000);
        let shared = c.clone();
        assert_eq!(c.now_ms(), 1000);
        shared.advance(500);
        assert_eq!(c.now_ms(), 1500);
        c.set(7);
        assert_eq!(shared.now_ms(), 7);
    }
}

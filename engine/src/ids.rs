//! Identifiers: a prefix, `_`, and a ULID (the `ulid` crate): 48-bit millisecond time then
//! 80 random bits, 26 chars of Crockford base32, so ids sort by time. They never contain
//! `.`. The time is the caller's `now_ms` (the engine's `Clock`), not the wall clock, so
//! tests with a manual clock get ids in the order they set.
use ulid::{Ulid, ULID_LEN};

pub const WEBHOOK: &str = "wh";
pub const EVENT: &str = "evt";
pub const DELIVERY: &str = "dlv";
pub const ATTEMPT: &str = "req";
pub const API_KEY: &str = "key";

/// A new id with `prefix` for the instant `now_ms` (negative times count as the epoch;
/// times past the 48 bits a ULID holds, in the year 10889, wrap as in any ULID).
pub fn new_id(prefix: &str, now_ms: i64) -> String {
    let ulid = Ulid::from_parts(now_ms.max(0) as u64, rand::random::<u128>());
    let mut buf = [0u8; ULID_LEN];
    let mut out = String::with_capacity(prefix.len() + 1 + ULID_LEN);
    out.push_str(prefix);
    out.push('_');
    out.push_str(ulid.array_to_str(&mut buf));
    out
}

/// True when `id` looks like one of ours with this prefix (cheap syntactic check): the
/// prefix, `_`, and a ULID exactly as `new_id` writes it (upper case, at most `7ZZZ…`).
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    let Some(ulid) = id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
    else {
        return false;
    };
    let mut buf = [0u8; ULID_LEN];
    Ulid::from_string(ulid).is_ok_and(|u| u.array_to_str(&mut buf) == ulid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_are_unique() {
        let a = new_id(DELIVERY, 1_000);
        let b = new_id(DELIVERY, 2_000);
        assert!(a < b);
        assert_ne!(new_id(EVENT, 5), new_id(EVENT, 5));
        assert!(has_prefix(&a, DELIVERY));
        assert!(!has_prefix(&a, EVENT));
        assert!(!a.contains('.'));
        assert_eq!(a.len(), 30);
    }

    #[test]
    fn format_is_crockford_base32_with_the_time_first() {
        const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        for now in [0, 1, 1_732_262_400_000, (1 << 48) - 1, -5] {
            let id = new_id(WEBHOOK, now);
            let ulid = &id[3..];
            assert_eq!(id.len(), 29, "{id}");
            assert!(ulid.chars().all(|c| ALPHABET.contains(c)), "{id}");
            assert!(has_prefix(&id, WEBHOOK), "{id}");
            let time = Ulid::from_string(ulid).unwrap().timestamp_ms();
            assert_eq!(time, now.max(0) as u64, "{id}");
        }
        // The time part is the first 10 chars, so ids of one millisecond share it.
        let (a, b) = (
            new_id(EVENT, 1_732_262_400_000),
            new_id(EVENT, 1_732_262_400_000),
        );
        assert_eq!(a[..14], b[..14]);
        // Sorting follows time across a wide span, including past 2^32 ms.
        let ids: Vec<String> = [0, 1, 999, 1 << 32, 1_732_262_400_000, (1 << 48) - 1]
            .iter()
            .map(|&t| new_id(DELIVERY, t))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }

    #[test]
    fn has_prefix_is_strict() {
        let good = new_id(API_KEY, 1_732_262_400_000);
        assert!(has_prefix(&good, API_KEY));
        for bad in [
            String::new(),
            "key_".to_string(),
            "key".to_string(),
            good.to_lowercase(),
            good.replacen("key_", "key-", 1),
            format!("{good}0"),
            good[..good.len() - 1].to_string(),
            "key_01JD8ZD000000000000000000I".to_string(),
            "key_8ZZZZZZZZZZZZZZZZZZZZZZZZZ".to_string(),
        ] {
            assert!(!has_prefix(&bad, API_KEY), "{bad:?}");
        }
        assert!(has_prefix("key_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", API_KEY));
    }
}

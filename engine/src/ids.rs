//! Identifiers: a prefix, `_`, and a sortable random part (48-bit millisecond time then
//! 80 random bits in Crockford base32, like a ULID). They never contain `.`.
use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub const WEBHOOK: &str = "wh";
pub const EVENT: &str = "evt";
pub const DELIVERY: &str = "dlv";
pub const ATTEMPT: &str = "req";
pub const API_KEY: &str = "key";

/// A new id with `prefix` for the instant `now_ms`.
pub fn new_id(prefix: &str, now_ms: i64) -> String {
    let mut random = [0u8; 10];
    rand::thread_rng().fill_bytes(&mut random);
    let mut value: u128 = (now_ms.max(0) as u128 & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= (*b as u128) << (8 * (9 - i));
    }
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..26).rev() {
        out.push(ALPHABET[((value >> (5 * i)) & 31) as usize] as char);
    }
    out
}

/// True when `id` looks like one of ours with this prefix (cheap syntactic check).
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    id.len() == prefix.len() + 27
        && id.starts_with(prefix)
        && id.as_bytes()[prefix.len()] == b'_'
        && id[prefix.len() + 1..]
            .bytes()
            .all(|b| ALPHABET.contains(&b))
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
}

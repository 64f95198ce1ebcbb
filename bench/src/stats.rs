//! Small statistics helpers: percentiles of sorted samples, rates.

/// The `p`th percentile (nearest rank) of ascending `sorted`; 0 when empty.
pub fn percentile_sorted(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Percentile of unsorted samples (sorts a copy).
pub fn percentile(samples: &[u32], p: f64) -> u32 {
    let mut v = samples.to_vec();
    v.sort_unstable();
    percentile_sorted(&v, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile_sorted(&v, 50.0), 50);
        assert_eq!(percentile_sorted(&v, 99.0), 99);
        assert_eq!(percentile_sorted(&v, 100.0), 100);
        assert_eq!(percentile_sorted(&[], 99.0), 0);
        assert_eq!(percentile(&[3, 1, 2], 50.0), 2);
    }
}

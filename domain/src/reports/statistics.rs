//! The summary statistics reports quote, defined once.

/// The median of `values`: the middle one, or the mean of the two middle ones; `None` when there
/// are none.
pub fn median(values: &[i64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let middle = sorted[n / 2] as f64;
    if n % 2 == 1 {
        Some(middle)
    } else {
        Some((sorted[n / 2 - 1] as f64 + middle) / 2.0)
    }
}

/// The `p`th percentile (0 < p ≤ 100) of `values` by the nearest-rank method: the smallest value
/// with at least p% of the values at or below it; `None` when there are none.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 || p == 0 || p > 100 {
        return None;
    }
    // ceil(p/100 × n), as an index from 1.
    let rank = (usize::try_from(p).ok()? * n).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

//! Summaries of timings, for the benches.

/// The median, 90th and 99th percentiles of some timings.
pub fn percentiles(times: &mut [std::time::Duration]) -> [std::time::Duration; 3] {
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    [at(0.5), at(0.9), at(0.99)]
}

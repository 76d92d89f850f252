//! A phase of an XmR chart: a stretch of points with its own mean, moving ranges and
//! limits, and the constants Making Data Count's rules are read with.

use super::mean;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Limits are the mean ± this many mean moving ranges (3 ÷ d2, d2 = 1.128).
pub const LIMIT_FACTOR: f64 = 2.66;
/// Moving ranges above this many mean moving ranges are set aside (D4 for n = 2).
pub const SCREENING_FACTOR: f64 = 3.267;
/// Points in a row on one side of the mean that make a shift.
pub const SHIFT_LENGTH: usize = 7;
/// Points in a row rising or falling that make a trend.
pub const TREND_LENGTH: usize = 7;
/// Fewer points than this give provisional limits.
pub const BASELINE_POINTS: usize = 12;

/// The readings of the two-of-three rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoOfThree {
    /// As NHSRplotthedots computes it: three points in a row on one side of the mean, at
    /// least two of them between the 2σ line and the limit.
    #[default]
    MakingDataCount,
    /// Two of three points in a row beyond the 2σ line on one side, counting points beyond
    /// the limits, the third point anywhere.
    WesternElectric,
}

/// A stretch of points with its own centre line and limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// The first point.
    pub start: usize,
    /// One past the last point.
    pub end: usize,
    pub mean: f64,
    /// `None` for a phase of one point, which has no moving range.
    pub mean_moving_range: Option<f64>,
    pub upper: Option<f64>,
    pub lower: Option<f64>,
    /// Points whose moving range was set aside as unusual.
    pub screened_out: Vec<usize>,
}

impl Phase {
    pub fn points(&self) -> Range<usize> {
        self.start..self.end
    }

    /// σ estimated from the moving ranges: a third of the way from the mean to a limit.
    pub fn sigma(&self) -> Option<f64> {
        self.mean_moving_range.map(|m| LIMIT_FACTOR * m / 3.0)
    }
}

pub(super) fn phase(
    values: &[f64],
    moving_ranges: &[Option<f64>],
    points: Range<usize>,
    screen: bool,
    bounds: Option<(f64, f64)>,
) -> Phase {
    let ranges: Vec<(usize, f64)> = points
        .clone()
        .filter_map(|i| Some((i, moving_ranges[i]?)))
        .collect();
    let mut screened_out = Vec::new();
    let mean_moving_range = (!ranges.is_empty()).then(|| {
        let all: Vec<f64> = ranges.iter().map(|&(_, r)| r).collect();
        let unscreened = mean(&all);
        if !screen {
            return unscreened;
        }
        let ceiling = SCREENING_FACTOR * unscreened;
        let kept: Vec<f64> = all.iter().copied().filter(|&r| r <= ceiling).collect();
        let screened = if kept.is_empty() { 0.0 } else { mean(&kept) };
        if screened > 0.0 {
            screened_out = ranges
                .iter()
                .filter(|&&(_, r)| r > ceiling)
                .map(|&(i, _)| i)
                .collect();
            screened
        } else {
            unscreened
        }
    });
    let own = &values[points.clone()];
    let centre = mean(own);
    Phase {
        start: points.start,
        end: points.end,
        mean: centre,
        mean_moving_range,
        upper: mean_moving_range.map(|m| clamp(centre + LIMIT_FACTOR * m, bounds)),
        lower: mean_moving_range.map(|m| clamp(centre - LIMIT_FACTOR * m, bounds)),
        screened_out,
    }
}

fn clamp(limit: f64, bounds: Option<(f64, f64)>) -> f64 {
    match bounds {
        Some((lowest, highest)) if lowest <= highest => limit.clamp(lowest, highest),
        _ => limit,
    }
}

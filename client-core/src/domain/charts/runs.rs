//! Runs: points in a row on one side of the median. The run chart's rules and
//! Anhøj's rules both read a series as its runs.

use super::Side;

/// Points in a row on one side of the median, skipping points on it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Run {
    pub(super) side: Side,
    pub(super) points: Vec<usize>,
}

/// The runs about `median`: useful points grouped while they stay on one side.
pub(super) fn runs_about(values: &[f64], median: f64) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, &x) in values.iter().enumerate() {
        let Some(side) = Side::of(x, median) else {
            continue;
        };
        match runs.last_mut() {
            Some(run) if run.side == side => run.points.push(i),
            _ => runs.push(Run {
                side,
                points: vec![i],
            }),
        }
    }
    runs
}

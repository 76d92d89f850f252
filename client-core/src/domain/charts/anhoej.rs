//! Anhøj's rules, the computable alternative to the runs table (Anhøj & Olesen 2014; used
//! by qicharts2): with n useful points (points not on the median), a run longer than
//! round(log2 n) + 3, or fewer crossings of the median than the 5th percentile of
//! Binomial(n − 1, ½), is a signal. Both limits hold for any n, so the rules need no table.

use super::runs::Run;
use super::{Reading, Rule, Series, Side, Signal, binomial, reading, wording};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anhoej {
    pub useful_points: usize,
    /// The most points in a row on one side of the median.
    pub longest_run: usize,
    /// A run longer than this is a signal.
    pub longest_run_limit: usize,
    /// How often the line crosses the median (the number of runs less one).
    pub crossings: usize,
    /// Fewer crossings than this are a signal.
    pub fewest_crossings: usize,
    pub signals: Vec<Signal>,
}

/// round(log2 n) + 3: the longest run chance gives for `useful_points` (at least 1).
pub fn longest_run_limit(useful_points: usize) -> usize {
    if useful_points == 0 {
        return 3;
    }
    (useful_points as f64).log2().round() as usize + 3
}

/// qbinom(0.05, n − 1, 0.5), exactly: the fewest crossings chance gives for
/// `useful_points` (at least 1).
pub fn fewest_crossings(useful_points: usize) -> usize {
    let trials = u32::try_from(useful_points.saturating_sub(1)).unwrap_or(u32::MAX);
    binomial::quantile_of_half(trials, 1, 20) as usize
}

/// Anhøj's rules over the runs of a run chart; `None` when no point is off the median.
pub(super) fn analyse(series: &Series, runs: &[Run], direction: Direction) -> Option<Anhoej> {
    let useful_points: usize = runs.iter().map(|r| r.points.len()).sum();
    if useful_points == 0 {
        return None;
    }
    let longest_run = runs.iter().map(|r| r.points.len()).max().unwrap_or(0);
    let longest_run_limit = longest_run_limit(useful_points);
    let crossings = runs.len().saturating_sub(1);
    let fewest_crossings = fewest_crossings(useful_points);

    let mut signals: Vec<Signal> = runs
        .iter()
        .filter(|r| r.points.len() > longest_run_limit)
        .map(|run| long_run(series, run, longest_run_limit, useful_points, direction))
        .collect();
    if crossings < fewest_crossings {
        let how_often = match crossings {
            0 => "never crosses the median".to_string(),
            1 => "crosses the median only once".to_string(),
            n => format!("crosses the median only {} times", wording::count(n)),
        };
        signals.push(Signal {
            rule: Rule::FewCrossings,
            points: Vec::new(),
            reading: None,
            explanation: format!(
                "The line {how_often}, fewer than the {fewest_crossings} crossings chance gives \
                 for {useful_points} points off the median (Anhøj's rule): a sign the process \
                 has shifted."
            ),
        });
    }
    Some(Anhoej {
        useful_points,
        longest_run,
        longest_run_limit,
        crossings,
        fewest_crossings,
        signals,
    })
}

fn long_run(
    series: &Series,
    run: &Run,
    limit: usize,
    useful_points: usize,
    direction: Direction,
) -> Signal {
    let reading: Option<Reading> = Some(reading(direction, run.side == Side::Above));
    let (first, last) = (
        run.points.first().copied().unwrap_or(0),
        run.points.last().copied().unwrap_or(0),
    );
    Signal {
        rule: Rule::LongRun,
        points: run.points.clone(),
        reading,
        explanation: wording::sentence(format!(
            "{} points, {}, are {} the median, more than the {limit} in a row that chance gives \
             for {useful_points} points off the median (Anhøj's rule): a shift{}.",
            wording::count(run.points.len()),
            wording::span(series, first, last),
            run.side.word(),
            wording::here(reading),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_the_published_tables() {
        // Anhøj & Olesen 2014, and qicharts2: n, longest run limit, fewest crossings.
        for (n, run, crossings) in [
            (10, 6, 2),
            (11, 6, 2),
            (12, 7, 3),
            (20, 7, 6),
            (24, 8, 8),
            (30, 8, 10),
            (40, 8, 14),
            (60, 9, 23),
            (100, 10, 41),
        ] {
            assert_eq!(longest_run_limit(n), run, "longest run, n = {n}");
            assert_eq!(fewest_crossings(n), crossings, "crossings, n = {n}");
        }
    }

    #[test]
    fn tiny_charts_have_limits_too() {
        assert_eq!(longest_run_limit(1), 3);
        assert_eq!(fewest_crossings(1), 0);
        assert_eq!(longest_run_limit(0), 3);
        assert_eq!(fewest_crossings(0), 0);
    }
}

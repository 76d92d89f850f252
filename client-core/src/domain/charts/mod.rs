//! The chart rules: how a measure's series is read on a run chart (Perla, Provost & Murray
//! 2011, with Anhøj's rules as the computable alternative) and on an XmR chart (NHS
//! England's *Making Data Count*). Pure functions over the plotted values; each signal
//! names its points and says in one sentence what it means for the measure.
//!
//! Points are known by their index in the series (0 is the first), and in sentences by
//! their name: "point 3" for bare values, "the week of 3 March 2025" for a measure's
//! series. A value that is not a finite number is refused, never skipped, so that indices
//! always mean the points the team recorded.

pub mod anhoej;
mod assurance;
mod binomial;
pub mod icons;
mod phase;
pub mod run_chart;
mod runs;
pub mod runs_table;
mod special_causes;
mod wording;
pub mod xmr;

use super::event::{Direction, Frequency};
use super::views::Point;
use serde::{Deserialize, Serialize};

/// Something the data say that chance alone would rarely produce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub rule: Rule,
    /// The points that make the signal, by index, in order. Empty when the signal is
    /// about the chart as a whole (too few or too many runs, too few crossings).
    pub points: Vec<usize>,
    /// Good or bad news by the measure's direction; `None` when the rule has no direction.
    pub reading: Option<Reading>,
    /// One plain sentence a manager understands.
    pub explanation: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    // Run chart (Perla, Provost & Murray).
    /// Six or more points in a row on one side of the median.
    Shift,
    /// Five or more points in a row all going up or all going down.
    Trend,
    /// Fewer runs than the runs table allows for the number of useful points.
    TooFewRuns,
    /// More runs than the runs table allows.
    TooManyRuns,
    /// A point obviously different from the rest (see `run_chart` for the rule used).
    AstronomicalPoint,
    // Run chart (Anhøj).
    /// A run longer than round(log2 n) + 3.
    LongRun,
    /// Fewer median crossings than the 5th percentile of Binomial(n − 1, ½).
    FewCrossings,
    // XmR chart (Making Data Count).
    /// A point above the upper or below the lower process limit.
    OutsideLimits,
    /// Seven or more points in a row on one side of the mean.
    SevenOnOneSide,
    /// Seven or more points in a row each higher, or each lower, than the one before.
    SevenRisingOrFalling,
    /// Two of three points in a row beyond two thirds of the way to a limit, same side.
    TwoOfThreeNearLimit,
}

impl Rule {
    /// The rule in a few plain words, as every client names it.
    pub fn words(self) -> &'static str {
        match self {
            Rule::Shift => "shift",
            Rule::Trend => "trend",
            Rule::TooFewRuns => "too few runs",
            Rule::TooManyRuns => "too many runs",
            Rule::AstronomicalPoint => "astronomical point",
            Rule::LongRun => "unusually long run",
            Rule::FewCrossings => "too few crossings",
            Rule::OutsideLimits => "outside the limits",
            Rule::SevenOnOneSide => "seven on one side of the mean",
            Rule::SevenRisingOrFalling => "seven rising or falling",
            Rule::TwoOfThreeNearLimit => "two of three near a limit",
        }
    }
}

impl Signal {
    /// "shift (improvement)", "too few crossings": the rule and its reading in words.
    pub fn label(&self) -> String {
        match self.reading {
            Some(r) => format!("{} ({})", self.rule.words(), r.words()),
            None => self.rule.words().to_string(),
        }
    }
}

impl Reading {
    pub fn words(self) -> &'static str {
        match self {
            Reading::Improvement => "improvement",
            Reading::Concern => "concern",
        }
    }
}

/// What a signal means for the measure, by its direction of improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reading {
    Improvement,
    Concern,
}

/// A limit of the analysis the reader should know about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WarningKind {
    /// Too few or too many useful points for the runs table: the runs rule was not applied.
    RunsRuleNotApplied,
    /// The middle half of the data has no spread: no point is judged astronomical.
    AstronomicalRuleNotApplied,
    /// Limits computed from fewer than 12 points: provisional.
    ShortBaseline,
    /// A phase of one point has no moving range, so no limits.
    NoLimits,
    /// A recalculation point outside the series was asked for and ignored.
    PhaseStartIgnored,
    /// The run chart's median still rests on every point: its baseline is not complete.
    MedianNotFrozen,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChartError {
    #[error(
        "{name} is recorded as {value}, which is not a number that can be charted; \
         correct that measurement and the chart can be drawn"
    )]
    NotFinite {
        point: usize,
        name: String,
        value: String,
    },
    #[error("the target is {0}, which is not a number; give the target as a number")]
    TargetNotFinite(String),
}

/// The values to chart and the names the explanations use for them.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    values: Vec<f64>,
    names: Vec<String>,
}

impl Series {
    /// Bare values, named "point 1", "point 2", ...
    pub fn numbered(values: &[f64]) -> Series {
        Series {
            values: values.to_vec(),
            names: (1..=values.len()).map(|n| format!("point {n}")).collect(),
        }
    }

    /// A measure's series as plotted, each point named for its period ("the week of 3
    /// March 2025", "March 2025").
    pub fn of_measure(points: &[Point], frequency: Frequency) -> Series {
        Series {
            values: points.iter().map(|p| p.plotted).collect(),
            names: points
                .iter()
                .map(|p| wording::period(p.period_start, frequency))
                .collect(),
        }
    }

    /// The points in `range`, keeping their names.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Series {
        let range = range.start.min(self.len())..range.end.min(self.len());
        Series {
            values: self.values[range.clone()].to_vec(),
            names: self
                .names
                .get(range)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        }
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("a point", String::as_str)
    }

    /// Refuses the first value that is NaN or infinite.
    fn check(&self) -> Result<(), ChartError> {
        match self.values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(point) => Err(ChartError::NotFinite {
                point,
                name: self.name(point).to_string(),
                value: self.values[point].to_string(),
            }),
        }
    }
}

/// Which side of a centre line a point is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Above,
    Below,
}

impl Side {
    fn of(value: f64, centre: f64) -> Option<Side> {
        if value > centre {
            Some(Side::Above)
        } else if value < centre {
            Some(Side::Below)
        } else {
            None
        }
    }

    fn word(self) -> &'static str {
        match self {
            Side::Above => "above",
            Side::Below => "below",
        }
    }
}

/// Higher values on the measure: good news or bad.
fn reading(direction: Direction, higher: bool) -> Reading {
    match (direction, higher) {
        (Direction::HigherIsBetter, true) | (Direction::LowerIsBetter, false) => {
            Reading::Improvement
        }
        _ => Reading::Concern,
    }
}

/// The mean, without overflowing on values near the largest `f64`.
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    if sum.is_finite() {
        sum / n
    } else {
        values.iter().map(|v| v / n).sum()
    }
}

/// Signals in the order of their first point; those about the whole chart last.
fn in_chart_order(signals: &mut [Signal]) {
    signals.sort_by_key(|s| s.points.first().copied().unwrap_or(usize::MAX));
}

//! The XmR (individuals) chart as NHS England's *Making Data Count* reads it.
//!
//! - Centre line: the mean. Limits: mean ± 2.66 × the mean moving range. Unless turned
//!   off, moving ranges above 3.267 × the mean moving range are set aside and the mean
//!   moving range computed again (once), so one big jump does not widen the limits. If
//!   that would leave no variation at all (every remaining moving range zero), nothing is
//!   set aside: limits squeezed onto the mean would make every point a signal.
//! - Special causes: a point outside the limits; seven or more points in a row on one
//!   side of the mean (a point on the mean breaks the run); seven or more points in a
//!   row each higher, or each lower, than the one before (six increases or decreases;
//!   an equal value breaks the run); two of three points in a row beyond the line two
//!   thirds of the way from the mean to a limit (mean ± 2σ, σ = 2.66 × mean moving range
//!   ÷ 3), on the same side. Every point of a qualifying run is flagged, and each signal
//!   is read as improvement or concern by the measure's direction.
//! - Phases: limits can be recalculated from chosen points (when a change was adopted,
//!   say). Each phase has its own mean, moving ranges and limits, and the rules are applied
//!   within each phase: no run, and no moving range, crosses a phase start.
//! - Limits resting on fewer than 12 points are provisional, and a warning says so.
//! - Target assurance, against the last phase's limits: a target between the limits will
//!   sometimes be met and sometimes not; at or beyond the limit on the good side it will
//!   consistently be missed; at or beyond the limit on the other side consistently met.

use super::{
    ChartError, Reading, Rule, Series, Side, Signal, Warning, WarningKind, in_chart_order, mean,
    reading, wording,
};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
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

/// How to draw the chart: the measure's direction and target, and where limits are
/// recalculated.
#[derive(Clone, Debug, PartialEq)]
pub struct XmrSettings {
    pub direction: Direction,
    pub target: Option<f64>,
    /// Indices of the points that start a new phase, in any order.
    pub phase_starts: Vec<usize>,
    pub screen_moving_ranges: bool,
}

impl XmrSettings {
    /// One phase, no target, unusual moving ranges screened out.
    pub fn new(direction: Direction) -> Self {
        XmrSettings {
            direction,
            target: None,
            phase_starts: Vec::new(),
            screen_moving_ranges: true,
        }
    }

    pub fn target(mut self, target: f64) -> Self {
        self.target = Some(target);
        self
    }

    /// Limits recalculated from the point at `index`.
    pub fn recalculated_from(mut self, index: usize) -> Self {
        self.phase_starts.push(index);
        self
    }

    pub fn without_screening(mut self) -> Self {
        self.screen_moving_ranges = false;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XmrChart {
    /// The phases in order; together they cover every point.
    pub phases: Vec<Phase>,
    /// The moving range at each point; `None` at the first point of each phase.
    pub moving_ranges: Vec<Option<f64>>,
    /// Special causes in the order of their first point.
    pub signals: Vec<Signal>,
    /// Whether the process, as it runs in the last phase, will meet the target.
    pub assurance: Option<TargetAssurance>,
    pub warnings: Vec<Warning>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assurance {
    /// The target lies at or beyond the limit on the side away from improvement.
    ConsistentlyPass,
    /// The target lies at or beyond the limit on the side of improvement.
    ConsistentlyFail,
    /// The target lies between the limits.
    Inconsistent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetAssurance {
    pub target: f64,
    pub assurance: Assurance,
    pub explanation: String,
}

/// The XmR chart of bare values, named "point 1", "point 2", ... in explanations.
pub fn analyse(values: &[f64], settings: &XmrSettings) -> Result<XmrChart, ChartError> {
    analyse_series(&Series::numbered(values), settings)
}

/// The XmR chart of a series. Refuses a value or a target that is NaN or infinite.
pub fn analyse_series(series: &Series, settings: &XmrSettings) -> Result<XmrChart, ChartError> {
    series.check()?;
    if let Some(target) = settings.target.filter(|t| !t.is_finite()) {
        return Err(ChartError::TargetNotFinite(target.to_string()));
    }
    let values = series.values();
    let n = values.len();
    let mut warnings = Vec::new();

    let mut starts = vec![0];
    for &start in &settings.phase_starts {
        if start >= n {
            warnings.push(Warning {
                kind: WarningKind::PhaseStartIgnored,
                message: format!(
                    "Limits cannot be recalculated from point {}: the chart has {} points.",
                    start.saturating_add(1),
                    n
                ),
            });
        } else {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    starts.dedup();

    // No moving range spans a phase start.
    let moving_ranges: Vec<Option<f64>> = (0..n)
        .map(|i| {
            (i > 0 && starts.binary_search(&i).is_err()).then(|| (values[i] - values[i - 1]).abs())
        })
        .collect();
    let ends = starts.iter().skip(1).copied().chain([n]);
    let phases: Vec<Phase> = starts
        .iter()
        .copied()
        .zip(ends)
        // An empty series has no phase.
        .filter(|(start, end)| start < end)
        .map(|(start, end)| {
            phase(
                values,
                &moving_ranges,
                start..end,
                settings.screen_moving_ranges,
            )
        })
        .collect();
    warnings.extend(phases.iter().filter_map(|p| baseline_warning(series, p)));

    let mut signals: Vec<Signal> = phases
        .iter()
        .flat_map(|phase| special_causes(series, phase, settings.direction))
        .collect();
    in_chart_order(&mut signals);

    let assurance = settings
        .target
        .and_then(|target| assurance(target, phases.last()?, settings.direction));

    Ok(XmrChart {
        phases,
        moving_ranges,
        signals,
        assurance,
        warnings,
    })
}

fn phase(
    values: &[f64],
    moving_ranges: &[Option<f64>],
    points: Range<usize>,
    screen: bool,
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
        upper: mean_moving_range.map(|m| centre + LIMIT_FACTOR * m),
        lower: mean_moving_range.map(|m| centre - LIMIT_FACTOR * m),
        screened_out,
    }
}

fn baseline_warning(series: &Series, phase: &Phase) -> Option<Warning> {
    let points = phase.end - phase.start;
    let limits = if phase.start == 0 {
        "The limits".to_string()
    } else {
        format!("The limits recalculated from {}", series.name(phase.start))
    };
    if points == 1 {
        Some(Warning {
            kind: WarningKind::NoLimits,
            message: format!(
                "{limits} rest on one point, which has no moving range: there are no limits \
                 until there are two points."
            ),
        })
    } else if points < BASELINE_POINTS {
        Some(Warning {
            kind: WarningKind::ShortBaseline,
            message: format!(
                "{limits} rest on only {} points; with fewer than {BASELINE_POINTS} they are \
                 provisional, and so are the signals read against them.",
                wording::count(points)
            ),
        })
    } else {
        None
    }
}

fn special_causes(series: &Series, phase: &Phase, direction: Direction) -> Vec<Signal> {
    let values = series.values();
    let mut signals = Vec::new();

    if let (Some(upper), Some(lower)) = (phase.upper, phase.lower) {
        for i in phase.points() {
            let x = values[i];
            if x > upper || x < lower {
                let high = x > upper;
                let reading = Some(reading(direction, high));
                signals.push(Signal {
                    rule: Rule::OutsideLimits,
                    points: vec![i],
                    reading,
                    explanation: wording::sentence(format!(
                        "{} ({}) is {}: a special cause{}.",
                        series.name(i),
                        wording::value(x),
                        if high {
                            format!("above the upper limit ({})", wording::value(upper))
                        } else {
                            format!("below the lower limit ({})", wording::value(lower))
                        },
                        wording::here(reading),
                    )),
                });
            }
        }
    }

    signals.extend(shifts(series, phase, direction));
    signals.extend(trends(series, phase, direction));
    if let Some(sigma) = phase.sigma() {
        for side in [Side::Above, Side::Below] {
            signals.extend(two_of_three(series, phase, sigma, side, direction));
        }
    }
    signals
}

/// Seven or more points in a row on one side of the mean; a point on the mean breaks it.
fn shifts(series: &Series, phase: &Phase, direction: Direction) -> Vec<Signal> {
    let values = series.values();
    let mut runs: Vec<(Option<Side>, Vec<usize>)> = Vec::new();
    for i in phase.points() {
        let side = Side::of(values[i], phase.mean);
        match runs.last_mut() {
            Some((run_side, points)) if side.is_some() && *run_side == side => points.push(i),
            _ => runs.push((side, vec![i])),
        }
    }
    runs.into_iter()
        .filter(|(_, points)| points.len() >= SHIFT_LENGTH)
        .filter_map(|(side, points)| {
            let side = side?;
            let reading = Some(reading(direction, side == Side::Above));
            Some(Signal {
                rule: Rule::SevenOnOneSide,
                explanation: wording::sentence(format!(
                    "{} points in a row, {}, are {} the mean: a shift{}.",
                    wording::count(points.len()),
                    span_of(series, &points),
                    side.word(),
                    wording::here(reading),
                )),
                points,
                reading,
            })
        })
        .collect()
}

/// Seven or more points in a row each higher, or each lower, than the one before; an
/// equal value breaks the run.
fn trends(series: &Series, phase: &Phase, direction: Direction) -> Vec<Signal> {
    let values = series.values();
    // (rising, first point, last point) of each stretch of steps the same way.
    let mut runs: Vec<(bool, usize, usize)> = Vec::new();
    for i in phase.start + 1..phase.end {
        let rising = match values[i].partial_cmp(&values[i - 1]) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Less) => false,
            _ => continue,
        };
        match runs.last_mut() {
            Some((run_rising, _, last)) if *run_rising == rising && *last == i - 1 => *last = i,
            _ => runs.push((rising, i - 1, i)),
        }
    }
    runs.into_iter()
        .filter(|&(_, first, last)| last + 1 - first >= TREND_LENGTH)
        .map(|(rising, first, last)| {
            let reading = Some(reading(direction, rising));
            Signal {
                rule: Rule::SevenRisingOrFalling,
                points: (first..=last).collect(),
                reading,
                explanation: wording::sentence(format!(
                    "{} points in a row, {}, each {} than the one before: a trend{}.",
                    wording::count(last + 1 - first),
                    wording::span(series, first, last),
                    if rising { "higher" } else { "lower" },
                    wording::here(reading),
                )),
            }
        })
        .collect()
}

/// Two of three points in a row beyond the 2σ line on one side. The points beyond the
/// line are flagged; overlapping windows make one signal.
fn two_of_three(
    series: &Series,
    phase: &Phase,
    sigma: f64,
    side: Side,
    direction: Direction,
) -> Vec<Signal> {
    let values = series.values();
    if phase.end - phase.start < 3 {
        return Vec::new();
    }
    let line = match side {
        Side::Above => phase.mean + 2.0 * sigma,
        Side::Below => phase.mean - 2.0 * sigma,
    };
    let beyond = |i: usize| match side {
        Side::Above => values[i] > line,
        Side::Below => values[i] < line,
    };
    // In a phase of three or more, two points beyond the line at most two apart always
    // share a window of three.
    let flagged: Vec<usize> = phase
        .points()
        .filter(|&i| beyond(i))
        .filter(|&i| {
            let near = i.saturating_sub(2).max(phase.start)..(i + 3).min(phase.end);
            near.filter(|&j| j != i).any(beyond)
        })
        .collect();

    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in flagged {
        match groups.last_mut() {
            Some(group) if group.last().is_some_and(|&last| i - last <= 2) => group.push(i),
            _ => groups.push(vec![i]),
        }
    }

    let limit = match side {
        Side::Above => "upper",
        Side::Below => "lower",
    };
    groups
        .into_iter()
        .map(|points| {
            let reading: Option<Reading> = Some(reading(direction, side == Side::Above));
            let explanation = if points.len() == 2 {
                format!(
                    "Two of three points in a row, {}, are {} {}, two thirds of the way from \
                     the mean to the {limit} limit: a special cause{}.",
                    wording::list(series, &points),
                    side.word(),
                    wording::value(line),
                    wording::here(reading),
                )
            } else {
                format!(
                    "{} points, {}, are {} {}, two thirds of the way from the mean to the \
                     {limit} limit, at least two in every three in a row: a special cause{}.",
                    wording::count(points.len()),
                    wording::list(series, &points),
                    side.word(),
                    wording::value(line),
                    wording::here(reading),
                )
            };
            Signal {
                rule: Rule::TwoOfThreeNearLimit,
                points,
                reading,
                explanation: wording::sentence(explanation),
            }
        })
        .collect()
}

fn span_of(series: &Series, points: &[usize]) -> String {
    wording::span(
        series,
        points.first().copied().unwrap_or(0),
        points.last().copied().unwrap_or(0),
    )
}

fn assurance(target: f64, phase: &Phase, direction: Direction) -> Option<TargetAssurance> {
    let (upper, lower) = (phase.upper?, phase.lower?);
    let t = wording::value(target);
    let (u, l) = (wording::value(upper), wording::value(lower));
    // Where improvement lies, and the limit on that side.
    let (good_limit, bad_limit, beyond_good, beyond_bad) = match direction {
        Direction::HigherIsBetter => (upper, lower, target >= upper, target <= lower),
        Direction::LowerIsBetter => (lower, upper, target <= lower, target >= upper),
    };
    let describe = |limit: f64| {
        if limit == upper {
            format!("at or above the upper limit ({u})")
        } else {
            format!("at or below the lower limit ({l})")
        }
    };
    let (assurance, explanation) = if beyond_good {
        (
            Assurance::ConsistentlyFail,
            format!(
                "The target of {t} is {}: as the process runs now it will consistently fail \
                 to meet it; the process itself has to change.",
                describe(good_limit)
            ),
        )
    } else if beyond_bad {
        (
            Assurance::ConsistentlyPass,
            format!(
                "The target of {t} is {}: as the process runs now it will consistently meet it.",
                describe(bad_limit)
            ),
        )
    } else {
        (
            Assurance::Inconsistent,
            format!(
                "The target of {t} lies between the limits ({l} to {u}): the process will \
                 sometimes meet it and sometimes not."
            ),
        )
    };
    Some(TargetAssurance {
        target,
        assurance,
        explanation,
    })
}

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
//!   ÷ 3) read as NHSRplotthedots, Making Data Count's published implementation, reads
//!   it: three points in a row on one side of the mean, at least two of them between the
//!   2σ line and the limit (a point beyond the limit is the outside-limits signal). The
//!   Western Electric-like reading (any two of three beyond the 2σ line, the third
//!   anywhere) is kept as a named option, `TwoOfThree::WesternElectric`. Every point of a
//!   qualifying run is flagged, and each signal is read as improvement or concern by the
//!   measure's direction.
//! - Bounded measures (a percentage runs from 0 to 100) have their limits clamped to the
//!   bounds; the 2σ lines stay where σ puts them.
//! - Phases: limits can be recalculated from chosen points (when a change was adopted,
//!   say). Each phase has its own mean, moving ranges and limits, and the rules are applied
//!   within each phase: no run, and no moving range, crosses a phase start.
//! - Limits resting on fewer than 12 points are provisional, and a warning says so.
//! - A sustained shift (seven on one side) inside the current phase proposes recalculating
//!   the limits from its first point: the first point after the change, as Making Data
//!   Count advises.
//! - Target assurance (`assurance.rs`) and the variation and assurance icons
//!   (`icons.rs`) read the current phase only.

use super::assurance::assurance;
pub use super::assurance::{Assurance, TargetAssurance};
use super::icons::{self, Icons};
use super::phase::phase;
pub use super::phase::{
    BASELINE_POINTS, LIMIT_FACTOR, Phase, SCREENING_FACTOR, SHIFT_LENGTH, TREND_LENGTH, TwoOfThree,
};
use super::special_causes::special_causes;
use super::{ChartError, Rule, Series, Signal, Warning, WarningKind, in_chart_order, wording};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};

/// How to draw the chart: the measure's direction and target, and where limits are
/// recalculated.
#[derive(Clone, Debug, PartialEq)]
pub struct XmrSettings {
    pub direction: Direction,
    pub target: Option<f64>,
    /// Indices of the points that start a new phase, in any order.
    pub phase_starts: Vec<usize>,
    pub screen_moving_ranges: bool,
    /// Which reading of "two of three near a limit" to apply.
    pub two_of_three: TwoOfThree,
    /// The lowest and highest values the measure can take (0 and 100 for a
    /// percentage); limits are clamped to them.
    pub bounds: Option<(f64, f64)>,
}

impl XmrSettings {
    /// One phase, no target, unusual moving ranges screened out.
    pub fn new(direction: Direction) -> Self {
        XmrSettings {
            direction,
            target: None,
            phase_starts: Vec::new(),
            screen_moving_ranges: true,
            two_of_three: TwoOfThree::MakingDataCount,
            bounds: None,
        }
    }

    /// The two-of-three rule read the Western Electric way instead of Making Data Count's.
    pub fn western_electric_two_of_three(mut self) -> Self {
        self.two_of_three = TwoOfThree::WesternElectric;
        self
    }

    /// Limits clamped to the values the measure can take.
    pub fn bounded(mut self, lowest: f64, highest: f64) -> Self {
        self.bounds = Some((lowest, highest));
        self
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
    /// Whether the process, as it runs in the current (last) phase, will meet the target.
    pub assurance: Option<TargetAssurance>,
    /// Making Data Count's variation and assurance icons for the current phase.
    pub icons: Icons,
    /// Where to recalculate the limits when the current phase holds a sustained shift.
    pub proposal: Option<Recalculation>,
    pub warnings: Vec<Warning>,
}

/// A recalculation of the limits the data propose: from the first point of a sustained
/// shift, the first point after the change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recalculation {
    pub from: usize,
    /// The new limits would rest on fewer than `BASELINE_POINTS` points.
    pub provisional: bool,
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
                settings.bounds,
            )
        })
        .collect();
    warnings.extend(phases.iter().filter_map(|p| baseline_warning(series, p)));

    let mut signals: Vec<Signal> = phases
        .iter()
        .flat_map(|phase| special_causes(series, phase, settings.direction, settings.two_of_three))
        .collect();
    in_chart_order(&mut signals);

    let current = phases.last();
    let proposal = current.and_then(|p| proposal(series, p, &signals));
    let assurance = settings.target.and_then(|target| {
        assurance(
            series,
            target,
            current?,
            settings.direction,
            proposal.as_ref().map(|p| p.from),
        )
    });
    let icons = icons::icons(
        series,
        current,
        &signals,
        Some(settings.direction),
        assurance.as_ref(),
        proposal.is_some(),
    );

    Ok(XmrChart {
        phases,
        moving_ranges,
        signals,
        assurance,
        icons,
        proposal,
        warnings,
    })
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

/// A sustained shift (seven or more on one side of the mean) that starts after the
/// current phase does proposes recalculating from its first point.
fn proposal(series: &Series, phase: &Phase, signals: &[Signal]) -> Option<Recalculation> {
    let from = signals
        .iter()
        .filter(|s| s.rule == Rule::SevenOnOneSide)
        .filter_map(|s| s.points.first().copied())
        .filter(|&first| first > phase.start && first < phase.end)
        .max()?;
    let points = phase.end - from;
    let provisional = points < BASELINE_POINTS;
    let mut explanation = format!(
        "The points from {} on stay on one side of the mean: the process has shifted. \
         Recalculate the limits from {}, the first point after the change.",
        series.name(from),
        series.name(from),
    );
    if provisional {
        explanation.push_str(&format!(
            " The new limits would rest on only {} {}, so they would be provisional until \
             there are {BASELINE_POINTS}.",
            wording::count(points),
            if points == 1 { "point" } else { "points" },
        ));
    }
    Some(Recalculation {
        from,
        provisional,
        explanation: wording::sentence(explanation),
    })
}

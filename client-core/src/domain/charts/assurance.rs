//! Target assurance, as Making Data Count reads it (and NHSRplotthedots computes it),
//! against the current phase's limits only: a target beyond the limit on the side of
//! improvement will consistently be missed, one beyond the other limit consistently met,
//! one between the limits (or on one) sometimes met and sometimes not.

use super::phase::Phase;
use super::{Series, wording};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assurance {
    /// The target lies beyond the limit on the side away from improvement.
    ConsistentlyPass,
    /// The target lies beyond the limit on the side of improvement.
    ConsistentlyFail,
    /// The target lies between the limits, or on one.
    Inconsistent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetAssurance {
    pub target: f64,
    pub assurance: Assurance,
    /// The first point of the phase whose limits the target was read against.
    pub phase_start: usize,
    pub explanation: String,
}

/// The target read against `phase`, the current one. `shifted_from` is the first point of
/// a sustained shift inside it, after which these limits no longer describe the process.
pub(super) fn assurance(
    series: &Series,
    target: f64,
    phase: &Phase,
    direction: Direction,
    shifted_from: Option<usize>,
) -> Option<TargetAssurance> {
    let (upper, lower) = (phase.upper?, phase.lower?);
    let t = wording::value(target);
    let (u, l) = (wording::value(upper), wording::value(lower));
    let (above, below) = (target > upper, target < lower);
    let (beyond_good, beyond_bad) = match direction {
        Direction::HigherIsBetter => (above, below),
        Direction::LowerIsBetter => (below, above),
    };
    let describe = |high: bool| {
        if high {
            format!("above the upper limit ({u})")
        } else {
            format!("below the lower limit ({l})")
        }
    };
    let (assurance, reading) = if beyond_good {
        (
            Assurance::ConsistentlyFail,
            format!(
                "the target of {t} is {}: as the process runs now it will consistently fail \
                 to meet it; the process itself has to change.",
                describe(above)
            ),
        )
    } else if beyond_bad {
        (
            Assurance::ConsistentlyPass,
            format!(
                "the target of {t} is {}: as the process runs now it will consistently meet it.",
                describe(above)
            ),
        )
    } else {
        (
            Assurance::Inconsistent,
            format!(
                "the target of {t} lies between the limits ({l} to {u}): the process will \
                 sometimes meet it and sometimes not."
            ),
        )
    };
    let mut explanation = if phase.start == 0 {
        wording::sentence(reading)
    } else {
        format!(
            "Against the limits recalculated from {}, {reading}",
            series.name(phase.start)
        )
    };
    if let Some(from) = shifted_from {
        explanation.push_str(&format!(
            " But the process has shifted since {}, so these limits no longer describe it: \
             recalculate the limits from there before relying on this.",
            series.name(from)
        ));
    }
    Some(TargetAssurance {
        target,
        assurance,
        phase_start: phase.start,
        explanation,
    })
}

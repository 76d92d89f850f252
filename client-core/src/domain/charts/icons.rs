//! Making Data Count's summary icons for a measure: **variation** (special cause
//! improving or concerning, high or low, or common cause) and **assurance** (whether the
//! process will consistently meet its target, consistently miss it, or hit and miss),
//! both read in the current phase only, as NHSRplotthedots reads them: the variation icon
//! is the kind of the latest point. Each icon carries Making Data Count's colour (blue
//! improving, orange concerning, grey common cause, purple where the measure has no
//! direction) and the words a screen reader says for it.

use super::assurance::{Assurance, TargetAssurance};
use super::phase::{BASELINE_POINTS, Phase};
use super::{Reading, Series, Side, Signal, wording};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};

/// Making Data Count's colours.
pub const IMPROVING: &str = "#289de0";
pub const CONCERNING: &str = "#fab428";
pub const COMMON_CAUSE: &str = "#7b7d7d";
pub const NEITHER: &str = "#361475";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variation {
    CommonCause,
    ImprovingHigh,
    ImprovingLow,
    ConcerningHigh,
    ConcerningLow,
    /// A special cause on a measure with no direction of improvement.
    NeitherHigh,
    NeitherLow,
}

impl Variation {
    pub fn colour(self) -> &'static str {
        match self {
            Variation::CommonCause => COMMON_CAUSE,
            Variation::ImprovingHigh | Variation::ImprovingLow => IMPROVING,
            Variation::ConcerningHigh | Variation::ConcerningLow => CONCERNING,
            Variation::NeitherHigh | Variation::NeitherLow => NEITHER,
        }
    }

    /// A few words for a badge.
    pub fn label(self) -> &'static str {
        match self {
            Variation::CommonCause => "Common cause",
            Variation::ImprovingHigh => "Improving (high)",
            Variation::ImprovingLow => "Improving (low)",
            Variation::ConcerningHigh => "Concerning (high)",
            Variation::ConcerningLow => "Concerning (low)",
            Variation::NeitherHigh => "Special cause (high)",
            Variation::NeitherLow => "Special cause (low)",
        }
    }

    /// The sentence a screen reader says for the icon.
    pub fn words(self) -> &'static str {
        match self {
            Variation::CommonCause => {
                "Common cause variation: no significant change, the variation looks like chance alone."
            }
            Variation::ImprovingHigh => {
                "Special cause variation, improving: the latest values are unusually high, and higher is better."
            }
            Variation::ImprovingLow => {
                "Special cause variation, improving: the latest values are unusually low, and lower is better."
            }
            Variation::ConcerningHigh => {
                "Special cause variation, concerning: the latest values are unusually high, and lower is better."
            }
            Variation::ConcerningLow => {
                "Special cause variation, concerning: the latest values are unusually low, and higher is better."
            }
            Variation::NeitherHigh => {
                "Special cause variation: the latest values are unusually high; the measure has no direction to say whether that is good or bad."
            }
            Variation::NeitherLow => {
                "Special cause variation: the latest values are unusually low; the measure has no direction to say whether that is good or bad."
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssuranceIcon {
    ConsistentlyMet,
    ConsistentlyMissed,
    HitAndMiss,
}

impl AssuranceIcon {
    fn of(assurance: Assurance) -> Self {
        match assurance {
            Assurance::ConsistentlyPass => AssuranceIcon::ConsistentlyMet,
            Assurance::ConsistentlyFail => AssuranceIcon::ConsistentlyMissed,
            Assurance::Inconsistent => AssuranceIcon::HitAndMiss,
        }
    }

    pub fn colour(self) -> &'static str {
        match self {
            AssuranceIcon::ConsistentlyMet => IMPROVING,
            AssuranceIcon::ConsistentlyMissed => CONCERNING,
            AssuranceIcon::HitAndMiss => COMMON_CAUSE,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AssuranceIcon::ConsistentlyMet => "Target consistently met",
            AssuranceIcon::ConsistentlyMissed => "Target consistently missed",
            AssuranceIcon::HitAndMiss => "Target hit and miss",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            AssuranceIcon::ConsistentlyMet => {
                "Assurance: the process will consistently meet the target."
            }
            AssuranceIcon::ConsistentlyMissed => {
                "Assurance: the process will consistently miss the target; it has to change to meet it."
            }
            AssuranceIcon::HitAndMiss => {
                "Assurance: hit and miss; the process will sometimes meet the target and sometimes not."
            }
        }
    }
}

/// One icon as every client shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Icon<K> {
    pub kind: K,
    /// Read against limits that are provisional (fewer than 12 points), or that a
    /// sustained shift has left behind.
    pub provisional: bool,
    pub label: String,
    pub colour: String,
    /// What a screen reader says, with the provisional caveat when there is one.
    pub words: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Icons {
    pub variation: Option<Icon<Variation>>,
    pub assurance: Option<Icon<AssuranceIcon>>,
    /// Why an icon is missing or provisional.
    pub notes: Vec<String>,
}

/// The icons of the current phase `phase` (the last), given the chart's signals.
/// `direction` is `None` for a measure with no direction of improvement.
pub fn icons(
    series: &Series,
    phase: Option<&Phase>,
    signals: &[Signal],
    direction: Option<Direction>,
    assurance: Option<&TargetAssurance>,
    shifted: bool,
) -> Icons {
    let mut icons = Icons::default();
    let Some(phase) = phase else {
        icons
            .notes
            .push("No measurements yet, so no variation or assurance icon.".into());
        return icons;
    };
    if phase.upper.is_none() {
        icons.notes.push(
            "The current phase has one point and so no limits: no variation or assurance \
             icon until it has two."
                .into(),
        );
        return icons;
    }
    let points = phase.end - phase.start;
    let short = points < BASELINE_POINTS;
    let caveat = short.then(|| {
        format!(
            " Provisional: the limits rest on only {} points; they are firm at {BASELINE_POINTS}.",
            wording::count(points)
        )
    });
    if let Some(c) = &caveat {
        icons.notes.push(c.trim_start().to_string());
    }
    let variation = variation(series, phase, signals, direction);
    icons.variation = Some(Icon {
        kind: variation,
        provisional: short,
        label: variation.label().into(),
        colour: variation.colour().into(),
        words: format!(
            "{}{}",
            variation.words(),
            caveat.clone().unwrap_or_default()
        ),
    });
    match assurance {
        Some(a) if direction.is_some() => {
            let kind = AssuranceIcon::of(a.assurance);
            let shift_caveat = if shifted {
                " Provisional: the process has shifted within these limits."
            } else {
                ""
            };
            if shifted {
                icons.notes.push(shift_caveat.trim_start().to_string());
            }
            icons.assurance = Some(Icon {
                kind,
                provisional: short || shifted,
                label: kind.label().into(),
                colour: kind.colour().into(),
                words: format!(
                    "{} (target {}){}{}",
                    kind.words(),
                    wording::value(a.target),
                    caveat.unwrap_or_default(),
                    shift_caveat
                ),
            });
        }
        Some(_) => icons
            .notes
            .push("The measure has no direction of improvement, so no assurance icon.".into()),
        None => icons
            .notes
            .push("No target is set, so no assurance icon.".into()),
    }
    icons
}

/// The kind of the latest point: a special cause by its side of the mean, read by the
/// measure's direction, or common cause.
pub fn variation(
    series: &Series,
    phase: &Phase,
    signals: &[Signal],
    direction: Option<Direction>,
) -> Variation {
    let Some(latest) = phase.end.checked_sub(1) else {
        return Variation::CommonCause;
    };
    let flagged: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.points.contains(&latest))
        .collect();
    if flagged.is_empty() || latest < phase.start {
        return Variation::CommonCause;
    }
    let value = series.values().get(latest).copied().unwrap_or(phase.mean);
    let high = match Side::of(value, phase.mean) {
        Some(side) => side == Side::Above,
        // On the mean (the end of a trend): the signal's own reading says which way.
        None => match (flagged.iter().find_map(|s| s.reading), direction) {
            (Some(r), Some(d)) => (r == Reading::Improvement) == (d == Direction::HigherIsBetter),
            _ => return Variation::CommonCause,
        },
    };
    match (direction, high) {
        (None, true) => Variation::NeitherHigh,
        (None, false) => Variation::NeitherLow,
        (Some(Direction::HigherIsBetter), true) => Variation::ImprovingHigh,
        (Some(Direction::HigherIsBetter), false) => Variation::ConcerningLow,
        (Some(Direction::LowerIsBetter), true) => Variation::ConcerningHigh,
        (Some(Direction::LowerIsBetter), false) => Variation::ImprovingLow,
    }
}

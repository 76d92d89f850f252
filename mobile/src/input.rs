//! What a screen fills in to make a record. Dates are `YYYY-MM-DD` text and ids the
//! text the reads give (in full, or their last 8 characters), so every language can
//! hold them; they are checked here and the record itself by the client core's rules.

use crate::error::PraxisError;
use praxis_core::domain::event as core;
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MeasureKind {
    Outcome,
    Process,
    Balancing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Frequency {
    Daily,
    Weekly,
    Fortnightly,
    Monthly,
    Quarterly,
}

/// Where a cycle stands on its ramp, from a very small test to spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TestScale {
    VerySmall,
    FollowUp,
    Wider,
    Implementation,
    Spread,
}

/// The Act of a PDSA cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    Adopt,
    Adapt,
    Abandon,
}

/// A new measure: a unit (count, days) or a numerator and a denominator (proportion).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureInput {
    pub name: String,
    pub kind: MeasureKind,
    pub operational_definition: String,
    pub unit: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub direction: Direction,
    pub target: Option<f64>,
    pub frequency: Frequency,
}

/// A measurement for one period: `value`, or `numerator` and `denominator`.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasurementInput {
    pub measure_id: String,
    pub period_start: String,
    pub period_end: String,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub note: String,
}

/// Something to tell the person before a measurement is recorded: `code` is
/// `second-value` (then `existing_id` is the measurement already recorded for the
/// period) or `future-period`; `message` says it, with what they can do.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct RecordingWarning {
    pub code: String,
    pub message: String,
    pub existing_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PredictionInput {
    pub question: String,
    pub prediction: String,
    pub reason: String,
}

/// Plan: what the test is, what is predicted and why, who, what, where, when.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PlanInput {
    pub change_idea_id: Option<String>,
    /// The cycle this one follows on its ramp.
    pub follows_id: Option<String>,
    pub scale: TestScale,
    pub objective: String,
    pub predictions: Vec<PredictionInput>,
    pub who: String,
    pub what: String,
    pub place: String,
    pub when: String,
    pub data_to_collect: String,
}

/// Do: the test as it was carried out.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DoInput {
    pub carried_out_on: String,
    pub carried_out_by: String,
    pub observations: String,
    pub problems: String,
    pub surprises: String,
    pub data_gathered: String,
}

/// Study: the data compared with the predictions.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StudyInput {
    pub analysis: String,
    pub compared_with_predictions: String,
    pub learning: String,
}

/// Act: adopt, adapt or abandon, with reasons.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ActInput {
    pub decision: Decision,
    pub reasons: String,
    pub changes: String,
    pub next_step: String,
}

/// An observation or piece of case material. `subject` is a pseudonymous reference
/// (`P-0413`), never a name; `observed_on` is today when not given.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ObservationInput {
    pub text: String,
    pub case_material: bool,
    pub cycle_id: Option<String>,
    pub subject: Option<String>,
    pub observed_on: Option<String>,
}

/// SCIE's action plan template, as it is.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ActionPlanInput {
    pub where_are_we_now: String,
    pub what_do_we_want_to_achieve: String,
    pub how_will_we_get_there: String,
    pub who_needs_to_take_what_action: String,
    pub timescales: String,
}

/// SCIE's learning log template, as it is.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct LearningLogInput {
    pub learning_points: String,
    pub action_points: String,
    pub responsibility: String,
    pub implement_by: String,
}

/// A team's monthly report. `month` is `YYYY-MM`, `self_score` like `2.5`.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MonthlyReportInput {
    pub month: String,
    pub measures: String,
    pub cycles: String,
    pub learning: String,
    pub barriers: String,
    pub plans: String,
    pub self_score: String,
}

pub(crate) fn date(text: &str, what: &str) -> Result<Date, PraxisError> {
    praxis_core::dates::parse_day(text).map_err(|_| {
        PraxisError::invalid(format!(
            "The date for {what} ('{text}') cannot be read: write it as YYYY-MM-DD, for example 2026-03-14"
        ))
    })
}

pub(crate) fn month(text: &str) -> Result<Date, PraxisError> {
    praxis_core::dates::parse_month(text).map_err(|_| {
        PraxisError::invalid(format!(
            "The month '{text}' cannot be read: write it as YYYY-MM, for example 2026-03"
        ))
    })
}

pub(crate) fn score(text: &str) -> Result<core::Score, PraxisError> {
    text.parse::<core::Score>()
        .map_err(|e| PraxisError::InvalidInput(format!("The score cannot be read: {e}")))
}

impl From<MeasureKind> for core::MeasureKind {
    fn from(k: MeasureKind) -> Self {
        match k {
            MeasureKind::Outcome => core::MeasureKind::Outcome,
            MeasureKind::Process => core::MeasureKind::Process,
            MeasureKind::Balancing => core::MeasureKind::Balancing,
        }
    }
}

impl From<core::MeasureKind> for MeasureKind {
    fn from(k: core::MeasureKind) -> Self {
        match k {
            core::MeasureKind::Outcome => MeasureKind::Outcome,
            core::MeasureKind::Process => MeasureKind::Process,
            core::MeasureKind::Balancing => MeasureKind::Balancing,
        }
    }
}

impl From<Direction> for core::Direction {
    fn from(d: Direction) -> Self {
        match d {
            Direction::HigherIsBetter => core::Direction::HigherIsBetter,
            Direction::LowerIsBetter => core::Direction::LowerIsBetter,
        }
    }
}

impl From<core::Direction> for Direction {
    fn from(d: core::Direction) -> Self {
        match d {
            core::Direction::HigherIsBetter => Direction::HigherIsBetter,
            core::Direction::LowerIsBetter => Direction::LowerIsBetter,
        }
    }
}

impl From<Frequency> for core::Frequency {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Daily => core::Frequency::Daily,
            Frequency::Weekly => core::Frequency::Weekly,
            Frequency::Fortnightly => core::Frequency::Fortnightly,
            Frequency::Monthly => core::Frequency::Monthly,
            Frequency::Quarterly => core::Frequency::Quarterly,
        }
    }
}

impl From<TestScale> for core::TestScale {
    fn from(s: TestScale) -> Self {
        match s {
            TestScale::VerySmall => core::TestScale::VerySmall,
            TestScale::FollowUp => core::TestScale::FollowUp,
            TestScale::Wider => core::TestScale::Wider,
            TestScale::Implementation => core::TestScale::Implementation,
            TestScale::Spread => core::TestScale::Spread,
        }
    }
}

impl From<core::TestScale> for TestScale {
    fn from(s: core::TestScale) -> Self {
        match s {
            core::TestScale::VerySmall => TestScale::VerySmall,
            core::TestScale::FollowUp => TestScale::FollowUp,
            core::TestScale::Wider => TestScale::Wider,
            core::TestScale::Implementation => TestScale::Implementation,
            core::TestScale::Spread => TestScale::Spread,
        }
    }
}

impl From<Decision> for core::Decision {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Adopt => core::Decision::Adopt,
            Decision::Adapt => core::Decision::Adapt,
            Decision::Abandon => core::Decision::Abandon,
        }
    }
}

impl From<core::Decision> for Decision {
    fn from(d: core::Decision) -> Self {
        match d {
            core::Decision::Adopt => Decision::Adopt,
            core::Decision::Adapt => Decision::Adapt,
            core::Decision::Abandon => Decision::Abandon,
        }
    }
}

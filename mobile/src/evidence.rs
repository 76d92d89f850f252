//! The evidence behind scores and predictions, offline: the level of the progress
//! scale a project's records support for a month (shown before a score is chosen, and
//! recorded with it by the client core), a prediction of a cycle made checkable, and
//! each checkable prediction against the data of the cycle's period.

use crate::error::PraxisError;
use crate::input::{date, month};
use crate::recording::{id, stream};
use crate::store::{PraxisStore, Recorded};
use praxis_core::dates::{format_day, today};
use praxis_core::domain::event::{self as core, Event};
use praxis_core::domain::prediction_check::{self, Verdict};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::queries;

/// One step of the rule behind a suggested score.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SuggestionStep {
    pub score: String,
    pub needs: String,
    pub met: bool,
}

/// The level of the collaborative's scale the project's evidence supports for a month.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SuggestedScore {
    pub level: String,
    pub meaning: String,
    pub steps: Vec<SuggestionStep>,
    pub evidence: Vec<String>,
    pub rule: String,
}

/// How a measure should move during a cycle's period.
#[derive(Clone, Copy, Debug, PartialEq, uniffi::Enum)]
pub enum ExpectedChange {
    Rise,
    Fall,
    NoChange,
    AtLeast { value: f64 },
    AtMost { value: f64 },
}

impl From<ExpectedChange> for core::ExpectedChange {
    fn from(c: ExpectedChange) -> Self {
        match c {
            ExpectedChange::Rise => core::ExpectedChange::Rise,
            ExpectedChange::Fall => core::ExpectedChange::Fall,
            ExpectedChange::NoChange => core::ExpectedChange::NoChange,
            ExpectedChange::AtLeast { value } => core::ExpectedChange::AtLeast(value),
            ExpectedChange::AtMost { value } => core::ExpectedChange::AtMost(value),
        }
    }
}

/// A prediction of a cycle's Plan made checkable.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ExpectationInput {
    /// The Plan's prediction it makes checkable, counted from 0; `None` for none.
    pub prediction_index: Option<u16>,
    pub measure_id: String,
    pub change: ExpectedChange,
    /// `YYYY-MM-DD`: the last day of the cycle's period.
    pub by: String,
}

/// A checkable prediction against the data: `verdict` is `supported`,
/// `not-yet-shown`, `contradicted` (flagged for the team's learning) or `no-data`.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PredictionCheckLine {
    pub expectation_id: String,
    pub prediction: Option<String>,
    pub measure: String,
    /// "Plans agreed would rise, from 2026-02-03 to 2026-03-31".
    pub expected: String,
    pub verdict: String,
    pub explanation: String,
    pub median_before: Option<f64>,
    pub median_during: Option<f64>,
    pub values: Vec<PeriodValue>,
    pub signals: Vec<String>,
}

/// A measurement of a cycle's period.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PeriodValue {
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub value: f64,
}

fn verdict_code(v: Verdict) -> &'static str {
    match v {
        Verdict::Supported => "supported",
        Verdict::NotYetShown => "not-yet-shown",
        Verdict::Contradicted => "contradicted",
        Verdict::NoData => "no-data",
    }
}

#[uniffi::export]
impl PraxisStore {
    /// The level of the collaborative's progress scale the project's records support
    /// for `month` (`YYYY-MM`), with the rule's steps and the evidence. A score given
    /// afterwards is recorded with the suggestion as it then stands.
    pub fn suggested_score(
        &self,
        project_id: String,
        month_text: String,
    ) -> Result<SuggestedScore, PraxisError> {
        let store = self.lock();
        let project = stream(&store, Some(&project_id), StreamKind::Project)?;
        let month = month(&month_text)?;
        let s = queries::suggested_score(store.connection(), project, month)?.ok_or_else(|| {
            PraxisError::invalid(
                "The collaborative's progress scale is not on this device: sync it first.",
            )
        })?;
        Ok(SuggestedScore {
            level: s.level.to_string(),
            meaning: s.meaning,
            steps: s
                .steps
                .iter()
                .map(|st| SuggestionStep {
                    score: st.score.to_string(),
                    needs: st.needs.to_string(),
                    met: st.met,
                })
                .collect(),
            evidence: s.evidence,
            rule: s.rule.to_string(),
        })
    }

    /// Makes a prediction of the cycle `cycle_id` checkable against a measure.
    pub fn state_expectation(
        &self,
        project_id: String,
        cycle_id: String,
        expectation: ExpectationInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in_project(&project_id, |store, _| {
            Ok(Event::ExpectationStated {
                cycle: id(store, &cycle_id)?,
                expectation: core::Expectation {
                    prediction: expectation.prediction_index,
                    measure: id(store, &expectation.measure_id)?,
                    change: expectation.change.into(),
                    by: date(&expectation.by, "the last day of the period")?,
                },
            })
        })
    }

    /// Each checkable prediction of the cycle against the data of its period, as of
    /// today.
    pub fn prediction_checks(
        &self,
        cycle_id: String,
    ) -> Result<Vec<PredictionCheckLine>, PraxisError> {
        let store = self.lock();
        let cycle = id(&store, &cycle_id)?;
        let checks = queries::prediction_checks(store.connection(), cycle, today())?;
        Ok(checks
            .into_iter()
            .map(|c| PredictionCheckLine {
                expectation_id: c.expectation_id.0.to_string(),
                prediction: c
                    .prediction
                    .as_ref()
                    .map(|p| format!("{} Predicted: {}", p.question, p.prediction)),
                expected: format!(
                    "{} would {}, from {} to {}",
                    c.measure_name,
                    prediction_check::change_words(c.expectation.change),
                    format_day(c.from),
                    format_day(c.expectation.by)
                ),
                measure: c.measure_name,
                verdict: verdict_code(c.verdict).to_string(),
                explanation: c.explanation,
                median_before: c.before,
                median_during: c.during,
                values: c
                    .values
                    .iter()
                    .map(|v| PeriodValue {
                        period_start: format_day(v.period_start),
                        value: v.value,
                    })
                    .collect(),
                signals: c.signals,
            })
            .collect())
    }
}

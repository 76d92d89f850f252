//! Recording on the device, offline: each call is one transaction of the client core
//! (validated, appended to the stream's document, folded into the views), or a refusal
//! that changes nothing.

use crate::error::PraxisError;
use crate::input::*;
use crate::store::{PraxisStore, Recorded};
use praxis_core::dates::today;
use praxis_core::domain::event::{self as core, Event};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::{Detail, StreamKind};
use praxis_core::domain::recording_warnings;
use praxis_core::store::{Store, queries};

#[uniffi::export]
impl PraxisStore {
    /// Starts a team's improvement project in the collaborative (the only one on this
    /// device when `collaborative_id` is `None`).
    pub fn start_project(
        &self,
        collaborative_id: Option<String>,
        team: String,
        organisation: String,
        title: String,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let collaborative = stream(
            &store,
            collaborative_id.as_deref(),
            StreamKind::Collaborative,
        )?;
        Ok(store
            .start_project(core::ProjectStarted {
                collaborative,
                team,
                organisation,
                title,
            })?
            .into())
    }

    pub fn define_measure(
        &self,
        project_id: String,
        measure: MeasureInput,
    ) -> Result<Recorded, PraxisError> {
        let definition = definition(measure)?;
        self.record_in(&project_id, |_| Ok(Event::MeasureDefined(definition)))
    }

    pub fn record_measurement(
        &self,
        project_id: String,
        measurement: MeasurementInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            let value = match (measurement.value, measurement.numerator, measurement.denominator) {
                (Some(v), None, None) => core::MeasurementValue::Value(v),
                (None, Some(numerator), Some(denominator)) => core::MeasurementValue::Ratio {
                    numerator,
                    denominator,
                },
                _ => {
                    return Err(PraxisError::invalid(
                        "Give either a value, or a numerator and a denominator, for the measurement.",
                    ));
                }
            };
            Ok(Event::MeasurementRecorded(core::Measurement {
                measure: id(store, &measurement.measure_id)?,
                period_start: date(&measurement.period_start, "the period's start")?,
                period_end: date(&measurement.period_end, "the period's end")?,
                value,
                note: measurement.note,
            }))
        })
    }

    /// What to tell the person before recording `measurement`, empty when there is
    /// nothing to say: a value already recorded for an overlapping period (replace it
    /// with `correct_measurement` on `existing_id`, or keep both and say why in the
    /// note), or a period that has not begun. Nothing is recorded here.
    pub fn measurement_warnings(
        &self,
        measurement: MeasurementInput,
    ) -> Result<Vec<RecordingWarning>, PraxisError> {
        let store = self.lock();
        let measure = id(&store, &measurement.measure_id)?;
        let series = queries::measure_series(store.connection(), measure)?.ok_or_else(|| {
            PraxisError::invalid(format!("{} is not a measure.", measure.short()))
        })?;
        let warnings = recording_warnings::measurement_warnings(
            &series.points,
            date(&measurement.period_start, "the period's start")?,
            date(&measurement.period_end, "the period's end")?,
            today(),
        );
        Ok(warnings
            .iter()
            .map(|w| RecordingWarning {
                code: w.code().to_string(),
                message: w.message(),
                existing_id: w.existing().map(|e| e.0.to_string()),
            })
            .collect())
    }

    /// Plan: a new PDSA cycle, known afterwards by the returned record's id.
    pub fn plan_cycle(&self, project_id: String, plan: PlanInput) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            Ok(Event::CyclePlanned(core::Plan {
                change_idea: plan
                    .change_idea_id
                    .as_deref()
                    .map(|i| id(store, i))
                    .transpose()?,
                follows: plan
                    .follows_id
                    .as_deref()
                    .map(|i| id(store, i))
                    .transpose()?,
                scale: plan.scale.into(),
                objective: plan.objective,
                predictions: plan
                    .predictions
                    .into_iter()
                    .map(|p| core::Prediction {
                        question: p.question,
                        prediction: p.prediction,
                        reason: p.reason,
                    })
                    .collect(),
                who: plan.who,
                what: plan.what,
                where_: plan.place,
                when: date(&plan.when, "when the test happens")?,
                data_to_collect: plan.data_to_collect,
            }))
        })
    }

    /// Do: the test was carried out.
    pub fn record_do(
        &self,
        project_id: String,
        cycle_id: String,
        done: DoInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            Ok(Event::CycleDone {
                cycle: id(store, &cycle_id)?,
                done: core::Do {
                    carried_out_on: date(&done.carried_out_on, "when it was carried out")?,
                    carried_out_by: done.carried_out_by,
                    observations: done.observations,
                    problems: done.problems,
                    surprises: done.surprises,
                    data_gathered: done.data_gathered,
                },
            })
        })
    }

    /// Study: the data compared with the predictions.
    pub fn record_study(
        &self,
        project_id: String,
        cycle_id: String,
        study: StudyInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            Ok(Event::CycleStudied {
                cycle: id(store, &cycle_id)?,
                study: core::Study {
                    analysis: study.analysis,
                    compared_with_predictions: study.compared_with_predictions,
                    learning: study.learning,
                },
            })
        })
    }

    /// Act: the decision on the change. It replaces the Act this device has seen, if
    /// any; one made elsewhere without seeing it shows as a conflict.
    pub fn record_act(
        &self,
        project_id: String,
        cycle_id: String,
        act: ActInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            let cycle = id(store, &cycle_id)?;
            let replaces = match queries::record(store.connection(), cycle)?.map(|r| r.detail) {
                Some(Detail::Cycle { act, .. }) => act.heads,
                _ => Vec::new(),
            };
            Ok(Event::CycleActed {
                cycle,
                replaces,
                act: core::Act {
                    decision: act.decision.into(),
                    reasons: act.reasons,
                    changes: act.changes,
                    next_step: act.next_step,
                },
            })
        })
    }

    pub fn record_observation(
        &self,
        project_id: String,
        observation: ObservationInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |store| {
            Ok(Event::ObservationRecorded(core::Observation {
                kind: if observation.case_material {
                    core::ObservationKind::CaseMaterial
                } else {
                    core::ObservationKind::Observation
                },
                cycle: observation
                    .cycle_id
                    .as_deref()
                    .map(|c| id(store, c))
                    .transpose()?,
                subject: observation.subject,
                observed_on: match &observation.observed_on {
                    Some(d) => date(d, "the day observed")?,
                    None => praxis_core::dates::today(),
                },
                text: observation.text,
            }))
        })
    }

    pub fn add_action_plan_entry(
        &self,
        project_id: String,
        entry: ActionPlanInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |_| {
            Ok(Event::ActionPlanEntryAdded(core::ActionPlanEntry {
                where_are_we_now: entry.where_are_we_now,
                what_do_we_want_to_achieve: entry.what_do_we_want_to_achieve,
                how_will_we_get_there: entry.how_will_we_get_there,
                who_needs_to_take_what_action: entry.who_needs_to_take_what_action,
                timescales: entry.timescales,
            }))
        })
    }

    pub fn add_learning_log_entry(
        &self,
        project_id: String,
        entry: LearningLogInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |_| {
            Ok(Event::LearningLogEntryAdded(core::LearningLogEntry {
                learning_points: entry.learning_points,
                action_points: entry.action_points,
                responsibility: entry.responsibility,
                implement_by: date(&entry.implement_by, "implement by")?,
            }))
        })
    }

    pub fn submit_monthly_report(
        &self,
        project_id: String,
        report: MonthlyReportInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in(&project_id, |_| {
            Ok(Event::MonthlyReportSubmitted(core::MonthlyReport {
                month: month(&report.month)?,
                measures: report.measures,
                cycles: report.cycles,
                learning: report.learning,
                barriers: report.barriers,
                plans: report.plans,
                self_score: score(&report.self_score)?,
            }))
        })
    }
}

impl PraxisStore {
    /// Records the event `make` builds in the project `project_id` names.
    fn record_in(
        &self,
        project_id: &str,
        make: impl FnOnce(&Store) -> Result<Event, PraxisError>,
    ) -> Result<Recorded, PraxisError> {
        self.record_in_project(project_id, |store, _| make(store))
    }

    /// Records the event `make` builds, knowing the project, in the project
    /// `project_id` names.
    pub(crate) fn record_in_project(
        &self,
        project_id: &str,
        make: impl FnOnce(&Store, StreamId) -> Result<Event, PraxisError>,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let project = stream(&store, Some(project_id), StreamKind::Project)?;
        let event = make(&store, project)?;
        Ok(store.record(project, event)?.into())
    }
}

pub(crate) fn definition(m: MeasureInput) -> Result<core::MeasureDefinition, PraxisError> {
    let unit = match (m.unit, m.numerator, m.denominator) {
        (Some(u), None, None) => core::MeasureUnit::Unit(u),
        (None, Some(numerator), Some(denominator)) => core::MeasureUnit::Ratio {
            numerator,
            denominator,
        },
        _ => {
            return Err(PraxisError::invalid(
                "Give either a unit (for a count or a time), or a numerator and a denominator (for a proportion).",
            ));
        }
    };
    Ok(core::MeasureDefinition {
        name: m.name,
        kind: m.kind.into(),
        operational_definition: m.operational_definition,
        unit,
        direction: m.direction.into(),
        target: m.target,
        frequency: m.frequency.into(),
    })
}

/// The stream of `kind` that `text` names (its id, its last characters, or a word of
/// its name), or the only one of that kind here when `text` is `None`.
pub(crate) fn stream(
    store: &Store,
    text: Option<&str>,
    kind: StreamKind,
) -> Result<StreamId, PraxisError> {
    let what = match kind {
        StreamKind::Collaborative => "collaborative",
        StreamKind::Project => "project",
        StreamKind::Organisation => "organisation",
    };
    // A full id needs no search through the streams.
    if let Some(id) = text.and_then(|t| uuid::Uuid::parse_str(t.trim()).ok()) {
        let info = queries::stream_info(store.connection(), StreamId(id)).map_err(|_| {
            PraxisError::invalid(format!("There is no {what} {id} on this device."))
        })?;
        if info.kind == kind {
            return Ok(info.id);
        }
        return Err(PraxisError::invalid(format!("{id} is not a {what}.")));
    }
    let found: Vec<_> = match text {
        Some(t) => queries::resolve_stream(store.connection(), t)?,
        None => queries::streams(store.connection())?,
    }
    .into_iter()
    .filter(|s| s.kind == kind)
    .collect();
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => Err(PraxisError::invalid(match text {
            Some(t) => format!("No {what} on this device matches '{t}'."),
            None => format!("There is no {what} on this device yet."),
        })),
        _ => Err(PraxisError::invalid(format!(
            "Several {what}s match: give the id of the one you mean."
        ))),
    }
}

/// The record `text` names, in full or by its last characters.
pub(crate) fn id(store: &Store, text: &str) -> Result<EventId, PraxisError> {
    match queries::resolve_id(store.connection(), text)?.as_slice() {
        [one] => Ok(*one),
        [] => Err(PraxisError::invalid(format!(
            "Nothing here has the id '{text}': give an id as the lists show it."
        ))),
        _ => Err(PraxisError::invalid(format!(
            "More than one record ends in '{text}': give more of its id."
        ))),
    }
}

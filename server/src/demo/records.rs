//! The records of the work as the demo describes them (PDSA cycles as far as they got,
//! measures with their weekly series, observations, monthly reports), and how each is
//! recorded on a person's device, dated around the day the demo is seeded.

use super::phone::Phone;
use super::{Result, Seeder, internal};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use std::collections::HashMap;
use time::Duration;

/// A PDSA cycle of the demo, as far as it got.
pub(super) struct Pdsa {
    pub(super) key: &'static str,
    /// An index into the team's change ideas.
    pub(super) idea: Option<usize>,
    /// The key of the cycle this one follows.
    pub(super) follows: Option<&'static str>,
    pub(super) scale: TestScale,
    /// The day of the Plan, from today.
    pub(super) day: i64,
    pub(super) objective: &'static str,
    /// Question, prediction, and why.
    pub(super) prediction: [&'static str; 3],
    /// Who, what, where.
    pub(super) who_what_where: [&'static str; 3],
    pub(super) data: &'static str,
    /// By whom, observations, problems, surprises, data gathered (the day after the Plan).
    pub(super) done: Option<[&'static str; 5]>,
    /// Analysis, comparison with the predictions, learning.
    pub(super) study: Option<[&'static str; 3]>,
    /// The decision, its reasons, what changes, the next step.
    pub(super) act: Option<(Decision, [&'static str; 3])>,
}

/// A measure of the demo and its weekly series, oldest first.
pub(super) struct Series {
    pub(super) definition: MeasureDefinition,
    pub(super) values: Vec<MeasurementValue>,
    /// Notes on some weeks: (week index, note).
    pub(super) notes: &'static [(usize, &'static str)],
}

pub(super) fn ratio(
    name: &str,
    kind: MeasureKind,
    definition: &str,
    parts: [&str; 2],
) -> MeasureDefinition {
    MeasureDefinition {
        name: name.into(),
        kind,
        operational_definition: definition.into(),
        unit: MeasureUnit::Ratio {
            numerator: parts[0].into(),
            denominator: parts[1].into(),
        },
        direction: Direction::HigherIsBetter,
        target: None,
        frequency: Frequency::Weekly,
    }
}

pub(super) fn unit(
    name: &str,
    kind: MeasureKind,
    definition: &str,
    unit: &str,
    direction: Direction,
) -> MeasureDefinition {
    MeasureDefinition {
        name: name.into(),
        kind,
        operational_definition: definition.into(),
        unit: MeasureUnit::Unit(unit.into()),
        direction,
        target: None,
        frequency: Frequency::Weekly,
    }
}

pub(super) fn ratios(pairs: &[(f64, f64)]) -> Vec<MeasurementValue> {
    pairs
        .iter()
        .map(|&(numerator, denominator)| MeasurementValue::Ratio {
            numerator,
            denominator,
        })
        .collect()
}

pub(super) fn values(values: &[f64]) -> Vec<MeasurementValue> {
    values.iter().map(|&v| MeasurementValue::Value(v)).collect()
}

impl Seeder<'_> {
    /// Records week `week` of a measure's weekly series on the device.
    pub(super) fn measurement(
        &self,
        phone: &mut Phone,
        stream: StreamId,
        measure: EventId,
        series: &Series,
        week: usize,
    ) -> Result<()> {
        let start = *self
            .weeks()?
            .get(week)
            .ok_or_else(|| internal("a week", format!("no week {week}")))?;
        let value = series
            .values
            .get(week)
            .ok_or_else(|| internal("a week", format!("no value for week {week}")))?;
        phone.record(
            stream,
            Event::MeasurementRecorded(Measurement {
                measure,
                period_start: start,
                period_end: start
                    .checked_add(Duration::days(6))
                    .ok_or_else(|| internal("a week", "past the calendar"))?,
                value: value.clone(),
                note: series
                    .notes
                    .iter()
                    .find(|(w, _)| *w == week)
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_default(),
            }),
        )?;
        Ok(())
    }

    /// Records the cycles on the device, each as far as it got; `keys` names the
    /// cycles recorded so far, for `follows`.
    pub(super) fn cycles(
        &self,
        phone: &mut Phone,
        stream: StreamId,
        ideas: &[EventId],
        cycles: &[Pdsa],
        keys: &mut HashMap<&'static str, EventId>,
    ) -> Result<()> {
        for c in cycles {
            let when = self.day(c.day)?;
            let follows = match c.follows {
                Some(key) => Some(*keys.get(key).ok_or_else(|| {
                    internal(
                        format!("planning cycle {}", c.key),
                        format!("no cycle {key}"),
                    )
                })?),
                None => None,
            };
            let idea = match c.idea {
                Some(i) => Some(*ideas.get(i).ok_or_else(|| {
                    internal(format!("planning cycle {}", c.key), format!("no idea {i}"))
                })?),
                None => None,
            };
            let cycle = phone.record(
                stream,
                Event::CyclePlanned(Plan {
                    change_idea: idea,
                    follows,
                    scale: c.scale,
                    objective: c.objective.into(),
                    predictions: vec![Prediction {
                        question: c.prediction[0].into(),
                        prediction: c.prediction[1].into(),
                        reason: c.prediction[2].into(),
                    }],
                    who: c.who_what_where[0].into(),
                    what: c.who_what_where[1].into(),
                    where_: c.who_what_where[2].into(),
                    when,
                    data_to_collect: c.data.into(),
                }),
            )?;
            keys.insert(c.key, cycle);
            let rest = self.as_far_as_it_got(c, cycle)?;
            if !rest.is_empty() {
                phone.record_all(stream, rest)?;
            }
        }
        Ok(())
    }

    /// The Do, Study and Act of a cycle, as far as it got.
    fn as_far_as_it_got(&self, c: &Pdsa, cycle: EventId) -> Result<Vec<Event>> {
        let mut rest = Vec::new();
        if let Some([by, observations, problems, surprises, data]) = c.done {
            rest.push(Event::CycleDone {
                cycle,
                done: Do {
                    carried_out_on: self.day(c.day + 1)?,
                    carried_out_by: by.into(),
                    observations: observations.into(),
                    problems: problems.into(),
                    surprises: surprises.into(),
                    data_gathered: data.into(),
                },
            });
        }
        if let Some([analysis, compared, learning]) = c.study {
            rest.push(Event::CycleStudied {
                cycle,
                study: Study {
                    analysis: analysis.into(),
                    compared_with_predictions: compared.into(),
                    learning: learning.into(),
                },
            });
        }
        if let Some((decision, [reasons, changes, next_step])) = c.act {
            rest.push(Event::CycleActed {
                cycle,
                replaces: vec![],
                act: Act {
                    decision,
                    reasons: reasons.into(),
                    changes: changes.into(),
                    next_step: next_step.into(),
                },
            });
        }
        Ok(rest)
    }

    pub(super) fn observation(
        &self,
        kind: ObservationKind,
        cycle: Option<EventId>,
        subject: Option<&str>,
        day: i64,
        text: &str,
    ) -> Result<Event> {
        Ok(Event::ObservationRecorded(Observation {
            kind,
            cycle,
            subject: subject.map(str::to_string),
            observed_on: self.day(day)?,
            text: text.into(),
        }))
    }

    pub(super) fn report(&self, back: u32, text: [&str; 5], self_score: u16) -> Result<Event> {
        Ok(Event::MonthlyReportSubmitted(MonthlyReport {
            month: self.month(back)?,
            measures: text[0].into(),
            cycles: text[1].into(),
            learning: text[2].into(),
            barriers: text[3].into(),
            plans: text[4].into(),
            self_score: Score(self_score),
        }))
    }
}

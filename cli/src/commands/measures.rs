//! Measures: defining and revising one, recording a measurement, and showing a
//! measure's values with what the chart rules see in them. Each record goes through
//! `PraxisStore`.

use crate::args::*;
use crate::context::{self, date, project_id, record_id};
use crate::render::{self, Output};
use anyhow::{Result, anyhow, bail};
use praxis_core::store::queries;
use praxis_mobile::{
    Direction, Frequency, MeasureInput, MeasureKind, MeasurementInput, PraxisError, PraxisStore,
};

pub fn run(device: &PraxisStore, sel: &Option<String>, command: MeasureCommand) -> Result<Output> {
    let p = project_id(device, sel)?;
    match command {
        MeasureCommand::Define(a) => {
            let r = device.define_measure(p, definition(a)?)?;
            Ok(render::recorded(&r, "measure defined"))
        }
        MeasureCommand::Revise {
            measure,
            definition: a,
        } => {
            let measure = record_id(device, &measure)?;
            let r = device.revise_measure(p, measure, definition(a)?)?;
            Ok(render::recorded(&r, "measure revised"))
        }
        MeasureCommand::Baseline { measure, points } => {
            let measure = record_id(device, &measure)?;
            let r = device.set_baseline(p, measure, points)?;
            Ok(render::recorded(
                &r,
                &format!("baseline set: the median rests on the first {points} points"),
            ))
        }
        MeasureCommand::Record {
            measure,
            from,
            to,
            value,
            numerator,
            denominator,
            note,
            anyway,
        } => {
            let measure_id = record_id(device, &measure)?;
            date(&from, "--from")?;
            let period_end = match to {
                Some(t) => {
                    date(&t, "--to")?;
                    t
                }
                None => from.clone(),
            };
            if !matches!(
                (value, numerator, denominator),
                (Some(_), None, None) | (None, Some(_), Some(_))
            ) {
                bail!("Give either --value, or --numerator and --denominator.");
            }
            let mut input = MeasurementInput {
                measure_id,
                period_start: from,
                period_end,
                value,
                numerator,
                denominator,
                note,
            };
            // A measurement the domain refuses (no such measure, a bad period) is
            // refused by the recording below, with the reason it gives.
            let warnings = device
                .measurement_warnings(input.clone())
                .unwrap_or_default();
            match anyway.as_deref().map(str::trim) {
                _ if warnings.is_empty() => {}
                Some(reason) if !reason.is_empty() => {
                    input.note = match input.note.trim() {
                        "" => reason.to_string(),
                        note => format!("{note} ({reason})"),
                    };
                }
                _ => {
                    let mut told = String::from("Not recorded:");
                    for w in &warnings {
                        told.push(' ');
                        told.push_str(&w.message);
                        if let Some(existing) = &w.existing_id {
                            told.push_str(&format!(
                                " To replace it: `praxis correct {existing} --value … --reason …`."
                            ));
                        }
                    }
                    told.push_str(" To record it anyway: add --anyway \"why\".");
                    return Err(PraxisError::Refused(told).into());
                }
            }
            let r = device.record_measurement(p, input)?;
            Ok(render::recorded(&r, "measurement saved"))
        }
        MeasureCommand::Show { measure } => {
            let chart = device.read(|store| -> Result<_> {
                let measure = context::id(store, &measure)?;
                queries::measure_chart(store.connection(), measure, &[])?.ok_or_else(|| {
                    anyhow!(
                        "{} is not a measure. `praxis overview` lists the measures.",
                        measure.short()
                    )
                })
            })?;
            render::measure(&chart)
        }
    }
}

fn definition(a: MeasureDefinitionArgs) -> Result<MeasureInput> {
    if !matches!(
        (&a.unit, &a.numerator, &a.denominator),
        (Some(_), None, None) | (None, Some(_), Some(_))
    ) {
        bail!(
            "Give either --unit (for a count or time) or --numerator and --denominator (for a proportion)."
        );
    }
    Ok(MeasureInput {
        name: a.name,
        kind: match a.kind {
            KindArg::Outcome => MeasureKind::Outcome,
            KindArg::Process => MeasureKind::Process,
            KindArg::Balancing => MeasureKind::Balancing,
        },
        operational_definition: a.definition,
        unit: a.unit,
        numerator: a.numerator,
        denominator: a.denominator,
        direction: match a.direction {
            DirectionArg::Up => Direction::HigherIsBetter,
            DirectionArg::Down => Direction::LowerIsBetter,
        },
        target: a.target,
        frequency: match a.frequency {
            FrequencyArg::Daily => Frequency::Daily,
            FrequencyArg::Weekly => Frequency::Weekly,
            FrequencyArg::Fortnightly => Frequency::Fortnightly,
            FrequencyArg::Monthly => Frequency::Monthly,
            FrequencyArg::Quarterly => Frequency::Quarterly,
        },
    })
}

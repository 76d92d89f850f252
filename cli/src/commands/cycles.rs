//! PDSA cycles: Plan, Do, Study and Act, and a cycle shown with every stage recorded
//! so far. Each record goes through `PraxisStore`.

use crate::args::*;
use crate::context::{self, date, project_id, record_id};
use crate::render::{self, Output};
use anyhow::{Result, anyhow, bail};
use praxis_core::dates::today;
use praxis_core::store::queries;
use praxis_mobile::{
    ActInput, Decision, DoInput, ExpectationInput, ExpectedChange, PlanInput, PraxisStore,
    PredictionInput, StudyInput, TestScale,
};

pub fn run(device: &PraxisStore, sel: &Option<String>, command: CycleCommand) -> Result<Output> {
    let p = project_id(device, sel)?;
    match command {
        CycleCommand::Plan {
            objective,
            questions,
            predictions,
            reasons,
            who,
            what,
            where_,
            when,
            data,
            idea,
            follows,
            scale,
        } => {
            if questions.len() != predictions.len() || questions.len() != reasons.len() {
                bail!(
                    "Give one --prediction and one --reason for each --question ({} questions, {} predictions, {} reasons).",
                    questions.len(),
                    predictions.len(),
                    reasons.len()
                );
            }
            let predictions = questions
                .into_iter()
                .zip(predictions)
                .zip(reasons)
                .map(|((question, prediction), reason)| PredictionInput {
                    question,
                    prediction,
                    reason,
                })
                .collect();
            let change_idea_id = idea.as_deref().map(|i| record_id(device, i)).transpose()?;
            let follows_id = follows
                .as_deref()
                .map(|f| record_id(device, f))
                .transpose()?;
            date(&when, "--when")?;
            let plan = PlanInput {
                change_idea_id,
                follows_id,
                scale: match scale {
                    ScaleArg::VerySmall => TestScale::VerySmall,
                    ScaleArg::FollowUp => TestScale::FollowUp,
                    ScaleArg::Wider => TestScale::Wider,
                    ScaleArg::Implementation => TestScale::Implementation,
                    ScaleArg::Spread => TestScale::Spread,
                },
                objective,
                predictions,
                who,
                what,
                place: where_,
                when,
                data_to_collect: data,
            };
            let r = device.plan_cycle(p, plan)?;
            Ok(render::recorded(&r, "cycle planned"))
        }
        CycleCommand::Do {
            cycle,
            on,
            by,
            observations,
            problems,
            surprises,
            data,
        } => {
            let cycle = record_id(device, &cycle)?;
            date(&on, "--on")?;
            let done = DoInput {
                carried_out_on: on,
                carried_out_by: by,
                observations,
                problems,
                surprises,
                data_gathered: data,
            };
            let r = device.record_do(p, cycle, done)?;
            Ok(render::recorded(&r, "Do recorded"))
        }
        CycleCommand::Study {
            cycle,
            analysis,
            compared,
            learning,
        } => {
            let cycle = record_id(device, &cycle)?;
            let study = StudyInput {
                analysis,
                compared_with_predictions: compared,
                learning,
            };
            let r = device.record_study(p, cycle, study)?;
            Ok(render::recorded(&r, "Study recorded"))
        }
        CycleCommand::Act {
            cycle,
            decision,
            reasons,
            changes,
            next,
        } => {
            let cycle = record_id(device, &cycle)?;
            let act = ActInput {
                decision: match decision {
                    DecisionArg::Adopt => Decision::Adopt,
                    DecisionArg::Adapt => Decision::Adapt,
                    DecisionArg::Abandon => Decision::Abandon,
                },
                reasons,
                changes,
                next_step: next,
            };
            let r = device.record_act(p, cycle, act)?;
            Ok(render::recorded(&r, "Act recorded"))
        }
        CycleCommand::Expect {
            cycle,
            measure,
            change,
            value,
            by,
            prediction,
        } => {
            let cycle = record_id(device, &cycle)?;
            let measure = record_id(device, &measure)?;
            let needs_value = || {
                value.ok_or_else(|| anyhow!("Give --value: the value the measure should reach."))
            };
            let change = match change {
                ChangeArg::Rise => ExpectedChange::Rise,
                ChangeArg::Fall => ExpectedChange::Fall,
                ChangeArg::NoChange => ExpectedChange::NoChange,
                ChangeArg::AtLeast => ExpectedChange::AtLeast {
                    value: needs_value()?,
                },
                ChangeArg::AtMost => ExpectedChange::AtMost {
                    value: needs_value()?,
                },
            };
            date(&by, "--by")?;
            let prediction_index = match prediction {
                Some(0) => bail!("--prediction counts from 1, the Plan's first prediction."),
                Some(n) => Some(n - 1),
                None => None,
            };
            let r = device.state_expectation(
                p,
                cycle,
                ExpectationInput {
                    prediction_index,
                    measure_id: measure,
                    change,
                    by,
                },
            )?;
            Ok(render::recorded(&r, "prediction made checkable"))
        }
        CycleCommand::Show { cycle } => {
            let (view, checks, names) = device.read(|store| -> Result<_> {
                let cycle = context::id(store, &cycle)?;
                let view = queries::cycle(store.connection(), cycle)?.ok_or_else(|| {
                    anyhow!(
                        "{} is not a cycle. `praxis overview` lists the cycles.",
                        cycle.short()
                    )
                })?;
                let checks = queries::prediction_checks(store.connection(), cycle, today())?;
                Ok((view, checks, queries::person_names(store.connection())?))
            })?;
            render::cycle(&view, &checks, &names)
        }
    }
}

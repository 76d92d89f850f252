//! A team's project: starting and listing projects, the charter, change ideas,
//! observations, the action plan, the learning log, monthly reports and their scores,
//! and managers' decisions. Each record goes through `PraxisStore`.

use super::views;
use crate::args::*;
use crate::context::{self, collaborative_id, date, month, project_id, record_id, record_ids};
use crate::render::{self, Output};
use anyhow::Result;
use praxis_mobile::{
    ActionPlanInput, ChangeIdeaInput, CharterInput, EvidenceInput, LearningLogInput,
    ManagerDecisionInput, MonthlyReportInput, ObservationInput, PraxisStore,
};

pub fn project(device: &PraxisStore, command: ProjectCommand) -> Result<Output> {
    match command {
        ProjectCommand::Start {
            team,
            organisation,
            title,
        } => {
            let c = collaborative_id(device, &None)?;
            let r = device.start_project(Some(c), team, organisation, title.clone())?;
            // A project is known by its stream: the one id people name it by.
            let id = render::short(&r.stream_id);
            Ok(Output::new(
                render::recorded_json(&r),
                format!(
                    "Project '{title}' started: {id}.\nName it with --project {id} when this device holds several projects."
                ),
            ))
        }
        ProjectCommand::List => views::projects(device),
    }
}

pub fn charter(device: &PraxisStore, sel: &Option<String>, a: CharterArgs) -> Result<Output> {
    let p = project_id(device, sel)?;
    date(&a.by_when, "--by-when")?;
    let r = device.set_charter(
        p,
        CharterInput {
            what: a.what,
            for_whom: a.for_whom,
            place: a.where_,
            how_much: a.how_much,
            by_when: a.by_when,
            senior_leader: a.senior_leader,
            day_to_day_lead: a.day_to_day_lead,
            members: a.members,
        },
    )?;
    Ok(render::recorded(&r, "charter saved"))
}

pub fn idea(device: &PraxisStore, sel: &Option<String>, a: IdeaArgs) -> Result<Output> {
    let p = project_id(device, sel)?;
    let package_item_ids = record_ids(device, &a.package_items)?;
    let r = device.propose_change_idea(
        p,
        ChangeIdeaInput {
            title: a.title,
            description: a.description,
            package_item_ids,
            evidence: EvidenceInput {
                research: a.research,
                practice: a.practice,
            },
        },
    )?;
    Ok(render::recorded(&r, "change idea saved"))
}

pub fn observe(device: &PraxisStore, sel: &Option<String>, a: ObserveArgs) -> Result<Output> {
    let p = project_id(device, sel)?;
    let cycle_id = a
        .cycle
        .as_deref()
        .map(|c| record_id(device, c))
        .transpose()?;
    if let Some(d) = &a.on {
        date(d, "--on")?;
    }
    let r = device.record_observation(
        p,
        ObservationInput {
            text: a.text,
            case_material: a.case_material,
            cycle_id,
            subject: a.subject,
            observed_on: a.on,
        },
    )?;
    Ok(render::recorded(&r, "observation saved"))
}

pub fn action_plan(
    device: &PraxisStore,
    sel: &Option<String>,
    a: ActionPlanArgs,
) -> Result<Output> {
    let p = project_id(device, sel)?;
    let r = device.add_action_plan_entry(
        p,
        ActionPlanInput {
            where_are_we_now: a.now,
            what_do_we_want_to_achieve: a.achieve,
            how_will_we_get_there: a.how,
            who_needs_to_take_what_action: a.who,
            timescales: a.timescales,
        },
    )?;
    Ok(render::recorded(&r, "action plan entry saved"))
}

pub fn learning_log(
    device: &PraxisStore,
    sel: &Option<String>,
    a: LearningLogArgs,
) -> Result<Output> {
    let p = project_id(device, sel)?;
    date(&a.implement_by, "--implement-by")?;
    let r = device.add_learning_log_entry(
        p,
        LearningLogInput {
            learning_points: a.learning,
            action_points: a.action,
            responsibility: a.responsibility,
            implement_by: a.implement_by,
        },
    )?;
    Ok(render::recorded(&r, "learning log entry saved"))
}

pub fn report(
    device: &PraxisStore,
    sel: &Option<String>,
    command: ReportCommand,
) -> Result<Output> {
    let p = project_id(device, sel)?;
    match command {
        ReportCommand::Submit {
            month: m,
            measures,
            cycles,
            learning,
            barriers,
            plans,
            self_score,
        } => {
            month(&m)?;
            context::score(&self_score)?;
            let suggested = device.suggested_score(p.clone(), m.clone()).ok();
            let r = device.submit_monthly_report(
                p,
                MonthlyReportInput {
                    month: m,
                    measures,
                    cycles,
                    learning,
                    barriers,
                    plans,
                    self_score: self_score.clone(),
                },
            )?;
            Ok(with_suggestion(
                render::recorded(&r, "monthly report submitted"),
                suggested,
                &self_score,
            ))
        }
        ReportCommand::Score {
            report,
            score,
            justification,
        } => {
            let report = record_id(device, &report)?;
            context::score(&score)?;
            let month = device.read(|store| report_month(store, &report));
            let suggested = month.and_then(|m| device.suggested_score(p.clone(), m).ok());
            let r = device.give_coordinator_score(p, report, score.clone(), justification)?;
            Ok(with_suggestion(
                render::recorded(&r, "coordinator's score saved"),
                suggested,
                &score,
            ))
        }
        ReportCommand::Suggest { month: m } => {
            month(&m)?;
            let s = device.suggested_score(p, m.clone())?;
            render::suggested_score(&s, &m)
        }
    }
}

/// The month (`YYYY-MM`) of the report `report` names; `None` when it names no report
/// (the score is then refused by the rules, which say why).
fn report_month(store: &praxis_core::store::Store, report: &str) -> Option<String> {
    let id = context::id(store, report).ok()?;
    match praxis_core::store::queries::record(store.connection(), id)
        .ok()??
        .content
    {
        praxis_core::domain::event::Event::MonthlyReportSubmitted(r) => {
            Some(r.month.to_string().chars().take(7).collect())
        }
        _ => None,
    }
}

/// A score's confirmation, with the level the evidence suggested and the difference.
fn with_suggestion(
    mut out: Output,
    suggested: Option<praxis_mobile::SuggestedScore>,
    given: &str,
) -> Output {
    if let Some(s) = suggested
        && let (Ok(level), Ok(given)) = (
            s.level.parse::<praxis_core::domain::event::Score>(),
            given.parse::<praxis_core::domain::event::Score>(),
        )
    {
        let difference = praxis_core::domain::score_evidence::difference(given, level);
        out.text.push_str(&format!(
            "\nThe evidence suggested {level} ({}): {difference}.",
            s.meaning
        ));
        out.json["suggested"] = serde_json::json!(s.level);
    }
    out
}

pub fn decide(device: &PraxisStore, sel: &Option<String>, a: DecideArgs) -> Result<Output> {
    let p = project_id(device, sel)?;
    let rests_on_ids = record_ids(device, &a.rests_on)?;
    let r = device.record_manager_decision(
        p,
        ManagerDecisionInput {
            decision: a.decision,
            rationale: a.rationale,
            rests_on_ids,
        },
    )?;
    Ok(render::recorded(&r, "decision saved"))
}

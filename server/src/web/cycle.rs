//! The cycle page: the whole Plan, Do, Study and Act, its observations, the
//! measurements of the project's measures in the cycle's period, and the cycles it
//! follows and leads to. It reads the same `CycleView` as `GET /api/v1/cycles/{id}`.

use super::RecordPath;
use super::layout::{page, scrolling};
use super::svg::value_text;
use super::{SignedIn, WebError, html_page};
use crate::access::{self, Id, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::html;
use praxis_core::domain::event::Decision;
use praxis_core::domain::views::{CycleView, MeasureSeries};
use time::Date;

fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Adopt => "Adopt",
        Decision::Adapt => "Adapt",
        Decision::Abandon => "Abandon",
    }
}

/// The cycle's period: from its Plan's date to its last Do (or the Plan's date).
fn period(view: &CycleView) -> Option<(Date, Date)> {
    let start = view.plan.as_ref()?.when;
    let end = view
        .dos
        .iter()
        .map(|(_, d)| d.carried_out_on)
        .max()
        .unwrap_or(start)
        .max(start);
    Some((start, end))
}

pub async fn cycle(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(id, ..): RecordPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (stream, view, series, objectives) = state
        .with(move |s| {
            let reader = Reader::Browser(person);
            let (access, (view, series, objectives)) = access::read(
                s,
                &reader,
                &route,
                Of::Record(id),
                Need::Member,
                |s, access| {
                    let stream = access.stream_id;
                    let view = s
                        .cycle(id)?
                        .ok_or_else(|| ServerError::NotFound(format!("{id} is not a cycle.")))?;
                    let detail = s.project_detail(stream)?;
                    let mut series: Vec<MeasureSeries> = Vec::new();
                    for m in &detail.overview.measures {
                        if let Some(ms) = s.measure(m.id)? {
                            series.push(ms);
                        }
                    }
                    let objectives: Vec<(praxis_core::domain::ids::EventId, String)> = detail
                        .overview
                        .cycles_by_stage
                        .values()
                        .flatten()
                        .map(|c| (c.id, c.objective.clone()))
                        .collect();
                    Ok((view, series, objectives))
                },
            )?;
            Ok((access.stream_id, view, series, objectives))
        })
        .await?;
    let objective_of = |id| {
        objectives
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| format!("cycle {id}"))
    };
    let title = view
        .plan
        .as_ref()
        .map(|p| p.objective.clone())
        .unwrap_or_else(|| "Cycle".into());
    let span = period(&view);
    let content = html! {
        nav aria-label="Breadcrumb" { a href={ "/projects/" (stream) } { "Back to the team project" } }
        h1 { (title) }
        p.muted { "Stage: " (view.stage.label()) }
        @if let Some(f) = view.follows { p { "Follows " a href={ "/cycles/" (f) } { (objective_of(f)) } } }
        section aria-labelledby="plan-heading" {
            h2 id="plan-heading" { "Plan" }
            @if let Some(p) = &view.plan {
                dl {
                    dt { "Objective" } dd { (p.objective) }
                    dt { "Who" } dd { (p.who) }
                    dt { "What" } dd { (p.what) }
                    dt { "Where" } dd { (p.where_) }
                    dt { "When" } dd { (p.when) }
                    dt { "Data to collect" } dd { (p.data_to_collect) }
                }
                h3 { "Questions and predictions" }
                ul { @for q in &p.predictions { li { (q.question) " — predicted: " (q.prediction) " (because " (q.reason) ")" } } }
            }
        }
        section aria-labelledby="do-heading" {
            h2 id="do-heading" { "Do" }
            @if view.dos.is_empty() { p { "Not carried out yet." } }
            @for (_, d) in &view.dos {
                dl {
                    dt { "Carried out" } dd { (d.carried_out_on) " by " (d.carried_out_by) }
                    dt { "Observations" } dd { (d.observations) }
                    dt { "Problems" } dd { (d.problems) }
                    dt { "Unexpected" } dd { (d.surprises) }
                    dt { "Data gathered" } dd { (d.data_gathered) }
                }
            }
        }
        section aria-labelledby="study-heading" {
            h2 id="study-heading" { "Study" }
            @if view.studies.is_empty() { p { "Not studied yet." } }
            @for (_, st) in &view.studies {
                dl {
                    dt { "Analysis" } dd { (st.analysis) }
                    dt { "Compared with the predictions" } dd { (st.compared_with_predictions) }
                    dt { "What was learned" } dd { (st.learning) }
                }
            }
        }
        section aria-labelledby="act-heading" {
            h2 id="act-heading" { "Act" }
            @match (&view.act, &view.act_conflict) {
                (_, Some(versions)) => {
                    p.concern { "Two decisions were recorded without seeing each other; a resolution must name them all:" }
                    ul { @for v in versions { li { (decision_text(v.value.decision)) ": " (v.value.reasons) } } }
                }
                (Some(a), None) => dl {
                    dt { "Decision" } dd { strong { (decision_text(a.decision)) } }
                    dt { "Reasons" } dd { (a.reasons) }
                    dt { "What changes" } dd { (a.changes) }
                    dt { "Next step" } dd { (a.next_step) }
                },
                (None, None) => p { "No decision yet." },
            }
            @if !view.leads_to.is_empty() {
                p { "Leads to: "
                    @for (i, next) in view.leads_to.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/cycles/" (next) } { (objective_of(*next)) }
                    }
                }
            }
        }
        section aria-labelledby="observations-heading" {
            h2 id="observations-heading" { "Observations" }
            @if view.observations.is_empty() { p { "None recorded." } }
            ul { @for o in &view.observations { li { (o.observation.observed_on) ": " (o.observation.text) @if let Some(s) = &o.observation.subject { " (" (s) ")" } } } }
        }
        section aria-labelledby="measurements-heading" {
            h2 id="measurements-heading" { "Measurements in the cycle's period" }
            @if let Some((from, to)) = span {
                p.muted { (from) " to " (to) }
                (scrolling("Measurements in the cycle's period", html! { table {
                    thead { tr { th { "Measure" } th { "Period" } th.num { "Value" } } }
                    tbody {
                        @for ms in &series {
                            @for p in ms.points.iter().filter(|p| p.period_end >= from && p.period_start <= to) {
                                tr {
                                    td { a href={ "/measures/" (ms.id) } { (ms.definition.as_ref().map(|d| d.name.clone()).unwrap_or_default()) } }
                                    td { (p.period_start) " to " (p.period_end) }
                                    td.num { (value_text(p.plotted)) }
                                }
                            }
                        }
                    }
                } }))
            }
        }
    };
    Ok(html_page(page(&title, Some(&who.session), content)))
}

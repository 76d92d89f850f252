//! The coordinator's queue for a collaborative: what waits on someone, team by team.
//! Monthly reports awaiting a coordinator's score, scored reports awaiting a senior
//! manager's decision (none rests on them yet), and open conflicts with each version's
//! author, time and content, and a form to keep one of them with a reason
//! (`POST /conflicts/{subject}/resolve`, a `Resolution` event by the person signed in).
//! The dashboard's counts link here.

use super::StreamPath;
use super::forms::{field, form_fields, may};
use super::layout::{csrf_field, page};
use super::people::person_name;
use super::teams_table::load;
use super::{RecordPath, SignedIn, WebError, html_page};
use crate::access::{Id, Need, Route, check_record, parse_id};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{EventView, StreamAccess};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::domain::dashboard::month_text;
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::Conflict;
use praxis_core::domain::views::ProjectDetail;
use std::collections::HashMap;

/// One team's part of the queue.
struct TeamQueue {
    team: String,
    stream: StreamId,
    detail: ProjectDetail,
    access: StreamAccess,
    /// Each open conflict with its versions as recorded.
    conflicts: Vec<(Conflict, Vec<EventView>)>,
}

/// How many items wait in each part of the queue, for the dashboard's links.
pub struct Waiting {
    pub to_score: usize,
    pub to_decide: usize,
    pub conflicts: usize,
}

fn awaiting_score(detail: &ProjectDetail) -> Vec<&praxis_core::domain::views::ReportDetail> {
    detail
        .reports
        .iter()
        .filter(|r| r.scores.is_empty())
        .collect()
}

fn awaiting_decision(detail: &ProjectDetail) -> Vec<&praxis_core::domain::views::ReportDetail> {
    detail
        .reports
        .iter()
        .filter(|r| !r.scores.is_empty())
        .filter(|r| !detail.decisions.iter().any(|d| d.rests_on.contains(&r.id)))
        .collect()
}

/// What a version of a record says, in a line: the part that differs between versions.
fn content(event: Option<&Event>) -> String {
    match event {
        Some(Event::CharterSet { charter, .. }) => format!(
            "Aim: {}, for {}, in {}: {} by {}. Senior leader {}; day-to-day lead {}.",
            charter.aim.what,
            charter.aim.for_whom,
            charter.aim.where_,
            charter.aim.how_much,
            charter.aim.by_when,
            charter.senior_leader,
            charter.day_to_day_lead
        ),
        Some(Event::MeasureRevised { definition, .. })
        | Some(Event::MeasureDefined(definition)) => {
            format!(
                "{}{}",
                definition.name,
                definition
                    .target
                    .map(|t| format!(", target {t}"))
                    .unwrap_or_default()
            )
        }
        Some(Event::CycleActed { act, .. }) => {
            format!(
                "{:?}: {} Next: {}",
                act.decision, act.reasons, act.next_step
            )
        }
        Some(Event::ScheduleSet { schedule, .. }) => format!(
            "{} phases, from {} to {}",
            schedule.len(),
            schedule
                .first()
                .map(|p| p.starts.to_string())
                .unwrap_or_default(),
            schedule
                .last()
                .map(|p| p.ends.to_string())
                .unwrap_or_default()
        ),
        Some(other) => other.kind().name().replace('-', " "),
        None => "a version this server cannot read".into(),
    }
}

fn conflict_card(
    c: &Conflict,
    versions: &[EventView],
    access: &StreamAccess,
    who: &SignedIn,
    names: &HashMap<PersonId, String>,
) -> Markup {
    html! {
        article.card data-conflict=(c.subject) {
            h4 { (c.what) }
            p { (c.versions.len()) " versions were recorded without seeing each other." }
            ol {
                @for v in versions {
                    li data-version=(v.id) {
                        strong { (person_name(names, v.author)) } ", " (v.recorded_at) ": " (content(v.body.as_ref()))
                    }
                }
            }
            @if may(access, EventKind::Resolution) {
                form.stacked method="post" action={ "/conflicts/" (c.subject) "/resolve" } {
                    (csrf_field(&who.session))
                    label for={ "keep-" (c.subject) } { "The version that stands" }
                    select id={ "keep-" (c.subject) } name="keep" required {
                        option value="" { "Choose a version" }
                        @for v in versions {
                            option value=(v.id) { (person_name(names, v.author)) ", " (v.recorded_at) }
                        }
                    }
                    label for={ "reason-" (c.subject) } { "Why" }
                    textarea id={ "reason-" (c.subject) } name="reason" required {}
                    button type="submit" { "Resolve the conflict" }
                }
            }
        }
    }
}

async fn read(
    state: &AppState,
    who: &SignedIn,
    route: Route,
    stream: StreamId,
) -> Result<(String, Vec<TeamQueue>, HashMap<PersonId, String>), WebError> {
    let person = who.session.person;
    let d = load(state, person, stream, route).await?;
    let teams: Vec<(String, StreamId)> =
        d.teams.iter().map(|t| (t.team.clone(), t.stream)).collect();
    let (queues, names) = state
        .with(move |s| {
            let mut queues = Vec::new();
            for (team, stream) in teams {
                let access = crate::access::check(s, person, stream, Need::Member)?;
                let detail = s.project_detail(stream)?;
                let mut conflicts = Vec::new();
                if !detail.overview.conflicts.is_empty() {
                    let events = s.events(stream)?;
                    for c in &detail.overview.conflicts {
                        let versions = c
                            .versions
                            .iter()
                            .filter_map(|v| events.iter().find(|e| e.id == *v).cloned())
                            .collect();
                        conflicts.push((c.clone(), versions));
                    }
                }
                queues.push(TeamQueue {
                    team,
                    stream,
                    detail,
                    access,
                    conflicts,
                });
            }
            let names = s.people()?.into_iter().map(|p| (p.id, p.name)).collect();
            Ok((queues, names))
        })
        .await?;
    Ok((d.name, queues, names))
}

/// The counts the dashboard links to the queue with.
pub fn waiting(details: &[&ProjectDetail]) -> Waiting {
    Waiting {
        to_score: details.iter().map(|d| awaiting_score(d).len()).sum(),
        to_decide: details.iter().map(|d| awaiting_decision(d).len()).sum(),
        conflicts: details.iter().map(|d| d.overview.conflicts.len()).sum(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let (name, teams, names) = read(&state, &who, route, stream).await?;
    let details: Vec<&ProjectDetail> = teams.iter().map(|t| &t.detail).collect();
    let w = waiting(&details);
    let title = format!("{name}: what waits");
    let content = html! {
        nav aria-label="Breadcrumb" { a href={ "/collaboratives/" (stream) } { "The collaborative's dashboard" } }
        h1 { (title) }
        section aria-labelledby="to-score" id="to-score" {
            h2 id="to-score-heading" { "Reports awaiting a score (" (w.to_score) ")" }
            @if w.to_score == 0 { p { "Every report has a coordinator's score." } }
            ul {
                @for t in &teams {
                    @for r in awaiting_score(&t.detail) {
                        li data-awaiting-score=(r.id) {
                            a href={ "/projects/" (t.stream) "#report-" (r.id) } { (t.team) ": report for " (month_text(r.report.month)) }
                            " — self-assessed " (r.report.self_score) ", submitted by " (person_name(&names, r.by))
                        }
                    }
                }
            }
        }
        section aria-labelledby="to-decide-heading" id="to-decide" {
            h2 id="to-decide-heading" { "Scored reports awaiting a manager's decision (" (w.to_decide) ")" }
            @if w.to_decide == 0 { p { "A decision rests on every scored report." } }
            ul {
                @for t in &teams {
                    @for r in awaiting_decision(&t.detail) {
                        li data-awaiting-decision=(r.id) {
                            a href={ "/projects/" (t.stream) "#decisions-heading" } { (t.team) ": report for " (month_text(r.report.month)) }
                            @if let Some(s) = r.scores.last() { " — scored " (s.score) " by " (person_name(&names, s.by)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="conflicts-heading" id="conflicts" {
            h2 id="conflicts-heading" { "Open conflicts (" (w.conflicts) ")" }
            @if w.conflicts == 0 { p { "No open conflicts." } }
            @for t in &teams {
                @if !t.conflicts.is_empty() {
                    h3 { (t.team) }
                    @for (c, versions) in &t.conflicts { (conflict_card(c, versions, &t.access, &who, &names)) }
                }
            }
        }
    };
    Ok(html_page(page(&title, Some(&who.session), content)))
}

/// `POST /conflicts/{subject}/resolve`: keeps one version of a record in conflict,
/// with why, settling every version the person saw.
pub async fn resolve(
    State(state): State<AppState>,
    who: SignedIn,
    Id(subject, ..): RecordPath,
    body: Bytes,
) -> Result<Response, WebError> {
    let typed = form_fields(&body);
    who.check_csrf(field(&typed, "csrf"))?;
    let keep: EventId = parse_id(field(&typed, "keep").trim())?;
    let reason = field(&typed, "reason").trim().to_string();
    if reason.is_empty() {
        return Err(ServerError::BadRequest(
            "Fill in 'Why': a resolution says why that version stands.".into(),
        )
        .into());
    }
    let person = who.session.person;
    let collaborative = state
        .with(move |s| {
            let (stream, _) = check_record(s, person, subject, Need::Member)?;
            let detail = s.project_detail(stream)?;
            let conflict = detail
                .overview
                .conflicts
                .iter()
                .find(|c| c.subject == subject)
                .ok_or_else(|| {
                    ServerError::Conflict(
                        "That conflict is resolved already: open the page again to see what stands.".into(),
                    )
                })?;
            if !conflict.versions.contains(&keep) {
                return Err(ServerError::BadRequest(
                    "Keep one of the conflict's own versions: choose it from the list.".into(),
                ));
            }
            let event = Event::Resolution {
                subject,
                settles: conflict.versions.clone(),
                keep,
                reason,
            };
            s.record_for(person, stream, vec![event])?;
            Ok::<_, ServerError>(detail.overview.project.as_ref().map(|p| p.collaborative))
        })
        .await?;
    let location = match collaborative {
        Some(c) => format!("/collaboratives/{c}/queue#conflicts"),
        None => "/".to_string(),
    };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

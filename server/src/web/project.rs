//! The team project page: the aim, the measures with small run charts, cycles by stage
//! and their ramps, open conflicts, the observations and case material linked to no
//! cycle, the SCIE action plan and learning log, the monthly reports with their scores,
//! managers' decisions, and the forms the signed-in person's roles allow (submit a
//! report, score one, record a decision), and the records the server held back at sync
//! with the forms to settle them (a coordinator releases one, its author withdraws it).
//! It reads the same `ProjectDetail` view as `GET /api/v1/streams/{id}/detail`.

use super::StreamPath;
use super::forms::{
    Draft, decision_form, may, offers_report_form, report_form, score_form, suggested_text,
};
use super::layout::{csrf_field, page, scrolling};
use super::measure_charts::{icons, reading_class, reading_text, small_chart};
use super::people::person_name;
use super::svg;
use super::{SignedIn, WebError, html_page};
use crate::access::{self, Id, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{StreamAccess, StreamView, Views};
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::dates::today;
use praxis_core::domain::dashboard::{month_of, month_text};
use praxis_core::domain::event::{EventKind, ObservationKind, ProgressScale};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::score_evidence::SuggestedScore;
use praxis_core::domain::views::{FeedItem, ProjectDetail, ReportDetail};
use praxis_core::store::HeldRecord;
use std::collections::HashMap;
use time::Date;

/// The records the server held back at sync, each with why; a coordinator may release
/// one, its author withdraw it.
fn held_section(
    held: &[HeldRecord],
    access: &StreamAccess,
    who: &SignedIn,
    names: &HashMap<PersonId, String>,
) -> Markup {
    if held.is_empty() {
        return html! {};
    }
    let releases = may(access, EventKind::QuarantineReleased);
    html! {
        section aria-labelledby="held-heading" {
            h2 id="held-heading" { "Held back at sync (" (held.len()) ")" }
            p { "The server kept these records but left them out of every view: whoever recorded them could not record them here when they reached it. Everything recorded after them went through." }
            @for h in held {
                div.card id={ "held-" (h.quarantine) } {
                    h3 { (h.kind) ": " (h.title) }
                    p { "Recorded by " (person_name(names, h.author)) ". Held back because " (h.reason) "." }
                    @if releases {
                        form.stacked method="post" action={ "/held/" (h.quarantine) "/release" } {
                            (csrf_field(&who.session))
                            label for={ "release-" (h.quarantine) } { "Why release it (the role was granted again, it was reviewed)" }
                            textarea id={ "release-" (h.quarantine) } name="reason" required {}
                            button type="submit" { "Release it" }
                        }
                    }
                    @if h.author == who.session.person {
                        form.stacked method="post" action={ "/held/" (h.quarantine) "/withdraw" } {
                            (csrf_field(&who.session))
                            label for={ "withdraw-" (h.quarantine) } { "Why withdraw it" }
                            textarea id={ "withdraw-" (h.quarantine) } name="reason" required {}
                            button type="submit" { "Withdraw it" }
                        }
                    }
                }
            }
        }
    }
}

fn report_section(
    r: &ReportDetail,
    access: &StreamAccess,
    who: &SignedIn,
    names: &HashMap<PersonId, String>,
    (scale, suggested, draft): (&ProgressScale, Option<&SuggestedScore>, Option<&Draft>),
) -> Markup {
    html! {
        article.card id={ "report-" (r.id) } {
            h3 { "Report for " (month_text(r.report.month)) }
            p.muted { "Submitted by " (person_name(names, r.by)) }
            dl {
                dt { "Self-assessed score" } dd data-self-score=(r.report.self_score) { (r.report.self_score) (suggested_text(r.suggested.as_ref())) }
                dt { "Measures" } dd { (r.report.measures) }
                dt { "Cycles run" } dd { (r.report.cycles) }
                dt { "What was learned" } dd { (r.report.learning) }
                dt { "Barriers" } dd { (r.report.barriers) }
                dt { "Plans" } dd { (r.report.plans) }
            }
            @for s in &r.scores {
                p data-coordinator-score=(s.score) { strong { "Coordinator's score " (s.score) } " by " (person_name(names, s.by)) (suggested_text(s.suggested.as_ref())) ": " (s.justification) }
            }
            (score_form(r, access, who, (scale, suggested), draft))
        }
    }
}

fn kind_text(kind: ObservationKind) -> &'static str {
    match kind {
        ObservationKind::Observation => "Observation",
        ObservationKind::CaseMaterial => "Case material",
    }
}

/// The observations and case material that belong to no cycle, newest first.
fn unlinked_section(items: &[FeedItem], names: &HashMap<PersonId, String>) -> Markup {
    html! {
        section aria-labelledby="notes-heading" {
            h2 id="notes-heading" { "Observations and case material not linked to a cycle" }
            @if items.is_empty() { p { "None recorded." } }
            ol.notes {
                @for item in items {
                    @let o = &item.observation;
                    li.card data-observation=(item.id) {
                        p.note-head {
                            strong data-kind { (kind_text(o.kind)) }
                            " · observed " time datetime=(o.observed_on) { (o.observed_on) }
                            @if let Some(subject) = &o.subject { " · about " span.subject { (subject) } }
                        }
                        p { (o.text) }
                        p.muted { "Recorded by " (person_name(names, item.recorded_by)) @if item.corrected { " (corrected)" } }
                    }
                }
            }
        }
    }
}

/// What the project page shows, read in one go under the access check.
pub struct ProjectRead {
    detail: ProjectDetail,
    /// The collaborative's progress scale, which scores are chosen from.
    scale: ProgressScale,
    /// The level the evidence supports this month, for the report form, and for each
    /// report's month, for the score form (only for those who are offered them).
    suggested_now: Option<SuggestedScore>,
    suggested_for: HashMap<EventId, SuggestedScore>,
    held: Vec<HeldRecord>,
    charts: Vec<MeasureChart>,
    notes: Vec<FeedItem>,
    names: HashMap<PersonId, String>,
}

pub async fn project(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    render(state, who, route, stream, None).await
}

/// What the project page shows, read from `views` for someone with `access`, on
/// `today` (the live views, or a replica as it stood).
pub fn read(
    views: &dyn Views,
    access: &StreamAccess,
    today: Date,
) -> Result<ProjectRead, ServerError> {
    let stream = access.stream_id;
    let detail = views.project_detail(stream)?;
    let suggested_now = if offers_report_form(access) {
        views.suggested_score(stream, month_of(today))?
    } else {
        None
    };
    let mut suggested_for = HashMap::new();
    if may(access, EventKind::CoordinatorScoreGiven) {
        for r in &detail.reports {
            if let Some(suggestion) = views.suggested_score(stream, r.report.month)? {
                suggested_for.insert(r.id, suggestion);
            }
        }
    }
    let mut charts = Vec::new();
    for m in &detail.overview.measures {
        if let Some(c) = views.measure_chart(m.id, &[])? {
            charts.push(c);
        }
    }
    let scale = match detail
        .overview
        .project
        .as_ref()
        .map(|p| views.stream_view(p.collaborative))
        .transpose()?
    {
        Some(StreamView::Collaborative(c)) => c.scale,
        _ => ProgressScale::ihi(),
    };
    Ok(ProjectRead {
        scale,
        suggested_now,
        suggested_for,
        detail,
        held: views.held_back(stream)?,
        charts,
        notes: views.unlinked_observations(stream)?,
        names: views
            .people()?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
    })
}

/// The project page, with a refused form shown again as it was typed (`draft`).
pub async fn render(
    state: AppState,
    who: SignedIn,
    route: Route,
    stream: StreamId,
    draft: Option<Draft>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (access, read) = state
        .with(move |s| {
            access::read(
                s,
                &Reader::Browser(person),
                &route,
                Of::Stream(stream),
                Need::Member,
                |s, access| read(s, access, today()),
            )
        })
        .await?;
    let (title, content) = content(read, &access, &who, draft.as_ref());
    Ok(html_page(page(&title, Some(&who.session), content)))
}

/// The page's title and content.
pub fn content(
    read: ProjectRead,
    access: &StreamAccess,
    who: &SignedIn,
    draft: Option<&Draft>,
) -> (String, Markup) {
    let stream = access.stream_id;
    let ProjectRead {
        detail,
        scale,
        suggested_now,
        suggested_for,
        held,
        charts,
        notes,
        names,
    } = read;
    let o = &detail.overview;
    let title = o
        .project
        .as_ref()
        .map(|p| format!("{}: {}", p.team, p.title))
        .unwrap_or_else(|| "Team project".into());
    let collaborative = o.project.as_ref().map(|p| p.collaborative);
    let content = html! {
        @if let Some(c) = collaborative {
            nav aria-label="Breadcrumb" { a href={ "/collaboratives/" (c) } { "The collaborative's dashboard" } }
        }
        h1 { (title) }
        @if let Some(d) = draft { (d.notice()) }
        @if let Some(p) = &o.project { p.muted { (p.organisation) } }
        section aria-labelledby="aim-heading" {
            h2 id="aim-heading" { "Aim" }
            @match &o.charter {
                Some(c) => {
                    p.notice { (c.aim.what) ", for " (c.aim.for_whom) ", in " (c.aim.where_) ": " (c.aim.how_much) " by " (c.aim.by_when) "." }
                    p { "Senior leader: " (c.senior_leader) ". Day-to-day lead: " (c.day_to_day_lead) "." }
                }
                None => p { "No charter has been set yet." }
            }
        }
        @if !o.conflicts.is_empty() {
            section aria-labelledby="conflicts-heading" {
                h2 id="conflicts-heading" { "Open conflicts" }
                ul { @for c in &o.conflicts { li.concern { (c.what) ": " (c.versions.len()) " versions recorded without seeing each other; record a resolution that names them all." } } }
            }
        }
        (held_section(&held, access, who, &names))
        section aria-labelledby="measures-heading" {
            h2 id="measures-heading" { "Measures" }
            div.cards {
                @for (line, chart) in o.measures.iter().zip(&charts) {
                    div.card {
                        h3 { a href={ "/measures/" (line.id) } { (line.definition.as_ref().map(|d| d.name.clone()).unwrap_or_else(|| "Measure in conflict".into())) } }
                        @if let Some(d) = &line.definition { p.muted { (d.direction.words()) } }
                        (icons(chart))
                        @let reading = chart.latest_reading();
                        @if reading.is_some() { p class=(reading_class(reading)) { (reading_text(reading)) " shown by the latest signal" } }
                        (small_chart(chart, false))
                        p { (line.measurements) " measurements" @if let Some(l) = &line.latest { "; latest " (svg::value_text(l.plotted)) " for " (l.period_start) } }
                    }
                }
            }
        }
        section aria-labelledby="cycles-heading" {
            h2 id="cycles-heading" { "PDSA cycles" }
            p.links { a href={ "/projects/" (stream) "/cycles.csv" } { "Download the cycles as CSV" } }
            @for (stage, cycles) in &o.cycles_by_stage {
                h3 { (stage) " (" (cycles.len()) ")" }
                ul.links { @for c in cycles { li { a href={ "/cycles/" (c.id) } { (c.objective) } } } }
            }
            h3 { "Ramps" }
            @for (i, ramp) in o.ramps.iter().enumerate() {
                ol aria-label={ "Ramp " (i + 1) } {
                    @for step in &ramp.steps {
                        li style={ "margin-left: min(" (step.depth * 2) "rem, " (step.depth * 8) "%)" } { a href={ "/cycles/" (step.cycle.id) } { (step.cycle.objective) } " " span.muted { "(" (step.cycle.stage.label()) ")" } }
                    }
                }
            }
        }
        (unlinked_section(&notes, &names))
        section aria-labelledby="plan-heading" {
            h2 id="plan-heading" { "Action plan" }
            (scrolling("Action plan", html! { table.stack.asked {
                thead { tr { th { "Where are we now?" } th { "What do we want to achieve?" } th { "How will we get there?" } th { "Who needs to take what action?" } th { "Timescales" } } }
                tbody { @for (_, e) in &detail.action_plan { tr {
                    td data-label="Where are we now?" { (e.where_are_we_now) }
                    td data-label="What do we want to achieve?" { (e.what_do_we_want_to_achieve) }
                    td data-label="How will we get there?" { (e.how_will_we_get_there) }
                    td data-label="Who needs to take what action?" { (e.who_needs_to_take_what_action) }
                    td data-label="Timescales" { (e.timescales) }
                } } }
            } }))
            h2 { "Learning log" }
            (scrolling("Learning log", html! { table.stack {
                thead { tr { th { "Learning points" } th { "Action points" } th { "Responsibility" } th { "Implement by" } } }
                tbody { @for (_, e) in &detail.learning_log { tr {
                    td data-label="Learning points" { (e.learning_points) }
                    td data-label="Action points" { (e.action_points) }
                    td data-label="Responsibility" { (e.responsibility) }
                    td data-label="Implement by" { (e.implement_by) }
                } } }
            } }))
        }
        section aria-labelledby="reports-heading" {
            h2 id="reports-heading" { "Monthly reports" }
            @for r in detail.reports.iter().rev() { (report_section(r, access, who, &names, (&scale, suggested_for.get(&r.id), draft))) }
            (report_form(stream, access, who, (&scale, suggested_now.as_ref()), draft))
        }
        section aria-labelledby="decisions-heading" {
            h2 id="decisions-heading" { "Senior managers' decisions" }
            @if detail.decisions.is_empty() { p { "No decisions recorded yet." } }
            ul { @for d in &detail.decisions { li { strong { (d.decision) } " (" (person_name(&names, d.by)) "): " (d.rationale) } } }
            (decision_form(stream, &detail, access, who, draft))
        }
    };
    (title, content)
}

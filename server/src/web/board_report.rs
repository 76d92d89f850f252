//! The monthly board report: what senior managers and the strategic panel read for a
//! month. A summary of every team (scores, signals, icons, the months each team's
//! report came late), then each team: its report with the coordinator's scores and
//! their justifications, its measures as small charts with their icons, the cycles it
//! started, finished and adopted in the month, and the decisions of the month with
//! their date, decider and the records they rest on. It moves a month back or on, and
//! prints on A4; `/report.pdf` is the same page as a PDF, printed by headless Chromium.

use super::StreamPath;
use super::forms::suggested_text;
use super::layout::{page, scrolling};
use super::measure_charts::{icon_badges, icons, small_chart};
use super::people::person_name;
use super::teams_table::load;
use super::{SignedIn, WebError, html_page};
use crate::access::{Id, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::Views;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::dates::{parse_month, today};
use praxis_core::domain::dashboard::{Dashboard, month_of, month_text};
use praxis_core::domain::event::{Decision, EventKind};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::views::{CycleView, ProjectDetail};
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

#[derive(Deserialize)]
pub struct MonthQuery {
    pub(super) month: Option<String>,
}

/// One team's records the report reads beyond the dashboard.
pub(super) struct TeamRead {
    detail: ProjectDetail,
    charts: Vec<MeasureChart>,
    cycles: Vec<CycleView>,
}

/// The month asked for, or the month of `today`.
pub(super) fn month_asked(q: &MonthQuery, today: Date) -> Result<Date, ServerError> {
    match q.month.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => parse_month(m).map_err(|_| {
            ServerError::BadRequest(format!(
                "'{m}' is not a month: give it as year and month, such as month=2026-05."
            ))
        }),
        None => Ok(month_of(today)),
    }
}

fn in_month(day: Date, month: Date) -> bool {
    month_of(day) == month
}

/// "2026-05", as a month input and the query take it.
fn month_value(month: Date) -> String {
    month.to_string().get(..7).unwrap_or_default().to_string()
}

fn next_month(month: Date) -> Date {
    // The 28th plus four days is always in the next month.
    month_of(month.replace_day(28).unwrap_or(month) + time::Duration::days(4))
}

/// The cycles of a team started (planned for the month), finished (acted on in it)
/// and adopted (acted on in it with "adopt").
struct MonthsCycles<'a> {
    started: Vec<&'a CycleView>,
    finished: Vec<&'a CycleView>,
    adopted: Vec<&'a CycleView>,
}

fn acted_in(cycle: &CycleView, month: Date) -> bool {
    cycle
        .history
        .iter()
        .any(|h| h.kind == EventKind::CycleActed && in_month(h.stamp.at.wall_time().date(), month))
}

fn months_cycles(cycles: &[CycleView], month: Date) -> MonthsCycles<'_> {
    let started = cycles
        .iter()
        .filter(|c| c.plan.as_ref().is_some_and(|p| in_month(p.when, month)))
        .collect();
    let finished: Vec<&CycleView> = cycles.iter().filter(|c| acted_in(c, month)).collect();
    let adopted = finished
        .iter()
        .copied()
        .filter(|c| {
            c.act
                .as_ref()
                .is_some_and(|a| a.decision == Decision::Adopt)
        })
        .collect();
    MonthsCycles {
        started,
        finished,
        adopted,
    }
}

fn objective(c: &CycleView) -> String {
    c.plan
        .as_ref()
        .map(|p| p.objective.clone())
        .unwrap_or_else(|| "a cycle whose plan is in conflict".into())
}

/// What a decision rests on, in words: a report by its month, a cycle by its
/// objective, a measure by its name.
fn record_words(team: &TeamRead, id: EventId) -> String {
    if let Some(r) = team.detail.reports.iter().find(|r| r.id == id) {
        return format!("the report for {}", month_text(r.report.month));
    }
    if let Some(c) = team.cycles.iter().find(|c| c.id == id) {
        return format!("the cycle \u{201c}{}\u{201d}", objective(c));
    }
    if let Some(d) = team
        .charts
        .iter()
        .find(|m| m.series.id == id)
        .and_then(|m| m.series.definition.as_ref())
    {
        return format!("the measure \u{201c}{}\u{201d}", d.name);
    }
    format!("record {id}")
}

fn cycle_list(title: &str, cycles: &[&CycleView]) -> Markup {
    html! {
        div data-cycles=(title) {
            h4 { (title) " (" (cycles.len()) ")" }
            @if !cycles.is_empty() {
                ul { @for c in cycles { li { (objective(c)) } } }
            }
        }
    }
}

fn team_section(
    t: &praxis_core::domain::dashboard::TeamLine,
    team: &TeamRead,
    month: Date,
    names: &HashMap<PersonId, String>,
) -> Markup {
    let cycles = months_cycles(&team.cycles, month);
    let decisions: Vec<_> = team
        .detail
        .decisions
        .iter()
        .filter(|d| in_month(d.on.wall_time().date(), month))
        .collect();
    html! {
        section.team data-team=(t.team) {
            h2 { (t.team) ": " (t.title) }
            p.muted { (t.organisation) }
            h3 { "Monthly report" }
            @match team.detail.reports.iter().rev().find(|r| month_of(r.report.month) == month) {
                Some(r) => {
                    dl {
                        dt { "Self-assessed score" } dd { (r.report.self_score) " (submitted by " (person_name(names, r.by)) ")" (suggested_text(r.suggested.as_ref())) }
                        @for s in &r.scores { dt { "Coordinator's score" } dd data-score-justification { (s.score) ", by " (person_name(names, s.by)) (suggested_text(s.suggested.as_ref())) ": " (s.justification) } }
                        @if r.scores.is_empty() { dt { "Coordinator's score" } dd { "Not scored yet." } }
                        dt { "Measures" } dd { (r.report.measures) }
                        dt { "Cycles run" } dd { (r.report.cycles) }
                        dt { "What was learned" } dd { (r.report.learning) }
                        dt { "Barriers" } dd { (r.report.barriers) }
                        dt { "Plans" } dd { (r.report.plans) }
                    }
                }
                None => p.late { "No report for " (month_text(month)) "." }
            }
            h3 { "Measures" }
            (super::svg::run_chart_legend(&format!("legend-{}", t.stream)))
            @if team.charts.is_empty() { p { "No measures defined yet." } }
            div.cards {
                @for chart in &team.charts {
                    div.card data-measure=(chart.series.id) {
                        h4 { (chart.series.definition.as_ref().map(|d| d.name.clone()).unwrap_or_else(|| "Measure in conflict".into())) }
                        (icons(chart))
                        (small_chart(chart, true))
                    }
                }
            }
            h3 { "Cycles in " (month_text(month)) }
            div.cycles-of-month {
                (cycle_list("Started", &cycles.started))
                (cycle_list("Finished", &cycles.finished))
                (cycle_list("Adopted", &cycles.adopted))
            }
            h3 { "Decisions in " (month_text(month)) }
            @if decisions.is_empty() { p { "No decisions recorded this month." } }
            ul {
                @for d in &decisions {
                    li data-decision=(d.id) {
                        strong { (d.decision) } " — " (d.rationale)
                        br;
                        span.muted {
                            "Decided by " (person_name(names, d.by)) " on " time datetime=(d.on.wall_time().date()) { (d.on.wall_time().date()) }
                            @if !d.rests_on.is_empty() {
                                ", resting on " (d.rests_on.iter().map(|id| record_words(team, *id)).collect::<Vec<_>>().join("; "))
                            }
                            "."
                        }
                    }
                }
            }
        }
    }
}

/// The report's page for `month`, as the browser shows it and Chromium prints it.
fn report_page(
    d: &Dashboard,
    teams: &[TeamRead],
    month: Date,
    names: &HashMap<PersonId, String>,
    who: &SignedIn,
) -> Markup {
    let (title, content) = report_content(d, (teams, names), month, today());
    page(&title, Some(&who.session), content)
}

/// The report's title and content for `month`, prepared on `prepared` (today, or the
/// day of a moment it is shown as it stood).
pub(super) fn report_content(
    d: &Dashboard,
    (teams, names): (&[TeamRead], &HashMap<PersonId, String>),
    month: Date,
    prepared: Date,
) -> (String, Markup) {
    let previous = month_of(month.previous_day().unwrap_or(month));
    let next = next_month(month);
    let base = format!("/collaboratives/{}/report", d.stream);
    let title = format!("{}: board report for {}", d.name, month_text(month));
    let team_of = |stream: StreamId| teams.iter().find(|x| x.detail.overview.stream == stream);
    let content = html! {
        h1 { (title) }
        p { (d.calendar.text) ". Prepared " (prepared) " for senior managers and the strategic panel." }
        nav.no-print.links aria-label="Months" {
            a href={ (base) "?month=" (month_value(previous)) } rel="prev" { "Previous month (" (month_text(previous)) ")" } " · "
            a href={ (base) "?month=" (month_value(next)) } rel="next" { "Next month (" (month_text(next)) ")" } " · "
            a href={ (base) ".pdf?month=" (month_value(month)) } { "This report as a PDF" }
        }
        form.no-print method="get" action=(base) {
            label for="month" { "Month " }
            input id="month" name="month" type="month" value=(month_value(month));
            " " button type="submit" { "Show" }
        }
        h2 { "Summary" }
        (scrolling("Summary", html! { table.stack {
            thead { tr { th { "Team" } th.num { "Self score" } th.num { "Coordinator score" } th { "Measures showing improvement" } th { "Variation and assurance" } th { "Reports late" } } }
            tbody {
                @for t in &d.teams {
                    @let report = team_of(t.stream).and_then(|x| x.detail.reports.iter().rev().find(|r| month_of(r.report.month) == month));
                    tr {
                        th scope="row" { (t.team) }
                        td.num data-label="Self score" { @match report { Some(r) => (r.report.self_score), None => "no report" } }
                        td.num data-label="Coordinator score" { @match report.and_then(|r| r.scores.last()) { Some(s) => (s.score), None => "—" } }
                        td data-label="Measures showing improvement" { (t.improving.join(", ")) }
                        td data-label="Variation and assurance" { @for m in &t.measure_icons { div.measure-icons { (m.name) " " (icon_badges(&m.icons)) } } }
                        td data-label="Reports late" data-late { @if t.reports_late.is_empty() { "none" } @else { (t.reports_late.iter().map(|m| month_text(*m)).collect::<Vec<_>>().join(", ")) } }
                    }
                }
            }
        } }))
        @for t in &d.teams {
            @if let Some(team) = team_of(t.stream) { (team_section(t, team, month, names)) }
        }
    };
    (title, content)
}

/// Every team's records the report reads beyond the dashboard, and everyone's names.
pub(super) fn teams_read(
    views: &dyn Views,
    streams: &[StreamId],
) -> Result<(Vec<TeamRead>, HashMap<PersonId, String>), ServerError> {
    let mut teams = Vec::new();
    for stream in streams {
        let detail = views.project_detail(*stream)?;
        let mut charts = Vec::new();
        for m in &detail.overview.measures {
            if let Some(c) = views.measure_chart(m.id, &[])? {
                charts.push(c);
            }
        }
        let mut cycles = Vec::new();
        for c in detail.overview.cycles_by_stage.values().flatten() {
            if let Some(view) = views.cycle(c.id)? {
                cycles.push(view);
            }
        }
        teams.push(TeamRead {
            detail,
            charts,
            cycles,
        });
    }
    let names = views
        .people()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok((teams, names))
}

/// Reads the dashboard and every team's records for the report.
async fn read(
    state: &AppState,
    who: &SignedIn,
    route: Route,
    stream: StreamId,
) -> Result<(Dashboard, Vec<TeamRead>, HashMap<PersonId, String>), WebError> {
    let d = load(state, who.session.person, stream, route).await?;
    let streams: Vec<StreamId> = d.teams.iter().map(|t| t.stream).collect();
    let (teams, names) = state.with(move |s| teams_read(s, &streams)).await?;
    Ok((d, teams, names))
}

/// The report for the month the query asks for, as the page and the PDF both show it,
/// with the dashboard it was read from and the month.
async fn board(
    state: &AppState,
    who: &SignedIn,
    route: Route,
    stream: StreamId,
    q: &MonthQuery,
) -> Result<(Dashboard, Date, Markup), WebError> {
    let month = month_asked(q, today())?;
    let (d, teams, names) = read(state, who, route, stream).await?;
    let html = report_page(&d, &teams, month, &names, who);
    Ok((d, month, html))
}

pub async fn printable_report(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let (_, _, html) = board(&state, &who, route, stream, &q).await?;
    Ok(html_page(html))
}

/// `GET /collaboratives/{id}/report.pdf`: the same page printed on A4 by headless
/// Chromium (`chromium`, or the program `PRAXIS_CHROMIUM` names).
pub async fn report_pdf(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let (d, month, html) = board(&state, &who, route, stream, &q).await?;
    let html = html.into_string();
    let pdf = tokio::task::spawn_blocking(move || super::pdf::print(&html))
        .await
        .map_err(|e| ServerError::Internal(format!("the PDF's printing stopped: {e}")))??;
    let file = format!(
        "board-report-{}-{}.pdf",
        super::export::slug(&[&d.name]),
        month_value(month)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

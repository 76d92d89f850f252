//! The collaborative's dashboard (every team side by side) and the printable
//! collaborative report for senior managers and the panel. Both read the `Dashboard`
//! view `GET /api/v1/collaboratives/{id}/dashboard` serves; the report adds each team's
//! `ProjectDetail` for the month.

use super::layout::page;
use super::project::person_name;
use super::{SignedIn, WebError, html_page};
use crate::api::{AppState, parse_stream, readable_by, today};
use crate::error::ServerError;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::domain::dashboard::{Dashboard, TeamLine, month_of, month_text};
use praxis_core::domain::ids::{PersonId, StreamId};
use praxis_core::domain::views::ProjectDetail;
use serde::Deserialize;
use std::collections::HashMap;

fn gap_text(gap: Option<i32>) -> String {
    match gap {
        None => "—".into(),
        Some(0) => "0".into(),
        Some(g) => format!(
            "{}{}.{}",
            if g > 0 { "+" } else { "−" },
            g.abs() / 10,
            g.abs() % 10
        ),
    }
}

/// The dashboard as `person` may see it, with the read in the access log (the
/// collaborative and each team's project) under `route`.
fn load(
    state: &AppState,
    person: PersonId,
    stream: StreamId,
    route: &'static str,
) -> impl std::future::Future<Output = Result<Dashboard, ServerError>> + use<> {
    let state = state.clone();
    async move {
        state
            .with(move |s| {
                readable_by(s, person, stream)?;
                let dashboard = s.dashboard(person, stream, today())?.ok_or_else(|| {
                    ServerError::NotFound(format!(
                        "{stream} is not a collaborative: open one from your home page."
                    ))
                })?;
                let mut reads = vec![(stream, None)];
                reads.extend(dashboard.teams.iter().map(|t| (t.stream, None)));
                s.log_browser_access(person, route, &reads)?;
                Ok::<_, ServerError>(dashboard)
            })
            .await
    }
}

fn team_row(d: &Dashboard, t: &TeamLine) -> Markup {
    let wide = t.gap_tenths.is_some_and(|g| g.abs() >= 10);
    html! {
        tr data-team=(t.team) {
            th scope="row" { a href={ "/projects/" (t.stream) } { (t.team) } br; span.muted { (t.title) } }
            td.num data-self-score { @match t.self_score { Some(s) => (s), None => "—" } }
            td.num data-coordinator-score { @match t.coordinator_score { Some(s) => (s), None => "—" } }
            td.num class=[wide.then_some("gap-wide")] { (gap_text(t.gap_tenths)) }
            td { @match &t.latest_report { Some(r) => (month_text(r.month)), None => "none yet" } }
            @for (i, _) in d.months.iter().enumerate() { td.num { (t.cycles_per_month.get(i).copied().unwrap_or(0)) } }
            td { @match t.report_due { Some(m) => (month_text(m)), None => "—" } }
            td.late { @for (i, m) in t.reports_late.iter().enumerate() { @if i > 0 { ", " } (month_text(*m)) } }
            td { @for n in &t.improving { span.improvement { (n) } br; } @for n in &t.concerning { span.concern { (n) " (concern)" } br; } }
            td.num { (t.open_conflicts) }
        }
    }
}

/// The teams side by side, with how many there are and the open conflicts in all.
pub(super) fn teams_table(d: &Dashboard) -> Markup {
    html! {
        p { (d.teams.len()) " teams; " (d.open_conflicts) " open conflicts in all." }
        table {
            caption { "Teams side by side: progress scores (IHI scale, 0.5 to 5.0) from their latest monthly report, cycles run per month, reports and measures" }
            thead {
                tr {
                    th scope="col" { "Team" }
                    th.num scope="col" { "Self score" }
                    th.num scope="col" { "Coordinator score" }
                    th.num scope="col" { "Gap" }
                    th scope="col" { "Latest report" }
                    @for m in &d.months { th.num scope="col" { "Cycles " (month_text(*m)) } }
                    th scope="col" { "Report due" }
                    th scope="col" { "Reports late" }
                    th scope="col" { "Measures showing improvement" }
                    th.num scope="col" { "Open conflicts" }
                }
            }
            tbody { @for t in &d.teams { (team_row(d, t)) } }
        }
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let d = load(
        &state,
        who.session.person,
        stream,
        "GET /collaboratives/{id}",
    )
    .await?;
    let content = html! {
        h1 { (d.name) }
        p.notice data-calendar { strong { "Where we are: " } (d.calendar.text) }
        p.no-print {
            a href={ "/collaboratives/" (d.stream) "/report" } { "Collaborative report for printing" } " · "
            a href={ "/collaboratives/" (d.stream) "/reports.csv" } { "All monthly reports as CSV" }
        }
        (teams_table(&d))
    };
    Ok(html_page(page(&d.name, Some(&who.session), content)))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn printable_report(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let person = who.session.person;
    let d = load(&state, person, stream, "GET /collaboratives/{id}/report").await?;
    let month = match q.month.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(&format!("{}-01", m.trim()), &format).map_err(|_| {
                ServerError::BadRequest(format!(
                    "'{m}' is not a month: give it as year and month, such as month=2026-05."
                ))
            })?
        }
        None => month_of(today()),
    };
    let streams: Vec<StreamId> = d.teams.iter().map(|t| t.stream).collect();
    let (details, names): (Vec<ProjectDetail>, HashMap<PersonId, String>) = state
        .with(move |s| {
            let mut details = Vec::new();
            for stream in streams {
                details.push(s.project_detail(stream)?);
            }
            let names = s.people()?.into_iter().map(|p| (p.id, p.name)).collect();
            Ok::<_, ServerError>((details, names))
        })
        .await?;
    let previous = month_of(month.previous_day().unwrap_or(month));
    let title = format!("{}: collaborative report for {}", d.name, month_text(month));
    let content = html! {
        h1 { (title) }
        p { (d.calendar.text) ". Prepared " (today()) " for senior managers and the strategic panel." }
        form.no-print method="get" action={ "/collaboratives/" (d.stream) "/report" } {
            label for="month" { "Month " }
            input id="month" name="month" type="month" value=(month.to_string().get(..7).unwrap_or_default());
            " " button type="submit" { "Show" }
            " " a href={ "/collaboratives/" (d.stream) "/report?month=" (previous.to_string().get(..7).unwrap_or_default()) } { "Previous month" }
        }
        h2 { "Summary" }
        table {
            thead { tr { th { "Team" } th.num { "Self score" } th.num { "Coordinator score" } th { "Measures showing improvement" } th { "Concerns" } th { "Reports late" } } }
            tbody {
                @for t in &d.teams {
                    @let report = details.iter().find(|x| x.overview.stream == t.stream).and_then(|x| x.reports.iter().rev().find(|r| month_of(r.report.month) == month));
                    tr {
                        td { (t.team) }
                        td.num { @match report { Some(r) => (r.report.self_score), None => "no report" } }
                        td.num { @match report.and_then(|r| r.scores.last()) { Some(s) => (s.score), None => "—" } }
                        td { (t.improving.join(", ")) }
                        td { (t.concerning.join(", ")) }
                        td { (t.reports_late.len()) }
                    }
                }
            }
        }
        @for (t, detail) in d.teams.iter().filter_map(|t| details.iter().find(|x| x.overview.stream == t.stream).map(|x| (t, x))) {
            section.team {
                h2 { (t.team) ": " (t.title) }
                p.muted { (t.organisation) }
                @match detail.reports.iter().rev().find(|r| month_of(r.report.month) == month) {
                    Some(r) => {
                        dl {
                            dt { "Self-assessed score" } dd { (r.report.self_score) }
                            @for s in &r.scores { dt { "Coordinator's score" } dd { (s.score) " — " (s.justification) " (" (person_name(&names, s.by)) ")" } }
                            dt { "Measures" } dd { (r.report.measures) }
                            dt { "Cycles run" } dd { (r.report.cycles) }
                            dt { "What was learned" } dd { (r.report.learning) }
                            dt { "Barriers" } dd { (r.report.barriers) }
                            dt { "Plans" } dd { (r.report.plans) }
                        }
                    }
                    None => p.late { "No report for " (month_text(month)) "." }
                }
                @if !detail.decisions.is_empty() {
                    h3 { "Decisions by senior managers" }
                    ul { @for dec in &detail.decisions { li { (dec.decision) ": " (dec.rationale) } } }
                }
            }
        }
    };
    Ok(html_page(page(&title, Some(&who.session), content)))
}

//! The collaborative's dashboard (every team side by side) and the printable
//! collaborative report for senior managers and the panel. Both read the `Dashboard`
//! view `GET /api/v1/collaboratives/{id}/dashboard` serves; the report adds each team's
//! `ProjectDetail` for the month.

use super::StreamPath;
use super::layout::{page, scrolling};
use super::measure_charts::icon_badges;
use super::people::person_name;
use super::teams_table::teams_table;
use super::{SignedIn, WebError, html_page};
use crate::access::{Id, Need, Reader, Route, check};
use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use praxis_core::dates::{parse_month, today};
use praxis_core::domain::dashboard::{Dashboard, month_of, month_text};
use praxis_core::domain::ids::{PersonId, StreamId};
use praxis_core::domain::views::ProjectDetail;
use serde::Deserialize;
use std::collections::HashMap;

/// The dashboard as `person` may see it, with the read in the access log (the
/// collaborative and each team's project) under `route`.
fn load(
    state: &AppState,
    person: PersonId,
    stream: StreamId,
    route: Route,
) -> impl std::future::Future<Output = Result<Dashboard, ServerError>> + use<> {
    let state = state.clone();
    async move {
        state
            .with(move |s| {
                check(s, person, stream, Need::Member)?;
                let dashboard = s.dashboard(person, stream, today())?.ok_or_else(|| {
                    ServerError::NotFound(format!(
                        "{stream} is not a collaborative: open one from your home page."
                    ))
                })?;
                let mut reads = vec![(stream, None)];
                reads.extend(dashboard.teams.iter().map(|t| (t.stream, None)));
                Reader::Browser(person).log(s, &route, &reads)?;
                Ok(dashboard)
            })
            .await
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let d = load(&state, who.session.person, stream, route).await?;
    let content = html! {
        h1 { (d.name) }
        p.notice data-calendar { strong { "Where we are: " } (d.calendar.text) }
        p.no-print.links {
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
    route: Route,
    Id(stream, ..): StreamPath,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let d = load(&state, person, stream, route).await?;
    let month = match q.month.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => parse_month(m).map_err(|_| {
            ServerError::BadRequest(format!(
                "'{m}' is not a month: give it as year and month, such as month=2026-05."
            ))
        })?,
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
            Ok((details, names))
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
        (scrolling("Summary", html! { table.stack {
            thead { tr { th { "Team" } th.num { "Self score" } th.num { "Coordinator score" } th { "Measures showing improvement" } th { "Concerns" } th { "Variation and assurance" } th { "Reports late" } } }
            tbody {
                @for t in &d.teams {
                    @let report = details.iter().find(|x| x.overview.stream == t.stream).and_then(|x| x.reports.iter().rev().find(|r| month_of(r.report.month) == month));
                    tr {
                        th scope="row" { (t.team) }
                        td.num data-label="Self score" { @match report { Some(r) => (r.report.self_score), None => "no report" } }
                        td.num data-label="Coordinator score" { @match report.and_then(|r| r.scores.last()) { Some(s) => (s.score), None => "—" } }
                        td data-label="Measures showing improvement" { (t.improving.join(", ")) }
                        td data-label="Concerns" { (t.concerning.join(", ")) }
                        td data-label="Variation and assurance" { @for m in &t.measure_icons { div.measure-icons { (m.name) " " (icon_badges(&m.icons)) } } }
                        td data-label="Reports late" { (t.reports_late.len()) }
                    }
                }
            }
        } }))
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

//! The collaborative's teams side by side, as the dashboard and the dashboard as it
//! stood both show them: scores and their gap, cycles per month, reports due and
//! late, the measures showing improvement (concerns show in their icons), open conflicts. The cycles of each month
//! share one column, so the table fits a laptop's screen; on a phone each team is a
//! card.

use super::counted;
use super::layout::scrolling;
use super::measure_charts::icon_badges;
use crate::access::{Need, Reader, Route, check};
use crate::error::ServerError;
use crate::state::AppState;
use maud::{Markup, html};
use praxis_core::dates::today;
use praxis_core::domain::dashboard::{Dashboard, TeamLine, month_text};
use praxis_core::domain::ids::{PersonId, StreamId};
use time::Date;

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

/// A month's first three letters, such as "Jul", with its full name for a tooltip.
fn short_month(month: Date) -> Markup {
    let full = month_text(month);
    html! { abbr title=(full) { (full.get(..3).unwrap_or(&full)) } }
}

fn team_row(d: &Dashboard, t: &TeamLine) -> Markup {
    let wide = t.gap_tenths.is_some_and(|g| g.abs() >= 10);
    html! {
        tr data-team=(t.team) {
            th scope="row" { a href={ "/projects/" (t.stream) } { (t.team) } br; span.muted { (t.title) } }
            td.num data-label="Self score" data-self-score { @match t.self_score { Some(s) => (s), None => "—" } }
            td.num data-label="Coordinator score" data-coordinator-score { @match t.coordinator_score { Some(s) => (s), None => "—" } }
            td.num data-label="Gap" class=[wide.then_some("gap-wide")] { (gap_text(t.gap_tenths)) }
            td data-label="Latest report" { @match &t.latest_report { Some(r) => (month_text(r.month)), None => "none yet" } }
            td data-label="Cycles run" {
                ol.months {
                    @for (i, m) in d.months.iter().enumerate() {
                        li data-month=(m) { (short_month(*m)) " " strong { (t.cycles_per_month.get(i).copied().unwrap_or(0)) } }
                    }
                }
            }
            td data-label="Report due" { @match t.report_due { Some(m) => (month_text(m)), None => "—" } }
            td.late data-label="Reports late" { @for (i, m) in t.reports_late.iter().enumerate() { @if i > 0 { ", " } (month_text(*m)) } }
            td data-label="Measures showing improvement" { @for n in &t.improving { span.improvement { (n) } br; } }
            td data-label="Variation and assurance" { @for m in &t.measure_icons { div.measure-icons { a href={ "/measures/" (m.measure) } { (m.name) } " " (icon_badges(&m.icons)) } } }
            td.num data-label="Open conflicts" { (t.open_conflicts) }
        }
    }
}

/// The teams side by side, with how many there are and the open conflicts in all.
pub fn teams_table(d: &Dashboard) -> Markup {
    html! {
        p { (counted(d.teams.len(), "team", "teams")) "; " (counted(d.open_conflicts, "open conflict", "open conflicts")) " in all." }
        (scrolling("Teams side by side", html! { table.stack.teams {
            caption { "Teams side by side: progress scores (IHI scale, 0.5 to 5.0) from their latest monthly report, cycles run per month, reports and measures" }
            thead {
                tr {
                    th scope="col" { "Team" }
                    th.num scope="col" { "Self score" }
                    th.num scope="col" { "Coordinator score" }
                    th.num scope="col" { "Gap" }
                    th scope="col" { "Latest report" }
                    th scope="col" {
                        "Cycles run"
                        @if let (Some(first), Some(last)) = (d.months.first(), d.months.last()) {
                            " " span.muted { (month_text(*first)) " to " (month_text(*last)) }
                        }
                    }
                    th scope="col" { "Report due" }
                    th scope="col" { "Reports late" }
                    th scope="col" { "Measures showing improvement" }
                    th scope="col" { "Variation and assurance" }
                    th.num scope="col" { "Open conflicts" }
                }
            }
            tbody { @for t in &d.teams { (team_row(d, t)) } }
        } }))
    }
}

/// The dashboard as `person` may see it, with the read in the access log (the
/// collaborative and each team's project) under `route`.
pub fn load(
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

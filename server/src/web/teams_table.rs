//! The collaborative's teams side by side, as the dashboard and the dashboard as it
//! stood both show them: scores and their gap, cycles per month, reports due and
//! late, measures improving or of concern, open conflicts.

use maud::{Markup, html};
use praxis_core::domain::dashboard::{Dashboard, TeamLine, month_text};

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
pub fn teams_table(d: &Dashboard) -> Markup {
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

//! The collaborative's dashboard: every team side by side. It reads the `Dashboard`
//! view `GET /api/v1/collaboratives/{id}/dashboard` serves; the monthly board report
//! (`board_report`) reads the same view through `teams_table::load`.

use super::StreamPath;
use super::counted;
use super::layout::page;
use super::queue::waiting;
use super::teams_table::{load, teams_table};
use super::{SignedIn, WebError, html_page};
use crate::access::{Id, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::Views;
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::views::ProjectDetail;

pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let d = load(&state, who.session.person, stream, route).await?;
    let streams: Vec<StreamId> = d.teams.iter().map(|t| t.stream).collect();
    let details = state.with(move |s| details(s, &streams)).await?;
    let content = content(&d, &details);
    Ok(html_page(page(&d.name, Some(&who.session), content)))
}

/// The teams' project details, for what waits for the coordinator.
pub fn details(views: &dyn Views, streams: &[StreamId]) -> Result<Vec<ProjectDetail>, ServerError> {
    streams
        .iter()
        .map(|t| views.project_detail(*t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ServerError::from)
}

/// The dashboard's content (of the live views, or of a replica as it stood).
pub fn content(d: &Dashboard, details: &[ProjectDetail]) -> Markup {
    let w = waiting(&details.iter().collect::<Vec<_>>());
    let queue = format!("/collaboratives/{}/queue", d.stream);
    html! {
        h1 { (d.name) }
        p.notice data-calendar { strong { "Where we are: " } (d.calendar.text) }
        p.links data-waiting {
            "Waiting: "
            a href={ (queue) "#to-score" } { (counted(w.to_score, "report to score", "reports to score")) } " · "
            a href={ (queue) "#to-decide" } { (counted(w.to_decide, "scored report awaiting a decision", "scored reports awaiting a decision")) } " · "
            a href={ (queue) "#conflicts" } { (counted(w.conflicts, "open conflict", "open conflicts")) }
        }
        p.no-print.links {
            a href={ "/collaboratives/" (d.stream) "/report" } { "Board report for the month" } " · "
            a href={ "/collaboratives/" (d.stream) "/reports.csv" } { "All monthly reports as CSV" }
        }
        (teams_table(d))
    }
}

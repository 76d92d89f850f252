//! The collaborative's dashboard: every team side by side. It reads the `Dashboard`
//! view `GET /api/v1/collaboratives/{id}/dashboard` serves; the monthly board report
//! (`board_report`) reads the same view through `teams_table::load`.

use super::StreamPath;
use super::layout::page;
use super::teams_table::{load, teams_table};
use super::{SignedIn, WebError, html_page};
use crate::access::{Id, Route};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use maud::html;

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

//! The web pages coordinators, advisors, senior managers and the strategic panel read:
//! server-rendered HTML (maud) with SVG charts, readable without JavaScript. Each page
//! checks the signed-in person's memberships with the same checks the JSON API makes,
//! and reads the same views the API serves. One file per page family.

mod admin;
mod as_it_stood;
mod audit;
mod audit_timeline;
mod board_report;
mod cycle;
mod dashboard;
mod data_protection;
pub use data_protection::subject_access_page;
mod enrolment_code;
mod export;
mod forms;
mod home;
pub mod layout;
mod measure;
mod measure_charts;
mod pdf;
mod people;
mod project;
mod queue;
mod reports;
mod retention;
pub mod session;
mod set_password;
mod sign_in;
mod sso;
pub mod svg;
mod teams_table;

use crate::access::Id;
use crate::error::ServerError;
use crate::state::AppState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use praxis_core::domain::ids::{EventId, StreamId};

pub use session::SignedIn;

/// A stream id from a page's path; a bad one is answered with a page.
pub type StreamPath = Id<StreamId, WebError>;
/// A record id from a page's path; a bad one is answered with a page.
pub type RecordPath = Id<EventId, WebError>;

/// The web pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/admin", get(admin::index))
        .route("/admin/collaboratives", post(admin::add_collaborative))
        .route("/admin/teams", post(admin::add_team))
        .route("/admin/people", post(admin::add_person))
        .route(
            "/admin/people/{id}/password-reset",
            post(admin::reset_password),
        )
        .route("/admin/memberships", post(admin::grant))
        .route(
            "/admin/memberships/{id}/revoke",
            post(admin::revoke_membership),
        )
        .route("/admin/devices/{id}/revoke", post(admin::revoke_device))
        .route(
            "/devices/enrol",
            get(enrolment_code::form).post(enrolment_code::issue),
        )
        .route(
            "/set-password",
            get(set_password::set_password_form).post(set_password::set_password),
        )
        .route("/data-protection", get(data_protection::index))
        .route("/data-protection/erasures", post(data_protection::erase))
        .route(
            "/data-protection/record-erasures",
            post(data_protection::erase_record),
        )
        .route(
            "/data-protection/subject-access",
            get(data_protection::subject_access),
        )
        .route("/data-protection/retention", get(retention::index))
        .route(
            "/data-protection/retention/schedule",
            post(retention::set_schedule),
        )
        .route(
            "/data-protection/retention/holds",
            post(retention::place_hold),
        )
        .route(
            "/data-protection/retention/holds/{id}/lift",
            post(retention::lift_hold),
        )
        .route("/audit", get(audit::index))
        .route("/audit/access", get(audit::access))
        .route(
            "/audit/as-it-stood/{moment}/projects/{id}",
            get(as_it_stood::project),
        )
        .route(
            "/audit/as-it-stood/{moment}/cycles/{id}",
            get(as_it_stood::cycle),
        )
        .route(
            "/audit/as-it-stood/{moment}/measures/{id}",
            get(as_it_stood::measure),
        )
        .route(
            "/audit/as-it-stood/{moment}/collaboratives/{id}",
            get(as_it_stood::dashboard),
        )
        .route(
            "/audit/as-it-stood/{moment}/collaboratives/{id}/report",
            get(as_it_stood::board_report),
        )
        .route("/audit/decisions/{id}", get(audit::decision))
        .route("/audit/timeline", get(audit_timeline::timeline))
        .route("/audit/timeline.csv", get(audit_timeline::timeline_csv))
        .route("/audit/timeline.json", get(audit_timeline::timeline_json))
        .route("/audit/streams/{id}", get(audit_timeline::stream_timeline))
        .route("/audit/streams/{id}/as-it-stood", get(audit::as_it_stood))
        .route("/audit/streams/{id}/integrity", get(audit::integrity))
        .route("/audit/streams/{id}/bundle.tar", get(audit::bundle))
        .route("/sign-in", get(sign_in::form).post(sign_in::sign_in))
        .route("/sign-in/sso", get(sso::begin))
        .route("/sign-in/sso/callback", get(sso::callback))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/collaboratives/{id}", get(dashboard::dashboard))
        .route(
            "/collaboratives/{id}/report",
            get(board_report::printable_report),
        )
        .route(
            "/collaboratives/{id}/report.pdf",
            get(board_report::report_pdf),
        )
        .route("/collaboratives/{id}/reports.csv", get(export::reports_csv))
        .route("/collaboratives/{id}/queue", get(queue::queue))
        .route("/conflicts/{id}/resolve", post(queue::resolve))
        .route("/projects/{id}", get(project::project))
        .route("/projects/{id}/reports", post(reports::submit))
        .route("/projects/{id}/decisions", post(reports::decide))
        .route("/projects/{id}/cycles.csv", get(export::cycles_csv))
        .route("/reports/{id}/score", post(reports::score))
        .route("/held/{id}/release", post(reports::release_held))
        .route("/held/{id}/withdraw", post(reports::withdraw_held))
        .route("/cycles/{id}", get(cycle::cycle))
        .route("/cycles/{id}/expectations", post(cycle::expect))
        .route("/measures/{id}", get(measure::measure))
        .route("/measures/{id}/baseline", post(measure::set_baseline))
        .route("/measures/{id}/data.csv", get(export::measure_csv))
}

/// What a page answers when it cannot show what was asked: a sign-in redirect, or a
/// page saying what happened and what to do (the same words the API uses).
pub enum WebError {
    SignIn { next: String },
    Server(ServerError),
}

impl From<ServerError> for WebError {
    fn from(e: ServerError) -> Self {
        WebError::Server(e)
    }
}

/// A count with its noun, singular for one: "1 team", "3 teams", "0 open conflicts".
pub fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Percent-encodes everything but unreserved characters, for a query value.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignIn { next } => (
                StatusCode::SEE_OTHER,
                [(
                    header::LOCATION,
                    format!("/sign-in?next={}", query_value(&next)),
                )],
            )
                .into_response(),
            WebError::Server(e) => {
                if matches!(e, ServerError::Internal(_)) {
                    tracing::error!(error = %e, "page failed");
                }
                let title = match e.status() {
                    StatusCode::FORBIDDEN => "Not yours to see",
                    StatusCode::NOT_FOUND => "Not found",
                    StatusCode::BAD_REQUEST => "Something in the form needs changing",
                    StatusCode::INTERNAL_SERVER_ERROR => "The server failed",
                    _ => "That did not work",
                };
                let body = layout::page(
                    title,
                    None,
                    html! {
                        h1 { (title) }
                        p.error role="alert" data-error=(e.code()) { (e.to_string()) }
                        p { a href="/" { "Back to your collaboratives and teams" } }
                    },
                );
                (e.status(), Html(body.into_string())).into_response()
            }
        }
    }
}

/// A page as a response.
pub fn html_page(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

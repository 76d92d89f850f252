//! The JSON API under `/api/v1`: enrolment and sync (`devices`), the field app's
//! records and snapshot (`field`), the read API (`reads`), the auditor's routes (`audit`) and
//! the data protection officer's (`data_protection`, `retention`). Answers are `praxis_core::protocol`
//! types or the views themselves, serialized straight from them. Every read goes
//! through `access`, which checks the caller's memberships and writes the access log;
//! storage work runs on the blocking pool. It knows nothing of the web pages.

mod audit;
mod auth;
mod data_protection;
mod devices;
mod field;
mod reads;
mod retention;

pub use auth::AuthDevice;
pub use praxis_core::protocol::{EVENTS_ACCEPTED, MANIFEST_DIGEST};

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use retention::{day, hold_on, periods};

/// Largest sync message: a first sync of a big stream sends the whole document
/// (about 1 MB per 10,000 events).
pub const MAX_SYNC_BODY: usize = 64 * 1024 * 1024;
/// Largest batch of field records (`MAX_FIELD_RECORDS` records of a few KiB).
pub const MAX_FIELD_BODY: usize = 8 * 1024 * 1024;
/// Largest JSON request.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// The OpenAPI description of these routes, served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    let sync = Router::new()
        .route("/streams/{stream_id}/sync", post(devices::sync_stream))
        .route("/keys", post(devices::exchange_keys))
        .route(
            "/streams/{stream_id}/changes",
            post(devices::push_changes).get(devices::whole_stream),
        )
        .layer(DefaultBodyLimit::max(MAX_SYNC_BODY));
    let field = Router::new()
        .route("/field/records", post(field::take_records))
        .layer(DefaultBodyLimit::max(MAX_FIELD_BODY));
    Router::new()
        .route("/devices", post(devices::enrol))
        .route("/streams", get(reads::list_streams))
        .route("/streams/{stream_id}", get(reads::stream_view))
        .route("/streams/{stream_id}/events", get(reads::stream_events))
        .route("/streams/{stream_id}/receipts", get(reads::stream_receipts))
        .route("/streams/{stream_id}/feed", get(reads::stream_feed))
        .route("/streams/{stream_id}/detail", get(reads::project_detail))
        .route("/records/{id}/history", get(reads::record_history))
        .route("/cycles/{id}", get(reads::cycle))
        .route("/measures/{id}", get(reads::measure))
        .route("/measures/{id}/chart", get(reads::measure_chart))
        .route(
            "/collaboratives/{stream_id}/dashboard",
            get(reads::dashboard),
        )
        .route("/audit/timeline", get(audit::timeline))
        .route("/audit/access", get(audit::access_log))
        .route("/audit/bundle", get(audit::bundle))
        .route("/audit/decisions/{id}", get(audit::decision))
        .route(
            "/audit/streams/{stream_id}/as-it-stood",
            get(audit::as_it_stood),
        )
        .route(
            "/audit/streams/{stream_id}/decisions",
            get(audit::stream_decisions),
        )
        .route(
            "/audit/streams/{stream_id}/integrity",
            get(audit::integrity),
        )
        .route(
            "/subjects/{reference}",
            get(data_protection::subject_access),
        )
        .route(
            "/subjects/{reference}/erasure",
            post(data_protection::erase_subject),
        )
        .route("/records/{id}/erasure", post(data_protection::erase_record))
        .route(
            "/collaboratives/{stream_id}/retention",
            get(retention::report).put(retention::set_schedule),
        )
        .route(
            "/collaboratives/{stream_id}/legal-holds",
            post(retention::place_hold),
        )
        .route("/legal-holds/{id}/lift", post(retention::lift_hold))
        .route("/field/snapshot", get(field::snapshot))
        .route("/field/sign-out", post(field::sign_out))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .merge(sync)
        .merge(field)
}

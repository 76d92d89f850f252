//! The HTTP surface: enrolment, the sync API, the JSON read API and its OpenAPI
//! description. Every route checks the caller's device and memberships; storage work
//! runs on the blocking pool.

mod audit;
mod auth;

pub use audit::MANIFEST_DIGEST;

use crate::auth::{SignInLimiter, hash_password, new_token, token_hash, verify_password};
use crate::error::ServerError;
use crate::storage::{Device, Storage, StreamAccess};
use auth::AuthDevice;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::replication::device_actor;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest sync message: a first sync of a big stream sends the whole document
/// (about 1 MB per 10,000 events).
pub const MAX_SYNC_BODY: usize = 64 * 1024 * 1024;
/// Largest JSON request.
pub const MAX_JSON_BODY: usize = 64 * 1024;

pub const OPENAPI: &str = include_str!("openapi.json");

#[derive(Clone)]
pub struct AppState {
    storage: Arc<dyn Storage>,
    limiter: Arc<SignInLimiter>,
    token_days: i64,
}

impl AppState {
    pub fn new(storage: Box<dyn Storage>, token_days: i64) -> Self {
        AppState {
            storage: Arc::from(storage),
            limiter: Arc::new(SignInLimiter::default()),
            token_days,
        }
    }

    pub fn limiter(&self) -> &SignInLimiter {
        &self.limiter
    }

    /// Runs `f` with the storage on the blocking pool. No lock is taken here: the
    /// storage lets reads and syncs of different streams run at once.
    pub async fn with<T, E>(
        &self,
        f: impl FnOnce(&dyn Storage) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ServerError>
    where
        T: Send + 'static,
        E: Into<ServerError> + Send + 'static,
    {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || f(storage.as_ref()).map_err(Into::into))
            .await
            .map_err(|e| ServerError::Internal(format!("a worker stopped: {e}")))?
    }
}

pub fn router(state: AppState) -> Router {
    let sync = Router::new()
        .route("/api/v1/streams/{stream_id}/sync", post(sync_stream))
        .layer(DefaultBodyLimit::max(MAX_SYNC_BODY));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/devices", post(enrol))
        .route("/api/v1/streams", get(list_streams))
        .route("/api/v1/streams/{stream_id}", get(stream_view))
        .route("/api/v1/streams/{stream_id}/events", get(stream_events))
        .route("/api/v1/streams/{stream_id}/receipts", get(stream_receipts))
        .route("/api/v1/streams/{stream_id}/feed", get(stream_feed))
        .route("/api/v1/streams/{stream_id}/detail", get(project_detail))
        .route("/api/v1/records/{id}/history", get(record_history))
        .route("/api/v1/cycles/{id}", get(cycle))
        .route("/api/v1/measures/{id}", get(measure))
        .route("/api/v1/measures/{id}/chart", get(measure_chart))
        .route(
            "/api/v1/collaboratives/{stream_id}/dashboard",
            get(dashboard),
        )
        .merge(crate::web::routes())
        .route("/api/v1/audit/timeline", get(audit::timeline))
        .route("/api/v1/audit/access", get(audit::access_log))
        .route("/api/v1/audit/bundle", get(audit::bundle))
        .route("/api/v1/audit/decisions/{id}", get(audit::decision))
        .route(
            "/api/v1/audit/streams/{stream_id}/as-it-stood",
            get(audit::as_it_stood),
        )
        .route(
            "/api/v1/audit/streams/{stream_id}/decisions",
            get(audit::stream_decisions),
        )
        .route(
            "/api/v1/audit/streams/{stream_id}/integrity",
            get(audit::integrity),
        )
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .merge(sync)
        .fallback(|| async {
            ServerError::NotFound(
                "There is no such page or API route. The API is described at /api/openapi.json."
                    .into(),
            )
        })
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize)]
struct Enrolment {
    username: String,
    password: String,
    device_name: String,
}

async fn enrol(State(state): State<AppState>, body: Bytes) -> Result<Response, ServerError> {
    let enrolment: Enrolment = serde_json::from_slice(&body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"username\", \"password\", \"device_name\"}} ({e})."
        ))
    })?;
    if enrolment.device_name.trim().is_empty() {
        return Err(ServerError::BadRequest(
            "Give the device a name (device_name), such as 'Asha's phone'.".into(),
        ));
    }
    state.limiter.check(&enrolment.username)?;
    let username = enrolment.username.clone();
    let credentials = state.with(move |s| s.credentials(&username)).await?;
    let password = enrolment.password.clone();
    let verified = match credentials {
        Some((person, name, hash)) => {
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .map_err(|e| ServerError::Internal(e.to_string()))?;
            ok.then_some((person, name))
        }
        None => {
            // Spend the same time on an unknown username as on a known one.
            let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
            None
        }
    };
    let Some((person, name)) = verified else {
        state.limiter.failed(&enrolment.username);
        return Err(ServerError::WrongCredentials);
    };
    state.limiter.succeeded(&enrolment.username);
    let token = new_token()?;
    let hash = token_hash(&token);
    let days = state.token_days;
    let device_name = enrolment.device_name.trim().to_string();
    let device = state
        .with(move |s| s.enrol_device(person, &device_name, &hash, days))
        .await?;
    let body = json!({
        "device_id": device,
        "actor_id": device_actor(device).to_hex_string(),
        "token": token,
        "person_id": person,
        "name": name,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn stream_json(s: &StreamAccess) -> serde_json::Value {
    json!({
        "stream_id": s.stream_id,
        "kind": praxis_kind(s.kind),
        "name": s.name,
        "collaborative": s.collaborative,
        "team": s.team,
        "role": s.roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(","),
        "roles": s.roles.iter().map(|r| r.name()).collect::<Vec<_>>(),
        "read_only": s.read_only,
    })
}

pub(crate) fn praxis_kind(kind: praxis_core::domain::record::StreamKind) -> &'static str {
    use praxis_core::domain::record::StreamKind;
    match kind {
        StreamKind::Collaborative => "collaborative",
        StreamKind::Project => "project",
        StreamKind::Organisation => "organisation",
    }
}

async fn list_streams(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<serde_json::Value>, ServerError> {
    let streams = state.with(move |s| s.streams_for(device.person)).await?;
    Ok(Json(
        json!({ "streams": streams.iter().map(stream_json).collect::<Vec<_>>() }),
    ))
}

pub fn parse_stream(text: &str) -> Result<StreamId, ServerError> {
    text.parse()
        .map_err(|_| ServerError::NotFound(format!("'{text}' is not a stream id (a UUID).")))
}

pub fn parse_record(text: &str) -> Result<EventId, ServerError> {
    text.parse()
        .map_err(|_| ServerError::NotFound(format!("'{text}' is not a record id (a UUID).")))
}

pub const EVENTS_ACCEPTED: &str = "x-praxis-events-accepted";

async fn sync_stream(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    let stream = parse_stream(&stream)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != "application/octet-stream" {
        return Err(ServerError::BadRequest(
            "Send the sync message as the request body with Content-Type: application/octet-stream.".into(),
        ));
    }
    if body.is_empty() {
        return Err(ServerError::BadRequest(
            "The body is empty: send an Automerge sync message.".into(),
        ));
    }
    let reply = state.with(move |s| s.sync(&device, stream, &body)).await?;
    let accepted = HeaderValue::from(reply.accepted_events as u64);
    Ok(match reply.message {
        Some(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (header::HeaderName::from_static(EVENTS_ACCEPTED), accepted),
            ],
            bytes,
        )
            .into_response(),
        None => (
            StatusCode::NO_CONTENT,
            [(header::HeaderName::from_static(EVENTS_ACCEPTED), accepted)],
        )
            .into_response(),
    })
}

/// Checks that the device's person may read the stream.
fn readable(
    storage: &dyn Storage,
    device: &Device,
    stream: StreamId,
) -> Result<StreamAccess, ServerError> {
    readable_by(storage, device.person, stream)
}

/// Checks that `person` may read the stream: the one check the API and the web pages
/// make.
pub fn readable_by(
    storage: &dyn Storage,
    person: PersonId,
    stream: StreamId,
) -> Result<StreamAccess, ServerError> {
    storage.access(person, stream)?.ok_or_else(|| {
        ServerError::Forbidden(
            "You are not a member of the team or collaborative this stream belongs to.".into(),
        )
    })
}

/// Finds the stream of a record and checks that the device's person may read it.
fn readable_record(
    storage: &dyn Storage,
    device: &Device,
    record: EventId,
) -> Result<StreamId, ServerError> {
    readable_record_by(storage, device.person, record).map(|(s, _)| s)
}

/// Finds the stream of a record and checks that `person` may read it.
pub fn readable_record_by(
    storage: &dyn Storage,
    person: PersonId,
    record: EventId,
) -> Result<(StreamId, StreamAccess), ServerError> {
    let stream = storage
        .stream_of(record)?
        .ok_or_else(|| ServerError::NotFound(format!("There is no record {record}.")))?;
    let access = readable_by(storage, person, stream)?;
    Ok((stream, access))
}

/// Answers with what `read` gives for a stream the device's person may read, and
/// writes the read (by `route`) to the access log.
async fn on_stream<T: serde::Serialize + Send + 'static, E: Into<ServerError>>(
    state: &AppState,
    device: Device,
    route: &'static str,
    stream: &str,
    read: impl FnOnce(&dyn Storage, StreamId) -> Result<T, E> + Send + 'static,
) -> Result<Json<serde_json::Value>, ServerError> {
    let stream = parse_stream(stream)?;
    let value = state
        .with(move |s| {
            readable(s, &device, stream)?;
            let value = read(s, stream).map_err(Into::into)?;
            s.log_access(&device, route, stream, None)?;
            Ok::<_, ServerError>(value)
        })
        .await?;
    Ok(Json(
        serde_json::to_value(value).map_err(|e| ServerError::Internal(e.to_string()))?,
    ))
}

/// Answers with what `read` gives for a record whose stream the device's person may
/// read (`None` is "not found"), and writes the read to the access log.
async fn on_record<T: serde::Serialize + Send + 'static, E: Into<ServerError>>(
    state: &AppState,
    device: Device,
    route: &'static str,
    id: &str,
    what: &'static str,
    read: impl FnOnce(&dyn Storage, EventId) -> Result<Option<T>, E> + Send + 'static,
) -> Result<Json<serde_json::Value>, ServerError> {
    let id = parse_record(id)?;
    let value = state
        .with(move |s| {
            let stream = readable_record(s, &device, id)?;
            let value = read(s, id)
                .map_err(Into::into)?
                .ok_or_else(|| ServerError::NotFound(format!("{id} is not {what}.")))?;
            s.log_access(&device, route, stream, Some(id))?;
            Ok::<_, ServerError>(value)
        })
        .await?;
    Ok(Json(
        serde_json::to_value(value).map_err(|e| ServerError::Internal(e.to_string()))?,
    ))
}

async fn stream_view(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_stream(
        &state,
        device,
        "GET /api/v1/streams/{stream_id}",
        &stream,
        |s, stream| s.stream_view(stream),
    )
    .await
}

async fn stream_events(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_stream(
        &state,
        device,
        "GET /api/v1/streams/{stream_id}/events",
        &stream,
        |s, stream| Ok::<_, ServerError>(json!({ "events": s.events(stream)? })),
    )
    .await
}

async fn stream_receipts(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_stream(
        &state,
        device,
        "GET /api/v1/streams/{stream_id}/receipts",
        &stream,
        |s, stream| Ok::<_, ServerError>(json!({ "receipts": s.receipts(stream)? })),
    )
    .await
}

#[derive(Deserialize)]
struct FeedQuery {
    limit: Option<u32>,
}

async fn stream_feed(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Json<serde_json::Value>, ServerError> {
    let limit = q.limit.unwrap_or(50).min(1000);
    on_stream(
        &state,
        device,
        "GET /api/v1/streams/{stream_id}/feed",
        &stream,
        move |s, stream| Ok::<_, ServerError>(json!({ "observations": s.feed(stream, limit)? })),
    )
    .await
}

async fn record_history(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_record(
        &state,
        device,
        "GET /api/v1/records/{id}/history",
        &id,
        "a record",
        |s, id| s.history(id),
    )
    .await
}

async fn cycle(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_record(
        &state,
        device,
        "GET /api/v1/cycles/{id}",
        &id,
        "a cycle",
        |s, id| s.cycle(id),
    )
    .await
}

async fn measure(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_record(
        &state,
        device,
        "GET /api/v1/measures/{id}",
        &id,
        "a measure",
        |s, id| s.measure(id),
    )
    .await
}

#[derive(Deserialize)]
pub struct ChartQuery {
    /// Points (0 is the first) the XmR limits are recalculated from, comma-separated.
    pub from: Option<String>,
}

impl ChartQuery {
    pub fn points(&self) -> Result<Vec<usize>, ServerError> {
        let Some(text) = self.from.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        let points = text
            .split(',')
            .map(|p| p.trim().parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                ServerError::BadRequest(format!(
                    "'from' should list points by number (0 is the first), separated by commas, such as from=12; got '{text}'."
                ))
            })?;
        if points.len() > 100 {
            return Err(ServerError::BadRequest(
                "Recalculate limits from at most 100 points.".into(),
            ));
        }
        Ok(points)
    }
}

async fn measure_chart(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(id): Path<String>,
    Query(q): Query<ChartQuery>,
) -> Result<Json<serde_json::Value>, ServerError> {
    let from = q.points()?;
    on_record(
        &state,
        device,
        "GET /api/v1/measures/{id}/chart",
        &id,
        "a measure",
        move |s, id| s.measure_chart(id, &from),
    )
    .await
}

/// Today, as the server's clock has it (UTC), for what is due and late.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

async fn dashboard(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    let person = device.person;
    on_stream(
        &state,
        device,
        "GET /api/v1/collaboratives/{stream_id}/dashboard",
        &stream,
        move |s, stream| {
            s.dashboard(person, stream, today())?.ok_or_else(|| {
                ServerError::NotFound(format!("{stream} is not a collaborative with events."))
            })
        },
    )
    .await
}

async fn project_detail(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    on_stream(
        &state,
        device,
        "GET /api/v1/streams/{stream_id}/detail",
        &stream,
        |s, stream| s.project_detail(stream),
    )
    .await
}

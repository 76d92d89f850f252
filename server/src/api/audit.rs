//! The auditor's routes: the timeline, views as they stood, decision contexts, the
//! integrity check, the audit bundle and the access log. Each needs the auditor role
//! for the streams it reads, and each read is itself written to the access log.

use super::{AppState, parse_record, parse_stream};
use crate::api::auth::AuthDevice;
use crate::audit::{self, Of, Reader, TimelineFilter};
use crate::error::ServerError;
use crate::storage::{Device, Storage, StreamAccess};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use praxis_core::domain::ids::{EventId, StreamId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

pub const MANIFEST_DIGEST: &str = "x-praxis-manifest-sha256";

/// A date and time (RFC 3339) or a date (its first or last millisecond).
fn parse_time(name: &str, text: &str, end_of_day: bool) -> Result<i64, ServerError> {
    let bad = || {
        ServerError::BadRequest(format!(
            "`{name}` is '{text}': give a date (2026-03-10) or a date and time (2026-03-10T17:40:00Z)."
        ))
    };
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| bad())?;
    let t = if end_of_day {
        date.with_hms_milli(23, 59, 59, 999).map_err(|_| bad())?
    } else {
        date.midnight()
    };
    Ok((t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
}

fn optional_record(name: &str, text: Option<&str>) -> Result<Option<EventId>, ServerError> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            t.parse().map_err(|_| {
                ServerError::BadRequest(format!("`{name}` is '{t}', which is not an id (a UUID)."))
            })
        })
        .transpose()
}

#[derive(Deserialize, Default)]
pub struct TimelineQuery {
    stream: Option<String>,
    person: Option<String>,
    team: Option<String>,
    cycle: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl TimelineQuery {
    fn filter(self) -> Result<TimelineFilter, ServerError> {
        Ok(TimelineFilter {
            stream: self
                .stream
                .filter(|s| !s.is_empty())
                .map(|s| parse_stream(&s))
                .transpose()?,
            person: self.person.filter(|s| !s.is_empty()),
            team: self.team.filter(|s| !s.is_empty()),
            cycle: optional_record("cycle", self.cycle.as_deref())?,
            kind: self.kind.filter(|s| !s.is_empty()),
            from: self
                .from
                .filter(|s| !s.is_empty())
                .map(|f| parse_time("from", &f, false))
                .transpose()?,
            to: self
                .to
                .filter(|s| !s.is_empty())
                .map(|t| parse_time("to", &t, true))
                .transpose()?,
        })
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Value>, ServerError> {
    let filter = q.filter()?;
    let entries = state
        .with(move |s| {
            let entries = audit::timeline(s, device.person, &filter)?;
            let reads: Vec<_> = match filter.stream {
                Some(stream) => vec![(stream, None)],
                None => audit::audited_streams(s, device.person)?
                    .iter()
                    .map(|a| (a.stream_id, None))
                    .collect(),
            };
            Reader::Device(&device).log(s, "GET /api/v1/audit/timeline", &reads)?;
            Ok::<_, ServerError>(entries)
        })
        .await?;
    Ok(Json(json!({ "entries": entries })))
}

pub async fn access_log(
    State(state): State<AppState>,
    device: AuthDevice,
    Query(mut q): Query<TimelineQuery>,
) -> Result<Json<Value>, ServerError> {
    q.kind = Some("access".into());
    timeline(State(state), device, Query(q)).await
}

#[derive(Deserialize)]
pub struct AsItStoodQuery {
    at: Option<String>,
    after: Option<String>,
    view: Option<String>,
    id: Option<String>,
}

pub async fn as_it_stood(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
    Query(q): Query<AsItStoodQuery>,
) -> Result<Json<AsItStood>, ServerError> {
    let stream = parse_stream(&stream)?;
    let at =
        q.at.filter(|s| !s.is_empty())
            .map(|t| parse_time("at", &t, true))
            .transpose()?;
    let after = optional_record("after", q.after.as_deref())?;
    let id = optional_record("id", q.id.as_deref())?;
    let view = q.view.unwrap_or_else(|| "overview".into());
    let answer = state
        .with(move |s| {
            let access = audit::auditable(s, device.person, stream)?;
            let mut reads = vec![(stream, id)];
            let (point, shown, held) = if view == audit::DASHBOARD {
                let (point, dashboard, held) =
                    audit::dashboard_as_it_stood(s, device.person, &access, at, after)?;
                reads.extend(dashboard.teams.iter().map(|t| (t.stream, None)));
                (point, audit::View::Dashboard(dashboard), held)
            } else {
                let (point, folded, held) = audit::as_it_stood(s, stream, at, after)?;
                let shown = audit::view_of(&folded, access.kind, &view, id)?;
                (point, shown, held.len())
            };
            Reader::Device(&device).log(
                s,
                "GET /api/v1/audit/streams/{stream_id}/as-it-stood",
                &reads,
            )?;
            Ok::<_, ServerError>(AsItStood {
                stream,
                point,
                events: held,
                view,
                id,
                as_it_stood: shown,
            })
        })
        .await?;
    // Serialized straight from the views, with no JSON tree built in between.
    Ok(Json(answer))
}

/// The answer of the as-it-stood route.
#[derive(Serialize)]
pub struct AsItStood {
    stream: StreamId,
    point: audit::Point,
    /// How many of the stream's events the server held at the point.
    events: usize,
    view: String,
    id: Option<EventId>,
    as_it_stood: audit::View,
}

/// Answers with what `read` gives of a stream the device's person audits (see
/// `audit::audited`).
async fn audited<T: serde::Serialize + Send + 'static, E: Into<ServerError>>(
    state: &AppState,
    device: Device,
    route: &'static str,
    of: Of,
    read: impl FnOnce(&dyn Storage, &StreamAccess) -> Result<T, E> + Send + 'static,
) -> Result<Json<Value>, ServerError> {
    let value = state
        .with(move |s| {
            let (_, value) = audit::audited(s, Reader::Device(&device), route, of, read)?;
            audit::to_value(&value)
        })
        .await?;
    Ok(Json(value))
}

pub async fn stream_decisions(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let stream = parse_stream(&stream)?;
    audited(
        &state,
        device,
        "GET /api/v1/audit/streams/{stream_id}/decisions",
        Of::Stream(stream),
        move |s, _| Ok::<_, ServerError>(json!({ "decisions": audit::decisions(s, stream)? })),
    )
    .await
}

pub async fn decision(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(id): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let id = parse_record(&id)?;
    audited(
        &state,
        device,
        "GET /api/v1/audit/decisions/{id}",
        Of::Record(id),
        move |s, access| audit::decision_context(s, access.stream_id, id),
    )
    .await
}

pub async fn integrity(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Path(stream): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let stream = parse_stream(&stream)?;
    audited(
        &state,
        device,
        "GET /api/v1/audit/streams/{stream_id}/integrity",
        Of::Stream(stream),
        |s, access| audit::integrity(s, access),
    )
    .await
}

#[derive(Deserialize)]
pub struct BundleQuery {
    stream: Option<String>,
}

pub async fn bundle(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Query(q): Query<BundleQuery>,
) -> Result<Response, ServerError> {
    let stream = q
        .stream
        .filter(|s| !s.is_empty())
        .map(|s| parse_stream(&s))
        .transpose()?;
    let (bytes, digest) = state
        .with(move |s| {
            let streams = match stream {
                Some(stream) => vec![audit::auditable(s, device.person, stream)?],
                None => audit::audited_streams(s, device.person)?,
            };
            if streams.is_empty() {
                return Err(ServerError::Forbidden(
                    "You are not an auditor for any stream; ask an administrator to grant the auditor role.".into(),
                ));
            }
            let exported = audit::export(s, &streams)?;
            let reads: Vec<_> = streams.iter().map(|a| (a.stream_id, None)).collect();
            Reader::Device(&device).log(s, "GET /api/v1/audit/bundle", &reads)?;
            Ok(exported)
        })
        .await?;
    let digest =
        HeaderValue::from_str(&digest).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-tar"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"praxis-audit.tar\""),
            ),
            (header::HeaderName::from_static(MANIFEST_DIGEST), digest),
        ],
        bytes,
    )
        .into_response())
}

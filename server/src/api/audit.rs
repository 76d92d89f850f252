//! The auditor's routes: the timeline, views as they stood, decision contexts, the
//! integrity check, the audit bundle and the access log. Each needs the auditor role
//! for the streams it reads (`access`), and each read is itself written to the access
//! log.

use super::auth::AuthDevice;
use crate::access::{self, Id, Need, Of, Reader, Route, parse_id};
use crate::audit::{self, TimelineFilter};
use crate::error::ServerError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use praxis_core::dates::{DayEnd, parse_instant};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::protocol::audit::{
    AsItStood, DASHBOARD, DecisionContext, Decisions, Integrity, Timeline, View,
};
use praxis_core::protocol::{BUNDLE_CONTENT_TYPE, MANIFEST_DIGEST};
use serde::Deserialize;

/// A date and time (RFC 3339) or a date (its first or last millisecond).
fn instant(name: &str, text: Option<String>, end: DayEnd) -> Result<Option<i64>, ServerError> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            parse_instant(&t, end).map_err(|e| ServerError::BadRequest(format!("`{name}`: {e}")))
        })
        .transpose()
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
                .map(|s| parse_id::<StreamId>(&s))
                .transpose()?,
            person: self.person.filter(|s| !s.is_empty()),
            team: self.team.filter(|s| !s.is_empty()),
            cycle: optional_record("cycle", self.cycle.as_deref())?,
            kind: self.kind.filter(|s| !s.is_empty()),
            from: instant("from", self.from, DayEnd::Start)?,
            to: instant("to", self.to, DayEnd::End)?,
        })
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Timeline>, ServerError> {
    let filter = q.filter()?;
    let entries = state
        .with(move |s| {
            let entries = audit::timeline(s, device.person, &filter)?;
            let reads: Vec<_> = match filter.stream {
                Some(stream) => vec![(stream, None)],
                None => access::audited_streams(s, device.person)?
                    .iter()
                    .map(|a| (a.stream_id, None))
                    .collect(),
            };
            Reader::Device(device).log(s, &route, &reads)?;
            Ok(entries)
        })
        .await?;
    Ok(Json(Timeline { entries }))
}

pub async fn access_log(
    state: State<AppState>,
    device: AuthDevice,
    route: Route,
    Query(mut q): Query<TimelineQuery>,
) -> Result<Json<Timeline>, ServerError> {
    q.kind = Some("access".into());
    timeline(state, device, route, Query(q)).await
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
    route: Route,
    Id(stream, ..): Id<StreamId>,
    Query(q): Query<AsItStoodQuery>,
) -> Result<Json<AsItStood>, ServerError> {
    let at = instant("at", q.at, DayEnd::End)?;
    let after = optional_record("after", q.after.as_deref())?;
    let id = optional_record("id", q.id.as_deref())?;
    let view = q.view.unwrap_or_else(|| "overview".into());
    let answer = state
        .with(move |s| {
            let access = access::check(s, device.person, stream, Need::Auditor)?;
            let mut reads = vec![(stream, id)];
            let (point, shown, held) = if view == DASHBOARD {
                let (point, dashboard, held) =
                    audit::dashboard_as_it_stood(s, device.person, &access, at, after)?;
                reads.extend(dashboard.teams.iter().map(|t| (t.stream, None)));
                (point, View::Dashboard(dashboard), held)
            } else {
                let (point, folded, held) = audit::as_it_stood(s, stream, at, after)?;
                let shown = audit::view_of(&folded, access.kind, &view, id)?;
                (point, shown, held.len())
            };
            Reader::Device(device).log(s, &route, &reads)?;
            Ok(AsItStood {
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

pub async fn stream_decisions(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<Decisions>, ServerError> {
    let (_, decisions) = access::read_on(
        &state,
        Reader::Device(device),
        route,
        Of::Stream(stream),
        Need::Auditor,
        move |s, _| audit::decisions(s, stream),
    )
    .await?;
    Ok(Json(Decisions { decisions }))
}

pub async fn decision(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(id, ..): Id<EventId>,
) -> Result<Json<DecisionContext>, ServerError> {
    let (_, context) = access::read_on(
        &state,
        Reader::Device(device),
        route,
        Of::Record(id),
        Need::Auditor,
        move |s, access| audit::decision_context(s, access.stream_id, id),
    )
    .await?;
    Ok(Json(context))
}

pub async fn integrity(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<Integrity>, ServerError> {
    let (_, report) = access::read_on(
        &state,
        Reader::Device(device),
        route,
        Of::Stream(stream),
        Need::Auditor,
        move |s, access| audit::integrity(s, access),
    )
    .await?;
    Ok(Json(report))
}

#[derive(Deserialize)]
pub struct BundleQuery {
    stream: Option<String>,
}

pub async fn bundle(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Query(q): Query<BundleQuery>,
) -> Result<Response, ServerError> {
    let stream = q
        .stream
        .filter(|s| !s.is_empty())
        .map(|s| parse_id::<StreamId>(&s))
        .transpose()?;
    let (bytes, digest) = state
        .with(move |s| {
            let streams = match stream {
                Some(stream) => vec![access::check(s, device.person, stream, Need::Auditor)?],
                None => access::audited_streams(s, device.person)?,
            };
            if streams.is_empty() {
                return Err(access::not_an_auditor());
            }
            let exported = audit::export(s, &streams)?;
            let reads: Vec<_> = streams.iter().map(|a| (a.stream_id, None)).collect();
            Reader::Device(device).log(s, &route, &reads)?;
            Ok(exported)
        })
        .await?;
    let digest =
        HeaderValue::from_str(&digest).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(BUNDLE_CONTENT_TYPE),
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

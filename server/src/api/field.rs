//! The field app's API (`/api/v1/field`): a browser that keeps no replica sends the
//! records it made offline, and reads a snapshot of what its person needs in the
//! field. It authenticates as a device, with the token `/field/device` gave it, so a
//! revoked device is refused here as a phone is.

use super::auth::AuthDevice;
use crate::access::{self, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::StreamAccess;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use praxis_core::domain::event::EventKind;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::views::{FeedItem, MeasureSeries, ProjectDetail};
use praxis_core::protocol::field::{FieldRecords, FieldResults, FieldSnapshot};
use serde::Serialize;

/// Records taken in one request at most; the app sends more in turn.
pub const MAX_FIELD_RECORDS: usize = 500;
/// The person's own observations the snapshot carries per project.
const OWN_OBSERVATIONS: usize = 20;
/// How far back in a project's feed the snapshot looks for them.
const FEED_LOOKBACK: u32 = 500;

/// The kinds of record the field app makes.
const FIELD_KINDS: [EventKind; 8] = [
    EventKind::ObservationRecorded,
    EventKind::MeasurementRecorded,
    EventKind::CyclePlanned,
    EventKind::CycleDone,
    EventKind::CycleStudied,
    EventKind::CycleActed,
    EventKind::ActionPlanEntryAdded,
    EventKind::LearningLogEntryAdded,
];

/// A project as the field app holds it offline.
#[derive(Serialize)]
pub struct FieldProject {
    pub stream_id: StreamId,
    pub name: String,
    pub roles: Vec<String>,
    /// The kinds of record (of those the app makes) the person may record here.
    pub may_record: Vec<&'static str>,
    pub detail: ProjectDetail,
    pub measures: Vec<MeasureSeries>,
    /// The person's own latest observations and case material, newest first.
    pub observations: Vec<FeedItem>,
}

pub async fn take_records(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Bytes,
) -> Result<Json<FieldResults>, ServerError> {
    if !device.field_app {
        return Err(ServerError::Forbidden(
            "This device keeps a replica of its streams: send its records by sync (POST /api/v1/streams/{stream_id}/sync), not as field records.".into(),
        ));
    }
    let sent: FieldRecords = serde_json::from_slice(&body).map_err(|e| {
        ServerError::BadRequest(format!(
            "Send JSON {{\"records\": [...]}}, each record with its id, stream, recorded_at and event ({e})."
        ))
    })?;
    if sent.records.len() > MAX_FIELD_RECORDS {
        return Err(ServerError::BadRequest(format!(
            "{} records in one request is more than the {MAX_FIELD_RECORDS} taken at once: send them in turn.",
            sent.records.len()
        )));
    }
    let results = state
        .with(move |s| Ok(s.take_field_records(&device, sent.records)?))
        .await?;
    Ok(Json(FieldResults { results }))
}

fn field_project(
    storage: &dyn crate::storage::Storage,
    access: &StreamAccess,
    reader: &Reader,
) -> Result<FieldProject, ServerError> {
    let detail = storage.project_detail(access.stream_id)?;
    let mut measures = Vec::new();
    for line in &detail.overview.measures {
        if let Some(series) = storage.measure(line.id)? {
            measures.push(series);
        }
    }
    let person = reader.person();
    let observations = storage
        .feed(access.stream_id, FEED_LOOKBACK)?
        .into_iter()
        .filter(|o| o.recorded_by == person)
        .take(OWN_OBSERVATIONS)
        .collect();
    let decision = access.decision();
    Ok(FieldProject {
        stream_id: access.stream_id,
        name: access.name.clone(),
        roles: access.roles.iter().map(|r| r.name().to_string()).collect(),
        may_record: FIELD_KINDS
            .iter()
            .filter(|k| decision.may_record(**k))
            .map(|k| k.name())
            .collect(),
        detail,
        measures,
        observations,
    })
}

pub async fn snapshot(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
) -> Result<Json<FieldSnapshot<FieldProject>>, ServerError> {
    let snapshot = state
        .with(move |s| {
            let reader = Reader::Device(device.clone());
            let mut projects = Vec::new();
            for stream in s.streams_for(device.person)? {
                if stream.kind != StreamKind::Project {
                    continue;
                }
                let (_, project) = access::read(
                    s,
                    &reader,
                    &route,
                    Of::Stream(stream.stream_id),
                    Need::Member,
                    |s, access| field_project(s, access, &reader),
                )?;
                projects.push(project);
            }
            Ok(FieldSnapshot {
                person_id: device.person,
                name: device.person_name.clone(),
                device_id: device.id,
                projects,
            })
        })
        .await?;
    Ok(Json(snapshot))
}

/// The person signs out of the field app: its device's token ends now.
pub async fn sign_out(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<StatusCode, ServerError> {
    if !device.field_app {
        return Err(ServerError::Forbidden(
            "This device is not the field app: an administrator revokes a phone (praxis-server admin revoke-device).".into(),
        ));
    }
    state
        .with(move |s| Ok(s.end_device_token(device.id)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The read API: the streams a device's person may read, and each stream's views,
//! events, receipts and feed, and its records (cycles, measures, histories). Every
//! read goes through `access::read` (membership, then the access log under the route).

use super::auth::AuthDevice;
use crate::access::{self, Id, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{EventView, Receipt, Storage, StreamAccess};
use axum::Json;
use axum::extract::{Query, State};
use praxis_core::dates::today;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::views::FeedItem;
use praxis_core::protocol::{ChartQuery, StreamEntry, StreamList};
use serde::{Deserialize, Serialize};

/// A stream's events, as `GET /api/v1/streams/{stream_id}/events` answers.
#[derive(Serialize)]
pub struct EventList {
    pub events: Vec<EventView>,
}

/// A stream's receipts, oldest first.
#[derive(Serialize)]
pub struct ReceiptList {
    pub receipts: Vec<Receipt>,
}

/// A stream's latest observations, newest first.
#[derive(Serialize)]
pub struct Feed {
    pub observations: Vec<FeedItem>,
}

fn entry(s: &StreamAccess, heads: Vec<String>) -> StreamEntry {
    let roles: Vec<String> = s.roles.iter().map(|r| r.name().to_string()).collect();
    StreamEntry {
        stream_id: s.stream_id,
        kind: s.kind,
        name: s.name.clone(),
        collaborative: s.collaborative,
        team: s.team,
        role: roles.join(","),
        roles,
        read_only: s.read_only,
        heads: Some(heads),
    }
}

pub async fn list_streams(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<StreamList>, ServerError> {
    let (streams, heads, people) = state
        .with(move |s| {
            let streams = s.streams_for(device.person)?;
            let ids: Vec<StreamId> = streams.iter().map(|a| a.stream_id).collect();
            let heads = s.stream_heads(&ids)?;
            let people = s.people_of(&streams)?;
            Ok((streams, heads, people))
        })
        .await?;
    Ok(Json(StreamList {
        streams: streams
            .iter()
            .zip(heads)
            .map(|(s, heads)| entry(s, heads))
            .collect(),
        people,
    }))
}

/// Answers with what `read` gives of a stream (or record) the device's person may read.
async fn read<T: Serialize + Send + 'static>(
    state: &AppState,
    device: crate::storage::Device,
    route: Route,
    of: Of,
    read: impl FnOnce(&dyn Storage, &StreamAccess) -> Result<T, ServerError> + Send + 'static,
) -> Result<Json<T>, ServerError> {
    let value = state
        .with(move |s| {
            access::read(s, &Reader::Device(device), &route, of, Need::Member, read)
                .map(|(_, value)| value)
        })
        .await?;
    Ok(Json(value))
}

/// A record's view, or "not found" when the id is not `what`.
fn found<T>(value: Option<T>, id: EventId, what: &str) -> Result<T, ServerError> {
    value.ok_or_else(|| ServerError::NotFound(format!("{id} is not {what}.")))
}

pub async fn stream_view(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<crate::storage::StreamView>, ServerError> {
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        Ok(s.stream_view(stream)?)
    })
    .await
}

pub async fn stream_events(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<EventList>, ServerError> {
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        Ok(EventList {
            events: s.events(stream)?,
        })
    })
    .await
}

pub async fn stream_receipts(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<ReceiptList>, ServerError> {
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        Ok(ReceiptList {
            receipts: s.receipts(stream)?,
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct FeedQuery {
    limit: Option<u32>,
}

pub async fn stream_feed(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
    Query(q): Query<FeedQuery>,
) -> Result<Json<Feed>, ServerError> {
    let limit = q.limit.unwrap_or(50).min(1000);
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        Ok(Feed {
            observations: s.feed(stream, limit)?,
        })
    })
    .await
}

pub async fn project_detail(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<praxis_core::domain::views::ProjectDetail>, ServerError> {
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        Ok(s.project_detail(stream)?)
    })
    .await
}

pub async fn dashboard(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(stream, ..): Id<StreamId>,
) -> Result<Json<praxis_core::domain::dashboard::Dashboard>, ServerError> {
    let person = device.person;
    read(&state, device, route, Of::Stream(stream), move |s, _| {
        s.dashboard(person, stream, today())?.ok_or_else(|| {
            ServerError::NotFound(format!("{stream} is not a collaborative with events."))
        })
    })
    .await
}

pub async fn record_history(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(id, ..): Id<EventId>,
) -> Result<Json<praxis_core::domain::views::RecordHistory>, ServerError> {
    read(&state, device, route, Of::Record(id), move |s, _| {
        found(s.history(id)?, id, "a record")
    })
    .await
}

pub async fn cycle(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(id, ..): Id<EventId>,
) -> Result<Json<praxis_core::domain::views::CycleView>, ServerError> {
    read(&state, device, route, Of::Record(id), move |s, _| {
        found(s.cycle(id)?, id, "a cycle")
    })
    .await
}

pub async fn measure(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(id, ..): Id<EventId>,
) -> Result<Json<praxis_core::domain::views::MeasureSeries>, ServerError> {
    read(&state, device, route, Of::Record(id), move |s, _| {
        found(s.measure(id)?, id, "a measure")
    })
    .await
}

pub async fn measure_chart(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    route: Route,
    Id(id, ..): Id<EventId>,
    Query(q): Query<ChartQuery>,
) -> Result<Json<praxis_core::domain::measure_chart::MeasureChart>, ServerError> {
    let from = q.points().map_err(ServerError::BadRequest)?;
    read(&state, device, route, Of::Record(id), move |s, _| {
        found(s.measure_chart(id, &from)?, id, "a measure")
    })
    .await
}
